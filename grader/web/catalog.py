"""The exercises a server offers, loaded once at start-up: for each exercise file of the
folder, every variant its students need, each with its answer key, its page as reports
show it, its model as code and the form's input cells. An immutable value; requests only
read it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from ..errors import GraderError
from ..exercise import Exercise, ExerciseFile
from ..feedback import framework_name, item_label, quantity_label, shape_text
from ..key import AnswerKey, answer_key, neutral_examples
from ..notebooks import model_code
from ..report import exercise_view

EXERCISE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Cell:
    """One asked item as a text input of the form."""

    name: str               # the form field: "a0", "a1", ... in the key's order
    layer: str | None       # None for a model-wide total
    quantity: str
    label: str              # "conv1 output shape": what a screen reader says
    heading: str            # "output shape": the column or row it sits in
    placeholder: str        # how to write it: an example that is no value of the exercise


@dataclass(frozen=True)
class Variant:
    """One variant of an exercise, with everything a page and a check need, built once."""

    exercise: Exercise
    key: AnswerKey
    page: Mapping[str, Any]         # grader.report.exercise_view
    code: str                       # the model as code, for reference
    cells: tuple[Cell, ...]         # one per asked item, in the exercise's order
    hint: str                       # how to write values, with examples of no value here

    def cell(self, layer: str | None, quantity: str) -> Cell | None:
        return next((c for c in self.cells if c.layer == layer and c.quantity == quantity), None)


@dataclass(frozen=True)
class Entry:
    """One exercise file and its variants (one without ``variables:``)."""

    id: str
    title: str
    framework: str
    file: ExerciseFile
    variants: Mapping[tuple, Variant]

    @property
    def base(self) -> Variant:
        return self.variants[self.file.variant_key(None)]

    def variant(self, student: str | None) -> Variant:
        """``student``'s variant (the instructor's own without a student)."""
        return self.variants[self.file.variant_key(student)]


@dataclass(frozen=True)
class Catalog:
    entries: Mapping[str, Entry]        # by exercise id, in the folder's order

    def get(self, exercise_id: str) -> Entry | None:
        return self.entries.get(exercise_id)


def load_catalog(folder: str | os.PathLike, students: Iterable[str] = ()) -> Catalog:
    """Every exercise file in ``folder`` (not its subfolders), with the variants of ``students``.

    An invalid file, or two files with one id, is a GraderError naming the file: a server
    must not start with an exercise its students cannot use.
    """
    root = Path(folder)
    if not root.is_dir():
        raise GraderError("no such folder of exercises", file=str(root))
    students = list(students)
    entries: dict[str, Entry] = {}
    for path in sorted(p for p in root.iterdir() if p.suffix.lower() in EXERCISE_SUFFIXES and p.is_file()):
        entry = load_entry(path, students)
        if entry.id in entries:
            raise GraderError(f"a second exercise with the id '{entry.id}' (the other is "
                              f"{entries[entry.id].file.name})", file=str(path))
        entries[entry.id] = entry
    if not entries:
        raise GraderError("no exercise file (.yaml) in the folder", file=str(root))
    return Catalog(MappingProxyType(entries))


def load_entry(path: str | os.PathLike, students: Iterable[str] = ()) -> Entry:
    file = ExerciseFile(path)
    base = file.variant(None)
    variants = {file.variant_key(None): build_variant(base)}
    for student in students:
        key = file.variant_key(student)
        if key not in variants:
            variants[key] = build_variant(file.variant(student))
    return Entry(id=base.id, title=base.title or base.id, framework=framework_name(base.framework), file=file,
                 variants=MappingProxyType(variants))


def build_variant(exercise: Exercise) -> Variant:
    key = answer_key(exercise)
    count, expression, shape = neutral_examples(exercise)
    shape_example = shape_text(shape)
    cells = tuple(Cell(name=f"a{i}", layer=item.layer, quantity=item.quantity,
                       label=item_label(item.layer, item.quantity), heading=quantity_label(item.quantity),
                       placeholder=f"e.g. {shape_example}" if item.quantity == "output_shape" else f"e.g. {count:,}")
                  for i, item in enumerate(key.items))
    hint = (f"Write shapes like {shape_example} or ({', '.join(map(str, shape))}), without the batch "
            f"dimension; counts like {count}, {count:,} or {expression}. Leave a cell empty if you "
            "have no answer yet.")
    return Variant(exercise=exercise, key=key, page=MappingProxyType(exercise_view(exercise)),
                   code=model_code(exercise), cells=cells, hint=hint)
