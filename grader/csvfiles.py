"""Small CSV files an instructor gives a command (a roster, the groups of a group assignment):
read whole, as UTF-8 (a byte-order mark allowed), each row a dict keyed by the lower-cased
header, with its line number for messages."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from .errors import GraderError
from .limits import MAX_CSV_MB


def read_csv(path: str | os.PathLike, what: str, header_hint: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (lower-cased, stripped) and the rows that hold anything, each with its line.
    ``what`` names the file in messages ("the roster"); ``header_hint`` is the header expected."""
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise GraderError(f"cannot read {what}: {exc.strerror or exc}", file=name) from None
    if len(data) > MAX_CSV_MB * 1_000_000:
        raise GraderError(f"{what} is over {MAX_CSV_MB} MB", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GraderError(f"{what} is not UTF-8 text; save it as CSV UTF-8", file=name) from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise GraderError(f"{what} is not CSV: {exc}", file=name) from None
    if not rows:
        raise GraderError(f"{what} is empty; it needs a header row '{header_hint}'", file=name)
    header = [h.strip().lower() for h in rows[0]]
    table = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        if any(cells.values()):
            table.append((number, cells))
    return header, table
