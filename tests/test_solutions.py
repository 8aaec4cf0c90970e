"""solutions/<id>.md is exactly `grader solve exercises/<id>.yaml --format markdown`.

Refresh every worked solution after changing an exercise or the Markdown layout:

    GRADER_REFRESH_GOLDEN=1 python -m pytest tests/test_solutions.py
"""
import os

import pytest

from grader.cli import main

from .conftest import EXERCISES, ROOT

SOLUTIONS = ROOT / "solutions"
REFRESH = os.environ.get("GRADER_REFRESH_GOLDEN") == "1"
REFRESH_COMMAND = "GRADER_REFRESH_GOLDEN=1 python -m pytest tests/test_solutions.py"
IDS = sorted(p.stem for p in EXERCISES.glob("*.yaml"))


def solve_markdown(exercise, capsys) -> str:
    assert main(["solve", str(exercise), "--format", "markdown"]) == 0
    return capsys.readouterr().out


def assert_golden(path, actual: str) -> None:
    """Compare with the committed file, or rewrite it when GRADER_REFRESH_GOLDEN=1."""
    if REFRESH:
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing; create it with: {REFRESH_COMMAND}")
    if path.read_text(encoding="utf-8") != actual:
        pytest.fail(f"{path.relative_to(ROOT)} is stale (it differs from `grader solve --format markdown`); "
                    f"refresh it with: {REFRESH_COMMAND}")


@pytest.mark.parametrize("ex_id", IDS)
def test_worked_solution_is_current(ex_id, capsys):
    assert_golden(SOLUTIONS / f"{ex_id}.md", solve_markdown(EXERCISES / f"{ex_id}.yaml", capsys))


def test_no_worked_solution_without_its_exercise():
    assert sorted(p.stem for p in SOLUTIONS.glob("*.md")) == IDS


def test_a_stale_solution_fails_with_the_refresh_command(tmp_path, monkeypatch):
    stale = tmp_path / "x.md"
    stale.write_text("old\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    with pytest.raises(pytest.fail.Exception, match="x.md is stale .* refresh it with: GRADER_REFRESH_GOLDEN=1"):
        assert_golden(stale, "new\n")
    with pytest.raises(pytest.fail.Exception, match="y.md is missing; create it with: GRADER_REFRESH_GOLDEN=1"):
        assert_golden(tmp_path / "y.md", "new\n")


def test_the_origin_notebooks_worked_table_is_in_its_solution():
    text = (SOLUTIONS / "cnn-mnist.md").read_text(encoding="utf-8")
    assert "| 1 | conv2d1 | Conv2D | 24x24x32 | (5\\*5\\*1 + 1) \\* 32 = 832 |" in text
    assert "| 6 | dense | Dense | 256 | (800 + 1) \\* 256 = 205,056 |" in text
    assert "Sum of the layers: 832 + 9,248 + 205,056 + 2,570 = 217,706." in text
