"""Exercise files (SPEC section 1): YAML to a validated, solved :class:`Exercise`.

Validation is a pure function of the parsed document; every error names the file,
the line, the layer and what was expected, with the nearest valid spelling. The
architecture is solved as part of loading (``grader.engine``), so an exercise that loads
can run and carries its solution.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterator, Mapping

from .engine import Layer, Solution, solve
from .errors import (AnswerFormatError, ArgumentError, ExerciseError, ExerciseErrors, GraderError, ShapeError,
                     did_you_mean, one_line)
from .layers import FRAMEWORKS, LayerKind, lookup, snake_case
from .limits import MAX_NUMBER, MAX_POINTS, MAX_RANGE_CHOICES
from .shapes import Shape, fmt_shape
from .values import evaluate
from .yamlsource import LineDict, LineList, parse, read_text

TOP_KEYS = ("id", "title", "framework", "instructions", "input_shape", "inputs", "layers", "ask",
            "grading", "variables", "form")
LAYER_QUANTITIES = ("output_shape", "params", "trainable_params", "non_trainable_params", "macs")
MODEL_QUANTITIES = ("total_params", "total_trainable_params", "total_non_trainable_params")
QUANTITIES = LAYER_QUANTITIES + MODEL_QUANTITIES
#: a model-wide quantity and the per-layer quantity it adds up
TOTAL_OF = {"total_params": "params", "total_trainable_params": "trainable_params",
            "total_non_trainable_params": "non_trainable_params"}
DEFAULT_ASK = {"output_shape": Fraction(1), "params": Fraction(1), "total_params": Fraction(1)}
LAYOUTS = ("channels_last", "channels_first")
REVEALS = ("answers", "correctness", "nothing")
GRADING_KEYS = ("follow_through", "layouts", "reveal")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_VARIANTS_CHECKED = 2000


@dataclass(frozen=True)
class Grading:
    follow_through: bool = True
    layouts: tuple[str, ...] = LAYOUTS
    reveal: str = "answers"


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    framework: str
    instructions: str
    inputs: Mapping[str, Shape]
    layers: tuple[Layer, ...]
    ask: Mapping[str, Fraction]
    grading: Grading
    solution: Solution
    form_columns: Mapping[str, str] = field(default_factory=dict)
    path: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    student: str | None = None
    by_name: Mapping[str, Layer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {layer.name: layer for layer in self.layers})

    def layer(self, name: str) -> Layer:
        return self.by_name[name]

    @property
    def layer_names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    @property
    def input_shape(self) -> Shape | None:
        return next(iter(self.inputs.values())) if len(self.inputs) == 1 else None

    @property
    def asked_layer_quantities(self) -> tuple[str, ...]:
        return tuple(q for q in LAYER_QUANTITIES if self.ask.get(q))

    @property
    def asked_totals(self) -> tuple[str, ...]:
        return tuple(q for q in MODEL_QUANTITIES if self.ask.get(q))

    @property
    def max_score(self) -> Fraction:
        per_layer = sum(self.ask.get(q, 0) for q in LAYER_QUANTITIES)
        return per_layer * len(self.layers) + sum(self.ask.get(q, 0) for q in MODEL_QUANTITIES)


# -- loading -------------------------------------------------------------------------------

def load_exercise(path: str | os.PathLike, student: str | None = None) -> Exercise:
    """Read, validate and solve one exercise file, for ``student``'s variant."""
    return ExerciseFile(path).variant(student)


class ExerciseFile:
    """One exercise file, read once; each student's variant is built when first asked for.

    Grading a class asks for a variant per submission: the YAML is parsed once and the
    students who draw the same values share one solved Exercise.
    """

    def __init__(self, path: str | os.PathLike):
        self.name = os.fspath(path)
        self.doc = _document(read_text(self.name), self.name)
        self._variants: dict[tuple, Exercise] = {}

    @property
    def has_variables(self) -> bool:
        return "variables" in self.doc

    def variant_key(self, student: str | None = None) -> tuple:
        """What tells ``student``'s variant apart: the values drawn for the variables (or ())."""
        return tuple(sorted(choose_variables(self.doc, self.name, student).items()))

    def variant(self, student: str | None = None) -> Exercise:
        values = choose_variables(self.doc, self.name, student)
        key = tuple(sorted(values.items()))
        exercise = self._variants.get(key)
        if exercise is None:
            exercise = self._variants[key] = _build_variant(self.doc, self.name, values, student)
        if exercise.student != student and values:
            exercise = dataclasses.replace(exercise, student=student)  # shares the solved layers
        return exercise


def load_exercise_text(text: str, name: str = "<exercise>", student: str | None = None) -> Exercise:
    doc = _document(text, name)
    return _build_variant(doc, name, choose_variables(doc, name, student), student)


def validate_exercise(path: str | os.PathLike) -> int:
    """Check every variant of an exercise (up to a sample); return how many were checked."""
    name = os.fspath(path)
    doc = _document(read_text(name), name)
    checked = 0
    for values in all_variants(doc, name):
        _build_variant(doc, name, values, None)
        checked += 1
    return checked


def _build_variant(doc: LineDict, name: str, values: Mapping[str, Any], student: str | None) -> Exercise:
    """:func:`build`, with every error naming the variant it happened in."""
    if values:  # a misspelt $name is wrong in every variant: say so once, without a variant
        _substitute(doc, dict.fromkeys(values), name)
    try:
        return build(doc, name, values, student)
    except GraderError as exc:
        if values:
            chosen = ", ".join(f"{k}={v}" for k, v in values.items())
            who = f"student {student}'s variant " if student is not None else ""
            for error in getattr(exc, "errors", [exc]):
                error.message = one_line(f"with {who}{chosen}: {error.message}")  # a choice may be any text
        raise


def _document(text: str, name: str) -> LineDict:
    if not text.strip():
        raise ExerciseError("the file is empty; an exercise needs at least id, input_shape and layers",
                            file=name, line=1)
    doc = parse(text, name)
    if doc is None:
        raise ExerciseError("the file holds no YAML document; an exercise needs at least id, "
                            "input_shape and layers", file=name, line=1)
    if not isinstance(doc, LineDict):
        raise ExerciseError("an exercise must be a YAML mapping (id: ..., layers: ...), not a "
                            f"{_kind_of(doc)}", file=name, line=getattr(doc, "line", 1) or 1)
    return doc


def _shown(value: Any) -> str:
    """A value as the instructor wrote it in YAML (a date stays 2020-01-01)."""
    if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
        return repr(value)
    return str(value)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "text"


def build(doc: LineDict, name: str, values: Mapping[str, Any], student: str | None) -> Exercise:
    """The validated, solved Exercise for one choice of variables."""
    errors: list[GraderError] = []
    misspelt: set[str] = set()  # top-level keys that are there, under a wrong spelling

    def err(message: str, line: int, layer: str | None = None, missing: tuple[str, ...] = ()) -> None:
        if misspelt.intersection(missing):  # "unknown key 'layer' (did you mean 'layers'?)" says it
            return
        errors.append(ExerciseError(message, file=name, line=line, layer=layer))

    for key in doc:
        if key not in TOP_KEYS:
            hint = did_you_mean(str(key), TOP_KEYS)
            misspelt.update(k for k in TOP_KEYS if f"'{k}'" in hint)
            err(f"unknown key '{key}'{hint}", doc.line_of(key))
    if values:
        doc = _substitute(doc, values, name)
    else:
        _substitute(doc, {}, name)  # still reports unknown $names

    ex_id = doc.get("id")
    if ex_id is None:
        err("missing 'id' (lowercase letters, digits and dashes, e.g. cnn-8x8x3)", doc.line, missing=("id",))
        ex_id = "exercise"
    elif not isinstance(ex_id, str) or not ID_PATTERN.match(ex_id):
        err(f"'id' must use lowercase letters, digits and dashes (e.g. cnn-8x8x3), got {_shown(ex_id)}",
            doc.line_of("id"))
        ex_id = str(ex_id)
    framework = doc.get("framework", "keras")
    framework_ok = framework in FRAMEWORKS
    if not framework_ok:
        lowered = str(framework).lower()
        hint = f" (write it in lowercase: {lowered})" if lowered in FRAMEWORKS else \
            did_you_mean(str(framework), FRAMEWORKS)
        err(f"'framework' must be keras or pytorch, got {framework!r}{hint}", doc.line_of("framework"))
        framework = lowered if lowered in FRAMEWORKS else "keras"
    title = doc.get("title", ex_id)
    instructions = doc.get("instructions", "")
    for key, value in (("title", title), ("instructions", instructions)):
        if not isinstance(value, str):
            err(f"'{key}' must be text, got a {_kind_of(value)}", doc.line_of(key))

    _numbers(doc, err)
    inputs = _inputs(doc, err)
    # with the framework wrong, every layer would be an error of its own: the one error says it
    layers = _layers(doc, framework, inputs, err if framework_ok else (lambda *a, **k: None))
    ask = _ask(doc, err)
    grading = _grading(doc, err)
    form = _form(doc, err)
    if errors:
        raise errors[0] if len(errors) == 1 else ExerciseErrors(errors)

    try:
        solution = solve(framework, inputs, layers, file=name)
    except ShapeError as exc:  # an impossible architecture makes the exercise file invalid
        raise ExerciseError(exc.message + _layout_hint(framework, inputs), file=exc.file or name, line=exc.line,
                            layer=exc.layer) from None
    unknown = next((s for s in solution.layers if s.macs is None), None) if "macs" in ask else None
    if unknown is not None:  # MACs of one pass depend on the length: no single right answer
        raise ExerciseError("'ask: macs' needs every layer's MACs, and this layer's depend on a size that is not "
                            "known (None in its input shape "
                            f"{fmt_shape(unknown.input_shapes[0]) if unknown.input_shapes else '()'}): give "
                            "that size in the input shape, or ask no MACs", file=name,
                            line=doc["ask"].line_of("macs"), layer=unknown.name)
    return Exercise(id=ex_id, title=str(title), framework=framework, instructions=str(instructions),
                    inputs=inputs, layers=tuple(layers), ask=ask, grading=grading, solution=solution,
                    form_columns=form, path=name, variables=dict(values), student=student)


def _numbers(doc: LineDict, err) -> None:
    """Whole numbers over :data:`~grader.limits.MAX_NUMBER` anywhere in the file: no layer is
    that large, and the counts they make overflow what answers and reports can hold (issue 9)."""
    found = 0
    stack: list[tuple[Any, int]] = [(doc, doc.line)]
    while stack and found < 10:  # ten are enough to see the pattern
        value, line = stack.pop()
        if isinstance(value, LineDict):
            stack.extend((item, value.line_of(key)) for key, item in reversed(value.items()))
        elif isinstance(value, LineList):
            stack.extend((item, value.line_of(i)) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            shown = str(value) if abs(value) < 10 ** 30 else f"a number of {len(str(abs(value)))} digits"
            err(f"{shown} is too large: numbers in an exercise are at most {MAX_NUMBER:,}", line)
            found += 1


def _layout_hint(framework: str, inputs: Mapping[str, Shape]) -> str:
    """A PyTorch input written channels last, as Keras writes it (``[32, 32, 3]``)."""
    for shape in inputs.values():
        if (framework == "pytorch" and len(shape) in (3, 4) and shape[-1] is not None and shape[-1] <= 4
                and shape[0] is not None and shape[0] > 4):
            turned = [shape[-1], *shape[:-1]]
            return (f"; the input shape {list(shape)} looks channels last, and PyTorch wants channels first "
                    f"(C, H, W): {turned}?")
    return ""


def _numeric(value: Any) -> Any:
    """Exact integer arithmetic in a numeric argument, as people write it (``in_features:
    16*16*16``): the whole number it is, else the value as written (the argument's own check
    then says what it expected)."""
    if isinstance(value, list):
        return [_numeric(v) for v in value]
    if isinstance(value, str) and _ARITHMETIC.fullmatch(value) and any(op in value for op in "+-*/"):
        try:
            result = evaluate(value)
        except AnswerFormatError:
            return value
        if result.denominator == 1:
            return int(result)
    return value


_ARITHMETIC = re.compile(r"[\d\s+\-*/()]+")


def _shape(value: Any) -> Shape | None:
    """A model input's shape: positive sizes, null for one that is not known ([null, 8])."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return (value,)
    if isinstance(value, list) and value and all(
            v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 1) for v in value):
        return tuple(value)
    return None


def _inputs(doc: LineDict, err) -> dict[str, Shape]:
    has_shape, has_inputs = "input_shape" in doc, "inputs" in doc
    first_is_input = _first_layer_is_input(doc)
    if has_shape and has_inputs:
        err("give either 'input_shape' (one input) or 'inputs' (several), not both", doc.line_of("inputs"))
        return {}
    if has_shape:
        shape = _shape(doc["input_shape"])
        if shape is None:
            err("'input_shape' must be a list of positive integers without the batch dimension, "
                f"e.g. [8, 8, 3] (null for a size that is not known, e.g. [null, 8]); got "
                f"{doc['input_shape']!r}", doc.line_of("input_shape"))
            return {"input": (1,)}
        return {"input": shape}
    if has_inputs:
        raw = doc["inputs"]
        if not isinstance(raw, LineDict) or not raw:
            err("'inputs' must map each input's name to its shape, e.g. {image: [32, 32, 3], meta: [10]}",
                doc.line_of("inputs"))
            return {}
        out = {}
        for key, value in raw.items():
            shape = _shape(value)
            if shape is None:
                err(f"input '{key}': the shape must be a list of positive integers (null for a size "
                    f"that is not known), got {value!r}",
                    raw.line_of(key))
            else:
                out[str(key)] = shape
        return out
    if not first_is_input:
        err("missing 'input_shape' (the shape of one example without the batch dimension, "
            "e.g. [8, 8, 3]), or 'inputs' for a model with several inputs", doc.line,
            missing=("input_shape", "inputs"))
    return {}


def _first_layer_is_input(doc: LineDict) -> bool:
    layers = doc.get("layers")
    return (isinstance(layers, list) and layers and isinstance(layers[0], Mapping)
            and layers[0].get("type") in ("Input", "InputLayer"))


def _layers(doc: LineDict, framework: str, inputs: dict[str, Shape], err) -> list[Layer]:
    raw_layers = doc.get("layers")
    if raw_layers is None:
        err("missing 'layers' (the list of layers, in order)", doc.line, missing=("layers",))
        return []
    if not isinstance(raw_layers, LineList) or not raw_layers:
        err("'layers' must be a non-empty list of layer mappings", doc.line_of("layers"))
        return []
    known: dict[str, int] = dict.fromkeys(inputs, 0)
    named = {raw["name"]: raw_layers.line_of(i) for i, raw in enumerate(raw_layers)
             if isinstance(raw, LineDict) and isinstance(raw.get("name"), str)}
    counters: dict[str, int] = {}
    out: list[Layer] = []
    previous = next(reversed(inputs), None) if len(inputs) == 1 else None
    for index, raw in enumerate(raw_layers):
        line = raw_layers.line_of(index)
        if not isinstance(raw, LineDict):
            err(f"layer {index + 1} must be a mapping such as {{type: Dense, units: 10}}, "
                f"got a {_kind_of(raw)}", line)
            previous = None
            continue
        type_name = raw.get("type")
        base = snake_case(type_name) if isinstance(type_name, str) else "layer"
        name = raw.get("name")
        if name is None:
            name = default_name(base, counters, known)
        elif not isinstance(name, str) or not name.strip():
            err(f"layer {index + 1}: 'name' must be text, got {name!r}", raw.line_of("name"))
            name = f"layer{index + 1}"
        if name in known:
            err(f"the name '{name}' is used twice" + (" (it is the model input's name)" if known[name] == 0 else
                                                       f" (first on line {known[name]})"), raw.line_of("name"), None)
        if not isinstance(type_name, str):
            err(f"layer {index + 1} has no 'type' (the framework's class name, e.g. "
                f"{'Conv2D' if framework == 'keras' else 'Conv2d'})" if type_name is None else
                f"'type' must be a class name, got {type_name!r}", raw.line_of("type"), name)
            known[name] = line
            previous = name
            continue
        try:
            kind = lookup(framework, type_name)
        except KeyError as exc:
            err(exc.args[0], raw.line_of("type"), name)
            known[name] = line
            previous = name
            continue
        layer_inputs = _layer_inputs(raw, previous, kind, known, named, inputs, name, err)
        args = {k: _numeric(v) for k, v in raw.items() if k not in ("type", "name", "inputs")}
        bad = False
        for key in args:
            if key not in kind.args and key not in kind.ignored:
                hint = _other_framework(framework, str(key), kind) or did_you_mean(str(key), kind.known_args())
                err(f"unknown argument '{key}'{hint}", raw.line_of(key), name)
                bad = True
        params: dict[str, Any] = {}
        if not bad:
            try:
                params = kind.normalize(args)
            except ArgumentError as exc:
                err(exc.message, raw.line_of(exc.argument) if exc.argument in raw else line, name)
                bad = True
        known[name] = line
        previous = name
        if layer_inputs is None or bad:
            continue
        out.append(Layer(name=name, type=kind.type, kind=kind, params=params, inputs=layer_inputs,
                         line=line, args=dict(args)))
    return out


# The same argument under the other framework's name: Keras on the left, PyTorch on the right
_ARGUMENT_TWINS = (("filters", "out_channels"), ("units", "out_features"), ("strides", "stride"),
                   ("dilation_rate", "dilation"), ("use_bias", "bias"), ("pool_size", "kernel_size"),
                   ("rate", "p"), ("input_dim", "num_embeddings"), ("output_dim", "embedding_dim"),
                   ("epsilon", "eps"), ("num_heads", "num_heads"), ("target_shape", "unflattened_size"))


def default_name(base: str, counters: dict[str, int], known) -> str:
    """The framework's own name for an unnamed layer (conv2d, conv2d_1, ...), skipping names
    already taken; ``counters`` keeps the next number per base."""
    n = counters.get(base, 0)
    name = base if n == 0 else f"{base}_{n}"
    while name in known:
        n += 1
        name = f"{base}_{n}"
    counters[base] = n + 1
    return name


def _other_framework(framework: str, key: str, kind: LayerKind) -> str:
    """`` (did you mean out_channels? 'filters' is Keras's name)`` for an argument of the other framework."""
    for keras_name, torch_name in _ARGUMENT_TWINS:
        theirs, ours = (keras_name, torch_name) if framework == "pytorch" else (torch_name, keras_name)
        if key == theirs and (ours in kind.args or ours in kind.ignored):
            other = "Keras" if framework == "pytorch" else "PyTorch"
            return f" (did you mean '{ours}'? '{key}' is {other}'s name; this exercise's framework is {framework})"
    return ""


def _layer_inputs(raw: LineDict, previous: str | None, kind: LayerKind, known: dict[str, int],
                  named: Mapping[str, int], model_inputs: dict[str, Shape], name: str, err
                  ) -> tuple[str, ...] | None:
    """The names a layer reads: its 'inputs', else the layer before it (None after an error)."""
    lo, hi = kind.arity
    if lo == 0:
        if "inputs" in raw:
            err(f"{kind.type} takes no inputs", raw.line_of("inputs"), name)
            return None
        return ()
    given = raw.get("inputs")
    if given is None:
        if previous is None:
            if len(model_inputs) > 1:
                err(f"this model has several inputs ({', '.join(model_inputs)}): say which one the layer "
                    "reads with 'inputs: NAME'", raw.line, name)
            return None
        names = [previous]
    else:
        names = [given] if isinstance(given, str) else given
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not names:
            err("'inputs' must be a layer name or a list of layer names", raw.line_of("inputs"), name)
            return None
        for ref in names:
            if ref not in known:
                if ref == name:
                    what = "this layer itself"
                elif ref in named:
                    what = (f"a later layer (line {named[ref]}); a layer reads the model inputs "
                            "and earlier layers only")
                else:
                    what = "not an earlier layer or model input" + did_you_mean(ref, list(known))
                err(f"'inputs' refers to '{ref}', which is {what}", raw.line_of("inputs"), name)
                return None
    if len(names) < lo or (hi is not None and len(names) > hi):
        want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
        err(f"{kind.type} takes {want} input{'s' if (hi or 2) > 1 else ''}, got {len(names)}",
            raw.line_of("inputs"), name)
        return None
    return tuple(names)


_ASK_ALIASES = {"total": "total_params", "totals": "total_params", "parameters": "params", "param": "params",
                "shape": "output_shape", "shapes": "output_shape", "output": "output_shape",
                "total_parameters": "total_params", "trainable": "trainable_params", "mac": "macs"}


def _ask(doc: LineDict, err) -> dict[str, Fraction]:
    raw = doc.get("ask")
    if raw is None:
        return dict(DEFAULT_ASK)
    if not isinstance(raw, LineDict):
        err("'ask' must map quantities to points, e.g. {output_shape: 1, params: 1, total_params: 2}",
            doc.line_of("ask"))
        return {}
    out = {}
    bad = False
    for key, value in raw.items():
        if key not in QUANTITIES:
            hint = (f" (did you mean '{_ASK_ALIASES[key]}'?)" if key in _ASK_ALIASES
                    else did_you_mean(str(key), QUANTITIES))
            err(f"unknown quantity '{key}' in 'ask'{hint}; the quantities are {', '.join(QUANTITIES)}",
                raw.line_of(key))
            bad = True
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
            err(f"'ask.{key}' must be a number of points >= 0, got {_shown(value)}", raw.line_of(key))
            bad = True
        elif value == float("inf"):
            err(f"'ask.{key}' must be a finite number of points, got {_shown(value)}", raw.line_of(key))
            bad = True
        elif value > MAX_POINTS:  # 1.0e+308 validated, then overflowed the class's scores
            err(f"'ask.{key}' is {_shown(value)} points; a quantity is worth at most {MAX_POINTS:,} points",
                raw.line_of(key))
            bad = True
        elif value:
            # Fraction of the decimal text: 0.1 is exactly a tenth, totals never drift
            out[key] = Fraction(str(value))
    if not out and not bad:  # after a bad entry, "asks for nothing" would only repeat it
        err("'ask' asks for nothing: give at least one quantity a positive number of points", raw.line)
    return out


def _grading(doc: LineDict, err) -> Grading:
    raw = doc.get("grading")
    if raw is None:
        return Grading()
    if not isinstance(raw, LineDict):
        err("'grading' must be a mapping (follow_through, layouts, reveal)", doc.line_of("grading"))
        return Grading()
    for key in raw:
        if key not in GRADING_KEYS:
            err(f"unknown key '{key}' in 'grading'{did_you_mean(str(key), GRADING_KEYS)}", raw.line_of(key))
    follow = raw.get("follow_through", True)
    if not isinstance(follow, bool):
        err(f"'grading.follow_through' must be true or false, got {follow!r}", raw.line_of("follow_through"))
        follow = True
    layouts = raw.get("layouts", list(LAYOUTS))
    if isinstance(layouts, str):
        layouts = [layouts]
    if not isinstance(layouts, list) or not layouts or not all(x in LAYOUTS for x in layouts):
        bad = next((x for x in layouts if x not in LAYOUTS), layouts) if isinstance(layouts, list) else layouts
        err(f"'grading.layouts' must list channels_last and/or channels_first, got {bad!r}"
            f"{did_you_mean(str(bad), LAYOUTS)}", raw.line_of("layouts"))
        layouts = list(LAYOUTS)
    reveal = raw.get("reveal", "answers")
    if reveal not in REVEALS:
        err(f"'grading.reveal' must be answers, correctness or nothing, got {reveal!r}"
            f"{did_you_mean(str(reveal), REVEALS)}", raw.line_of("reveal"))
        reveal = "answers"
    return Grading(follow_through=follow, layouts=tuple(layouts), reveal=reveal)


def _form(doc: LineDict, err) -> dict[str, str]:
    raw = doc.get("form")
    if raw is None:
        return {}
    columns = raw.get("columns") if isinstance(raw, LineDict) else None
    if not isinstance(raw, LineDict) or set(raw) - {"columns"} or not isinstance(columns, LineDict):
        err("'form' must be {columns: {'<column title>': '<layer>.<quantity>', ...}}", doc.line_of("form"))
        return {}
    out = {}
    for title, target in columns.items():
        if not isinstance(target, str):
            err(f"form column '{title}' must map to '<layer>.<quantity>' or 'total_params', got {target!r}",
                columns.line_of(title))
            continue
        out[str(title)] = target
    return out


# -- variables (per-student variants) ----------------------------------------------------

_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _variable_specs(doc: LineDict, name: str) -> dict[str, list[Any] | range]:
    raw = doc.get("variables")
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        raise ExerciseError("'variables' must map names to choices, e.g. {filters1: [32, 64], "
                            "side: {range: [6, 32]}}", file=name, line=doc.line_of("variables"))
    specs: dict[str, list[Any] | range] = {}
    for key, value in raw.items():
        line = raw.line_of(key)
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ExerciseError(f"variable name {key!r} must be letters, digits and _", file=name, line=line)
        if isinstance(value, LineList) and value:
            specs[key] = list(value)
        elif isinstance(value, LineDict) and set(value) == {"range"}:
            r = value["range"]
            if (isinstance(r, list) and len(r) in (2, 3) and all(isinstance(v, int) and not isinstance(v, bool)
                                                                for v in r) and r[0] <= r[1]
                    and (len(r) == 2 or r[2] >= 1)):
                step = r[2] if len(r) == 3 else 1
                choices = (r[1] - r[0]) // step + 1
                if choices > MAX_RANGE_CHOICES:  # range(1, 10**19) cannot even be counted (issue 9)
                    raise ExerciseError(f"variable '{key}': the range has {choices:,} values; a variable has at "
                                        f"most {MAX_RANGE_CHOICES:,}", file=name, line=line)
                specs[key] = range(r[0], r[1] + 1, step)
            else:
                raise ExerciseError(f"variable '{key}': range must be [low, high] or [low, high, step] "
                                    f"with whole numbers, low <= high; got {r!r}", file=name, line=line)
        else:
            raise ExerciseError(f"variable '{key}' must be a non-empty list of choices or {{range: [low, high]}}",
                                file=name, line=line)
    return specs


def choose_variables(doc: LineDict, name: str, student: str | None) -> dict[str, Any]:
    """The variant of ``student``: each variable drawn from sha256(exercise id, student, name).

    Without a student, the first choice of each variable (the instructor's own variant).
    The draw is stable across Python versions and machines.
    """
    specs = _variable_specs(doc, name)
    if not specs:
        return {}
    ex_id = str(doc.get("id", ""))
    out = {}
    for key, options in specs.items():
        if student is None:
            out[key] = options[0]
        else:
            digest = hashlib.sha256(f"{ex_id}\0{student}\0{key}".encode()).digest()
            out[key] = options[int.from_bytes(digest[:8], "big") % len(options)]
    return out


def all_variants(doc: LineDict, name: str) -> Iterator[dict[str, Any]]:
    """Every combination of variable values, or an even sample when there are too many."""
    specs = _variable_specs(doc, name)
    if not specs:
        yield {}
        return
    keys = list(specs)
    total = 1
    for options in specs.values():
        total *= len(options)
    if total <= MAX_VARIANTS_CHECKED:
        for combo in itertools.product(*(specs[k] for k in keys)):
            yield dict(zip(keys, combo))
        return
    # the extremes first (smallest and largest choices), then a deterministic spread
    yield {k: specs[k][0] for k in keys}
    yield {k: specs[k][-1] for k in keys}
    for i in range(MAX_VARIANTS_CHECKED - 2):
        yield {k: specs[k][int.from_bytes(hashlib.sha256(f"{i}\0{k}".encode()).digest()[:8], "big")
                          % len(specs[k])] for k in keys}


# Prose may hold LaTeX ($n \times m$): there an unknown $name is text, not an error.
_PROSE_KEYS = ("title", "instructions")


def _substitute(value: Any, values: Mapping[str, Any], name: str, line: int = 0, strict: bool = True) -> Any:
    """Replace ``$var`` (the whole value keeps its type; inside text it becomes text)."""
    if isinstance(value, LineDict):
        out = LineDict()
        out.line, out.lines = value.line, value.lines
        for key, item in value.items():
            if key == "variables":
                out[key] = item
                continue
            out[key] = _substitute(item, values, name, value.line_of(key), strict and key not in _PROSE_KEYS)
        return out
    if isinstance(value, LineList):
        out_list = LineList(_substitute(item, values, name, value.line_of(i), strict)
                            for i, item in enumerate(value))
        out_list.line, out_list.lines = value.line, value.lines
        return out_list
    if isinstance(value, str) and "$" in value:
        if not strict:
            return _VAR.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), value)
        for var in _VAR.findall(value):
            if var not in values:
                raise ExerciseError(f"unknown variable '${var}'{did_you_mean(var, list(values))}"
                                    + ("" if values else " (declare it under 'variables:')"), file=name, line=line)
        whole = _VAR.fullmatch(value.strip())
        if whole:
            return values[whole.group(1)]
        return _VAR.sub(lambda m: str(values[m.group(1)]), value)
    return value

