"""A notebook's answers outside answer tables (issue 11): text the student wrote in Markdown
or raw cells (lists, sentences, a heading per layer, LaTeX, a summary pasted in a code
fence), comments beside the model code, and what the student's own code printed or
displayed (``print`` lines, f-string loops, pandas ``DataFrame`` tables).

Each reader here takes cells as ``(number, kind, text)`` and gives ``(source, Matched)``:
the place it read from ("bullet list, cell 7") and the answers matched to the layers.
"""
from __future__ import annotations

import re
from ..answers import RawAnswer
from ..exercise import Exercise
from . import freetext
from . import markdown as md
from .matching import Matched, Row, assign_rows
from .summary import find_summaries, might_hold_summary, plain_text
from .vocabulary import lookup_of

Cell = tuple[int, str, str]  # number, kind (markdown | raw | code | output), text

_BULLETED = re.compile(r"^\s*(?:[-*+•·▪◦]\s|\(?[0-9]{1,2}[.)]\s)")
_NUMBERED = re.compile(r"^\s*\(?[0-9]{1,2}[.)]\s")


def text_of_cell(number: int, kind: str, text: str, exercise: Exercise, *, tagged: bool = False
                 ) -> tuple[str, Matched] | None:
    """The answers one cell's text gives (lines, headings, LaTeX, comments), or None."""
    if kind == "code":
        text, style = freetext.from_comments(text), "comments in the code"
    elif kind == "output":
        style = "printed output"
    elif freetext.is_latex(text):
        text, style = freetext.from_latex(text), "LaTeX block"
    else:
        style = ""
    lookup = lookup_of(exercise)
    found = freetext.statements(text, lookup)
    if not found or not (tagged or freetext.convincing(found)):
        return None
    style = style or ("raw cell text" if kind == "raw" else _style(text, found))
    rows = freetext.rows_of(found, f"cell {number}")
    return f"{style}, cell {number}", _matched(exercise, rows, text, f"cell {number}")


def _style(text: str, found: list[freetext.Statement]) -> str:
    lines = text.split("\n")
    said = [lines[s.line - 1] for s in found]
    if sum(bool(_NUMBERED.match(line)) for line in said) * 2 > len(said):
        return "numbered list"
    if sum(bool(_BULLETED.match(line)) for line in said) * 2 > len(said):
        return "bullet list"
    if any(line.lstrip().startswith("#") or line.strip().startswith("**") for line in lines):
        return "a heading per layer"
    return "sentences"


def _matched(exercise: Exercise, rows: list[Row], text: str, where: str) -> Matched:
    matched = assign_rows(exercise, rows)
    if (None, "total_params") not in matched.values:
        for number, line in enumerate(text.split("\n"), 1):
            value = md.total_line(line)
            if value:
                matched.values[(None, "total_params")] = RawAnswer(value, f"{where}, line {number}")
                break
    return matched


def from_cells(cells: list[Cell], exercise: Exercise) -> tuple[str, Matched] | None:
    """The last convincing answers written as text in untagged cells: one cell (a list, a
    LaTeX block...) or a run of cells with a heading each (one Markdown cell per layer)."""
    lookup = lookup_of(exercise)
    runs: list[list[tuple[int, str, list[freetext.Statement], str, str]]] = []
    previous = None
    for number, kind, text in cells:
        body = freetext.from_comments(text) if kind == "code" else (
            freetext.from_latex(text) if freetext.is_latex(text) else text)
        found = freetext.statements(body, lookup)
        if not found:
            continue
        if previous is None or number - previous > 2 or kind == "code":
            runs.append([])
        runs[-1].append((number, kind, found, body, text))
        previous = number
    for run in reversed(runs):
        statements = [s for _, _, found, _, _ in run for s in found]
        if not freetext.convincing(statements):
            continue
        if len(run) == 1:
            number, kind, _, _, text = run[0]
            return text_of_cell(number, kind, text, exercise)
        rows: list[Row] = []
        for number, _, found, _, _ in run:
            rows.extend(freetext.rows_of(found, f"cell {number}"))
        numbers = [number for number, _, _, _, _ in run]
        matched = _matched(exercise, rows, run[-1][3], f"cell {numbers[-1]}")
        return f"a heading per layer, cells {numbers[0]}-{numbers[-1]}", matched
    return None


def pasted_summary(number: int, text: str, exercise: Exercise) -> tuple[str, Matched] | None:
    """A model summary pasted into a Markdown cell (in a code fence, or not)."""
    if not might_hold_summary(text):
        return None
    summaries = [s for s in find_summaries(plain_text(text.replace("```", "")), f"cell {number}") if s.rows]
    if not summaries:
        return None
    summary = summaries[-1]
    matched = assign_rows(exercise, summary.rows, by_name=False)
    for quantity, raw in summary.totals.items():
        matched.values.setdefault((None, quantity), raw)
    return f"{summary.style} summary pasted in Markdown, cell {number}", matched


def printed_tables(number: int, pages: list[str], plain: list[str], exercise: Exercise
                   ) -> tuple[str, Matched] | None:
    """A table the student's code displayed: pandas' HTML first, else its text."""
    for page in pages:
        for table in reversed(md.html_tables(page)):
            rows = md.table_rows(table, f"cell {number}", lenient=True)
            if any(row.cells for row in rows):
                return f"DataFrame, cell {number}", assign_rows(exercise, rows)
    for text in plain:
        table = dataframe_table(text)
        if table is not None:
            rows = md.table_rows(table, f"cell {number}", lenient=True)
            if any(row.cells for row in rows):
                return f"DataFrame, cell {number}", assign_rows(exercise, rows)
    return None


def dataframe_table(text: str) -> md.Table | None:
    """pandas' plain-text display: columns told apart by the blank gutters they share
    (a header may touch its neighbour: ``layer output_shape  params``)."""
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    if len(lines) < 2 or len(lines) > 2000 or not md.mentions_header(lines[0]) or re.search(r"[0-9:=]", lines[0]):
        return None  # a DataFrame's header holds column names only
    width = max(map(len, lines))
    used = [False] * width
    for line in lines:
        for i, char in enumerate(line):
            if char != " ":
                used[i] = True
    spans, start = [], None
    for i, on in enumerate(used + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            spans.append((start, i))
            start = None
    if len(spans) < 2:
        return None
    cells = [[line[a:b].strip() for a, b in spans] for line in lines]
    header = cells[0]
    body = cells[1:]
    if body and body[0][0] and not any(body[0][1:]):  # the index's name on a line of its own
        header = [body[0][0]] + header[1:]
        body = body[1:]
    table = md.Table(header=[md.clean_cell(h) for h in header], style="dataframe")
    table.rows = [tuple(md.clean_cell(c) for c in row) for row in body]
    table.lines = list(range(2, len(body) + 2))
    return table
