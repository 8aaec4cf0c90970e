"""Grading a whole class: ``grader grade EXERCISE PATH... --out DIR``.

Submissions are found (:mod:`grader.discovery`), graded in worker processes (each reads,
grades, renders and writes a submission's own report itself) and come back, in order, as
small records. The parent streams results.json as they come, keeps one record per
submission for the gradebooks and the overview, and writes everything into a staging
folder of its own inside ``--out``; the run's outputs are published together at the end.
A bad submission is listed with its reason and never stops the run; the same inputs give
byte-identical outputs (no clocks, sorted inputs, stable names).
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

from . import workers
from .archives import is_archive, member_identity, members, open_archive, read_member_answers
from .answers import Identity
from .checking import ungradable
from .discovery import check_output_folder, discover, display_name
from .errors import GraderError
from .exercise import Exercise, ExerciseFile
from .feedback import result_json
from .gradebook import (FORMATS, GradebookOptions, canvas_rows, gradescope_results, moodle_rows, plain_rows,
                        write_csv)
from .grading import grade
from .key import AnswerKey, answer_key
from .lmsfeedback import canvas_entries, moodle_entries, write_feedback_zip
from .outputs import REPORTS, OutputFolder, write_file
from .groups import read_groups
from .overrides import Override, applying, apply, load_overrides, unused
from .overview import ClassRun, overview_view
from .parsing import parse_answers
from .readers import read_path
from .readers.identity import identify
from .record import Column, Record, item_columns, record_of
from .report import Templates, exercise_view, report_view
from .result import Result

OVERVIEW = "index.html"
MAX_NAME = 80


@dataclass(frozen=True)
class Options:
    out: Path
    jobs: int = 0                          # 0: all cores
    gradebook: tuple[str, ...] = ("csv",)
    gradescope: bool = False
    templates: str | None = None
    max_bytes: int = 20_000_000
    assignment_title: str | None = None
    assignment_id: str | None = None
    graded_at: datetime | None = None      # Moodle's "Last modified (grade)"; default: newest input
    overrides: str | None = None           # the instructor's overrides file (grader.overrides)
    feedback_zips: tuple[str, ...] = ()    # "canvas", "moodle": every report in one upload (grader.lmsfeedback)
    groups: str | None = None              # Canvas group assignment: the group set's CSV (grader.groups)


@dataclass
class Outcome:
    """What a class run did: one record per submission, in order, and what else it found."""

    records: list[Record] = field(default_factory=list)
    run: ClassRun = field(default_factory=ClassRun)
    seconds: float = 0.0

    @property
    def ungradable(self) -> list[Record]:
        return [r for r in self.records if not r.gradable]

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return self.run.skipped

    @property
    def warnings(self) -> list[str]:
        return self.run.warnings


# -- grading one file (runs in worker processes) -------------------------------------------

class Job(NamedTuple):
    number: int
    path: str
    display: str     # the submission's name in reports: relative to the folder it was found in
    member: str = ""  # a member of the zip at ``path`` (an LMS download), read in memory


class Graded(NamedTuple):
    """One graded submission on its way back from a worker; its report waits in ``staged``."""

    record: Record
    entry: dict[str, Any]     # its results.json object, without the report's name
    staged: str               # the staged report, relative to the staging folder
    gradescope: str           # the staged Gradescope results.json ("" without --gradescope)


@dataclass(frozen=True)
class Variant:
    """One variant of the exercise, with what grading and reports need of it, built once."""

    exercise: Exercise
    key: AnswerKey
    page: dict[str, Any]


class Grader:
    """A worker's own state for the run: the exercise file, its variants as they are met, the
    templates; grades one file at a time and stages its outputs."""

    def __init__(self, exercise_path: str, staging: str, templates: str | None, max_bytes: int,
                 gradescope: bool = False, overrides: tuple[Override, ...] = ()):
        self.file = ExerciseFile(exercise_path)
        self.base = self.file.variant(None)
        self.columns: list[Column] = item_columns(self.base)
        self.staging = staging
        self.templates = Templates(templates)
        self.max_bytes = max_bytes
        self.gradescope = gradescope
        self.overrides = overrides
        self.variants: dict[tuple, Variant] = {}
        self.seen: dict[str, dict | None] = {}  # Gradescope's metadata per folder: one look per folder
        self.archives: dict[str, zipfile.ZipFile] = {}  # LMS download zips, opened once per worker

    def variant(self, student: str | None) -> Variant:
        key = self.file.variant_key(student)
        if key not in self.variants:
            exercise = self.file.variant(student)
            self.variants[key] = Variant(exercise, answer_key(exercise), exercise_view(exercise))
        return self.variants[key]

    def grade_file(self, job: Job) -> list[Result]:
        """Every submission in one file (a form export holds many); never raises GraderError."""
        try:
            if job.member:
                archive_shown = job.display[:-len(job.member) - 1]  # the zip, as the reports name it
                found = read_member_answers(self.archive(job.path, archive_shown), archive_shown, job.member,
                                            self.base, self.max_bytes)
            else:
                found = read_path(job.path, self.base, max_bytes=self.max_bytes, display=job.display, seen=self.seen)
        except GraderError as exc:
            owner = member_identity(job.member, job.display) if job.member else _identity(job.path)
            return [ungradable(self.base, job.display, owner, exc)]
        results = []
        for answers in found:
            try:
                variant = self.variant(answers.identity.student)
            except GraderError as exc:  # this student's variant is no valid model
                results.append(ungradable(self.base, job.display, answers.identity, exc))
                continue
            results.append(grade(variant.key, parse_answers(answers, variant.key)))
        return results

    def archive(self, path: str, shown: str) -> zipfile.ZipFile:
        if path not in self.archives:
            self.archives[path] = open_archive(path, shown)
        return self.archives[path]

    def run(self, batch: Sequence[Job]) -> list[list[Graded]]:
        return [self.run_one(job) for job in batch]

    def run_one(self, job: Job) -> list[Graded]:
        """Grade one file and stage each submission's report (and Gradescope file)."""
        try:
            results = self.grade_file(job)
        except Exception as exc:  # noqa: BLE001 - the batch boundary: one file never stops a class
            results = [internal_error(self.base, job, exc)]
        graded = []
        for k, result in enumerate(results):
            matched = applying(self.overrides, result.identity)
            if matched:
                result = apply(result, matched)
            variant = self.variant(result.student) if result.gradable else self.variant(None)
            try:
                html = self.report(result, variant)
            except GraderError:
                raise  # a broken --templates folder: every report would fail the same way
            except Exception as exc:  # noqa: BLE001
                result = internal_error(self.base, job, exc)
                html = self.report(result, self.variant(None))
            staged = f"{REPORTS}/.job-{job.number}-{k}.html"
            write_file(os.path.join(self.staging, staged), html)
            scope = ""
            if self.gradescope:
                scope = f"{REPORTS}/.job-{job.number}-{k}.gradescope.json"
                text = json.dumps(gradescope_results(result, variant.exercise), indent=1) + "\n"
                write_file(os.path.join(self.staging, scope), text)
            lines = tuple(o.line for o in matched)
            graded.append(Graded(record_of(result, self.columns, lines), result_json(result), staged, scope))
        return graded

    def report(self, result: Result, variant: Variant) -> str:
        view = report_view(result, variant.exercise, variant.page)
        view["overview"] = {"href": f"../{OVERVIEW}"}
        return self.templates.render("class_report.html.j2", view)


def _identity(path: str) -> Identity:
    try:
        return identify(path)
    except GraderError:
        return Identity(student=Path(path).stem)


def internal_error(exercise: Exercise, job: Job, exc: Exception) -> Result:
    error = GraderError(f"internal error while grading ({type(exc).__name__}: {exc}); "
                        "please report it with this file")
    return ungradable(exercise, job.display, _identity(job.path), error)


_GRADER: Grader | None = None  # the worker process's own Grader, set up once by _init


def _init(*args: Any) -> None:
    global _GRADER
    _GRADER = Grader(*args)


def _work(batch: Sequence[Job]) -> list[list[Graded]]:
    assert _GRADER is not None
    return _GRADER.run(batch)


# -- the whole run -------------------------------------------------------------------------

def grade_class(exercise_path: str, paths: Sequence[str], options: Options,
                progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Grade every submission under ``paths`` and write the outputs into ``options.out``.

    Raises GraderError only for an invalid exercise, an output folder that cannot be
    written or locked, or a broken template; a bad submission is an ungradable record with
    its reason.
    """
    started = time.perf_counter()
    exercise = ExerciseFile(exercise_path).variant(None)
    Templates(options.templates)  # a missing --templates folder fails before any work
    overrides = load_overrides(options.overrides, exercise) if options.overrides else ()
    for fmt in options.gradebook:
        if fmt not in FORMATS:
            raise GraderError(f"unknown gradebook format '{fmt}' (one of {', '.join(FORMATS)})")
    if options.groups and "canvas" not in options.gradebook:
        raise GraderError("--groups gives each group member the group's grade in gradebook-canvas.csv: "
                          "add --gradebook canvas")
    groups = read_groups(options.groups) if options.groups else None
    out = Path(options.out)
    check_output_folder(out, paths)
    files, skipped = discover(paths, exclude=out)
    if not files:  # nothing to grade: an earlier run's outputs stay as they are
        raise GraderError(f"no submission found in {', '.join(paths)}"
                          + (f" ({len(skipped)} other files skipped, such as {skipped[0][0]}: {skipped[0][1]})"
                             if skipped else "") + "; a submission is a notebook, a form export or an answer file")
    outcome = Outcome(run=ClassRun(skipped=skipped))
    folders = [Path(root) for root in paths if os.path.isdir(root)]
    jobs = expand_archives(files, folders, outcome.run)
    if not jobs:
        raise GraderError(f"no submission found in {', '.join(paths)}: "
                          + "; ".join(f"{path}: {why}" for path, why in outcome.run.skipped[:3]))
    book = GradebookOptions(options.assignment_title, options.assignment_id,
                            options.graded_at or _newest_mtime(files), groups)
    try:
        with OutputFolder(out) as folder:
            _run(exercise_path, exercise, jobs, book, options, overrides, folder, outcome, progress)
    except OSError as exc:  # a full disk, a folder that cannot be written: nothing is published
        raise GraderError(f"cannot write the outputs: {exc.strerror or exc}", file=str(exc.filename or out)) from None
    outcome.seconds = time.perf_counter() - started
    return outcome


def _run(exercise_path: str, exercise: Exercise, jobs: list[Job], book: GradebookOptions, options: Options,
         overrides: tuple[Override, ...], folder: OutputFolder, outcome: Outcome,
         progress: Callable[[int, int], None] | None) -> None:
    """Grade the jobs in worker processes, stream results.json, write the rest, publish."""
    init = (exercise_path, str(folder.staging), options.templates, options.max_bytes, options.gradescope, overrides)
    taken: set[str] = set()
    processes = min(options.jobs or os.cpu_count() or 1, max(1, len(jobs) // 4))
    chunk = max(1, min(16, len(jobs) // (processes * 16)))
    with folder.stream("results.json") as results:
        results.write("[")
        try:
            units = workers.run(jobs, _work, processes=processes, init=_init, initargs=init, chunk=chunk)
            for done, (job, graded) in enumerate(units, 1):
                if isinstance(graded, workers.Lost):
                    graded = [_lost(exercise, job, graded.reason, folder)]
                for item in graded:
                    record = _place(folder, item, taken, options.gradescope)
                    results.write(("\n" if not outcome.records else ",\n")
                                  + json.dumps({**item.entry, "report": record.report}, ensure_ascii=False))
                    outcome.records.append(record)
                if progress:
                    progress(done, len(jobs))
        except workers.WorkerError as exc:
            raise GraderError(f"grading stopped: {exc}") from None
        results.write("\n]\n")
    if overrides:  # an override that matched no submission is a mistake in the file: nothing is published
        problem = unused(overrides, {line for r in outcome.records for line in r.overrides}, str(options.overrides))
        if problem:
            raise problem
    outcome.records = supersede(outcome.records)
    _write_outputs(exercise, outcome, options, book, folder)
    folder.publish(outcome.run.written)


def expand_archives(files: Sequence[Path], folders: Sequence[Path], run: ClassRun) -> list[Job]:
    """One job per file, and one per member of each LMS download zip (listed in this process,
    read in the workers); members that are no submission, and archives that cannot be opened,
    are listed as skipped."""
    jobs: list[Job] = []
    for path in files:
        display = display_name(path, folders)
        if not is_archive(path.name):
            jobs.append(Job(len(jobs), str(path), display))
            continue
        if display == str(path):  # a download named on the command line: its members by the zip's name
            display = path.name
        try:
            with open_archive(str(path), display) as archive:
                for member in members(archive, display):
                    if member.problem:
                        run.skipped.append((f"{display}/{member.name}", member.problem))
                    else:
                        jobs.append(Job(len(jobs), str(path), f"{display}/{member.name}", member.name))
        except GraderError as exc:
            run.skipped.append((display, exc.message))
            run.warnings.append(f"{display}: {exc.message}")
    return jobs


def _lost(exercise: Exercise, job: Job, reason: str, folder: OutputFolder) -> Graded:
    """A file whose grading process died twice: an ungradable record, with a report saying why."""
    grader = Grader(str(exercise.path), str(folder.staging), None, 0)
    result = ungradable(exercise, job.display, _identity(job.path), GraderError(f"could not be graded: {reason}"))
    staged = f"{REPORTS}/.job-{job.number}-lost.html"
    write_file(os.path.join(folder.staging, staged), grader.report(result, grader.variant(None)))
    return Graded(record_of(result, grader.columns), result_json(result), staged, "")


def _place(folder: OutputFolder, item: Graded, taken: set[str], gradescope: bool) -> Record:
    """Give a staged report its final name; the record, with that name."""
    name = report_name(item.record.identity, taken)
    folder.rename(item.staged, name)
    if gradescope and item.gradescope:
        folder.rename(item.gradescope, f"gradescope/{name[len(REPORTS) + 1:-len('.html')]}/results.json")
    return replace(item.record, report=name)


def report_name(identity: Identity, taken: set[str]) -> str:
    """``reports/<student>.html``: a safe, unique (also on case-insensitive disks) name."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", identity.student).strip("._-")[:MAX_NAME] or "submission"
    name, n = f"{stem}.html", 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}.html"
    taken.add(name.lower())
    return f"{REPORTS}/{name}"


def supersede(records: list[Record]) -> list[Record]:
    """Mark each submission that a later one of the same student replaces (the LMS id when the
    file names give one, else the student id): only the latest counts, in the gradebooks and
    in every statistic. "Later" is the order of the submissions (their sorted paths; Canvas
    names a resubmission ``-1``); the rows of one form export are one submission each."""
    latest: dict[tuple[str, str], int] = {}
    for i, r in enumerate(records):
        latest[_who(r.identity)] = i
    return [r if latest[_who(r.identity)] == i else replace(r, superseded_by=records[latest[_who(r.identity)]].submission)
            for i, r in enumerate(records)]


def _who(identity: Identity) -> tuple[str, str]:
    if identity.canvas_id:
        return ("canvas", identity.canvas_id)
    if identity.moodle_participant:
        return ("moodle", identity.moodle_participant)
    if identity.gradescope_id:
        return ("gradescope", identity.gradescope_id)
    return ("student", identity.student.casefold())


def _write_outputs(exercise: Exercise, outcome: Outcome, options: Options, book: GradebookOptions,
                   folder: OutputFolder) -> None:
    """The gradebooks and the overview, written into the staging folder as they are made."""
    run = outcome.run
    records = outcome.records
    run.written.append("results.json")
    for fmt in options.gradebook:
        left_out: list[str] = []
        notes: list[str] = []
        rows = (plain_rows(records, exercise) if fmt == "csv" else
                canvas_rows(records, exercise, book, left_out, notes) if fmt == "canvas" else
                moodle_rows(records, exercise, book, left_out))
        name = "gradebook.csv" if fmt == "csv" else f"gradebook-{fmt}.csv"
        with folder.stream(name) as fh:
            write_csv(fh, rows)
        run.written.append(name)
        run.warnings += [f"{name}: left out {item}" for item in left_out] + [f"{name}: {n}" for n in notes]
    for lms in options.feedback_zips:
        entries, left_out = canvas_entries(records) if lms == "canvas" else moodle_entries(records)
        name = f"feedback-{lms}.zip"
        write_feedback_zip(folder.staging / name, entries, folder.staging)
        run.written.append(name)
        run.warnings += [f"{name}: left out {item}" for item in left_out]
    if options.gradescope:
        run.written.append("gradescope/")
    run.written.append(OVERVIEW)
    with folder.stream(OVERVIEW) as fh:
        Templates(options.templates).stream("overview.html.j2", overview_view(exercise, records, run), fh)


def _newest_mtime(files: Sequence[Path]) -> datetime:
    """The worksheet's grade time: the newest input file, so re-runs write the same bytes."""
    stamps = []
    for p in files:
        try:
            stamps.append(p.stat().st_mtime)
        except OSError:
            continue
    return datetime.fromtimestamp(int(max(stamps))) if stamps else datetime(2000, 1, 1)


class ProgressBar:
    """A one-line progress bar on a terminal; silent elsewhere (logs stay quiet)."""

    def __init__(self, stream: Any = sys.stderr, label: str = "grading"):
        self.stream = stream
        self.enabled = hasattr(stream, "isatty") and stream.isatty()
        self.label = label
        self.start = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(now - self.start, 1e-9)
        eta = (total - done) / rate if rate else 0
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                          f"{rate:,.0f}/s ETA {eta:,.0f}s ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
