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
from ..errors import AnswerFormatError, SubmissionError
from ..exercise import Exercise
from ..limits import JSON_NUMBER_TOO_LONG, check_nbformat3
from ..values import parse_count, parse_shape
from . import markdown as md
from . import written
from .matching import Matched, Row, assign_rows
from .structured import StructureProblem, load_python, load_yaml, walk
from .summary import Summary, find_summaries, might_hold_summary, only_summary_lines, plain_text
from .surrogates import clean_tree, may_hold_surrogates

ANSWERS_TAGS = ("answers", "answer")
NOTHING_FOUND = ("no answers found: looked for a cell tagged 'answers' (a Markdown table, YAML or "
                 "answers = {...}), a Markdown or HTML table with a layer column and an output shape or "
                 "params column, lines such as '- conv1: 6x6x64, 1792 params' in Markdown, raw cells, code "
                 "comments or printed output, and a model summary printed by Keras, torchinfo or "
                 "torchsummary; write a table '| layer | output shape | params |' in a cell tagged 'answers'")


def read_notebook(data: bytes, shown: str, exercise: Exercise, identity: Identity) -> Answers:
    """The raw answers of one notebook; SubmissionError when it is not a readable notebook."""
    cells = notebook_cells(load_notebook(data, shown), shown)
    answers = Answers(submission=shown, identity=identity)
    problems: list[str] = []
    for strategy in (_from_tagged_cells, _from_tables, _from_text, _from_printed, _from_summaries):
        found = strategy(cells, exercise, problems)
        if found is not None and found.values:
            answers.source, answers.values = found.source, found.values
            answers.notes = problems + found.notes
            answers.warnings = found.warnings
            if strategy is not _from_summaries:
                answers.notes += _disagreements(found, cells, exercise)
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
    warnings: list[str] = field(default_factory=list)

    def add(self, matched: Matched) -> None:
        values, notes, warnings = matched
        self.notes.extend(notes)
        if warnings:
            self.warnings.extend(w for w in warnings if w not in self.warnings)
        if not self.values:  # the usual case, one answers cell: nothing can be answered twice
            self.values = values  # (a Matched's values are its own: taken, not copied)
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
            kind, matched = _read_tagged(cell, exercise, where)
        except StructureProblem as exc:
            line = f", line {exc.line}" if exc.line else ""
            problems.append(f"{where} (tagged 'answers'){line}: {exc.message}")
            continue
        if not matched.values:
            problems.append(f"{where} is tagged 'answers' but holds no answer table, YAML mapping "
                            "or answers = {...}")
            continue
        found.add(matched)
        kinds.append(f"{kind}, cell {cell.number}")
    if not found.values:
        return None
    found.source = "answers cell (" + "; ".join(kinds) + ")"
    return found


def _read_tagged(cell: Cell, exercise: Exercise, where: str) -> tuple[str, Matched]:
    if cell.kind == "code":
        return _read_tagged_code(cell, exercise, where)
    text = cell.source
    tables = md.find_tables(text)
    read = [assign_rows(exercise, rows) for rows in (md.table_rows(t, where, lenient=True) for t in tables)
            if rows]
    if read:
        merged = read[0]
        if len(read) > 1:  # shapes in one table, parameters in another
            together = _Found(source="")
            for more in read:
                together.add(more)
            merged = Matched(together.values, together.notes, together.warnings)
        if (None, "total_params") not in merged.values:
            merged.values.update(_prose_totals(text, where))
        if not merged.values:  # rows matching no layer say so; else the table is empty
            raise StructureProblem("; ".join(merged.warnings) or "the answers table is empty: fill in its cells")
        return "Markdown table", merged
    block = _fenced_block(text)
    problem = None
    try:
        data = load_yaml(block if block is not None else text)
    except StructureProblem as exc:
        data, problem = None, exc
        if tables:
            names = ", ".join(tables[0].header)
            problem = StructureProblem(f"the table's header ({names}) names no output shape or params column")
    if isinstance(data, (dict, list)):
        matched = _structured_answers(data, exercise, where)
        if matched.values:
            return "YAML", matched
    for found in (written.text_of_cell(cell.number, cell.kind, text, exercise, tagged=True),
                  written.pasted_summary(cell.number, text, exercise)):
        if found is not None and found[1].values:
            return found[0].rsplit(", cell", 1)[0], found[1]
    if problem is not None:
        raise problem
    return "Markdown", Matched(_prose_totals(text, where), [], [])


def _read_tagged_code(cell: Cell, exercise: Exercise, where: str) -> tuple[str, Matched]:
    """``answers = {...}``; else YAML typed into a code cell; else a summary it printed."""
    text = cell.source
    problem: StructureProblem | None = None
    try:
        data, kind = _python_answers(text), "Python dict"
    except StructureProblem as exc:
        problem = exc
        try:
            data, kind = load_yaml(text), "YAML"
        except StructureProblem:
            data = None
    if isinstance(data, (dict, list)):
        matched = _structured_answers(data, exercise, where)
        if matched.values:
            return kind, matched
    summary = _summary_in(cell, exercise)
    if summary is not None:
        return summary
    for found in (_printed_in(cell, exercise, tagged=True),
                  written.text_of_cell(cell.number, "code", text, exercise, tagged=True)):
        if found is not None and found[1].values:
            return found[0].rsplit(", cell", 1)[0], found[1]
    raise problem or StructureProblem("no 'answers = {...}' assignment of a dict in this code cell")


# The students who fill in the same template the same way (all right, say) hand in the same
# cell: parsed once. The data is shared between those calls, so it is only read.
_python_answers = functools.lru_cache(maxsize=1024)(load_python)


def _structured_answers(data: Any, exercise: Exercise, where: str) -> Matched:
    found = walk(data, exercise, where)
    values, notes, warnings = assign_rows(exercise, found.rows)
    for quantity, raw in found.totals.items():
        values.setdefault((None, quantity), raw)
    return Matched(values, found.notes + notes, warnings)


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
    chosen: tuple[Cell, list[Row], str] | None = None
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
                else:
                    rows = md.transposed_rows(table, f"cell {cell.number}")
                if any(row.cells for row in rows):
                    chosen = (cell, rows, table.style)
                    break
        elif md.has_answer_table(text):
            others.append(cell.number)
    if chosen is None:
        return None
    cell, rows, style = chosen
    kind = "HTML table" if style == "html" else "transposed table" if rows and rows[0].cells and \
        next(iter(rows[0].cells.values())).where.startswith(f"cell {cell.number}, column") else "Markdown table"
    found = _Found(source=f"{kind}, cell {cell.number}")
    found.add(assign_rows(exercise, rows))
    totals = _prose_totals(cell.source, f"cell {cell.number}")
    following = next((c for c in cells if c.number > cell.number), None)
    if not totals and following is not None and following.kind == "markdown":
        totals = _prose_totals(following.source, f"cell {following.number}")
    found.add(Matched(totals, [], []))
    if others:
        others.sort()
        found.notes.append("answer tables in cell" + ("s " if len(others) > 1 else " ")
                           + ", ".join(map(str, others)) + f" were not read: the last one (cell "
                           f"{cell.number}) was")
    return found


def _from_text(cells: list[Cell], exercise: Exercise, problems: list[str]) -> _Found | None:
    """Answers written as text: Markdown lists, sentences, headings, LaTeX, raw cells, code
    comments (the last such answers); else a summary pasted into Markdown."""
    texts = []
    for cell in cells:
        if cell.kind in ("markdown", "raw", "code") and not cell.answers:
            text = cell.source
            if text.strip() and (cell.kind != "code" or "#" in text):
                texts.append((cell.number, cell.kind, text))
    pasted = None
    for number, kind, text in reversed(texts):
        if kind == "markdown":
            pasted = written.pasted_summary(number, text, exercise)
            if pasted is not None:
                texts = [t for t in texts if t[0] != number]
                break
    chosen = written.from_cells(texts, exercise)
    if chosen is None or (pasted is not None and _last_cell(pasted[0]) > _last_cell(chosen[0])):
        chosen = pasted  # the later of the two: students answer below the teacher's text
    if chosen is None:
        return None
    found = _Found(source=chosen[0])
    found.add(chosen[1])
    return found


def _last_cell(source: str) -> int:
    return int(re.findall(r"[0-9]+", source)[-1])


def _from_printed(cells: list[Cell], exercise: Exercise, problems: list[str]) -> _Found | None:
    """What the student's code printed: lines (``print``, f-string loops) or a DataFrame."""
    for cell in reversed(cells):
        if cell.kind == "code" and cell.outputs and not cell.answers:
            chosen = _printed_in(cell, exercise)
            if chosen is not None:
                found = _Found(source=chosen[0])
                found.add(chosen[1])
                return found
    return None


def _printed_in(cell: Cell, exercise: Exercise, *, tagged: bool = False) -> tuple[str, Matched] | None:
    pages, plain = [], []
    for out in _joined_streams(cell.outputs):
        if not isinstance(out, dict):
            continue
        kind, data = out.get("output_type"), out.get("data")
        if kind == "stream" and out.get("name") != "stderr":
            text = text_of(out.get("text"))
        elif kind in ("execute_result", "display_data") and isinstance(data, dict):
            text = text_of(data.get("text/plain"))
            if only_summary_lines(text):
                continue  # Model: and Total params:, which Keras 3 displays beside its table
            page = text_of(data.get("text/html"))
            if "<table" in page:
                pages.append(page)
        else:
            continue
        if might_hold_summary(text) or only_summary_lines(text):
            continue  # a summary is the summaries' to read
        text = plain_text(text)
        if text.strip() and not (might_hold_summary(text) or only_summary_lines(text)):
            plain.append(text)
    table = written.printed_tables(cell.number, pages, plain, exercise)
    if table is not None and table[1].values:
        return table
    text = "\n".join(plain)
    if not text:
        return None
    found = written.text_of_cell(cell.number, "output", text, exercise, tagged=tagged)
    return found if found is not None and found[1].values else None


def _disagreements(found: _Found, cells: list[Cell], exercise: Exercise) -> list[str]:
    """Where the student's written answers and the summary their code printed differ: the
    written answer is graded, and a note says so (issue 11).

    The summary is read only when the notebook printed one and the two could differ (see
    :func:`_may_differ`): most of a class writes the right values or copies their own summary.
    """
    printed = _printed_summary(cells)
    if printed is None or not _may_differ(found, exercise, *printed[1:]):
        return []
    return compare_with_summary(found.values, printed[0], exercise)


def compare_with_summary(values: dict[Key, RawAnswer], cell: Cell, exercise: Exercise) -> list[str]:
    """Row by row, a note for each written answer whose value the summary printed in
    ``cell`` gives otherwise (the same numbers in another spelling or layout agree)."""
    read = _summary_in(cell, exercise)
    if read is None:
        return []
    notes = []
    for key, shown in read[1].values.items():
        written_raw = values.get(key)
        if written_raw is None or written_raw.text == shown.text or key[0] is None and key[1] != "total_params":
            continue
        if _same_numbers(key[1], written_raw.text, shown.text):
            continue
        printed_value = _read(key[1], shown.text)
        if printed_value is None:
            continue
        rank = len(printed_value) if key[1] == "output_shape" else None
        if _read(key[1], written_raw.text, rank) != printed_value:
            notes.append(f"{key[1]} of {key[0] or 'the model'}: your answer '{written_raw.text}' "
                         f"({written_raw.where}) differs from the summary printed in cell "
                         f"{cell.number} ('{shown.text}'); your answer was graded")
    return notes


def _printed_summary(cells: list[Cell]) -> tuple[Cell, list[str], str] | None:
    """The last code cell whose outputs hold a model summary, the text of each of its
    outputs as stored (colour codes and all), and the one with the table."""
    for cell in reversed(cells):
        if cell.kind != "code" or not cell.outputs:
            continue
        texts = []
        for out in cell.outputs:
            if isinstance(out, dict):
                data = out.get("data")
                texts.append(text_of(out.get("text") if data is None else
                                     data.get("text/plain") if isinstance(data, dict) else None))
        table = next((text for text in texts if might_hold_summary(text)), None)  # its header is one line
        if table is not None:
            return cell, texts, table
    return None


_PRINTED_TOTAL = re.compile(r"Total params:(?:\s|\x1b\[[0-9;]*m)*([0-9][0-9,]*)")  # Keras 3 colours it


def _may_differ(found: _Found, exercise: Exercise, printed: list[str], table: str) -> bool:
    """Whether the written answers could differ from the printed summary, told without
    reading it: not when the summary's total is the exercise's and every written answer is
    the exercise's value, or a count of four digits or more that the summary's table prints
    (the student copied it from there). A wrong shape or small count is always compared."""
    solution = exercise.solution
    expected_total = solution.total_params
    printed_total = None
    for text in reversed(printed):
        at = text.rfind("Total params:")
        if at >= 0:
            printed_total = _PRINTED_TOTAL.match(text, at)
            break
    if printed_total is None or printed_total.group(1).replace(",", "") != str(expected_total):
        return True  # not the exercise's model, or no total to tell
    values = found.values
    layers = solution.by_name
    for (name, quantity), raw in values.items():
        layer = layers.get(name)
        if layer is None:
            if quantity == "total_params" and not _count_agrees(raw.text, expected_total, table):
                return True
        elif quantity == "params":
            if raw.text != str(layer.params) and not _count_agrees(raw.text, layer.params, table):
                return True
        elif quantity == "output_shape":
            expected = "x".join(map(str, layer.output_shape))
            if raw.text != expected and not _same_numbers("output_shape", raw.text, expected):
                return True
    return False


def _count_agrees(text: str, expected: int, table: str) -> bool:
    """The exercise's count, or one of four digits or more that the summary's ``table`` prints."""
    digits = str(expected)
    if text.isdigit():
        written = text
    elif text.replace(",", "") == digits:
        return True
    else:
        for mark in ("=", ">", "→"):
            text = text.rpartition(mark)[2]
        written = "".join(text.translate(_NOT_DIGITS).split())
    if written == digits:
        return True
    if not 4 <= len(written) <= 30 or not written.isascii() or not written.isdigit():
        return False  # (a count has at most 30 digits: values.MAX_DIGITS)
    # Keras 3 and PyTorch's summaries group digits, Keras 2's do not
    return _printed_number(f"{int(written):,}", table) or _printed_number(written, table)


def _printed_number(number: str, text: str) -> bool:
    """``number`` in ``text`` as a whole number (not part of a longer one)."""
    at = text.find(number)
    while at >= 0:
        before, after = text[at - 1:at], text[at + len(number):at + len(number) + 1]
        if not (before.isdigit() or before in (",", ".") and at > 1 and text[at - 2].isdigit()) and \
                not (after.isdigit() or after in (",", ".") and text[at + len(number) + 1:][:1].isdigit()):
            return True
        at = text.find(number, at + 1)
    return False


_NOT_DIGITS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isdigit()})


def _same_numbers(quantity: str, written: str, printed: str) -> bool:
    """The same numbers in other spellings, without parsing: (6, 6, 64) and 6x6x64 or
    64x6x6 (a shape in either layout), 1,792 and 1'792, or working whose result follows its
    last '=' or arrow (``(3*3*3+1)*64 = 1792``). False sends both to the value parsers."""
    for mark in ("=", ">", "→"):
        written = written.rpartition(mark)[2]
    ours, theirs = written.translate(_NOT_DIGITS).split(), printed.translate(_NOT_DIGITS).split()
    if quantity == "output_shape":
        return sorted(ours) == sorted(theirs)
    return "".join(ours) == "".join(theirs) != ""


def _read(quantity: str, text: str, rank: int | None = None):
    """The value of a raw answer, for comparing only (None when it does not read); shapes
    in any layout compare alike."""
    try:
        if quantity == "output_shape":
            # unknown sizes left out: (None, None, 16) printed and ?x16 written agree
            return tuple(sorted(d for d in parse_shape(text, rank).dims if d is not None))
        return parse_count(text).value
    except AnswerFormatError:
        return None


def _from_summaries(cells: list[Cell], exercise: Exercise, problems: list[str]) -> _Found | None:
    """The last model summary the notebook printed (the only one read)."""
    for cell in reversed(cells):
        if cell.kind == "code" and cell.outputs:
            read = _summary_in(cell, exercise)
            if read is not None:
                found = _Found(source=f"{read[0]}, cell {cell.number}")
                found.add(read[1])
                return found
    return None


def _summary_in(cell: Cell, exercise: Exercise) -> tuple[str, Matched] | None:
    """The last model summary printed by a code cell, matched by order and kind."""
    text = output_text(cell.outputs)
    if not text:
        return None
    summary = _last_summary(text, f"cell {cell.number}")
    if summary is None:
        return None
    matched = assign_rows(exercise, summary.rows, by_name=False)
    for quantity, raw in summary.totals.items():
        matched.values.setdefault((None, quantity), raw)
    return f"{summary.style} summary", matched


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
