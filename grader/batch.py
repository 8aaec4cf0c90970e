"""Grading a whole class: ``grader grade EXERCISE PATH... --out DIR``.

Submissions are found in folders, globs and files; graded in parallel processes, each of
which writes its reports itself; a bad submission is listed with its reason and never
stops the run. Every output is written atomically (a temporary file renamed into place),
and the same inputs give byte-identical outputs: no clocks, sorted inputs, stable names.
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
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from .answers import Identity
from .errors import GraderError
from .exercise import Exercise, ExerciseFile, load_exercise
from .readers.surrogates import clean_text
from .result import Result

IGNORED_NAMES = {"__MACOSX", ".ipynb_checkpoints", ".git", "__pycache__", ".DS_Store", "Thumbs.db"}
#: Gradescope's metadata sits beside the submission: it is read for the identity, not graded
METADATA_NAMES = {"submission_metadata.json"}
REPORTS = "reports"
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


class GradedItem(NamedTuple):
    """One asked item as the class-level outputs (gradebooks, overview) need it."""
    layer: str | None
    quantity: str
    status: str
    points: Fraction | int
    max_points: Fraction | int
    mistake: str | None
    answer: str | None


@dataclass(frozen=True)
class Graded:
    """One graded submission, slimmed to what the class-level outputs read: a worker sends
    this back instead of the whole :class:`~grader.result.Result` (a fifth of the pickling),
    and writes the submission's own outputs (report, JSON, Gradescope file) itself."""
    exercise: str
    submission: str
    identity: Identity
    items: tuple[GradedItem, ...]
    errors: tuple[str, ...]
    source: str
    score: Fraction | int          # whole points as ints, as the items' points
    max_score: Fraction | int

    @property
    def student(self) -> str:
        return self.identity.student

    @property
    def gradable(self) -> bool:
        return bool(self.items)

    @classmethod
    def of(cls, result: Result) -> "Graded":
        items = tuple([_interned(GradedItem(i.layer, i.quantity, i.status, _plain(i.points), _plain(i.max_points),
                                            i.mistake, i.answer)) for i in result.items])
        return cls(result.exercise, result.submission, result.identity, items, tuple(result.errors),
                   result.source, _plain(result.score), _plain(result.max_score))


_INTERNED: dict[GradedItem, GradedItem] = {}


def _interned(item: GradedItem) -> GradedItem:
    """One object per distinct item in a process: a class gives the same answers, and the
    pickle of a chunk of results sends a repeated object as a reference to the first."""
    if len(_INTERNED) >= 16384:
        _INTERNED.clear()
    return _INTERNED.setdefault(item, item)


def _plain(points: Fraction) -> Fraction | int:
    """Whole points as ints: they travel and hash several times faster than Fractions."""
    return points.numerator if points.denominator == 1 else points


@dataclass
class Outcome:
    results: list[Graded]
    reports: dict[int, str]                       # index in results -> report file (relative to out)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): not submissions
    warnings: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ungradable(self) -> list[Graded]:
        return [r for r in self.results if not r.gradable]


# -- finding submissions -----------------------------------------------------------------

def discover(paths: Sequence[str], exclude: Path | None = None
             ) -> tuple[list[Path], list[tuple[str, str]]]:
    """Submission files from files, folders (recursively) and glob patterns, sorted.

    Files named explicitly are always submissions (an unreadable one is reported as such);
    inside folders, hidden files and folders and ``__MACOSX`` are ignored and files of other
    kinds are listed as skipped. Anything under ``exclude`` (the output folder) is left out.
    """
    from .readers import SUFFIXES

    excluded = exclude.resolve() if exclude is not None else None
    found: dict[str, Path] = {}
    skipped: list[tuple[str, str]] = []
    for pattern in paths:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            skipped.append((pattern, "no file matches this pattern"))
        for match in matches:
            path = Path(match)
            if _inside(path, excluded):
                continue
            if not path.exists():
                skipped.append((match, "no such file or folder"))
                continue
            if not path.is_dir():
                if glob.has_magic(pattern) and _ignored(path):
                    continue
                found.setdefault(str(path), path)
                continue
            for sub in _walk(path, excluded):
                if sub.suffix.lower() in SUFFIXES and sub.name not in METADATA_NAMES:
                    found.setdefault(str(sub), sub)
                elif sub.name not in METADATA_NAMES:
                    skipped.append((str(sub), f"not a submission ({sub.suffix or 'no extension'} file)"))
    return sorted(found.values(), key=str), sorted(set(skipped))


def _walk(folder: Path, excluded: Path | None) -> Iterable[Path]:
    if _inside(folder, excluded):
        return
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_NAMES and not d.startswith(".")
                         and not _inside(Path(root) / d, excluded))
        base = Path(root)
        for name in sorted(files):
            if name not in IGNORED_NAMES and not name.startswith("."):
                yield base / name


def _ignored(path: Path) -> bool:
    """A glob such as ``**/*.ipynb`` also walks into ``__MACOSX`` and hidden folders."""
    return any(part in IGNORED_NAMES or (part.startswith(".") and part not in (".", ".."))
               for part in path.parts)


def _inside(path: Path, folder: Path | None) -> bool:
    """Whether ``path`` is ``folder`` or under it (``folder`` already resolved)."""
    if folder is None:
        return False
    resolved = os.path.realpath(path)
    return resolved == str(folder) or resolved.startswith(str(folder) + os.sep)


def _display(path: Path, folders: Sequence[Path]) -> str:
    """The submission's name in reports: relative to the folder (of those given) it was found in."""
    return clean_text(_relative(path, folders))  # a file name that is not UTF-8 shows with U+FFFD


def _relative(path: Path, folders: Sequence[Path]) -> str:
    name = str(path)
    for folder in folders:
        prefix = os.path.join(str(folder), "")
        if name.startswith(prefix) and prefix != os.sep:  # what relative_to gives, without its cost
            return name[len(prefix):]
        try:
            return str(path.relative_to(folder))
        except ValueError:
            continue
    return name


# -- grading one file (runs in worker processes) -------------------------------------------

class Grader:
    """Per-process state: the exercise (and its variants), parsed once; grades one file and
    writes its reports into a staging name the parent renames."""

    def __init__(self, exercise_path: str, out: Path, templates: str | None, max_bytes: int,
                 gradescope: bool = False):
        self.file = ExerciseFile(exercise_path)
        self.exercise = self.file.variant(None)
        self.out = out
        self.reports = os.path.join(out, REPORTS)
        self.templates = templates
        self.max_bytes = max_bytes
        self.gradescope = gradescope
        self.seen: dict[str, dict | None] = {}  # Gradescope's metadata per folder: one look per folder

    def exercise_for(self, student: str) -> Exercise:
        return self.file.variant(student) if self.file.has_variables else self.exercise

    def grade_file(self, path: str, display: str) -> list[Result]:
        """Every submission in one file (a form export holds many); never raises GraderError."""
        from .grading import grade
        from .readers import read_path

        try:
            all_answers = read_path(path, self.exercise, max_bytes=self.max_bytes, display=display, seen=self.seen)
        except GraderError as exc:
            return [ungradable(self.exercise, display, _identity(path), exc)]
        results = []
        for answers in all_answers:
            try:
                exercise = self.exercise_for(answers.identity.student)
            except GraderError as exc:  # this student's variant is no valid model
                results.append(ungradable(self.exercise, display, answers.identity, exc))
                continue
            results.append(grade(exercise, answers))
        return results

    def report(self, result: Result) -> str:
        from .report import render, report_view

        exercise = self.exercise_for(result.student) if result.gradable else self.exercise
        view = report_view(result, exercise)
        view["overview"] = {"href": f"../{OVERVIEW}"}
        return render("class_report.html.j2", view, self.templates)

    def run(self, job: tuple[int, str, str]) -> list[Staged]:
        """Grade job ``(number, path, display)``; stage each submission's own outputs."""
        number, path, display = job
        try:
            results = self.grade_file(path, display)
        except Exception as exc:  # noqa: BLE001 - the batch boundary: one file never stops a class
            results = [_internal_error(self.exercise, path, display, exc)]
        staged = []
        for k, result in enumerate(results):
            try:
                html = self.report(result)
            except GraderError:
                raise  # a broken --templates folder: every report would fail the same way
            except Exception as exc:  # noqa: BLE001
                result = _internal_error(self.exercise, path, display, exc)
                html = self.report(result)
            stem = os.path.join(self.reports, f".stage-{number}-{k}")
            _write(stem + ".html.tmp", html)
            if self.gradescope:
                from .gradebook import gradescope_results
                data = gradescope_results(result, self.exercise_for(result.student) if result.gradable
                                          else self.exercise)
                _write(stem + ".gradescope.tmp", json.dumps(data, indent=1) + "\n")
            staged.append(Staged(Graded.of(result), stem, result.json_text()[:-1]))
        return staged


class Staged(NamedTuple):
    """A graded submission on its way back from a worker: its outputs wait under ``stem``."""
    graded: Graded
    stem: str
    json: str            # its results.json entry without the closing brace (the report's name goes there)


def _write(path: str, text: str) -> None:
    """A staging file, renamed into place later (so no temporary of its own). Written as UTF-8
    bytes (the same bytes as a text file without newline translation) with an open, the
    writes and a close: Python's open() adds an fstat, an isatty ioctl and a seek per file."""
    data = memoryview(text.encode("utf-8", "replace"))  # readers clean the text; this is the last guard
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_BINARY, 0o666)
    try:
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def ungradable(exercise: Exercise, submission: str, identity: Identity, error: Exception) -> Result:
    """The Result of a submission that could not be read: no items, the reason in ``errors``."""
    message = error.message if isinstance(error, GraderError) else str(error)
    return Result(exercise=exercise.id, submission=submission, identity=identity, errors=[message],
                  max_score=exercise.max_score, reveal=exercise.grading.reveal)


def _identity(path: str) -> Identity:
    from .readers.identity import identify
    try:
        return identify(path)
    except GraderError:
        return Identity(student=Path(path).stem)


def _internal_error(exercise: Exercise, path: str, display: str, exc: Exception) -> Result:
    error = GraderError(f"internal error while grading ({type(exc).__name__}: {exc}); "
                        "please report it with this file")
    return ungradable(exercise, display, _identity(path), error)


_GRADER: Grader | None = None


def _init(exercise_path: str, out: Path, templates: str | None, max_bytes: int, gradescope: bool) -> None:
    global _GRADER
    _GRADER = Grader(exercise_path, out, templates, max_bytes, gradescope)


def _run(job: tuple[int, str, str]) -> list[Staged]:
    assert _GRADER is not None
    return _GRADER.run(job)


# -- the whole run -------------------------------------------------------------------------

def grade_class(exercise_path: str, paths: Sequence[str], options: Options,
                progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Grade every submission under ``paths`` and write the outputs into ``options.out``.

    Raises GraderError only for an invalid exercise, an output folder that cannot be
    written or a broken template; a bad submission is an ungradable result with its reason.
    ``progress(done, total)`` is called as files are graded.
    """
    started = time.perf_counter()
    exercise = load_exercise(exercise_path)
    out = Path(options.out)
    _prepare(out)
    files, skipped = discover(paths, exclude=out)
    folders = [Path(root) for root in paths if os.path.isdir(root)]  # looked at once, not once per file
    jobs = [(n, str(p), _display(p, folders)) for n, p in enumerate(files)]
    found = [] if files else [f"no submission found in {', '.join(paths)}"]
    init = (exercise_path, out, options.templates, options.max_bytes, options.gradescope)
    try:
        staged = _grade_all(jobs, init, options.jobs, progress)
        outcome = Outcome(results=[s.graded for s in staged], reports={}, skipped=skipped, warnings=found)
        _place_outputs(out, staged, outcome, options.gradescope)
        _write_outputs(exercise, outcome, options, files, [s.json for s in staged])
    except OSError as exc:  # a full disk, a folder that cannot be written
        raise GraderError(f"cannot write the outputs: {exc.strerror or exc}",
                          file=str(exc.filename or out)) from None
    finally:
        _remove_staged(out)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _grade_all(jobs: list[tuple[int, str, str]], init: tuple, processes: int,
               progress: Callable[[int, int], None] | None) -> list[Staged]:
    """Every job graded, in job order (so the outputs do not depend on the processes)."""
    staged: list[Staged] = []
    workers = min(processes or os.cpu_count() or 1, max(1, len(jobs) // 4))
    if workers <= 1:
        _init(*init)
        for i, job in enumerate(jobs, 1):
            staged += _run(job)
            if progress:
                progress(i, len(jobs))
        return staged
    chunk = max(1, min(32, len(jobs) // (workers * 16)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=init) as pool:
        for i, part in enumerate(pool.map(_run, jobs, chunksize=chunk), 1):
            staged += part
            if progress:
                progress(i, len(jobs))
    return staged


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise GraderError("the output folder is a file (--out)", file=str(out))
    try:
        (out / REPORTS).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GraderError(f"cannot create the output folder: {exc.strerror or exc}", file=str(out)) from None
    _remove_staged(out)


def _remove_staged(out: Path) -> None:
    """Temporary files a crashed or interrupted run left behind (only grader's own names)."""
    for folder in (out, out / REPORTS):
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def report_name(graded: Graded, taken: set[str]) -> str:
    """``reports/<student>.html``: a safe, unique (also on case-insensitive disks) name."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", graded.identity.student).strip("._-")[:MAX_NAME] or "submission"
    name, n = f"{stem}.html", 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}.html"
    taken.add(name.lower())
    return f"{REPORTS}/{name}"


def _place_outputs(out: Path, staged: Sequence[Staged], outcome: Outcome, gradescope: bool) -> None:
    """Rename the staged reports (and Gradescope files) to their final names; remove reports
    of an earlier run that this run did not write (named in its results.json)."""
    taken: set[str] = set()
    root = str(out)
    for index, item in enumerate(staged):
        name = report_name(item.graded, taken)
        os.replace(item.stem + ".html.tmp", os.path.join(root, name))
        outcome.reports[index] = name
        staged_results = item.stem + ".gradescope.tmp"
        if gradescope and os.path.exists(staged_results):
            folder = os.path.join(root, "gradescope", name[len(REPORTS) + 1:-len(".html")])
            os.makedirs(folder, exist_ok=True)
            os.replace(staged_results, os.path.join(folder, "results.json"))
    written = {name[len(REPORTS) + 1:] for name in outcome.reports.values()}
    others = {f"{REPORTS}/{name}" for name in os.listdir(out / REPORTS) if name not in written}
    if others:  # only then is the earlier results.json (not yet replaced) worth reading
        for name in others & _previous_reports(out):
            (out / name).unlink(missing_ok=True)


def _previous_reports(out: Path) -> set[str]:
    try:
        data = json.loads((out / "results.json").read_text(encoding="utf-8"))
        names = {entry["report"] for entry in data if isinstance(entry, dict)}
    except (OSError, ValueError, TypeError, KeyError):
        return set()
    return {n for n in names if isinstance(n, str) and re.fullmatch(rf"{REPORTS}/[A-Za-z0-9._-]+\.html", n)}


def results_json(entries: Sequence[str], reports: dict[int, str]) -> str:
    """``results.json``: a list of SPEC section 4 objects, one a line, each with its ``report``."""
    return "".join(results_json_parts([entry[:-1] for entry in entries], reports))


def results_json_parts(heads: Sequence[str], reports: dict[int, str]) -> Iterable[str]:
    """:func:`results_json` in pieces, from each entry without its closing brace: a class's
    file is tens of megabytes, and joining it into one string first costs more than writing it."""
    quoted = json.encoder.encode_basestring_ascii  # what json.dumps does to a str, without its overhead
    yield "[\n"
    for i, head in enumerate(heads):
        yield head
        yield f", \"report\": {quoted(reports[i])}}}" + (",\n" if i + 1 < len(heads) else "\n")
    yield "]\n"


def _write_outputs(exercise: Exercise, outcome: Outcome, options: Options, files: Sequence[Path],
                   heads: Sequence[str]) -> None:
    """``heads``: each results.json entry without its closing brace (see :class:`Staged`)."""
    from . import gradebook
    from .overview import render_overview

    out = Path(options.out)
    results = outcome.results
    write_atomic(out / "results.json", results_json_parts(heads, outcome.reports))
    outcome.written.append("results.json")

    graded_at = options.graded_at or _newest_mtime(files)
    book = gradebook.GradebookOptions(options.assignment_title, options.assignment_id, graded_at)
    for fmt in options.gradebook:
        if fmt == "csv":
            text, left_out = gradebook.plain_csv(results, exercise), []
        elif fmt == "canvas":
            text, left_out = gradebook.canvas_csv(results, exercise, book)
        elif fmt == "moodle":
            text, left_out = gradebook.moodle_csv(results, exercise, book)
        else:
            raise GraderError(f"unknown gradebook format '{fmt}' (one of {', '.join(gradebook.FORMATS)})")
        name = "gradebook.csv" if fmt == "csv" else f"gradebook-{fmt}.csv"
        write_atomic(out / name, text)
        outcome.written.append(name)
        outcome.warnings += [f"{name}: left out {item}" for item in left_out]
    if options.gradescope:
        outcome.written.append("gradescope/")
    write_atomic(out / OVERVIEW, render_overview(exercise, outcome, options.templates))
    outcome.written.append(OVERVIEW)


def _newest_mtime(files: Sequence[Path]) -> datetime:
    """The worksheet's grade time: the newest input file, so re-runs write the same bytes."""
    stamps = []
    for p in files:
        try:
            stamps.append(p.stat().st_mtime)
        except OSError:
            continue
    return datetime.fromtimestamp(int(max(stamps))) if stamps else datetime(2000, 1, 1)


def write_atomic(path: Path, text: str | Iterable[str], durable: bool = True) -> None:
    """Write ``text`` (or its pieces) to ``path`` through a temporary file and a rename: readers
    see the old file or the new one, never a part. ``durable`` also flushes it to disk first."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8", errors="replace", newline="") as fh:
            if isinstance(text, str):
                fh.write(text)
            else:
                fh.writelines(text)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise GraderError(f"cannot write the file: {exc.strerror or exc}", file=str(path)) from None
        raise


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
