"""Issue 9, the readers: what one hostile or broken file can ask of the machine is bounded
before it is parsed, and every such file is a one-line, per-submission error naming it."""
from __future__ import annotations

import json
import os
import re
import stat
import threading

import pytest

from grader import limits
from grader.errors import GraderError, SubmissionError
from grader.exercise import load_exercise
from grader.readers import read_path
from grader.readers.sheets import parse_times

from .conftest import EXERCISES, ROOT

EXERCISE = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
V4_TAGGED = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "markdown", "id": "a1", "metadata": {"tags": ["answers"]},
     "source": "| layer | output shape | params |\n|---|---|---|\n| conv1 | 6x6x64 | 1792 |\n"}]}


def write(folder, name, data):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def refused(path, match, **options):
    """The one-line SubmissionError that names the file (and nothing else escapes)."""
    with pytest.raises(SubmissionError) as caught:
        read_path(path, EXERCISE, **options)
    assert caught.value.file == str(path) and "\n" not in str(caught.value)
    assert caught.match(match)
    return caught.value


# -- only regular files are read ------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
@pytest.mark.parametrize("name", ["x.ipynb", "x.csv", "x.yaml"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(name, tmp_path):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    outcome: list = []

    def attempt() -> None:
        try:
            read_path(fifo, EXERCISE)
        except GraderError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=attempt, daemon=True)
    reader.start()
    reader.join(30)  # not a speed test: the old code waits for ever, and this one must not hang with it
    if reader.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # release the blocked open
        reader.join(5)
    [error] = outcome
    assert str(error) == f"{fifo}: is a FIFO (named pipe), not a submission file; only regular files are read"
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # and nothing was done to it


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_an_exercise_that_is_a_fifo_is_refused(tmp_path):
    from grader.errors import ExerciseError
    fifo = tmp_path / "ex.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ExerciseError, match=r"ex.yaml: is a FIFO \(named pipe\), not an exercise file"):
        load_exercise(fifo)


@pytest.mark.parametrize("name, suffix", [("..ipynb", ".ipynb"), (".ipynb", ".ipynb"), ("a.b.CSV", ".csv"),
                                          ("README", ""), ("answers.yaml", ".yaml"), (".hidden.yaml", ".yaml")])
def test_suffixes_of_names_that_start_with_dots(name, suffix):
    from grader.readers import suffix_of
    assert suffix_of(f"class/{name}") == suffix


def test_a_notebook_named_dot_dot_ipynb_is_read_not_called_extensionless(tmp_path):
    [answers] = read_path(write(tmp_path, "..ipynb", json.dumps(V4_TAGGED)), EXERCISE)
    assert answers.get("conv1", "params").text == "1792"


# -- notebooks: what the JSON and nbformat's upgrade could be made to build -----------------

def v3(*cells) -> str:
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": list(cells)}]})


@pytest.mark.parametrize("text, message", [
    ('{"nbformat": 4, "cells": [], "x": ' + "7" * 5000 + "}",
     r"the notebook holds a number of more than 4,300 digits, which Python does not read"),
    (v3({"cell_type": "heading", "level": 2 ** 70, "source": "x"}),
     r"cell 1 is a heading of level 118059\.\.\. \(22 digits\); nbformat 3 headings have levels 1 to 6$"),
    (v3({"cell_type": "markdown", "source": "x"}, {"cell_type": "heading", "level": 7, "source": "x"}),
     r"cell 2 is a heading of level 7; nbformat 3 headings have levels 1 to 6$"),
    (json.dumps({"nbformat": 3, "worksheets": [{"cells": 5}]}),
     r"is not a Jupyter notebook: 'cells' of worksheet 1 is not a list$"),
    (json.dumps({"nbformat": 3, "worksheets": 5}), r"is not a Jupyter notebook: 'worksheets' is not a list$"),
    (v3({"cell_type": "code", "input": "x", "metadata": json.loads('{"a":' * 900 + "1" + "}" * 900)}),
     r"cell 1 is nested more than 100 levels deep"),
])
def test_notebooks_that_ask_too_much_are_refused(text, message, tmp_path):
    refused(write(tmp_path, "nb.ipynb", text), message)


def test_the_106_byte_heading_of_eight_billion_levels(tmp_path):
    path = HOSTILE / "v3-heading-level.ipynb"
    assert path.stat().st_size < 110
    refused(path, r"cell 1 is a heading of level 8000000000; nbformat 3 headings have levels 1 to 6$")


def test_ordinary_nbformat_3_headings_still_read(tmp_path):
    path = write(tmp_path, "nb.ipynb", v3({"cell_type": "heading", "level": 2, "source": "Answers"},
                                          {"cell_type": "markdown", "metadata": {"tags": ["answers"]},
                                           "source": V4_TAGGED["cells"][0]["source"]}))
    [answers] = read_path(path, EXERCISE)
    assert answers.get("conv1", "params").text == "1792"


# -- YAML answers: PyYAML's constructors must not escape ------------------------------------

HOSTILE_YAML = ['conv1: {params: !!int ""}\n', "conv1: {params: " + "1" * 5000 + "}\n",
                "submitted: 2024-02-30\nconv1: {params: 1792}\n", "conv1: {params: !!bool maybe}\n",
                "conv1: {params: !!float abc}\n", "when: !!timestamp abc\nconv1: {params: 1792}\n",
                "2024-13-45: x\nconv1: {params: 1792}\n"]


@pytest.mark.parametrize("text", HOSTILE_YAML)
def test_hostile_yaml_answer_files_are_read_or_one_line_errors(text, tmp_path):
    path = write(tmp_path, "answers.yaml", text)
    try:
        [answers] = read_path(path, EXERCISE)
    except SubmissionError as exc:
        assert exc.file == str(path) and "\n" not in str(exc) and "invalid value" in exc.message
    else:  # read as the text written (tags are not applied): '!!int ""' is a blank answer
        assert answers.values or answers.notes


@pytest.mark.parametrize("text", HOSTILE_YAML)
def test_hostile_yaml_in_an_answers_cell_is_a_problem_of_that_cell(text, tmp_path):
    nb = dict(V4_TAGGED, cells=[{"cell_type": "markdown", "id": "y", "metadata": {"tags": ["answers"]},
                                 "source": "```yaml\n" + text + "```\n"}])
    [answers] = read_path(write(tmp_path, "nb.ipynb", json.dumps(nb)), EXERCISE)
    assert answers.values or answers.errors


# -- forms: rows, columns and cells are bounded before a report is written per row ----------

def test_a_million_row_csv_under_the_size_limit_is_refused(tmp_path):
    text = "student,conv1 params\n" + "s,1\n" * 1_000_000
    path = write(tmp_path, "million.csv", text)
    assert path.stat().st_size < 20_000_000
    error = refused(path, r"the sheet has more than 20,000 rows of respondents; a form export holds one row per student$")
    assert error.line == limits.MAX_FORM_ROWS + 2


def test_a_csv_at_the_row_limit_is_read(tmp_path):
    text = "student,conv1 params\n" + "".join(f"s{i},1792\n" for i in range(limits.MAX_FORM_ROWS))
    assert len(read_path(write(tmp_path, "class.csv", text), EXERCISE)) == limits.MAX_FORM_ROWS


@pytest.mark.parametrize("text, message", [
    ("student,conv1 params\ns1,1\n" + "," * 3000 + "\n", r"row 3 has 3,001 cells; a form export has at most 2,000 columns$"),
    ("," * 1998 + "student,conv1 params\n" + "s,1\n" * 600,
     r"the sheet has more than 1,000,000 cells \(rows times columns\); a form export is far smaller$"),
])
def test_wide_sheets_are_refused(text, message, tmp_path):
    refused(write(tmp_path, "wide.csv", text), message)


def test_a_workbook_declaring_the_whole_sheet_is_refused_before_its_rows_are_built():
    path = HOSTILE / "declares-whole-sheet.xlsx"
    assert path.stat().st_size < 6_000
    refused(path, r"the sheet declares 1,048,576 rows; a form export has at most 20,000 rows of respondents$")


def test_a_workbook_with_one_far_cell_and_no_declared_size_is_refused():
    refused(HOSTILE / "far-cell.xlsx", r"the sheet has more than 20,000 rows of respondents")


def _make_hostile():
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    return make


def test_a_workbook_within_the_limits_reads(tmp_path):
    make = _make_hostile()
    [answers] = read_path(write(tmp_path, "form.xlsx", make.workbook(make.FORM)), EXERCISE)
    assert (answers.identity.student, answers.get("conv1", "params").text) == ("ann@example.com", "1792")


def test_one_wide_row_counts_for_every_row_it_pads(tmp_path):
    """Rows are padded to the widest: one row of 2,000 cells and 600 short ones are 1.2 million cells."""
    make = _make_hostile()
    data = make.workbook([["student", "conv1 params"], ["s"] * 2000] + [["s", "1"]] * 600)
    refused(write(tmp_path, "declared.xlsx", data), r"declares 602 rows of 2,000 columns; a form export has at most "
                                                    r"1,000,000 cells$")
    undeclared = make.edit_sheet(data, lambda xml: re.sub(r"<dimension [^>]*/>", "", xml))
    refused(write(tmp_path, "undeclared.xlsx", undeclared), r"the sheet has more than 1,000,000 cells")


@pytest.mark.parametrize("attempt", ["²", "9" * 5000])
def test_a_canvas_attempt_that_is_no_small_whole_number_is_read_as_zero(attempt, tmp_path):
    header = "name,id,sis_id,section,section_id,section_sis_id,submitted,attempt,conv1 params,n correct,n incorrect,score\n"
    path = write(tmp_path, "quiz.csv", header + f"Ann,1,,A,1,,,{attempt},1792,0,0,0\n")
    [answers] = read_path(path, EXERCISE)
    assert answers.get("conv1", "params").text == "1792"


def test_timestamps_moved_past_year_one_by_their_zone_are_unread():
    texts = ["0001-01-01 00:00:00 GMT+5", "2024-09-02 09:05:12 GMT+2"]
    assert parse_times(texts)[0] is None
    assert parse_times(["0001-01-01T00:00:00+05:00"]) == [None]


# -- what a submission makes the grader say is clipped ---------------------------------------

def test_a_megabyte_table_header_does_not_become_a_megabyte_error(tmp_path):
    source = "| " + "x" * 1_000_000 + " | y |\n|---|---|\n| a | b |\n"
    nb = dict(V4_TAGGED, cells=[{"cell_type": "markdown", "id": "h", "metadata": {"tags": ["answers"]},
                                 "source": source}])
    [answers] = read_path(write(tmp_path, "nb.ipynb", json.dumps(nb)), EXERCISE)
    assert answers.errors and all(len(error) <= limits.MAX_NOTE + 40 for error in answers.errors)
    assert any("more characters)" in error for error in answers.errors)


def test_ten_thousand_unmatched_rows_make_a_bounded_list_of_notes(tmp_path):
    rows = "".join(f"| extra{i} | 6x6x64 | {i} |\n" for i in range(10_000))
    nb = dict(V4_TAGGED, cells=[{"cell_type": "markdown", "id": "r", "metadata": {"tags": ["answers"]},
                                 "source": V4_TAGGED["cells"][0]["source"] + rows}])
    [answers] = read_path(write(tmp_path, "nb.ipynb", json.dumps(nb)), EXERCISE)
    assert len(answers.notes) <= limits.MAX_NOTES + 1
    assert answers.get("conv1", "params").text == "1792"


def test_a_long_student_id_in_a_form_is_clipped(tmp_path):
    path = write(tmp_path, "form.csv", "student,conv1 params\n" + "s" * 100_000 + ",1792\n")
    [answers] = read_path(path, EXERCISE)
    assert len(answers.identity.student) <= limits.MAX_NAME + 40


def test_error_messages_are_clipped_where_they_are_made():
    error = SubmissionError("cannot read '" + "x" * 1_000_000 + "'", file="a.ipynb")
    assert len(error.message) < 2_100 and error.message.endswith("more characters)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_check_and_grade_list_a_fifo_instead_of_hanging(tmp_path):
    import shutil
    import subprocess
    import sys

    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(ROOT / "samples" / "cnn-8x8x3" / "garciamaria_40107_880106_params_exercise.ipynb", folder / "ann.ipynb")
    os.mkfifo(folder / "bob.ipynb")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    exercise = str(EXERCISES / "cnn-8x8x3.yaml")
    runs = {"check": [exercise, str(folder / "bob.ipynb")],
            "grade": [exercise, str(folder), "--out", str(tmp_path / "out"), "--jobs", "1"]}
    for command, args in runs.items():
        # the timeout only keeps a regression from hanging the test suite
        done = subprocess.run([sys.executable, "-m", "grader", command, *args], capture_output=True, text=True,
                              env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "is a FIFO (named pipe), not a submission file" in done.stdout + done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert sorted((r["student"], bool(r["errors"])) for r in results) == [("ann", False), ("bob", True)]


def test_errors_quoting_line_breaks_stay_one_line():
    from grader.errors import ExerciseError
    error = ExerciseError("unknown key '\n'; respondents (0\r\n0, S1\u2028)", file="x\n.yaml", line=3)
    assert str(error) == "x\\n.yaml:3: unknown key '\\n'; respondents (0\\r\\n0, S1\\u2028)"


def test_a_form_in_an_lms_download_naming_respondents_with_line_breaks_is_one_line(tmp_path):
    path = write(tmp_path, "doejane_12345_98765_lab.csv", 'student,conv1 params\n"0\n0",1\nS2,2\n')
    refused(path, r"holds 2 respondents \(0\\n0, S2\); it is not graded")
