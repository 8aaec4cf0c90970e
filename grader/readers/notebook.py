"""Reading a student's Jupyter notebook (SPEC section 2) without running any of it.

Answers come from, in this order of preference: cells tagged ``answers`` (a Markdown
table, YAML, or ``answers = {...}`` read with :mod:`ast`); an untagged Markdown table
whose header names a layer column and an output shape or params column; a model summary
printed in a code cell's outputs. The JSON is read with :func:`json.loads` (nbformat's
validation is far too slow for a class set); nbformat 3 cells are upgraded by nbformat.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..answers import Answers, Identity, Key, RawAnswer
from ..errors import SubmissionError
from ..exercise import Exercise
from ..limits import JSON_NUMBER_TOO_LONG, check_nbformat3
from . import markdown as md
from .literals import CellProblem, mapping_rows, python_answers, yaml_answers
from .matching import Row, assign_rows
from .summary import Summary, find_summaries, might_hold_summary, plain_text
from .surrogates import clean_tree, may_hold_surrogates

ANSWERS_TAGS = ("answers", "answer")
NOTHING_FOUND = ("no answers found: looked for a cell tagged 'answers' (a Markdown table, YAML or "
                 "answers = {...}), a Markdown table with a layer column and an output shape or params "
                 "column, and a model summary printed by Keras or torchinfo")


def read_notebook(data: bytes, shown: str, exercise: Exercise, identity: Identity) -> Answers:
    """The raw answers of one notebook; SubmissionError when it is not a readable notebook."""
    cells = notebook_cells(load_notebook(data, shown), shown)
    answers = Answers(submission=shown, identity=identity)
    problems: list[str] = []
    for strategy in (_from_tagged_cells, _from_tables, _from_summaries):
        found = strategy(cells, exercise, problems)
        if found is not None and found.values:
            answers.source, answers.values = found.source, found.values
            answers.notes = problems + found.notes
            return answers
        if found is not None:  # rows that matched no layer: say so, and look further
            problems.extend(found.notes)
    answers.errors = problems + [NOTHING_FOUND]
    return answers


# -- the notebook's JSON ----------------------------------------------------------------------

def load_notebook(data: bytes, shown: str) -> dict:
    """The notebook as plain JSON data, or SubmissionError naming the file and line."""
    try:
        nb = json.loads(data)
    except UnicodeDecodeError:
        raise SubmissionError("is not a text file: a notebook (.ipynb) is JSON text", file=shown) from None
    except json.JSONDecodeError as exc:
        raise SubmissionError(_json_problem(exc), file=shown, line=exc.lineno) from None
    except ValueError:  # a whole number over Python's 4,300 digits (issue 9)
        raise SubmissionError(JSON_NUMBER_TOO_LONG, file=shown) from None
    except RecursionError:
        raise SubmissionError("the JSON is nested too deeply to be a notebook", file=shown) from None
    if may_hold_surrogates(data):
        nb = clean_tree(nb)
    if not isinstance(nb, dict) or not ("cells" in nb or "worksheets" in nb):
        what = "an object" if isinstance(nb, dict) else f"a {type(nb).__name__.replace('str', 'string')}"
        raise SubmissionError(f"is JSON but not a Jupyter notebook: it is {what} without 'cells'", file=shown)
    version = nb.get("nbformat")
    if isinstance(version, int) and not isinstance(version, bool) and version < 3:
        raise SubmissionError(f"uses nbformat {version}, too old to read; open it in Jupyter and save "
                              "it to convert it to nbformat 4", file=shown)
    return nb


def _json_problem(exc: json.JSONDecodeError) -> str:
    end = len(exc.doc.rstrip())
    if exc.pos >= end or (exc.msg.startswith("Unterminated string") and "\n" not in exc.doc[exc.pos:end]):
        return "the notebook's JSON stops too early: the file is truncated (upload it again)"
    if exc.pos == 0 or not exc.doc.lstrip().startswith(("{", "[")):
        return "is not JSON, so not a Jupyter notebook (.ipynb files are JSON)"
    return f"the notebook's JSON is broken: {exc.msg} (column {exc.colno})"


class Cell:
    """One cell of the notebook; tags are read once (every strategy asks for them)."""

    __slots__ = ("number", "kind", "raw", "tags")

    def __init__(self, number: int, kind: str, raw: dict):
        self.number = number   # 1-based, as people count cells
        self.kind = kind       # code | markdown | raw
        self.raw = raw
        self.tags = _tags(raw)

    @property
    def source(self) -> str:
        return text_of(self.raw.get("source"))

    @property
    def answers(self) -> bool:
        """Tagged ``answers``: where students are told to answer."""
        return bool(self.tags) and any(tag in ANSWERS_TAGS for tag in self.tags)

    @property
    def outputs(self) -> list:
        outputs = self.raw.get("outputs")
        return outputs if isinstance(outputs, list) else []


def _tags(raw: dict) -> tuple[str, ...]:
    meta = raw.get("metadata")
    if not meta or not isinstance(meta, dict):
        return ()
    tags = meta.get("tags")
    if not tags:
        return ()
    if isinstance(tags, str):
        tags = [tags]
    return tuple(t.strip().lower() for t in tags if isinstance(t, str)) if isinstance(tags, list) else ()


def notebook_cells(nb: dict, shown: str) -> list[Cell]:
    raw_cells = nb.get("cells")
    if "worksheets" in nb and raw_cells is None:
        raw_cells = _upgrade_v3(nb, shown)
    if not isinstance(raw_cells, list):
        raise SubmissionError("is not a Jupyter notebook: 'cells' is not a list", file=shown)
    cells = []
    for number, raw in enumerate(raw_cells, 1):
        if isinstance(raw, dict):
            kind = raw.get("cell_type")
            cells.append(Cell(number, kind if isinstance(kind, str) else "", raw))
    return cells


def _upgrade_v3(nb: dict, shown: str) -> list:
    """nbformat 3 worksheets upgraded cell by cell with nbformat's own converter
    (not the whole notebook: that validates it first, slowly and noisily)."""
    from nbformat import from_dict
    from nbformat.v4.convert import upgrade_cell

    check_nbformat3(nb, shown)  # bounds what nbformat's upgrade would build (issue 9)
    cells = []
    for sheet in nb["worksheets"]:
        for cell in sheet.get("cells", []) if isinstance(sheet, dict) else []:
            if not isinstance(cell, dict):
                continue
            try:
                cells.append(upgrade_cell(from_dict(cell)))
            except (KeyError, TypeError, AttributeError, ValueError):
                cells.append({"cell_type": cell.get("cell_type"), "source": cell.get("input") or
                              cell.get("source"), "metadata": cell.get("metadata")})
    return cells


def text_of(value: Any) -> str:
    """Notebook text fields are a string or a list of strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)
        except TypeError:  # a hand-edited notebook with a number among the lines
            return "".join(v for v in value if isinstance(v, str))
    return ""


# -- the three places answers come from -------------------------------------------------------

@dataclass
class _Found:
    source: str
    values: dict[Key, RawAnswer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, values: dict[Key, RawAnswer], notes: list[str]) -> None:
        self.notes.extend(notes)
        if not self.values:  # the usual case, one answers cell: nothing can be answered twice
            self.values.update(values)
            return
        for key, raw in values.items():
            earlier = self.values.get(key)
            if earlier is None:
                self.values[key] = raw
            elif earlier.text != raw.text:
                layer = key[0] or "the model"
                self.notes.append(f"{key[1]} of {layer} is answered twice ({earlier.where}: "
                                  f"'{earlier.text}'; {raw.where}: '{raw.text}'); the first was graded")


def _from_tagged_cells(cells: list[Cell], exercise: Exercise, problems: list[str]) -> _Found | None:
    found = _Found(source="")
    kinds: list[str] = []
    for cell in cells:
        if not cell.answers:
            continue
        where = f"cell {cell.number}"
        try:
            kind, values, notes = _read_tagged(cell, exercise, where)
        except CellProblem as exc:
            problems.append(f"{where} (tagged 'answers'): {exc}")
            continue
        if not values:
            problems.append(f"{where} is tagged 'answers' but holds no answer table, YAML mapping "
                            "or answers = {...}")
            continue
        found.add(values, notes)
        kinds.append(f"{kind}, cell {cell.number}")
    if not found.values:
        return None
    found.source = "answers cell (" + "; ".join(kinds) + ")"
    return found


def _read_tagged(cell: Cell, exercise: Exercise, where: str) -> tuple[str, dict, list[str]]:
    text = cell.source
    if cell.kind == "code":
        return _read_tagged_code(cell, exercise, where)
    tables = md.find_tables(text)
    read = [assign_rows(exercise, rows) for rows in (md.table_rows(t, where, lenient=True) for t in tables)
            if rows]
    if read:
        values, notes = read[0]
        if len(read) > 1:  # shapes in one table, parameters in another
            merged = _Found(source="")
            for more in read:
                merged.add(*more)
            values, notes = merged.values, merged.notes
        if (None, "total_params") not in values:
            values.update(_prose_totals(text, where))
        if not values:
            raise CellProblem("the answers table is empty: fill in its cells")
        return "Markdown table", values, notes
    block = _fenced_block(text)
    try:
        data = yaml_answers(block if block is not None else text)
    except CellProblem:
        if tables:
            names = ", ".join(tables[0].header)
            raise CellProblem(f"the table's header ({names}) names no output shape or params column") from None
        raise
    if data is not None:
        return ("YAML",) + _mapping_answers(data, exercise, where)
    totals = _prose_totals(text, where)
    return "Markdown", totals, []


def _read_tagged_code(cell: Cell, exercise: Exercise, where: str) -> tuple[str, dict, list[str]]:
    """``answers = {...}``; else YAML typed into a code cell; else a summary it printed."""
    text = cell.source
    problem: CellProblem | None = None
    try:
        data, kind = _python_answers(text), "Python dict"
    except CellProblem as exc:
        problem = exc
        try:
            data, kind = yaml_answers(text), "YAML"
        except CellProblem:
            data = None
    if data is not None:
        values, notes = _mapping_answers(data, exercise, where)
        if values:
            return kind, values, notes
    summary = _summary_in(cell, exercise)
    if summary is not None:
        return summary
    raise problem or CellProblem("no 'answers = {...}' assignment of a dict in this code cell")


# The students who fill in the same template the same way (all right, say) hand in the same
# cell: parsed once. The data is shared between those calls, so it is only read.
_python_answers = functools.lru_cache(maxsize=1024)(python_answers)


def _mapping_answers(data: Any, exercise: Exercise, where: str) -> tuple[dict, list[str]]:
    rows, totals, notes = mapping_rows(data, where)
    values, more = assign_rows(exercise, rows)
    for quantity, raw in totals.items():
        values.setdefault((None, quantity), raw)
    return values, notes + more


def _fenced_block(text: str) -> str | None:
    m = re.search(r"^\s*(```|~~~)[^\n]*\n(.*?)^\s*\1", text, re.MULTILINE | re.DOTALL)
    return m.group(2) if m else None


def _prose_totals(text: str, where: str) -> dict[Key, RawAnswer]:
    for number, line in enumerate(text.split("\n"), 1):
        value = md.total_line(line)
        if value:
            return {(None, "total_params"): RawAnswer(value, f"{where}, line {number}")}
    return {}


def _from_tables(cells: list[Cell], exercise: Exercise, problems: list[str]) -> _Found | None:
    """The last answer table of the untagged Markdown cells (students answer below the
    teacher's example, as in the origin notebook); earlier ones are only named in a note."""
    chosen: tuple[Cell, list[Row]] | None = None
    others: list[int] = []
    for cell in reversed(cells):
        if cell.kind != "markdown" or cell.answers:
            continue  # tagged cells were read first
        text = cell.source
        if not md.mentions_header(text):
            continue
        if chosen is None:
            for table in reversed(md.find_tables(text)):
                if table.answers_something():
                    rows = md.table_rows(table, f"cell {cell.number}")
                    if any(row.cells for row in rows):
                        chosen = (cell, rows)
                        break
        elif md.has_answer_table(text):
            others.append(cell.number)
    if chosen is None:
        return None
    cell, rows = chosen
    found = _Found(source=f"Markdown table, cell {cell.number}")
    found.add(*assign_rows(exercise, rows))
    totals = _prose_totals(cell.source, f"cell {cell.number}")
    following = next((c for c in cells if c.number > cell.number), None)
    if not totals and following is not None and following.kind == "markdown":
        totals = _prose_totals(following.source, f"cell {following.number}")
    found.add(totals, [])
    if others:
        others.sort()
        found.notes.append("answer tables in cell" + ("s " if len(others) > 1 else " ")
                           + ", ".join(map(str, others)) + f" were not read: the last one (cell "
                           f"{cell.number}) was")
    return found


def _from_summaries(cells: list[Cell], exercise: Exercise, problems: list[str]) -> _Found | None:
    last = None
    for cell in cells:
        if cell.kind == "code" and cell.outputs:
            found = _summary_in(cell, exercise)
            if found is not None:
                last = (cell, found)
    if last is None:
        return None
    cell, (kind, values, notes) = last
    return _Found(source=f"{kind}, cell {cell.number}", values=values, notes=notes)


def _summary_in(cell: Cell, exercise: Exercise) -> tuple[str, dict, list[str]] | None:
    """The last model summary printed by a code cell, matched by order and kind."""
    text = output_text(cell.outputs)
    if not text:
        return None
    summary = _last_summary(text, f"cell {cell.number}")
    if summary is None:
        return None
    values, notes = assign_rows(exercise, summary.rows, by_name=False)
    for quantity, raw in summary.totals.items():
        values.setdefault((None, quantity), raw)
    return f"{summary.style} summary", values, notes


@functools.lru_cache(maxsize=1024)  # students who ran the same model printed the same summary
def _last_summary(text: str, where: str) -> Summary | None:
    """The last summary with rows printed in ``text`` (shared between calls: only read it)."""
    summaries = [s for s in find_summaries(text, where) if s.rows]
    return summaries[-1] if summaries else None


def _joined_streams(outputs: list) -> list:
    """Consecutive stream outputs of one name joined, as Jupyter's front ends show them.

    Keras 2.7+ flushes each line of a summary: a notebook executed by nbclient, papermill
    or nbconvert holds one stream output per line, which only make a table together.
    """
    joined: list = []
    run: list[str] = []  # the texts of the stream run being joined (joined once: no quadratic +=)

    def close_run() -> None:
        if len(run) > 1:
            joined[-1] = {**joined[-1], "text": "".join(run)}
        run.clear()

    for out in outputs:
        stream = isinstance(out, dict) and out.get("output_type") == "stream"
        if stream and run and joined[-1].get("name") == out.get("name"):
            run.append(text_of(out.get("text")))
            continue
        close_run()
        joined.append(out)
        if stream:
            run.append(text_of(out.get("text")))
    close_run()
    return joined


def output_text(outputs: list) -> str:
    """What a code cell printed or displayed, as plain text (error tracebacks left out)."""
    parts = []
    for out in _joined_streams(outputs):
        if not isinstance(out, dict):
            continue
        kind = out.get("output_type")
        if kind == "stream":
            text = text_of(out.get("text"))
            if might_hold_summary(text) or "params" in text:
                parts.append(plain_text(text))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data")
            if not isinstance(data, dict):
                continue
            text = text_of(data.get("text/plain"))
            if might_hold_summary(text) or "params" in text:
                parts.append(plain_text(text))
            else:
                page = text_of(data.get("text/html"))
                if might_hold_summary(page) or "params" in page:
                    parts.append(plain_text(page, is_html=True))
    return "\n".join(parts)
