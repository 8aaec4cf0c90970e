"""``grader import``: an exercise from the model code instructors already have (issue 13).

The source — a ``.py`` file, a notebook, Markdown with code blocks, a notebook printed as
text, or a Keras ``.keras`` file — is read with :mod:`ast` (or as JSON); nothing in it is
executed. The chosen model becomes the exercise YAML a person would write, which is then
loaded and solved like any exercise, so what import returns is known to be valid.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import ExerciseError, ExerciseErrors, GraderError
from ..exercise import Exercise, load_exercise_text
from . import checks, keras_file
from .interpreter import Interpreter
from .models import candidates, choose, flatten
from .sources import Source, read_source, source_from_text
from .writer import slug, write_yaml

__all__ = ["Imported", "import_model", "import_code", "parse_input_shape"]


@dataclass
class Imported:
    """An imported exercise: its YAML text, the loaded (solved) exercise, and notes for the
    instructor (shape comments that disagree, Keras 1/2 spellings, cells that are not Python)."""

    yaml: str
    exercise: Exercise
    model: str
    notes: list[str] = field(default_factory=list)


def import_model(path: str, *, input_shape: Any = None, model: str | None = None,
                 framework: str | None = None) -> Imported:
    """The exercise for the model in ``path``; a GraderError naming the line when it cannot be read."""
    shapes = parse_input_shape(input_shape)
    if path.lower().endswith((".h5", ".hdf5")):
        raise GraderError("Keras 2 HDF5 files are not read: save the model as .keras (model.save('model.keras')), "
                          "or import the code that builds it", file=path)
    try:
        if path.lower().endswith(".keras"):
            source, interp, found = keras_file.read_keras(path)
        else:
            source = read_source(path)
            interp = Interpreter(source).run()
            found = candidates(interp)
        return _imported(source, interp, found, shapes, model, framework)
    except RecursionError:
        raise GraderError("the code is nested too deeply to read", file=path) from None


def import_code(text: str, name: str = "model.py", *, input_shape: Any = None, model: str | None = None,
                framework: str | None = None) -> Imported:
    """:func:`import_model` for Python code held in memory."""
    try:
        source = source_from_text(text, name)
        interp = Interpreter(source).run()
        return _imported(source, interp, candidates(interp), parse_input_shape(input_shape), model, framework)
    except RecursionError:
        raise GraderError("the code is nested too deeply to read", file=name) from None


def _imported(source: Source, interp: Interpreter, found: list, shapes: dict, model: str | None,
              framework: str | None) -> Imported:
    chosen = choose(found, model, framework, source)
    imported = flatten(interp, chosen, shapes)
    notes = list(source.skipped)
    stem = os.path.splitext(os.path.basename(source.path))[0]
    ident = slug(stem if len(found) == 1 else f"{stem}-{chosen.names[0]}")
    text, origin = write_yaml(imported, source, ident=ident, notes=notes)
    try:
        exercise = load_exercise_text(text, f"{stem}.yaml")
    except ExerciseError as exc:
        error = exc.errors[0] if isinstance(exc, ExerciseErrors) else exc
        _earlier_cause(imported, origin.get(error.line or 0), source, ident)
        raise checks.located(error, origin, imported, source) from None
    solved = list(exercise.solution.layers)
    checks.code_errors(imported, solved, source)
    notes += interp.notes + checks.comment_notes(imported, solved, source)
    return Imported(text, exercise, chosen.label, notes)


def _earlier_cause(imported, index: int | None, source: Source, ident: str) -> None:
    """Raise the error of the code that made a layer fail, if it comes earlier: x.view(-1, 400)
    on a tensor of 5408 values breaks the Linear after it (PyTorch would silently change the batch)."""
    if not index:
        return
    before = dataclasses.replace(imported, layers=imported.layers[:index])
    try:
        exercise = load_exercise_text(write_yaml(before, source, ident=ident, notes=[])[0], "prefix.yaml")
    except GraderError:
        return
    checks.code_errors(before, list(exercise.solution.layers), source)


def parse_input_shape(value: Any) -> dict[str | None, tuple[int, ...]]:
    """``"28,28,1"``, ``"1x28x28"``, ``["image=32,32,3", "meta=10"]`` or a tuple of ints."""
    if value is None:
        return {}
    if isinstance(value, (tuple, list)) and all(isinstance(v, int) for v in value):
        return {None: tuple(value)}
    items: Sequence[str] = [value] if isinstance(value, str) else value
    out: dict[str | None, tuple[int, ...]] = {}
    for item in items:
        name, _, dims = item.rpartition("=")
        parts = [p for p in re.split(r"[\s,x×]+", dims.strip().strip("()[]")) if p]
        if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
            raise GraderError(f"--input-shape {item!r}: expected positive sizes without the batch dimension, "
                              "such as 28,28,1 (or NAME=28,28,1 for one of several inputs)")
        out[name.strip() or None] = tuple(int(p) for p in parts)
    return out
