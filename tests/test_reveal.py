"""`reveal` in every output a student can see: what it hides appears in none of them.

One submission with a named mistake, follow-through, a correct, an unreadable and a missing
answer is graded under each reveal, through `grader.check` (JSON, HTML report, notebook cell,
terminal summary) and `grader grade` (the class report, results.json, Gradescope's
results.json, the Moodle worksheet's feedback comment). The texts that reveal hides are
worked out from the answer key, not written by hand.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

import grader
from grader.batch import Options, grade_class
from grader.feedback import result_json, value_text
from grader.key import answer_key

from .conftest import EXERCISES

ANSWERS = """\
layers:
  conv1: {output_shape: 8x8x64, params: 1728}
  pool1: {output_shape: 4x4x64, params: 0}
  conv2: {output_shape: 4x4x128, params: 8320}
  pool2: {output_shape: 2x2x128, params: lots}
  flatten: {output_shape: 512}
  fc: {output_shape: 516, params: 264708}
  out: {output_shape: 5, params: 2585}
total_params: 277341
"""
SUBMISSION = "Ada Lovelace_1234567_assignsubmission_file_answers.yaml"


def _exercise(folder: Path, reveal: str) -> Path:
    text = (EXERCISES / "cnn-8x8x3.yaml").read_text(encoding="utf-8")
    path = folder / f"cnn-{reveal}.yaml"
    path.write_text(re.sub(r"reveal: \w+", f"reveal: {reveal}", text), encoding="utf-8")
    return path


def _without_style(html: str) -> str:
    return re.sub(r"<style>.*?</style>", "", html, flags=re.S)


def outputs(tmp_path: Path, reveal: str) -> dict[str, str]:
    """Every output a student may be shown, as text."""
    exercise = _exercise(tmp_path, reveal)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / SUBMISSION).write_text(ANSWERS, encoding="utf-8")
    checked = grader.check(exercise, folder / SUBMISSION)
    out = tmp_path / "graded"
    grade_class(str(exercise), [str(folder)], Options(out=out, gradebook=("csv", "moodle"), gradescope=True, jobs=1))
    worksheet = list(csv.DictReader(io.StringIO((out / "gradebook-moodle.csv").read_text(encoding="utf-8"))))
    entry = json.loads((out / "results.json").read_text(encoding="utf-8"))[0]
    entry.pop("score"), entry.pop("max_score")  # the grade pipelines record, not feedback: kept by design
    return {
        "check json": json.dumps(result_json(checked), ensure_ascii=False),
        "check html": _without_style(checked.report_html()),
        "notebook cell": _without_style(checked._repr_html_()),
        "terminal": checked.summary(),
        "class report": _without_style((out / entry["report"]).read_text(encoding="utf-8")),
        "results.json": json.dumps(entry, ensure_ascii=False),
        "gradescope": json.dumps({k: v for k, v in json.loads(
            (out / "gradescope" / "Ada_Lovelace" / "results.json").read_text()).items() if k != "score"},
            ensure_ascii=False),
        "moodle comment": worksheet[0]["Feedback comments"],
    }


def hidden_texts(tmp_path: Path, reveal: str) -> list[str]:
    """What ``reveal`` hides, from the key and the graded items; texts the student wrote
    themselves, or that the exercise shows anyway, are left out."""
    exercise = grader.load_exercise(EXERCISES / "cnn-8x8x3.yaml")
    (tmp_path / "answers.yaml").write_text(ANSWERS, encoding="utf-8")
    result = grader.check(EXERCISES / "cnn-8x8x3.yaml", tmp_path / "answers.yaml")
    shown_anyway = ANSWERS + exercise.instructions + "8x8x3 (9, 9, 16) 9x9x16 1216 (3*3*2 + 1)*64"
    texts = set()
    if reveal in ("correctness", "nothing"):
        for expected in answer_key(exercise).items:
            texts |= {expected.formula, value_text(expected.value)}
        for item in result.items:
            texts |= {item.working, item.own_formula}
    if reveal == "nothing":
        texts |= {"Forgot the bias", "forgot_bias", "Wrong padding", "wrong_padding", "follow-through",
                  "Follow-through", "Credited", "incorrect", "Correct", "✓", "✗", "↪", "15 / 16", "94%"}
        texts |= {item.mistake_title for item in result.items if item.mistake}
    return sorted(t for t in texts if len(t) >= 3 and t not in shown_anyway)


@pytest.mark.parametrize("reveal", ["correctness", "nothing"])
def test_nothing_hidden_appears_in_any_output(tmp_path, reveal):
    texts = hidden_texts(tmp_path, reveal)
    assert "(3*3*3 + 1) * 64 = 1,792" in texts and "3*3*3 * 64 = 1,728" in texts  # the test can fail
    for name, text in outputs(tmp_path, reveal).items():
        leaked = [t for t in texts if t in text]
        assert not leaked, f"reveal {reveal}: {name} shows {leaked}"


def test_reveal_answers_shows_what_the_others_hide(tmp_path):
    shown = outputs(tmp_path, "answers")
    for name in ("check json", "check html", "terminal", "class report", "results.json"):
        assert "(3*3*3 + 1) * 64 = 1,792" in shown[name], name
    for name in ("check html", "class report", "gradescope"):
        assert "3*3*3 * 64 = 1,728" in shown[name], name
    assert "forgot the bias" in shown["moodle comment"]
