"""Markdown answer tables: pipe tables, and the origin notebook's dash-separated and
space-aligned pseudo-tables, read into rows of raw cell text with each column's role.

Nothing here parses a value: a cell is cleaned of Markdown decoration (``**``, escapes,
a trailing prose comment) and handed on as text.
"""
from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..answers import RawAnswer
from .matching import Row
from .vocabulary import (HEADER_WORDS, INDEX, LAYER, MODEL_WORDS, PARAMS_AFTER, TYPE, dimension_of, role_of,
                         total_of)

# -- cleaning cells ---------------------------------------------------------------------------

_WRAPPERS = ("**", "__", "`", "*", "_")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_COMMENT_WORD = re.compile(r"(?!x+(?![A-Za-z]))[A-Za-z]{3,}")  # words, not x for times


@functools.lru_cache(maxsize=8192)  # students of a class write the same answers
def clean_cell(text: str) -> str:
    """A table cell as a person reads it: without emphasis, escapes, ``<br>`` or entities."""
    text = text.strip()
    if not text or (text[0] not in "*_`" and text[-1] not in "*_`)" and "\\" not in text
                    and "<" not in text and "&" not in text):
        return text  # the common case, kept fast: a class set has thousands of cells
    if "<" in text:
        text = _BR.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    changed = True
    while changed and text:
        changed = False
        for mark in _WRAPPERS:
            if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
                text = text[len(mark):-len(mark)].strip()
                changed = True
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return _strip_comment(text.strip())


def _strip_comment(text: str) -> str:
    """``832 ((width of the filter * ...) * number of filters)`` -> ``832``: a trailing
    parenthesised remark in words after the answer, as the origin notebook writes."""
    if not text.endswith(")"):
        return text
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                head, group = text[:i].rstrip(), text[i:]
                if head and (head[-1].isdigit() or head[-1] == ")") and _COMMENT_WORD.search(group) \
                        and "none" not in group.lower():
                    return head
                return text
    return text


# -- finding tables ---------------------------------------------------------------------------

@dataclass
class Table:
    """One table: the header cells and each row's cells, with their line in the text."""

    header: list[str]
    rows: list[tuple[str, ...]] = field(default_factory=list)  # cached per line: shared, never changed
    lines: list[int] = field(default_factory=list)  # 1-based line of each row
    line: int = 1                                   # the header's line
    style: str = "pipe"                             # pipe | dash | aligned
    last_line: int = 1

    @property
    def roles(self) -> list[str | None]:
        return [role_of(h) for h in self.header]

    def answers_something(self) -> bool:
        """The header names a layer column and at least one quantity (SPEC section 2)."""
        roles = self.roles
        return LAYER in roles and any(r not in (None, LAYER, TYPE, INDEX) for r in roles)


def mentions_header(text: str) -> bool:
    """A cheap test before looking for tables: a header names a quantity column.
    (Substring tests on the lowered text: a regex alternation is several times slower.)"""
    low = text.lower()
    return any(word in low for word in HEADER_WORDS)

_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_RULE = re.compile(r"^[\s\-=:|+]*-[\s\-=:|+]*$")
_DASH_SPLIT = re.compile(r"\s-(?=\s|$)")
_DIGIT = re.compile(r"\d")
_GAP = re.compile(r"\s{2,}|\t")
_LEADING_INDEX = re.compile(r"^\d+[.):]?\s+(?=\S)")


def find_tables(text: str) -> list[Table]:
    """Every table in a Markdown text whose header could name answer columns (HTML
    ``<table>`` elements too: Markdown cells may hold them, pandas displays them)."""
    if "<" in text and "<table" in text.lower():
        return html_tables(text)
    lines = text.split("\n")
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "|" in line:
            j = i
            while j < len(lines) and "|" in lines[j]:
                j += 1
            table = _pipe_table(lines, i, j)
            if table is not None:
                tables.append(table)
            i = j
            continue
        if mentions_header(line):
            table = _pseudo_table(lines, i)
            if table is not None:
                tables.append(table)
                i = table.last_line
                continue
        i += 1
    return tables


_PIPE = re.compile(r"(?<!\\)\|")


def split_pipes(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    if "\\|" not in line:
        return line.split("|")
    return [cell.replace("\\|", "|") for cell in _PIPE.split(line)]


def _is_delimiter(line: str) -> bool:
    return "-" in line and not line.strip(" \t|:-") and bool(_DELIMITER.match(line))


_NEEDS_CLEANING = re.compile(r"[*_`<&\\)]")


def _pipe_table(lines: list[str], start: int, end: int) -> Table | None:
    header = split_pipes(lines[start])
    body = start + 1
    if body < end and _is_delimiter(lines[body]):
        body += 1
    table = Table(header=[clean_cell(h) for h in header], line=start + 1, style="pipe", last_line=end)
    for k in range(body, end):
        cells = _pipe_cells(lines[k])
        if cells is not None:
            table.rows.append(cells)
            table.lines.append(k + 1)
    return table


@functools.lru_cache(maxsize=16384)  # the students of a class write the same rows
def _pipe_cells(line: str) -> tuple[str, ...] | None:
    """The clean cells of a pipe table's row; None for a delimiter row."""
    if _is_delimiter(line):
        return None
    if _NEEDS_CLEANING.search(line):
        return tuple(clean_cell(c) for c in split_pipes(line))
    return tuple(c.strip() for c in split_pipes(line))  # nothing to clean but spaces: most rows


def _pseudo_table(lines: list[str], start: int) -> Table | None:
    """The origin notebook's tables: ``name - size - parameters`` headers (dash style) or
    columns aligned with runs of spaces, rows possibly separated by blank or rule lines."""
    head = clean_cell(lines[start].strip().strip("#").strip())
    for style, split in (("dash", _split_dash), ("aligned", _split_aligned)):
        header = [clean_cell(h) for h in split(head)]
        if len(header) < 2:
            continue
        table = Table(header=header, line=start + 1, style=style)
        if not table.answers_something():
            continue
        k = start + 1
        last = k
        while k < len(lines):
            cells = _pseudo_line(lines[k], style, len(header))
            if cells is _SKIP:
                k += 1
                continue
            if cells is _STOP:
                break
            table.rows.append(cells)
            table.lines.append(k + 1)
            k += 1
            last = k
        table.last_line = last
        return table if table.rows else None
    return None


_SKIP, _STOP = (), ("stop",)  # a blank or rule line; a line that ends the table


@functools.lru_cache(maxsize=16384)  # the origin notebook's rows recur in every student's copy
def _pseudo_line(raw: str, style: str, width: int) -> tuple[str, ...]:
    """One line under a pseudo-table's header: its cells fitted to the header, or _SKIP
    (blank, or a rule), or _STOP (not a row: the table ends)."""
    if not raw.strip() or _RULE.match(raw):
        return _SKIP
    cells = (_split_dash if style == "dash" else _split_aligned)(raw.strip())
    if len(cells) < 2 or (mentions_header(raw) and not _DIGIT.search(raw) and _starts_table(raw)):
        return _STOP
    return tuple(_fit(cells, width, style))


def _starts_table(line: str) -> bool:
    """The line is the header of another table (the origin notebook has two in a row)."""
    head = clean_cell(line.strip().strip("#").strip())
    return any(Table(header=[clean_cell(h) for h in split(head)]).answers_something()
               for split in (_split_dash, _split_aligned))


@functools.lru_cache(maxsize=4096)  # the teacher's cells recur in every student's notebook
def has_answer_table(text: str) -> bool:
    """Whether the text has a header line of an answer table (rows are not read)."""
    for line in text.split("\n"):
        if mentions_header(line) and not _DIGIT.search(line):
            if "|" in line:
                if Table(header=[clean_cell(h) for h in split_pipes(line)]).answers_something():
                    return True
            elif _starts_table(line):
                return True
    return False


def _split_dash(line: str) -> list[str]:
    """Split on `` - `` outside parentheses (``(28 - 4)=24 -> 32x24x24`` stays whole)."""
    pieces = _DASH_SPLIT.split(line)
    if "(" not in line:
        return [p.strip() for p in pieces]
    parts: list[str] = []
    depth = 0
    for piece in pieces:
        if depth > 0:  # inside parentheses: this dash was part of the working
            parts[-1] += " -" + piece
        else:
            parts.append(piece)
        depth = max(0, depth + piece.count("(") - piece.count(")"))
    return [p.strip() for p in parts]


def _split_aligned(line: str) -> list[str]:
    return [p for p in _GAP.split(line.strip()) if p]


def _fit(cells: list[str], width: int, style: str) -> list[str]:
    """Cells of a pseudo-table row fitted to the header: a leading row number dropped,
    surplus pieces joined into the last column (``(5*5*1+1)*32   =   832``)."""
    cells = [c.strip() for c in cells]
    if len(cells) > width and re.fullmatch(r"\d+[.):]?", cells[0]):
        cells = cells[1:]
    if len(cells) > width:
        joiner = " - " if style == "dash" else " "
        cells = cells[:width - 1] + [joiner.join(cells[width - 1:])]
    cells = [clean_cell(c) for c in cells]
    if cells and style == "dash":
        cells[0] = _LEADING_INDEX.sub("", cells[0])
    return cells + [""] * (width - len(cells))


class _HtmlTables(HTMLParser):
    """Cells of every ``<table>``: ``th`` and ``td`` text, rows in order (no nesting)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.row = []
            self.tables[-1].append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


MAX_HTML_CELLS = 10_000  # an answers table has a few dozen


def html_tables(text: str) -> list[Table]:
    """The tables of an HTML text (a Markdown cell's, or pandas' ``DataFrame`` display)."""
    parser = _HtmlTables()
    try:
        parser.feed(text[:1_000_000])
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    tables = []
    for rows in parser.tables:
        rows = [r for r in rows if r][:MAX_HTML_CELLS]
        if len(rows) < 2:
            continue
        header = [clean_cell(c) for c in rows[0]]
        table = Table(header=header, style="html")
        table.rows = [tuple(clean_cell(c) for c in r) for r in rows[1:]]
        table.lines = list(range(2, len(rows) + 1))
        tables.append(table)
    return tables


# -- rows -------------------------------------------------------------------------------------

_NAME_TYPE = re.compile(r"^(?P<name>[^()\s]+)\s*\((?P<type>[A-Za-z_][A-Za-z0-9_.]*)\)?$")


def table_rows(table: Table, where: str, *, lenient: bool = False) -> list[Row]:
    """The rows of a table as :class:`Row` objects. ``lenient`` (a cell tagged ``answers``)
    takes the first unnamed column as the layer column when no header names one. A shape
    split over ``H | W | C`` (or ``C | H | W``) columns is read as one shape, in their order."""
    roles = table.roles
    dims = [i for i, role in enumerate(roles) if role is None and dimension_of(table.header[i])]
    if len(dims) < 2 or "output_shape" in roles:
        dims = []
    layer_col = roles.index(LAYER) if LAYER in roles else None
    if layer_col is None:
        if not lenient and not dims:
            return transposed_rows(table, where)
        layer_col = next((i for i, r in enumerate(roles) if r is None and i not in dims),
                         roles.index(INDEX) if INDEX in roles else None)
    type_col = roles.index(TYPE) if TYPE in roles else None
    quantity_cols = {}
    for i, role in enumerate(roles):
        if role not in (None, LAYER, TYPE, INDEX) and role not in quantity_cols:
            quantity_cols[role] = i
    if not quantity_cols and not dims:
        return transposed_rows(table, where)
    rows: list[Row] = []
    columns = tuple(quantity_cols.items())
    width = len(roles)
    for number, cells in enumerate(table.rows, 1):  # cells are clean_cell'ed: stripped
        label, kind, filled = _row_parts(cells, width, layer_col, type_col, columns)
        shape = _joined_shape(cells, dims) if dims else ""
        if not label and not filled and not shape:
            continue
        label = label or f"row {number}"
        place = f"{where}, row '{label}'"
        row = Row(label, {q: RawAnswer(v, place) for q, v in filled}, kind or None)
        if shape:
            row.cells["output_shape"] = RawAnswer(shape, place)
        rows.append(row)
    return rows


def _joined_shape(cells: tuple[str, ...], dims: list[int]) -> str:
    """``6 | 6 | 64`` -> ``(6, 6, 64)``; empty and dash cells left out (a Dense row fills one)."""
    parts = [cells[i].strip() for i in dims if i < len(cells) and cells[i].strip().strip("-–—") != ""]
    return "" if not parts else parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def transposed_rows(table: Table, where: str) -> list[Row]:
    """A table with the layers as columns: ``| | conv1 | pool1 |`` over ``| Output shape |
    6x6x64 | 3x3x64 |`` and ``| Params | 1792 | 0 |``."""
    if len(table.header) < 2 or not table.rows:
        return []
    quantities = [(role_of(cells[0]) if cells else None, cells) for cells in table.rows]
    quantities = [(q, cells) for q, cells in quantities if q not in (None, LAYER, TYPE, INDEX)]
    if not quantities:
        return []
    rows: list[Row] = []
    for j, label in enumerate(table.header[1:], 1):
        label = label.strip()
        if not label:
            continue
        place = f"{where}, column '{label}'"
        cells = {q: RawAnswer(row[j], place) for q, row in quantities if j < len(row) and row[j]}
        if cells:
            rows.append(Row(label, cells))
    return rows


@functools.lru_cache(maxsize=16384)  # the students of a class write the same rows
def _row_parts(cells: tuple[str, ...], width: int, layer_col: int | None, type_col: int | None,
               columns: tuple[tuple[str, int], ...]) -> tuple[str, str | None, tuple[tuple[str, str], ...]]:
    """A row's label (its row number not yet put in for a missing one), its layer type, and
    the (quantity, text) of its filled answer cells."""
    if len(cells) < width:
        cells = cells + ("",) * (width - len(cells))
    label = cells[layer_col] if layer_col is not None else ""
    kind = cells[type_col] if type_col is not None else None
    if label[:1].isdigit():
        label = _LEADING_INDEX.sub("", label)
    label = label.rstrip(":").strip()
    if "(" in label:
        m = _NAME_TYPE.match(label)
        if m and m.group("type"):
            label, kind = m.group("name"), kind or m.group("type")
    return label, kind, tuple((q, cells[i]) for q, i in columns if cells[i])


# -- totals written as prose ----------------------------------------------------------------

_TOTAL_LINE = re.compile(r"^[\W_]*(?P<label>[^\W\d_][\w #'-]*?)[*_\s]*[:=][*_\s]*(?P<value>.+?)\s*$")
_TOTAL_PROSE = re.compile(r"(?P<value>[\d(][\d\s'’,._+\-*/×x()=]*?)\s*" + PARAMS_AFTER, re.IGNORECASE)
_TOTAL_WORD = re.compile(MODEL_WORDS, re.IGNORECASE)
_TAIL = re.compile(r"\s*(\([^()]*\)|learnable|trainable|parameters|params|in total|\.|[*_])\s*$",
                   re.IGNORECASE)


@functools.lru_cache(maxsize=16384)  # a class's notebooks share most of their lines
def total_line(text: str) -> str | None:
    """The total a line of prose states: ``Total: 79,261`` or ``... = 217'706 learnable
    parameters`` (the whole sum, so a wrong addition can be reported), else None."""
    low = text.lower()
    if "total" not in low and "param" not in low:
        return None
    if "|" in text:
        return None
    m = _TOTAL_LINE.match(text)
    if m and total_of(m.group("label")) == "total_params":
        value = m.group("value")
        while True:
            shorter = _TAIL.sub("", value)
            if shorter == value:
                break
            value = shorter
        return clean_cell(value) or None
    if not _TOTAL_WORD.search(text):
        return None
    found = None
    for m in _TOTAL_PROSE.finditer(text):
        found = m.group("value")
    if found is None:
        return None
    found = re.sub(r"^[^\d(]+", "", found).strip()
    return found if re.search(r"\d", found) else None
