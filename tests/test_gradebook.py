"""Gradebooks against the LMS formats' rules (shared/formats/README.md and the samples)."""
import csv
import io
import re
from datetime import datetime
from fractions import Fraction

import pytest

from grader import gradebook
from grader.answers import Identity
from grader.batch import supersede
from grader.exercise import load_exercise
from grader.feedback import result_json, short_feedback
from grader.record import item_columns, record_of
from grader.result import Item, Result

from .conftest import EXERCISES, FORMATS



@pytest.fixture(scope="module")
def exercise():
    return load_exercise(EXERCISES / "cnn-8x8x3.yaml")


def _result(exercise, student, points, **identity):
    items = []
    for (layer, quantity), got in zip(item_columns(exercise), points):
        max_points = exercise.ask[quantity]
        right = got == max_points
        items.append(Item(layer=layer, quantity=quantity, answer="x", where="", value=1,
                          status="correct" if right else "incorrect", points=Fraction(got), max_points=max_points,
                          expected=1, formula="1", mistake=None if right else "forgot_bias",
                          mistake_title="" if right else "Forgot the bias"))
    return Result(exercise=exercise.id, submission=f"{student}.ipynb",
                  identity=Identity(student=student, **identity), items=tuple(items), max_score=exercise.max_score)


@pytest.fixture(scope="module")
def graded(exercise):
    n = len(item_columns(exercise))
    full = [exercise.ask[q] for _, q in item_columns(exercise)]
    return [
        _result(exercise, "doejane", full, name="Jane Doe", canvas_id="12345", moodle_participant="1234567"),
        _result(exercise, "smithjohn", [Fraction(1)] * (n - 1) + [Fraction(0)], canvas_id="12346",
                moodle_participant="1234568", late=True),
        Result(exercise=exercise.id, submission="broken.ipynb", identity=Identity(student="kimlee", canvas_id="12348"),
               errors=("the notebook is not valid JSON (line 3)",), max_score=exercise.max_score),
        _result(exercise, "nolms", full),
    ]


@pytest.fixture(scope="module")
def results(exercise, graded):
    """The records a class run keeps of the results above."""
    return [record_of(r, item_columns(exercise)) for r in graded]


def _rows(text):
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("value, text", [
    (Fraction(16), "16.00"), (Fraction(17, 2), "8.50"), (Fraction(1, 3), "0.33"), (Fraction(2, 3), "0.67"),
    (sum([Fraction("0.1")] * 30, Fraction(0)), "3.00"), (Fraction(0), "0.00"),
])
def test_decimal_is_exact(value, text):
    assert gradebook.decimal(value) == text


def test_canvas_matches_the_import_rules(exercise, results):
    text, skipped = gradebook.canvas_csv(results, exercise, gradebook.GradebookOptions(assignment_id="1001"))
    rows = _rows(text)
    sample = _rows((FORMATS / "canvas_gradebook_minimal.csv").read_text())
    header = rows[0]
    assert header[:2] == ["Student", "ID"]
    assert header.index("Section") == len(header) - 2  # Section last among the identity columns
    assert re.fullmatch(r".+ \(1001\)", header[-1]) and header[-1].startswith(exercise.title)
    assert rows[1][0] == "    Points Possible" and rows[1][-1] == "16.00"
    assert sample[1][0] == rows[1][0]
    by_id = {row[1]: row for row in rows[2:]}
    assert by_id["12345"][-1] == "16.00" and by_id["12345"][0] == "Jane Doe"
    assert by_id["12346"][-1] == "14.00"
    assert by_id["12348"][-1] == ""           # ungradable: the Canvas grade is left as it is
    assert skipped == ["nolms.ipynb: no Canvas user id in the file name"]


def test_canvas_without_assignment_id_uses_the_title(exercise, results):
    text, _ = gradebook.canvas_csv(results, exercise, gradebook.GradebookOptions(assignment_title="Lab 3"))
    assert _rows(text)[0][-1] == "Lab 3"


def test_moodle_matches_the_worksheet(exercise, results):
    when = datetime(2024, 9, 3, 9, 0)
    text, skipped = gradebook.moodle_csv(results, exercise, gradebook.GradebookOptions(graded_at=when))
    rows = _rows(text)
    sample_header = _rows((FORMATS / "moodle_worksheet.csv").read_text())[0]
    assert rows[0] == sample_header
    for required in ("Identifier", "Grade", "Last modified (grade)", "Feedback comments"):
        assert required in rows[0]
    col = {name: i for i, name in enumerate(rows[0])}
    jane = rows[1]
    assert jane[col["Identifier"]] == "Participant 1234567"
    assert jane[col["Grade"]] == "16.00" and jane[col["Maximum Grade"]] == "16.00"
    assert jane[col["Last modified (grade)"]] == "Tuesday, 3 September 2024, 9:00 AM"
    assert "All answers correct" in jane[col["Feedback comments"]]
    john = rows[2]
    assert "total parameters: incorrect (forgot the bias)" in john[col["Feedback comments"]]
    assert len(rows) == 3  # kimlee and nolms have no participant id
    assert len(skipped) == 2


@pytest.mark.parametrize("when, text", [
    (datetime(2024, 9, 2, 10, 15), "Monday, 2 September 2024, 10:15 AM"),
    (datetime(2026, 11, 25, 0, 5), "Wednesday, 25 November 2026, 12:05 AM"),
    (datetime(2026, 11, 25, 12, 0), "Wednesday, 25 November 2026, 12:00 PM"),
    (datetime(2026, 11, 25, 23, 59), "Wednesday, 25 November 2026, 11:59 PM"),
])
def test_moodle_dates(when, text):
    assert gradebook.moodle_date(when) == text


def test_plain_csv_has_every_item(exercise, results):
    rows = _rows(gradebook.plain_csv(results, exercise))
    header = rows[0]
    assert header[:8] == ["student", "name", "email", "submission", "score", "max_score", "percent", "status"]
    assert "conv1.params" in header and "total_params" in header
    col = {name: i for i, name in enumerate(header)}
    assert rows[1][col["score"]] == "16.00" and rows[1][col["percent"]] == "100.0"
    assert rows[2][col["late"]] == "yes" and rows[2][col["total_params"]] == "0.00"
    assert rows[3][col["status"]] == "not graded" and "not valid JSON" in rows[3][col["errors"]]


def test_reveal_nothing_keeps_the_feedback_vague(exercise, graded):
    text = short_feedback(graded[1], "nothing")
    assert "received" in text and "14" not in text and "total" not in text and "bias" not in text


def test_one_row_per_lms_id_last_submission_wins(exercise, results):
    again = record_of(_result(exercise, "doejane-1", [Fraction(0)] * len(item_columns(exercise)),
                              canvas_id="12345"), item_columns(exercise))
    records = supersede([*results, again])
    text, left_out = gradebook.canvas_csv(records, exercise, gradebook.GradebookOptions())
    rows = [r for r in _rows(text)[2:] if r[1] == "12345"]
    assert len(rows) == 1 and rows[0][-1] == "0.00"
    plain = _rows(gradebook.plain_csv(records, exercise))
    assert plain[1][7] == "superseded by doejane-1.ipynb" and plain[-1][7] == "graded"


def _graded(exercise_file, changes):
    from grader.grading import grade_answers, solution_answers
    exercise = load_exercise(EXERCISES / exercise_file)
    return exercise, grade_answers(exercise, solution_answers(exercise, changes=changes))


def test_gradescope_results_follow_the_autograder_format():
    exercise, result = _graded("cnn-8x8x3.yaml", {("conv1", "params"): "1728"})
    data = gradebook.gradescope_results(result, exercise)
    assert data["score"] == 15.0 and data["visibility"] == "visible"
    assert [t["number"] for t in data["tests"]][:2] == ["1.1", "1.2"]
    conv1 = next(t for t in data["tests"] if t["name"] == "conv1 parameters")
    assert conv1["status"] == "failed" and conv1["score"] == 0.0 and conv1["max_score"] == 1.0
    assert "1,792" in conv1["output"]
    assert all(set(t) >= {"name", "score", "max_score", "output", "visibility"} for t in data["tests"])


def test_reveal_nothing_hides_item_points_and_defers_gradescope():
    exercise, result = _graded("conv3d-video.yaml", {})
    assert exercise.grading.reveal == "nothing"
    items = result_json(result)["items"]
    assert all(i["points"] is None and i["status"] == "received" and i["expected"] is None for i in items)
    data = gradebook.gradescope_results(result, exercise)
    assert data["visibility"] == "after_published"
    assert all("status" not in t and t["visibility"] == "after_published" for t in data["tests"])
