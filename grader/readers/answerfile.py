"""Reading answer files: a student's answers written as YAML or JSON (SPEC section 2).

The format, in YAML (JSON has the same structure)::

    student: s123                   # optional: who answered (--student and LMS names come first)
    exercise: cnn-8x8x3             # optional: noted when it is not the exercise being graded
    layers:                         # one entry per layer, in order
      conv1: {output_shape: 6x6x64, params: 1792}
      pool1: {output_shape: [3, 3, 64], params: 0}
      conv2: {output_shape: (3, 3, 128), params: (1*1*64+1)*128}
    total_params: 79261

Also accepted:

- the layers at the top level, without ``layers:`` (``conv1: {params: 1792}``);
- one key per answer: ``conv1.params: 1792`` or ``conv1 output shape: 6x6x64``;
- a list of rows, at the top level or under ``layers``:
  ``- {layer: conv1, output_shape: 6x6x64, params: 1792}`` (``layer`` or ``name``; a row
  ``{layer: total, params: 79261}`` is the total);
- ``answers:`` in place of ``layers:``.

Quantity keys are spelled as in the exercise (``output_shape``, ``params``,
``trainable_params``, ``non_trainable_params``, ``macs``) or as people write them
(``shape``, ``output shape``, ``parameters``, ``Param #``); model-wide answers are
``total_params`` (or ``total``), ``total_trainable_params``, ``total_non_trainable_params``.
When the exercise asks a single per-layer quantity, ``conv1: 1792`` answers it. Layers are
matched by name, else by order. A value may be text, a number or a list: a list is a shape
(``[6, 6, 64]`` is read as ``(6, 6, 64)``). Values are kept as written (``8.320`` stays
``8.320``) for ``grader.values`` to parse; nothing in the file is executed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import yaml

from .. import yamlsource
from ..answers import Answers, Identity, RawAnswer
from ..errors import ExerciseError, SubmissionError
from ..exercise import Exercise, LAYER_QUANTITIES
from .labels import model_quantity_of, quantity_of, strict_key
from .matching import Row, assign_rows, normalize
from .surrogates import clean_tree, may_hold_surrogates

MAX_BYTES = 1_000_000  # an answer file is a few hundred bytes
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it, as yamlsource
_LABEL_KEYS = {"layer", "name", "layername"}
_TYPE_KEYS = {"type", "class", "kind"}
_LIST_KEYS = {"layers", "answers"}


@dataclass(frozen=True)
class _Leaf:
    """A scalar as written in the file (None for null), with its line when known."""

    text: str | None
    line: int | None = None


def read_answer_file(data: bytes, shown: str, exercise: Exercise, identity: Identity,
                     suffix: str = ".yaml") -> Answers:
    """The answers in a YAML (``.yaml``/``.yml``) or JSON (``.json``) answer file."""
    text = _text(data, shown)
    kind = "JSON" if suffix == ".json" else "YAML"
    tree = _load_json(text, shown) if kind == "JSON" else _load_yaml(text, shown)
    if isinstance(tree, _Leaf) and tree.text is None:
        raise SubmissionError("the answer file is empty", file=shown)
    if not isinstance(tree, (dict, list)):
        raise SubmissionError("an answer file is a mapping such as 'layers: {conv1: {output_shape: "
                              "6x6x64, params: 1792}}' or a list of rows", file=shown, line=tree.line)
    answers = Answers(submission=shown, identity=identity, source=f"answer file ({kind})")
    rows: dict[str, Row] = {}
    if isinstance(tree, list):
        _list_rows(tree, rows, answers)
    else:
        _top_level(tree, rows, answers, exercise)
    values, notes = assign_rows(exercise, list(rows.values()))
    for key, value in values.items():
        answers.values.setdefault(key, value)
    answers.notes.extend(notes)
    return answers


# -- reading the text ------------------------------------------------------------------------

def _text(data: bytes, shown: str) -> str:
    if len(data) > MAX_BYTES:
        raise SubmissionError(f"the answer file is {len(data) / 1e6:.1f} MB; an answer file may be at "
                              f"most {MAX_BYTES / 1e6:g} MB", file=shown)
    if b"\x00" in data:
        raise SubmissionError("is a binary file, not a YAML or JSON answer file", file=shown)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SubmissionError("the answer file is not UTF-8 text; save it as UTF-8",
                              file=shown, line=line) from None


def _load_yaml(text: str, shown: str) -> Any:
    """The document with every scalar as written, after yamlsource's safety checks."""
    try:
        yamlsource.parse(text, shown)  # syntax, duplicate keys, recursive aliases, alias-bomb budget
    except ExerciseError as exc:
        message = exc.message.replace("an exercise is far smaller", "an answer file is far smaller")
        raise SubmissionError(message, file=shown, line=exc.line) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return _Leaf(None) if node is None else _raw(node, loader)
    finally:
        loader.dispose()


def _raw(node: yaml.Node, loader: Any) -> Any:
    """Dicts, lists and _Leaf scalars: the raw text keeps ``8.320`` from becoming ``8.32``."""
    if isinstance(node, yaml.ScalarNode):
        null = node.tag == "tag:yaml.org,2002:null"
        return _Leaf(None if null else node.value.strip(), node.start_mark.line + 1)
    if isinstance(node, yaml.SequenceNode):
        return [_raw(child, loader) for child in node.value]
    loader.flatten_mapping(node)  # merge keys (<<: *defaults), already checked by yamlsource
    return {str(key.value): _raw(value, loader) for key, value in node.value}


def _load_json(text: str, shown: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict:
        out: dict = {}
        for key, value in items:
            if key in out:
                raise SubmissionError(f"duplicate key '{key}'", file=shown)
            out[key] = value
        return out

    try:
        tree = json.loads(text, object_pairs_hook=pairs, parse_float=_Leaf, parse_int=_Leaf,
                          parse_constant=_Leaf)
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"JSON syntax error: {exc.msg}", file=shown, line=exc.lineno) from None
    except RecursionError:
        raise SubmissionError("the JSON is nested too deeply", file=shown) from None
    if may_hold_surrogates(text):
        tree = clean_tree(tree)
    return _leaves(tree)


def _leaves(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _leaves(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_leaves(v) for v in value]
    if isinstance(value, _Leaf) or value is None:
        return value or _Leaf(None)
    if isinstance(value, bool):
        return _Leaf("true" if value else "false")
    return _Leaf(str(value))


# -- interpreting the document ---------------------------------------------------------------

def _top_level(tree: dict, rows: dict[str, Row], answers: Answers, exercise: Exercise) -> None:
    layer_names = {normalize(n) for n in exercise.layer_names}
    single = [q for q in LAYER_QUANTITIES if exercise.ask.get(q)]
    for key, value in tree.items():
        norm = normalize(key)
        if norm == "student":
            _student(value, answers)
        elif norm == "exercise":
            if isinstance(value, _Leaf) and value.text and value.text != exercise.id:
                answers.notes.append(f"the file says exercise '{value.text}'; graded as '{exercise.id}'")
        elif norm in _LIST_KEYS and isinstance(value, list):
            _list_rows(value, rows, answers)
        elif norm in _LIST_KEYS and isinstance(value, dict):
            for label, cells in value.items():
                _layer_entry(label, cells, rows, answers, single)
        elif norm not in layer_names and model_quantity_of(key):
            _model_value(model_quantity_of(key), value, answers, key)
        elif isinstance(value, dict) or norm in layer_names:
            _layer_entry(key, value, rows, answers, single)
        else:
            _answer_key(key, value, rows, answers, exercise)


def _student(value: Any, answers: Answers) -> None:
    if not isinstance(value, _Leaf) or not value.text:
        return
    identity = answers.identity
    if identity.source == "file name":
        answers.identity = replace(identity, student=value.text, source="answer file")
    elif value.text != identity.student:
        answers.notes.append(f"the file says student '{value.text}'; graded as '{identity.student}' "
                             f"(from {identity.source})")


def _answer_key(key: str, value: Any, rows: dict[str, Row], answers: Answers, exercise: Exercise) -> None:
    """``conv1.params: 1792`` and ``conv1 output shape: 6x6x64``."""
    label, dot, quantity = key.rpartition(".")
    found = (label, quantity_of(quantity)) if dot and quantity_of(quantity) else strict_key(key, exercise)
    if found is None or found[0] is None:
        answers.notes.append(f"{_where(value, key)}: '{key}' names no layer and quantity; not graded")
        return
    _put(_row(rows, found[0]), found[1], value, f"{found[0]}.{found[1]}", answers)


def _layer_entry(label: str, cells: Any, rows: dict[str, Row], answers: Answers, single: list[str]) -> None:
    if isinstance(cells, dict):
        _cells(_row(rows, label), cells, answers, label)
    elif len(single) == 1:
        _put(_row(rows, label), single[0], cells, label, answers)
    else:
        answers.notes.append(f"{_where(cells, label)}: '{label}' needs its answers by name, such as "
                             f"'{label}: {{output_shape: ..., params: ...}}'; not graded")


def _list_rows(items: list, rows: dict[str, Row], answers: Answers) -> None:
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            answers.notes.append(f"{_where(item, f'row {position}')}: row {position} is not a mapping "
                                 "such as '{layer: conv1, params: 1792}'; not graded")
            continue
        label = next((v.text for k, v in item.items() if normalize(k) in _LABEL_KEYS
                      and isinstance(v, _Leaf) and v.text), None)
        row = _row(rows, label or f"row {position}")  # unnamed rows are matched by order
        _cells(row, item, answers, label or f"row {position}")


def _cells(row: Row, cells: dict, answers: Answers, label: str) -> None:
    for key, value in cells.items():
        norm = normalize(key)
        if norm in _LABEL_KEYS:
            continue
        if norm in _TYPE_KEYS:
            row.type = value.text if isinstance(value, _Leaf) else None
            continue
        quantity = quantity_of(key)
        if quantity is None:
            answers.notes.append(f"{_where(value, label)}: '{key}' of '{label}' is not a quantity "
                                 f"({', '.join(LAYER_QUANTITIES)}); not graded")
            continue
        _put(row, quantity, value, f"{label}.{key}", answers)


def _row(rows: dict[str, Row], label: str) -> Row:
    if label not in rows:
        rows[label] = Row(label=label)
    return rows[label]


def _put(row: Row, quantity: str, value: Any, name: str, answers: Answers) -> None:
    text = _value_text(value)
    if text is None:
        return  # null: not answered
    if quantity in row.cells:
        answers.notes.append(f"{_where(value, name)}: a second answer for {row.label or name} "
                             f"{quantity}; the first is graded")
        return
    row.cells[quantity] = RawAnswer(text, _where(value, name))


def _model_value(quantity: str, value: Any, answers: Answers, key: str) -> None:
    text = _value_text(value)
    if text is not None:
        answers.values.setdefault((None, quantity), RawAnswer(text, _where(value, key)))


def _value_text(value: Any) -> str | None:
    """The text of a value: scalars as written, lists as shapes ``(6, 6, 64)``."""
    if isinstance(value, _Leaf):
        return value.text
    if isinstance(value, list):
        return "(" + ", ".join(_value_text(v) or "None" for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_text(v)}" for k, v in value.items()) + "}"
    return None


def _where(value: Any, name: str) -> str:
    line = _first_line(value)
    return f"line {line} ('{name}')" if line else f"'{name}'"


def _first_line(value: Any) -> int | None:
    if isinstance(value, _Leaf):
        return value.line
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return next((line for line in map(_first_line, items) if line), None)
