"""`grader solve` / `grader validate` as a user runs them (main(argv), no subprocess)."""
import json

from grader.cli import main

from .conftest import EXERCISES


def test_solve_json_matches_the_origin_notebook(capsys):
    assert main(["solve", str(EXERCISES / "cnn-8x8x3.yaml"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [layer["params"] for layer in out["layers"]] == [1792, 0, 8320, 0, 0, 66564, 2585]
    assert out["total_params"] == 79261
    assert out["layers"][0]["formula"] == "(3*3*3 + 1) * 64"
    assert out["layers"][0]["output_shape"] == [6, 6, 64]
    assert out["layers"][0]["macs"] == 62208


def test_solve_table_prints_worked_formulas_and_total(capsys):
    assert main(["solve", str(EXERCISES / "cnn-8x8x3.yaml")]) == 0
    out = capsys.readouterr().out
    assert "(3*3*3 + 1) * 64 =  1,792" in out
    assert "Total params: 1,792 + 8,320 + 66,564 + 2,585 = 79,261" in out
