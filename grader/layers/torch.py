"""PyTorch layer kinds (channels_first; shapes without the batch dimension).

``in_channels`` / ``in_features`` / ``num_features`` may be omitted: they are inferred
from the incoming shape, and checked against it when given (SPEC section 1). Buffers
(BatchNorm running statistics) are not parameters in PyTorch and are not counted.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..errors import ArgumentError, ShapeError
from ..shapes import (Shape, axis_index, broadcast, fmt_shape, prod, require_rank, transpose_output,
                      window_output)
from .base import Arg, LayerKind, Weight, boolean, choice, ensure, integer, int_tuple, optional, shape_arg
from .registry import register

_SPATIAL = {1: "(channels, length)", 2: "(channels, height, width)", 3: "(channels, depth, height, width)"}


def _ignoring(*names: str) -> frozenset[str]:
    """Constructor arguments accepted and ignored: together with ``args`` they are exactly
    the keywords of the torch.nn class (tests compare them with its signature), so an
    argument PyTorch would reject is an error here too."""
    return frozenset(names)


_DEVICE = ("device", "dtype")


class TorchKind(LayerKind):
    framework = "pytorch"
    ignored = _ignoring()


def _feature_map(shape: Shape, rank: int) -> tuple[Shape, int]:
    require_rank(shape, rank + 1, f"{rank + 1}-D {_SPATIAL[rank]}")
    return tuple(shape[1:]), shape[0]


def _check_given(p: Mapping[str, Any], arg: str, actual: int, what: str) -> None:
    given = p.get(arg)
    if given is not None and given != actual:
        raise ShapeError(f"{arg}={given}, but the incoming {what} is {actual}")


def _padding(rank: int):
    """PyTorch conv ``padding``: an int, one int per axis, 'valid' or 'same'."""
    ints = int_tuple(rank, 0)

    def convert(value: Any, name: str):
        if isinstance(value, str):
            return choice("valid", "same")(value, name)
        return ints(value, name)
    return convert


# -- convolutions (torch/nn/modules/conv.py) --------------------------------------------

class Conv(TorchKind):
    rank = 2
    ignored = _ignoring(*_DEVICE)
    summary = "in_channels (optional), out_channels, kernel_size, stride, padding (int/tuple/'same'), dilation, groups, bias"

    def check(self, p):
        if p["padding"] == "same" and max(p["stride"]) > 1:
            raise ArgumentError("padding", "padding='same' is not supported for strided convolutions "
                                f"(stride={list(p['stride'])})")
        for arg in ("in_channels", "out_channels"):
            if p.get(arg) is not None and p[arg] % p["groups"]:
                raise ArgumentError("groups", f"{arg} ({p[arg]}) must be divisible by groups ({p['groups']})")

    def pads(self, p) -> tuple[tuple[int, int], ...]:
        if p["padding"] == "valid":
            return ((0, 0),) * self.rank
        if p["padding"] == "same":
            # as torch's _conv_forward: total d*(k-1), the extra one on the right
            totals = [d * (k - 1) for k, d in zip(p["kernel_size"], p["dilation"])]
            return tuple((t // 2, t - t // 2) for t in totals)
        return tuple((x, x) for x in p["padding"])

    def output_shape(self, p, in_shapes):
        spatial, cin = _feature_map(in_shapes[0], self.rank)
        _check_given(p, "in_channels", cin, "number of channels")
        ensure(cin % p["groups"] == 0, f"the {cin} input channels are not divisible by groups={p['groups']}")
        pads = self.pads(p)
        _check_padding_mode(p["padding_mode"], spatial, pads)
        out = tuple(window_output(n, k, s, a, b, d) for n, k, s, (a, b), d in
                    zip(spatial, p["kernel_size"], p["stride"], pads, p["dilation"]))
        return (p["out_channels"], *out)

    def weights(self, p, in_shapes, out_shape):
        _, cin = _feature_map(in_shapes[0], self.rank)
        w = [Weight("weight", (*p["kernel_size"], cin // p["groups"]), (p["out_channels"],),
                    uses=prod(out_shape[1:]))]
        if p["bias"]:
            w.append(Weight("bias", (), (p["out_channels"],), group="weight"))
        return w


class ConvTranspose(Conv):
    summary = "in_channels (optional), out_channels, kernel_size, stride, padding, output_padding, dilation, groups, bias"

    def check(self, p):
        super().check(p)
        for op, s, d in zip(p["output_padding"], p["stride"], p["dilation"]):
            if op >= s and op >= d:
                raise ArgumentError("output_padding", f"output_padding {list(p['output_padding'])} must be "
                                    f"smaller than either stride {list(p['stride'])} or dilation "
                                    f"{list(p['dilation'])}")

    def output_shape(self, p, in_shapes):
        spatial, cin = _feature_map(in_shapes[0], self.rank)
        _check_given(p, "in_channels", cin, "number of channels")
        ensure(cin % p["groups"] == 0, f"the {cin} input channels are not divisible by groups={p['groups']}")
        out = tuple(transpose_output(n, k, s, pad, op, d) for n, k, s, pad, op, d in
                    zip(spatial, p["kernel_size"], p["stride"], p["padding"], p["output_padding"], p["dilation"]))
        return (p["out_channels"], *out)

    def weights(self, p, in_shapes, out_shape):
        spatial, cin = _feature_map(in_shapes[0], self.rank)
        w = [Weight("weight", (*p["kernel_size"], cin // p["groups"]), (p["out_channels"],), uses=prod(spatial))]
        if p["bias"]:
            w.append(Weight("bias", (), (p["out_channels"],), group="weight"))
        return w


def _check_padding_mode(mode: str, spatial: Shape, pads) -> None:
    """F.pad's limits for the non-zero padding modes (torch/nn/functional.py, ATen Padding.h)."""
    for n, (a, b) in zip(spatial, pads):
        if mode == "reflect" and max(a, b) >= n:
            raise ShapeError(f"padding_mode='reflect' needs padding smaller than the input, got padding "
                             f"{max(a, b)} for a size of {n}")
        if mode == "circular" and max(a, b) > n:
            raise ShapeError(f"padding_mode='circular' needs padding at most the input size, got padding "
                             f"{max(a, b)} for a size of {n}")


def _conv_args(rank: int, transpose: bool = False) -> dict[str, Arg]:
    args = {
        "in_channels": Arg(optional(integer()), None),
        "out_channels": Arg(integer()),
        "kernel_size": Arg(int_tuple(rank)),
        "stride": Arg(int_tuple(rank), (1,) * rank),
        "padding": Arg(int_tuple(rank, 0) if transpose else _padding(rank), (0,) * rank),
        "dilation": Arg(int_tuple(rank), (1,) * rank),
        "groups": Arg(integer(), 1),
        "bias": Arg(boolean, True),
        # ConvTranspose only pads with zeros (its constructor raises otherwise)
        "padding_mode": Arg(choice("zeros") if transpose else choice("zeros", "reflect", "replicate", "circular"),
                            "zeros"),
    }
    if transpose:
        args["output_padding"] = Arg(int_tuple(rank, 0), (0,) * rank)
    return args


for _r in (1, 2, 3):
    register()(type(f"Conv{_r}d", (Conv,), {"type": f"Conv{_r}d", "rank": _r, "args": _conv_args(_r)}))
    register()(type(f"ConvTranspose{_r}d", (ConvTranspose,), {
        "type": f"ConvTranspose{_r}d", "rank": _r, "args": _conv_args(_r, transpose=True)}))


# -- pooling (aten/src/ATen/native/Pool.h: pooling_output_shape) -------------------------

class Pool(TorchKind):
    rank = 2
    dilated = False
    #: AvgPool3d also wants the unpadded input at least as large as the kernel
    #: (pool3d_shape_check's check_input_size in aten/src/ATen/native/Pool.h)
    input_covers_kernel = False
    summary = "kernel_size, stride (default kernel_size), padding, ceil_mode"

    def check(self, p):
        # pool2d_shape_check: kW/2 >= padW, with the kernel size itself even when dilated
        for k, pad in zip(p["kernel_size"], p["padding"]):
            if pad > k // 2:
                raise ArgumentError("padding", f"padding {list(p['padding'])} must be at most half of the "
                                    f"kernel size {list(p['kernel_size'])}")

    def output_shape(self, p, in_shapes):
        spatial, c = _feature_map(in_shapes[0], self.rank)
        if self.input_covers_kernel and any(n < k for n, k in zip(spatial, p["kernel_size"])):
            raise ShapeError(f"the input {fmt_shape(spatial)} is smaller than the kernel "
                             f"{fmt_shape(p['kernel_size'])} (AvgPool3d does not count the padding here)")
        stride = p["stride"] or p["kernel_size"]
        dilation = p.get("dilation") or (1,) * self.rank
        out = tuple(window_output(n, k, s, pad, pad, d, p["ceil_mode"]) for n, k, s, pad, d in
                    zip(spatial, p["kernel_size"], stride, p["padding"], dilation))
        ensure(all(o >= 1 for o in out), f"the output would be empty ({fmt_shape((c, *out))})")
        return (c, *out)


def _pool_args(rank: int, dilated: bool) -> dict[str, Arg]:
    args = {"kernel_size": Arg(int_tuple(rank)),
            "stride": Arg(optional(int_tuple(rank)), None),
            "padding": Arg(int_tuple(rank, 0), (0,) * rank),
            "ceil_mode": Arg(boolean, False)}
    if dilated:
        args["dilation"] = Arg(int_tuple(rank), (1,) * rank)
    return args


for _r in (1, 2, 3):
    register()(type(f"MaxPool{_r}d", (Pool,), {"type": f"MaxPool{_r}d", "rank": _r, "dilated": True,
                                               "args": _pool_args(_r, True),
                                               "ignored": _ignoring("return_indices")}))
    register()(type(f"AvgPool{_r}d", (Pool,), {
        "type": f"AvgPool{_r}d", "rank": _r, "args": _pool_args(_r, False), "input_covers_kernel": _r == 3,
        "ignored": _ignoring("count_include_pad", *(("divisor_override",) if _r > 1 else ()))}))


def _output_size(rank: int):
    """An int, or a list of ``rank`` ints where null keeps that size (2-D and 3-D only:
    adaptive_avg_pool1d rejects None, and a bare null is rejected at every rank)."""
    def positive(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 1

    def convert(value: Any, name: str):
        if positive(value):
            return (value,) * rank
        if isinstance(value, (list, tuple)) and len(value) == rank and all(
                positive(v) or (v is None and rank > 1) for v in value):
            return tuple(value)
        keep = " (null keeps that size)" if rank > 1 else ""
        raise ArgumentError(name, f"argument '{name}' must be a positive integer or a list of {rank}"
                                  f"{keep}, got {value!r}")
    return convert


class AdaptivePool(TorchKind):
    rank = 2
    summary = "output_size (null keeps a size)"

    def output_shape(self, p, in_shapes):
        spatial, c = _feature_map(in_shapes[0], self.rank)
        return (c, *(n if o is None else o for n, o in zip(spatial, p["output_size"])))


for _r in (1, 2, 3):
    for _op in ("Avg", "Max"):
        register()(type(f"Adaptive{_op}Pool{_r}d", (AdaptivePool,), {
            "type": f"Adaptive{_op}Pool{_r}d", "rank": _r, "args": {"output_size": Arg(_output_size(_r))},
            "ignored": _ignoring("return_indices") if _op == "Max" else _ignoring()}))


# -- core -------------------------------------------------------------------------------

@register()
class Linear(TorchKind):
    type = "Linear"
    args = {"in_features": Arg(optional(integer()), None), "out_features": Arg(integer()),
            "bias": Arg(boolean, True)}
    ignored = _ignoring(*_DEVICE)
    summary = "in_features (optional), out_features, bias (acts on the last dimension)"

    def output_shape(self, p, in_shapes):
        _check_given(p, "in_features", in_shapes[0][-1], "number of features (last dimension)")
        return (*in_shapes[0][:-1], p["out_features"])

    def weights(self, p, in_shapes, out_shape):
        w = [Weight("weight", (in_shapes[0][-1],), (p["out_features"],), uses=prod(in_shapes[0][:-1]))]
        if p["bias"]:
            w.append(Weight("bias", (), (p["out_features"],), group="weight"))
        return w


def _dim_range(start: int, end: int, rank: int) -> tuple[int, int]:
    """Batch-less [start, end] indices of PyTorch ``start_dim``/``end_dim`` (dim 0 is the batch)."""
    full = rank + 1
    s = start + full if start < 0 else start
    e = end + full if end < 0 else end
    if not (1 <= s <= e < full):
        raise ShapeError(f"start_dim={start}, end_dim={end} do not select dimensions after the batch "
                         f"dimension of a {rank}-D input")
    return s - 1, e - 1


@register()
class Flatten(TorchKind):
    type = "Flatten"
    args = {"start_dim": Arg(integer(-1000), 1), "end_dim": Arg(integer(-1000), -1)}
    summary = "start_dim, end_dim (dim 0 is the batch)"

    def output_shape(self, p, in_shapes):
        shape = in_shapes[0]
        s, e = _dim_range(p["start_dim"], p["end_dim"], len(shape))
        return (*shape[:s], prod(shape[s:e + 1]), *shape[e + 1:])


@register()
class Unflatten(TorchKind):
    type = "Unflatten"
    args = {"dim": Arg(integer(-1000)), "unflattened_size": Arg(shape_arg)}
    summary = "dim, unflattened_size"

    def output_shape(self, p, in_shapes):
        from .keras import reshape
        shape = in_shapes[0]
        i = axis_index(p["dim"], len(shape))
        return (*shape[:i], *reshape((shape[i],), p["unflattened_size"]), *shape[i + 1:])


def _probability(value: Any, name: str) -> float:
    # nn.Dropout raises for p outside [0, 1]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ArgumentError(name, f"argument '{name}' must be a probability between 0 and 1, got {value!r}")
    return value


class Identity(TorchKind):
    """Shape unchanged, no parameters (dropout and activations)."""

    summary = "shape unchanged, no parameters"


class Softmax(Identity):
    args = {"dim": Arg(optional(integer(-1000)), None)}
    summary = "dim (dim 0 is the batch); shape unchanged, no parameters"

    def output_shape(self, p, in_shapes):
        shape, dim = in_shapes[0], p["dim"]
        rank = len(shape) + 1  # PyTorch's dim counts the batch
        if dim is not None and not -rank <= dim < rank:
            raise ShapeError(f"dim={dim} is out of range for an input of {rank} dimensions "
                             f"(with the batch): use {-rank} to {rank - 1}")
        return shape


_DROPOUT = {"args": {"p": Arg(_probability, 0.5)}, "ignored": _ignoring("inplace")}
_INPLACE = {"ignored": _ignoring("inplace")}
_IDENTITY: dict[str, tuple[type, dict]] = {
    "Dropout": (Identity, _DROPOUT), "Dropout1d": (Identity, _DROPOUT), "Dropout2d": (Identity, _DROPOUT),
    "Dropout3d": (Identity, _DROPOUT), "AlphaDropout": (Identity, _DROPOUT),
    "ReLU": (Identity, _INPLACE), "ReLU6": (Identity, _INPLACE), "SiLU": (Identity, _INPLACE),
    "Mish": (Identity, _INPLACE), "Hardswish": (Identity, _INPLACE), "Hardsigmoid": (Identity, _INPLACE),
    "LeakyReLU": (Identity, {"ignored": _ignoring("negative_slope", "inplace")}),
    "ELU": (Identity, {"ignored": _ignoring("alpha", "inplace")}),
    "GELU": (Identity, {"args": {"approximate": Arg(choice("none", "tanh"), "none")}}),
    "Softplus": (Identity, {"ignored": _ignoring("beta", "threshold")}),
    "Sigmoid": (Identity, {}), "Tanh": (Identity, {}), "Identity": (Identity, {}),
    "Softmax": (Softmax, {}), "LogSoftmax": (Softmax, {}),
}
for _name, (_base, _attrs) in _IDENTITY.items():
    register()(type(_name, (_base,), {"type": _name, **_attrs}))


@register()
class PReLU(TorchKind):
    type = "PReLU"
    args = {"num_parameters": Arg(integer(), 1)}
    ignored = _ignoring("init", *_DEVICE)
    summary = "num_parameters (1 or the number of channels)"

    def weights(self, p, in_shapes, out_shape):
        n = p["num_parameters"]
        ensure(n == 1 or n == in_shapes[0][0], f"num_parameters={n} must be 1 or the "
                                               f"{in_shapes[0][0]} channels")
        return [Weight("weight", (), (n,))]


# -- normalisation ----------------------------------------------------------------------

def _norm_weights(p, c: int | Shape, group: str) -> list[Weight]:
    """weight (and bias unless bias=False) of a normalisation layer with affine parameters."""
    out = c if isinstance(c, tuple) else (c,)
    w = [Weight("weight", (), out, group=group)]
    if p["bias"]:
        w.append(Weight("bias", (), out, group=group))
    return w


class BatchNorm(TorchKind):
    """weight and bias are parameters (2*C); running_mean/var are buffers, not parameters."""

    ranks: tuple[int, ...] = (3,)
    expects = ""
    instance = False
    ignored = _ignoring("eps", "momentum", *_DEVICE)
    summary = "num_features (optional), affine, bias, track_running_stats (running statistics are buffers)"

    def channels(self, p, shape: Shape) -> int:
        require_rank(shape, self.ranks, self.expects)
        c = shape[0]
        # only the affine weights and the running statistics have num_features entries:
        # without both, PyTorch runs on any number of channels (InstanceNorm warns)
        if p["affine"] or p["track_running_stats"]:
            _check_given(p, "num_features", c, "number of channels")
        return c

    def weights(self, p, in_shapes, out_shape):
        c = self.channels(p, in_shapes[0])
        return _norm_weights(p, c, "bn") if p["affine"] else []

    def output_shape(self, p, in_shapes):
        self.channels(p, in_shapes[0])
        if self.instance:
            ensure(prod(in_shapes[0][1:]) > 1, f"{self.type} needs more than one spatial element per channel "
                                               f"(PyTorch raises in training mode), got {fmt_shape(in_shapes[0])}")
        return in_shapes[0]


for _name, _ranks, _expects, _instance in (
        ("BatchNorm1d", (1, 2), "(features,) or (channels, length)", False),
        ("BatchNorm2d", (3,), "3-D (channels, height, width)", False),
        ("BatchNorm3d", (4,), "4-D (channels, depth, height, width)", False),
        ("InstanceNorm1d", (2,), "2-D (channels, length)", True),
        ("InstanceNorm2d", (3,), "3-D (channels, height, width)", True),
        ("InstanceNorm3d", (4,), "4-D (channels, depth, height, width)", True)):
    register()(type(_name, (BatchNorm,), {
        "type": _name, "ranks": _ranks, "expects": _expects, "instance": _instance,
        "args": {"num_features": Arg(optional(integer()), None), "affine": Arg(boolean, not _instance),
                 "bias": Arg(boolean, True), "track_running_stats": Arg(boolean, not _instance)}}))


def _positive_shape(value: Any, name: str) -> tuple[int, ...]:
    shape = shape_arg(value, name)
    if -1 in shape:
        raise ArgumentError(name, f"argument '{name}' must be positive sizes, got {value!r}")
    return shape


@register()
class LayerNorm(TorchKind):
    type = "LayerNorm"
    args = {"normalized_shape": Arg(_positive_shape), "elementwise_affine": Arg(boolean, True),
            "bias": Arg(boolean, True)}
    ignored = _ignoring("eps", *_DEVICE)
    summary = "normalized_shape (the trailing dimensions), elementwise_affine, bias"

    def output_shape(self, p, in_shapes):
        shape, norm = in_shapes[0], p["normalized_shape"]
        ensure(tuple(shape[-len(norm):]) == tuple(norm) and len(norm) <= len(shape),
               f"normalized_shape {list(norm)} must equal the last dimensions of the input {fmt_shape(shape)}")
        return shape

    def weights(self, p, in_shapes, out_shape):
        return _norm_weights(p, p["normalized_shape"], "ln") if p["elementwise_affine"] else []


@register()
class GroupNorm(TorchKind):
    type = "GroupNorm"
    args = {"num_groups": Arg(integer()), "num_channels": Arg(integer()), "affine": Arg(boolean, True),
            "bias": Arg(boolean, True)}
    ignored = _ignoring("eps", *_DEVICE)
    summary = "num_groups, num_channels, affine, bias"

    def check(self, p):
        if p["num_channels"] % p["num_groups"]:
            raise ArgumentError("num_groups", f"num_channels ({p['num_channels']}) must be divisible by "
                                f"num_groups ({p['num_groups']})")

    def output_shape(self, p, in_shapes):
        # aten group_norm: the input's channels (dim 1 with the batch) split into the groups;
        # num_channels only sizes the affine weights
        c = in_shapes[0][0]
        ensure(c % p["num_groups"] == 0, f"the {c} input channels are not divisible by "
                                         f"num_groups={p['num_groups']}")
        if p["affine"]:
            _check_given(p, "num_channels", c, "number of channels")
        return in_shapes[0]

    def weights(self, p, in_shapes, out_shape):
        return _norm_weights(p, p["num_channels"], "gn") if p["affine"] else []


# -- embeddings and recurrent layers ----------------------------------------------------

@register()
class Embedding(TorchKind):
    type = "Embedding"
    # _freeze (what Embedding.from_pretrained sets) makes the table non-trainable
    args = {"num_embeddings": Arg(integer()), "embedding_dim": Arg(integer()),
            "padding_idx": Arg(optional(integer(-(10 ** 9))), None), "_freeze": Arg(boolean, False)}
    ignored = _ignoring("max_norm", "norm_type", "scale_grad_by_freq", "sparse", *_DEVICE)
    summary = "num_embeddings, embedding_dim, padding_idx, _freeze"

    def check(self, p):
        n, idx = p["num_embeddings"], p["padding_idx"]
        if idx is not None and not -n <= idx < n:
            raise ArgumentError("padding_idx", f"padding_idx ({idx}) must be within num_embeddings "
                                f"({-n} to {n - 1})")

    def output_shape(self, p, in_shapes):
        return (*in_shapes[0], p["embedding_dim"])

    def weights(self, p, in_shapes, out_shape):
        return [Weight("weight", (p["num_embeddings"],), (p["embedding_dim"],), trainable=not p["_freeze"])]


class Recurrent(TorchKind):
    """torch/nn/modules/rnn.py: per layer and direction w_ih, w_hh and two bias vectors."""

    gates = 1
    args = {"input_size": Arg(optional(integer()), None), "hidden_size": Arg(integer()),
            "num_layers": Arg(integer(), 1), "bias": Arg(boolean, True),
            "batch_first": Arg(boolean, False), "bidirectional": Arg(boolean, False),
            "dropout": Arg(_probability, 0)}
    ignored = _ignoring(*_DEVICE)
    summary = "input_size (optional), hidden_size, num_layers, bias, batch_first, bidirectional"

    def hidden_out(self, p) -> int:
        return p["hidden_size"]

    def output_shape(self, p, in_shapes):
        # (L, H_in) without the batch, wherever batch_first puts it
        require_rank(in_shapes[0], 2, "2-D (sequence, features)")
        _check_given(p, "input_size", in_shapes[0][1], "number of features")
        directions = 2 if p["bidirectional"] else 1
        return (in_shapes[0][0], directions * self.hidden_out(p))

    def weights(self, p, in_shapes, out_shape):
        steps, features = in_shapes[0]
        h, hr = p["hidden_size"], self.hidden_out(p)
        directions = 2 if p["bidirectional"] else 1
        out = (self.gates, h) if self.gates > 1 else (h,)
        w: list[Weight] = []
        for layer in range(p["num_layers"]):
            fan = features if layer == 0 else directions * hr
            projections = []
            for d in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                w += [Weight(f"weight_ih{sfx}", (fan,), out, group=sfx, uses=steps),
                      Weight(f"weight_hh{sfx}", (hr,), out, group=sfx, uses=steps)]
                if p["bias"]:
                    w += [Weight(f"bias_ih{sfx}", (), out, group=sfx), Weight(f"bias_hh{sfx}", (), out, group=sfx)]
                if hr != h:
                    projections.append(Weight(f"weight_hr{sfx}", (h,), (hr,), group="proj" + sfx, uses=steps))
            # projections after both directions, so the formula reads 2 * (...) + 2 * 20 * 5
            w += projections
        return w


@register()
class RNN(Recurrent):
    type = "RNN"
    args = {**Recurrent.args, "nonlinearity": Arg(choice("tanh", "relu"), "tanh")}


@register()
class GRU(Recurrent):
    type = "GRU"
    gates = 3


@register()
class LSTM(Recurrent):
    type = "LSTM"
    gates = 4
    args = {**Recurrent.args, "proj_size": Arg(integer(0), 0)}
    summary = Recurrent.summary + ", proj_size"

    def check(self, p):
        if p["proj_size"] and p["proj_size"] >= p["hidden_size"]:
            raise ArgumentError("proj_size", f"proj_size ({p['proj_size']}) must be smaller than "
                                f"hidden_size ({p['hidden_size']})")

    def hidden_out(self, p):
        return p["proj_size"] or p["hidden_size"]


@register()
class MultiheadAttention(TorchKind):
    """Inputs [query, key, value] (PyTorch's order) or one input for self-attention."""

    type = "MultiheadAttention"
    arity = (1, 3)
    args = {"embed_dim": Arg(integer()), "num_heads": Arg(integer()), "bias": Arg(boolean, True),
            "add_bias_kv": Arg(boolean, False), "kdim": Arg(optional(integer()), None),
            "vdim": Arg(optional(integer()), None), "batch_first": Arg(boolean, False)}
    ignored = _ignoring("dropout", "add_zero_attn", *_DEVICE)
    summary = "embed_dim, num_heads, bias, add_bias_kv, kdim, vdim; inputs [query, key, value]"

    def check(self, p):
        if p["embed_dim"] % p["num_heads"]:
            raise ArgumentError("num_heads", f"embed_dim ({p['embed_dim']}) must be divisible by "
                                f"num_heads ({p['num_heads']})")

    def _shapes(self, p, in_shapes):
        q = in_shapes[0]
        k = in_shapes[1] if len(in_shapes) > 1 else q
        v = in_shapes[2] if len(in_shapes) > 2 else k
        for s, what, dim in ((q, "query", p["embed_dim"]), (k, "key", p["kdim"] or p["embed_dim"]),
                             (v, "value", p["vdim"] or p["embed_dim"])):
            require_rank(s, 2, f"2-D (sequence, features) {what}")
            ensure(s[-1] == dim, f"the {what} has {s[-1]} features but the layer expects {dim}")
        ensure(k[0] == v[0], f"key {fmt_shape(k)} and value {fmt_shape(v)} must have the same length")
        return q, k, v

    def output_shape(self, p, in_shapes):
        q, _, _ = self._shapes(p, in_shapes)
        return q

    def weights(self, p, in_shapes, out_shape):
        q, k, v = self._shapes(p, in_shapes)
        e = p["embed_dim"]
        kd, vd = p["kdim"] or e, p["vdim"] or e
        # the input projections run over different lengths: their MACs are in extra_macs
        if kd == e and vd == e:
            w = [Weight("in_proj_weight", (e,), (3, e), group="in_proj")]
        else:
            w = [Weight("q_proj_weight", (e,), (e,), group="q"), Weight("k_proj_weight", (kd,), (e,), group="k"),
                 Weight("v_proj_weight", (vd,), (e,), group="v")]
        if p["bias"]:
            w.append(Weight("in_proj_bias", (), (3, e), group="in_proj" if kd == e == vd else "in_bias"))
        if p["add_bias_kv"]:
            w += [Weight("bias_k", (), (e,), group="bias_kv"), Weight("bias_v", (), (e,), group="bias_kv")]
        w.append(Weight("out_proj.weight", (e,), (e,), group="out_proj", uses=q[0]))
        if p["bias"]:
            w.append(Weight("out_proj.bias", (), (e,), group="out_proj"))
        return w

    def extra_macs(self, p, in_shapes, out_shape):
        q, k, v = self._shapes(p, in_shapes)
        e = p["embed_dim"]
        kd, vd = p["kdim"] or e, p["vdim"] or e
        projections = e * e * q[0] + (kd + vd) * e * k[0]
        return projections + 2 * q[0] * k[0] * e  # scores Q.K^T and the weighted sum of values


# -- padding and resizing ---------------------------------------------------------------

def _torch_pad(rank: int):
    """ZeroPad: an int (every side of the last ``rank`` dimensions) or an even number of
    ints, pairs from the last dimension backwards (left, right, top, bottom, front, back),
    as F.pad takes them; negative values crop."""
    def convert(value: Any, name: str) -> tuple[int, ...]:
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,) * (2 * rank)
        if isinstance(value, (list, tuple)) and value and len(value) % 2 == 0 and all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            return tuple(value)
        raise ArgumentError(name, f"argument '{name}' must be an integer or {2 * rank} integers "
                                  f"(left, right{', top, bottom' if rank > 1 else ''}"
                                  f"{', front, back' if rank > 2 else ''}), got {value!r}")
    return convert


class ZeroPad(TorchKind):
    rank = 2
    summary = "padding: int or (left, right, top, bottom, ...)"

    def output_shape(self, p, in_shapes):
        shape, pads = in_shapes[0], p["padding"]
        ensure(len(pads) // 2 <= len(shape), f"padding {list(pads)} pads {len(pads) // 2} dimensions, but "
                                             f"the input {fmt_shape(shape)} has {len(shape)} after the batch")
        out = list(shape)
        # the pads start at the last dimension: (left, right) pads the width
        for i in range(len(pads) // 2):
            before, after = pads[2 * i], pads[2 * i + 1]
            # aten constant_pad_nd crops the negative pads first (narrow), then pads: (2, -2)
            # on a dimension of 1 fails although 1 + 2 - 2 would be 1
            ensure(out[-1 - i] + before + after < 1 or out[-1 - i] + min(before, 0) + min(after, 0) >= 0,
                   f"negative padding ({before}, {after}) crops more than the {out[-1 - i]} of a dimension of "
                   f"{fmt_shape(shape)}")
            out[-1 - i] += before + after
        ensure(all(d >= 1 for d in out), f"negative padding {list(pads)} removes all of {fmt_shape(shape)}")
        return tuple(out)


for _r in (1, 2, 3):
    register()(type(f"ZeroPad{_r}d", (ZeroPad,), {"type": f"ZeroPad{_r}d", "rank": _r,
                                                  "args": {"padding": Arg(_torch_pad(_r))}}))


def _scale(value: Any, name: str):
    if isinstance(value, bool):
        raise ArgumentError(name, f"argument '{name}' must be a positive number or a list of them")
    if isinstance(value, (int, float)) and value > 0:
        return value
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in value):
        return tuple(value)
    raise ArgumentError(name, f"argument '{name}' must be a positive number or a list of them, got {value!r}")


# F.interpolate: the spatial dimensions each mode supports (nn.Upsample cannot pass the
# antialias=True that 'lanczos' needs, so it always fails there)
_UPSAMPLE_MODES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3), "linear": (1,),
                   "bilinear": (2,), "bicubic": (2,), "trilinear": (3,)}


@register()
class Upsample(TorchKind):
    type = "Upsample"
    args = {"size": Arg(optional(_scale), None), "scale_factor": Arg(optional(_scale), None),
            "mode": Arg(choice(*_UPSAMPLE_MODES), "nearest"), "align_corners": Arg(optional(boolean), None),
            "recompute_scale_factor": Arg(optional(boolean), None)}
    summary = "size or scale_factor, mode"

    def check(self, p):
        if (p["size"] is None) == (p["scale_factor"] is None):
            raise ArgumentError("size", "give exactly one of size and scale_factor")
        if p["align_corners"] is not None and p["mode"] in ("nearest", "nearest-exact", "area"):
            raise ArgumentError("align_corners", "align_corners can only be set with the interpolating modes "
                                "linear, bilinear, bicubic and trilinear")
        if p["recompute_scale_factor"] and p["size"] is not None:
            raise ArgumentError("recompute_scale_factor", "recompute_scale_factor is not meaningful with "
                                "an explicit size")

    def output_shape(self, p, in_shapes):
        shape = in_shapes[0]
        ensure(2 <= len(shape) <= 4, f"expects a (channels, ...) input with 1 to 3 spatial dimensions, "
                                     f"got {fmt_shape(shape)}")
        spatial = shape[1:]
        ensure(len(spatial) in _UPSAMPLE_MODES[p["mode"]],
               f"mode '{p['mode']}' needs {' or '.join(str(n) for n in _UPSAMPLE_MODES[p['mode']])} spatial "
               f"dimension(s), got {fmt_shape(shape)}")
        value = p["size"] if p["size"] is not None else p["scale_factor"]
        values = value if isinstance(value, tuple) else (value,) * len(spatial)
        ensure(len(values) == len(spatial), f"{len(values)} sizes for {len(spatial)} spatial dimensions")
        if p["size"] is not None:
            ensure(all(isinstance(v, int) for v in values), "size must be whole numbers")
            return (shape[0], *values)
        # floor(size * scale) in double precision, as upsample's compute_output_size
        return (shape[0], *(int(n * s // 1) for n, s in zip(spatial, values)))


# -- graph operations (torch.add, torch.mul, torch.cat) ----------------------------------

class Elementwise(TorchKind):
    arity = (2, None)
    args: dict[str, Arg] = {}
    summary = "inputs: [a, b, ...] (torch.add / torch.mul, broadcasting)"

    def output_shape(self, p, in_shapes):
        # the batch dimension leads every tensor: inputs of different ranks would broadcast a
        # feature dimension against the batch, so they must have the same rank
        ensure(len({len(s) for s in in_shapes}) == 1, f"{self.type} needs inputs of the same rank, got "
               + " and ".join(fmt_shape(s) for s in in_shapes))
        return broadcast(in_shapes, self.type)


register()(type("Add", (Elementwise,), {"type": "Add"}))
register("Mul")(type("Multiply", (Elementwise,), {"type": "Multiply"}))


@register("Concatenate")
class Cat(TorchKind):
    type = "Cat"
    arity = (2, None)
    args = {"dim": Arg(integer(-1000), 1)}
    summary = "dim (default 1, the channels); inputs: [a, b, ...] (torch.cat)"

    def output_shape(self, p, in_shapes):
        rank = len(in_shapes[0])
        shapes = " and ".join(fmt_shape(s) for s in in_shapes)
        ensure(all(len(s) == rank for s in in_shapes), f"torch.cat needs inputs of one rank, got {shapes}")
        i = axis_index(p["dim"], rank)
        ensure(all(s[:i] + s[i + 1:] == in_shapes[0][:i] + in_shapes[0][i + 1:] for s in in_shapes),
               f"torch.cat on dim {p['dim']} needs the other dimensions equal, got {shapes}")
        return (*in_shapes[0][:i], sum(s[i] for s in in_shapes), *in_shapes[0][i + 1:])

