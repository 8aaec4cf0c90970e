"""grader grade: a whole class graded into reports, results.json, gradebooks and the overview.

The class mixes right, wrong, broken and hostile submissions in every format (notebooks from
the sample class, answer files, a form export, LMS-named files), with files that are not
submissions and folders that must be ignored. CLI runs go through grader.cli.main.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from grader import batch, outputs
from grader.batch import Options, grade_class
from grader.discovery import discover
from grader.cli import main
from grader.errors import GraderError

from .conftest import EXERCISES, ROOT

EXERCISE = str(EXERCISES / "cnn-8x8x3.yaml")
VARIANTS = str(EXERCISES / "cnn-your-turn.yaml")
SAMPLES = ROOT / "samples" / "cnn-8x8x3"
from .conftest import FORMATS  # noqa: E402
HOSTILE_NAME = "<img src=x onerror=alert(1)>.ipynb"

# sample file -> (student, score, or the reason it could not be graded as a regex)
SUBMISSIONS = {
    "andersonemma_40101_880100_params_exercise.ipynb": ("andersonemma", 16),
    "garciamaria_40107_880106_params_exercise.ipynb": ("garciamaria", 12),
    "ibrahimamir_40109_880108_params_exercise.ipynb": ("ibrahimamir", 15),
    "rossimarco_40118_880117_params_exercise.ipynb": ("rossimarco", 14),
    "zieglermax_LATE_40126_880126_params_exercise.ipynb": ("zieglermax", 15),
    "fosterben_40131_880131_answers.json": ("fosterben", 16),
    "grantmia_40132_880132_answers.yaml": ("grantmia", 15),
    "bakerharry_40127_880127_params_exercise.ipynb": ("bakerharry", r"truncated"),
    "clarkisla_40128_880128_params_exercise.ipynb": ("clarkisla", r"the file is empty"),
    "dixontom_40129_880129_params_exercise.ipynb": ("dixontom", r"PDF document"),
    "ellisgrace_40130_880130_params_exercise.ipynb": ("ellisgrace", r"not a Jupyter notebook"),
    "wilsonava_40123_880122_params_exercise.ipynb": ("wilsonava", r"no answers found"),
}
EXTRA_UNGRADABLE = {  # written by the fixture: name -> (student, reason)
    "deep.ipynb": ("deep", r"nested too deeply"),
    "oversized.ipynb": ("oversized", r"over the limit of 0\.2 MB"),
}
SKIPPED = {"notes.txt": r"not a submission \(\.txt file\)", "model.py": r"not a submission \(\.py file\)",
           "README": r"not a submission \(no extension file\)"}
HIDDEN = {".hidden.ipynb": r"a hidden file: not read \(rename it without the leading dot\)"}
IGNORED = [".ipynb_checkpoints/andersonemma-checkpoint.ipynb", "__MACOSX/._garciamaria.ipynb", "sub/.DS_Store"]


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    """A class folder: the sample files above, broken and hostile extras, non-submissions."""
    folder = tmp_path_factory.mktemp("class") / "class"
    folder.mkdir()
    for name in SUBMISSIONS:
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "oversized.ipynb").write_text('{"cells": [], "pad": "' + "x" * 300_000 + '"}')
    shutil.copy(SAMPLES / "rossimarco_40118_880117_params_exercise.ipynb", folder / HOSTILE_NAME)
    for name in SKIPPED:
        (folder / name).write_text("not a submission\n")
    for name in [*IGNORED, *HIDDEN]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLES / "andersonemma_40101_880100_params_exercise.ipynb", folder / name)
    stamp = 1_725_350_400  # fixed times: Moodle's "Last modified (grade)" is the newest input's
    for path in folder.rglob("*"):
        os.utime(path, (stamp, stamp))
    return folder


def run(folder, out, *extra, exercise=EXERCISE) -> int:
    return main(["grade", exercise, str(folder), "--out", str(out), "--max-size", "0.2", *extra])


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> sha256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(klass, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "graded"
    assert run(klass, out, "--gradebook", "canvas", "--gradebook", "moodle", "--gradescope", "--jobs", "2") == 0
    return out


@pytest.fixture(scope="module")
def results(graded):
    return json.loads((graded / "results.json").read_text(encoding="utf-8"))


def test_every_gradable_submission_is_graded(results):
    by_file = {r["submission"]: r for r in results}
    for name, (student, expected) in SUBMISSIONS.items():
        entry = by_file[name]
        assert entry["student"] == student
        if isinstance(expected, int):
            assert entry["gradable"] and entry["score"] == expected and entry["errors"] == []
        else:
            assert not entry["gradable"] and entry["items"] == [] and entry["score"] is None
            assert any(re.search(expected, e) for e in entry["errors"]), entry["errors"]
    for name, (student, reason) in EXTRA_UNGRADABLE.items():
        assert by_file[name]["student"] == student
        assert re.search(reason, by_file[name]["errors"][0])
    assert by_file[HOSTILE_NAME]["score"] == 14
    assert len(results) == len(SUBMISSIONS) + len(EXTRA_UNGRADABLE) + 1


def test_results_json_holds_spec_objects_with_their_report(results, graded):
    spec_keys = {"exercise", "student", "submission", "score", "max_score", "items", "errors"}
    item_keys = {"layer", "quantity", "answer", "expected", "status", "points", "max_points", "mistake", "feedback"}
    reports = set()
    for entry in results:
        assert spec_keys <= entry.keys() and entry["exercise"] == "cnn-8x8x3" and entry["max_score"] == 16
        for item in entry["items"]:
            assert item_keys <= item.keys()
        assert (graded / entry["report"]).is_file()
        reports.add(entry["report"])
    assert len(reports) == len(results)  # andersonemma and the hostile copy of rossimarco: distinct files
    garcia = next(r for r in results if r["student"] == "garciamaria")
    assert [i["mistake"] for i in garcia["items"] if i["status"] == "incorrect"] == ["forgot_bias"] * 4
    assert sorted(os.listdir(graded / "reports")) == sorted(Path(r).name for r in reports)


def test_report_names_are_safe(results):
    hostile = next(r for r in results if r["submission"] == HOSTILE_NAME)
    assert hostile["report"] == "reports/img_src_x_onerror_alert_1.html"
    assert all(not Path(r["report"]).name.startswith(".") for r in results)


def test_cli_lists_what_it_could_not_grade(klass, tmp_path, capsys):
    assert run(klass, tmp_path / "o", "--jobs", "1") == 0
    out = capsys.readouterr().out
    assert f"graded {len(SUBMISSIONS) - 5 + 1} of {len(SUBMISSIONS) + 3} submissions" in out
    for name in ("bakerharry_40127", "clarkisla", "dixontom", "ellisgrace", "wilsonava", "deep.ipynb",
                 "oversized.ipynb"):
        assert name in out
    for name in [*SKIPPED, *HIDDEN]:
        assert f"skipped {klass / name}" in out
    for name in IGNORED:
        assert name not in out
    assert "class overview:" in out


def test_jobs_1_and_2_and_a_rerun_write_the_same_bytes(klass, tmp_path, graded):
    args = ("--gradebook", "canvas", "--gradebook", "moodle", "--gradescope")
    assert run(klass, tmp_path / "one", *args, "--jobs", "1") == 0
    first = tree(tmp_path / "one")
    assert first == tree(graded)                      # --jobs 2 (the module's run)
    assert run(klass, tmp_path / "one", *args, "--jobs", "1") == 0
    assert tree(tmp_path / "one") == first            # a re-run into the same folder
    assert not [name for name in first if name.endswith(".tmp")]


def test_gradebooks_follow_the_lms_formats(graded, results):
    canvas = list(csv.reader(io.StringIO((graded / "gradebook-canvas.csv").read_text())))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[0][5] == "Parameters of a small CNN on 8x8 RGB images"
    assert canvas[1][0] == "    Points Possible" and canvas[1][5] == "16.00"
    by_id = {row[1]: row[5] for row in canvas[2:]}
    assert by_id["40101"] == "16.00" and by_id["40107"] == "12.00" and by_id["40126"] == "15.00"
    assert by_id["40127"] == ""                        # ungradable: the grade in Canvas is left alone
    assert len(canvas) == 2 + 12                       # 12 Canvas-named files
    plain = list(csv.DictReader(io.StringIO((graded / "gradebook.csv").read_text())))
    assert len(plain) == len(results)
    assert {row["status"] for row in plain} == {"graded", "not graded"}
    zieg = next(row for row in plain if row["student"] == "zieglermax")
    assert zieg["late"] == "yes" and zieg["score"] == "15.00" and zieg["conv1.params"] == "0.00"
    moodle = list(csv.reader(io.StringIO((graded / "gradebook-moodle.csv").read_text())))
    if FORMATS.exists():
        assert moodle[0] == next(csv.reader(io.StringIO((FORMATS / "moodle_worksheet.csv").read_text())))
    assert len(moodle) == 1                            # no Moodle-named file in this class


def test_gradebook_rows_left_out_are_warnings(klass, tmp_path):
    outcome = grade_class(EXERCISE, [str(klass)], Options(out=tmp_path / "o", gradebook=("csv", "canvas"),
                                                          max_bytes=200_000))
    left = [w for w in outcome.warnings if w.startswith("gradebook-canvas.csv: left out")]
    assert sorted(w.split("left out ")[1].split(":")[0] for w in left) == sorted(
        ["deep.ipynb", "oversized.ipynb", HOSTILE_NAME])
    index = (tmp_path / "o" / "index.html").read_text()
    assert "gradebook-canvas.csv: left out deep.ipynb: no Canvas user id in the file name" in index


def test_gradescope_results(graded):
    data = json.loads((graded / "gradescope" / "garciamaria" / "results.json").read_text())
    assert data["score"] == 12.0 and len(data["tests"]) == 15
    assert all(t["visibility"] == "visible" and t["number"].startswith("1.") for t in data["tests"])
    failed = [t["name"] for t in data["tests"] if t["status"] == "failed"]
    assert failed == ["conv1 parameters", "conv2 parameters", "fc parameters", "out parameters"]
    broken = json.loads((graded / "gradescope" / "clarkisla" / "results.json").read_text())
    assert broken["score"] == 0 and "empty" in broken["output"] and broken["tests"] == []


# -- finding submissions -------------------------------------------------------------------

def test_discover_folders_globs_and_files(klass):
    files, skipped = discover([str(klass)])
    names = {p.name for p in files}
    assert names == set(SUBMISSIONS) | set(EXTRA_UNGRADABLE) | {HOSTILE_NAME}
    assert {Path(p).name: why for p, why in skipped}.keys() == set(SKIPPED) | set(HIDDEN)
    for path, why in skipped:
        assert re.fullmatch({**SKIPPED, **HIDDEN}[Path(path).name], why)

    files, skipped = discover([str(klass / "**" / "*.ipynb"), str(klass / "fosterben_40131_880131_answers.json")])
    names = [p.name for p in files]
    assert "fosterben_40131_880131_answers.json" in names and "grantmia_40132_880132_answers.yaml" not in names
    assert not [n for n in names if "checkpoint" in n or n.startswith(".")]   # globs skip hidden and __MACOSX
    assert skipped == []
    assert names == sorted(names, key=lambda n: str(klass / n))  # sorted: the same order every run


@pytest.mark.parametrize("path, message", [("nothing-*.csv", "nothing-\\*.csv: no file matches this pattern"),
                                           ("downlaods", "downlaods: no such file or folder")])
def test_a_path_that_finds_nothing_is_an_error_and_leaves_the_outputs(klass, tmp_path, capsys, path, message):
    out = tmp_path / "o"
    assert run(klass, out) == 0
    before = tree(out)
    assert main(["grade", EXERCISE, str(klass), str(tmp_path / path), "--out", str(out)]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert tree(out) == before


def test_explicit_files_are_graded_even_of_unknown_kinds(klass, tmp_path):
    paths = [str(klass / "notes.txt"), str(klass / "garciamaria_40107_880106_params_exercise.ipynb")]
    outcome = grade_class(EXERCISE, paths, Options(out=tmp_path / "o"))
    reasons = {r.submission: r.errors for r in outcome.records}
    assert "plain text is not read" in reasons[str(klass / "notes.txt")][0]
    assert reasons[str(klass / "garciamaria_40107_880106_params_exercise.ipynb")] == ()
    assert outcome.skipped == []


def test_the_output_folder_inside_the_class_is_not_graded(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in list(SUBMISSIONS)[:3]:
        shutil.copy(SAMPLES / name, folder / name)
    for _ in range(2):
        outcome = grade_class(EXERCISE, [str(folder)], Options(out=folder / "graded"))
        assert len(outcome.records) == 3 and outcome.skipped == []


def test_reports_of_students_no_longer_in_the_class_are_removed(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    names = list(SUBMISSIONS)[:3]
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)
    out = tmp_path / "o"
    grade_class(EXERCISE, [str(folder)], Options(out=out))
    (out / "reports" / "mine.html").write_text("an instructor's own file")
    (folder / names[0]).unlink()
    grade_class(EXERCISE, [str(folder)], Options(out=out))
    assert sorted(os.listdir(out / "reports")) == ["garciamaria.html", "ibrahimamir.html", "mine.html"]


# -- writing atomically ----------------------------------------------------------------------

def test_a_crash_mid_write_leaves_the_old_gradebook_and_no_temporary_file(klass, tmp_path, monkeypatch):
    out = tmp_path / "o"
    out.mkdir()
    (out / "gradebook.csv").write_text("the old gradebook\n")
    real_open = open

    class DiskFull:
        """Writes half of the text, then fails as a full disk does."""
        def __init__(self, fh):
            self.fh = fh
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.fh.close()
        def write(self, text):
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            raise OSError(28, "No space left on device")

    def failing_open(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        return DiskFull(fh) if "gradebook.csv" in str(path) and "w" in mode else fh

    monkeypatch.setattr(outputs, "open", failing_open, raising=False)
    with pytest.raises(GraderError, match=r"cannot write .*No space left on device"):
        grade_class(EXERCISE, [str(klass)], Options(out=out, jobs=1, max_bytes=200_000))
    assert (out / "gradebook.csv").read_text() == "the old gradebook\n"
    assert [p.name for p in out.iterdir()] == ["gradebook.csv", ".grader.lock"] or \
        sorted(p.name for p in out.iterdir()) == [".grader.lock", "gradebook.csv"]


def test_a_disk_full_is_a_one_line_error(klass, tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(batch.os, "replace", full)
    assert run(klass, tmp_path / "o", "--jobs", "1") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    # nothing half-written: only the lock file, which stays for the next run
    assert [p.name for p in (tmp_path / "o").rglob("*") if p.is_file()] == [".grader.lock"]


def test_the_staging_folder_of_a_killed_run_is_cleared(klass, tmp_path):
    out = tmp_path / "o"
    stale = out / ".grader-staging-4242-00c0ffee" / "reports"
    stale.mkdir(parents=True)
    (stale / ".job-3-0.html").write_text("half")
    grade_class(EXERCISE, [str(klass / "fosterben_40131_880131_answers.json")], Options(out=out))
    assert sorted(p.name for p in out.iterdir()) == [".grader.lock", "gradebook.csv", "index.html", "reports",
                                                      "results.json"]


def test_one_failing_submission_does_not_stop_the_class(klass, tmp_path, monkeypatch):
    real = batch.grade

    def grade(key, parsed):
        if parsed.answers.identity.student == "garciamaria":
            raise ZeroDivisionError("boom")
        return real(key, parsed)

    monkeypatch.setattr(batch, "grade", grade)
    outcome = grade_class(EXERCISE, [str(klass)], Options(out=tmp_path / "o", jobs=1, max_bytes=200_000))
    garcia = next(r for r in outcome.records if r.student == "garciamaria")
    assert garcia.errors == ("internal error while grading (ZeroDivisionError: boom); please report it with this file",)
    assert sum(r.gradable for r in outcome.records) == len(SUBMISSIONS) - 5


# -- bad invocations -------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--jobs", "0"], r"--jobs: expected a number >= 1"),
    (["--gradebook", "blackboard"], r"invalid choice: 'blackboard'"),
    (["--templates", "/nonexistent/templates"], r"no such folder of templates"),
])
def test_bad_invocations_exit_2_with_one_line(klass, tmp_path, capsys, args, message):
    assert run(klass, tmp_path / "o", *args) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and "Traceback" not in err


def test_an_invalid_exercise_exits_2(klass, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ninput_shape: [8, 8, 3]\nlayers:\n  - {type: Conv2D, filter: 3}\n")
    assert run(klass, tmp_path / "o", exercise=str(bad)) == 2
    assert "bad.yaml:4" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_an_output_folder_that_is_a_file_exits_2(klass, tmp_path, capsys):
    (tmp_path / "o").write_text("a file")
    assert run(klass, tmp_path / "o") == 2
    assert "the output folder is a file" in capsys.readouterr().err


# -- form exports and variants ---------------------------------------------------------------

FORM_HEADER = ["Timestamp", "Email Address", "Student ID", "Full name"] + [
    f"{layer} - {q}" for layer in ("conv1", "pool1", "conv2", "pool2", "flatten", "fc", "out")
    for q in ("output shape", "params")] + ["Total number of parameters"]
RIGHT = ["6x6x64", "1792", "3x3x64", "0", "3x3x128", "8320", "1x1x128", "0", "128", "0", "516", "66564",
         "5", "2585", "79261"]


def test_a_form_export_grades_every_respondent(tmp_path):
    rows = [FORM_HEADER,
            ["2024/09/02 9:05:12 AM GMT+2", "jane.doe@example.edu", "S0001", "Jane Doe", *RIGHT],
            ["2024/09/02 9:41:57 AM GMT+2", "li.wei@example.edu", "S0002", "Li Wei",
             *RIGHT[:1], "1728", *RIGHT[2:-1], "79197"],
            ["2024/09/02 9:50:00 AM GMT+2", "=HYPERLINK(\"http://x\")", "S0003", "=1+2", *[""] * 15]]
    form = tmp_path / "responses.csv"
    with open(form, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "o"
    outcome = grade_class(EXERCISE, [str(form)], Options(out=out))
    scores = {r.student: (r.gradable, r.score) for r in outcome.records}
    assert scores["S0001"] == (True, 16) and scores["S0002"] == (True, 15)
    assert scores["S0003"][1] == 0
    assert len({r.report for r in outcome.records}) == 3
    assert sorted(os.listdir(out / "reports")) == ["S0001.html", "S0002.html", "S0003.html"]
    plain = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert [(row["student"], row["email"], row["submission"]) for row in plain][:2] == [
        ("S0001", "jane.doe@example.edu", str(form)), ("S0002", "li.wei@example.edu", str(form))]
    # a spreadsheet opening the gradebook must not run what a respondent typed (CSV injection)
    assert (plain[2]["name"], plain[2]["email"]) == ("'=1+2", "'=HYPERLINK(\"http://x\")")


def _variant_answers(student: str) -> str:
    """The right answers of ``student``'s variant, from ``grader solve --student``."""
    from grader.exercise import load_exercise
    solution = load_exercise(VARIANTS, student=student).solution
    lines = [f"{s.name}: {{output_shape: {'x'.join(map(str, s.output_shape))}, params: {s.params}}}"
             for s in solution.layers]
    return "\n".join(lines) + f"\ntotal_params: {solution.total_params}\n"


def test_each_student_is_graded_against_their_own_variant(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    students = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"]
    for student in students:
        (folder / f"{student}.yaml").write_text(_variant_answers(student))
    (folder / "mallory.yaml").write_text(_variant_answers("alice"))  # someone else's numbers
    outcome = grade_class(VARIANTS, [str(folder)], Options(out=tmp_path / "o", jobs=2))
    scores = {r.student: r.score for r in outcome.records}
    assert all(scores[s] == 16 for s in students), scores
    assert scores["mallory"] < 16
    report = (tmp_path / "o" / "reports" / "alice.html").read_text()
    assert "Your variant" in report


def test_templates_override_the_overview_and_the_reports(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "overview.html.j2").write_text("{{ counts.submissions }} submissions, {{ counts.graded }} graded\n")
    (templates / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block content %}<p>{{ student.id }}: {{ score.points }}</p>{% endblock %}')
    out = tmp_path / "o"
    assert main(["grade", EXERCISE, str(SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb"),
                 str(SAMPLES / "clarkisla_40128_880128_params_exercise.ipynb"), "--out", str(out),
                 "--templates", str(templates)]) == 0
    assert (out / "index.html").read_text() == "2 submissions, 1 graded\n"
    report = (out / "reports" / "garciamaria.html").read_text()
    assert "<p>garciamaria: 12</p>" in report and 'href="../index.html"' in report


def test_an_empty_class_is_an_error_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "notes.txt").write_text("not a submission")
    assert run(tmp_path / "class", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert f"no submission found in {tmp_path / 'class'} (1 other files skipped" in err
    assert not (tmp_path / "o").exists()
