"""Finding the submissions of a class: files, folders (searched recursively) and glob patterns.

Files named explicitly are always submissions (an unreadable one is reported as such);
inside folders, hidden files and folders and ``__MACOSX`` are ignored and files of other
kinds are listed as skipped. Anything under the output folder is left out. A path that does
not exist is an error of the invocation, before anything is graded or written.
"""
from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Iterable, Sequence

from .errors import ArgumentError
from .readers import SUFFIXES
from .readers.surrogates import clean_text

IGNORED_NAMES = {"__MACOSX", ".ipynb_checkpoints", ".git", "__pycache__", ".DS_Store", "Thumbs.db"}
#: Gradescope's metadata sits beside the submission: it is read for the identity, not graded
METADATA_NAMES = {"submission_metadata.json"}


def discover(paths: Sequence[str], exclude: Path | None = None) -> tuple[list[Path], list[tuple[str, str]]]:
    """Submission files, sorted, and the files skipped with their reason.

    Raises :class:`~grader.errors.ArgumentError` for a path that does not exist or a pattern
    that matches nothing: a typo must not grade an empty class over an earlier one.
    """
    missing = [p for p in paths if not (glob.glob(p, recursive=True) if glob.has_magic(p) else os.path.lexists(p))]
    if missing:
        what = "no such file or folder" if not glob.has_magic(missing[0]) else "no file matches this pattern"
        raise ArgumentError("PATH", f"{missing[0]}: {what}"
                            + (f" (and {len(missing) - 1} more paths like it)" if len(missing) > 1 else ""))
    excluded = exclude.resolve() if exclude is not None else None
    found: dict[str, Path] = {}
    skipped: list[tuple[str, str]] = []
    for pattern in paths:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        for match in matches:
            path = Path(match)
            if _inside(path, excluded):
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


def display_name(path: Path, folders: Sequence[Path]) -> str:
    """The submission's name in reports: relative to the folder (of those given) it was found in;
    a file name that is not UTF-8 shows with U+FFFD."""
    name = str(path)
    for folder in folders:
        try:
            name = str(path.relative_to(folder))
            break
        except ValueError:
            continue
    return clean_text(name)
