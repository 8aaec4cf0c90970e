"""What one input may ask of the machine: every bound on sizes, counts and lengths (issue 9).

Each bound is checked before the work it bounds (a sheet's declared size before its rows
are built, a heading level before nbformat builds a string of that length), and going
over it is a one-line error that names the limit. The README's reliability section
lists these numbers.
"""
from __future__ import annotations

import os
import stat
from dataclasses import replace
from typing import Any

from .answers import Answers, Identity, RawAnswer
from .errors import SubmissionError, clip

# -- submissions ---------------------------------------------------------------------------
MAX_SIZE_MB = 1_000          # the largest --max-size: a notebook of a gigabyte is no homework

# -- form exports (CSV, TSV, XLSX) ---------------------------------------------------------
MAX_FORM_ROWS = 20_000       # respondents: each becomes a report
MAX_FORM_COLUMNS = 2_000     # a Moodle quiz of 600 questions has three columns per question
MAX_FORM_CELLS = 1_000_000   # rows x header width, as the rows are padded to the header

# -- the instructor's CSV files (a roster, the groups) ---------------------------------------
MAX_CSV_MB = 10              # a class list of 100,000 students is about 10 MB

# -- notebooks -----------------------------------------------------------------------------
MAX_HEADING_LEVEL = 6        # nbformat 3 headings: nbformat's upgrade writes '#' * level
MAX_CELL_DEPTH = 100         # nesting inside one nbformat 3 cell (nbformat converts it recursively)
JSON_NUMBER_TOO_LONG = ("the notebook holds a number of more than 4,300 digits, which Python does not read; "
                        "no notebook needs one: the file is damaged")

# -- what a submission makes the grader say ---------------------------------------------------
MAX_NOTE = 500               # characters in one note or error of a submission
MAX_NOTES = 100              # notes (and errors) per submission; the rest are counted
MAX_WHERE = 200              # characters of an answer's place ("cell 4, row 'conv1'")
MAX_NAME = 200               # characters of a student's id, name or e-mail from a form cell

# -- exercise files --------------------------------------------------------------------------
MAX_NUMBER = 10 ** 12        # any whole number in an exercise: no layer has a trillion units
MAX_POINTS = 1_000           # points of one asked quantity (ask: {params: 1.0e+308} broke grade)
MAX_RANGE_CHOICES = 10_000   # values of one variable's {range: [low, high, step]}

_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # not on Windows, which has no FIFOs to open
_O_BINARY = getattr(os, "O_BINARY", 0)      # Windows: no newline translation


def open_for_reading(name: str) -> int:
    """A file descriptor for reading ``name`` that never blocks on opening: a FIFO named
    ``x.ipynb`` would otherwise wait forever for a writer. The caller fstat()s the result
    and reads only regular files (reads of a regular file ignore O_NONBLOCK)."""
    return os.open(name, os.O_RDONLY | _O_BINARY | _O_NONBLOCK)


def not_regular(mode: int) -> str:
    """What a file of this ``st_mode`` is, for "is a FIFO, not a submission file"."""
    for test, what in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return what
    return "not a regular file"


# -- notebooks -----------------------------------------------------------------------------

def check_nbformat3(nb: dict, shown: str) -> None:
    """Refuse an nbformat 3 notebook that nbformat's cell upgrade cannot convert safely:
    worksheets and cells that are not lists, a heading ``level`` outside 1 to 6 (the upgrade
    writes ``'#' * level``: 8,000,000,000 is an 8 GB string) and cells nested deeper than
    :data:`MAX_CELL_DEPTH` (converted recursively)."""
    worksheets = nb.get("worksheets")
    if not isinstance(worksheets, list):
        raise SubmissionError("is not a Jupyter notebook: 'worksheets' is not a list", file=shown)
    number = 0
    for sheet_number, sheet in enumerate(worksheets, 1):
        cells = sheet.get("cells", []) if isinstance(sheet, dict) else []
        if not isinstance(cells, list):
            raise SubmissionError(f"is not a Jupyter notebook: 'cells' of worksheet {sheet_number} is not "
                                  "a list", file=shown)
        for cell in cells:
            if not isinstance(cell, dict):
                continue
            number += 1
            level = cell.get("level")
            if cell.get("cell_type") == "heading" and _is_int(level) and not 1 <= level <= MAX_HEADING_LEVEL:
                raise SubmissionError(f"cell {number} is a heading of level {_number(level)}; nbformat 3 "
                                      f"headings have levels 1 to {MAX_HEADING_LEVEL}", file=shown)
            if _deeper_than(cell, MAX_CELL_DEPTH):
                raise SubmissionError(f"cell {number} is nested more than {MAX_CELL_DEPTH} levels deep; "
                                      "a notebook cell is far flatter", file=shown)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: int) -> str:
    text = str(value)
    return text if len(text) <= 20 else f"{text[:6]}... ({len(text)} digits)"


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and mappings nest more than ``limit`` levels in ``value`` (no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


# -- what a submission makes the grader say -----------------------------------------------

def bounded(answers: Answers) -> Answers:
    """``answers`` with every text a reader made from the submission's content clipped:
    notes and errors to :data:`MAX_NOTE` characters (at most :data:`MAX_NOTES` of each),
    answers' places to :data:`MAX_WHERE` and the student's names to :data:`MAX_NAME`.
    The answers themselves are kept whole: ``grader.values`` bounds and quotes them."""
    answers.notes = _bounded_list(answers.notes, "note")
    answers.errors = _bounded_list(answers.errors, "error")
    if any(len(raw.where) > MAX_WHERE for raw in answers.values.values()):
        answers.values = {key: RawAnswer(raw.text, clip(raw.where, MAX_WHERE)) for key, raw in answers.values.items()}
    answers.identity = bounded_identity(answers.identity)
    return answers


def bounded_identity(identity: Identity) -> Identity:
    texts = {name: getattr(identity, name) for name in ("student", "name", "email", "canvas_id")}
    long = {name: clip(text, MAX_NAME) for name, text in texts.items() if text and len(text) > MAX_NAME}
    return replace(identity, **long) if long else identity


def _bounded_list(texts: list[str], what: str) -> list[str]:
    if len(texts) <= MAX_NOTES and all(len(text) <= MAX_NOTE for text in texts):
        return texts
    kept = [clip(text, MAX_NOTE) for text in texts[:MAX_NOTES]]
    if len(texts) > MAX_NOTES:
        kept.append(f"... and {len(texts) - MAX_NOTES:,} more {what}s like these")
    return kept
