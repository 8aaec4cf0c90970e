"""PyTorch convolution and pooling kinds (channels_first; shapes without the batch).

Each rule follows the PyTorch source it names; the differential tests run the same
modules in PyTorch. The kinds that slide a window expose it (``window``) for the shape
working and the window mistakes.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..errors import ArgumentError, ShapeError
from ..shapes import Shape, fmt_shape, prod, require_rank, transpose_output, window_output
from .base import (DEVICE_ARGS, Arg, Weight, Window, boolean, check_given, choice, ensure, ignoring, integer,
                   int_tuple, optional, unit_strides)
from .registry import register
from .torch import TorchKind

_SPATIAL = {1: "(channels, length)", 2: "(channels, height, width)", 3: "(channels, depth, height, width)"}


def _feature_map(shape: Shape, rank: int) -> tuple[Shape, int]:
    require_rank(shape, rank + 1, f"{rank + 1}-D {_SPATIAL[rank]}")
    return tuple(shape[1:]), shape[0]


# -- convolutions (torch/nn/modules/conv.py) --------------------------------------------

def _padding(rank: int):
    """PyTorch conv ``padding``: an int, one int per axis, 'valid' or 'same'."""
    ints = int_tuple(rank, 0)

    def convert(value: Any, name: str):
        if isinstance(value, str):
            return choice("valid", "same")(value, name)
        return ints(value, name)
    return convert


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


def _check_conv(p: Mapping[str, Any]) -> None:
    if p["padding"] == "same" and max(p["stride"]) > 1:
        raise ArgumentError("padding", "padding='same' is not supported for strided convolutions "
                            f"(stride={list(p['stride'])})")
    for arg in ("in_channels", "out_channels"):
        if p.get(arg) is not None and p[arg] % p["groups"]:
            raise ArgumentError("groups", f"{arg} ({p[arg]}) must be divisible by groups ({p['groups']})")


def _check_padding_mode(mode: str, spatial: Shape, pads) -> None:
    """F.pad's limits for the non-zero padding modes (torch/nn/functional.py, ATen Padding.h)."""
    for n, (a, b) in zip(spatial, pads):
        if mode == "reflect" and max(a, b) >= n:
            raise ShapeError(f"padding_mode='reflect' needs padding smaller than the input, got padding "
                             f"{max(a, b)} for a size of {n}")
        if mode == "circular" and max(a, b) > n:
            raise ShapeError(f"padding_mode='circular' needs padding at most the input size, got padding "
                             f"{max(a, b)} for a size of {n}")


class Conv(TorchKind):
    rank = 2
    ignored = ignoring(*DEVICE_ARGS)
    summary = "in_channels (optional), out_channels, kernel_size, stride, padding (int/tuple/'same'), dilation, groups, bias"

    def check(self, p):
        _check_conv(p)

    def pads(self, p) -> tuple[tuple[int, int], ...]:
        if p["padding"] == "valid":
            return ((0, 0),) * self.rank
        if p["padding"] == "same":
            # as torch's _conv_forward: total d*(k-1), the extra one on the right
            totals = [d * (k - 1) for k, d in zip(p["kernel_size"], p["dilation"])]
            return tuple((t // 2, t - t // 2) for t in totals)
        return tuple((x, x) for x in p["padding"])

    def window(self, p):
        return Window(p["kernel_size"], p["stride"], self.pads(p), p["dilation"], False, True, False)

    def padding_swapped(self, p):
        padding = p["padding"]
        none = padding == "valid" or (isinstance(padding, tuple) and not any(padding))
        return {**p, "padding": "same" if none else "valid"}

    def stride_ignored(self, p):
        return unit_strides(p, self.window(p), "stride")

    def output_shape(self, p, in_shapes):
        spatial, cin = _feature_map(in_shapes[0], self.rank)
        check_given(p, "in_channels", cin, "number of channels")
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


@register
class Conv1d(Conv):
    type = "Conv1d"
    rank = 1
    args = _conv_args(1)


@register
class Conv2d(Conv):
    type = "Conv2d"
    rank = 2
    args = _conv_args(2)


@register
class Conv3d(Conv):
    type = "Conv3d"
    rank = 3
    args = _conv_args(3)


class ConvTranspose(TorchKind):
    """It grows its input rather than sliding a window over it: no :class:`Window`."""

    rank = 2
    ignored = ignoring(*DEVICE_ARGS)
    summary = "in_channels (optional), out_channels, kernel_size, stride, padding, output_padding, dilation, groups, bias"

    def check(self, p):
        _check_conv(p)
        for op, s, d in zip(p["output_padding"], p["stride"], p["dilation"]):
            if op >= s and op >= d:
                raise ArgumentError("output_padding", f"output_padding {list(p['output_padding'])} must be "
                                    f"smaller than either stride {list(p['stride'])} or dilation "
                                    f"{list(p['dilation'])}")

    def output_shape(self, p, in_shapes):
        spatial, cin = _feature_map(in_shapes[0], self.rank)
        check_given(p, "in_channels", cin, "number of channels")
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


@register
class ConvTranspose1d(ConvTranspose):
    type = "ConvTranspose1d"
    rank = 1
    args = _conv_args(1, transpose=True)


@register
class ConvTranspose2d(ConvTranspose):
    type = "ConvTranspose2d"
    rank = 2
    args = _conv_args(2, transpose=True)


@register
class ConvTranspose3d(ConvTranspose):
    type = "ConvTranspose3d"
    rank = 3
    args = _conv_args(3, transpose=True)


# -- pooling (aten/src/ATen/native/Pool.h: pooling_output_shape) -------------------------

class Pool(TorchKind):
    rank = 2
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

    def window(self, p):
        kernel = p["kernel_size"]
        # the stride defaults to the kernel size; AvgPool has no dilation
        return Window(kernel, p["stride"] or kernel, tuple((x, x) for x in p["padding"]),
                      p.get("dilation") or (1,) * len(kernel), p["ceil_mode"], True, True)

    def padding_swapped(self, p):
        # pooling takes numbers only: no padding <-> half the kernel (the most it allows)
        zero = all(x == 0 for x in p["padding"])
        return {**p, "padding": tuple(k // 2 for k in p["kernel_size"]) if zero else (0,) * len(p["padding"])}

    def stride_ignored(self, p):
        return unit_strides(p, self.window(p), "stride")

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


@register
class MaxPool1d(Pool):
    type = "MaxPool1d"
    rank = 1
    args = _pool_args(1, dilated=True)
    ignored = ignoring("return_indices")


@register
class MaxPool2d(Pool):
    type = "MaxPool2d"
    rank = 2
    args = _pool_args(2, dilated=True)
    ignored = ignoring("return_indices")


@register
class MaxPool3d(Pool):
    type = "MaxPool3d"
    rank = 3
    args = _pool_args(3, dilated=True)
    ignored = ignoring("return_indices")


@register
class AvgPool1d(Pool):
    type = "AvgPool1d"
    rank = 1
    args = _pool_args(1, dilated=False)
    ignored = ignoring("count_include_pad")  # no divisor_override in 1-D


@register
class AvgPool2d(Pool):
    type = "AvgPool2d"
    rank = 2
    args = _pool_args(2, dilated=False)
    ignored = ignoring("count_include_pad", "divisor_override")


@register
class AvgPool3d(Pool):
    type = "AvgPool3d"
    rank = 3
    args = _pool_args(3, dilated=False)
    ignored = ignoring("count_include_pad", "divisor_override")
    input_covers_kernel = True


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
    """The output size is given; the window adapts to the input (no fixed window)."""

    rank = 2
    summary = "output_size (null keeps a size)"

    def output_shape(self, p, in_shapes):
        spatial, c = _feature_map(in_shapes[0], self.rank)
        return (c, *(n if o is None else o for n, o in zip(spatial, p["output_size"])))


@register
class AdaptiveAvgPool1d(AdaptivePool):
    type = "AdaptiveAvgPool1d"
    rank = 1
    args = {"output_size": Arg(_output_size(1))}


@register
class AdaptiveAvgPool2d(AdaptivePool):
    type = "AdaptiveAvgPool2d"
    rank = 2
    args = {"output_size": Arg(_output_size(2))}


@register
class AdaptiveAvgPool3d(AdaptivePool):
    type = "AdaptiveAvgPool3d"
    rank = 3
    args = {"output_size": Arg(_output_size(3))}


@register
class AdaptiveMaxPool1d(AdaptivePool):
    type = "AdaptiveMaxPool1d"
    rank = 1
    args = {"output_size": Arg(_output_size(1))}
    ignored = ignoring("return_indices")


@register
class AdaptiveMaxPool2d(AdaptivePool):
    type = "AdaptiveMaxPool2d"
    rank = 2
    args = {"output_size": Arg(_output_size(2))}
    ignored = ignoring("return_indices")


@register
class AdaptiveMaxPool3d(AdaptivePool):
    type = "AdaptiveMaxPool3d"
    rank = 3
    args = {"output_size": Arg(_output_size(3))}
    ignored = ignoring("return_indices")
