"""grader inside Gradescope (``python -m grader.autograder``): which file is graded, results.json
in Markdown with the visibility ``reveal`` asks, and a valid results.json whatever happens."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader import autograder
from grader.autograder import fenced, has_answers_cell, md_escape, pick_submission, problems
from grader.checking import check

from .conftest import EXERCISES, FORMATS, ROOT

CNN = EXERCISES / "cnn-8x8x3.yaml"
SAMPLES = ROOT / "samples" / "cnn-8x8x3"


def sample(name: str) -> Path:
    return next(SAMPLES.glob(f"{name}_*"))


def autograder_root(tmp_path: Path, files: dict[str, Path | bytes]) -> Path:
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    for name, content in files.items():
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.read_bytes())
    shutil.copy(FORMATS / "submission_metadata.json", root / "submission_metadata.json")
    return root


def run(root: Path, exercise: Path = CNN, capsys=None) -> dict:
    assert autograder.main([str(root), "--exercise", str(exercise)]) == 0
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert problems(data) == []
    return data


def test_a_good_submission_gets_checks_score_in_markdown(tmp_path):
    root = autograder_root(tmp_path, {"hw.ipynb": sample("garciamaria")})
    data = run(root)
    expected = check(CNN, sample("garciamaria"))
    assert data["score"] == float(expected.score) == 12.0
    assert data["output_format"] == data["test_output_format"] == "md"
    assert [t["max_score"] for t in data["tests"]] == [float(i.max_points) for i in expected.items]
    assert {t["output_format"] for t in data["tests"]} == {"md"}
    assert data["tests"][1]["output"].startswith(r"Not correct \(forgot the bias\)\.")
    # the terminal summary (its template) in a code block, for the student
    assert "```text\nParameters of a small CNN" in data["output"]
    assert data["extra_data"]["student"] == "student@example.com"   # from submission_metadata.json
    assert data["visibility"] == "visible" and data["stdout_visibility"] == "hidden"


@pytest.mark.parametrize("name, content, reason", [
    ("empty.ipynb", b"", "the file is empty"),
    ("broken.ipynb", b'{"cells": [', "truncated"),
    ("image.ipynb", b"\x89PNG\r\n\x1a\n" + bytes(100), "is a PNG image"),
])
def test_an_unreadable_submission_scores_zero_with_what_to_do(tmp_path, name, content, reason):
    data = run(autograder_root(tmp_path, {name: content}))
    assert data["score"] == 0 and data["tests"] == []
    assert reason in data["output"].replace("\\", "") and "hand the file in again" in data["output"]


def test_no_gradable_file_says_what_to_upload(tmp_path):
    data = run(autograder_root(tmp_path, {"report.pdf": b"%PDF-1.4", "model.py": b"x = 1\n"}))
    assert data["score"] == 0
    assert "no notebook (.ipynb)" in data["output"] and "found: model.py, report.pdf" in data["output"]
    assert "upload the notebook with your answers" in data["output"]


def test_of_several_files_the_notebook_with_an_answers_cell_is_graded(tmp_path):
    scratch = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    root = autograder_root(tmp_path, {"scratch.ipynb": scratch, "hw/answers.ipynb": sample("garciamaria"),
                                      "notes.yaml": b"just: notes\n"})
    path, note = pick_submission(root / "submission")
    assert path.name == "answers.ipynb"
    assert note == ("Your submission holds 3 files that could be graded; hw/answers.ipynb was graded, the one "
                    "with an answers cell (notes.yaml, scratch.ipynb not graded).")
    data = run(root)
    assert data["score"] == 12 and data["output"].startswith(md_escape(note))


@pytest.mark.parametrize("files, says", [
    ({"a.ipynb": "garciamaria", "b.ipynb": "garciamaria"}, "(a.ipynb, b.ipynb) and 2 of them have an answers cell"),
    ({"a.ipynb": "brownliam", "b.yaml": "grantmia"}, "(a.ipynb, b.yaml) and none of them has an answers cell"),
])
def test_several_files_and_none_to_prefer(tmp_path, files, says):
    data = run(autograder_root(tmp_path, {name: sample(who) for name, who in files.items()}))
    assert data["score"] == 0
    assert f"holds 2 files that could be graded {says}: upload only the notebook" in data["output"]


def test_a_crash_of_grader_still_leaves_a_result(tmp_path, monkeypatch, capsys):
    root = autograder_root(tmp_path, {"hw.ipynb": sample("garciamaria")})

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr(autograder, "check", boom)
    data = run(root)
    assert data["score"] == 0 and "the autograder stopped before it could grade" in data["output"]
    assert data["extra_data"]["error"] == "RuntimeError: a bug"
    assert "Traceback" in capsys.readouterr().out   # for the instructor, in the hidden stdout


def test_a_form_export_of_a_whole_class_is_not_a_crash(tmp_path):
    data = run(autograder_root(tmp_path, {"responses.csv": ROOT / "samples" / "cnn-8x8x3-form" / "responses.csv"}))
    assert data["score"] == 0
    # a file handed in through an LMS speaks only for its student: a class's form export is refused
    assert data["output"].startswith("Not graded\\:") and "holds 7 respondents" in data["output"].replace("\\", "")


def test_reveal_nothing_is_published_later(tmp_path):
    exercise = tmp_path / "cnn.yaml"
    exercise.write_text(CNN.read_text(encoding="utf-8").replace("reveal: answers", "reveal: nothing"), encoding="utf-8")
    data = run(autograder_root(tmp_path, {"hw.ipynb": sample("garciamaria")}), exercise)
    assert data["visibility"] == "after_published"
    assert all("status" not in t and "forgot" not in t["output"] for t in data["tests"])


def test_answers_cell_detection():
    assert has_answers_cell(sample("garciamaria"))
    assert not has_answers_cell(ROOT / "samples" / "cnn-8x8x3-form" / "responses.csv")
    assert not has_answers_cell(sample("clarkisla"))   # empty


@pytest.mark.parametrize("text", ["[link](javascript:x)", "<img src=x onerror=alert(1)>", "**bold** _em_ `code`",
                                  "# heading", "1. list", "a\\b", "![i](http://x/y.png)"])
def test_student_text_stays_literal_markdown(text):
    escaped = md_escape(text)
    assert not any(ch in escaped.replace("\\" + ch, "") for ch in "<[`*_#!")
    assert escaped.replace("\\", "") == text.replace("\\", "")


def test_a_fence_no_backticks_inside_can_close():
    block = fenced("answer: ````` end")
    assert block.startswith("``````text\n") and block.endswith("\n``````")


@pytest.mark.parametrize("data, message", [
    ({"tests": []}, "no numeric 'score'"),
    ({"score": True}, "no numeric 'score'"),
    ({"score": 1, "output_format": "markdown"}, "'output_format'"),
    ({"score": 1, "tests": [{"score": "1"}]}, "test 1: 'score'"),
    ({"score": 1, "tests": [{"visibility": "public"}]}, "unknown output_format or visibility"),
])
def test_invalid_results_are_named(data, message):
    assert any(message in p for p in problems(data))


def test_the_sample_results_json_is_valid():
    assert problems(json.loads((FORMATS / "results.json").read_text(encoding="utf-8"))) == []
