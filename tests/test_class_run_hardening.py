"""A class run attacked as a hostile student or a broken machine would (issue 9): every
fault is a clear, per-submission outcome, nothing is lost, no submission changes another's
grade, and no worker outlives the run."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from grader import batch, outputs
from grader.batch import Options, grade_class
from grader.cli import main
from grader.exercise import load_exercise_text
from grader.grading import grade_answers, solution_answers

from .conftest import EXERCISES, ROOT

EXERCISE = str(EXERCISES / "cnn-8x8x3.yaml")
SAMPLES = ROOT / "samples" / "cnn-8x8x3"
RIGHT = ["6x6x64", "1792", "3x3x64", "0", "3x3x128", "8320", "1x1x128", "0", "128", "0", "516", "66564",
         "5", "2585", "79261"]
FORM_HEADER = ["Timestamp", "Email Address", "Student ID", "Full name"] + [
    f"{layer} - {q}" for layer in ("conv1", "pool1", "conv2", "pool2", "flatten", "fc", "out")
    for q in ("output shape", "params")] + ["Total number of parameters"]


def _class(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "class"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


# -- CSV injection (item 2) -------------------------------------------------------------------

def test_a_carriage_return_cannot_start_a_row_or_a_formula_in_any_gradebook(tmp_path):
    form = tmp_path / "responses.csv"
    with open(form, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([FORM_HEADER,
                                  ["2024/09/02 9:05", "bob@example.edu", "Bob\r=2+3", "Bob\n@SUM(A1)", *RIGHT]])
    out = tmp_path / "o"
    grade_class(EXERCISE, [str(form)], Options(out=out, gradebook=("csv", "canvas", "moodle")))
    text = (out / "gradebook.csv").read_bytes().decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2                           # the \r did not start a row of its own
    assert rows[1][0] == "Bob\r'=2+3" and rows[1][1] == "Bob\n'@SUM(A1)"
    for name in ("gradebook.csv", "gradebook-canvas.csv", "gradebook-moodle.csv"):
        for row in csv.reader(io.StringIO((out / name).read_bytes().decode(), newline="")):
            for cell in row:
                for line in cell.splitlines():
                    assert not line.startswith(("=", "+", "@")), (name, cell)


# -- one run at a time (item 3) ---------------------------------------------------------------

def test_a_second_run_into_a_locked_folder_fails_at_once_and_touches_nothing(tmp_path, capsys):
    folder = _class(tmp_path, ["garciamaria_40107_880106_params_exercise.ipynb"])
    out = tmp_path / "o"
    assert main(["grade", EXERCISE, str(folder), "--out", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    holder = outputs._acquire(out / outputs.LOCK)   # another run holds the folder
    try:
        started = time.perf_counter()
        assert main(["grade", EXERCISE, str(folder), "--out", str(out)]) == 2
        assert time.perf_counter() - started < 5
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert f"another grader run is writing into this output folder (process {os.getpid()})" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != outputs.LOCK} == \
        {p: b for p, b in before.items() if p.name != outputs.LOCK}


def test_staging_names_are_the_runs_own(tmp_path):
    folder = _class(tmp_path, ["garciamaria_40107_880106_params_exercise.ipynb"])
    seen = []
    real = outputs.OutputFolder.__enter__

    def enter(self):
        got = real(self)
        seen.append(self.staging.name)
        return got

    outputs.OutputFolder.__enter__ = enter
    try:
        for _ in range(2):
            grade_class(EXERCISE, [str(folder)], Options(out=tmp_path / "o"))
    finally:
        outputs.OutputFolder.__enter__ = real
    assert len(set(seen)) == 2 and all(name.startswith(".grader-staging-") for name in seen)


# -- a killed run publishes all of its outputs or none (item 9) --------------------------------

def test_a_run_killed_while_publishing_is_completed_by_the_next_one(tmp_path, monkeypatch):
    folder = _class(tmp_path, ["garciamaria_40107_880106_params_exercise.ipynb",
                               "brownliam_40102_880101_params_exercise.ipynb"])
    out = tmp_path / "o"
    grade_class(EXERCISE, [str(folder)], Options(out=out))
    (folder / "brownliam_40102_880101_params_exercise.ipynb").unlink()
    real, calls = os.replace, []

    def dies_half_way(src, dst):
        calls.append(dst)
        if str(dst).endswith("results.json") and len(calls) > 1:
            raise KeyboardInterrupt  # the run is killed between two moves
        return real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        grade_class(EXERCISE, [str(folder)], Options(out=out))
    monkeypatch.setattr(outputs.os, "replace", real)
    assert (out / outputs.JOURNAL).exists()              # the moves still to make are written down
    outputs.finish_publishing(out)                        # what the next run does first
    results = json.loads((out / "results.json").read_text())
    assert [r["student"] for r in results] == ["garciamaria"]
    assert sorted(os.listdir(out / "reports")) == ["garciamaria.html"]
    assert "brownliam" not in (out / "index.html").read_text() and not (out / outputs.JOURNAL).exists()
    assert not list(out.glob(".grader-staging-*"))


# -- dead workers (item 5) ----------------------------------------------------------------------

def test_a_killed_worker_loses_only_its_submission(tmp_path, monkeypatch):
    broken = ("bakerharry", "clarkisla", "dixontom", "ellisgrace", "wilsonava")  # the sample class's unreadable ones
    names = sorted(p.name for p in SAMPLES.glob("*_params_exercise.ipynb") if not p.name.startswith(broken))[:12]
    folder = _class(tmp_path, names)
    victim = "garciamaria_40107_880106_params_exercise.ipynb"
    real = batch.Grader.grade_file

    def killer(self, job):
        if job.display == victim:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer does
        return real(self, job)

    monkeypatch.setattr(batch.Grader, "grade_file", killer)  # the workers are forked with it
    outcome = grade_class(EXERCISE, [str(folder)], Options(out=tmp_path / "o", jobs=2))
    lost = [r for r in outcome.records if not r.gradable]
    assert [r.submission for r in lost] == [victim]
    assert "killed by signal 9" in lost[0].errors[0] and "stopped twice" in lost[0].errors[0]
    assert sum(r.gradable for r in outcome.records) == len(names) - 1
    report = (tmp_path / "o" / lost[0].report).read_text()
    assert "killed by signal 9" in report and "Not graded" in report


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_no_worker_outlives_the_main_process(tmp_path, sig):
    folder = tmp_path / "class"
    folder.mkdir()
    sample = (SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb").read_bytes()
    for i in range(3000):
        (folder / f"s{i:04d}.ipynb").write_bytes(sample)
    run = subprocess.Popen([sys.executable, "-m", "grader", "grade", EXERCISE, str(folder), "--out",
                            str(tmp_path / "o"), "--jobs", "2"], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers = []
    for _ in range(200):
        workers = _children(run.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert len(workers) >= 2, "the run started no workers"
    run.send_signal(sig)
    run.wait(timeout=30)
    deadline = time.time() + 10
    while time.time() < deadline and any(Path(f"/proc/{w}").exists() and "Z" not in
                                         (Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split() or ["Z"])[0]
                                         for w in workers if Path(f"/proc/{w}").exists()):
        time.sleep(0.1)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()
             and (Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z")]
    assert alive == []
    if sig == signal.SIGTERM:
        assert run.returncode == 143 and b"Traceback" not in run.stderr.read()
    assert not list((tmp_path / "o").glob(".grader-staging-*")) or sig == signal.SIGKILL


# -- symbolic links (item 6) --------------------------------------------------------------------

def test_links_out_of_the_folders_given_are_not_read(tmp_path, capsys):
    secret = tmp_path / "secret.ipynb"
    secret.write_text("root:x:0:0:secret-hash")
    folder = _class(tmp_path, ["garciamaria_40107_880106_params_exercise.ipynb"])
    (folder / "steal_12345_67890_x.ipynb").symlink_to(secret)
    (folder / "loop").symlink_to(folder)                         # a folder link loop
    (folder / "sub").mkdir()
    (folder / "sub" / "inside.ipynb").symlink_to(folder / "garciamaria_40107_880106_params_exercise.ipynb")
    out = tmp_path / "o"
    assert main(["grade", EXERCISE, str(folder), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "steal_12345_67890_x.ipynb: a symbolic link to a file outside the folders given: not read" in printed
    assert "loop: a symbolic link to a folder: not followed" in printed
    everything = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert "secret-hash" not in everything
    students = [r["submission"] for r in json.loads((out / "results.json").read_text())]
    assert students == ["garciamaria_40107_880106_params_exercise.ipynb", "sub/inside.ipynb"]


def test_a_glob_does_not_follow_a_folder_link_loop(tmp_path):
    folder = _class(tmp_path, ["garciamaria_40107_880106_params_exercise.ipynb"])
    (folder / "again").symlink_to(folder)
    outcome = grade_class(EXERCISE, [str(folder / "**" / "*.ipynb")], Options(out=tmp_path / "o"))
    assert [r.submission for r in outcome.records] == [str(folder / "garciamaria_40107_880106_params_exercise.ipynb")]


# -- smaller (item 9) ---------------------------------------------------------------------------

@pytest.mark.parametrize("inside", [False, True])
def test_an_output_folder_that_is_or_holds_the_inputs_is_refused(tmp_path, capsys, inside):
    folder = _class(tmp_path, ["garciamaria_40107_880106_params_exercise.ipynb"])
    out = folder if not inside else tmp_path
    assert main(["grade", EXERCISE, str(folder), "--out", str(out)]) == 2
    assert "choose an output folder outside the submissions" in capsys.readouterr().err
    assert not (out / "results.json").exists()


def test_terminal_escapes_in_file_names_are_printed_harmless(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "evil\x1b]0;pwned\x07\x1b[2J.ipynb").write_text("not json")
    assert main(["grade", EXERCISE, str(folder), "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed and "evil\\x1b]0;pwned\\x07" in printed


def test_form_rows_are_not_taken_for_one_canvas_user(tmp_path):
    form = tmp_path / "responses.csv"
    with open(form, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([FORM_HEADER, ["t", "a@x.edu", "S1", "A", *RIGHT], ["t", "b@x.edu", "S2", "B", *RIGHT]])
    outcome = grade_class(EXERCISE, [str(form)], Options(out=tmp_path / "o", gradebook=("csv", "canvas")))
    assert [r.superseded_by for r in outcome.records] == ["", ""]
    assert not [w for w in outcome.warnings if "handed in" in w]


def _deep(n: int) -> str:
    layers = "".join(f"  - {{type: Conv2D, name: c{i}, filters: 4, kernel_size: 1}}\n" for i in range(n))
    return f"id: deep\ninput_shape: [4, 4, 4]\nlayers:\n{layers}ask: {{output_shape: 1, params: 1}}\n"


def _grading_memory(n: int) -> int:
    exercise = load_exercise_text(_deep(n), "deep.yaml")
    changes = {(f"c{i}", "output_shape"): "5x5x4" for i in range(0, n, 2)}   # wrong shapes, followed through
    answers = solution_answers(exercise, changes=changes)
    tracemalloc.start()
    grade_answers(exercise, answers)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_grading_cost_grows_linearly_with_the_layers():
    """Memory is a deterministic stand-in for the work: the old memo keys held every layer's
    shapes once per item, so twice the layers took four times the memory."""
    small, large = _grading_memory(200), _grading_memory(800)
    assert large < 5 * small, (small, large)


def test_check_always_leaves_a_gradescope_results_json(tmp_path, capsys):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    results = root / "results.json"
    for files in ([], ["a.ipynb", "b.ipynb"], ["model.py"]):
        for name in files:
            shutil.copy(SAMPLES / "garciamaria_40107_880106_params_exercise.ipynb", root / "submission" / name)
        results.unlink(missing_ok=True)
        assert main(["check", EXERCISE, str(root / "submission"), "--gradescope", str(results)]) == 2
        data = json.loads(results.read_text())
        assert data["score"] == 0 and data["tests"] == [] and data["output"].startswith("Not graded:")
        for name in files:
            (root / "submission" / name).unlink()
    capsys.readouterr()
