"""Reading submissions: notebooks, printed summaries, forms and answer files (SPEC section 2).

``read_path`` is the one entry point: it checks the file (exists, is a regular file, not
empty, not over the size limit, text where text is expected) and hands its bytes to the
reader for its format. A notebook or answer file is one submission; a form export holds one
per respondent, unless the LMS names its file's student: a file in a Canvas or Moodle
download or a Gradescope submission speaks for that student only (issue 9). Nothing is
executed and nothing is written next to the inputs. A file that cannot be read at all
raises :class:`~grader.errors.SubmissionError` naming it; what the readers say about a
submission (notes, errors, names) is clipped to :mod:`grader.limits`.
"""
from __future__ import annotations

import codecs
import os
import stat
from pathlib import PurePath

from ..answers import Answers, Identity
from ..errors import SubmissionError, clip
from ..exercise import Exercise
from ..limits import MAX_NAME, bounded, not_regular, open_for_reading
from .surrogates import clean_text

DEFAULT_MAX_BYTES = 20_000_000

NOTEBOOK_SUFFIXES = (".ipynb",)
FORM_SUFFIXES = (".csv", ".xlsx", ".tsv")
ANSWER_FILE_SUFFIXES = (".yaml", ".yml", ".json")
SUFFIXES = NOTEBOOK_SUFFIXES + FORM_SUFFIXES + ANSWER_FILE_SUFFIXES

_KNOWN = "a notebook (.ipynb), a form export (.csv, .tsv, .xlsx) or an answer file (.yaml, .json)"
_SUFFIX_HINTS = {
    ".py": "Python files are not read (student code is never run); hand in the notebook or an answer file",
    ".xls": "old Excel workbooks (.xls) are not read; save the sheet as .xlsx or CSV",
    ".ods": "OpenDocument sheets are not read; save the sheet as .xlsx or CSV",
    ".txt": "plain text is not read; paste the model summary into a notebook, or write an answer file",
    ".html": "web pages are not read; hand in the notebook itself",
    ".pdf": "PDF files are not read; hand in the notebook itself",
    ".zip": "a zip inside a zip is not opened; hand in the notebook itself",
}
_MAGIC = ((b"PK\x03\x04", "a ZIP archive (an Office document?)"), (b"%PDF", "a PDF document"),
          (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"\x7fELF", "a program"),
          (b"MZ", "a Windows program"), (b"\x1f\x8b", "a gzip archive"))


def read_path(path: str | os.PathLike, exercise: Exercise, *, student: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES, display: str | None = None,
              seen: dict[str, dict | None] | None = None) -> list[Answers]:
    """All submissions in one file. ``display`` is the name shown in reports (default: path).

    ``student`` (``--student``) names the student of a notebook or answer file; for a form
    export it selects that student's row. ``seen``: a run's record of the folders already
    looked at for Gradescope's metadata (see :func:`.identity.find_gradescope_metadata`).
    """
    from .identity import identify

    name = os.fspath(path)
    shown = clean_text(display or name)  # names that are not UTF-8 cannot be written into reports
    _check_suffix(name, shown)
    data = read_bytes(name, shown, max_bytes)
    found = read_data(data, name, shown, exercise, identify(name, student=student, seen=seen), student=student)
    return [_noted(answers, name) for answers in found]


def read_data(data: bytes, name: str, shown: str, exercise: Exercise, owner: Identity, *,
              student: str | None = None) -> list[Answers]:
    """All submissions in the bytes of a file called ``name`` (a file, or a member of an LMS
    download zip read in memory), handed in by ``owner`` (from the file name, the LMS or
    ``--student``)."""
    from .identity import LMS_SOURCES, speaks_for

    suffix = _check_suffix(name, shown)
    if not data.strip():
        raise SubmissionError("the file is empty", file=shown)
    if suffix in FORM_SUFFIXES:
        from .forms import read_form  # readers are imported lazily: a batch needs only some of them
        found = read_form(data, shown, exercise, suffix=suffix)
        if owner.source in LMS_SOURCES:  # a file in an LMS download speaks for one student only
            found = [speaks_for(owner, found, shown)]
        return [bounded(answers) for answers in _select(found, student, shown)]
    _check_text(data, shown, "a notebook" if suffix in NOTEBOOK_SUFFIXES else "an answer file")
    if suffix in NOTEBOOK_SUFFIXES:
        from .notebook import read_notebook
        answers = read_notebook(data, shown, exercise, owner)
    else:
        from .answerfile import read_answer_file
        answers = read_answer_file(data, shown, exercise, owner, suffix=suffix)
    return [bounded(answers)]


def _check_suffix(name: str, shown: str) -> str:
    suffix = suffix_of(name)
    if suffix not in SUFFIXES:
        hint = _SUFFIX_HINTS.get(suffix, f"a submission is {_KNOWN}")
        raise SubmissionError(f"cannot read '{suffix or 'no extension'}' files; {hint}", file=shown)
    return suffix


def _noted(answers: Answers, name: str) -> Answers:
    """Say so when Gradescope's metadata is there but could not name the student."""
    if answers.identity.source not in ("gradescope", "--student"):
        from .identity import metadata_problem
        problem = metadata_problem(name)
        if problem:
            answers.notes.append(problem)
    return answers


def suffix_of(name: str) -> str:
    """The file's extension in lower case, as pathlib reads it (``..ipynb`` is a notebook),
    and a name that is only an extension (``.ipynb``) is one too."""
    base = PurePath(name).name
    suffix = PurePath(name).suffix
    if not suffix and base.startswith(".") and base.count(".") == 1:
        suffix = base
    return suffix.lower()


def read_bytes(name: str, shown: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes; SubmissionError for a missing, empty, oversized or unreadable file,
    and for anything but a regular file (a FIFO named ``x.ipynb`` must not hang the run)."""
    try:
        # an open, an fstat, the reads and a close: a class is read file after file, and
        # Python's open() adds an fstat, an isatty ioctl, a seek and a buffer of read()'s size
        fd = open_for_reading(name)
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(name)
            if not stat.S_ISREG(info.st_mode):
                raise SubmissionError(f"is {not_regular(info.st_mode)}, not a submission file; only "
                                      "regular files are read", file=shown)
            if info.st_size > max_bytes:
                raise SubmissionError(f"the file is {info.st_size / 1e6:.1f} MB, over the limit of "
                                      f"{max_bytes / 1e6:g} MB (--max-size)", file=shown)
            data = _read_up_to(fd, max_bytes + 1, info.st_size + 1)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise SubmissionError("no such file", file=shown) from None
    except OSError as exc:
        if os.path.isdir(name):  # Linux refuses to read it; elsewhere it opens or is refused otherwise
            raise SubmissionError("is a directory, not a submission file; grade the files in it",
                                  file=shown) from None
        raise SubmissionError(f"cannot read the file: {exc.strerror or exc}", file=shown) from None
    if len(data) > max_bytes:  # grew while we looked
        raise SubmissionError(f"the file is over the limit of {max_bytes / 1e6:g} MB (--max-size)", file=shown)
    if not data.strip():
        raise SubmissionError("the file is empty", file=shown)
    return data


def _read_up_to(fd: int, limit: int, expected: int) -> bytes:
    """Up to ``limit`` bytes, to the end of the file; ``expected`` (the size fstat saw, plus
    one) is read at once, so a file that did not grow takes one read and one at its end."""
    chunks = []
    total = 0
    while total < limit:
        wanted = expected - total if total < expected else 1 << 16  # grown: on in 64 KiB reads
        chunk = os.read(fd, min(limit - total, wanted))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _check_text(data: bytes, shown: str, what: str) -> None:
    """Refuse a binary file where JSON or YAML text is expected, saying what it looks like."""
    head = data[:8192]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise SubmissionError(f"is {kind}, not {what}", file=shown)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SubmissionError(f"is a binary file, not {what}", file=shown)


def _select(answers: list[Answers], student: str | None, shown: str) -> list[Answers]:
    if not student:
        return answers
    wanted = student.casefold()
    chosen = [a for a in answers if wanted in {(v or "").casefold() for v in
                                                (a.identity.student, a.identity.email, a.identity.name)}]
    if not chosen:
        listed = ", ".join(clip(a.identity.student, MAX_NAME) for a in answers[:10]) + (
            ", ..." if len(answers) > 10 else "")
        raise SubmissionError(f"no row for student '{clip(student, MAX_NAME)}' in this form (students: {listed})", file=shown)
    return chosen
