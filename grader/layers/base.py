"""What a layer kind is: its arguments, its output shape and its weights.

A kind declares ``output_shape(p, in_shapes)`` and ``weights(p, in_shapes, out_shape)``
(as Keras layers own ``compute_output_shape`` and build weights); parameter counts, the
trainable split, MACs and the worked formula ``(3*3*3 + 1) * 64`` are all derived from
the weights, in one place (:func:`formula`, :func:`count`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, Sequence

from ..errors import ArgumentError, ShapeError
from ..shapes import Shape, require_rank, split_channels

# Arguments of every Keras layer that never change shapes or counts (SPEC section 1); the
# PyTorch kinds list theirs per class, exactly as each constructor takes them.
KERAS_IGNORED = frozenset("""
name activation trainable dtype autocast input_dim batch_size batch_input_shape
kernel_initializer bias_initializer kernel_regularizer bias_regularizer
activity_regularizer kernel_constraint bias_constraint recurrent_initializer
recurrent_regularizer recurrent_constraint depthwise_initializer pointwise_initializer
depthwise_regularizer pointwise_regularizer depthwise_constraint pointwise_constraint
beta_initializer gamma_initializer moving_mean_initializer moving_variance_initializer
beta_regularizer gamma_regularizer beta_constraint gamma_constraint embeddings_initializer
embeddings_regularizer embeddings_constraint lora_rank lora_alpha seed rate noise_shape
dropout recurrent_dropout recurrent_activation unroll stateful go_backwards
unit_forget_bias momentum epsilon synchronized mask_zero interpolation
alpha negative_slope max_value threshold stddev renorm renorm_clipping renorm_momentum
virtual_batch_size adjustment attention_axes kernel_quantization_config
quantization_config
""".split())


@dataclass(frozen=True)
class Weight:
    """One weight tensor, described for counting as ``fan_in x out``.

    ``fan_in`` are the factors each output unit multiplies (``()`` for a bias or a scale);
    ``out`` are the output units. Weights of one ``group`` share ``out`` and render as one
    term ``(a + b + 1) * out``. ``uses`` is how often each entry takes part in a
    multiply-accumulate per forward pass (0 for biases and scales; None when that depends
    on a dimension that is not known, such as the length of a sequence).
    """

    name: str
    fan_in: tuple[int, ...]
    out: tuple[int, ...]
    trainable: bool = True
    group: str = ""
    uses: int | None = 0

    @property
    def count(self) -> int:
        return math.prod(self.fan_in) * math.prod(self.out)

    @property
    def is_bias(self) -> bool:
        return "bias" in self.name


def _factors(dims: Sequence[int]) -> str:
    return "*".join(str(d) for d in dims) if dims else "1"


def formula(weights: Sequence[Weight]) -> str:
    """The worked formula of a parameter count in the origin notebook's style.

    ``(3*3*3 + 1) * 64`` for a convolution, ``4 * 64`` for a BatchNormalization,
    ``2 * (16 + 8 + 1) * 4*8`` for a Bidirectional LSTM, ``0`` without weights. The
    formula always evaluates to the count.
    """
    terms: list[str] = []
    groups: dict[str, list[Weight]] = {}
    for w in weights:
        groups.setdefault(w.group or w.name, []).append(w)
    for members in groups.values():
        out = _factors(members[0].out)
        parts = [_factors(w.fan_in) for w in members]
        if len(parts) > 1 and all(p == "1" for p in parts):
            term = f"{len(parts)} * {out}"
        elif len(parts) == 1:
            term = out if parts[0] == "1" else f"{parts[0]} * {out}"
        else:
            term = f"({' + '.join(parts)}) * {out}"
        terms.append(term)
    if not terms:
        return "0"
    collapsed: list[str] = []
    i = 0
    while i < len(terms):
        j = i
        while j < len(terms) and terms[j] == terms[i]:
            j += 1
        n = j - i
        collapsed.append(terms[i] if n == 1 else f"{n} * {terms[i]}")
        i = j
    return " + ".join(collapsed)


@dataclass(frozen=True)
class Counts:
    params: int
    trainable: int
    non_trainable: int
    macs: int | None  # None: they depend on a dimension that is not known


def count(weights: Sequence[Weight], extra_macs: int | None = 0) -> Counts:
    trainable = sum(w.count for w in weights if w.trainable)
    total = sum(w.count for w in weights)
    uses = [w.uses for w in weights if w.count]
    macs = None
    if extra_macs is not None and None not in uses:
        macs = sum(w.count * w.uses for w in weights if w.count) + extra_macs
    return Counts(total, trainable, total - trainable, macs)


# ---------------------------------------------------------------------------
# Arguments: each converter normalises a YAML value once (as Keras' standardize_tuple
# does) and raises ArgumentError quoting what it received.

class Arg:
    """An argument that changes shapes or counts, with its default and converter."""

    REQUIRED: ClassVar[object] = object()

    def __init__(self, convert: Callable[[Any, str], Any], default: Any = REQUIRED,
                 expects: str = ""):
        self.convert = convert
        self.default = default
        self.expects = expects

    @property
    def required(self) -> bool:
        return self.default is Arg.REQUIRED


def _quote(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer(minimum: int = 1) -> Callable[[Any, str], int]:
    def convert(value: Any, name: str) -> int:
        if not _is_int(value) or value < minimum:
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            raise ArgumentError(name, f"argument '{name}' must be {what}, got {_quote(value)}")
        return value
    return convert


def number(minimum: float = 0.0) -> Callable[[Any, str], float]:
    def convert(value: Any, name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise ArgumentError(name, f"argument '{name}' must be a number >= {minimum}, got {_quote(value)}")
        return value
    return convert


def int_tuple(n: int, minimum: int = 1) -> Callable[[Any, str], tuple[int, ...]]:
    """An int or a list of ``n`` ints, normalised to an ``n``-tuple."""
    def convert(value: Any, name: str) -> tuple[int, ...]:
        if _is_int(value) and value >= minimum:
            return (value,) * n
        if isinstance(value, (list, tuple)) and len(value) == n and all(
                _is_int(v) and v >= minimum for v in value):
            return tuple(value)
        what = "positive integer" if minimum == 1 else f"integer >= {minimum}"
        many = f" or a list of {n} of them" if n > 1 else " or a list of one"
        raise ArgumentError(name, f"argument '{name}' must be a {what}{many}, got {_quote(value)}")
    return convert


def optional(convert: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    def wrapped(value: Any, name: str) -> Any:
        return None if value is None else convert(value, name)
    return wrapped


def choice(*options: Any, fold_case: bool = True) -> Callable[[Any, str], Any]:
    """One of ``options``; text in any case unless ``fold_case=False`` (where the framework
    compares exactly: Keras lowercases padding and data_format, not fill_mode)."""
    def convert(value: Any, name: str) -> Any:
        if isinstance(value, str):
            folded = value.lower() if fold_case else value
            for option in options:
                if isinstance(option, str) and option == folded:
                    return option
        elif value in options and not isinstance(value, bool):
            return value
        listed = ", ".join(_quote(o) for o in options)
        raise ArgumentError(name, f"argument '{name}' must be one of {listed}, got {_quote(value)}")
    return convert


def boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ArgumentError(name, f"argument '{name}' must be true or false, got {_quote(value)}")
    return value


def shape_arg(value: Any, name: str) -> tuple[int, ...]:
    """A shape without the batch dimension; ``-1`` is allowed (Reshape infers it)."""
    if _is_int(value) and value >= 1:
        return (value,)
    if isinstance(value, (list, tuple)) and value and all(
            _is_int(v) and (v >= 1 or v == -1) for v in value):
        return tuple(value)
    raise ArgumentError(name, f"argument '{name}' must be a list of positive integers "
                              f"(a shape without the batch dimension), got {_quote(value)}")


def input_shape_arg(value: Any, name: str) -> tuple[int | None, ...]:
    """The shape of a model input without the batch dimension: positive sizes, or null for a
    size that is not known (``[null, 8]``, a sequence of any length, as ``keras.Input`` takes it)."""
    if isinstance(value, (list, tuple)) and value and all(
            v is None or (_is_int(v) and v >= 1) for v in value):
        return tuple(value)
    return shape_arg(value, name)


def positive_shape(value: Any, name: str) -> tuple[int, ...]:
    """Sizes without -1 (PyTorch's normalized_shape)."""
    shape = shape_arg(value, name)
    if -1 in shape:
        raise ArgumentError(name, f"argument '{name}' must be positive sizes, got {value!r}")
    return shape


def flat_pads(rank: int) -> Callable[[Any, str], tuple[int, ...]]:
    """PyTorch's ZeroPad/ConstantPad ``padding``: an int (every side of the last ``rank``
    dimensions) or an even number of ints, pairs from the last dimension backwards (left,
    right, top, bottom, front, back), as F.pad takes them; negative values crop."""
    def convert(value: Any, name: str) -> tuple[int, ...]:
        if _is_int(value):
            return (value,) * (2 * rank)
        if isinstance(value, (list, tuple)) and value and len(value) % 2 == 0 and all(_is_int(v) for v in value):
            return tuple(value)
        raise ArgumentError(name, f"argument '{name}' must be an integer or {2 * rank} integers "
                                  f"(left, right{', top, bottom' if rank > 1 else ''}"
                                  f"{', front, back' if rank > 2 else ''}), got {value!r}")
    return convert


def axis_arg(value: Any, name: str) -> int | tuple[int, ...]:
    if _is_int(value):
        return value
    if isinstance(value, (list, tuple)) and value and all(_is_int(v) for v in value):
        return tuple(value)
    raise ArgumentError(name, f"argument '{name}' must be an integer axis or a list of axes, got {_quote(value)}")


def data_format(value: Any, name: str) -> str:
    if value is None:
        return "channels_last"
    return choice("channels_last", "channels_first")(value, name)


# ---------------------------------------------------------------------------
# Sliding windows: what the shape working and the window mistakes ask a kind for (issue 8)

@dataclass(frozen=True)
class Window:
    """The sliding window of a convolution or pooling layer, read from its arguments.

    Enough to recompute every spatial output size without the kind: ``pads`` are per
    spatial axis ``(before, after)``, or None for Keras 'same' and 'causal', whose output
    is ``ceil(n / stride)`` whatever the kernel. ``ceil`` is PyTorch's ``ceil_mode``.
    """

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    pads: tuple[tuple[int, int], ...] | None
    dilation: tuple[int, ...]
    ceil: bool
    channels_first: bool
    pooling: bool


def unit_strides(p: Mapping[str, Any], window: Window, key: str) -> dict[str, Any] | None:
    """``p`` with every stride 1 under ``key`` (as if the window moved one step at a time),
    or None when every stride already is 1."""
    if all(s == 1 for s in window.stride):
        return None
    return {**p, key: (1,) * len(window.kernel)}


# ---------------------------------------------------------------------------

class LayerKind:
    """A layer class of one framework. Subclasses set ``args`` and the two rules."""

    type: ClassVar[str] = ""
    framework: ClassVar[str] = ""
    args: ClassVar[Mapping[str, Arg]] = {}
    ignored: ClassVar[frozenset[str]] = frozenset()
    #: number of inputs accepted: (min, max); max None for "any number"
    arity: ClassVar[tuple[int, int | None]] = (1, 1)
    #: short description for the README's supported-layers table
    summary: ClassVar[str] = ""
    #: other names of the same class in the framework (Keras' ``Convolution2D`` for ``Conv2D``)
    aliases: ClassVar[tuple[str, ...]] = ()

    def known_args(self) -> list[str]:
        return sorted(set(self.args) | set(self.ignored))

    def normalize(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Canonical arguments from the YAML ones (already checked to be known)."""
        p: dict[str, Any] = {}
        for name, arg in self.args.items():
            if name in raw:
                p[name] = arg.convert(raw[name], name)
            elif arg.required:
                raise ArgumentError(name, f"missing required argument '{name}'")
            else:  # defaults go through the converter too: strides 1 -> (1, 1)
                p[name] = arg.convert(arg.default, name)
        self.check(p)
        return p

    def check(self, p: dict[str, Any]) -> None:
        """Checks that involve several arguments; raise ArgumentError."""

    def output_shape(self, p: Mapping[str, Any], in_shapes: Sequence[Shape]) -> Shape:
        return in_shapes[0]

    def weights(self, p: Mapping[str, Any], in_shapes: Sequence[Shape], out_shape: Shape) -> list[Weight]:
        return []

    def extra_macs(self, p: Mapping[str, Any], in_shapes: Sequence[Shape], out_shape: Shape) -> int:
        """Multiply-accumulates that involve no weight (attention scores)."""
        return 0

    def fixed_sizes(self, p: Mapping[str, Any], in_shapes: Sequence[Shape]) -> Mapping[str, int]:
        """Sizes of the input that a built layer keeps besides its weights' (PyTorch's
        running statistics, the grouped axis of Keras' GroupNormalization), by what they
        are. A layer is built once: one whose kept sizes would depend on a size that is not
        known is refused, as one whose weights would be (``grader.engine.evaluate``)."""
        return {}

    # Convolution and pooling kinds override these three; the rest have no window.

    def window(self, p: Mapping[str, Any]) -> Window | None:
        """The sliding window of these arguments, or None for a kind that slides none."""
        return None

    def padding_swapped(self, p: Mapping[str, Any]) -> dict[str, Any] | None:
        """The arguments with the padding turned the other way (valid <-> same), or None."""
        return None

    def stride_ignored(self, p: Mapping[str, Any]) -> dict[str, Any] | None:
        """The arguments with every stride 1, or None when there is no stride to ignore."""
        return None


def snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: the default layer names ``conv2d``, ``max_pooling2d``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def ensure(condition: bool, message: str) -> None:
    if not condition:
        raise ShapeError(message)


# ---------------------------------------------------------------------------
# What the kinds of one framework share across their modules

_KERAS_SPATIAL = {1: "(steps, channels)", 2: "(height, width, channels)", 3: "(depth, height, width, channels)"}


def channels_first(p: Mapping[str, Any]) -> bool:
    """Keras' ``data_format``: channels_last unless it says otherwise."""
    return p.get("data_format") == "channels_first"


def keras_feature_map(shape: Shape, rank: int, p: Mapping[str, Any]) -> tuple[Shape, int]:
    """(spatial dims, channels) of a Keras feature map of ``rank`` spatial dimensions."""
    expected = _KERAS_SPATIAL[rank]
    if channels_first(p):
        expected = "(channels, " + expected[1:].replace(", channels", "")
    require_rank(shape, rank + 1, f"{rank + 1}-D {expected}")
    return split_channels(shape, channels_first(p))


#: the device and dtype keywords every PyTorch module with weights takes
DEVICE_ARGS = ("device", "dtype")


def check_given(p: Mapping[str, Any], arg: str, actual: int, what: str) -> None:
    """PyTorch's optional ``in_channels``/``in_features``/...: when given, it must match the input."""
    given = p.get(arg)
    if given is not None and given != actual:
        raise ShapeError(f"{arg}={given}, but the incoming {what} is {actual}")


def probability(value: Any, name: str) -> float:
    """A PyTorch dropout probability (nn.Dropout and the recurrent layers raise outside [0, 1])."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ArgumentError(name, f"argument '{name}' must be a probability between 0 and 1, got {value!r}")
    return value


def ignoring(*names: str) -> frozenset[str]:
    """PyTorch constructor arguments accepted and ignored: together with ``args`` they are
    exactly the keywords of the torch.nn class (tests compare them with its signature), so
    an argument PyTorch would reject is an error here too."""
    return frozenset(names)
