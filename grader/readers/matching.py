"""Matching the rows a student wrote to the exercise's layers.

Rows match layers by name when names match (case, spaces and punctuation ignored), the
rest by order. When the counts differ, the order is aligned by layer family (a row
labelled ``maxpool1`` or printed as ``(MaxPooling2D)`` is a pooling layer), so one
missing row does not shift every later answer. Input rows are skipped; total rows
become the model-wide answers. Extra and missing rows are reported, never fatal.
"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field

from ..answers import Key, RawAnswer
from ..exercise import Exercise

_FAMILY_PATTERNS = (
    ("input", r"^input|^in$"),
    ("conv", r"conv|convolution"),
    ("pool", r"pool"),
    ("flatten", r"flat"),
    ("dropout", r"drop"),
    ("norm", r"norm|^bn\d*$|batchnorm"),
    ("rnn", r"lstm|gru|rnn"),
    ("embed", r"embed"),
    ("merge", r"^add|concat|^cat\d*$|merge|multiply|^mul\d*$|average"),
    ("attention", r"attention|^mha"),
    ("act", r"relu|softmax|sigmoid|tanh|activation|gelu"),
    ("pad", r"pad|crop"),
    ("upsample", r"upsampl|upscale"),
    ("reshape", r"reshape|permute|repeat|unflatten"),
    ("dense", r"dense|^fc|linear|fully|^out|^hidden|^classifier|^logits|^head"),
)

_TYPE_FAMILIES = (
    ("norm", r"Norm"),
    ("pool", r"Pool"),
    ("conv", r"Conv"),
    ("dense", r"^(Dense|Linear)$"),
    ("flatten", r"^Flatten$"),
    ("dropout", r"Dropout"),
    ("rnn", r"LSTM|GRU|RNN|Bidirectional"),
    ("embed", r"Embedding"),
    ("merge", r"^(Add|Subtract|Multiply|Average|Maximum|Minimum|Concatenate|Cat|Mul)$"),
    ("attention", r"Attention"),
    ("pad", r"Pad|Cropping"),
    ("upsample", r"UpSampling|Upsample"),
    ("reshape", r"Reshape|Permute|RepeatVector|Unflatten"),
    ("input", r"^(Input|InputLayer)$"),
    ("act", r"^(Activation|ReLU|LeakyReLU|ELU|Softmax|Sigmoid|Tanh|GELU|SiLU|PReLU|ReLU6|LogSoftmax|Mish)$"),
)


_NOT_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=8192)  # a class repeats the same labels thousands of times
def normalize(label: str) -> str:
    return _NOT_WORD.sub("", label.lower())


@functools.lru_cache(maxsize=4096)
def family_of_label(label: str) -> str | None:
    text = normalize(label)
    for family, pattern in _FAMILY_PATTERNS:
        if re.search(pattern, text):
            return family
    return None


@functools.lru_cache(maxsize=4096)
def family_of_type(type_name: str) -> str:
    for family, pattern in _TYPE_FAMILIES:
        if re.search(pattern, type_name):
            return family
    return type_name.lower()


@dataclass
class Row:
    """One row a student wrote: a label, the class when it is known, and raw cells."""

    label: str
    cells: dict[str, RawAnswer] = field(default_factory=dict)  # quantity -> raw text
    type: str | None = None  # the layer class, when the row says it (printed summaries)

    @property
    def family(self) -> str | None:
        return family_of_type(self.type) if self.type else family_of_label(self.label)


_TOTALS = {"total": "total_params", "totalparams": "total_params", "totalparameters": "total_params",
           "sum": "total_params", "totallearnableparameters": "total_params",
           "trainable": "total_trainable_params", "trainableparams": "total_trainable_params",
           "totaltrainableparams": "total_trainable_params",
           "nontrainable": "total_non_trainable_params", "nontrainableparams": "total_non_trainable_params",
           "totalnontrainableparams": "total_non_trainable_params"}


def total_quantity(label: str) -> str | None:
    """The model-wide quantity a row or key named like a total stands for."""
    return _TOTALS.get(normalize(label))


def assign_rows(exercise: Exercise, rows: list[Row], *, by_name: bool = True
                ) -> tuple[dict[Key, RawAnswer], list[str]]:
    """Answers keyed by (layer name, quantity), and notes on rows that matched nothing.

    ``by_name=False`` for printed summaries, whose names Keras numbers per session.
    """
    values: dict[Key, RawAnswer] = {}
    notes: list[str] = []
    layer_rows: list[Row] = []
    names, input_names = _exercise_names(exercise)
    for row in rows:
        label = normalize(row.label)
        if label not in names:
            total = _TOTALS.get(label)
            if total:
                cell = row.cells.get("params") or next(iter(row.cells.values()), None)
                if cell is not None:
                    values[(None, total)] = cell
                continue
            if label in input_names or row.family == "input":
                continue  # the input row of the origin notebook's table: nothing to grade
        layer_rows.append(row)

    matched: dict[str, Row] = {}
    remaining: list[Row] = []
    for row in layer_rows:
        name = names.get(normalize(row.label)) if by_name else None
        if name and name not in matched:
            matched[name] = row
        else:
            remaining.append(row)
    free = [layer for layer in exercise.layers if layer.name not in matched]
    pairs, extra = _align(remaining, free)
    matched.update(pairs)
    for row in extra:
        notes.append(f"row '{row.label}' matches no layer of the exercise and was not graded")
    for name, row in matched.items():
        for quantity, cell in row.cells.items():
            values[(name, quantity)] = cell
    missing = [layer.name for layer in exercise.layers if layer.name not in matched]
    if missing and layer_rows:
        notes.append("no row for layer" + ("s " if len(missing) > 1 else " ") + ", ".join(missing))
    return values, notes


def _exercise_names(exercise: Exercise) -> tuple[dict[str, str], set[str]]:
    """Normalised layer and input names, built once per exercise (a class reads thousands)."""
    cached = exercise.__dict__.get("_match_names")
    if cached is None:
        cached = ({normalize(n): n for n in exercise.layer_names}, {normalize(n) for n in exercise.inputs})
        exercise.__dict__["_match_names"] = cached
    return cached


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
