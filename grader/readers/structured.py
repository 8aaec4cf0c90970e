"""Answers written as data — a YAML or JSON answer file, a YAML cell, ``answers = {...}`` or
``answers = [...]`` in a code cell — read without running anything, then walked into rows.

One reader for the answer files and the notebooks: the same loaders (every value kept as
the text written, with its line: ``8.320`` stays ``8.320``, ``(3*3*3+1)*64`` stays the
expression) and the same walk. The walk's rules, in order, for each key of a mapping:

1. a key that names a layer of the exercise is that layer, whatever the word (a layer
   called ``output``, ``total``, ``params`` or ``layers`` is a layer: issue 10), when its
   value reads as a layer's answers;
2. at the top, ``student`` and ``exercise`` say who answered and for what;
3. a total (``total``, ``total_params``, ``Total params``) is a model-wide answer;
4. at the top, ``answers``, ``layers`` (and alike) hold the layers, as a mapping or a list;
5. a quantity holding a mapping is answers by layer: ``params: {conv1: 1792}``;
6. a mapping, or a pair ``[shape, count]``, is one layer's answers: ``conv1: {output_shape:
   6x6x64, params: 1792}`` (any other name is matched by order later);
7. a key naming a layer and a quantity is one answer: ``conv1.params``, ``conv1 output shape``;
8. a bare value answers the only per-layer quantity the exercise asks.

A list holds rows: ``{layer: conv1, output_shape: 6x6x64, params: 1792}`` (``layer`` or
``name``; without one, the row is matched by order; ``{layer: total, params: 79261}`` is the
total) or tuples ``(label, shape, count)``. A list value is a shape (``[6, 6, 64]``); two
bare numbers are not read (``(128, 0)``: a shape, or a shape and a count?). A null value is
not an answer. What is not understood is noted, never fatal; a duplicate key, an unknown
YAML tag or a document over the size budget is a :class:`StructureProblem`.
"""
from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..answers import RawAnswer
from ..exercise import LAYER_QUANTITIES, Exercise
from .matching import Row
from .surrogates import clean_tree, may_hold_surrogates
from .vocabulary import (INDEX, LAYER, TYPE, exact_role, is_container, lookup_of, meta_of, quantity_of, role_of, split_key,
                         total_of)

MAX_CHARS = 100_000   # characters of an answers cell (answer files have their own limit in bytes)
MAX_NODES = 100_000   # values, YAML aliases expanded, and Python literal nodes
MAX_DEPTH = 64        # nesting of lists and mappings
MAX_VALUE = 1_000     # characters of one value written back as text

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it


class StructureProblem(Exception):
    """Text meant to hold answers that cannot be read; ``line`` (1-based) when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class Leaf(str):
    """A value as the text written, with its line when known (a ``str``: compares as one)."""

    line: int | None = None


def _leaf(text: str, line: int | None) -> Leaf:
    leaf = Leaf(text)
    leaf.line = line
    return leaf


# -- YAML -------------------------------------------------------------------------------------

_YAML_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "binary",
                                                 "seq", "map", "merge", "value", "set", "omap", "pairs")}
_NULL = "tag:yaml.org,2002:null"


def load_yaml(text: str) -> Any:
    """Mappings, lists, :class:`Leaf` texts and None (null); None for an empty document."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _YamlTree(loader).build(node)
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1
        code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise StructureProblem(f"a character YAML does not allow ({code})", line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        line = mark.line + 1 if mark else None
        if "another document" in problem:
            raise StructureProblem("more than one YAML document ('---'); answers are one document", line) from None
        raise StructureProblem(f"YAML syntax error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise StructureProblem(f"YAML error: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise StructureProblem(f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)") from None
    finally:
        loader.dispose()


class _YamlTree:
    """Composed YAML nodes to plain data, nothing constructed: scalars stay the text written.
    Aliases are expanded within :data:`MAX_NODES` (an alias bomb stops there)."""

    def __init__(self, loader):
        self.loader = loader
        self.count = 0
        self.path: list[int] = []

    def build(self, node: yaml.Node) -> Any:
        line = node.start_mark.line + 1
        self.count += 1
        if self.count > MAX_NODES:
            raise StructureProblem(f"the document expands to more than {MAX_NODES:,} values (through "
                                   "aliases?); answers are far smaller", line)
        if node.tag not in _YAML_TAGS:
            raise StructureProblem(f"the tag '{node.tag}' is not allowed in answers", line)
        if isinstance(node, yaml.ScalarNode):
            return None if node.tag == _NULL else _leaf(node.value.strip(), line)
        if id(node) in self.path:
            raise StructureProblem("a recursive alias refers to itself", line)
        if len(self.path) >= MAX_DEPTH:
            raise StructureProblem(f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)", line)
        self.path.append(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(child) for child in node.value]
            return self.mapping(node)
        finally:
            self.path.pop()

    def mapping(self, node: yaml.MappingNode) -> dict:
        explicit = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        try:
            self.loader.flatten_mapping(node)  # merge keys (<<: *defaults) come first
        except yaml.YAMLError as exc:
            problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
            raise StructureProblem(f"invalid merge: {problem}", node.start_mark.line + 1) from None
        merged = len(node.value) - explicit
        out: dict = {}
        for i, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise StructureProblem("a key must be a plain name, not a list or mapping",
                                       key_node.start_mark.line + 1)
            key = key_node.value.strip()
            if key in out and i >= merged:  # merged keys may be overridden; written ones may not repeat
                raise StructureProblem(f"duplicate key '{key}'", key_node.start_mark.line + 1)
            out[key] = self.build(value_node)
        return out


# -- JSON -------------------------------------------------------------------------------------

def load_json(text: str) -> Any:
    """Like :func:`load_yaml`; numbers stay as written (``1.790e3``), without lines."""
    def pairs(items: list[tuple[str, Any]]) -> dict:
        out: dict = {}
        for key, value in items:
            if key in out:
                raise StructureProblem(f"duplicate key '{key}'")
            out[key] = value
        return out

    try:
        tree = json.loads(text, object_pairs_hook=pairs, parse_float=Leaf, parse_int=Leaf, parse_constant=Leaf)
    except json.JSONDecodeError as exc:
        raise StructureProblem(f"JSON syntax error: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise StructureProblem("the JSON is nested too deeply") from None
    return clean_tree(tree) if may_hold_surrogates(text) else tree


# -- Python -----------------------------------------------------------------------------------

_MAGIC = re.compile(r"^[ \t]*[%!?].*$", re.MULTILINE)


def load_python(text: str) -> Any:
    """The answers a code cell assigns — ``answers = {...}`` or ``answers = [...]`` (any name
    with ``answer`` in it), else the last dict assigned — or None; read with :mod:`ast`,
    never run. Literals become data, any other expression its source text."""
    if len(text) > MAX_CHARS:
        raise StructureProblem(f"the cell is over {MAX_CHARS:,} characters")
    source = _MAGIC.sub("", text)
    try:
        with warnings.catch_warnings():  # '\c' or 1_a in a student's cell: Python's warnings are not for the class run
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except SyntaxError as exc:
        raise StructureProblem(f"Python syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError, MemoryError):
        raise StructureProblem("the cell cannot be read as Python") from None
    chosen = None
    for node in tree.body:
        target, value = _assignment(node)
        if target is None:
            continue
        named = "answer" in target.lower()
        if named and isinstance(value, (ast.List, ast.Tuple)) or _is_mapping(value):
            if chosen is None or named or not chosen[0]:
                chosen = (named, value)
    if chosen is None:
        return None
    try:
        return _PythonTree(source).build(chosen[1])
    except RecursionError:
        raise StructureProblem("the answers are nested too deeply") from None


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


class _PythonTree:
    """Literal nodes to plain data: strings as they are, numbers and expressions as the
    source text (``1.790`` must not become 1.79), with their lines."""

    def __init__(self, source: str):
        self.source = source
        self.ascii = source.isascii()
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source)]  # Python's line ends
        self.budget = MAX_NODES

    def build(self, node: ast.AST) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise StructureProblem(f"the answers hold more than {MAX_NODES:,} values")
        line = getattr(node, "lineno", None)
        if isinstance(node, ast.Constant):
            if node.value is None:
                return None
            if isinstance(node.value, str):
                return _leaf(node.value, line)
            return _leaf(self.segment(node), line)
        if isinstance(node, ast.Dict):
            out: dict = {}
            for key, value in zip(node.keys, node.values):
                if key is None:
                    continue  # **spread
                name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else \
                    self.segment(key)
                if name in out:
                    raise StructureProblem(f"duplicate key '{name}'", key.lineno)
                out[name] = self.build(value)
            return out
        if isinstance(node, ast.Call) and _is_mapping(node):
            return {k.arg: self.build(k.value) for k in node.keywords}
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.build(e) for e in node.elts]
        return _leaf(self.segment(node), line)

    def segment(self, node: ast.AST) -> str:
        if not self.ascii:  # column offsets count UTF-8 bytes: let ast convert them
            return ast.get_source_segment(self.source, node) or ""
        try:
            start = self.starts[node.lineno - 1] + node.col_offset
            end = self.starts[node.end_lineno - 1] + node.end_col_offset
        except (AttributeError, IndexError, TypeError):
            return ""
        return self.source[start:end]


# -- the walk ---------------------------------------------------------------------------------

@dataclass
class Structured:
    """What a structured answer holds: rows in order, totals, notes, and who/what it says."""

    rows: list[Row] = field(default_factory=list)
    totals: dict[str, RawAnswer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Leaf] = field(default_factory=dict)  # student, exercise


def walk(tree: Any, exercise: Exercise, where: str = "") -> Structured:
    """The rows, totals and notes of a loaded document (see the module's rules).
    ``where`` ("cell 3") starts every place and note."""
    state = _Walk(exercise, where)
    if isinstance(tree, list):
        state.rows_list(tree)
    elif isinstance(tree, dict):
        state.mapping(tree, top=True)
    return Structured(list(state.rows.values()), state.totals, state.notes, state.meta)


class _Walk:
    def __init__(self, exercise: Exercise, where: str):
        self.lookup = lookup_of(exercise)
        asked = [q for q in LAYER_QUANTITIES if exercise.ask.get(q)]
        self.single = asked[0] if len(asked) == 1 else None
        self.prefix = f"{where}, " if where else ""
        self.rows: dict[str, Row] = {}
        self.totals: dict[str, RawAnswer] = {}
        self.notes: list[str] = []
        self.meta: dict[str, Leaf] = {}
        self.budget = MAX_NODES

    def spend(self) -> bool:
        self.budget -= 1
        if self.budget == 0:
            self.notes.append(f"{self.prefix}more than {MAX_NODES:,} entries; the rest was not read")
        return self.budget > 0

    def place(self, value: Any, name: str) -> str:
        line = _first_line(value)
        return f"{self.prefix}line {line} ('{name}')" if line else f"{self.prefix}'{name}'"

    def note(self, value: Any, name: str, text: str) -> None:
        self.notes.append(f"{self.place(value, name)}: {text}")

    # mappings ---------------------------------------------------------------------------------
    def mapping(self, data: dict, top: bool) -> None:
        for key, value in data.items():
            if not self.spend():
                return
            self.entry(str(key).strip(), value, top)

    def entry(self, key: str, value: Any, top: bool) -> None:
        layer = self.lookup.find(key)
        if layer is not None and self.layer_like(value, key):
            self.layer(key, value)
            return
        meta = meta_of(key) if top else None
        if meta and isinstance(value, (str, bool)):
            self.meta.setdefault(meta, str(value).lower() if isinstance(value, bool) else value)
            return
        total = total_of(key)
        if total:
            self.total(total, value, key)
            return
        if top and is_container(key) and isinstance(value, (dict, list)):
            if isinstance(value, list):
                self.rows_list(value)
            else:
                self.mapping(value, top=False)
            return
        quantity = quantity_of(key)
        if quantity and isinstance(value, dict):
            self.by_layer(quantity, value, key)
            return
        if isinstance(value, dict) or _pair(value) is not None:
            self.layer(key, value)
            return
        split = split_key(key, self.lookup)
        if split is not None:
            self.cell(split[0], split[1], value, key)
            return
        if layer is not None or (self.single and not isinstance(value, dict)):
            self.layer(key, value)
            return
        self.note(value, key, f"'{key}' names no layer and quantity; not graded")

    def layer_like(self, value: Any, key: str) -> bool:
        """Whether the value of a key that names a layer reads as that layer's answers (and
        not, say, ``layers: {conv1: ...}`` where a layer is called ``layers``)."""
        if isinstance(value, dict):  # answers are never mappings; a layer's keys say what they hold
            return not value or (not any(isinstance(v, dict) for v in value.values())
                                 and any(exact_role(str(k)) for k in value))
        if value is None or _pair(value) is not None:
            return True
        return self.single is not None and total_of(key) is None

    def layer(self, label: str, value: Any) -> None:
        """One layer's answers: a mapping of quantities, a [shape, count] pair, or a bare value."""
        if isinstance(value, dict):
            row = self.row(label)
            for key, v in value.items():
                if not self.spend():
                    return
                key = str(key).strip()
                role = role_of(key)
                if role == TYPE:
                    row.type = v.strip() if isinstance(v, str) else row.type
                elif role in (LAYER, INDEX):
                    continue
                elif role is None:
                    self.note(v, label, f"'{key}' of '{label}' is not a quantity ({', '.join(LAYER_QUANTITIES)}); "
                                        "not graded")
                else:
                    self.cell(label, role, v, f"{label}.{key}")
            return
        pair = _pair(value)
        if pair is not None:
            self.cell(label, "output_shape", pair[0], label)
            self.cell(label, "params", pair[1], label)
        elif value is None:
            self.row(label)
        elif self.single and (not isinstance(value, list) or self.single == "output_shape"):
            self.cell(label, self.single, value, label)
        elif isinstance(value, list) and _numbers(value) and len(value) != 2:
            self.cell(label, "output_shape", value, label)  # a list is a shape: a count is never one
        elif isinstance(value, list) and _numbers(value):
            self.note(value, label, f"'{label}: {_text(value)}' is two numbers: a shape, or a shape and a count? "
                                    f"write '{label}: {{output_shape: ..., params: ...}}'; not graded")
        else:
            self.note(value, label, f"'{label}' needs its answers by name, such as "
                                    f"'{label}: {{output_shape: ..., params: ...}}'; not graded")

    def by_layer(self, quantity: str, value: dict, key: str) -> None:
        """``params: {conv1: 1792, ..., total: 79261}``."""
        for label, v in value.items():
            if not self.spend():
                return
            label = str(label).strip()
            total = total_of(label) if self.lookup.find(label) is None else None
            if total and quantity == "params":
                self.total(total, v, f"{key}.{label}")
            else:
                self.cell(label, quantity, v, f"{key}.{label}")

    def total(self, quantity: str, value: Any, key: str) -> None:
        if isinstance(value, dict):  # total: {params: 79261}
            value = next((v for k, v in value.items() if role_of(str(k)) in ("params", "trainable_params")), None)
        text = _text(value)
        if not text:
            return
        if quantity in self.totals:
            self.note(value, key, f"a second answer for {quantity}; the first is graded")
            return
        self.totals[quantity] = RawAnswer(text, self.place(value, key))

    # lists ------------------------------------------------------------------------------------
    def rows_list(self, items: list) -> None:
        for position, item in enumerate(items, start=1):
            if not self.spend():
                return
            if isinstance(item, dict):
                self.row_item(item, position)
            elif isinstance(item, list) and len(item) == 3 and _label(item[0]):
                label = item[0].strip()  # (label, shape, count)
                self.cell(label, "output_shape", item[1], label)
                self.cell(label, "params", item[2], label)
            elif isinstance(item, list) and len(item) == 2 and _label(item[0]):
                self.layer(item[0].strip(), item[1])
            else:
                self.note(item, f"row {position}", f"row {position} is not a mapping such as "
                                                   "'{layer: conv1, params: 1792}'; not graded")

    def row_item(self, item: dict, position: int) -> None:
        label = next((v.strip() for k, v in item.items() if role_of(str(k)) == LAYER and isinstance(v, str)
                      and v.strip()), None)
        self.layer(label or f"row {position}", {k: v for k, v in item.items() if role_of(str(k)) != LAYER})

    # cells ------------------------------------------------------------------------------------
    def row(self, label: str) -> Row:
        row = self.rows.get(label)
        if row is None:
            row = self.rows[label] = Row(label=label)
        return row

    def cell(self, label: str, quantity: str, value: Any, name: str) -> None:
        label = label.strip()
        row = self.row(label)
        text = _text(value)
        if not text:
            return  # null: not answered
        if quantity in row.cells:
            self.note(value, name, f"a second answer for {label} {quantity}; the first is graded")
            return
        row.cells[quantity] = RawAnswer(text, self.place(value, name))


def _label(value: Any) -> bool:
    """A row's first item that is a label (``"conv1"``), not a number or a shape."""
    return isinstance(value, str) and bool(re.match(r"\s*[^\W\d]", value)) and value.strip().lower() not in (
        "none", "null")


_NUMBER = re.compile(r"[-+]?\d[\d_.,' ]*(?:[eE][-+]?\d+)?")


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text.strip()) is not None


def _numbers(value: list) -> bool:
    return all(v is None or (isinstance(v, str) and (_is_number(v) or v.strip().lower() in ("none", "null", "?")))
               for v in value)


def _pair(value: Any) -> tuple[Any, Any] | None:
    """``[shape, count]``: a list (or a text that is not a bare number), then a scalar."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    shape, count = value
    if isinstance(count, (list, dict)) or not (isinstance(shape, list) or (isinstance(shape, str)
                                                                          and not _is_number(shape))):
        return None
    return shape, count


def _text(value: Any) -> str | None:
    """A value as the text a student wrote: lists as ``(6, 6, 64)``, at most MAX_VALUE characters."""
    if value is None:
        return None
    if isinstance(value, bool):  # JSON's true and false
        return "true" if value else "false"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list) and len(value) <= 16:  # a shape: most lists
        items = [item.strip() for item in value if isinstance(item, str)]
        if len(items) == len(value):
            text = "(" + ", ".join(items) + ")"
            if len(text) <= MAX_VALUE // 4:  # far from the limit, where _write would stop early
                return text
    parts: list[str] = []
    _write(value, parts, [MAX_VALUE])
    text = "".join(parts)
    return text if len(text) <= MAX_VALUE else "(a value too long to read)"


def _write(value: Any, parts: list[str], room: list[int]) -> None:
    """Nested lists and mappings as text, stopping once ``room`` characters are spent (an
    alias bomb must not be written out)."""
    if room[0] < 0:
        return
    if isinstance(value, list):
        parts.append("(")
        for i, item in enumerate(value):
            if i:
                parts.append(", ")
            _write(item, parts, room)
        parts.append(")")
    elif isinstance(value, dict):
        parts.append("{")
        for i, (key, item) in enumerate(value.items()):
            parts.append(f"{', ' if i else ''}{key}: ")
            _write(item, parts, room)
        parts.append("}")
    else:
        parts.append("None" if value is None else _text(value) or "")
    room[0] -= len(parts[-1]) + 2


def _first_line(value: Any) -> int | None:
    if isinstance(value, Leaf):
        return value.line
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    budget = 64
    for item in items:
        line = _first_line(item)
        budget -= 1
        if line or not budget:
            return line
    return None
