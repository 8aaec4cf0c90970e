"""Grading a whole class: ``grader grade EXERCISE PATH... --out DIR``.

Submissions are found in folders, globs and files; graded in parallel processes; a bad
submission is listed with its reason and never stops the run. Every output is written
atomically (a temporary file renamed into place), and the same inputs give
byte-identical outputs: no clocks, sorted inputs, stable names.
"""
from __future__ import annotations

import glob
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .answers import Identity
from .errors import GraderError
from .exercise import Exercise, build, choose_variables, load_exercise
from .result import Result

IGNORED_NAMES = {"__MACOSX", ".ipynb_checkpoints", ".git", "__pycache__", ".DS_Store"}


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
    graded_at: datetime | None = None


@dataclass
class Outcome:
    results: list[Result]
    reports: dict[int, str]                       # index in results -> report file name (relative)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): not submissions
    warnings: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0


# -- finding submissions -----------------------------------------------------------------

def discover(paths: Sequence[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Submission files from files, folders (recursively) and glob patterns, sorted.

    Files named explicitly are always submissions (an unreadable one is reported as
    such); inside folders, files of other kinds are listed as skipped.
    """
    from .readers import SUFFIXES

    found: dict[str, Path] = {}
    skipped: list[tuple[str, str]] = []
    for pattern in paths:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            skipped.append((pattern, "no file matches this pattern"))
        for match in matches:
            path = Path(match)
            if path.is_dir():
                for sub in sorted(_walk(path)):
                    if sub.suffix.lower() in SUFFIXES:
                        found.setdefault(str(sub), sub)
                    elif sub.name != "submission_metadata.json":
                        skipped.append((str(sub), f"not a submission format ({sub.suffix or 'no extension'})"))
            else:
                found.setdefault(str(path), path)
    return sorted(found.values(), key=lambda p: str(p)), skipped


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_NAMES and not d.startswith("."))
        for name in files:
            if name not in IGNORED_NAMES and not name.startswith("."):
                yield Path(root) / name


# -- grading one file (runs in worker processes) -------------------------------------------

class _Worker:
    """Per-process state: the exercise (and its variants), parsed once."""

    def __init__(self, exercise_path: str, templates: str | None, max_bytes: int):
        from .exercise import _document
        from .yamlsource import read_text
        self.exercise_path = exercise_path
        self.exercise = load_exercise(exercise_path)
        self.doc = _document(read_text(exercise_path), exercise_path)
        self.has_variables = bool(self.exercise.variables)
        self.variants: dict[tuple, Exercise] = {}
        self.templates = templates
        self.max_bytes = max_bytes

    def exercise_for(self, student: str) -> Exercise:
        if not self.has_variables:
            return self.exercise
        values = choose_variables(self.doc, self.exercise_path, student)
        key = tuple(sorted(values.items()))
        if key not in self.variants:
            self.variants[key] = build(self.doc, self.exercise_path, values, student)
        return self.variants[key]

    def grade_file(self, path: str, display: str) -> list[tuple[Result, str]]:
        from .grading import grade
        from .readers import read_path
        from .readers.identity import identify
        from .report import render_report

        try:
            all_answers = read_path(path, self.exercise, max_bytes=self.max_bytes, display=display)
        except GraderError as exc:
            try:
                identity = identify(path)
            except GraderError:
                identity = Identity(student=Path(path).stem)
            result = ungradable(self.exercise, display, identity, exc)
            return [(result, render_report(result, self.exercise, self.templates))]
        out = []
        for answers in all_answers:
            exercise = self.exercise_for(answers.identity.student)
            result = grade(exercise, answers)
            out.append((result, render_report(result, exercise, self.templates)))
        return out


def ungradable(exercise: Exercise, submission: str, identity: Identity, error: Exception) -> Result:
    message = error.message if isinstance(error, GraderError) else str(error)
    return Result(exercise=exercise.id, submission=submission, identity=identity, errors=[message],
                  max_score=exercise.max_score)


_STATE: _Worker | None = None


def _init(exercise_path: str, templates: str | None, max_bytes: int) -> None:
    global _STATE
    _STATE = _Worker(exercise_path, templates, max_bytes)


def _run(job: tuple[str, str]) -> list[tuple[Result, str]]:
    assert _STATE is not None
    try:
        return _STATE.grade_file(*job)
    except Exception as exc:  # noqa: BLE001 - the batch boundary: one file never stops a class
        identity = Identity(student=Path(job[0]).stem)
        error = GraderError(f"internal error while grading ({type(exc).__name__}: {exc}); "
                            "please report it with this file")
        result = ungradable(_STATE.exercise, job[1], identity, error)
        from .report import render_report
        return [(result, render_report(result, _STATE.exercise, _STATE.templates))]


# -- the whole run -------------------------------------------------------------------------

def grade_class(exercise_path: str, paths: Sequence[str], options: Options,
                progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Grade every submission under ``paths`` and write the outputs into ``options.out``."""
    started = time.perf_counter()
    exercise = load_exercise(exercise_path)
    files, skipped = discover(paths)
    jobs = [(str(p), _display(p, paths)) for p in files]
    pairs: list[tuple[Result, str]] = []
    workers = options.jobs or os.cpu_count() or 1
    if workers == 1 or len(jobs) < 8:
        _init(exercise_path, options.templates, options.max_bytes)
        for i, job in enumerate(jobs, 1):
            pairs += _run(job)
            if progress:
                progress(i, len(jobs))
    else:
        chunk = max(1, min(64, len(jobs) // (workers * 8)))
        with ProcessPoolExecutor(max_workers=workers, initializer=_init,
                                 initargs=(exercise_path, options.templates, options.max_bytes)) as pool:
            for i, part in enumerate(pool.map(_run, jobs, chunksize=chunk), 1):
                pairs += part
                if progress:
                    progress(i, len(jobs))
    outcome = Outcome(results=[r for r, _ in pairs], reports={}, skipped=skipped)
    _write_outputs(exercise, pairs, outcome, options, files)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _display(path: Path, roots: Sequence[str]) -> str:
    """The submission's name in reports: relative to the folder it was found in."""
    for root in roots:
        r = Path(root)
        if r.is_dir():
            try:
                return str(path.relative_to(r))
            except ValueError:
                continue
    return str(path)


def report_name(result: Result, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", result.identity.student).strip("._") or "submission"
    name, n = f"{stem}.html", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}.html"
    taken.add(name)
    return name


def _write_outputs(exercise: Exercise, pairs: list[tuple[Result, str]], outcome: Outcome,
                   options: Options, files: Sequence[Path]) -> None:
    from . import gradebook
    from .overview import render_overview

    out = options.out
    (out / "reports").mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for index, (result, html) in enumerate(pairs):
        name = "reports/" + report_name(result, taken)
        outcome.reports[index] = name
        write_atomic(out / name, html)
    results = outcome.results
    payload = [r.to_json(exercise.grading.reveal) for r in results]
    for entry, index in zip(payload, range(len(results))):
        entry["report"] = outcome.reports[index]
    write_atomic(out / "results.json", json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    outcome.written.append("results.json")

    graded_at = options.graded_at or _newest_mtime(files)
    book_options = gradebook.GradebookOptions(options.assignment_title, options.assignment_id, graded_at)
    for fmt in options.gradebook:
        if fmt == "csv":
            text, left_out = gradebook.plain_csv(results, exercise), []
        elif fmt == "canvas":
            text, left_out = gradebook.canvas_csv(results, exercise, book_options)
        else:
            text, left_out = gradebook.moodle_csv(results, exercise, book_options)
        name = f"gradebook-{fmt}.csv" if fmt != "csv" else "gradebook.csv"
        write_atomic(out / name, text)
        outcome.written.append(name)
        outcome.warnings += [f"{name}: left out {item}" for item in left_out]
    if options.gradescope:
        for index, result in enumerate(results):
            stem = Path(outcome.reports[index]).stem
            data = gradebook.gradescope_results(result, exercise)
            write_atomic(out / "gradescope" / stem / "results.json", json.dumps(data, indent=1) + "\n")
        outcome.written.append("gradescope/")
    write_atomic(out / "index.html", render_overview(exercise, outcome, options.templates))
    outcome.written.append("index.html")


def _newest_mtime(files: Sequence[Path]) -> datetime:
    """The worksheet's grade time: the newest input file, so re-runs write the same bytes."""
    stamps = [p.stat().st_mtime for p in files if p.exists()]
    return datetime.fromtimestamp(max(stamps)) if stamps else datetime(2000, 1, 1)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)


class ProgressBar:
    """A one-line progress bar on a terminal; silent elsewhere (logs stay quiet)."""

    def __init__(self, stream=sys.stderr, label: str = "grading"):
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
