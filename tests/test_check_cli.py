"""`grader check` as students and CI run it (main(argv), no subprocess), and grader.check
in a notebook: golden summaries and reports of real sample submissions, the JSON of SPEC
section 4, exit statuses, and `reveal` through the whole pipeline.
"""
from __future__ import annotations

import io
import json
import sys

import pytest

import grader
from grader.cli import main
from grader.result import Result

from .conftest import EXERCISES, ROOT
from .test_report import golden, parse, text_of

EXERCISE = "exercises/cnn-8x8x3.yaml"
SAMPLES = "samples/cnn-8x8x3"

# one of each kind of submission in the sample class (samples/generate.py says how each was made)
GOLDEN_SAMPLES = {
    "brownliam": "brownliam_40102_880101_params_exercise.ipynb",      # origin-notebook working, all right
    "garciamaria": "garciamaria_40107_880106_params_exercise.ipynb",  # forgot every bias; total follows through
    "kowalskipiotr": "kowalskipiotr_40111_880110_params_exercise.ipynb",  # pooling rounded up
    "rossimarco": "rossimarco_40118_880117_params_exercise.ipynb",    # hostile answers (<script>, {{ }})
    "bakerharry": "bakerharry_40127_880127_params_exercise.ipynb",    # truncated notebook
}


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    """Paths as a student types them: relative to the repository, so reports show them so."""
    monkeypatch.chdir(ROOT)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("name", sorted(GOLDEN_SAMPLES))
def test_summary_and_report_of_sample_submissions_match_golden(name, capsys, tmp_path):
    html = tmp_path / "report.html"
    status, out, err = run(capsys, EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES[name]}", "--html", str(html))
    assert (status, err) == (0, "")
    golden(f"check-{name}.txt", out)
    golden(f"check-{name}.html", html.read_text(encoding="utf-8"))


def test_summary_shows_verdicts_score_and_worked_formula(capsys):
    status, out, _ = run(capsys, EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES['garciamaria']}")
    assert status == 0
    line = next(line for line in out.splitlines() if "1728" in line)
    assert line.split()[:5] == ["parameters", "1728", "✗", "incorrect", "0/1"]
    assert line.endswith("(3*3*3 + 1) * 64 = 1,792")
    assert "↪ follow-through" in out and "Score: 12 / 16 (75%)" in out


def test_json_is_the_result_object_of_the_spec(capsys):
    status, out, _ = run(capsys, EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES['garciamaria']}", "--format", "json")
    data = json.loads(out)
    assert status == 0
    assert {k: data[k] for k in ("exercise", "student", "submission", "score", "max_score", "errors")} == {
        "exercise": "cnn-8x8x3", "student": "garciamaria", "submission": f"{SAMPLES}/{GOLDEN_SAMPLES['garciamaria']}",
        "score": 12.0, "max_score": 16.0, "errors": []}
    conv1 = next(i for i in data["items"] if i["layer"] == "conv1" and i["quantity"] == "params")
    assert {k: conv1[k] for k in ("answer", "expected", "status", "points", "max_points", "mistake")} == {
        "answer": "1728", "expected": 1792, "status": "incorrect", "points": 0, "max_points": 1,
        "mistake": "forgot_bias"}
    total = next(i for i in data["items"] if i["layer"] is None)
    assert total["quantity"] == "total_params" and total["status"] == "follow_through"


@pytest.mark.parametrize("sample,extra,expected", [
    ("brownliam", [], 0),
    ("brownliam", ["--require-full"], 0),
    ("garciamaria", [], 0),
    ("garciamaria", ["--require-full"], 1),
    ("bakerharry", [], 0),                      # unreadable: its reason is printed, the run did its job
    ("bakerharry", ["--require-full"], 1),
    ("garciamaria", ["--format", "json", "--require-full"], 1),
])
def test_exit_status(sample, extra, expected, capsys):
    status, _, err = run(capsys, EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES[sample]}", *extra)
    assert (status, err) == (expected, "")


def test_an_unreadable_submission_prints_its_reason(capsys):
    status, out, _ = run(capsys, EXERCISE, f"{SAMPLES}/clarkisla_40128_880128_params_exercise.ipynb")
    assert status == 0
    assert "the file is empty" in out and "Not graded: nothing could be read" in out and "Score: not graded" in out
    assert "hand the file in again" in out  # what to do about it


@pytest.mark.parametrize("argv,message", [
    ([EXERCISE, "no/such.ipynb"], "error: no/such.ipynb: no such file"),
    (["exercises/nope.yaml", f"{SAMPLES}/{GOLDEN_SAMPLES['brownliam']}"], "exercises/nope.yaml"),
    ([EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES['brownliam']}", "--format", "xml"], "invalid choice: 'xml'"),
    ([EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES['brownliam']}", "--templates", "no/such/dir"],
     "no/such/dir: no such folder of templates"),
    ([EXERCISE], "the following arguments are required: SUBMISSION"),
])
def test_bad_invocations_exit_2_with_one_line(argv, message, capsys):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith(("error", "grader"))]) == 1


def test_an_invalid_exercise_exits_2_naming_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXERCISES / "cnn-8x8x3.yaml").read_text().replace("filters: 64", "filter: 64"))
    status, out, err = run(capsys, str(bad), f"{SAMPLES}/{GOLDEN_SAMPLES['brownliam']}")
    assert (status, out) == (2, "")
    assert f"{bad}:" in err and "did you mean 'filters'" in err


def test_student_option_names_the_student(capsys):
    status, out, _ = run(capsys, EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES['brownliam']}", "--student", "s123",
                         "--format", "json")
    assert status == 0 and json.loads(out)["student"] == "s123"


FORM = ("Student ID,conv1 output shape,conv1 params,pool1 output shape,pool1 params,total params\n"
        "s1,6x6x64,1792,3x3x64,0,79261\n"
        "s2,6x6x64,1728,3x3x64,0,79197\n")


def test_a_form_export_needs_student_to_pick_a_respondent(tmp_path, capsys):
    form = tmp_path / "form.csv"
    form.write_text(FORM)
    status, _, err = run(capsys, EXERCISE, str(form))
    assert status == 2 and "holds 2 submissions (s1, s2); pass --student ID" in err
    status, out, _ = run(capsys, EXERCISE, str(form), "--student", "s2", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["student"] == "s2"
    assert next(i for i in data["items"] if i["layer"] == "conv1" and i["quantity"] == "params")["answer"] == "1728"
    status, _, err = run(capsys, EXERCISE, str(form), "--student", "s3")
    assert status == 2 and "no submission of 's3'" in err


def test_templates_override_the_summary(tmp_path, capsys):
    (tmp_path / "summary.txt.j2").write_text("{{ student.id }}: {{ score.points }}/{{ score.max }}\n")
    status, out, _ = run(capsys, EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES['garciamaria']}",
                         "--templates", str(tmp_path))
    assert (status, out) == (0, "garciamaria: 12/16\n")


# -- reveal through the whole pipeline -----------------------------------------------------

WRONG = """conv1: {output_shape: 7x7x64, params: 1728}
pool1: {output_shape: 4x4x64, params: 0}
conv2: {output_shape: 4x4x128, params: 8192}
pool2: {output_shape: 2x2x128, params: 0}
flatten: {output_shape: 512, params: 0}
fc: {output_shape: 516, params: 264708}
out: {output_shape: 5, params: 2580}
total_params: 277208
"""
EXPECTED_TEXTS = ["1,792", "1792", "6x6x64", "3x3x64", "8,320", "8320", "1x1x128", "66,564", "66564",
                  "2,585", "79,261", "79261", "(3*3*3 + 1) * 64", "(8 - 3)/1 + 1"]


@pytest.mark.parametrize("reveal", ["correctness", "nothing"])
def test_no_output_shows_hidden_expected_values(reveal, tmp_path, capsys):
    exercise = tmp_path / "ex.yaml"
    exercise.write_text((EXERCISES / "cnn-8x8x3.yaml").read_text().replace("reveal: answers", f"reveal: {reveal}"))
    answers = tmp_path / "s9.yaml"
    answers.write_text(WRONG)
    html = tmp_path / "r.html"
    outputs = {}
    status, outputs["text"], _ = run(capsys, str(exercise), str(answers), "--html", str(html))
    assert status == 0
    _, outputs["json"], _ = run(capsys, str(exercise), str(answers), "--format", "json")
    outputs["html"] = html.read_text()
    outputs["cell"] = grader.check(exercise, answers)._repr_html_()
    for name, text in outputs.items():
        leaked = [t for t in EXPECTED_TEXTS if t in text]
        assert leaked == [], f"reveal {reveal}: the {name} output shows {leaked}"
    assert all(item["expected"] is None for item in json.loads(outputs["json"])["items"])
    if reveal == "correctness":
        assert "✗ incorrect" in outputs["text"] and "Forgot the bias" in outputs["text"]
    else:
        assert "incorrect" not in outputs["text"] and "• received" in outputs["text"]


# -- the library call students run in a notebook -------------------------------------------

def test_grader_check_returns_a_result_that_displays_as_the_report():
    result = grader.check(ROOT / EXERCISE, ROOT / SAMPLES / GOLDEN_SAMPLES["garciamaria"])
    assert isinstance(result, Result) and result.score == 12 and not result.full_marks
    cell = result._repr_html_()
    assert "<html" not in cell and cell.lstrip().startswith("<style>")
    doc = parse(f"<!doctype html><title>cell</title>{cell}")
    assert text_of(doc.find(".//div[@role='status']")).startswith("Score 12 / 16")
    assert doc.findall(".//script") == []
    assert result.summary().startswith("Parameters of a small CNN")
    assert json.loads(json.dumps(result.to_json()))["score"] == 12.0


def test_a_console_without_unicode_gets_escapes_not_a_traceback(monkeypatch):
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(["check", EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES['garciamaria']}"]) == 0
    stream.flush()
    assert "\\u2713 10 correct" in stream.buffer.getvalue().decode("ascii")


TOTAL_EXERCISE = """\
id: named-total
input_shape: [8, 8, 3]
layers:
  - {type: Conv2D, name: conv1, filters: 64, kernel_size: 3}
  - {type: Flatten, name: flatten}
  - {type: Dense, name: total, units: 5}
ask: {output_shape: 1, params: 1, total_params: 2}
"""


def test_a_layer_named_total_grades_like_any_other_through_check_and_grade(tmp_path, capsys):
    """Issue 8's crash: the memo of a layer's worked items and the total's shared a key."""
    exercise = tmp_path / "named-total.yaml"
    exercise.write_text(TOTAL_EXERCISE)
    answers = tmp_path / "s1.yaml"
    answers.write_text("layers:\n  conv1: {output_shape: 6x6x64, params: 1728}\n"
                       "  flatten: {output_shape: 2304, params: 0}\n  total: {output_shape: 5, params: 11525}\n"
                       "total_params: 13253\n")
    assert main(["check", str(exercise), str(answers), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    statuses = {(i["layer"], i["quantity"]): (i["status"], i["mistake"]) for i in data["items"]}
    assert statuses[("total", "params")] == ("correct", None)
    assert statuses[("conv1", "params")] == ("incorrect", "forgot_bias")
    assert statuses[(None, "total_params")] == ("follow_through", None)   # the sum of the student's own layers
    assert data["score"] == 7.0
    out = tmp_path / "graded"
    assert main(["grade", str(exercise), str(answers), "--out", str(out)]) == 0
    [entry] = json.loads((out / "results.json").read_text())
    assert entry["score"] == 7.0 and "internal error" not in json.dumps(entry)


def test_the_result_of_grader_check_shows_itself_briefly_at_a_prompt_and_as_the_report_in_jupyter():
    import grader

    result = grader.check(EXERCISE, f"{SAMPLES}/{GOLDEN_SAMPLES['garciamaria']}")
    text = repr(result)
    assert text == result.summary() and len(text) < 3000 and "Fraction" not in text
    assert "Score: 12 / 16 (75%)" in text
    assert result._repr_html_().lstrip().startswith("<style>")
    assert float(result.score) == 12.0 and not result.full_marks and result.gradable
