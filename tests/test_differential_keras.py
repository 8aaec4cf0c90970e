"""The engine against real Keras 3 on random architectures (hypothesis).

Valid models (one per registered Keras kind, chains per input rank, residual and
concatenating branches, several inputs) are drawn layer by layer from rules that keep them
buildable, written as exercise YAML, loaded with ``load_exercise_text``, built with real
Keras layers and run once: every layer's output shape, parameters, trainable and
non-trainable counts must agree. Risky single layers (windows larger than the input,
mismatched merges, bad groups, ...) must be rejected by the grader exactly when Keras
cannot build them or run them once. ``GRADER_DIFF_EXAMPLES`` (default 300) scales every
count for a long local run.

Not generated, because Keras' torch backend (the only one here) cannot run them although
the shapes and counts are well defined: LayerNormalization over axes that are not the
trailing ones (torch.layer_norm), AveragePooling3D 'same' with a window larger than the
input, layers after a Masking layer (the mask breaks GlobalAveragePooling1D
channels_first). Not generated either: explicit padding lists in convolutions (Keras'
shape rule rejects them), Bidirectional with a backward_layer, return_state and
merge_mode None (several outputs, which an exercise layer cannot have), nor image layers
on a 2-D example (Keras reads it as one image whose height is the batch; the grader refuses it).
RMSNormalization over other axes than the trailing ones, which Keras builds but cannot
run, is drawn among the risky layers: the grader refuses it.
"""
from __future__ import annotations

import math
import os
import warnings

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from grader.engine import evaluate  # noqa: E402
from grader.errors import ArgumentError, ExerciseError, ShapeError  # noqa: E402
from grader.layers.keras import ACTIVATIONS, activation  # noqa: E402
from grader.exercise import load_exercise_text  # noqa: E402
from grader.layers import kinds, lookup  # noqa: E402

keras = pytest.importorskip("keras", reason="real Keras 3 is needed for the differential tests "
                                            "(pip install '.[frameworks]')")
from grader.frameworks.keras import build_keras_model, build_model, layer_stats, stats  # noqa: E402
from grader.frameworks.keras import run_once as keras_run_once  # noqa: E402

pytestmark = pytest.mark.frameworks

# valid models in all (a quarter per input rank, a third more with several inputs), and as
# many risky layers; GRADER_DIFF_RANDOM=1 draws new examples on every run (exploration)
EXAMPLES = int(os.environ.get("GRADER_DIFF_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=os.environ.get("GRADER_DIFF_RANDOM") != "1",
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
PER_RANK = settings(SETTINGS, max_examples=max(1, EXAMPLES // 4))
MULTI = settings(SETTINGS, max_examples=max(1, EXAMPLES // 3))
FOCUS = settings(SETTINGS, max_examples=max(2, EXAMPLES // 50))
KERAS_TYPES = sorted({kind.type for kind in kinds("keras").values()})
MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
MAX_VALUES = 6000  # keeps weights small: Keras allocates them for real


# -- drawing helpers -------------------------------------------------------------------

def per_axis(draw, values: list[int]):
    """An int when all axes agree (sometimes), else a list: both spellings Keras accepts."""
    if len(set(values)) == 1 and draw(st.booleans()):
        return values[0]
    return list(values)


def layout(draw, shape, rank: int):
    """(data_format, spatial dims, channels) for a layer of ``rank`` spatial axes."""
    first = draw(st.booleans())
    if first:
        return "channels_first", list(shape[1:]), shape[0]
    return "channels_last", list(shape[:-1]), shape[-1]


def with_format(args: dict, fmt: str) -> dict:
    return {**args, "data_format": fmt} if fmt == "channels_first" else args


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


class Net:
    """A model being drawn: layer mappings plus the shape the engine gives each output."""

    def __init__(self, inputs: dict[str, tuple[int, ...]], input_layer: bool = False):
        self.inputs = dict(inputs)
        self.shapes = dict(inputs)
        self.layers: list[dict] = []
        self.input_layer = input_layer
        self.last = next(iter(inputs)) if len(inputs) == 1 else None
        self.previous = self.last  # what the loader reads when a layer names no inputs

    def try_shape(self, spec: dict) -> tuple[int, ...]:
        """The engine's output shape of ``spec`` on the last output, without adding it."""
        kind = lookup("keras", spec["type"])
        params = kind.normalize({k: v for k, v in spec.items() if k != "type"})
        return tuple(evaluate(kind, params, [self.shape])[0])

    def add(self, spec: dict, inputs: list[str] | None = None) -> str:
        """Append a layer reading ``inputs`` (default: the previous output); return its name."""
        inputs = inputs or [self.last]
        kind = lookup("keras", spec["type"])
        params = kind.normalize({k: v for k, v in spec.items() if k != "type"})
        out, _, _ = evaluate(kind, params, [self.shapes[n] for n in inputs])
        name = f"l{len(self.layers)}"
        entry = {"type": spec["type"], "name": name, **{k: v for k, v in spec.items() if k != "type"}}
        if inputs != [self.previous]:
            entry["inputs"] = inputs[0] if len(inputs) == 1 else list(inputs)
        self.layers.append(entry)
        self.shapes[name] = tuple(out)
        self.last = self.previous = name
        return name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.shapes[self.last]

    def yaml(self) -> str:
        doc: dict = {"id": "random", "framework": "keras"}
        layers = list(self.layers)
        if self.input_layer:
            (name, shape), = self.inputs.items()
            layers.insert(0, {"type": "Input", "name": name, "shape": list(shape)})
        elif len(self.inputs) == 1:
            doc["input_shape"] = list(next(iter(self.inputs.values())))
        else:
            doc["inputs"] = {k: list(v) for k, v in self.inputs.items()}
        doc["layers"] = layers
        return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None)


# -- layers that keep a model valid, by the rank of their input --------------------------
# Each builder draws the arguments of one layer type that are valid on ``shape``.

def conv(draw, shape, rank: int, family: str) -> dict:
    fmt, spatial, cin = layout(draw, shape, rank)
    paddings = ["valid", "same"] + (["causal"] if rank == 1 and family == "Conv" else [])
    padding = draw(st.sampled_from(paddings))
    dilation = [draw(st.integers(1, 3)) for _ in spatial] if draw(st.booleans()) else [1] * rank
    if family == "ConvTranspose" and draw(st.booleans()):
        dilation = [1] * rank
    strided = family in ("Depthwise", "Separable") or max(dilation) == 1  # Conv: not both > 1
    strides = [draw(st.integers(1, 3)) for _ in spatial] if strided else [1] * rank
    kernel = []
    for n, d in zip(spatial, dilation):
        biggest = (n - 1) // d + 1 if padding == "valid" and family != "ConvTranspose" else 5
        kernel.append(draw(st.integers(1, max(1, min(5, biggest)))))
    args = {"kernel_size": per_axis(draw, kernel)}
    if strides != [1] * rank or draw(st.booleans()):
        args["strides"] = per_axis(draw, strides)
    args["padding"] = padding
    if max(dilation) > 1:
        args["dilation_rate"] = per_axis(draw, dilation)
    if draw(st.booleans()):
        args["use_bias"] = False
    if family == "Conv":
        groups = draw(st.sampled_from(divisors(cin))) if draw(st.booleans()) else 1
        args = {"filters": groups * draw(st.integers(1, 4)), **args}
        if groups > 1:
            args["groups"] = groups
        return {"type": f"Conv{rank}D", **with_format(args, fmt)}
    if family == "ConvTranspose":
        args = {"filters": draw(st.integers(1, 6)), **args}
        empty = padding == "same" and any(n == 1 and k % 2 == 0 for n, k in zip(spatial, kernel))
        if max(dilation) == 1 and not empty and draw(st.booleans()):  # Keras would build a 0-length axis
            args["output_padding"] = per_axis(draw, [draw(st.integers(0, s - 1)) for s in strides])
        return {"type": f"Conv{rank}DTranspose", **with_format(args, fmt)}
    if family == "Depthwise":
        args["depth_multiplier"] = draw(st.integers(1, 3))
        return {"type": f"DepthwiseConv{rank}D", **with_format(args, fmt)}
    args = {"filters": draw(st.integers(1, 6)), **args, "depth_multiplier": draw(st.integers(1, 2))}
    return {"type": f"SeparableConv{rank}D", **with_format(args, fmt)}


def pooling(draw, shape, rank: int, op: str) -> dict:
    fmt, spatial, _ = layout(draw, shape, rank)
    padding = draw(st.sampled_from(["valid", "same"]))
    # Keras' torch backend cannot run AveragePooling3D 'same' with a window larger than the input
    fits = padding == "valid" or (op, rank) == ("Average", 3)
    pool = [draw(st.integers(1, min(4, n) if fits else 4)) for n in spatial]
    args: dict = {"pool_size": per_axis(draw, pool)}
    if op == "Max" and pool == [2] * rank and draw(st.booleans()):
        del args["pool_size"]  # MaxPooling's default; AveragePooling has none
    if draw(st.booleans()):
        args["strides"] = per_axis(draw, [draw(st.integers(1, 3)) for _ in spatial])
    if padding == "same" or draw(st.booleans()):
        args["padding"] = padding
    return {"type": f"{op}Pooling{rank}D", **with_format(args, fmt)}


def global_pooling(draw, shape, rank: int, op: str) -> dict:
    fmt, _, _ = layout(draw, shape, rank)
    args = {"keepdims": True} if draw(st.booleans()) else {}
    return {"type": f"Global{op}Pooling{rank}D", **with_format(args, fmt)}


def resizing(draw, shape, rank: int, which: str) -> dict:
    if rank == 1 and which != "ZeroPadding":  # Cropping1D and UpSampling1D have no data_format
        fmt, spatial = "channels_last", list(shape[:-1])
    else:
        fmt, spatial, _ = layout(draw, shape, rank)
    if which == "UpSampling":
        sizes = [draw(st.integers(1, 3)) for _ in spatial]
        args: dict = {"size": sizes[0] if rank == 1 else per_axis(draw, sizes)}  # 1-D: an int only
        return {"type": f"{which}{rank}D", **with_format(args, fmt)}
    pairs = []
    for n in spatial:
        if which == "Cropping":
            before = draw(st.integers(0, n - 1))
            after = draw(st.integers(0, n - 1 - before))
        else:
            before, after = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        pairs.append([before, after])
    if rank == 1:
        value = pairs[0][0] if pairs[0][0] == pairs[0][1] and draw(st.booleans()) else pairs[0]
    elif all(a == b for a, b in pairs) and draw(st.booleans()):
        value = per_axis(draw, [a for a, _ in pairs])
    else:
        value = [p[0] if p[0] == p[1] and draw(st.booleans()) else p for p in pairs]
    args = {"padding" if which == "ZeroPadding" else "cropping": value}
    return {"type": f"{which}{rank}D", **with_format(args, fmt)}


def recurrent(draw, shape, kind: str) -> dict:
    if kind == "Bidirectional":
        inner = recurrent(draw, shape, draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"])))
        merge = draw(st.sampled_from(["concat", "sum", "mul", "ave"]))
        extra = {"merge_mode": merge} if merge != "concat" else {}  # concat is the default
        return {"type": "Bidirectional", "layer": inner, **extra}
    layer: dict = {"type": kind, "units": draw(st.integers(1, 8))}
    if draw(st.booleans()):
        layer["return_sequences"] = True
    if draw(st.integers(0, 4)) == 0:
        layer["use_bias"] = False
    if kind == "GRU" and draw(st.booleans()):
        layer["reset_after"] = False
    return layer


def any_axis(draw, rank: int) -> int:
    return draw(st.sampled_from([*range(1, rank + 1), *range(-rank, 0)]))


def normalization(draw, shape, kind: str) -> dict:
    rank = len(shape)
    args: dict = {}
    if kind == "LayerNormalization":
        # trailing axes only: Keras' torch backend cannot run others (torch.layer_norm)
        first = draw(st.integers(1, rank))
        if first < rank or draw(st.booleans()):
            args["axis"] = list(range(first, rank + 1))
        elif draw(st.booleans()):
            args["axis"] = rank
    else:
        axis = any_axis(draw, rank)
        if axis != -1:
            args["axis"] = axis
        if kind == "GroupNormalization":
            args["groups"] = draw(st.sampled_from([-1, *divisors(shape[axis - 1 if axis > 0 else axis])]))
    for flag in ("center", "scale"):
        if draw(st.integers(0, 3)) == 0:
            args[flag] = False
    return {"type": kind, **args}


def reshape(draw, shape) -> dict:
    left = math.prod(shape)
    dims = []
    for _ in range(draw(st.integers(0, 3))):
        d = draw(st.sampled_from(divisors(left)))
        dims.append(d)
        left //= d
    dims = list(draw(st.permutations([*dims, left])))
    if draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return {"type": "Reshape", "target_shape": dims}


def attention(draw, shape=None) -> dict:
    args: dict = {"num_heads": draw(st.integers(1, 3)), "key_dim": draw(st.integers(1, 6))}
    if draw(st.booleans()):
        args["value_dim"] = draw(st.integers(1, 6))
    if draw(st.booleans()):
        args["output_shape"] = draw(st.integers(1, 6))
    if draw(st.integers(0, 3)) == 0:
        args["use_bias"] = False
    return {"type": "MultiHeadAttention", **args}


SHAPELESS = {"Dropout": {"rate": 0.25}, "Activation": {"activation": "relu"},
             "GaussianNoise": {"stddev": 0.1}, "GaussianDropout": {"rate": 0.1},
             "AlphaDropout": {"rate": 0.1}, "ReLU": {}, "Softmax": {}, "LeakyReLU": {}, "ELU": {},
             "Identity": {}, "Masking": {}, "ActivityRegularization": {"l1": 0.01}}


def time_distributed(draw, shape) -> dict:
    inner_shape = shape[1:]
    if len(inner_shape) in (2, 3) and draw(st.booleans()):
        rank = len(inner_shape) - 1
        inner = conv(draw, inner_shape, rank, "Conv") if draw(st.booleans()) else \
            pooling(draw, inner_shape, rank, "Max")
    else:
        inner = {"type": "Dense", "units": draw(st.integers(1, 8))}
    return {"type": "TimeDistributed", "layer": inner}


def dense(draw, shape) -> dict:
    return {"type": "Dense", "units": draw(st.integers(1, 12)),
            **({"use_bias": False} if draw(st.integers(0, 4)) == 0 else {})}


# -- preprocessing and augmentation, PReLU, unit and RMS normalisation ------------------------

def factor(draw, low: float, high: float):
    """A factor Keras accepts: one number in [low, high] or a pair lower <= upper inside it."""
    value = draw(st.floats(low, high).map(lambda v: round(v, 2)))
    if draw(st.booleans()):
        return value
    other = round(draw(st.floats(low, high)), 2)
    return sorted([value, other])


def image(draw, shape, kind: str) -> dict:
    """An image layer on one (height, width, channels) or (channels, height, width) image."""
    fmt, _, _ = layout(draw, shape, 2)
    args: dict = {}
    if kind == "RandomFlip" and draw(st.booleans()):
        args["mode"] = draw(st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical"]))
    elif kind in ("RandomRotation", "RandomContrast", "RandomBrightness"):
        args["factor"] = factor(draw, 0 if kind == "RandomContrast" else -1, 1)
    elif kind in ("RandomZoom", "RandomTranslation"):
        args["height_factor"] = factor(draw, -0.9 if kind == "RandomZoom" else -1, 1)
        if kind == "RandomTranslation" or draw(st.booleans()):
            args["width_factor"] = factor(draw, -0.9 if kind == "RandomZoom" else -1, 1)
    elif kind in ("Resizing", "CenterCrop", "RandomCrop"):
        args = {"height": draw(st.integers(1, 10)), "width": draw(st.integers(1, 10))}
        if kind == "Resizing":
            extra = draw(st.sampled_from([None, "crop_to_aspect_ratio", "pad_to_aspect_ratio"]))
            if extra:
                args[extra] = True
            if draw(st.booleans()):
                args["interpolation"] = draw(st.sampled_from(["bilinear", "nearest", "bicubic"]))
    if kind in ("RandomRotation", "RandomZoom", "RandomTranslation") and draw(st.booleans()):
        args["fill_mode"] = draw(st.sampled_from(["reflect", "wrap", "constant", "nearest"]))
    return {"type": kind, **with_format(args, fmt)}


def rescaling(draw, shape) -> dict:
    args: dict = {"scale": draw(st.sampled_from([1 / 255, 1 / 127.5, 2, -0.5]))}
    if draw(st.booleans()):
        args["offset"] = draw(st.sampled_from([-1, 0.5]))
    return {"type": "Rescaling", **args}


def prelu(draw, shape) -> dict:
    """shared_axes from 1 to the rank, sometimes Keras' Python-indexed 0 and negatives."""
    rank = len(shape)
    axes = draw(st.lists(st.integers(1 - rank, rank), max_size=rank, unique=True))
    if not axes and draw(st.booleans()):
        return {"type": "PReLU"}
    return {"type": "PReLU", "shared_axes": axes[0] if len(axes) == 1 and draw(st.booleans()) else axes}


def unit_normalization(draw, shape) -> dict:
    rank = len(shape)
    axes = draw(st.lists(st.integers(0, rank), min_size=1, max_size=rank + 1, unique=True))
    spelt = [a - (rank + 1) if draw(st.booleans()) else a for a in axes]  # negative spellings too
    return {"type": "UnitNormalization", **({} if spelt == [-1] else {"axis": spelt[0] if len(spelt) == 1 else spelt})}


def rms_normalization(draw, shape) -> dict:
    """The trailing axes (the only ones Keras can run), in positive or negative spelling."""
    rank = len(shape)
    first = draw(st.integers(1, rank))
    shift = rank + 1 if draw(st.booleans()) else 0  # one spelling: Keras sorts them as written
    axes = [a - shift for a in range(first, rank + 1)]
    return {"type": "RMSNormalization", **({} if axes == [-1] else {"axis": axes[0] if len(axes) == 1 else axes})}


IMAGE_KINDS = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
               "RandomBrightness", "Resizing", "CenterCrop", "RandomCrop")


def rules() -> dict[str, tuple[tuple[int, ...], object]]:
    """type -> (input ranks it accepts, builder(draw, shape) -> layer mapping)."""
    table: dict[str, tuple[tuple[int, ...], object]] = {
        "Dense": ((1, 2, 3, 4), dense),
        "Flatten": ((2, 3, 4), lambda draw, shape: {"type": "Flatten"}),
        "Reshape": ((1, 2, 3, 4), reshape),
        "Permute": ((2, 3, 4), lambda draw, shape: {
            "type": "Permute", "dims": list(draw(st.permutations(range(1, len(shape) + 1))))}),
        "RepeatVector": ((1,), lambda draw, shape: {"type": "RepeatVector", "n": draw(st.integers(1, 4))}),
        "Embedding": ((1, 2), lambda draw, shape: {"type": "Embedding", "input_dim": draw(st.integers(1, 30)),
                                                   "output_dim": draw(st.integers(1, 6))}),
        "MultiHeadAttention": ((2, 3, 4), attention),
        "TimeDistributed": ((2, 3, 4), time_distributed),
    }
    for kind in IMAGE_KINDS:  # one image per example (a 2-D one Keras reads with the batch as height)
        table[kind] = ((3,), lambda draw, shape, kind=kind: image(draw, shape, kind))
    table["Rescaling"] = ((1, 2, 3, 4), rescaling)
    table["PReLU"] = ((1, 2, 3, 4), prelu)
    table["UnitNormalization"] = ((1, 2, 3, 4), unit_normalization)
    table["RMSNormalization"] = ((1, 2, 3, 4), rms_normalization)
    for kind in ("SimpleRNN", "LSTM", "GRU", "Bidirectional"):
        table[kind] = ((2,), lambda draw, shape, kind=kind: recurrent(draw, shape, kind))
    for kind in ("BatchNormalization", "LayerNormalization", "GroupNormalization"):
        table[kind] = ((1, 2, 3, 4), lambda draw, shape, kind=kind: normalization(draw, shape, kind))
    for kind, args in SHAPELESS.items():
        table[kind] = ((1, 2, 3, 4), lambda draw, shape, kind=kind, args=args: {"type": kind, **args})
    for r in (1, 2, 3):
        ranks = (r + 1,)
        table[f"Conv{r}D"] = (ranks, lambda draw, shape, r=r: conv(draw, shape, r, "Conv"))
        table[f"Conv{r}DTranspose"] = (ranks, lambda draw, shape, r=r: conv(draw, shape, r, "ConvTranspose"))
        if r < 3:
            table[f"DepthwiseConv{r}D"] = (ranks, lambda draw, shape, r=r: conv(draw, shape, r, "Depthwise"))
            table[f"SeparableConv{r}D"] = (ranks, lambda draw, shape, r=r: conv(draw, shape, r, "Separable"))
        for op in ("Max", "Average"):
            table[f"{op}Pooling{r}D"] = (ranks, lambda draw, shape, r=r, op=op: pooling(draw, shape, r, op))
            table[f"Global{op}Pooling{r}D"] = (
                ranks, lambda draw, shape, r=r, op=op: global_pooling(draw, shape, r, op))
        for which in ("ZeroPadding", "Cropping", "UpSampling"):
            table[f"{which}{r}D"] = (ranks, lambda draw, shape, r=r, w=which: resizing(draw, shape, r, w))
        table[f"SpatialDropout{r}D"] = (ranks, lambda draw, shape, r=r: {"type": f"SpatialDropout{r}D",
                                                                          "rate": 0.5})
    return table


RULES = rules()
GROWING = ("Transpose", "UpSampling", "ZeroPadding", "RepeatVector", "Embedding", "TimeDistributed")
# A mask breaks some later layers at run time (GlobalAveragePooling1D channels_first): masks
# change no shape or count, so Masking is drawn last only
LAST_ONLY = {"Masking"}


def one_layer(draw, shape) -> dict:
    """Any layer valid on ``shape``: a type drawn evenly among those that accept its rank."""
    big = math.prod(shape) > MAX_VALUES // 4
    options = sorted(t for t, (ranks, _) in RULES.items() if len(shape) in ranks and t not in LAST_ONLY
                     and not (big and any(g in t for g in GROWING)))
    return RULES[draw(st.sampled_from(options))][1](draw, shape)


def same_shape_branch(draw, shape) -> dict:
    """A layer whose output has its input's shape (for residual merges)."""
    rank = len(shape)
    options = [{"type": "Dense", "units": shape[-1]}, {"type": "BatchNormalization"},
               {"type": "LayerNormalization"}, {"type": "Activation", "activation": "tanh"}]
    if 2 <= rank <= 4:
        k = draw(st.integers(1, 3))
        options.append({"type": f"Conv{rank - 1}D", "filters": shape[-1], "kernel_size": k,
                        "padding": "same"})
        if rank <= 3:
            options.append({"type": f"DepthwiseConv{rank - 1}D", "kernel_size": k, "padding": "same"})
    if rank >= 2:
        options.append({"type": "MultiHeadAttention", "num_heads": 2, "key_dim": draw(st.integers(1, 4))})
    return draw(st.sampled_from(options))


def merge(draw, net: Net, how: str) -> None:
    """Branches from the last output joined again: ``how`` is a merge type or a move name."""
    shape, trunk = net.shape, net.last
    if how in MERGES or how == "residual":
        branches = [net.add(same_shape_branch(draw, shape), [trunk]) for _ in range(draw(st.integers(1, 2)))]
        ops = [m for m in MERGES if m != "Subtract" or len(branches) == 1]
        op = how if how in MERGES else draw(st.sampled_from(ops))
        if op == "Subtract":
            branches = branches[:1]
        net.add({"type": op}, [trunk, *branches])
    elif how == "broadcast":  # (..., n) with (..., 1)
        branch = net.add({"type": "Dense", "units": 1}, [trunk])
        order = [trunk, branch] if draw(st.booleans()) else [branch, trunk]
        net.add({"type": draw(st.sampled_from(MERGES))}, order)
    elif draw(st.booleans()):  # branches of different widths, joined on the last axis
        a = net.add({"type": "Dense", "units": draw(st.integers(1, 6))}, [trunk])
        b = net.add({"type": "Dense", "units": draw(st.integers(1, 6))}, [trunk])
        axis = draw(st.sampled_from([-1, len(shape)]))
        net.add({"type": "Concatenate", **({"axis": axis} if axis != -1 else {})}, [a, b])
    elif how == "Dot":
        dot(draw, net)
    else:  # the trunk with itself, on any axis
        net.add({"type": "Concatenate", "axis": any_axis(draw, len(shape))}, [trunk, trunk])


def dot(draw, net: Net) -> None:
    """The trunk with itself, a Dense branch of it or a vector made from it, along axes of one size.

    The output has the other axes of both inputs: a rank of at most 4 keeps later layers drawable.
    """
    trunk = net.last
    a = net.shapes[trunk]
    pairs: list[tuple[int, int]] = []
    if len(a) <= 3:
        other = trunk if draw(st.booleans()) else net.add(dense(draw, a), [trunk])
        b = net.shapes[other]
        pairs = [(i, j) for i in range(1, len(a) + 1) for j in range(1, len(b) + 1) if a[i - 1] == b[j - 1]
                 and math.prod(a) * math.prod(b) // (a[i - 1] ** 2) <= MAX_VALUES]
    if not pairs:  # a vector as long as one axis of the trunk
        i = draw(st.integers(1, len(a)))
        flat = net.add({"type": "Flatten"}, [trunk]) if len(a) > 1 else trunk
        other = net.add({"type": "Dense", "units": a[i - 1]}, [flat])
        b, pairs = net.shapes[other], [(i, 1)]
    i, j = draw(st.sampled_from(pairs))
    if i == j and len(a) == len(b) and draw(st.booleans()):
        axes: object = i - (len(a) + 1) if draw(st.booleans()) else i  # one integer, maybe negative
    else:
        axes = [i, j]
    extra = {"normalize": True} if draw(st.booleans()) else {}
    net.add({"type": "Dot", "axes": axes, **extra}, [trunk, other])


def step(draw, net: Net) -> None:
    """One move: a layer (most often), or branches merged again."""
    move = draw(st.sampled_from(["layer"] * 4 + ["residual", "broadcast", "Concatenate"]))
    if move == "layer" or math.prod(net.shape) > MAX_VALUES:
        net.add(one_layer(draw, net.shape))
    else:
        merge(draw, net, move)


def input_shape(draw, rank: int | None = None) -> tuple[int, ...]:
    rank = rank or draw(st.integers(1, 4))
    top = {1: 24, 2: 12, 3: 9, 4: 6}[rank]
    return tuple(draw(st.integers(1, top)) for _ in range(rank))


@st.composite
def sequential_models(draw, rank: int) -> Net:
    net = Net({"input": input_shape(draw, rank)}, input_layer=draw(st.integers(0, 4)) == 0)
    for _ in range(draw(st.integers(1, 6))):
        step(draw, net)
    return net


@st.composite
def focused_models(draw, type_name: str) -> Net:
    """A random model with at least one layer of ``type_name``."""
    joins = (*MERGES, "Concatenate", "Dot")
    assert type_name in RULES or type_name in (*joins, "InputLayer"), \
        f"no generator for the Keras kind {type_name}: add a rule to RULES"
    ranks = RULES[type_name][0] if type_name in RULES else (1, 2, 3, 4)
    rank = draw(st.sampled_from(ranks))
    net = Net({"input": input_shape(draw, rank)},
              input_layer=type_name == "InputLayer" or draw(st.integers(0, 4)) == 0)
    for _ in range(draw(st.integers(0, 2))):  # layers before it that keep the rank
        spec = one_layer(draw, net.shape)
        if len(net.try_shape(spec)) == rank:
            net.add(spec)
    if type_name in joins:
        merge(draw, net, type_name)
    elif type_name != "InputLayer":
        net.add(RULES[type_name][1](draw, net.shape))
    for _ in range(0 if type_name in LAST_ONLY else draw(st.integers(0, 2))):
        step(draw, net)
    return net


@st.composite
def multi_input_models(draw) -> Net:
    names = ["image", "meta", "extra"][:draw(st.integers(2, 3))]
    net = Net({n: input_shape(draw) for n in names})
    heads = []
    for n in names:
        net.last = n
        for _ in range(draw(st.integers(0, 2))):
            net.add(one_layer(draw, net.shape))
        heads.append(net.last)
    join = draw(st.sampled_from(["merge", "concat", "attention"]))
    if join == "attention" and min(len(net.shapes[h]) for h in heads) >= 2:
        # query, value and key of one rank (Keras cannot run mixed ranks); key and value
        # agree in every dimension but the last
        query, rank = heads[0], len(net.shapes[heads[0]])
        flat = [net.add({"type": "Flatten"}, [h]) if len(net.shapes[h]) > 1 else h for h in heads[1:]]
        value = net.add({"type": "Reshape", "target_shape": [-1] + [1] * (rank - 1)}, [flat[0]])
        ins = [query, value]
        if len(flat) > 1:
            steps = net.shapes[value][0]
            repeated = net.add({"type": "RepeatVector", "n": steps}, [flat[1]])
            ins.append(net.add({"type": "Reshape", "target_shape": [steps] + [1] * (rank - 2) + [-1]},
                               [repeated]))
        net.add(attention(draw, net.shapes[query]), ins)
    else:
        units = draw(st.integers(1, 8))
        flat = [net.add({"type": "Flatten"}, [h]) if len(net.shapes[h]) > 1 else h for h in heads]
        if join == "merge":
            dense = [net.add({"type": "Dense", "units": units}, [f]) for f in flat]
            ops = MERGES if len(dense) == 2 else [m for m in MERGES if m != "Subtract"]
            net.add({"type": draw(st.sampled_from(ops))}, dense)
        else:
            net.add({"type": "Concatenate"}, flat)
    for _ in range(draw(st.integers(0, 2))):
        net.add(one_layer(draw, net.shape))
    return net


# -- comparing with Keras ------------------------------------------------------------------

def keras_truth(build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build()


def run_once(model) -> list[tuple[int, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return keras_run_once(model)


def assert_same_as_keras(text: str) -> None:
    note(text)
    exercise = load_exercise_text(text, "random.yaml")
    model = keras_truth(lambda: build_keras_model(exercise))
    truth = layer_stats(model, exercise)
    for layer in exercise.solution.layers:
        ours = {"output_shape": layer.output_shape, "params": layer.params,
                "trainable": layer.trainable_params, "non_trainable": layer.non_trainable_params}
        assert ours == truth[layer.name], f"{layer.name} ({layer.type})"
    assert model.count_params() == exercise.solution.total_params
    assert run_once(model) == [tuple(int(d) for d in o.shape[1:]) for o in model.outputs]


@pytest.mark.parametrize("type_name", KERAS_TYPES)
@FOCUS
@given(data=st.data())
def test_every_keras_kind_matches_keras(type_name, data):
    """Each registered Keras kind, drawn into a random model (the list comes from the registry)."""
    assert_same_as_keras(data.draw(focused_models(type_name)).yaml())


@pytest.mark.parametrize("rank", [1, 2, 3, 4])
@PER_RANK
@given(data=st.data())
def test_random_models_match_keras(rank, data):
    assert_same_as_keras(data.draw(sequential_models(rank)).yaml())


@MULTI
@given(multi_input_models())
def test_random_multi_input_models_match_keras(net):
    assert_same_as_keras(net.yaml())


# -- configurations that may be invalid --------------------------------------------------

def any_shape(draw, rank: int | None = None) -> list[int]:
    rank = rank or draw(st.integers(1, 5))
    return [draw(st.integers(1, 8)) for _ in range(rank)]


def loose_tuple(draw, n: int, low: int, high: int):
    values = [draw(st.integers(low, high)) for _ in range(n)]
    return values[0] if draw(st.booleans()) else values


def risky_conv(draw) -> dict:
    family = draw(st.sampled_from(["Conv", "ConvTranspose", "DepthwiseConv", "SeparableConv"]))
    rank = draw(st.integers(1, 2 if family in ("DepthwiseConv", "SeparableConv") else 3))
    args: dict = {"kernel_size": loose_tuple(draw, rank, 1, 6),
                  "strides": loose_tuple(draw, rank, 1, 3),
                  "dilation_rate": loose_tuple(draw, rank, 1, 3),
                  "padding": draw(st.sampled_from(["valid", "same", "causal"])),
                  "data_format": draw(st.sampled_from(["channels_last", "channels_first"]))}
    if family != "DepthwiseConv":
        args["filters"] = draw(st.integers(1, 8))
    if family == "Conv":
        args["groups"] = draw(st.integers(1, 4))
        name = f"Conv{rank}D"
    elif family == "ConvTranspose":
        if draw(st.booleans()):
            args["output_padding"] = loose_tuple(draw, rank, 0, 3)
        name = f"Conv{rank}DTranspose"
    else:
        args["depth_multiplier"] = draw(st.integers(1, 3))
        name = f"{family}{rank}D"
    return {"type": name, **args}


def risky_window(draw) -> dict:
    rank = draw(st.integers(1, 3))
    which = draw(st.sampled_from(["MaxPooling", "AveragePooling", "GlobalMaxPooling", "ZeroPadding",
                                  "Cropping", "UpSampling"]))
    fmt = {"data_format": draw(st.sampled_from(["channels_last", "channels_first"]))}
    if rank == 1 and which in ("Cropping", "UpSampling"):
        fmt = {}
    if which.endswith("Pooling") and not which.startswith("Global"):
        # no AveragePooling3D 'same': Keras' torch backend cannot run it with large windows
        paddings = ["valid"] if (which, rank) == ("AveragePooling", 3) else ["valid", "same"]
        args = {"pool_size": loose_tuple(draw, rank, 1, 6), "padding": draw(st.sampled_from(paddings))}
        if draw(st.booleans()):
            args["strides"] = loose_tuple(draw, rank, 1, 3)
    elif which == "GlobalMaxPooling":
        args = {"keepdims": draw(st.booleans())}
    elif which == "UpSampling":
        args = {"size": draw(st.integers(1, 3)) if rank == 1 else loose_tuple(draw, rank, 1, 3)}
    else:
        key = "padding" if which == "ZeroPadding" else "cropping"
        pairs = [[draw(st.integers(0, 5)), draw(st.integers(0, 5))] for _ in range(rank)]
        form = draw(st.integers(0, 2))
        args = {key: pairs[0][0] if form == 0 else (pairs[0] if rank == 1 else
                                                    [p[0] for p in pairs] if form == 1 else pairs)}
    return {"type": f"{which}{rank}D", **args, **fmt}


def risky_other(draw, shape: list[int]) -> dict:
    rank = len(shape)
    what = draw(st.sampled_from(["reshape", "permute", "bn", "ln", "gn", "rnn", "repeat", "td",
                                 "spatial", "dense", "flatten", "embedding", "attention", "softmax"]))
    if what == "softmax":
        axis = draw(st.integers(-6, 5) | st.lists(st.integers(-6, 5), min_size=1, max_size=2, unique=True))
        return {"type": "Softmax", "axis": axis}
    if what == "reshape":
        target = [draw(st.sampled_from([-1, *range(1, 13)])) for _ in range(draw(st.integers(1, 3)))]
        return {"type": "Reshape", "target_shape": target}
    if what == "permute":
        return {"type": "Permute", "dims": [draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 4)))]}
    if what == "bn":
        return {"type": "BatchNormalization", "axis": draw(st.integers(-5, 5))}
    if what == "ln":  # trailing axes or out of range: Keras' torch backend cannot run other axes
        trailing = [-1, rank, list(range(draw(st.integers(1, rank)), rank + 1))]
        outside = [0, rank + 1, -rank - 1, -rank - 2, [rank + 1], [0, rank]]
        return {"type": "LayerNormalization", "axis": draw(st.sampled_from(trailing + outside))}
    if what == "gn":
        return {"type": "GroupNormalization", "groups": draw(st.sampled_from([-1, *range(1, 9)])),
                "axis": draw(st.integers(-5, 5))}
    if what == "rnn":
        inner = {"type": draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"])), "units": 3}
        return {"type": "Bidirectional", "layer": inner} if draw(st.booleans()) else inner
    if what == "repeat":
        return {"type": "RepeatVector", "n": 2}
    if what == "td":
        inner = draw(st.sampled_from([{"type": "Dense", "units": 3},
                                      {"type": "Conv1D", "filters": 2, "kernel_size": 3}]))
        return {"type": "TimeDistributed", "layer": inner}
    if what == "spatial":
        return {"type": f"SpatialDropout{draw(st.integers(1, 3))}D", "rate": 0.5}
    if what == "dense":
        return {"type": "Dense", "units": 3}
    if what == "flatten":
        return {"type": "Flatten"}
    if what == "embedding":
        return {"type": "Embedding", "input_dim": 5, "output_dim": 2}
    return {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 2}


def mutated(draw, shape: list[int]) -> list[int]:
    """The same shape, or one dimension changed, set to 1, dropped or added."""
    shape = list(shape)
    how = draw(st.sampled_from(["same", "same", "change", "one", "drop", "add"]))
    i = draw(st.integers(0, len(shape) - 1))
    if how == "change":
        shape[i] = draw(st.integers(1, 8))
    elif how == "one":
        shape[i] = 1
    elif how == "drop" and len(shape) > 1:
        del shape[i]
    elif how == "add":
        shape.insert(i, draw(st.integers(1, 4)))
    return shape


@st.composite
def risky_models(draw) -> dict:
    """One layer (or a merge of several inputs) with arguments drawn freely: valid or not."""
    kind = draw(st.sampled_from(["conv", "conv", "window", "other", "merge", "attention"]))
    first = any_shape(draw)
    if kind in ("merge", "attention"):
        count = draw(st.integers(2, 3))
        inputs = {f"in{i}": first if i == 0 else mutated(draw, first) for i in range(count)}
        if kind == "merge":
            layer = {"type": draw(st.sampled_from([*MERGES, "Concatenate"]))}
            if layer["type"] == "Concatenate" and draw(st.booleans()):
                layer["axis"] = draw(st.integers(-4, 4).filter(bool))
        else:
            layer = {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 3}
        return {"inputs": inputs, "layers": [{**layer, "name": "probe", "inputs": list(inputs)}]}
    layer = {"conv": risky_conv, "window": risky_window}.get(kind, lambda d: risky_other(d, first))(draw)
    return {"inputs": {"input": first}, "layers": [{**layer, "name": "probe", "inputs": "input"}]}


def keras_outcome(doc: dict) -> dict | str:
    """Keras' stats of the probe layer, or why Keras cannot build it or run it once.

    Keras builds some models it cannot run (MultiHeadAttention on a 1-D query, a
    transposed convolution of length 0): the grader rejects those too.
    """
    specs = [(spec["name"], spec["type"], spec, [spec["inputs"]] if isinstance(spec["inputs"], str) else spec["inputs"])
             for spec in doc["layers"]]
    try:
        model = keras_truth(lambda: build_model(doc["inputs"], specs))
        truth = stats(model, ["probe"])["probe"]
        if min(truth["output_shape"], default=1) < 1:
            return f"empty output {truth['output_shape']}"
        ran = run_once(model)
    except Exception as exc:  # whatever Keras raises: ValueError, TypeError, IndexError...
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    assert ran == [truth["output_shape"]], "Keras ran to another shape than it built"
    return truth


def assert_rejected_exactly_when_keras_fails(doc: dict) -> None:
    text = yaml.safe_dump({"id": "risky", "framework": "keras", **doc}, sort_keys=False,
                          default_flow_style=None)
    note(text)
    try:
        exercise = load_exercise_text(text, "risky.yaml")
        ours: object = exercise.solution.layer("probe")
    except (ExerciseError, ShapeError) as exc:
        ours = exc
    truth = keras_outcome(doc)
    note(f"grader: {ours}\nkeras: {truth}")
    if isinstance(ours, Exception) or isinstance(truth, str):
        assert isinstance(ours, Exception) and isinstance(truth, str)
    else:
        assert (ours.output_shape, ours.params, ours.trainable_params, ours.non_trainable_params) == (
            truth["output_shape"], truth["params"], truth["trainable"], truth["non_trainable"])


@SETTINGS
@given(risky_models())
def test_rejected_exactly_when_keras_fails(doc):
    assert_rejected_exactly_when_keras_fails(doc)


LOOSE_FACTORS = [-1.5, -1, -0.5, 0, 0.3, 1, 1.2]


def loose_factor(draw):
    if draw(st.booleans()):
        return draw(st.sampled_from(LOOSE_FACTORS))
    return [draw(st.sampled_from(LOOSE_FACTORS)) for _ in range(draw(st.sampled_from([2, 2, 2, 1, 3])))]


def risky_image(draw) -> dict:
    """An image layer with arguments drawn freely, on an example of rank 1, 3, 4 or 5.

    Not rank 2: Keras reads a 2-D example as one image whose height is the batch (see
    tests/test_layers_keras.py), which the grader refuses on purpose.
    """
    kind = draw(st.sampled_from([*IMAGE_KINDS, "Rescaling"]))
    args: dict = {}
    if kind == "Rescaling":
        args["scale"] = draw(st.sampled_from([0.5, -2, 1 / 255]))
    elif kind in ("RandomRotation", "RandomContrast", "RandomBrightness"):
        args["factor"] = loose_factor(draw)
    elif kind in ("RandomZoom", "RandomTranslation"):
        args["height_factor"] = loose_factor(draw)
        if kind == "RandomTranslation" or draw(st.booleans()):
            args["width_factor"] = loose_factor(draw)
    elif kind in ("Resizing", "CenterCrop", "RandomCrop"):
        args = {"height": draw(st.integers(1, 10)), "width": draw(st.integers(1, 10))}
        if kind == "Resizing":
            for flag in ("crop_to_aspect_ratio", "pad_to_aspect_ratio"):
                if draw(st.booleans()):
                    args[flag] = True
    if kind in ("RandomRotation", "RandomZoom", "RandomTranslation") and draw(st.booleans()):
        args["fill_mode"] = draw(st.sampled_from(["reflect", "constant", "mirror"]))
    if kind != "Rescaling" and draw(st.booleans()):
        args["data_format"] = draw(st.sampled_from(["channels_last", "channels_first"]))
    return {"type": kind, **args}


def risky_axes(draw, rank: int) -> dict:
    """PReLU, UnitNormalization or RMSNormalization over axes drawn freely (any spelling)."""
    kind = draw(st.sampled_from(["PReLU", "UnitNormalization", "RMSNormalization"]))
    key = "shared_axes" if kind == "PReLU" else "axis"
    axes = draw(st.lists(st.integers(-rank - 2, rank + 1), min_size=1, max_size=3))
    return {"type": kind, key: axes[0] if len(axes) == 1 and draw(st.booleans()) else axes}


@st.composite
def risky_new_kinds(draw) -> dict:
    """Image layers, axis layers and Dot with arguments drawn freely: valid or not."""
    what = draw(st.sampled_from(["image", "axes", "dot"]))
    if what == "image":
        first = any_shape(draw, draw(st.sampled_from([1, 3, 3, 3, 4, 5])))
        layer = risky_image(draw)
    elif what == "axes":
        first = any_shape(draw)
        layer = risky_axes(draw, len(first))
    else:
        first = any_shape(draw, draw(st.integers(1, 3)))
        inputs = {"in0": first, "in1": mutated(draw, first)}
        axes = draw(st.integers(-5, 4) | st.lists(st.integers(-5, 4), min_size=2, max_size=2))
        layer = {"type": "Dot", "axes": axes, "name": "probe", "inputs": list(inputs)}
        return {"inputs": inputs, "layers": [layer]}
    return {"inputs": {"input": first}, "layers": [{**layer, "name": "probe", "inputs": "input"}]}


@settings(SETTINGS, max_examples=max(1, EXAMPLES // 2))
@given(risky_new_kinds())
def test_image_axis_and_dot_layers_rejected_exactly_when_keras_fails(doc):
    assert_rejected_exactly_when_keras_fails(doc)


# -- activation names: the validator accepts exactly what keras.activations.get accepts ---------

@pytest.mark.parametrize("name", sorted(ACTIVATIONS) + [None])
def test_every_accepted_activation_is_one_keras_knows(name):
    assert callable(keras.activations.get(name))
    assert activation(name, "activation") == name


@pytest.mark.parametrize("name", ["rellu", "Relu", "RELU", "soft_max", "leakyrelu", "", "linear "])
def test_activations_keras_refuses_are_refused(name):
    with pytest.raises(ValueError, match="Could not interpret activation"):
        keras.activations.get(name)
    with pytest.raises(ArgumentError):
        activation(name, "activation")


# -- sequences of any length (issue 10, item 10) ----------------------------------------------
# A chain of sequence and Conv1D layers is drawn for a nominal length, then its input's
# length is written null. The grader must refuse it exactly when Keras cannot build it on
# None or cannot run it at a length (the nominal one and one over 100 steps longer: every
# window fits them, and a size that follows the length differs); otherwise every layer's
# shape, with None where Keras prints None, and counts must agree, and each run's output is
# the grader's for that length. The data_format of the layers is drawn too: channels_first
# makes the length a channel, which Keras refuses.

SEQUENCE_KINDS = ("Conv1D", "Conv1DTranspose", "DepthwiseConv1D", "SeparableConv1D", "MaxPooling1D",
                  "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "ZeroPadding1D",
                  "Cropping1D", "UpSampling1D", "SpatialDropout1D", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
                  "Dense", "TimeDistributed", "MultiHeadAttention", "LayerNormalization", "BatchNormalization",
                  "GroupNormalization", "Dropout", "Activation", "Flatten", "UnitNormalization")


@st.composite
def variable_length_models(draw) -> tuple[dict, tuple[int, int]]:
    """(exercise document with a null length, two lengths it is run at)."""
    nominal = draw(st.integers(6, 14))
    tokens = draw(st.integers(0, 3)) == 0
    net = Net({"input": (nominal,) if tokens else (nominal, draw(st.integers(1, 6)))},
              input_layer=draw(st.integers(0, 4)) == 0)
    if tokens:
        net.add(RULES["Embedding"][1](draw, net.shape))
    for _ in range(draw(st.integers(1, 4))):
        options = [t for t in SEQUENCE_KINDS if len(net.shape) in RULES[t][0]]
        if not options:
            break
        net.add(RULES[draw(st.sampled_from(options))][1](draw, net.shape))
    doc = yaml.safe_load(net.yaml())
    shape = doc["layers"][0]["shape"] if net.input_layer else doc["input_shape"]
    shape[0] = None
    return doc, (nominal, nominal + draw(st.integers(100, 109)))


def with_length(doc: dict, length: int) -> dict:
    """The document with the length given (the input's first size)."""
    out = yaml.safe_load(yaml.safe_dump(doc))
    shape = out["layers"][0]["shape"] if "input_shape" not in out else out["input_shape"]
    shape[0] = length
    return out


def keras_on_any_length(doc: dict, lengths: tuple[int, int]):
    """The Keras model built on None, with its stats and each length's outputs, or why not."""
    exercise = load_exercise_text(yaml.safe_dump(with_length(doc, lengths[0])), "nominal.yaml")
    specs = [(layer.name, layer.type, layer.args, layer.inputs) for layer in exercise.layers]
    inputs = {name: (None, *shape[1:]) for name, shape in exercise.inputs.items()}
    specs = [(n, t, ({**a, "shape": [None, *a["shape"][1:]]} if t in ("Input", "InputLayer") else a), i)
             for n, t, a, i in specs]
    try:
        model = keras_truth(lambda: build_model(inputs, specs))
        truth = stats(model, [n for n, t, _, _ in specs if t not in ("Input", "InputLayer")])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runs = {length: keras_run_once(model, length) for length in lengths}
    except Exception as exc:  # whatever Keras raises: it cannot build or run the model
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    return truth, runs


@settings(SETTINGS, max_examples=max(1, EXAMPLES // 3))
@given(variable_length_models())
def test_sequences_of_any_length_match_keras(drawn):
    doc, lengths = drawn
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None)
    note(text)
    try:
        ours: object = load_exercise_text(text, "any-length.yaml")
    except ExerciseError as exc:
        ours = exc
    keras_side = keras_on_any_length(doc, lengths)
    note(f"grader: {ours}\nkeras: {keras_side}")
    event("refused" if isinstance(ours, Exception) else "built")
    if isinstance(ours, Exception) or isinstance(keras_side, str):
        assert isinstance(ours, Exception) and isinstance(keras_side, str)
        return
    event("some size unknown" if any(None in s.output_shape for s in ours.solution.layers[-1:]) else "output known")
    truth, runs = keras_side
    for layer in ours.solution.layers:
        if layer.type in ("Input", "InputLayer"):
            continue
        assert {"output_shape": layer.output_shape, "params": layer.params, "trainable": layer.trainable_params,
                "non_trainable": layer.non_trainable_params} == truth[layer.name], layer.name
    last = ours.solution.layers[-1].name
    for length in lengths:  # the sizes that are not known follow the length
        at = load_exercise_text(yaml.safe_dump(with_length(doc, length)), "at-length.yaml")
        assert runs[length] == [at.solution.layer(last).output_shape]
