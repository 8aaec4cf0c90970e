"""More PyTorch kinds: further activations, the padding modes, pixel shuffles, RMSNorm and
TransformerEncoderLayer (the core ones are in torch.py; both register into one registry).

Each rule follows the aten check it names; the differential tests run the same modules in
PyTorch and compare shapes, counts and which configurations are refused.
"""
from __future__ import annotations

from typing import Any

from ..errors import ArgumentError
from ..shapes import axis_index, fmt_shape, require_rank
from .base import (DEVICE_ARGS, Arg, Weight, boolean, choice, ensure, flat_pads, ignoring, integer, number,
                   optional, positive_shape)
from .registry import register
from .torch import Softmax, TorchKind, Unchanged, Upsample, ZeroPad

_ANY_NUMBER = number(float("-inf"))


# -- activations: shape unchanged, no parameters ------------------------------------------

@register
class Hardtanh(Unchanged):
    type = "Hardtanh"
    args = {"min_val": Arg(_ANY_NUMBER, -1.0), "max_val": Arg(_ANY_NUMBER, 1.0),
            "min_value": Arg(optional(_ANY_NUMBER), None), "max_value": Arg(optional(_ANY_NUMBER), None)}
    ignored = ignoring("inplace")

    def check(self, p):
        # min_value/max_value are the deprecated spellings; when given they win (nn.Hardtanh)
        low = p["min_val"] if p["min_value"] is None else p["min_value"]
        high = p["max_val"] if p["max_value"] is None else p["max_value"]
        if high <= low:
            raise ArgumentError("max_val", f"max_val ({high}) must be greater than min_val ({low})")


@register
class Threshold(Unchanged):
    type = "Threshold"
    args = {"threshold": Arg(_ANY_NUMBER), "value": Arg(_ANY_NUMBER)}  # both required, as in nn.Threshold
    ignored = ignoring("inplace")


@register
class Softshrink(Unchanged):
    type = "Softshrink"
    args = {"lambd": Arg(number(0.0), 0.5)}  # "lambda must be greater or equal to 0"


@register
class GLU(TorchKind):
    """Halves ``dim``: the first half gated by the sigmoid of the second."""

    type = "GLU"
    args = {"dim": Arg(integer(-1000), -1)}
    summary = "dim (dim 0 is the batch): halves that dimension, no parameters"

    def output_shape(self, p, in_shapes):
        shape = in_shapes[0]
        i = axis_index(p["dim"], len(shape))
        ensure(i >= 0, f"dim={p['dim']} is the batch dimension, which GLU would halve")
        ensure(shape[i] % 2 == 0, f"GLU halves dimension {p['dim']}, but its size {shape[i]} is odd "
                                  f"(input {fmt_shape(shape)})")
        return (*shape[:i], shape[i] // 2, *shape[i + 1:])


@register
class Softmax2d(Unchanged):
    """Softmax over the channels of a (channels, height, width) input."""

    type = "Softmax2d"
    summary = "over the channels of (channels, height, width); no parameters"

    def output_shape(self, p, in_shapes):
        require_rank(in_shapes[0], 3, "3-D (channels, height, width)")
        return in_shapes[0]


@register
class SELU(Unchanged):
    type = "SELU"
    ignored = ignoring("inplace")


@register
class CELU(Unchanged):
    type = "CELU"
    ignored = ignoring("alpha", "inplace")


@register
class RReLU(Unchanged):
    type = "RReLU"
    ignored = ignoring("lower", "upper", "inplace")


@register
class Hardshrink(Unchanged):
    type = "Hardshrink"
    ignored = ignoring("lambd")


@register
class Softsign(Unchanged):
    type = "Softsign"


@register
class LogSigmoid(Unchanged):
    type = "LogSigmoid"


@register
class Tanhshrink(Unchanged):
    type = "Tanhshrink"


@register
class Softmin(Softmax):
    type = "Softmin"


# -- padding ------------------------------------------------------------------------------

class ConstantPad(ZeroPad):
    summary = "padding: int or (left, right, ...), value"


@register
class ConstantPad1d(ConstantPad):
    type = "ConstantPad1d"
    rank = 1
    args = {"padding": Arg(flat_pads(1)), "value": Arg(_ANY_NUMBER)}


@register
class ConstantPad2d(ConstantPad):
    type = "ConstantPad2d"
    rank = 2
    args = {"padding": Arg(flat_pads(2)), "value": Arg(_ANY_NUMBER)}


@register
class ConstantPad3d(ConstantPad):
    type = "ConstantPad3d"
    rank = 3
    args = {"padding": Arg(flat_pads(3)), "value": Arg(_ANY_NUMBER)}


class CopyPad(TorchKind):
    """reflect / replicate / circular padding (aten's _pad_enum and the mode's kernels).

    Unlike constant padding these need the pads of 1 to 3 trailing dimensions on an input
    with at most one dimension before them (the channels), and each mode limits the pads
    by the size of the padded dimension.
    """

    rank = 2
    mode = "reflect"
    summary = "padding: int or (left, right, ...)"

    def output_shape(self, p, in_shapes):
        shape, pads = in_shapes[0], p["padding"]
        n = len(pads) // 2
        if self.mode == "circular":  # nn.CircularPadNd checks the input against its own rank first
            ensure(len(shape) in (self.rank, self.rank + 1),
                   f"{self.type} needs an input of {self.rank} or {self.rank + 1} dimensions after the batch, "
                   f"got {fmt_shape(shape)}")
        ensure(len(shape) in (n, n + 1),  # n <= 3: the converter allows no more
               f"{self.mode} padding of {n} dimension(s) needs an input of {n} or {n + 1} dimensions after the "
               f"batch, got {fmt_shape(shape)}")
        out = list(shape)
        for i in range(n):  # the pads start at the last dimension
            size, before, after = shape[-1 - i], pads[2 * i], pads[2 * i + 1]
            if self.mode == "reflect":
                ensure(before < size and after < size,
                       f"reflect padding ({before}, {after}) must be smaller than the padded dimension "
                       f"({size}) of {fmt_shape(shape)}")
            elif self.mode == "circular":
                ensure(before <= size and after <= size,
                       f"circular padding ({before}, {after}) wraps around more than once: the padded "
                       f"dimension of {fmt_shape(shape)} has {size}")
            out[-1 - i] = size + before + after
            ensure(out[-1 - i] >= 1, f"padding ({before}, {after}) leaves nothing of the dimension of size "
                                     f"{size} in {fmt_shape(shape)}")
        return tuple(out)


def _exact_pad(rank: int):
    """An int (every side of the class's ``rank`` dimensions) or pairs for one to three
    dimensions: nn.ReflectionPad2d's _quadruple keeps a list as given, and F.pad decides."""
    loose = flat_pads(rank)

    def convert(value: Any, name: str) -> tuple[int, ...]:
        pads = loose(value, name)
        if len(pads) > 6:
            raise ArgumentError(name, f"argument '{name}' pads at most 3 dimensions (6 numbers), got {value!r}")
        return pads
    return convert


@register
class ReflectionPad1d(CopyPad):
    type = "ReflectionPad1d"
    rank = 1
    mode = "reflect"
    args = {"padding": Arg(_exact_pad(1))}


@register
class ReflectionPad2d(CopyPad):
    type = "ReflectionPad2d"
    rank = 2
    mode = "reflect"
    args = {"padding": Arg(_exact_pad(2))}


@register
class ReflectionPad3d(CopyPad):
    type = "ReflectionPad3d"
    rank = 3
    mode = "reflect"
    args = {"padding": Arg(_exact_pad(3))}


@register
class ReplicationPad1d(CopyPad):
    type = "ReplicationPad1d"
    rank = 1
    mode = "replicate"
    args = {"padding": Arg(_exact_pad(1))}


@register
class ReplicationPad2d(CopyPad):
    type = "ReplicationPad2d"
    rank = 2
    mode = "replicate"
    args = {"padding": Arg(_exact_pad(2))}


@register
class ReplicationPad3d(CopyPad):
    type = "ReplicationPad3d"
    rank = 3
    mode = "replicate"
    args = {"padding": Arg(_exact_pad(3))}


@register
class CircularPad1d(CopyPad):
    type = "CircularPad1d"
    rank = 1
    mode = "circular"
    args = {"padding": Arg(_exact_pad(1))}


@register
class CircularPad2d(CopyPad):
    type = "CircularPad2d"
    rank = 2
    mode = "circular"
    args = {"padding": Arg(_exact_pad(2))}


@register
class CircularPad3d(CopyPad):
    type = "CircularPad3d"
    rank = 3
    mode = "circular"
    args = {"padding": Arg(_exact_pad(3))}


# -- rearranging ----------------------------------------------------------------------------

@register
class PixelShuffle(TorchKind):
    """(C*r*r, H, W) -> (C, H*r, W*r); PixelUnshuffle the other way (aten pixel_shuffle checks)."""

    type = "PixelShuffle"
    args = {"upscale_factor": Arg(integer())}
    summary = "upscale_factor r: (C*r*r, H, W) -> (C, H*r, W*r)"

    def output_shape(self, p, in_shapes):
        shape, r = in_shapes[0], p["upscale_factor"]
        require_rank(shape, (3, 4, 5), "(channels, height, width), maybe after further dimensions")
        *lead, c, h, w = shape
        ensure(c % (r * r) == 0, f"the {c} channels of {fmt_shape(shape)} are not divisible by "
                                 f"upscale_factor squared ({r}*{r} = {r * r})")
        return (*lead, c // (r * r), h * r, w * r)


@register
class PixelUnshuffle(TorchKind):
    type = "PixelUnshuffle"
    args = {"downscale_factor": Arg(integer())}
    summary = "downscale_factor r: (C, H*r, W*r) -> (C*r*r, H, W)"

    def output_shape(self, p, in_shapes):
        shape, r = in_shapes[0], p["downscale_factor"]
        require_rank(shape, (3, 4, 5), "(channels, height, width), maybe after further dimensions")
        *lead, c, h, w = shape
        ensure(h % r == 0 and w % r == 0, f"height {h} and width {w} of {fmt_shape(shape)} must both be "
                                          f"divisible by downscale_factor ({r})")
        return (*lead, c * r * r, h // r, w // r)


@register
class ChannelShuffle(TorchKind):
    type = "ChannelShuffle"
    args = {"groups": Arg(integer())}
    summary = "groups (dividing the channels); shape unchanged, no parameters"

    def output_shape(self, p, in_shapes):
        shape = in_shapes[0]
        require_rank(shape, (2, 3, 4, 5), "(channels, ...) with at least one dimension after the channels")
        ensure(shape[0] % p["groups"] == 0, f"the {shape[0]} channels of {fmt_shape(shape)} are not divisible "
                                            f"by groups={p['groups']}")
        return shape


@register
class LocalResponseNorm(Unchanged):
    type = "LocalResponseNorm"
    args = {"size": Arg(integer())}
    ignored = ignoring("alpha", "beta", "k")
    summary = "size; (channels, ...) input; shape unchanged, no parameters"

    def output_shape(self, p, in_shapes):
        require_rank(in_shapes[0], (2, 3, 4), "(channels, ...) with at least one dimension after the channels")
        return in_shapes[0]


class FixedModeUpsample(Upsample):
    """nn.UpsamplingNearest2d / UpsamplingBilinear2d: Upsample with the mode fixed."""

    args = {"size": Upsample.args["size"], "scale_factor": Upsample.args["scale_factor"]}
    fixed: dict[str, Any] = {}
    summary = "size or scale_factor"

    def normalize(self, raw):
        # Upsample's whole argument table, with the mode (and align_corners) this class fixes;
        # like nn.Upsample, the nearest one also takes 1 or 3 spatial dimensions
        return Upsample().normalize({**raw, **self.fixed})


@register
class UpsamplingNearest2d(FixedModeUpsample):
    type = "UpsamplingNearest2d"
    fixed = {"mode": "nearest"}


@register
class UpsamplingBilinear2d(FixedModeUpsample):
    type = "UpsamplingBilinear2d"
    fixed = {"mode": "bilinear", "align_corners": True}


# -- normalisation and the transformer block -------------------------------------------------

@register
class RMSNorm(TorchKind):
    type = "RMSNorm"
    args = {"normalized_shape": Arg(positive_shape), "elementwise_affine": Arg(boolean, True)}
    ignored = ignoring("eps", *DEVICE_ARGS)
    summary = "normalized_shape (the trailing dimensions), elementwise_affine: a scale, no bias"

    def output_shape(self, p, in_shapes):
        shape, norm = in_shapes[0], p["normalized_shape"]
        ensure(len(norm) <= len(shape) and tuple(shape[-len(norm):]) == tuple(norm),
               f"normalized_shape {list(norm)} must equal the last dimensions of the input {fmt_shape(shape)}")
        return shape

    def weights(self, p, in_shapes, out_shape):
        return [Weight("weight", (), p["normalized_shape"], group="rms")] if p["elementwise_affine"] else []


@register
class TransformerEncoderLayer(TorchKind):
    """Self-attention and a two-layer feed-forward block, each with a LayerNorm.

    Parameters: in_proj (d + 1) * 3d, out_proj (d + 1) * d, linear1 (d + 1) * ff,
    linear2 (ff + 1) * d, two LayerNorms 2 * d each (``bias=False`` drops every bias).
    """

    type = "TransformerEncoderLayer"
    args = {"d_model": Arg(integer()), "nhead": Arg(integer()), "dim_feedforward": Arg(integer(), 2048),
            "bias": Arg(boolean, True), "batch_first": Arg(boolean, False),
            "activation": Arg(choice("relu", "gelu"), "relu")}
    ignored = ignoring("dropout", "layer_norm_eps", "norm_first", *DEVICE_ARGS)
    summary = "d_model, nhead, dim_feedforward (2048), bias; input (sequence, d_model)"

    def check(self, p):
        if p["d_model"] % p["nhead"]:
            raise ArgumentError("nhead", f"d_model ({p['d_model']}) must be divisible by nhead ({p['nhead']})")

    def output_shape(self, p, in_shapes):
        shape = in_shapes[0]
        require_rank(shape, 2, "2-D (sequence, features)")
        ensure(shape[-1] == p["d_model"], f"the input has {shape[-1]} features but d_model is {p['d_model']}")
        return shape

    def weights(self, p, in_shapes, out_shape):
        d, ff, length, bias = p["d_model"], p["dim_feedforward"], in_shapes[0][0], p["bias"]

        def linear(name: str, fan_in: int, out: tuple[int, ...]) -> list[Weight]:
            w = [Weight(f"{name}.weight", (fan_in,), out, group=name, uses=length)]
            return w + ([Weight(f"{name}.bias", (), out, group=name)] if bias else [])

        def norm(name: str) -> list[Weight]:
            w = [Weight(f"{name}.weight", (), (d,), group=name)]
            return w + ([Weight(f"{name}.bias", (), (d,), group=name)] if bias else [])

        return (linear("self_attn.in_proj", d, (3, d)) + linear("self_attn.out_proj", d, (d,))
                + linear("linear1", d, (ff,)) + linear("linear2", ff, (d,)) + norm("norm1") + norm("norm2"))

    def extra_macs(self, p, in_shapes, out_shape):
        length = in_shapes[0][0]
        return 2 * length * length * p["d_model"]  # scores Q.K^T and the weighted sum of values

