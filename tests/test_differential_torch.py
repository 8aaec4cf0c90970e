"""The engine against real PyTorch on random architectures (hypothesis).

Valid models (chains, graphs with Add/Multiply/Cat, several inputs) are generated layer by
layer, each layer run in PyTorch as it is added so the generator always knows the true
shapes; the exercise YAML is then loaded and solved by the engine and every layer's output
shape and parameter counts compared with the real model's. Possibly-invalid single layers
check that the engine rejects a configuration exactly when PyTorch does.

GRADER_DIFF_EXAMPLES raises the number of examples (default 300 per test).
"""
from __future__ import annotations

import json
import math
import os
from types import SimpleNamespace

import pytest

pytest.importorskip("torch", reason="the differential tests run the models in PyTorch")
from hypothesis import HealthCheck, event, given, reject, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from grader.errors import ExerciseError  # noqa: E402
from grader.exercise import load_exercise_text  # noqa: E402
from grader.frameworks.torch import build_torch_model, layer_stats, run_layer  # noqa: E402

from .test_layers_torch import evaluate_formula  # noqa: E402

EXAMPLES = int(os.environ.get("GRADER_DIFF_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
MAX_VALUES = 6000  # keeps every tensor small: the whole module runs in a few minutes on 2 cores


class Net:
    """An exercise under construction. Each layer runs in PyTorch as it is added, so the
    generator knows the true shapes; a layer PyTorch rejects (or that yields an empty or
    oversized tensor) rejects the example."""

    def __init__(self, inputs: dict[str, tuple[int, ...]]):
        self.inputs = dict(inputs)
        self.shapes = dict(inputs)
        self.layers: list[dict] = []
        self.last = next(iter(inputs))

    def add(self, type_name: str, args: dict, inputs: list[str] | None = None) -> str:
        names = inputs or [self.last]
        try:
            out = run_layer(type_name, args, [self.shapes[n] for n in names])["output_shape"]
        except Exception:  # noqa: BLE001 - whatever PyTorch raises, the generator drops the example
            reject()
        if 0 in out or math.prod(out) > MAX_VALUES:
            reject()
        name = f"{type_name.lower()}_{len(self.layers)}"
        layer = {"type": type_name, "name": name, **args}
        if inputs is not None:
            layer["inputs"] = inputs if len(inputs) > 1 else inputs[0]
        self.layers.append(layer)
        self.shapes[name] = out
        self.last = name
        return name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.shapes[self.last]

    def yaml(self) -> str:
        doc = {"id": "random", "framework": "pytorch", "layers": self.layers}
        if len(self.inputs) == 1:
            doc["input_shape"] = list(next(iter(self.inputs.values())))
        else:
            doc["inputs"] = {k: list(v) for k, v in self.inputs.items()}
        return json.dumps(doc)  # JSON is YAML


def compact(draw, values: list) -> int | list:
    """An int when all axes agree (sometimes), else one value per axis, as people write them."""
    if len(set(values)) == 1 and draw(st.booleans()):
        return values[0]
    return list(values)


def maybe(draw, args: dict, key: str, value, default=None) -> None:
    """Write ``key`` sometimes (or always when it differs from PyTorch's default)."""
    if value != default or draw(st.booleans()):
        args[key] = value


# -- one layer on a given shape ----------------------------------------------------------

def conv(draw, shape):
    r, c, spatial = len(shape) - 1, shape[0], shape[1:]
    groups = draw(st.sampled_from([g for g in (1, 2, 3, 4) if c % g == 0]))
    out = groups * draw(st.integers(1, max(1, 8 // groups)))
    mode = draw(st.sampled_from(["int", "int", "valid", "same"]))
    stride = [1] * r if mode == "same" else [draw(st.integers(1, 3)) for _ in spatial]
    dilation = [draw(st.integers(1, 2)) for _ in spatial]
    pad = [draw(st.integers(0, 2)) if mode == "int" else 0 for _ in spatial]
    kernel = [draw(st.integers(1, max(1, min(4, (n + 2 * p - 1) // d + 1)))) if mode != "same"
              else draw(st.integers(1, 4)) for n, p, d in zip(spatial, pad, dilation)]
    args = {"out_channels": out, "kernel_size": compact(draw, kernel)}
    maybe(draw, args, "in_channels", c, c)
    maybe(draw, args, "stride", compact(draw, stride), 1)
    args["padding"] = mode if mode in ("valid", "same") else compact(draw, pad)
    maybe(draw, args, "dilation", compact(draw, dilation), 1)
    maybe(draw, args, "groups", groups, 1)
    maybe(draw, args, "bias", draw(st.booleans()), True)
    if mode == "int" and draw(st.integers(0, 4)) == 0:
        args["padding_mode"] = draw(st.sampled_from(["reflect", "replicate", "circular"]))
    return f"Conv{r}d", args


def conv_transpose(draw, shape):
    r, c, spatial = len(shape) - 1, shape[0], shape[1:]
    groups = draw(st.sampled_from([g for g in (1, 2) if c % g == 0]))
    kernel, stride, dilation, pad, output_padding = [], [], [], [], []
    for n in spatial:
        k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
        op = draw(st.integers(0, max(s, d) - 1))
        full = (n - 1) * s + d * (k - 1) + op  # the output length is full + 1 - 2 * padding
        kernel.append(k), stride.append(s), dilation.append(d), output_padding.append(op)
        pad.append(draw(st.integers(0, min(2, full // 2))))
    args = {"out_channels": groups * draw(st.integers(1, 4)), "kernel_size": compact(draw, kernel)}
    maybe(draw, args, "in_channels", c, c)
    maybe(draw, args, "stride", compact(draw, stride), 1)
    maybe(draw, args, "padding", compact(draw, pad), 0)
    maybe(draw, args, "output_padding", compact(draw, output_padding), 0)
    maybe(draw, args, "dilation", compact(draw, dilation), 1)
    maybe(draw, args, "groups", groups, 1)
    maybe(draw, args, "bias", draw(st.booleans()), True)
    return f"ConvTranspose{r}d", args


def pool(draw, shape):
    r, spatial = len(shape) - 1, shape[1:]
    op = draw(st.sampled_from(["Max", "Avg"]))
    ceil = draw(st.booleans())
    kernel, stride, pad, dilation = [], [], [], []
    for n in spatial:
        d = draw(st.integers(1, 2)) if op == "Max" else 1
        k = draw(st.integers(1, 4))
        p = draw(st.integers(0, k // 2))
        if d * (k - 1) + 1 > n + 2 * p and not ceil:
            k, p, d = 1, 0, 1
        kernel.append(k), pad.append(p), dilation.append(d), stride.append(draw(st.integers(1, 3)))
    args = {"kernel_size": compact(draw, kernel)}
    if draw(st.booleans()):
        args["stride"] = compact(draw, stride)
    maybe(draw, args, "padding", compact(draw, pad), 0)
    if op == "Max":
        maybe(draw, args, "dilation", compact(draw, dilation), 1)
    maybe(draw, args, "ceil_mode", ceil, False)
    return f"{op}Pool{r}d", args


def adaptive_pool(draw, shape):
    r, spatial = len(shape) - 1, shape[1:]
    sizes = [draw(st.one_of(st.integers(1, n + 1), st.none())) if r > 1 else draw(st.integers(1, n + 1))
             for n in spatial]
    if all(s is None for s in sizes):
        sizes[0] = 1
    value = sizes[0] if len(set(sizes)) == 1 and draw(st.booleans()) else sizes
    return f"Adaptive{draw(st.sampled_from(['Avg', 'Max']))}Pool{r}d", {"output_size": value}


def norm_args(draw, c):
    args = {}
    maybe(draw, args, "num_features", c, c)
    for key in ("affine", "bias", "track_running_stats"):
        if draw(st.booleans()):
            args[key] = draw(st.booleans())
    if draw(st.booleans()):
        args["eps"], args["momentum"] = 0.001, 0.01
    return args


def batch_norm(draw, shape):
    return f"BatchNorm{max(1, len(shape) - 1)}d", norm_args(draw, shape[0])


def instance_norm(draw, shape):
    return f"InstanceNorm{len(shape) - 1}d", norm_args(draw, shape[0])


def group_norm(draw, shape):
    c = shape[0]
    args = {"num_groups": draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0])), "num_channels": c}
    for key in ("affine", "bias"):
        if draw(st.booleans()):
            args[key] = draw(st.booleans())
    return "GroupNorm", args


def layer_norm(draw, shape):
    k = draw(st.integers(1, len(shape)))
    trailing = list(shape[-k:])
    args = {"normalized_shape": trailing[0] if k == 1 and draw(st.booleans()) else trailing}
    for key in ("elementwise_affine", "bias"):
        if draw(st.booleans()):
            args[key] = draw(st.booleans())
    return "LayerNorm", args


ACTIVATIONS = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardswish",
               "Hardsigmoid", "Softplus", "Identity", "Dropout", "AlphaDropout",
               "SELU", "CELU", "RReLU", "Hardshrink", "Softsign", "LogSigmoid", "Tanhshrink"]


def activation(draw, shape):
    name = draw(st.sampled_from(ACTIVATIONS + ["Softmax", "LogSoftmax", "Softmin", "PReLU", "DropoutNd",
                                               "Hardtanh", "Threshold", "Softshrink", "GLU"]))
    rank = len(shape) + 1
    if name in ("Softmax", "LogSoftmax", "Softmin"):
        return name, {"dim": draw(st.integers(-rank, rank - 1))}
    if name == "Hardtanh":
        low = draw(st.sampled_from([-2, -1, 0]))
        return name, {"min_val": low, "max_val": low + draw(st.sampled_from([0.5, 1, 3]))}
    if name == "Threshold":
        return name, {"threshold": draw(st.sampled_from([-1, 0, 0.5])), "value": draw(st.sampled_from([0, 2]))}
    if name == "Softshrink":
        return name, {"lambd": draw(st.sampled_from([0, 0.5, 2]))}
    if name == "GLU":  # halves a dimension of even size (the default: the last)
        even = [i for i, n in enumerate(shape) if n % 2 == 0]
        if not even or draw(st.booleans()):
            return name, {}
        i = draw(st.sampled_from(even))
        return name, {"dim": i + 1 if draw(st.booleans()) else i - len(shape)}
    if name == "PReLU":
        return name, {"num_parameters": draw(st.sampled_from([1, shape[0]]))}
    if name == "DropoutNd":
        return f"Dropout{max(1, min(3, len(shape) - 1))}d", {"p": 0.25}
    if name == "GELU" and draw(st.booleans()):
        return name, {"approximate": "tanh"}
    if name in ("Dropout", "AlphaDropout") and draw(st.booleans()):
        return name, {"p": draw(st.sampled_from([0.0, 0.3, 1.0]))}
    return name, {}


def zero_pad(draw, shape):
    r = draw(st.integers(1, min(3, len(shape))))
    if draw(st.booleans()):
        return f"ZeroPad{r}d", {"padding": draw(st.integers(0, 2))}
    pairs = draw(st.integers(1, len(shape)))
    return f"ZeroPad{r}d", {"padding": [draw(st.integers(-1, 2)) for _ in range(2 * pairs)]}


def copy_pad(draw, shape):
    """ReflectionPad / ReplicationPad / CircularPad of the last one to three dimensions."""
    prefix = draw(st.sampled_from(["ReflectionPad", "ReplicationPad", "CircularPad"]))
    r = draw(st.sampled_from([n for n in (1, 2, 3) if len(shape) in (n, n + 1)]))
    limit = {"ReflectionPad": lambda n: n - 1, "CircularPad": lambda n: n, "ReplicationPad": lambda n: 3}[prefix]
    sizes = shape[-r:]
    if draw(st.booleans()):
        return f"{prefix}{r}d", {"padding": draw(st.integers(0, max(0, min(limit(n) for n in sizes))))}
    pads = []
    for n in reversed(sizes):  # the pads start at the last dimension
        pads += [draw(st.integers(-1, max(-1, limit(n)))) for _ in range(2)]
    return f"{prefix}{r}d", {"padding": pads}


def constant_pad(draw, shape):
    name, args = zero_pad(draw, shape)
    return name.replace("ZeroPad", "ConstantPad"), {**args, "value": draw(st.sampled_from([0, -1.5, 2]))}


def pixel_shuffle(draw, shape):
    c, h, w = shape[-3:]
    if draw(st.booleans()):
        return "PixelShuffle", {"upscale_factor": draw(st.sampled_from([r for r in (1, 2, 3) if c % (r * r) == 0]))}
    return "PixelUnshuffle", {"downscale_factor": draw(st.sampled_from([r for r in (1, 2, 3)
                                                                        if h % r == 0 and w % r == 0]))}


def channel_ops(draw, shape):
    which = draw(st.sampled_from(["ChannelShuffle", "LocalResponseNorm", "UpsamplingNearest2d"]
                                 + (["Softmax2d", "UpsamplingBilinear2d"] if len(shape) == 3 else [])))
    if which == "ChannelShuffle":
        return which, {"groups": draw(st.sampled_from(divisors(shape[0])))}
    if which == "LocalResponseNorm":
        return which, {"size": draw(st.integers(1, 4))}
    if which.startswith("Upsampling"):
        if draw(st.booleans()):
            return which, {"scale_factor": draw(st.sampled_from([0.5, 2, 1.5]))}
        return which, {"size": compact(draw, [draw(st.integers(1, 7)) for _ in shape[1:]])}
    return which, {}


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def rms_norm(draw, shape):
    k = draw(st.integers(1, len(shape)))
    args = {"normalized_shape": list(shape[-k:]) if k > 1 or draw(st.booleans()) else shape[-1]}
    if draw(st.booleans()):
        args["elementwise_affine"] = draw(st.booleans())
    return "RMSNorm", args


def transformer_layer(draw, shape):
    d = shape[-1]
    args = {"d_model": d, "nhead": draw(st.sampled_from(divisors(d))),
            "dim_feedforward": draw(st.integers(1, 24))}
    for key in ("bias", "batch_first", "norm_first"):
        if draw(st.booleans()):
            args[key] = draw(st.booleans())
    if draw(st.booleans()):
        args["activation"] = draw(st.sampled_from(["relu", "gelu"]))
    return "TransformerEncoderLayer", args


MODES = {1: ["nearest", "linear", "area", "nearest-exact"], 2: ["nearest", "bilinear", "bicubic", "area"],
         3: ["nearest", "trilinear", "area"]}


def upsample(draw, shape):
    r = len(shape) - 1
    args = {"mode": draw(st.sampled_from(MODES[r]))} if draw(st.integers(0, 2)) else {}
    if draw(st.booleans()):
        args["scale_factor"] = draw(st.sampled_from([0.5, 1.5, 2, 2.5, [2] * r, [1.5] + [1] * (r - 1)]))
    else:
        args["size"] = compact(draw, [draw(st.integers(1, 9)) for _ in range(r)])
    if args.get("mode") in ("linear", "bilinear", "bicubic", "trilinear") and draw(st.booleans()):
        args["align_corners"] = draw(st.booleans())
    return "Upsample", args


def flatten(draw, shape):
    rank = len(shape) + 1
    start = draw(st.integers(1, rank - 1))
    end = draw(st.integers(start, rank - 1))
    args = {}
    if start != 1 or draw(st.booleans()):
        args["start_dim"] = start - rank if draw(st.booleans()) else start
    if end != rank - 1 or draw(st.booleans()):
        args["end_dim"] = end - rank if draw(st.booleans()) else end
    return "Flatten", args


def unflatten(draw, shape):
    i = draw(st.integers(0, len(shape) - 1))
    n = shape[i]
    a = draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    sizes = [a, n // a]
    if draw(st.booleans()):
        sizes[draw(st.integers(0, 1))] = -1
    dim = i + 1 if draw(st.booleans()) else i - len(shape)
    return "Unflatten", {"dim": dim, "unflattened_size": sizes}


def linear(draw, shape):
    args = {"out_features": draw(st.integers(1, 10))}
    maybe(draw, args, "in_features", shape[-1], shape[-1])
    maybe(draw, args, "bias", draw(st.booleans()), True)
    return "Linear", args


def recurrent(draw, shape):
    type_name = draw(st.sampled_from(["RNN", "LSTM", "GRU"]))
    hidden = draw(st.integers(1, 6))
    args = {"hidden_size": hidden}
    maybe(draw, args, "input_size", shape[-1], shape[-1])
    maybe(draw, args, "num_layers", draw(st.integers(1, 3)), 1)
    for key in ("bias", "batch_first", "bidirectional"):
        if draw(st.booleans()):
            args[key] = draw(st.booleans())
    if type_name == "LSTM" and hidden > 1 and draw(st.booleans()):
        args["proj_size"] = draw(st.integers(1, hidden - 1))
    if type_name == "RNN" and draw(st.booleans()):
        args["nonlinearity"] = "relu"
    return type_name, args


def attention(draw, shape):
    e = shape[-1]
    args = {"embed_dim": e, "num_heads": draw(st.sampled_from([h for h in range(1, e + 1) if e % h == 0]))}
    for key in ("bias", "add_bias_kv", "batch_first"):
        if draw(st.booleans()):
            args[key] = draw(st.booleans())
    if draw(st.booleans()):
        args["kdim"] = e
    return "MultiheadAttention", args


def layers_for(shape: tuple[int, ...]) -> list:
    """The generators that apply to an input of this (batch-less) rank."""
    rank = len(shape)
    out = [linear, layer_norm, activation, flatten, zero_pad, group_norm, constant_pad, copy_pad, rms_norm]
    if rank <= 2:
        out.append(batch_norm)
    if rank <= 3:
        out.append(unflatten)
    if rank == 2:
        out += [recurrent, attention, transformer_layer]
    if rank >= 3:
        out.append(pixel_shuffle)
    if 2 <= rank <= 4:
        out += [conv, conv, conv_transpose, pool, pool, adaptive_pool, instance_norm, upsample, channel_ops]
        if rank > 2:
            out.append(batch_norm)
    return out


def grow(draw, net: Net, n: int) -> None:
    """Append ``n`` random layers that fit the current shape."""
    for _ in range(n):
        generator = draw(st.sampled_from(layers_for(net.shape)))
        net.add(*generator(draw, net.shape))


def input_shapes(rank: int | None = None):
    sizes = {1: st.tuples(st.integers(1, 16)),
             2: st.tuples(st.integers(1, 6), st.integers(1, 12)),
             3: st.tuples(st.integers(1, 4), st.integers(1, 10), st.integers(1, 10)),
             4: st.tuples(st.integers(1, 3), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))}
    return sizes[rank] if rank else st.one_of(*sizes.values())


# -- whole models -------------------------------------------------------------------------

@st.composite
def chains(draw) -> str:
    if draw(st.integers(0, 5)) == 0:  # token ids first: Embedding
        net = Net({"tokens": draw(st.one_of(st.tuples(st.integers(1, 8)),
                                            st.tuples(st.integers(1, 4), st.integers(1, 4))))})
        args = {"num_embeddings": draw(st.integers(1, 20)), "embedding_dim": draw(st.integers(1, 8))}
        if draw(st.booleans()):
            args["_freeze"] = draw(st.booleans())
        if draw(st.booleans()):
            args["padding_idx"] = draw(st.integers(-args["num_embeddings"], args["num_embeddings"] - 1))
        net.add("Embedding", args)
    else:
        net = Net({"input": draw(input_shapes())})
    grow(draw, net, draw(st.integers(1, 6)))
    return net.yaml()


def same_conv(draw, net: Net, source: str, out: int) -> str:
    """A stride-1 'same' convolution: keeps the spatial size, sets the channels."""
    r = len(net.shapes[source]) - 1
    args = {"out_channels": out, "kernel_size": draw(st.integers(1, 4)), "padding": "same"}
    if draw(st.booleans()):
        args["dilation"] = draw(st.integers(1, 2))
    return net.add(f"Conv{r}d", args, [source])


@st.composite
def graphs(draw) -> str:
    """A residual block, an inception block or a squeeze-and-excitation block, then a head."""
    net = Net({"input": draw(input_shapes(draw(st.integers(2, 4))))})
    if draw(st.booleans()):
        same_conv(draw, net, "input", draw(st.integers(1, 6)))
    x, shape = net.last, net.shape
    r, c = len(shape) - 1, shape[0]
    block = draw(st.sampled_from(["residual", "inception", "squeeze"]))
    if block == "residual":
        a = same_conv(draw, net, x, c)
        if draw(st.booleans()):
            net.add(f"BatchNorm{r}d", {}, [a])
            a = net.add("ReLU", {})
        b = x if draw(st.booleans()) else same_conv(draw, net, x, c)
        net.add(draw(st.sampled_from(["Add", "Multiply", "Mul"])), {}, [a, b])
    elif block == "inception":
        branches = []
        for _ in range(draw(st.integers(2, 3))):
            if draw(st.booleans()):
                branches.append(same_conv(draw, net, x, draw(st.integers(1, 5))))
            else:
                k = draw(st.sampled_from([1, 3]))
                branches.append(net.add(f"{draw(st.sampled_from(['Max', 'Avg']))}Pool{r}d",
                                        {"kernel_size": k, "stride": 1, "padding": k // 2}, [x]))
        dim = draw(st.sampled_from([1, -(r + 1)]))  # both name the channels
        net.add(draw(st.sampled_from(["Cat", "Concatenate"])), {} if dim == 1 and draw(st.booleans())
                else {"dim": dim}, branches)
    else:
        net.add(f"AdaptiveAvgPool{r}d", {"output_size": 1}, [x])
        same_conv(draw, net, net.last, c)
        s = net.add("Sigmoid", {})
        net.add("Multiply", {}, draw(st.permutations([x, s])))
    grow(draw, net, draw(st.integers(0, 2)))
    net.add("Flatten", {})
    net.add("Linear", {"out_features": draw(st.integers(1, 5))})
    return net.yaml()


@st.composite
def multi_input(draw) -> str:
    """Two or three inputs: image + features concatenated, cross-attention, or a sum."""
    kind = draw(st.sampled_from(["cat", "attention", "add"]))
    if kind == "cat":
        net = Net({"image": draw(input_shapes(3)), "meta": draw(input_shapes(1))})
        same_conv(draw, net, "image", draw(st.integers(1, 4)))
        a = net.add("Flatten", {})
        b = net.add("Linear", {"out_features": draw(st.integers(1, 6))}, ["meta"])
        net.add("Cat", {"dim": draw(st.sampled_from([1, -1]))}, draw(st.permutations([a, b])))
    elif kind == "attention":
        e, lq, lk = draw(st.integers(1, 8)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
        kd, vd = draw(st.integers(1, 8)), draw(st.integers(1, 8))
        three = draw(st.booleans())
        inputs = {"query": (lq, e), "key": (lk, kd)}
        if three:
            inputs["value"] = (lk, vd)
        net = Net(inputs)
        args = {"embed_dim": e, "num_heads": draw(st.sampled_from([h for h in range(1, e + 1) if e % h == 0]))}
        if kd != e or draw(st.booleans()):
            args["kdim"] = kd
        if (vd if three else kd) != e or draw(st.booleans()):
            args["vdim"] = vd if three else kd
        for key in ("bias", "add_bias_kv", "batch_first"):
            if draw(st.booleans()):
                args[key] = draw(st.booleans())
        net.add("MultiheadAttention", args, list(inputs))
    else:
        shape = draw(input_shapes(draw(st.integers(1, 2))))
        net = Net({"left": shape, "right": shape})
        n = draw(st.integers(1, 6))
        a = net.add("Linear", {"out_features": n}, ["left"])
        b = net.add("Linear", {"out_features": n}, ["right"])
        net.add("Add", {}, [a, b])
    grow(draw, net, draw(st.integers(0, 2)))
    return net.yaml()


def assert_matches_torch(text: str) -> None:
    exercise = load_exercise_text(text, "random.yaml")
    stats = layer_stats(build_torch_model(exercise), exercise)
    for layer in exercise.solution.layers:
        ours = {"output_shape": layer.output_shape, "params": layer.params,
                "trainable": layer.trainable_params, "non_trainable": layer.non_trainable_params}
        assert ours == stats[layer.name], f"layer {layer.name} of {text}"
        assert evaluate_formula(layer.formula) == layer.params, layer.formula


@SETTINGS
@given(chains())
def test_random_chains_match_pytorch(text):
    assert_matches_torch(text)


@SETTINGS
@given(graphs())
def test_random_graphs_match_pytorch(text):
    assert_matches_torch(text)


@SETTINGS
@given(multi_input())
def test_random_multi_input_models_match_pytorch(text):
    assert_matches_torch(text)


# -- possibly-invalid configurations ------------------------------------------------------
# Each draws one layer near the edges PyTorch checks. Left out on purpose, because our
# shapes have no batch dimension: ranks PyTorch would read as an unbatched input, dims
# that name the batch (Flatten/Unflatten/Cat dim 0), element-wise inputs of different
# ranks (they broadcast against the batch), and outputs with a 0 dimension (PyTorch
# returns an empty tensor; the engine rejects them).

def _risky_conv(draw, shape):
    r, c, spatial = len(shape) - 1, shape[0], shape[1:]
    args = {"out_channels": draw(st.integers(1, 6)),
            "kernel_size": compact(draw, [draw(st.integers(1, n + 3)) for n in spatial])}
    if draw(st.booleans()):
        args["in_channels"] = draw(st.integers(max(1, c - 1), c + 1))
    padding = draw(st.sampled_from(["same", "valid", 0, 1, 2, "list"]))
    args["padding"] = [draw(st.integers(0, 2)) for _ in spatial] if padding == "list" else padding
    for key, hi in (("stride", 2), ("dilation", 3), ("groups", 4)):
        if draw(st.booleans()):
            args[key] = draw(st.integers(1, hi))
    if draw(st.integers(0, 3)) == 0:
        args["padding_mode"] = draw(st.sampled_from(["reflect", "replicate", "circular", "zeros"]))
    return f"Conv{r}d", args


def _risky_conv_transpose(draw, shape):
    r, c = len(shape) - 1, shape[0]
    args = {"out_channels": draw(st.integers(1, 6)), "kernel_size": draw(st.integers(1, 4))}
    if draw(st.booleans()):
        args["in_channels"] = draw(st.integers(max(1, c - 1), c + 1))
    for key, lo, hi in (("stride", 1, 3), ("dilation", 1, 3), ("padding", 0, 3), ("output_padding", 0, 3),
                        ("groups", 1, 3)):
        if draw(st.booleans()):
            args[key] = draw(st.integers(lo, hi))
    return f"ConvTranspose{r}d", args


def _risky_pool(draw, shape):
    r, spatial = len(shape) - 1, shape[1:]
    op = draw(st.sampled_from(["Max", "Avg"]))
    args = {"kernel_size": compact(draw, [draw(st.integers(1, n + 2)) for n in spatial])}
    for key, hi in (("stride", 3), ("padding", 3)) + ((("dilation", 3),) if op == "Max" else ()):
        if draw(st.booleans()):
            args[key] = draw(st.integers(0 if key == "padding" else 1, hi))
    if draw(st.booleans()):
        args["ceil_mode"] = True
    return f"{op}Pool{r}d", args


def _risky_adaptive(draw, shape):
    r = len(shape) - 1
    value = draw(st.one_of(st.integers(1, 4), st.lists(st.one_of(st.none(), st.integers(1, 4)),
                                                       min_size=r, max_size=r)))
    return f"Adaptive{draw(st.sampled_from(['Avg', 'Max']))}Pool{r}d", {"output_size": value}


def _risky_norm(draw, shape):
    c, r = shape[0], len(shape) - 1
    family = draw(st.sampled_from(["BatchNorm", "InstanceNorm", "GroupNorm"]))
    if family == "GroupNorm":
        args = {"num_groups": draw(st.integers(1, 4)), "num_channels": draw(st.integers(max(1, c - 2), c + 2))}
        keys = ("affine",)
    else:
        # BatchNorm checks the rank itself (InstanceNorm would read a wrong rank as unbatched)
        n = draw(st.integers(1, 3)) if family == "BatchNorm" else max(1, r)
        family = f"{family}{n}d"
        args = {"num_features": draw(st.integers(max(1, c - 1), c + 1))}
        keys = ("affine", "track_running_stats")
    for key in keys:
        if draw(st.booleans()):
            args[key] = draw(st.booleans())
    return family, args


def _risky_features(draw, shape):
    """Linear, LayerNorm, PReLU, Softmax, Dropout, Flatten, Unflatten, ZeroPad, Embedding."""
    f, rank = shape[-1], len(shape) + 1
    kind = draw(st.sampled_from(["Linear", "LayerNorm", "PReLU", "Softmax", "Dropout", "Flatten", "Unflatten",
                                 "ZeroPad", "Embedding"]))
    if kind == "Linear":
        return kind, {"in_features": draw(st.integers(max(1, f - 1), f + 1)), "out_features": 3}
    if kind == "LayerNorm":
        return kind, {"normalized_shape": [draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 3)))]}
    if kind == "PReLU":
        return kind, {"num_parameters": draw(st.integers(1, 5))}
    if kind == "Softmax":
        return kind, {"dim": draw(st.integers(-6, 5))}
    if kind == "Dropout":
        return kind, {"p": draw(st.sampled_from([-0.5, 0, 0.5, 1, 1.5]))}
    if kind == "Flatten":  # not 0 nor -rank: those name the batch
        dims = [d for d in range(-rank - 1, rank + 1) if d not in (0, -rank)]
        return kind, {"start_dim": draw(st.sampled_from(dims)), "end_dim": draw(st.sampled_from(dims))}
    if kind == "Unflatten":
        dims = [d for d in range(-rank - 1, rank + 1) if d not in (0, -rank)]
        sizes = draw(st.lists(st.sampled_from([-1, 1, 2, 3, 4, 6]), min_size=1, max_size=3))
        return kind, {"dim": draw(st.sampled_from(dims)), "unflattened_size": sizes}
    if kind == "ZeroPad":
        r = draw(st.integers(1, 3))
        padding = draw(st.one_of(st.integers(-3, 2), st.lists(st.integers(-3, 2), min_size=1, max_size=8)))
        return f"ZeroPad{r}d", {"padding": padding}
    return "Embedding", {"num_embeddings": 5, "embedding_dim": 2, "padding_idx": draw(st.integers(-7, 6))}


def _risky_sequence(draw, shape):
    """RNN/LSTM/GRU and MultiheadAttention on a (sequence, features) input."""
    f = shape[-1]
    kind = draw(st.sampled_from(["RNN", "LSTM", "GRU", "MultiheadAttention"]))
    if kind == "MultiheadAttention":
        args = {"embed_dim": draw(st.integers(max(1, f - 1), f + 1)), "num_heads": draw(st.integers(1, 4))}
        if draw(st.booleans()):
            args["kdim"] = draw(st.integers(max(1, f - 1), f + 1))
        return kind, args
    args = {"hidden_size": draw(st.integers(1, 4)), "input_size": draw(st.integers(max(1, f - 1), f + 1))}
    if kind == "LSTM" and draw(st.booleans()):
        args["proj_size"] = draw(st.integers(0, 5))
    if kind == "RNN" and draw(st.booleans()):
        args["nonlinearity"] = draw(st.sampled_from(["relu", "tanh", "sigmoid"]))
    if draw(st.booleans()):
        args["dropout"] = draw(st.sampled_from([0.5, 1.5]))
    return kind, args


def _risky_upsample(draw, shape):
    args = {"mode": draw(st.sampled_from(["nearest", "linear", "bilinear", "bicubic", "trilinear", "area",
                                          "nearest-exact"]))}
    if draw(st.booleans()):
        args["size"] = draw(st.one_of(st.integers(1, 5), st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    else:
        args["scale_factor"] = draw(st.sampled_from([0.2, 0.5, 2, [2, 2], [2, 2, 2]]))
    if draw(st.booleans()):
        args["align_corners"] = draw(st.booleans())
    return "Upsample", args


def _risky_pad(draw, shape):
    prefix = draw(st.sampled_from(["ReflectionPad", "ReplicationPad", "CircularPad", "ConstantPad"]))
    r = draw(st.integers(1, 3))
    if draw(st.booleans()):
        padding = draw(st.integers(-2, 4))
    else:  # pads for one to three trailing dimensions, whatever the class's rank
        padding = [draw(st.integers(-2, 4)) for _ in range(2 * draw(st.integers(1, min(3, len(shape)))))]
    return f"{prefix}{r}d", {"padding": padding, **({"value": 1} if prefix == "ConstantPad" else {})}


def _risky_rearrange(draw, shape):
    which = draw(st.sampled_from(["PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "GLU", "Softmax2d",
                                  "TransformerEncoderLayer", "RMSNorm"]))
    if which == "PixelShuffle":
        return which, {"upscale_factor": draw(st.integers(1, 3))}
    if which == "PixelUnshuffle":
        return which, {"downscale_factor": draw(st.integers(1, 3))}
    if which == "ChannelShuffle":
        return which, {"groups": draw(st.integers(1, 4))}
    if which == "GLU":
        return which, {"dim": draw(st.integers(-len(shape) - 1, len(shape)))}
    if which == "TransformerEncoderLayer":
        return which, {"d_model": draw(st.sampled_from([shape[-1], 4])), "nhead": draw(st.integers(1, 3)),
                       "dim_feedforward": 4}
    if which == "RMSNorm":
        return which, {"normalized_shape": draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))}
    return which, {}


RISKY = [(_risky_conv, (2, 3, 4)), (_risky_conv_transpose, (2, 3, 4)), (_risky_pool, (2, 3, 4)),
         (_risky_adaptive, (2, 3, 4)), (_risky_norm, (2, 3, 4)), (_risky_features, (1, 2, 3)),
         (_risky_sequence, (2,)), (_risky_upsample, (2, 3, 4)), (_risky_pad, (1, 2, 3, 4)),
         (_risky_rearrange, (3, 4))]


@st.composite
def risky_layers(draw) -> tuple[str, list[tuple[int, ...]], dict]:
    """(type, input shapes, arguments) of one layer that PyTorch may or may not accept."""
    if draw(st.integers(0, 8)) == 0:  # two inputs of one rank, maybe of different shapes
        rank = draw(st.integers(1, 3))
        shapes = [draw(st.tuples(*[st.integers(1, 3)] * rank)) for _ in range(2)]
        kind = draw(st.sampled_from(["Add", "Multiply", "Cat"]))
        dims = [d for d in range(-rank - 2, rank + 2) if d not in (0, -rank - 1)]
        return kind, shapes, {"dim": draw(st.sampled_from(dims))} if kind == "Cat" else {}
    generator, ranks = draw(st.sampled_from(RISKY))
    shape = draw(input_shapes(draw(st.sampled_from(ranks))))
    type_name, args = generator(draw, shape)
    return type_name, [shape], args


def _torch_verdict(type_name, shapes, args):
    """PyTorch's output and counts, or why it refuses. Run on batches of 2 and 3: what works
    for one batch size only (a LayerNorm over the batch) counts as refused, as it does for
    the engine, whose shapes leave the batch out."""
    try:
        out = run_layer(type_name, args, shapes)
        again = run_layer(type_name, args, shapes, batch=3)
    except Exception as exc:  # noqa: BLE001 - PyTorch raises many types; any of them is a rejection
        return None, exc
    if again["output_shape"] != out["output_shape"]:
        return None, "an output that depends on the batch size"
    if 0 in out["output_shape"]:
        return None, "an empty output"
    return out, None


@SETTINGS
@given(risky_layers())
def test_engine_rejects_exactly_what_pytorch_rejects(case):
    type_name, shapes, args = case
    layer = {"type": type_name, "name": "layer", **args}
    if len(shapes) == 1:
        doc = {"id": "risky", "framework": "pytorch", "input_shape": list(shapes[0]), "layers": [layer]}
    else:
        layer["inputs"] = ["a", "b"]
        doc = {"id": "risky", "framework": "pytorch", "inputs": {"a": list(shapes[0]), "b": list(shapes[1])},
               "layers": [layer]}
    text = json.dumps(doc)
    theirs, torch_error = _torch_verdict(type_name, shapes, args)
    try:
        solved = load_exercise_text(text, "risky.yaml").solution.layers[0]
    except ExerciseError as exc:
        assert torch_error is not None, f"we reject what PyTorch accepts: {exc}\n{text}"
        return
    assert torch_error is None, f"we accept what PyTorch rejects ({torch_error!r}):\n{text}"
    assert (solved.output_shape, solved.params) == (theirs["output_shape"], theirs["params"]), text


# -- sequences of any length (issue 10, item 10) ----------------------------------------------
# A chain is drawn for a nominal length, layer by layer in PyTorch, on a (channels, length)
# or (length, features) input or after an Embedding; then the length is written null.
# PyTorch has no None: the module built for the nominal length runs at it and at one over
# 100 steps longer (after four strides of 3 a size that follows the length still differs).
# The grader must refuse the exercise exactly when that second run fails (a Linear or
# a LayerNorm over the length, a BatchNorm1d whose channels are the length...); otherwise
# each run's shapes and counts are the grader's for that length, and a size that differs
# between the runs is None in the grader's solution. Left out: layers that need a length
# divisible by something (GLU, Unflatten, channel shuffles), which the grader accepts as
# Keras builds them.

def _no_glu(draw, shape):
    name, args = activation(draw, shape)
    return ("ReLU", {}) if name == "GLU" else (name, args)


SEQUENCE_GENERATORS = {conv, conv_transpose, pool, adaptive_pool, batch_norm, instance_norm, zero_pad, constant_pad,
                       copy_pad, upsample, linear, layer_norm, flatten, recurrent, attention, transformer_layer,
                       activation}


def sequence_layers_for(shape: tuple[int, ...]) -> list:
    return [_no_glu if g is activation else g for g in layers_for(shape) if g in SEQUENCE_GENERATORS]


@st.composite
def any_length_chains(draw) -> tuple[str, int, tuple[int, int]]:
    """(exercise JSON at the nominal length, the index of the length in the input, two lengths)."""
    nominal = draw(st.integers(6, 14))
    if draw(st.integers(0, 3)) == 0:
        net, axis = Net({"tokens": (nominal,)}), 0
        net.add("Embedding", {"num_embeddings": draw(st.integers(1, 20)), "embedding_dim": draw(st.integers(1, 8))})
    else:
        axis = draw(st.integers(0, 1))
        shape = [draw(st.integers(1, 6))]
        shape.insert(axis, nominal)
        net = Net({"input": tuple(shape)})
    for _ in range(draw(st.integers(1, 4))):
        generator = draw(st.sampled_from(sequence_layers_for(net.shape)))
        net.add(*generator(draw, net.shape))
    return net.yaml(), axis, (nominal, nominal + draw(st.integers(100, 109)))


def _at(text: str, axis: int, length: int | None) -> str:
    doc = json.loads(text)
    doc["input_shape"][axis] = length
    return json.dumps(doc)


@settings(SETTINGS, max_examples=max(1, EXAMPLES // 3))
@given(any_length_chains())
def test_sequences_of_any_length_match_pytorch(drawn):
    text, axis, lengths = drawn
    nominal = load_exercise_text(text, "nominal.yaml")
    model = build_torch_model(nominal)  # the module PyTorch builds for the first length
    any_length = SimpleNamespace(inputs={name: shape[:axis] + (None,) + shape[axis + 1:]
                                         for name, shape in nominal.inputs.items()})
    try:
        stats = {length: layer_stats(model, any_length, length=length) for length in lengths}
    except Exception as exc:  # noqa: BLE001 - whatever PyTorch raises at the other length
        stats = exc
    try:
        ours = load_exercise_text(_at(text, axis, None), "any-length.yaml").solution
    except ExerciseError as exc:
        event("refused")
        assert isinstance(stats, Exception), f"we refuse what PyTorch runs at {lengths}: {exc}\n{text}"
        return
    event("some size unknown" if None in ours.layers[-1].output_shape else "output known")
    assert not isinstance(stats, Exception), f"we accept what PyTorch cannot run at {lengths} ({stats!r}):\n{text}"
    runs = {length: load_exercise_text(_at(text, axis, length), "at-length.yaml").solution for length in lengths}
    for layer in ours.layers:
        shapes = [stats[length][layer.name]["output_shape"] for length in lengths]
        for length, shape in zip(lengths, shapes):  # each run is the grader's at that length
            assert shape == runs[length].layer(layer.name).output_shape, (layer.name, length, text)
            assert stats[length][layer.name]["params"] == layer.params
        for dims, ours_dim in zip(zip(*shapes), layer.output_shape):  # a size that differs is unknown
            assert ours_dim is None if len(set(dims)) > 1 else ours_dim in (None, dims[0]), (layer.name, text)
