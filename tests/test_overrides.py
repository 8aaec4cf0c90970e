"""Instructor overrides (issue 12, section 5): applied on every run, shown as adjusted by the
instructor with the comment in the report, the overview and every gradebook; an override
naming no student or item is an error with its line."""
from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from grader.cli import main

from .conftest import EXERCISES, ROOT

EXERCISE = str(EXERCISES / "cnn-8x8x3.yaml")
SAMPLES = ROOT / "samples" / "cnn-8x8x3"
GARCIA = "garciamaria_40107_880106_params_exercise.ipynb"     # 12/16: forgot the bias four times
EMPTY = "clarkisla_40128_880128_params_exercise.ipynb"          # the file is empty: not graded


@pytest.fixture
def klass(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in (GARCIA, EMPTY, "brownliam_40102_880101_params_exercise.ipynb"):
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def _grade(tmp_path, klass, overrides: str, *extra) -> int:
    path = tmp_path / "overrides.yaml"
    path.write_text(overrides)
    return main(["grade", EXERCISE, str(klass), "--out", str(tmp_path / "o"), "--overrides", str(path),
                 "--gradebook", "canvas", "--gradebook", "moodle", *extra])


OVERRIDES = """\
- {student: garciamaria, item: conv1.params, points: 1, comment: "the bias was in your notes, the export cut it"}
- {student: garciamaria, item: total_params, status: correct}
- {student: clarkisla, points: 10, comment: graded by hand from the PDF you emailed}
"""


def test_overrides_are_applied_and_shown_everywhere(tmp_path, klass):
    assert _grade(tmp_path, klass, OVERRIDES) == 0
    out = tmp_path / "o"
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    garcia = results["garciamaria"]
    conv1 = next(i for i in garcia["items"] if (i["layer"], i["quantity"]) == ("conv1", "params"))
    assert conv1["points"] == 1 and conv1["status"] == "incorrect" and conv1["adjusted"].startswith("the bias")
    assert "Adjusted by your instructor: The bias was in your notes" in conv1["feedback"]
    total = next(i for i in garcia["items"] if i["quantity"] == "total_params")
    assert total["status"] == "correct" and total["points"] == 2
    assert garcia["score"] == 12 + 1   # the total was credited already (follow-through): now correct
    clark = results["clarkisla"]
    assert clark["gradable"] is False and clark["score"] == 10 and clark["adjustment"].startswith("graded by hand")

    report = (out / garcia["report"]).read_text()
    assert "Adjusted by your instructor:" in report and "the export cut it" in report
    assert "13 / 16" in " ".join(report.split()).replace("<strong>", "").replace("</strong>", "").replace(
        '<span class="gr-of">', "").replace("</span>", "")
    clark_report = (out / clark["report"]).read_text()
    assert "Graded by hand from the PDF you emailed" in clark_report

    plain = {row["student"]: row for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert plain["garciamaria"]["score"] == "13.00" and plain["garciamaria"]["conv1.params"] == "1.00"
    assert "conv1 parameters: the bias was in your notes" in plain["garciamaria"]["adjustments"]
    assert plain["clarkisla"]["score"] == "10.00" and plain["clarkisla"]["status"] == "graded by hand"
    canvas = {row[1]: row[5] for row in csv.reader(io.StringIO((out / "gradebook-canvas.csv").read_text()))}
    assert canvas["40107"] == "13.00" and canvas["40128"] == "10.00"
    overview = (out / "index.html").read_text()
    assert "adjusted by you: conv1 parameters: the bias was in your notes" in overview


def test_overrides_survive_regrading(tmp_path, klass):
    assert _grade(tmp_path, klass, OVERRIDES) == 0
    first = (tmp_path / "o" / "results.json").read_bytes()
    assert _grade(tmp_path, klass, OVERRIDES) == 0
    assert (tmp_path / "o" / "results.json").read_bytes() == first


@pytest.mark.parametrize("text, message", [
    ("- {student: nobody, points: 3}\n", r"overrides.yaml:1: no submission of student 'nobody' in this class"),
    ("- {student: garciamaria, item: conv1.param, points: 1}\n",
     r"overrides.yaml:1: item 'conv1.param' is not asked in this exercise \(did you mean 'conv1.params'\?\)"),
    ("- {student: garciamaria, item: conv1.params}\n", r"overrides.yaml:1: give either 'points' or 'status'"),
    ("- {student: garciamaria}\n- {student: garciamaria, points: 99}\n",
     r"overrides.yaml:1: give either|overrides.yaml:2: 'points' must be a number from 0 to 16"),
    ("- {student: garciamaria, item: out.params, status: maybe}\n", r"'status' must be correct or incorrect"),
    ("- {studnet: garciamaria, points: 3}\n", r"overrides.yaml:1: unknown key 'studnet' \(did you mean 'student'\?\)"),
    ("student: garciamaria\n", r"overrides.yaml:1: an overrides file is a list of entries"),
])
def test_a_bad_override_is_an_error_with_its_line_and_publishes_nothing(tmp_path, klass, capsys, text, message):
    assert _grade(tmp_path, klass, "") == 0
    before = (tmp_path / "o" / "results.json").read_bytes()
    assert _grade(tmp_path, klass, text) == 2
    import re
    assert re.search(message, capsys.readouterr().err)
    assert (tmp_path / "o" / "results.json").read_bytes() == before
