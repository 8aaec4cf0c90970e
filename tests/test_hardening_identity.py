"""Issue 9, identities: a file speaks only for the student the LMS names. A form export in an
LMS download cannot grade classmates, a student's own submission_metadata.json does not
make them someone else, and Canvas names are not mistaken for Moodle ones."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import SubmissionError
from grader.exercise import load_exercise
from grader.readers import read_path
from grader.readers.identity import find_gradescope_metadata, identify

from .conftest import EXERCISES, FORMATS, ROOT

EXERCISE = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
SAMPLES = ROOT / "samples" / "cnn-8x8x3"
CANVAS_QUIZ = ROOT / "tests" / "fixtures" / "forms" / "canvas_student_analysis.csv"
ANN = {"users": [{"email": "ann@example.com", "id": 1111, "name": "Ann Lee"}]}
BOB = {"users": [{"email": "bob@example.com", "id": 2222, "name": "Bob Roe"}]}


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


# -- Canvas names that hold Moodle's marker ---------------------------------------------------

@pytest.mark.parametrize("name, source, student, canvas_id, participant", [
    ("doejane_12345_98765_x_1234567_assignsubmission_file_y.ipynb", "canvas", "doejane", "12345", None),
    ("doejane_12345_98765_1234567_assignsubmission_file_y.ipynb", "canvas", "doejane", "12345", None),
    ("doejane_LATE_12345_98765_a_7_assignsubmission_onlinetext_b.ipynb", "canvas", "doejane", "12345", None),
    ("Jane Doe_1234567_assignsubmission_file_doejane_12345_98765_x.ipynb", "moodle", "Jane Doe", None, "1234567"),
    ("x_1_222_assignsubmission_file_y.ipynb", "moodle", "x_1", None, "222"),  # Moodle's marker follows the ids
    ("Jane Doe_1234567_assignsubmission_file/doejane_12345_98765_x.ipynb", "moodle", "Jane Doe", None, "1234567"),
])
def test_the_lms_prefix_decides_canvas_or_moodle(name, source, student, canvas_id, participant, tmp_path):
    identity = identify(tmp_path / name)
    assert (identity.source, identity.student, identity.canvas_id, identity.moodle_participant) == (
        source, student, canvas_id, participant)


# -- form exports inside LMS downloads ---------------------------------------------------------

def test_a_canvas_quiz_report_handed_in_as_one_students_file_is_refused(tmp_path):
    path = shutil.copy(CANVAS_QUIZ, tmp_path / "mallorym_40199_880199_answers.csv")
    with pytest.raises(SubmissionError) as caught:
        read_path(path, EXERCISE)
    assert caught.match(r"a file handed in through Canvas speaks only for mallorym \(from its Canvas file name\), "
                        r"but this form export holds \d+ respondents \(.*\); it is not graded")
    assert "\n" not in str(caught.value)


def test_a_hostile_csv_in_a_canvas_download_changes_no_classmates_grade(tmp_path):
    """The attack of issue 9: the quiz report's ``id`` column named two classmates (and a student
    who never submitted); the last row per id won in gradebook-canvas.csv."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("andersonemma_40101_880100_params_exercise.ipynb", "garciamaria_40107_880106_params_exercise.ipynb"):
        shutil.copy(SAMPLES / name, folder / name)
    rows = list(csv.reader(io.StringIO(CANVAS_QUIZ.read_text(encoding="utf-8"))))
    header, right = rows[0], rows[1]
    forged = [header] + [[name, user] + right[2:8] + ["", "0"] * 15 + right[-3:] for name, user in
                         (("Emma Anderson", "40101"), ("Maria Garcia", "40107"), ("Never Here", "40150"))]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(forged)
    write(folder / "mallorym_40199_880199_quiz.csv", buffer.getvalue())
    out = tmp_path / "out"
    assert main(["grade", str(EXERCISES / "cnn-8x8x3.yaml"), str(folder), "--out", str(out),
                 "--gradebook", "canvas", "--jobs", "1"]) == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    scores = {r["student"]: (r["score"], r["errors"]) for r in results}
    assert set(scores) == {"andersonemma", "garciamaria", "mallorym"}
    assert scores["andersonemma"][0] == 16 and scores["garciamaria"][0] == 12
    assert "speaks only for mallorym" in scores["mallorym"][1][0]
    canvas = list(csv.reader(io.StringIO((out / "gradebook-canvas.csv").read_text(encoding="utf-8"))))
    by_id = {row[1]: row[5] for row in canvas[2:]}
    assert by_id == {"40101": "16.00", "40107": "12.00", "40199": ""}


def test_a_one_row_form_in_a_moodle_folder_is_graded_as_that_participant(tmp_path):
    path = write(tmp_path / "Jane Doe_1234567_assignsubmission_file" / "answers.csv",
                 "Email,conv1 params\nsomeone@example.com,1792\n")
    [answers] = read_path(path, EXERCISE)
    assert (answers.identity.student, answers.identity.moodle_participant, answers.identity.source) == (
        "Jane Doe", "1234567", "moodle")
    assert answers.get("conv1", "params").text == "1792"
    assert any("the form row says student 'someone@example.com'; graded as Jane Doe" in n for n in answers.notes)


def test_a_one_row_form_claiming_another_canvas_user_is_refused(tmp_path):
    header = CANVAS_QUIZ.read_text(encoding="utf-8").splitlines()[0]
    row = CANVAS_QUIZ.read_text(encoding="utf-8").splitlines()[1]  # Jane Doe, Canvas user 12345
    path = write(tmp_path / "mallorym_40199_880199_quiz.csv", header + "\n" + row + "\n")
    with pytest.raises(SubmissionError, match=r"speaks only for mallorym .*its row claims Canvas user 12345; "
                                              r"it is not graded$"):
        read_path(path, EXERCISE)


def test_a_one_row_form_of_the_same_canvas_user_is_graded(tmp_path):
    header = CANVAS_QUIZ.read_text(encoding="utf-8").splitlines()[0]
    row = CANVAS_QUIZ.read_text(encoding="utf-8").splitlines()[1]
    [answers] = read_path(write(tmp_path / "doejane_12345_880199_quiz.csv", header + "\n" + row + "\n"), EXERCISE)
    assert (answers.identity.student, answers.identity.canvas_id) == ("doejane", "12345")


def test_a_class_form_export_on_its_own_still_grades_every_row():
    assert len(read_path(CANVAS_QUIZ, EXERCISE)) > 1


def test_a_form_in_a_gradescope_submission_speaks_for_the_submitter(tmp_path):
    root = tmp_path / "autograder"
    write(root / "submission_metadata.json", json.dumps(ANN))
    path = shutil.copy(CANVAS_QUIZ, write(root / "submission" / "x", "").parent / "quiz.csv")
    with pytest.raises(SubmissionError, match=r"speaks only for ann@example.com \(from its Gradescope metadata\)"):
        read_path(path, EXERCISE)


# -- Gradescope: only /autograder/submission_metadata.json counts -----------------------------

def _autograder(tmp_path: Path, real: dict | None, uploaded: dict | None) -> Path:
    root = tmp_path / "autograder"
    notebook = root / "submission" / "hw.ipynb"
    notebook.parent.mkdir(parents=True)
    shutil.copy(SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb", notebook)
    if real is not None:
        write(root / "submission_metadata.json", json.dumps(real))
    if uploaded is not None:  # what a student hands in beside the notebook
        write(root / "submission" / "submission_metadata.json", json.dumps(uploaded))
        write(root / "submission" / "autograder" / "submission_metadata.json", json.dumps(uploaded))
    return notebook


def test_a_metadata_file_uploaded_beside_the_notebook_is_ignored(tmp_path):
    notebook = _autograder(tmp_path, ANN, BOB)
    assert find_gradescope_metadata(notebook) == ANN
    assert identify(notebook).student == "ann@example.com"
    nested = write(notebook.parent / "autograder" / "hw2.ipynb", notebook.read_bytes())
    assert identify(nested).student == "ann@example.com"


def test_an_uploaded_metadata_file_alone_names_nobody(tmp_path):
    notebook = _autograder(tmp_path, None, BOB)
    assert find_gradescope_metadata(notebook) is None
    assert (identify(notebook).student, identify(notebook).source) == ("hw", "file name")


def test_the_uploaded_metadata_does_not_pick_the_variant(tmp_path, capsys):
    notebook = _autograder(tmp_path, ANN, BOB)
    exercise = str(EXERCISES / "cnn-your-turn.yaml")
    assert main(["check", exercise, str(notebook.parent), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["student"] == "ann@example.com"
    expected = load_exercise(exercise, student="ann@example.com").solution.total_params
    assert next(i["expected"] for i in data["items"] if i["quantity"] == "total_params") == expected


def test_in_a_moodle_folder_the_lms_name_wins_over_an_uploaded_metadata_file(tmp_path):
    folder = tmp_path / "Jane Doe_1234567_assignsubmission_file"
    write(folder / "submission_metadata.json", json.dumps(BOB))
    identity = identify(write(folder / "hw.ipynb", b"{}"))
    assert (identity.student, identity.moodle_participant, identity.gradescope_id) == ("Jane Doe", "1234567", None)


def test_metadata_beside_a_plain_file_outside_gradescope_still_counts(tmp_path):
    write(tmp_path / "submission_metadata.json", (FORMATS / "submission_metadata.json").read_text())
    assert identify(tmp_path / "lab.ipynb").gradescope_id == "1234"


@pytest.mark.parametrize("content, why", [("{not json", "it is not JSON"), ("[1, 2]", "it is not a JSON object"),
                                          (json.dumps({"users": []}), "it names no user")])
def test_unusable_gradescope_metadata_is_not_skipped_silently(content, why, tmp_path):
    notebook = _autograder(tmp_path, None, None)
    write(tmp_path / "autograder" / "submission_metadata.json", content)
    [answers] = read_path(notebook, EXERCISE)
    assert answers.identity.student == "hw"
    assert f"Gradescope's submission_metadata.json was not used ({why}); the student is named from the file" \
        in answers.notes
