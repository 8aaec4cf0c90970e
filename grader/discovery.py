"""Finding the submissions of a class: files, folders (searched recursively) and glob patterns.

Files named explicitly are always submissions (an unreadable one is reported as such);
inside folders, files of other kinds are listed as skipped, and so is everything not read:
hidden files that look like submissions, folders that cannot be opened, and symbolic links
(a link to a folder is never followed, so a loop cannot hang the run; a link to a file is
read only when it stays inside the folders given). ``__MACOSX``, ``.git`` and checkpoint
folders are ignored without a word. Anything under the output folder is left out. A path
that does not exist is an error of the invocation, before anything is graded or written.
"""
from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import Sequence

from .errors import ArgumentError
from .readers import SUFFIXES
from .readers.surrogates import clean_text

#: known junk, ignored without a word
IGNORED_NAMES = {"__MACOSX", ".ipynb_checkpoints", ".git", "__pycache__", ".DS_Store", "Thumbs.db"}
#: Gradescope's metadata sits beside the submission: it is read for the identity, not graded
METADATA_NAMES = {"submission_metadata.json"}


class Found:
    """The submissions found, and what was not read, with the reason."""

    def __init__(self, roots: Sequence[Path], exclude: Path | None):
        self.roots = [os.path.realpath(r) for r in roots]
        self.exclude = os.path.realpath(exclude) if exclude is not None else None
        self.files: dict[str, Path] = {}
        self.skipped: set[tuple[str, str]] = set()

    def inside(self, path: str, folder: str | None) -> bool:
        return folder is not None and (path == folder or path.startswith(folder.rstrip(os.sep) + os.sep))

    def add(self, path: Path, explicit: bool = False) -> None:
        """One file met; ``explicit`` when the command line named it."""
        name = path.name
        if self.inside(os.path.realpath(path), self.exclude):
            return
        if not explicit:
            if name in IGNORED_NAMES or name in METADATA_NAMES:
                return
            if path.is_symlink() and not any(self.inside(os.path.realpath(path), r) for r in self.roots):
                self.skipped.add((str(path), "a symbolic link to a file outside the folders given: not read"))
                return
            if name.startswith("."):
                if path.suffix.lower() in SUFFIXES or name.lower().endswith(SUFFIXES + (".zip",)):
                    self.skipped.add((str(path), "a hidden file: not read (rename it without the leading dot)"))
                return
            if path.suffix.lower() not in SUFFIXES and path.suffix.lower() != ".zip":  # an LMS download zip
                self.skipped.add((str(path), f"not a submission ({path.suffix or 'no extension'} file)"))
                return
        self.files.setdefault(str(path), path)

    def walk(self, folder: Path) -> None:
        """Every file under ``folder``, without following links to folders."""
        def unreadable(error: OSError) -> None:
            self.skipped.add((str(error.filename), f"a folder that cannot be read: {error.strerror}"))

        for root, dirs, files in os.walk(folder, onerror=unreadable):
            base = Path(root)
            kept = []
            for d in sorted(dirs):
                path = base / d
                if d in IGNORED_NAMES or d.startswith(".") or self.inside(os.path.realpath(path), self.exclude):
                    continue
                if path.is_symlink():
                    self.skipped.add((str(path), "a symbolic link to a folder: not followed"))
                    continue
                kept.append(d)
            dirs[:] = kept
            for name in sorted(files):
                self.add(base / name)


def discover(paths: Sequence[str], exclude: Path | None = None) -> tuple[list[Path], list[tuple[str, str]]]:
    """Submission files, sorted, and the files not read, with their reason.

    Raises :class:`~grader.errors.ArgumentError` for a path that does not exist or a pattern
    that matches nothing: a typo must not grade an empty class over an earlier one.
    """
    expanded = [(p, expand(p)) for p in paths]
    missing = [p for p, matches in expanded if not matches]
    if missing:
        what = "no file matches this pattern" if glob.has_magic(missing[0]) else "no such file or folder"
        raise ArgumentError("PATH", f"{missing[0]}: {what}"
                            + (f" (and {len(missing) - 1} more paths like it)" if len(missing) > 1 else ""))
    # links may point anywhere inside the folders given (or holding what a pattern matched)
    roots = [Path(m) if Path(m).is_dir() else Path(m).parent for _, matches in expanded for m in matches]
    found = Found(roots, exclude)
    for pattern, matches in expanded:
        for match in matches:
            path = Path(match)
            if path.is_dir():
                found.walk(path)
            else:
                found.add(path, explicit=not glob.has_magic(pattern))
    return sorted(found.files.values(), key=str), sorted(found.skipped)


def check_output_folder(out: Path, paths: Sequence[str]) -> None:
    """Refuse an output folder that is an input folder or holds one: the outputs would be
    written among the submissions, and read as submissions by the next run."""
    target = os.path.realpath(out)
    for path in paths:
        if glob.has_magic(path) or not os.path.isdir(path):
            continue
        folder = os.path.realpath(path)
        if folder == target or folder.startswith(target.rstrip(os.sep) + os.sep):
            raise ArgumentError("--out", f"the output folder {out} {'is' if folder == target else 'holds'} the "
                                f"input folder {path}: choose an output folder outside the submissions, "
                                "such as graded/")


def expand(pattern: str) -> list[str]:
    """The paths a pattern names: itself, or what a glob matches. ``**`` matches any number of
    folders, but never enters a hidden or ignored folder nor follows a link to a folder (a
    link loop would never end)."""
    if not glob.has_magic(pattern):
        return [pattern] if os.path.lexists(pattern) else []
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    base = Path(*parts[:fixed]) if fixed else Path(".")
    if not base.is_dir():
        return []
    regex = re.compile(_translate(parts[fixed:]))
    out = []
    for root, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_NAMES and not d.startswith(".")
                         and not (Path(root) / d).is_symlink())
        rel = Path(root).relative_to(base)
        for name in sorted([*dirs, *files]):
            if name.startswith("."):
                continue
            if regex.fullmatch((rel / name).as_posix()):
                out.append(str(base / rel / name) if fixed else str(rel / name))
    return sorted(out)


def _translate(parts: Sequence[str]) -> str:
    """A regular expression for the path parts of a glob pattern: ``*``, ``?`` and ``[...]``
    within one name, ``**`` as any number of folders."""
    pieces = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            pieces.append(".*" if last else "(?:[^/]+/)*")
            continue
        j = 0
        while j < len(part):
            c = part[j]
            end = part.find("]", j + 2) if c == "[" else -1
            if c == "*":
                pieces.append("[^/]*")
            elif c == "?":
                pieces.append("[^/]")
            elif end > 0:
                inner = part[j + 1:end]
                pieces.append("[" + ("^" + inner[1:] if inner.startswith("!") else inner).replace("\\", "\\\\") + "]")
                j = end
            else:
                pieces.append(re.escape(c))
            j += 1
        if not last:
            pieces.append("/")
    return "".join(pieces)


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
