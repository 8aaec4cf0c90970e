"""Answers written as data in a cell: ``answers = {...}`` read with :mod:`ast` (never run)
and YAML read with a safe loader, both size-bounded, then turned into rows of raw text.

Values stay as written: YAML numbers are not converted (``1.790`` must not become 1.79),
and a Python expression such as ``(3*3*3+1)*64`` is kept as its source text for
:mod:`grader.values` to read.
"""
from __future__ import annotations

import ast
import re
from typing import Any

import yaml

from ..answers import RawAnswer
from .markdown import INDEX, LAYER, TYPE, role_of
from .matching import Row, total_quantity

MAX_CHARS = 100_000   # an answers cell is a few hundred characters
MAX_NODES = 20_000    # literal nodes, and entries walked after YAML aliases


class CellProblem(Exception):
    """A cell that was meant to hold answers but cannot be read; the message says why."""


class _Source(str):
    """A Python expression that is not a literal, kept as the text the student wrote."""


# -- Python -----------------------------------------------------------------------------------

_MAGIC = re.compile(r"^[ \t]*[%!?].*$", re.MULTILINE)


def python_answers(text: str) -> Any:
    """The dict a code cell assigns (``answers = {...}`` preferred, else the last dict
    assigned), or None; CellProblem when the cell is not Python."""
    if len(text) > MAX_CHARS:
        raise CellProblem(f"the cell is over {MAX_CHARS:,} characters")
    source = _MAGIC.sub("", text)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise CellProblem(f"Python syntax error on line {exc.lineno}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise CellProblem("the cell cannot be read as Python") from None
    chosen = None
    for node in tree.body:
        target, value = _assignment(node)
        if target is None or not _is_mapping(value):
            continue
        if chosen is None or target.lower() in ("answers", "answer") or chosen[0].lower() not in (
                "answers", "answer"):
            chosen = (target, value)
    if chosen is None:
        return None
    budget = [MAX_NODES]
    try:
        return _literal(chosen[1], _Lines(source), budget)
    except RecursionError:
        raise CellProblem("the dict is nested too deeply") from None


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id, node.value
    return None, None


def _is_mapping(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Dict) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
        and not node.args and all(k.arg for k in node.keywords))


def _literal(node: ast.AST, source: "_Lines", budget: list[int]) -> Any:
    """Literal values walked by hand; anything else becomes its source text."""
    budget[0] -= 1
    if budget[0] < 0:
        raise CellProblem(f"the dict has more than {MAX_NODES:,} values")
    if isinstance(node, ast.Constant):
        value = node.value  # numbers as written: 1.790 must not become 1.79
        return value if isinstance(value, (str, bool, type(None))) else _segment(node, source)
    if isinstance(node, ast.Dict):
        out = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                continue  # **spread
            k = _literal(key, source, budget)
            out[k if isinstance(k, (str, int, float, bool, type(None))) else str(k)] = _literal(value, source, budget)
        return out
    if isinstance(node, ast.Call) and _is_mapping(node):
        return {k.arg: _literal(k.value, source, budget) for k in node.keywords}
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e, source, budget) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    return _segment(node, source)


class _Lines:
    """The source with each line's start, so that a node's text is one slice
    (``ast.get_source_segment`` splits the whole source again for every node)."""

    def __init__(self, source: str):
        self.source = source
        self.ascii = source.isascii()
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source)]  # Python's line ends


def _segment(node: ast.AST, lines: _Lines) -> _Source:
    if not lines.ascii:  # column offsets count UTF-8 bytes: let ast convert them
        return _Source(ast.get_source_segment(lines.source, node) or "")
    try:
        start = lines.starts[node.lineno - 1] + node.col_offset
        end = lines.starts[node.end_lineno - 1] + node.end_col_offset
    except (AttributeError, IndexError, TypeError):
        return _Source("")
    return _Source(lines.source[start:end])


# -- YAML -------------------------------------------------------------------------------------

class _RawLoader(yaml.SafeLoader):
    """PyYAML's safe loader with only ``null`` typed: numbers stay the text written."""


_RawLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def yaml_answers(text: str) -> Any:
    """A YAML mapping or list of answers, or None for YAML that is only text; CellProblem
    when it is not YAML at all."""
    if len(text) > MAX_CHARS:
        raise CellProblem(f"the cell is over {MAX_CHARS:,} characters")
    try:
        data = yaml.load(text, Loader=_RawLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" on line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise CellProblem(f"YAML error{line}: {problem}") from None
    except (RecursionError, MemoryError):
        raise CellProblem("the YAML is nested too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError):
        raise CellProblem("a value with a tag (!!int, !!bool, ...) cannot be read as that type") from None
    return data if isinstance(data, (dict, list)) else None


# -- data to rows -----------------------------------------------------------------------------

_CONTAINERS = ("answers", "answer", "layers", "solution", "results")


def mapping_rows(data: Any, where: str) -> tuple[list[Row], dict[str, RawAnswer], list[str]]:
    """Rows (one per layer key, in order), model-wide totals and notes, from any of:
    ``{conv1: {output_shape: 6x6x64, params: 1792}, total: 79261}``,
    ``{"conv1.params": 1792}``, ``{params: {conv1: 1792}}``, ``[{layer: conv1, params: 1792}]``,
    ``{conv1: [6x6x64, 1792]}``; optionally inside ``answers:`` or ``layers:``."""
    walk = _Walk(where)
    walk.data(data)
    return list(walk.rows.values()), walk.totals, walk.notes


class _Walk:
    def __init__(self, where: str):
        self.where = where
        self.rows: dict[str, Row] = {}
        self.totals: dict[str, RawAnswer] = {}
        self.notes: list[str] = []
        self.budget = MAX_NODES

    def spend(self) -> bool:
        self.budget -= 1
        if self.budget == 0:
            self.notes.append(f"{self.where}: more than {MAX_NODES:,} entries; the rest was not read")
        return self.budget > 0

    def data(self, data: Any, depth: int = 0) -> None:
        if isinstance(data, list):
            for item in data:
                if not self.spend():
                    return
                self.list_item(item)
            return
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            if not self.spend():
                return
            self.entry(str(key), value, depth)

    def list_item(self, item: Any) -> None:
        if not isinstance(item, dict):
            return
        label, cells = None, {}
        for key, value in item.items():
            role = role_of(str(key))
            if role == LAYER and label is None:
                label = _text(value)
            elif role not in (None, LAYER, TYPE, INDEX):
                cells[role] = value
        if label:
            for quantity, value in cells.items():
                self.cell(label, quantity, value, f"{label}.{quantity}")

    def entry(self, key: str, value: Any, depth: int) -> None:
        name = key.strip()
        total = total_quantity(name)
        if total:
            if isinstance(value, dict):
                value = next((v for k, v in value.items() if role_of(str(k)) == "params"), None)
            if value is not None and not isinstance(value, (dict, list)):
                self.totals.setdefault(total, RawAnswer(_text(value), f"{self.where}, key '{key}'"))
            return
        role = role_of(name)
        if depth == 0 and name.lower() in _CONTAINERS and isinstance(value, (dict, list)):
            self.data(value, depth + 1)
            return
        if role not in (None, LAYER, TYPE, INDEX) and isinstance(value, dict):
            for layer, v in value.items():  # {params: {conv1: 1792, ...}}
                if not self.spend():
                    return
                if total_quantity(str(layer)) and role == "params":
                    self.entry(str(layer), v, depth + 1)
                else:
                    self.cell(str(layer), role, v, f"{key}.{layer}")
            return
        if isinstance(value, dict):
            for k, v in value.items():
                if not self.spend():
                    return
                quantity = role_of(str(k))
                if quantity not in (None, LAYER, TYPE, INDEX):
                    self.cell(name, quantity, v, f"{key}.{k}")
            self.rows.setdefault(name, Row(label=name))
            return
        if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], (str, list, tuple)) \
                and not isinstance(value[1], (list, tuple, dict)):
            self.cell(name, "output_shape", value[0], key)
            self.cell(name, "params", value[1], key)
            return
        split = _split_key(name)
        if split is not None:
            self.cell(split[0], split[1], value, key)
            return
        self.notes.append(f"{self.where}: key '{key}' names no layer quantity (write e.g. "
                          f"{name}: {{output_shape: ..., params: ...}}) and was not read")

    def cell(self, label: str, quantity: str, value: Any, key: str) -> None:
        label = label.strip()
        row = self.rows.setdefault(label, Row(label=label))
        text = _text(value)
        if text and quantity not in row.cells:
            row.cells[quantity] = RawAnswer(text, f"{self.where}, key '{key}'")


def _split_key(key: str) -> tuple[str, str] | None:
    """``conv1.params``, ``conv1 output shape``, ``conv1_output_shape`` -> (layer, quantity)."""
    for m in re.finditer(r"[._\s/:-]+", key):
        head, tail = key[:m.start()], key[m.end():]
        role = role_of(tail)
        if head and role not in (None, LAYER, TYPE, INDEX):
            return head, role
    return None


def _text(value: Any) -> str:
    """A value as the text a student wrote: lists as ``(6, 6, 64)``; nested data is not
    formatted (an alias bomb would make that explode), so it reads as unreadable."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        if len(value) > 64 or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                      for v in value):
            return "(a nested list)"
        parts = [_text(v) for v in value]
        return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
    return "(a mapping)"
