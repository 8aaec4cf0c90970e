"""PyTorch layer kinds (channels_first; shapes without the batch dimension): the base of
every PyTorch kind, and the core, activation, normalisation, recurrent, attention, padding,
resizing and graph-operation modules. Convolutions and pooling are in torch_conv.py,
embeddings, recurrent layers and attention in torch_sequence.py, more activations, padding
modes and the transformer block in torch_extras.py.

``in_channels`` / ``in_features`` / ``num_features`` may be omitted: they are inferred
from the incoming shape, and checked against it when given (SPEC section 1). Buffers
(BatchNorm running statistics) are not parameters in PyTorch and are not counted.
"""
from __future__ import annotations

from typing import Any

from ..errors import ArgumentError, ShapeError
from ..shapes import Shape, axis_index, broadcast, fmt_shape, prod, require_rank, reshape
from .base import (DEVICE_ARGS, Arg, LayerKind, Weight, boolean, check_given, choice, ensure, flat_pads,
                   ignoring, integer, optional, positive_shape, probability, shape_arg)
from .registry import register


class TorchKind(LayerKind):
    """A torch.nn module class: its constructor keywords are ``args`` and ``ignored``."""

    framework = "pytorch"
    ignored = ignoring()


# -- core -------------------------------------------------------------------------------

@register
class Linear(TorchKind):
    type = "Linear"
    args = {"in_features": Arg(optional(integer()), None), "out_features": Arg(integer()),
            "bias": Arg(boolean, True)}
    ignored = ignoring(*DEVICE_ARGS)
    summary = "in_features (optional), out_features, bias (acts on the last dimension)"

    def output_shape(self, p, in_shapes):
        check_given(p, "in_features", in_shapes[0][-1], "number of features (last dimension)")
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


@register
class Flatten(TorchKind):
    type = "Flatten"
    args = {"start_dim": Arg(integer(-1000), 1), "end_dim": Arg(integer(-1000), -1)}
    summary = "start_dim, end_dim (dim 0 is the batch)"

    def output_shape(self, p, in_shapes):
        shape = in_shapes[0]
        s, e = _dim_range(p["start_dim"], p["end_dim"], len(shape))
        return (*shape[:s], prod(shape[s:e + 1]), *shape[e + 1:])


@register
class Unflatten(TorchKind):
    type = "Unflatten"
    args = {"dim": Arg(integer(-1000)), "unflattened_size": Arg(shape_arg)}
    summary = "dim, unflattened_size"

    def output_shape(self, p, in_shapes):
        shape = in_shapes[0]
        i = axis_index(p["dim"], len(shape))
        return (*shape[:i], *reshape((shape[i],), p["unflattened_size"]), *shape[i + 1:])


class Unchanged(TorchKind):
    """Shape unchanged, no parameters (dropout and activations)."""

    summary = "shape unchanged, no parameters"


_DROPOUT = {"p": Arg(probability, 0.5)}


@register
class Dropout(Unchanged):
    type = "Dropout"
    args = _DROPOUT
    ignored = ignoring("inplace")


@register
class Dropout1d(Unchanged):
    type = "Dropout1d"
    args = _DROPOUT
    ignored = ignoring("inplace")


@register
class Dropout2d(Unchanged):
    type = "Dropout2d"
    args = _DROPOUT
    ignored = ignoring("inplace")


@register
class Dropout3d(Unchanged):
    type = "Dropout3d"
    args = _DROPOUT
    ignored = ignoring("inplace")


@register
class AlphaDropout(Unchanged):
    type = "AlphaDropout"
    args = _DROPOUT
    ignored = ignoring("inplace")


@register
class ReLU(Unchanged):
    type = "ReLU"
    ignored = ignoring("inplace")


@register
class ReLU6(Unchanged):
    type = "ReLU6"
    ignored = ignoring("inplace")


@register
class SiLU(Unchanged):
    type = "SiLU"
    ignored = ignoring("inplace")


@register
class Mish(Unchanged):
    type = "Mish"
    ignored = ignoring("inplace")


@register
class Hardswish(Unchanged):
    type = "Hardswish"
    ignored = ignoring("inplace")


@register
class Hardsigmoid(Unchanged):
    type = "Hardsigmoid"
    ignored = ignoring("inplace")


@register
class LeakyReLU(Unchanged):
    type = "LeakyReLU"
    ignored = ignoring("negative_slope", "inplace")


@register
class ELU(Unchanged):
    type = "ELU"
    ignored = ignoring("alpha", "inplace")


@register
class GELU(Unchanged):
    type = "GELU"
    args = {"approximate": Arg(choice("none", "tanh"), "none")}


@register
class Softplus(Unchanged):
    type = "Softplus"
    ignored = ignoring("beta", "threshold")


@register
class Sigmoid(Unchanged):
    type = "Sigmoid"


@register
class Tanh(Unchanged):
    type = "Tanh"


@register
class Identity(Unchanged):
    type = "Identity"


@register
class Softmax(Unchanged):
    type = "Softmax"
    args = {"dim": Arg(optional(integer(-1000)), None)}
    summary = "dim (dim 0 is the batch); shape unchanged, no parameters"

    def output_shape(self, p, in_shapes):
        shape, dim = in_shapes[0], p["dim"]
        rank = len(shape) + 1  # PyTorch's dim counts the batch
        if dim is not None and not -rank <= dim < rank:
            raise ShapeError(f"dim={dim} is out of range for an input of {rank} dimensions "
                             f"(with the batch): use {-rank} to {rank - 1}")
        return shape


@register
class LogSoftmax(Softmax):
    type = "LogSoftmax"


@register
class PReLU(TorchKind):
    type = "PReLU"
    args = {"num_parameters": Arg(integer(), 1)}
    ignored = ignoring("init", *DEVICE_ARGS)
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
    ignored = ignoring("eps", "momentum", *DEVICE_ARGS)
    summary = "num_features (optional), affine, bias, track_running_stats (running statistics are buffers)"

    def channels(self, p, shape: Shape) -> int:
        require_rank(shape, self.ranks, self.expects)
        c = shape[0]
        # only the affine weights and the running statistics have num_features entries:
        # without both, PyTorch runs on any number of channels (InstanceNorm warns)
        if p["affine"] or p["track_running_stats"]:
            check_given(p, "num_features", c, "number of channels")
        return c

    def weights(self, p, in_shapes, out_shape):
        c = self.channels(p, in_shapes[0])
        return _norm_weights(p, c, "bn") if p["affine"] else []

    def fixed_sizes(self, p, in_shapes):
        # the running statistics are buffers of num_features entries: not parameters, but
        # the module cannot run on another number of channels
        return {"num_features (the size of its running statistics)": in_shapes[0][0]} if p["track_running_stats"] else {}

    def output_shape(self, p, in_shapes):
        self.channels(p, in_shapes[0])
        if self.instance:
            ensure(prod(in_shapes[0][1:]) > 1, f"{self.type} needs more than one spatial element per channel "
                                               f"(PyTorch raises in training mode), got {fmt_shape(in_shapes[0])}")
        return in_shapes[0]


def _norm_args(instance: bool) -> dict[str, Arg]:
    # InstanceNorm has neither affine weights nor running statistics by default
    return {"num_features": Arg(optional(integer()), None), "affine": Arg(boolean, not instance),
            "bias": Arg(boolean, True), "track_running_stats": Arg(boolean, not instance)}


@register
class BatchNorm1d(BatchNorm):
    type = "BatchNorm1d"
    ranks = (1, 2)
    expects = "(features,) or (channels, length)"
    args = _norm_args(instance=False)


@register
class BatchNorm2d(BatchNorm):
    type = "BatchNorm2d"
    ranks = (3,)
    expects = "3-D (channels, height, width)"
    args = _norm_args(instance=False)


@register
class BatchNorm3d(BatchNorm):
    type = "BatchNorm3d"
    ranks = (4,)
    expects = "4-D (channels, depth, height, width)"
    args = _norm_args(instance=False)


@register
class InstanceNorm1d(BatchNorm):
    type = "InstanceNorm1d"
    ranks = (2,)
    expects = "2-D (channels, length)"
    instance = True
    args = _norm_args(instance=True)


@register
class InstanceNorm2d(BatchNorm):
    type = "InstanceNorm2d"
    ranks = (3,)
    expects = "3-D (channels, height, width)"
    instance = True
    args = _norm_args(instance=True)


@register
class InstanceNorm3d(BatchNorm):
    type = "InstanceNorm3d"
    ranks = (4,)
    expects = "4-D (channels, depth, height, width)"
    instance = True
    args = _norm_args(instance=True)


@register
class LayerNorm(TorchKind):
    type = "LayerNorm"
    args = {"normalized_shape": Arg(positive_shape), "elementwise_affine": Arg(boolean, True),
            "bias": Arg(boolean, True)}
    ignored = ignoring("eps", *DEVICE_ARGS)
    summary = "normalized_shape (the trailing dimensions), elementwise_affine, bias"

    def output_shape(self, p, in_shapes):
        shape, norm = in_shapes[0], p["normalized_shape"]
        ensure(tuple(shape[-len(norm):]) == tuple(norm) and len(norm) <= len(shape),
               f"normalized_shape {list(norm)} must equal the last dimensions of the input {fmt_shape(shape)}")
        return shape

    def weights(self, p, in_shapes, out_shape):
        return _norm_weights(p, p["normalized_shape"], "ln") if p["elementwise_affine"] else []


@register
class GroupNorm(TorchKind):
    type = "GroupNorm"
    args = {"num_groups": Arg(integer()), "num_channels": Arg(integer()), "affine": Arg(boolean, True),
            "bias": Arg(boolean, True)}
    ignored = ignoring("eps", *DEVICE_ARGS)
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
            check_given(p, "num_channels", c, "number of channels")
        return in_shapes[0]

    def weights(self, p, in_shapes, out_shape):
        return _norm_weights(p, p["num_channels"], "gn") if p["affine"] else []


# -- padding and resizing ---------------------------------------------------------------

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


@register
class ZeroPad1d(ZeroPad):
    type = "ZeroPad1d"
    rank = 1
    args = {"padding": Arg(flat_pads(1))}


@register
class ZeroPad2d(ZeroPad):
    type = "ZeroPad2d"
    rank = 2
    args = {"padding": Arg(flat_pads(2))}


@register
class ZeroPad3d(ZeroPad):
    type = "ZeroPad3d"
    rank = 3
    args = {"padding": Arg(flat_pads(3))}


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


@register
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


@register
class Add(Elementwise):
    type = "Add"


@register
class Multiply(Elementwise):
    type = "Multiply"
    aliases = ("Mul",)


@register
class Cat(TorchKind):
    type = "Cat"
    aliases = ("Concatenate",)
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

