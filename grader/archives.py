"""LMS downloads as they come: the members of a Canvas "Download Submissions" or Moodle
"Download all submissions" zip, read in memory and never extracted — no member name ever
becomes a path on disk.

Flat archives and one folder per student are both read; a zip inside a student's folder (one
level down, as a student hands in a zipped project) is opened in memory too. ``__MACOSX/`` and
hidden files are skipped. Limits turn a zip bomb or a corrupt archive into a clear message for
that archive or that member, and the rest of the class is still graded: the number of members,
each member's size (``--max-size``), the total uncompressed size, and the compression ratio —
checked on what is actually read, not only on what the archive declares.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterator

from .errors import SubmissionError

MAX_MEMBERS = 20_000            # a class download of a few thousand students, several files each
MAX_TOTAL_BYTES = 4_000_000_000  # uncompressed, all members together
MAX_RATIO = 200                  # uncompressed / compressed size of one member (text compresses ~10x)
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Member:
    """One file of an archive: its name inside (``Full Name_123_assignsubmission_file/hw.ipynb``;
    a member of a nested zip is named ``outer.zip/inner.ipynb``), and its bytes or why not."""

    name: str
    data: bytes | None
    problem: str = ""


def is_archive(name: str) -> bool:
    return name.lower().endswith(".zip")


def read_archive(path: str, shown: str, max_member_bytes: int) -> Iterator[Member]:
    """The members of the zip at ``path``, in archive order; SubmissionError when it is not a
    readable zip at all."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SubmissionError(f"is not a readable zip archive ({_reason(exc)})", file=shown) from None
    with archive:
        yield from _members(archive, shown, max_member_bytes, nested=True)


def _members(archive: zipfile.ZipFile, shown: str, max_member_bytes: int, nested: bool,
             prefix: str = "") -> Iterator[Member]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise SubmissionError(f"holds {len(infos):,} files; an LMS download of one assignment holds at most "
                              f"{MAX_MEMBERS:,}", file=shown)
    total = 0
    for info in infos:
        name = prefix + info.filename
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.is_dir() or not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
            continue
        if len(parts) > 12:
            yield Member(name, None, "is nested too deep in the archive")
            continue
        problem = _size_problem(info, max_member_bytes, total)
        if problem:
            yield Member(name, None, problem)
            continue
        try:
            data = _read(archive, info, max_member_bytes)
        except SubmissionError as exc:
            yield Member(name, None, exc.message)
            continue
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            yield Member(name, None, f"cannot be read from the archive ({_reason(exc)})")
            continue
        total += len(data)
        if nested and is_archive(info.filename) and len(parts) <= 2:
            yield from _nested(data, name, shown, max_member_bytes)
            continue
        yield Member(name, data)


def _nested(data: bytes, name: str, shown: str, max_member_bytes: int) -> Iterator[Member]:
    """A student's own zip, one level down: its members stand for that student's files."""
    try:
        inner = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        yield Member(name, None, f"is not a readable zip archive ({_reason(exc)})")
        return
    with inner:
        try:
            yield from _members(inner, shown, max_member_bytes, nested=False, prefix=name + "/")
        except SubmissionError as exc:
            yield Member(name, None, exc.message)


def _size_problem(info: zipfile.ZipInfo, max_member_bytes: int, total: int) -> str:
    if info.file_size > max_member_bytes:
        return (f"is {info.file_size / 1e6:.1f} MB unpacked, over the limit of {max_member_bytes / 1e6:g} MB "
                "(--max-size)")
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
        return (f"unpacks to {info.file_size / info.compress_size:,.0f} times its packed size: "
                "not a submission (a zip bomb?)")
    if total + info.file_size > MAX_TOTAL_BYTES:
        return f"the archive unpacks to more than {MAX_TOTAL_BYTES / 1e9:g} GB: the rest is not read"
    return ""


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, never more than ``limit`` whatever its header says."""
    chunks, size = [], 0
    with archive.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit or (info.compress_size and size > MAX_RATIO * info.compress_size + _CHUNK):
                raise SubmissionError(f"unpacks to more than its header says (over {limit / 1e6:g} MB or "
                                      f"{MAX_RATIO} times its packed size): not read")
            chunks.append(chunk)
    return b"".join(chunks)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
