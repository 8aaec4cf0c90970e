"""``grader import`` from the command line: stdout or -o (never overwriting without --force),
notes on stderr, exit status 2 with one line for what cannot be read; the file it writes
passes ``grader validate`` and ``grader solve`` at once."""
from __future__ import annotations

from grader.cli import build_parser, main

from .conftest import ORIGIN, ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def test_import_prints_the_exercise_to_stdout(capsys):
    assert main(["import", str(FIXTURES / "classroom_cnn.ipynb")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# Imported by `grader import` from classroom_cnn.ipynb (model)")
    assert "id: classroom-cnn\n" in out and "input_shape: [28, 28, 1]" in out
    assert err == ""


def test_import_writes_a_file_that_validates_and_solves(tmp_path, capsys):
    target = tmp_path / "origin.yaml"
    assert main(["import", str(ORIGIN), "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert "7 layers, 217,706 parameters" in out and f"grader solve {target}" in out
    assert main(["validate", str(target)]) == 0
    capsys.readouterr()
    assert main(["solve", str(target)]) == 0
    table = capsys.readouterr().out
    assert "(5*5*1 + 1) * 32 =     832" in table and "217,706" in table


def test_import_refuses_to_overwrite_without_force(tmp_path, capsys):
    target = tmp_path / "exercise.yaml"
    target.write_text("mine\n")
    assert main(["import", str(ORIGIN), "-o", str(target)]) == 2
    assert "exists; pass --force to overwrite it" in capsys.readouterr().err
    assert target.read_text() == "mine\n"
    assert main(["import", str(ORIGIN), "-o", str(target), "--force"]) == 0
    assert target.read_text().startswith("# Imported by")


def test_import_options_reach_the_importer(capsys):
    args = ["import", str(FIXTURES / "torch_several_models.py"), "--model", "CNN", "--framework", "pytorch"]
    assert main(args) == 0
    assert "out_features: 10" in capsys.readouterr().out
    args = ["import", str(FIXTURES / "torch_reused_pool.py"), "--input-shape", "3,32,32"]
    assert main(args) == 0
    assert "input_shape: [3, 32, 32]" in capsys.readouterr().out


def test_notes_go_to_stderr(capsys):
    assert main(["import", str(FIXTURES / "keras1_convolution2d.py")]) == 0
    out, err = capsys.readouterr()
    assert "note: keras1_convolution2d.py:7: " in err and "note:" not in out


def test_what_cannot_be_read_is_one_line_and_status_2(capsys):
    assert main(["import", str(FIXTURES / "errors" / "loop_adds_layers.py")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: loop_adds_layers.py:5: ") and err.count("\n") == 1
    assert main(["import", str(FIXTURES / "missing.py")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_help_says_force_and_gives_examples():
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["import"]
    text = sub.format_help()
    assert "--force" in text and "refuses to overwrite" in text
    assert "grader import lecture.ipynb -o" in text


def test_the_readme_steps_import_notebook_and_grade_to_full_marks(tmp_path, capsys):
    """Import, then the solution notebook of the imported exercise grades to full marks
    (dotted PyTorch names such as block1.conv1 included)."""
    import json

    for source in ("torch_resnet_blocks.py", "keras_functional_residual.py"):
        exercise, notebook = tmp_path / f"{source}.yaml", tmp_path / f"{source}.ipynb"
        assert main(["import", str(FIXTURES / source), "-o", str(exercise)]) == 0
        assert main(["notebook", str(exercise), "--solution", "-o", str(notebook)]) == 0
        capsys.readouterr()
        assert main(["check", str(exercise), str(notebook), "--format", "json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["score"] == result["max_score"] > 0 and result["errors"] == []
