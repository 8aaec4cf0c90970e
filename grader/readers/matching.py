"""Matching the rows a student wrote to the exercise's layers.

Rows match layers by name when names match (as written, else case, spaces and punctuation
ignored), the rest by order. A framework's default names (``conv2d_1``, which Keras numbers
per session) and the names of a printed summary are matched by kind and order only. When
the counts differ, the order is aligned by layer family (a row labelled ``maxpool1`` or
printed as ``(MaxPooling2D)`` is a pooling layer), so one missing row does not shift every
later answer. Input rows are skipped; total rows become the model-wide answers. Extra and
missing rows are reported, never fatal; answers whose labels match no layer at all are
graded by order with a warning (issue 11: answers written for another exercise), or, when
not even the order pairs them with layers, left ungraded with a warning that says so.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import NamedTuple

from ..answers import Key, RawAnswer
from ..exercise import Exercise
from .vocabulary import (TOTAL_OF_QUANTITY, default_type, family_of_label, family_of_type, is_type_word,
                         lookup_of, normalize, total_of)

OTHER_EXERCISE = "labels match no layer of this exercise: graded by order"
NOT_MATCHED = ("labels match no layer of this exercise: the rows ({labels}) could not be matched to its {layers} "
               "layers, by name or by order, and were not graded")


@dataclass
class Row:
    """One row a student wrote: a label, the class when it is known, and raw cells."""

    label: str
    cells: dict[str, RawAnswer] = field(default_factory=dict)  # quantity -> raw text
    type: str | None = None  # the layer class, when the row says it (printed summaries)

    @property
    def family(self) -> str | None:
        if self.type:
            return family_of_type(self.type)
        kind = default_type(self.label)
        return family_of_type(kind) if kind else family_of_label(self.label)


class Matched(NamedTuple):
    values: dict[Key, RawAnswer]
    notes: list[str]
    warnings: list[str]


def assign_rows(exercise: Exercise, rows: list[Row], *, by_name: bool = True) -> Matched:
    """Answers keyed by (layer name, quantity), notes on rows that matched nothing, and a
    warning when rows named their own way matched no layer at all.

    ``by_name=False`` for printed summaries, whose names Keras numbers per session.
    """
    values: dict[Key, RawAnswer] = {}
    notes: list[str] = []
    lookup = lookup_of(exercise)
    matched: dict[str, Row] = {}
    remaining: list[Row] = []
    for row in rows:
        name = lookup.find(row.label) if by_name else None
        if name is not None and name not in matched:
            matched[name] = row
            continue
        total = total_of(row.label)
        if total and (by_name or not row.type):  # a second row 'total' where a layer is 'total': the sum
            cell = row.cells.get(TOTAL_OF_QUANTITY[total]) or row.cells.get("params") or \
                next(iter(row.cells.values()), None)
            if cell is not None:
                values.setdefault((None, total), cell)
            continue
        if lookup.is_input(row.label) or row.family == "input":
            continue  # the input row of the origin notebook's table: nothing to grade
        remaining.append(row)
    by_names = len(matched)
    layers = exercise.layers
    pairs: dict[str, Row] = {}
    if remaining:
        pairs, extra = _align(remaining, [layer for layer in layers if layer.name not in matched])
        matched.update(pairs)
        for row in extra:
            notes.append(f"row '{row.label}' matches no layer of the exercise and was not graded")
    asked = exercise.ask
    for name, row in matched.items():
        cells = _settled(row.cells, asked) if "trainable_params" in row.cells else row.cells
        for quantity, cell in cells.items():
            values[(name, quantity)] = cell
    _settle_totals(values, asked)
    if len(matched) < len(layers) and (remaining or by_names):
        missing = [layer.name for layer in layers if layer.name not in matched]
        notes.append("no row for layer" + ("s " if len(missing) > 1 else " ") + ", ".join(missing))
    return Matched(values, notes, _warnings(exercise, remaining, matched, pairs) if by_name and remaining else [])


def _warnings(exercise: Exercise, remaining: list[Row], matched: dict[str, Row], pairs: dict[str, Row]) -> list[str]:
    """Rows named for another exercise: graded by order, or, when the order pairs none of
    them with a layer, not graded; the warning says which."""
    if not _other_exercise(remaining, matched, pairs):
        return []
    if pairs:
        return [OTHER_EXERCISE]
    labels = [row.label for row in remaining]
    shown = ", ".join(labels[:6]) + (f", ... ({len(labels)} rows)" if len(labels) > 6 else "")
    return [NOT_MATCHED.format(labels=shown, layers=len(exercise.layers))]


def _other_exercise(remaining: list[Row], matched: dict[str, Row], pairs: dict[str, Row]) -> bool:
    """Rows named their own way, two or more, and none of those names is a layer's (issue 11)."""
    own = 0
    for row in remaining:  # two are enough to tell
        own += _own_name(row)
        if own == 2:
            break
    else:
        return False
    return not any(_own_name(row) for name, row in matched.items() if name not in pairs)


def _own_name(row: Row) -> bool:
    """A label that names a layer its own way (``conv2d1``), not by number (``row 3``,
    ``1``), by class (``Conv2D``, ``dense layer``) or by a framework's default name."""
    label = row.label.strip()
    if not label or label.startswith("row ") or default_type(label) is not None:
        return False
    norm = normalize(label)
    if norm.isdigit() or (norm.startswith("layer") and norm[5:].isdigit()):
        return False
    return not is_type_word(label) and not (row.type and normalize(row.type) == norm)


def _settled(cells: dict[str, RawAnswer], asked) -> dict[str, RawAnswer]:
    """A "Trainable params" column is the params column when the exercise does not ask
    trainable parameters and the row has no other params (issue 11)."""
    if "trainable_params" in cells and "params" not in cells and not asked.get("trainable_params"):
        cells = dict(cells)
        cells["params"] = cells.pop("trainable_params")
    return cells


def _settle_totals(values: dict[Key, RawAnswer], asked) -> None:
    key = (None, "total_trainable_params")
    if key in values and (None, "total_params") not in values and not asked.get("total_trainable_params"):
        values[(None, "total_params")] = values.pop(key)


def _align(rows: list[Row], layers: list) -> tuple[dict[str, Row], list[Row]]:
    """Pair rows with layers in order; by family when the counts differ."""
    if len(rows) == len(layers):
        return {layer.name: row for layer, row in zip(layers, rows)}, []
    row_fams = [row.family or "?" for row in rows]
    layer_fams = [family_of_type(layer.type) for layer in layers]
    pairs: dict[str, Row] = {}
    used: set[int] = set()
    matcher = difflib.SequenceMatcher(a=row_fams, b=layer_fams, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2)):
                pairs[layers[j].name] = rows[i]
                used.add(i)
    return pairs, [row for i, row in enumerate(rows) if i not in used]
