"""Reading submissions: notebooks, printed summaries, forms and answer files (SPEC section 2).

``read_path`` is the one entry point: it checks the file (size, kind) and hands it to
the reader for its format. A notebook or answer file is one submission; a form export
holds one per respondent. Nothing is executed and nothing is written next to the inputs.
A file that cannot be read at all raises :class:`~grader.errors.SubmissionError`.
"""
from __future__ import annotations

import os

from ..answers import Answers
from ..errors import SubmissionError
from ..exercise import Exercise

DEFAULT_MAX_BYTES = 20_000_000

NOTEBOOK_SUFFIXES = (".ipynb",)
FORM_SUFFIXES = (".csv", ".xlsx", ".tsv")
ANSWER_FILE_SUFFIXES = (".yaml", ".yml", ".json")
SUFFIXES = NOTEBOOK_SUFFIXES + FORM_SUFFIXES + ANSWER_FILE_SUFFIXES


def read_path(path: str | os.PathLike, exercise: Exercise, *, student: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES, display: str | None = None) -> list[Answers]:
    """All submissions in one file. ``display`` is the name shown in reports (default: path)."""
    from .identity import identify  # readers are imported lazily: a batch needs only some of them

    name = os.fspath(path)
    shown = display or name
    suffix = os.path.splitext(name)[1].lower()
    data = _read_bytes(name, shown, max_bytes)
    if suffix in FORM_SUFFIXES:
        from .forms import read_form
        return read_form(data, shown, exercise, suffix=suffix)
    identity = identify(name, student=student)
    if suffix in NOTEBOOK_SUFFIXES:
        from .notebook import read_notebook
        return [read_notebook(data, shown, exercise, identity)]
    if suffix in ANSWER_FILE_SUFFIXES:
        from .answerfile import read_answer_file
        return [read_answer_file(data, shown, exercise, identity, suffix=suffix)]
    raise SubmissionError(f"cannot read '{suffix or 'no extension'}' files; a submission is a "
                          "notebook (.ipynb), a form export (.csv, .xlsx) or an answer file "
                          "(.yaml, .json)", file=shown)


def _read_bytes(name: str, shown: str, max_bytes: int) -> bytes:
    try:
        if os.path.isdir(name):
            raise SubmissionError("is a directory, not a submission file", file=shown)
        size = os.path.getsize(name)
        if size > max_bytes:
            raise SubmissionError(f"the file is {size / 1e6:.1f} MB, over the limit of "
                                  f"{max_bytes / 1e6:g} MB (--max-size)", file=shown)
        if size == 0:
            raise SubmissionError("the file is empty", file=shown)
        with open(name, "rb") as fh:
            return fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise SubmissionError("no such file", file=shown) from None
    except IsADirectoryError:
        raise SubmissionError("is a directory, not a submission file", file=shown) from None
    except OSError as exc:
        raise SubmissionError(f"cannot read the file: {exc.strerror}", file=shown) from None
