"""LMS downloads as they come: the members of a Canvas "Download Submissions" or Moodle
"Download all submissions" zip, read in memory and never extracted — no member name ever
becomes a path on disk.

Flat archives and one folder per student are both read; a zip inside a student's folder (one
level down, as a student hands in a zipped project) is opened in memory too. ``__MACOSX/`` and
hidden files are skipped. Limits turn a zip bomb or a corrupt archive into a clear message for
that archive or that member, and the rest of the class is still graded: the number of members,
each member's size (``--max-size``), the total uncompressed size, and the compression ratio —
checked on what the archive declares before anything is read, and again on what is read.

A member speaks for the student its name gives (Canvas ``doejane_12345_98765_hw.ipynb``, Moodle
``Jane Doe_1234567_assignsubmission_file/hw.ipynb``), else for the student the archive's own
name gives (a student's zip named by the LMS), else for its file name.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterator

from .answers import Answers, Identity
from .errors import SubmissionError
from .exercise import Exercise
from .readers import SUFFIXES, read_data, suffix_of
from .readers.identity import from_lms_name

MAX_MEMBERS = 20_000             # a class download of a few thousand students, several files each
MAX_TOTAL_BYTES = 4_000_000_000  # uncompressed, all members together
MAX_RATIO = 200                  # uncompressed / compressed size of one member (text compresses ~10x)
MAX_DEPTH = 12                   # folders in a member's name
_CHUNK = 1 << 16
#: what zipfile raises on a damaged or unusual archive: a bad header, a truncated file, a
#: compression or zip version it does not know (NotImplementedError), a damaged compressed
#: stream (zlib.error), an encrypted member (RuntimeError), a name the directory lacks (KeyError)
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError, zlib.error,
               RuntimeError)


@dataclass(frozen=True)
class Member:
    """One file of an archive: its name inside (``Full Name_123_assignsubmission_file/hw.ipynb``;
    a member of a student's own zip is named ``outer.zip/inner.ipynb``), and its bytes or why not."""

    name: str
    data: bytes | None = None
    problem: str = ""


def is_archive(name: str) -> bool:
    return name.lower().endswith(".zip")


def open_archive(path: str, shown: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise SubmissionError(f"is not a readable zip archive ({_reason(exc)})", file=shown) from None


def members(archive: zipfile.ZipFile, shown: str) -> Iterator[Member]:
    """The files of an archive worth reading, in archive order, without their bytes: a member
    with a ``problem`` is listed but not read (not a submission, past the total size)."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise SubmissionError(f"holds {len(infos):,} files; an LMS download of one assignment holds at most "
                              f"{MAX_MEMBERS:,}", file=shown)
    total = 0
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        # a folder, or a member without a name (ZipInfo.is_dir fails on that one)
        if not parts or info.filename.endswith("/") or any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        name = info.filename
        if len(parts) > MAX_DEPTH:
            yield Member(name, problem="is nested too deep in the archive")
        elif suffix_of(name) not in SUFFIXES and not (is_archive(name) and len(parts) <= 2):
            suffix = suffix_of(name)
            shown = (suffix if suffix.isprintable() else repr(suffix)) or "no extension"   # one line
            yield Member(name, problem=f"not a submission ({shown} file)")
        elif total + info.file_size > MAX_TOTAL_BYTES:
            yield Member(name, problem=f"the archive unpacks to more than {MAX_TOTAL_BYTES / 1e9:g} GB: "
                                       "the rest is not read")
        else:
            total += info.file_size
            yield Member(name)


def read_member(archive: zipfile.ZipFile, name: str, shown: str, limit: int) -> bytes:
    """A member's bytes, never more than ``limit`` or the ratio allows, whatever its header says."""
    try:
        info = archive.getinfo(name)
        problem = _size_problem(info, limit)
        if problem:
            raise SubmissionError(problem, file=shown)
        chunks, size = [], 0
        with archive.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                if size > limit or (info.compress_size and size > MAX_RATIO * info.compress_size + _CHUNK):
                    raise SubmissionError(f"unpacks to more than its header says (over {limit / 1e6:g} MB or "
                                          f"{MAX_RATIO} times its packed size): not read", file=shown)
                chunks.append(chunk)
    except _ZIP_ERRORS as exc:
        raise SubmissionError(f"cannot be read from the archive ({_reason(exc)})", file=shown) from None
    return b"".join(chunks)


def inner_members(data: bytes, shown: str, limit: int) -> Iterator[Member]:
    """The files of a student's own zip (one level down), with their bytes or why not."""
    try:
        inner = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise SubmissionError(f"is not a readable zip archive ({_reason(exc)})", file=shown) from None
    with inner:
        for member in members(inner, shown):
            if member.problem or is_archive(member.name):
                yield Member(member.name, problem=member.problem or "a zip inside a zip inside a zip is not opened")
                continue
            try:
                yield Member(member.name, read_member(inner, member.name, f"{shown}/{member.name}", limit))
            except SubmissionError as exc:
                yield Member(member.name, problem=exc.message)


def member_identity(member: str, archive: str) -> Identity:
    """Whom a member speaks for: its own LMS name, else the archive's, else its file name."""
    return (from_lms_name(member) or from_lms_name(archive)
            or Identity(student=PurePosixPath(member).stem, source="file name"))


def read_member_answers(archive: zipfile.ZipFile, path_shown: str, member: str, exercise: Exercise,
                        limit: int) -> list[Answers]:
    """Every submission in one member of an LMS download (a student's own zip holds several
    files: each submission file in it is read). Raises SubmissionError for a member that cannot
    be read at all."""
    shown = f"{path_shown}/{member}"
    owner = member_identity(member, path_shown)
    data = read_member(archive, member, shown, limit)
    if not is_archive(member):
        return read_data(data, member, shown, exercise, owner)
    found: list[Answers] = []
    problems: list[str] = []
    for inner in inner_members(data, shown, limit):
        if inner.problem:
            problems.append(f"{inner.name}: {inner.problem}")
            continue
        try:
            found += read_data(inner.data or b"", inner.name, f"{shown}/{inner.name}", exercise, owner)
        except SubmissionError as exc:
            problems.append(f"{inner.name}: {exc.message}")
    if not found:
        raise SubmissionError("the zip holds no submission that could be read"
                              + (f" ({'; '.join(problems[:3])})" if problems else ""), file=shown)
    for answers in found:
        answers.notes.extend(f"in the same zip, not graded: {p}" for p in problems[:5])
    return found


def _size_problem(info: zipfile.ZipInfo, max_member_bytes: int) -> str:
    """What the member's header says that refuses it before a byte is unpacked."""
    if info.file_size > max_member_bytes:
        return (f"is {info.file_size / 1e6:.1f} MB unpacked, over the limit of {max_member_bytes / 1e6:g} MB "
                "(--max-size)")
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
        return (f"unpacks to {info.file_size / info.compress_size:,.0f} times its packed size: "
                "not a submission (a zip bomb?)")
    return ""


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
