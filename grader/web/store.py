"""Class mode's memory: every submission in SQLite (``DIR/grader.sqlite``, WAL) and, when
it could be read, as an answer file under ``DIR/submissions/<exercise>/<student>/`` that
``grader grade`` reads unchanged (the file says ``student:``; files sort in the order they
were handed in, so the latest counts there too).

One transaction per submission: the limit of checks is counted, the row inserted and the
file written inside it, and the reply is sent after the commit. A server killed at any
point loses nothing it acknowledged; a file written by a transaction that never committed
is removed at the next start (:func:`reconcile`).
"""
from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

from ..answers import Identity
from ..record import Record

DATABASE = "grader.sqlite"
SUBMISSIONS = "submissions"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exercise TEXT NOT NULL,
    student TEXT NOT NULL,
    at REAL NOT NULL,
    late INTEGER NOT NULL,
    readable INTEGER NOT NULL,
    via TEXT NOT NULL,
    file TEXT NOT NULL,
    answers BLOB NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_by_student ON submissions (exercise, student, at);
"""
_NAME = re.compile(r"[^A-Za-z0-9._@-]+")


class LimitReached(Exception):
    """The student has used every check of the period."""

    def __init__(self, used: int, retry_at: float):
        super().__init__(f"{used} checks used")
        self.used = used
        self.retry_at = retry_at


@dataclass(frozen=True)
class Stored:
    id: int
    exercise: str
    student: str
    at: float
    late: bool
    readable: bool
    file: str
    answers: bytes
    record: Record


def connect(data: str | os.PathLike) -> sqlite3.Connection:
    """The database of ``data`` (created if needed), in WAL mode; one connection per process."""
    folder = Path(data)
    folder.mkdir(parents=True, exist_ok=True)
    # used by the event loop's thread alone (handlers are async, one request at a time), which
    # may not be the thread that opened it
    db = sqlite3.connect(folder / DATABASE, timeout=WRITE_PATIENCE, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL: a commit survives a killed process (the WAL is in the OS's cache); only a power
    # cut can take the last commits back, never corrupt the database
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    return db


def folder_name(text: str) -> str:
    """A file-system-safe folder name for an exercise or student id (readable; the file's
    ``student:`` is what ``grader grade`` reads)."""
    return _NAME.sub("_", text).strip("._-")[:80] or "_"


def submission_path(exercise: str, student: str, number: int) -> str:
    """``submissions/<exercise>/<student>/00000042.json``, relative to the data folder."""
    return f"{SUBMISSIONS}/{folder_name(exercise)}/{folder_name(student)}/{number:08d}.json"


def add(db: sqlite3.Connection, data: str | os.PathLike, *, exercise: str, student: str, late: bool,
        readable: bool, via: str, answers: bytes, record: Record, store_file: bool,
        limit: int | None = None, per: float = 86400.0, now: float | None = None) -> Stored:
    """Store one submission in one transaction; :class:`LimitReached` (nothing stored) when a
    readable one would be over ``limit`` readable submissions in the last ``per`` seconds."""
    now = time.time() if now is None else now
    begin_writing(db)  # the writers of all processes queue here: the count stays true
    try:
        if readable and limit is not None:
            used, first = db.execute(
                "SELECT count(*), min(at) FROM submissions WHERE exercise=? AND student=? AND readable AND at>?",
                (exercise, student, now - per)).fetchone()
            if used >= limit:
                raise LimitReached(used, first + per)
        cursor = db.execute(
            "INSERT INTO submissions (exercise, student, at, late, readable, via, file, answers, record) "
            "VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)",
            (exercise, student, now, int(late), int(readable), via, answers, record_json(record)))
        number = int(cursor.lastrowid or 0)
        file = ""
        if store_file:
            file = submission_path(exercise, student, number)
            write_atomically(Path(data) / file, answers)
            record = replace(record, submission=file)  # as `grader grade` will name it
            db.execute("UPDATE submissions SET file=?, record=? WHERE id=?", (file, record_json(record), number))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return Stored(number, exercise, student, now, late, readable, file, answers, record)


#: how long a write waits for the other workers' writes before it fails
WRITE_PATIENCE = 10.0


def begin_writing(db: sqlite3.Connection, patience: float = WRITE_PATIENCE) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write in short random steps.
    A write holds the lock for one to four milliseconds, but SQLite's own busy handler sleeps
    1, 2, 5, 10, 15, 20, 25 ... 100 ms between its tries: measured with two workers, a write
    that found the other one writing waited 18 to 180 ms, and blocked its worker meanwhile
    (tests/bench/bench_serve.py: p99 250-530 ms at 500-600 checks/s; 40-90 ms with this)."""
    previous = db.execute("PRAGMA busy_timeout").fetchone()[0]
    db.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + patience
        while True:
            try:
                db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.0001, 0.001))
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(previous)}")


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def used(db: sqlite3.Connection, exercise: str, student: str, per: float, now: float | None = None) -> int:
    """Readable submissions of the student in the last ``per`` seconds."""
    now = time.time() if now is None else now
    return db.execute("SELECT count(*) FROM submissions WHERE exercise=? AND student=? AND readable AND at>?",
                      (exercise, student, now - per)).fetchone()[0]


def latest(db: sqlite3.Connection, exercise: str, student: str) -> Stored | None:
    """The student's latest submission of the exercise that could be read."""
    row = db.execute(f"SELECT {_COLUMNS} FROM submissions WHERE exercise=? AND student=? AND readable "
                     "ORDER BY id DESC LIMIT 1", (exercise, student)).fetchone()
    return _stored(row) if row else None


def get(db: sqlite3.Connection, number: int) -> Stored | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM submissions WHERE id=?", (number,)).fetchone()
    return _stored(row) if row else None


def all_of(db: sqlite3.Connection, exercise: str) -> Iterator[Stored]:
    """Every readable submission of an exercise, in the order they came."""
    for row in db.execute(f"SELECT {_COLUMNS} FROM submissions WHERE exercise=? AND readable ORDER BY id",
                          (exercise,)):
        yield _stored(row)


def counts(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Per exercise: (readable submissions, students who handed one in)."""
    return {ex: (n, k) for ex, n, k in db.execute(
        "SELECT exercise, count(*), count(DISTINCT student) FROM submissions WHERE readable GROUP BY exercise")}


def stored_count(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM submissions WHERE file != ''").fetchone()[0]


_COLUMNS = "id, exercise, student, at, late, readable, file, answers, record"


def _stored(row: tuple) -> Stored:
    number, exercise, student, at, late, readable, file, answers, record = row
    return Stored(number, exercise, student, at, bool(late), bool(readable), file, bytes(answers),
                  record_from_json(record))


def reconcile(db: sqlite3.Connection, data: str | os.PathLike) -> tuple[int, int]:
    """Make the files match the database after a crash: a stored submission whose file is
    missing gets it back; a file no committed row names (its transaction never ended) is
    removed. Returns (files written, files removed)."""
    root = Path(data)
    known: set[str] = set()
    written = 0
    for file, answers in db.execute("SELECT file, answers FROM submissions WHERE file != ''"):
        known.add(file)
        if not (root / file).is_file():
            write_atomically(root / file, bytes(answers))
            written += 1
    removed = 0
    base = root / SUBMISSIONS
    if base.is_dir():
        for path in base.rglob("*"):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative not in known and (path.suffix == ".json" or path.name.endswith(".tmp")):
                path.unlink()
                removed += 1
    return written, removed


# -- records as JSON -----------------------------------------------------------------------

_IDENTITY = ("student", "name", "email", "canvas_id", "moodle_participant", "gradescope_id", "late", "source")


def record_json(record: Record) -> str:
    identity = record.identity
    return json.dumps({
        "identity": {k: getattr(identity, k) for k in _IDENTITY},
        "submission": record.submission, "gradable": record.gradable,
        "score": str(record.score), "max_score": str(record.max_score),
        "errors": list(record.errors), "warnings": list(record.warnings), "source": record.source,
        "statuses": list(record.statuses), "mistakes": list(record.mistakes), "wrong": list(record.wrong),
        "comment": record.comment}, ensure_ascii=False)


def record_from_json(text: str) -> Record:
    d: dict[str, Any] = json.loads(text)
    return Record(submission=d["submission"], identity=Identity(**d["identity"]), gradable=d["gradable"],
                  score=Fraction(d["score"]), max_score=Fraction(d["max_score"]), errors=tuple(d["errors"]),
                  warnings=tuple(d["warnings"]), source=d["source"], statuses=tuple(d["statuses"]),
                  mistakes=tuple(d["mistakes"]), wrong=tuple(d["wrong"]), comment=d["comment"])
