"""Keras 3 convolution and pooling kinds: the layers that slide a window.

Each rule follows the Keras source it names; the differential tests build the same
layers in real Keras and compare every shape and count. The kinds that slide a window
expose it (:meth:`Windowed.window`) for the shape working and the window mistakes.
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping

from ..errors import ArgumentError
from ..shapes import join_channels, keras_transpose_output, keras_window_output, prod, split_channels
from .base import (Arg, Weight, Window, boolean, channels_first, choice, data_format, ensure, integer,
                   int_tuple, keras_feature_map, optional, unit_strides)
from .keras import KerasKind
from .registry import register


class Windowed(KerasKind):
    """A kind that slides a window: the convolutions (not the transposed ones) and pooling."""

    rank: ClassVar[int] = 2
    kernel_arg: ClassVar[str] = "kernel_size"
    pooling: ClassVar[bool] = False

    def window(self, p):
        kernel = p[self.kernel_arg]
        rank = len(kernel)
        # 'same' and 'causal' give ceil(n / stride) whatever the kernel: no pads to show
        pads = ((0, 0),) * rank if p["padding"] == "valid" else None
        # pooling strides default to the pool size; pooling has no dilation
        return Window(kernel, p["strides"] or kernel, pads, p.get("dilation_rate") or (1,) * rank,
                      False, channels_first(p), self.pooling)

    def padding_swapped(self, p):
        return {**p, "padding": "valid" if p["padding"] in ("same", "causal") else "same"}

    def stride_ignored(self, p):
        return unit_strides(p, self.window(p), "strides")


# -- convolutions (keras/src/layers/convolutional/base_conv.py) -------------------------

def _conv_args(rank: int, *, filters: bool = True, causal: bool = False) -> dict[str, Arg]:
    paddings = ("valid", "same", "causal") if causal else ("valid", "same")
    args = {
        "kernel_size": Arg(int_tuple(rank)),
        "strides": Arg(int_tuple(rank), 1),
        "padding": Arg(choice(*paddings), "valid"),
        "data_format": Arg(data_format, "channels_last"),
        "dilation_rate": Arg(int_tuple(rank), 1),
        "use_bias": Arg(boolean, True),
    }
    if filters:
        args = {"filters": Arg(integer()), **args}
    return args


def _check_strides_dilation(p: Mapping[str, Any]) -> None:
    if max(p["strides"]) > 1 and max(p["dilation_rate"]) > 1:
        raise ArgumentError("dilation_rate", "Keras does not support strides > 1 together with "
                            f"dilation_rate > 1 (strides={list(p['strides'])}, "
                            f"dilation_rate={list(p['dilation_rate'])})")


def _conv_spatial(spatial: tuple[int, ...], p: Mapping[str, Any]) -> tuple[int, ...]:
    out = []
    for n, k, s, d in zip(spatial, p["kernel_size"], p["strides"], p["dilation_rate"]):
        out.append(keras_window_output(n, k, s, p["padding"], d))
    return tuple(out)


class Conv(Windowed):
    summary = "filters, kernel_size, strides, padding, dilation_rate, groups, use_bias, data_format"

    def check(self, p):
        _check_strides_dilation(p)
        if p["filters"] % p["groups"]:
            raise ArgumentError("groups", f"filters ({p['filters']}) must be divisible by groups ({p['groups']})")

    def output_shape(self, p, in_shapes):
        spatial, _ = keras_feature_map(in_shapes[0], self.rank, p)
        return join_channels(_conv_spatial(spatial, p), p["filters"], channels_first(p))

    def weights(self, p, in_shapes, out_shape):
        _, cin = keras_feature_map(in_shapes[0], self.rank, p)
        ensure(cin % p["groups"] == 0, f"the {cin} input channels are not divisible by groups={p['groups']}")
        positions = prod(split_channels(out_shape, channels_first(p))[0])
        w = [Weight("kernel", (*p["kernel_size"], cin // p["groups"]), (p["filters"],), uses=positions)]
        if p["use_bias"]:
            w.append(Weight("bias", (), (p["filters"],), group="kernel"))
        return w


@register
class Conv1D(Conv):
    type = "Conv1D"
    aliases = ("Convolution1D",)
    rank = 1
    # only Conv1D accepts padding='causal' (standardize_padding(allow_causal=rank == 1) in base_conv)
    args = {**_conv_args(1, causal=True), "groups": Arg(integer(), 1)}


@register
class Conv2D(Conv):
    type = "Conv2D"
    aliases = ("Convolution2D",)
    rank = 2
    args = {**_conv_args(2), "groups": Arg(integer(), 1)}


@register
class Conv3D(Conv):
    type = "Conv3D"
    aliases = ("Convolution3D",)
    rank = 3
    args = {**_conv_args(3), "groups": Arg(integer(), 1)}


class ConvTranspose(KerasKind):
    """keras/src/layers/convolutional/base_conv_transpose.py

    It grows its input rather than sliding a window over it: no :class:`Window`.
    """

    rank: ClassVar[int] = 2
    summary = "filters, kernel_size, strides, padding, output_padding, dilation_rate, use_bias"

    def check(self, p):
        _check_strides_dilation(p)
        if p["output_padding"] is not None:
            for op, s in zip(p["output_padding"], p["strides"]):
                if op >= s:
                    raise ArgumentError("output_padding", f"output_padding {list(p['output_padding'])} "
                                        f"must be smaller than strides {list(p['strides'])}")

    def output_shape(self, p, in_shapes):
        spatial, _ = keras_feature_map(in_shapes[0], self.rank, p)
        ops = p["output_padding"] or (None,) * self.rank
        out = tuple(keras_transpose_output(n, k, p["padding"], s, op, d) for n, k, s, op, d in
                    zip(spatial, p["kernel_size"], p["strides"], ops, p["dilation_rate"]))
        return join_channels(out, p["filters"], channels_first(p))

    def weights(self, p, in_shapes, out_shape):
        spatial, cin = keras_feature_map(in_shapes[0], self.rank, p)
        # each input position scatters the whole kernel: cin*k*filters MACs per input position
        w = [Weight("kernel", (*p["kernel_size"], cin), (p["filters"],), uses=prod(spatial))]
        if p["use_bias"]:
            w.append(Weight("bias", (), (p["filters"],), group="kernel"))
        return w


def _transpose_args(rank: int) -> dict[str, Arg]:
    return {**_conv_args(rank), "output_padding": Arg(optional(int_tuple(rank, 0)), None)}


@register
class Conv1DTranspose(ConvTranspose):
    type = "Conv1DTranspose"
    aliases = ("Convolution1DTranspose",)
    rank = 1
    args = _transpose_args(1)


@register
class Conv2DTranspose(ConvTranspose):
    type = "Conv2DTranspose"
    aliases = ("Convolution2DTranspose",)
    rank = 2
    args = _transpose_args(2)


@register
class Conv3DTranspose(ConvTranspose):
    type = "Conv3DTranspose"
    aliases = ("Convolution3DTranspose",)
    rank = 3
    args = _transpose_args(3)


class DepthwiseConv(Windowed):
    """keras/src/layers/convolutional/base_depthwise_conv.py

    Unlike Conv and ConvTranspose, it accepts strides > 1 together with dilation_rate > 1.
    """

    summary = "kernel_size, depth_multiplier, strides, padding, dilation_rate, use_bias"

    def output_shape(self, p, in_shapes):
        spatial, cin = keras_feature_map(in_shapes[0], self.rank, p)
        return join_channels(_conv_spatial(spatial, p), cin * p["depth_multiplier"], channels_first(p))

    def weights(self, p, in_shapes, out_shape):
        _, cin = keras_feature_map(in_shapes[0], self.rank, p)
        positions = prod(split_channels(out_shape, channels_first(p))[0])
        w = [Weight("kernel", p["kernel_size"], (cin * p["depth_multiplier"],), uses=positions)]
        if p["use_bias"]:
            w.append(Weight("bias", (), (cin * p["depth_multiplier"],), group="kernel"))
        return w


@register
class DepthwiseConv1D(DepthwiseConv):
    type = "DepthwiseConv1D"
    rank = 1
    args = {**_conv_args(1, filters=False), "depth_multiplier": Arg(integer(), 1)}


@register
class DepthwiseConv2D(DepthwiseConv):
    type = "DepthwiseConv2D"
    rank = 2
    args = {**_conv_args(2, filters=False), "depth_multiplier": Arg(integer(), 1)}


class SeparableConv(Windowed):
    """keras/src/layers/convolutional/base_separable_conv.py

    Unlike Conv and ConvTranspose, it accepts strides > 1 together with dilation_rate > 1.
    """

    summary = "filters, kernel_size, depth_multiplier, strides, padding, dilation_rate, use_bias"

    def output_shape(self, p, in_shapes):
        spatial, _ = keras_feature_map(in_shapes[0], self.rank, p)
        return join_channels(_conv_spatial(spatial, p), p["filters"], channels_first(p))

    def weights(self, p, in_shapes, out_shape):
        _, cin = keras_feature_map(in_shapes[0], self.rank, p)
        positions = prod(split_channels(out_shape, channels_first(p))[0])
        mid = cin * p["depth_multiplier"]
        w = [Weight("depthwise_kernel", p["kernel_size"], (mid,), uses=positions),
             Weight("pointwise_kernel", (mid,), (p["filters"],), uses=positions)]
        if p["use_bias"]:
            w.append(Weight("bias", (), (p["filters"],), group="pointwise_kernel"))
        return w


@register
class SeparableConv1D(SeparableConv):
    type = "SeparableConv1D"
    aliases = ("SeparableConvolution1D",)
    rank = 1
    args = {**_conv_args(1), "depth_multiplier": Arg(integer(), 1)}


@register
class SeparableConv2D(SeparableConv):
    type = "SeparableConv2D"
    aliases = ("SeparableConvolution2D",)
    rank = 2
    args = {**_conv_args(2), "depth_multiplier": Arg(integer(), 1)}


# -- pooling (keras/src/ops/operation_utils.py: compute_pooling_output_shape) ------------

class Pooling(Windowed):
    kernel_arg = "pool_size"
    pooling = True
    summary = "pool_size, strides (default pool_size), padding, data_format"

    def output_shape(self, p, in_shapes):
        spatial, c = keras_feature_map(in_shapes[0], self.rank, p)
        strides = p["strides"] or p["pool_size"]
        out = tuple(keras_window_output(n, k, s, p["padding"]) for n, k, s in
                    zip(spatial, p["pool_size"], strides))
        return join_channels(out, c, channels_first(p))


def _pool_args(rank: int, pool_size: Any) -> dict[str, Arg]:
    return {"pool_size": Arg(int_tuple(rank), pool_size),
            "strides": Arg(optional(int_tuple(rank)), None),
            "padding": Arg(choice("valid", "same"), "valid"),
            "data_format": Arg(data_format, "channels_last")}


# keras/src/layers/pooling: MaxPooling defaults pool_size to 2, AveragePooling has no
# default; the short names (MaxPool2D, AvgPool2D) are Keras' own aliases

@register
class MaxPooling1D(Pooling):
    type = "MaxPooling1D"
    aliases = ("MaxPool1D",)
    rank = 1
    args = _pool_args(1, (2,))


@register
class MaxPooling2D(Pooling):
    type = "MaxPooling2D"
    aliases = ("MaxPool2D",)
    rank = 2
    args = _pool_args(2, (2, 2))


@register
class MaxPooling3D(Pooling):
    type = "MaxPooling3D"
    aliases = ("MaxPool3D",)
    rank = 3
    args = _pool_args(3, (2, 2, 2))


@register
class AveragePooling1D(Pooling):
    type = "AveragePooling1D"
    aliases = ("AvgPool1D",)
    rank = 1
    args = _pool_args(1, Arg.REQUIRED)


@register
class AveragePooling2D(Pooling):
    type = "AveragePooling2D"
    aliases = ("AvgPool2D",)
    rank = 2
    args = _pool_args(2, Arg.REQUIRED)


@register
class AveragePooling3D(Pooling):
    type = "AveragePooling3D"
    aliases = ("AvgPool3D",)
    rank = 3
    args = _pool_args(3, Arg.REQUIRED)


class GlobalPooling(KerasKind):
    rank: ClassVar[int] = 2
    args = {"data_format": Arg(data_format, "channels_last"), "keepdims": Arg(boolean, False)}
    summary = "data_format, keepdims"

    def output_shape(self, p, in_shapes):
        spatial, c = keras_feature_map(in_shapes[0], self.rank, p)
        if p["keepdims"]:
            return join_channels((1,) * len(spatial), c, channels_first(p))
        return (c,)


@register
class GlobalMaxPooling1D(GlobalPooling):
    type = "GlobalMaxPooling1D"
    aliases = ("GlobalMaxPool1D",)
    rank = 1


@register
class GlobalMaxPooling2D(GlobalPooling):
    type = "GlobalMaxPooling2D"
    aliases = ("GlobalMaxPool2D",)
    rank = 2


@register
class GlobalMaxPooling3D(GlobalPooling):
    type = "GlobalMaxPooling3D"
    aliases = ("GlobalMaxPool3D",)
    rank = 3


@register
class GlobalAveragePooling1D(GlobalPooling):
    type = "GlobalAveragePooling1D"
    aliases = ("GlobalAvgPool1D",)
    rank = 1


@register
class GlobalAveragePooling2D(GlobalPooling):
    type = "GlobalAveragePooling2D"
    aliases = ("GlobalAvgPool2D",)
    rank = 2


@register
class GlobalAveragePooling3D(GlobalPooling):
    type = "GlobalAveragePooling3D"
    aliases = ("GlobalAvgPool3D",)
    rank = 3
