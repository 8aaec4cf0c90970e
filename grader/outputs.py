"""The output folder of a class run (``--out``): locked for the run, written into a staging
folder of the run's own, and published at the end — the run's outputs together or none.

- A second run into the same folder fails at once with a clear message (an OS file lock on
  ``DIR/.grader.lock``, released by the OS if the run is killed).
- Everything is written under ``DIR/.grader-staging-<pid>-<random>/``; workers stage each
  report under a name unique to the run, and the parent gives it its final name there.
- Publishing moves the staged outputs into place, the reports folder as a whole and the
  overview last. The moves are listed first in ``DIR/.grader-publish.json``: a run killed
  while publishing is completed by the next run (or by ``grader grade`` on the same folder)
  before anything else, so a new results.json never stands beside an old overview.
- A report of an earlier run that this run did not write (a student no longer in the class)
  goes; files in ``reports/`` that grader did not write stay.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import IO, Iterable

from .errors import GraderError

REPORTS = "reports"
LOCK = ".grader.lock"
JOURNAL = ".grader-publish.json"
STAGING_PREFIX = ".grader-staging-"
#: the report names grader writes (``reports/<safe stem>.html``)
_OUR_REPORT = re.compile(rf"{REPORTS}/[A-Za-z0-9._-]+\.html")


def write_file(path: str, text: str) -> None:
    """A staged file: UTF-8 (a lone surrogate becomes U+FFFD), no newline translation."""
    with open(path, "w", encoding="utf-8", errors="replace", newline="") as fh:
        fh.write(text)


class OutputFolder:
    def __init__(self, out: Path):
        self.out = Path(out)
        self.staging = self.out  # set on entry
        self._lock: IO[str] | None = None

    # -- the run's life -------------------------------------------------------------------

    def __enter__(self) -> "OutputFolder":
        if self.out.exists() and not self.out.is_dir():
            raise GraderError("the output folder is a file (--out)", file=str(self.out))
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._lock = _acquire(self.out / LOCK)
            finish_publishing(self.out)
            for stale in self.out.glob(f"{STAGING_PREFIX}*"):  # of runs that were killed: we hold the lock
                shutil.rmtree(stale, ignore_errors=True)
            self.staging = self.out / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
            (self.staging / REPORTS).mkdir(parents=True)
        except OSError as exc:
            self.__exit__(None, None, None)
            raise GraderError(f"cannot write into the output folder: {exc.strerror or exc}", file=str(self.out)) from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        # a run stopped while publishing leaves its staging folder to the journal: the next run
        # completes the moves (the outputs of one run, together)
        if self.staging != self.out and not (self.out / JOURNAL).exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None

    # -- writing into the staging folder ----------------------------------------------------

    def stream(self, name: str) -> IO[str]:
        """A file of the staging folder to write piece by piece (results.json)."""
        return open(self.staging / name, "w", encoding="utf-8", errors="replace", newline="")

    def write(self, name: str, text: str) -> None:
        write_file(str(self.staging / name), text)

    def rename(self, staged: str, name: str) -> None:
        """Give a staged file its final name, inside the staging folder."""
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.staging / staged, target)

    # -- publishing -------------------------------------------------------------------------

    def publish(self, written: Iterable[str]) -> None:
        """Move the run's outputs into ``--out``: the folders (reports/, gradescope/) first, the
        files next, the overview last; listed first in the journal, so that a run killed half
        way is completed by the next one."""
        names = [n.rstrip("/") for n in written]
        folders = [n for n in (REPORTS, "gradescope") if (self.staging / n).is_dir()]
        files = [n for n in names if n not in folders and n != "index.html"] + \
                (["index.html"] if "index.html" in names else [])
        journal = {"staging": self.staging.name, "folders": folders, "files": files,
                   "ours": sorted(previous_reports(self.out))}
        _write_json(self.out / JOURNAL, journal)
        finish_publishing(self.out)


def finish_publishing(out: Path) -> None:
    """Carry out the moves a journal lists (each step may already be done), then forget it."""
    journal_path = out / JOURNAL
    try:
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):  # a journal that cannot be read: what it guarded is lost anyway
        journal_path.unlink(missing_ok=True)
        return
    staging = out / str(journal.get("staging", ""))
    if not staging.name.startswith(STAGING_PREFIX) or not staging.is_dir():
        journal_path.unlink(missing_ok=True)
        return
    ours = set(journal.get("ours", []))
    for folder in journal.get("folders", []):
        new, old, current = staging / folder, staging / f".old-{folder}", out / folder
        if new.is_dir():
            if current.is_dir() and not old.exists():
                os.replace(current, old)
            elif current.is_dir():
                shutil.rmtree(current)
            os.replace(new, current)
        if old.is_dir():  # what grader did not write goes back
            for entry in old.iterdir():
                rel = f"{folder}/{entry.name}"
                if folder == REPORTS and rel not in ours and not entry.name.startswith(".job-") \
                        and not (current / entry.name).exists():
                    os.replace(entry, current / entry.name)
    for name in journal.get("files", []):
        if (staging / name).exists():
            os.replace(staging / name, out / name)
    journal_path.unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def previous_reports(out: Path) -> set[str]:
    """The reports an earlier run wrote, as its results.json names them."""
    try:
        with open(out / "results.json", encoding="utf-8") as fh:
            data = json.load(fh)
        names = {entry["report"] for entry in data if isinstance(entry, dict)}
    except (OSError, ValueError, TypeError, KeyError):
        return set()
    return {n for n in names if isinstance(n, str) and _OUR_REPORT.fullmatch(n)}


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _acquire(path: Path) -> IO[str]:
    """An exclusive lock on ``path`` for as long as the returned file is open."""
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            import fcntl
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows
            import msvcrt
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        raise GraderError("another grader run is writing into this output folder"
                          + (f" (process {holder})" if holder.isdigit() else "")
                          + "; wait for it to finish, or choose another --out", file=str(path.parent)) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
