"""read_path: one entry point, per-submission errors naming the file, nothing run or written."""
import hashlib
import json
import shutil

import pytest

from grader.errors import SubmissionError
from grader.exercise import load_exercise
from grader.readers import read_path

from .conftest import EXERCISES, ROOT

FIXTURES = ROOT / "tests" / "fixtures"
EXERCISE = load_exercise(EXERCISES / "cnn-8x8x3.yaml")

NOTEBOOK = {
    "nbformat": 4, "nbformat_minor": 5, "metadata": {},
    "cells": [{"cell_type": "markdown", "id": "a1", "metadata": {"tags": ["answers"]},
               "source": "| layer | output shape | params |\n|---|---|---|\n| conv1 | 6x6x64 | 1792 |\n"}],
}


def write(folder, name, data):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize("name, data, message", [
    ("missing.ipynb", None, r"missing.ipynb: no such file$"),
    ("empty.ipynb", b"", r"empty.ipynb: the file is empty$"),
    ("blank.yaml", b"  \n\n", r"blank.yaml: the file is empty$"),
    ("big.json", b"{" + b" " * 2000 + b"}", r"big.json: the file is 0.0\d* MB, over the limit of 0.001 MB"),
    ("image.ipynb", b"\x89PNG\r\n\x1a\n" + bytes(100), r"image.ipynb: is a PNG image, not a notebook$"),
    ("zipped.ipynb", b"PK\x03\x04" + bytes(100), r"zipped.ipynb: is a ZIP archive \(an Office document\?\), not a"),
    ("blob.yaml", b"abc\x00\x01\x02", r"blob.yaml: is a binary file, not an answer file$"),
    ("blob.csv", b"a,b\x00\x01\x02\xff\xfe" * 10, r"blob.csv: is a binary file, not a CSV text export$"),
    ("text.ipynb", b"print('hello')\n", r"text.ipynb(:\d+)?: "),  # the notebook reader names the problem
    ("code.py", b"print(1)\n", r"code.py: cannot read '.py' files; Python files are not read \(student code is "
                               r"never run\)"),
    ("report.docx", b"PK", r"report.docx: cannot read '.docx' files; a submission is a notebook \(.ipynb\), "
                           r"a form export \(.csv, .tsv, .xlsx\) or an answer file \(.yaml, .json\)$"),
    ("README", b"hi", r"README: cannot read 'no extension' files"),
    ("old.xls", b"\xd0\xcf\x11\xe0", r"old.xls: cannot read '.xls' files; old Excel workbooks"),
])
def test_unreadable_submissions_are_one_line_errors_naming_the_file(name, data, message, tmp_path):
    path = tmp_path / name if data is None else write(tmp_path, name, data)
    with pytest.raises(SubmissionError) as caught:
        read_path(path, EXERCISE, max_bytes=1000)
    assert "\n" not in str(caught.value)
    assert caught.value.file == str(path)
    assert caught.match(message)


def test_a_directory_is_refused(tmp_path):
    folder = tmp_path / "Jane Doe_1234567_assignsubmission_file.ipynb"
    folder.mkdir()
    with pytest.raises(SubmissionError, match=r"is a directory, not a submission file"):
        read_path(folder, EXERCISE)


def test_errors_use_the_display_name(tmp_path):
    with pytest.raises(SubmissionError, match=r"^class/s1.ipynb: the file is empty$"):
        read_path(write(tmp_path, "s1.ipynb", b""), EXERCISE, display="class/s1.ipynb")


def test_the_size_limit_is_configurable(tmp_path):
    path = write(tmp_path, "a.yaml", "conv1: {params: 1792}\n" + "#" * 5000 + "\n")
    with pytest.raises(SubmissionError, match="over the limit of 0.001 MB"):
        read_path(path, EXERCISE, max_bytes=1000)
    assert read_path(path, EXERCISE, max_bytes=10_000)[0].get("conv1", "params").text == "1792"


def test_a_notebook_gets_the_identity_of_its_lms_name(tmp_path):
    path = write(tmp_path, "doejane_LATE_12345_987654_lab2.ipynb", json.dumps(NOTEBOOK))
    [answers] = read_path(path, EXERCISE)
    assert (answers.identity.student, answers.identity.canvas_id, answers.identity.late) == ("doejane", "12345", True)
    assert answers.get("conv1", "params").text == "1792"
    [answers] = read_path(path, EXERCISE, student="s77")
    assert (answers.identity.student, answers.identity.canvas_id) == ("s77", "12345")


def test_an_answer_file_in_a_moodle_folder(tmp_path):
    path = write(tmp_path, "Jane Doe_1234567_assignsubmission_file_/answers.yaml", "conv1: {params: 1792}\n")
    [answers] = read_path(path, EXERCISE)
    assert (answers.identity.student, answers.identity.moodle_participant) == ("Jane Doe", "1234567")


def test_student_selects_a_row_of_a_form():
    path = FIXTURES / "forms" / "google_forms.csv"
    assert [a.identity.student for a in read_path(path, EXERCISE)] == ["S0002", "S0003", "S0001"]
    assert [a.identity.student for a in read_path(path, EXERCISE, student="s0003")] == ["S0003"]
    assert [a.identity.student for a in read_path(path, EXERCISE, student="jane.doe@example.edu")] == ["S0001"]
    with pytest.raises(SubmissionError, match=r"no row for student 'S9' in this form \(students: S0002, S0003, S0001\)"):
        read_path(path, EXERCISE, student="S9")


def _snapshot(folder):
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file()} | {
        str(p.relative_to(folder)) + "/": None for p in folder.rglob("*") if p.is_dir()}


def test_reading_changes_nothing_in_the_input_folder(tmp_path):
    """Every fixture, readable or not: no cache, lock or temp file appears, nothing is touched."""
    folder = tmp_path / "inputs"
    shutil.copytree(FIXTURES / "forms", folder / "forms", ignore=shutil.ignore_patterns("*.py", "*.md"))
    shutil.copytree(FIXTURES / "answerfiles", folder / "answerfiles")
    write(folder, "doejane_12345_987654_lab.ipynb", json.dumps(NOTEBOOK))
    write(folder, "broken.ipynb", b'{"cells": [')
    write(folder, "empty.csv", b"")
    before = _snapshot(folder)
    read, refused = 0, 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            read += len(read_path(path, EXERCISE))
        except SubmissionError:
            refused += 1
    assert (read, refused) == (24, 5)  # 18 form rows, 5 answer files, 1 notebook; 5 bad files
    assert _snapshot(folder) == before
