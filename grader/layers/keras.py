"""Keras 3 layer kinds (channels_last unless ``data_format`` says otherwise).

Each rule follows the Keras source it names; the differential tests build the same
layers in real Keras and compare every shape and count.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import ArgumentError, ShapeError, did_you_mean
from ..shapes import (Shape, axis_index, broadcast, fmt_shape, join_channels, keras_transpose_output,
                      keras_window_output, prod, require_rank, split_channels)
from .base import (KERAS_IGNORED, Arg, LayerKind, Weight, axis_arg, boolean, choice, data_format,
                   ensure, integer, int_tuple, optional, shape_arg)
from .registry import register

_SPATIAL = {1: "(steps, channels)", 2: "(height, width, channels)", 3: "(depth, height, width, channels)"}


# The names ``keras.activations.get`` accepts (keras/src/activations/__init__.py, Keras 3;
# Keras 2's names are all among them). They change no shape or count, but a misspelt one
# is a model Keras refuses to build ("Could not interpret activation function identifier").
ACTIVATIONS = frozenset("""
celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh leaky_relu
linear log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink softmax softplus
softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh tanh_shrink threshold
""".split())
_ACTIVATION_ARGS = ("activation", "recurrent_activation")


def activation(value: Any, name: str) -> str | None:
    """An activation argument: a name Keras knows (case matters, as in Keras), or null."""
    if value is None or (isinstance(value, str) and value in ACTIVATIONS):
        return value
    hint = did_you_mean(value, ACTIVATIONS) if isinstance(value, str) else ""
    raise ArgumentError(name, f"argument '{name}' must be the name of a Keras activation such as "
                              f"'relu', 'softmax' or 'linear', got {value!r}{hint}")


class KerasKind(LayerKind):
    framework = "keras"
    ignored = KERAS_IGNORED

    def normalize(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        for name in _ACTIVATION_ARGS:  # ignored for the counts, but still checked
            if name in raw and name not in self.args:
                activation(raw[name], name)
        return super().normalize(raw)


def _channels_first(p: Mapping[str, Any]) -> bool:
    return p.get("data_format") == "channels_first"


def _feature_map(kind: LayerKind, shape: Shape, rank: int, p: Mapping[str, Any]) -> tuple[Shape, int]:
    expected = _SPATIAL[rank]
    if _channels_first(p):
        expected = "(channels, " + expected[1:].replace(", channels", "")
    require_rank(shape, rank + 1, f"{rank + 1}-D {expected}")
    return split_channels(shape, _channels_first(p))


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


def _conv_spatial(spatial: Shape, p: Mapping[str, Any]) -> tuple[int, ...]:
    out = []
    for n, k, s, d in zip(spatial, p["kernel_size"], p["strides"], p["dilation_rate"]):
        out.append(keras_window_output(n, k, s, p["padding"], d))
    return tuple(out)


class Conv(KerasKind):
    rank = 2

    def check(self, p):
        _check_strides_dilation(p)
        if p["filters"] % p["groups"]:
            raise ArgumentError("groups", f"filters ({p['filters']}) must be divisible by groups ({p['groups']})")

    def output_shape(self, p, in_shapes):
        spatial, _ = _feature_map(self, in_shapes[0], self.rank, p)
        return join_channels(_conv_spatial(spatial, p), p["filters"], _channels_first(p))

    def weights(self, p, in_shapes, out_shape):
        _, cin = _feature_map(self, in_shapes[0], self.rank, p)
        ensure(cin % p["groups"] == 0, f"the {cin} input channels are not divisible by groups={p['groups']}")
        positions = prod(split_channels(out_shape, _channels_first(p))[0])
        w = [Weight("kernel", (*p["kernel_size"], cin // p["groups"]), (p["filters"],), uses=positions)]
        if p["use_bias"]:
            w.append(Weight("bias", (), (p["filters"],), group="kernel"))
        return w


def _conv_kind(rank: int) -> type:
    class _Conv(Conv):
        type = f"Conv{rank}D"
        args = {**_conv_args(rank, causal=rank == 1), "groups": Arg(integer(), 1)}
        summary = "filters, kernel_size, strides, padding, dilation_rate, groups, use_bias, data_format"
    _Conv.rank = rank
    _Conv.__name__ = _Conv.__qualname__ = f"Conv{rank}D"
    return _Conv


for _r in (1, 2, 3):
    register(f"Convolution{_r}D")(_conv_kind(_r))


class ConvTranspose(KerasKind):
    """keras/src/layers/convolutional/base_conv_transpose.py"""

    rank = 2

    def check(self, p):
        _check_strides_dilation(p)
        if p["output_padding"] is not None:
            for op, s in zip(p["output_padding"], p["strides"]):
                if op >= s:
                    raise ArgumentError("output_padding", f"output_padding {list(p['output_padding'])} "
                                        f"must be smaller than strides {list(p['strides'])}")

    def output_shape(self, p, in_shapes):
        spatial, _ = _feature_map(self, in_shapes[0], self.rank, p)
        ops = p["output_padding"] or (None,) * self.rank
        out = tuple(keras_transpose_output(n, k, p["padding"], s, op, d) for n, k, s, op, d in
                    zip(spatial, p["kernel_size"], p["strides"], ops, p["dilation_rate"]))
        return join_channels(out, p["filters"], _channels_first(p))

    def weights(self, p, in_shapes, out_shape):
        spatial, cin = _feature_map(self, in_shapes[0], self.rank, p)
        # each input position scatters the whole kernel: cin*k*filters MACs per input position
        w = [Weight("kernel", (*p["kernel_size"], cin), (p["filters"],), uses=prod(spatial))]
        if p["use_bias"]:
            w.append(Weight("bias", (), (p["filters"],), group="kernel"))
        return w


def _conv_transpose_kind(rank: int) -> type:
    class _ConvT(ConvTranspose):
        type = f"Conv{rank}DTranspose"
        args = {**_conv_args(rank), "output_padding": Arg(optional(int_tuple(rank, 0)), None)}
        summary = "filters, kernel_size, strides, padding, output_padding, dilation_rate, use_bias"
    _ConvT.rank = rank
    _ConvT.__name__ = _ConvT.__qualname__ = f"Conv{rank}DTranspose"
    return _ConvT


for _r in (1, 2, 3):
    register(f"Convolution{_r}DTranspose")(_conv_transpose_kind(_r))


class DepthwiseConv(KerasKind):
    """keras/src/layers/convolutional/base_depthwise_conv.py

    Unlike Conv and ConvTranspose, it accepts strides > 1 together with dilation_rate > 1.
    """

    rank = 2

    def output_shape(self, p, in_shapes):
        spatial, cin = _feature_map(self, in_shapes[0], self.rank, p)
        return join_channels(_conv_spatial(spatial, p), cin * p["depth_multiplier"], _channels_first(p))

    def weights(self, p, in_shapes, out_shape):
        _, cin = _feature_map(self, in_shapes[0], self.rank, p)
        positions = prod(split_channels(out_shape, _channels_first(p))[0])
        w = [Weight("kernel", p["kernel_size"], (cin * p["depth_multiplier"],), uses=positions)]
        if p["use_bias"]:
            w.append(Weight("bias", (), (cin * p["depth_multiplier"],), group="kernel"))
        return w


class SeparableConv(KerasKind):
    """keras/src/layers/convolutional/base_separable_conv.py

    Unlike Conv and ConvTranspose, it accepts strides > 1 together with dilation_rate > 1.
    """

    rank = 2

    def output_shape(self, p, in_shapes):
        spatial, _ = _feature_map(self, in_shapes[0], self.rank, p)
        return join_channels(_conv_spatial(spatial, p), p["filters"], _channels_first(p))

    def weights(self, p, in_shapes, out_shape):
        _, cin = _feature_map(self, in_shapes[0], self.rank, p)
        positions = prod(split_channels(out_shape, _channels_first(p))[0])
        mid = cin * p["depth_multiplier"]
        w = [Weight("depthwise_kernel", p["kernel_size"], (mid,), uses=positions),
             Weight("pointwise_kernel", (mid,), (p["filters"],), uses=positions)]
        if p["use_bias"]:
            w.append(Weight("bias", (), (p["filters"],), group="pointwise_kernel"))
        return w


for _r in (1, 2):
    _dw = type(f"DepthwiseConv{_r}D", (DepthwiseConv,), {
        "type": f"DepthwiseConv{_r}D", "rank": _r,
        # only Conv1D accepts padding='causal' (standardize_padding(allow_causal=rank == 1) in base_conv)
        "args": {**_conv_args(_r, filters=False), "depth_multiplier": Arg(integer(), 1)},
        "summary": "kernel_size, depth_multiplier, strides, padding, dilation_rate, use_bias"})
    register()(_dw)
    _sep = type(f"SeparableConv{_r}D", (SeparableConv,), {
        "type": f"SeparableConv{_r}D", "rank": _r,
        "args": {**_conv_args(_r), "depth_multiplier": Arg(integer(), 1)},
        "summary": "filters, kernel_size, depth_multiplier, strides, padding, dilation_rate, use_bias"})
    register(f"SeparableConvolution{_r}D")(_sep)


# -- pooling (keras/src/ops/operation_utils.py: compute_pooling_output_shape) ------------

class Pooling(KerasKind):
    rank = 2
    summary = "pool_size, strides (default pool_size), padding, data_format"

    def output_shape(self, p, in_shapes):
        spatial, c = _feature_map(self, in_shapes[0], self.rank, p)
        strides = p["strides"] or p["pool_size"]
        out = tuple(keras_window_output(n, k, s, p["padding"]) for n, k, s in
                    zip(spatial, p["pool_size"], strides))
        return join_channels(out, c, _channels_first(p))


# Keras' own aliases: MaxPool2D, AvgPool2D, GlobalAvgPool2D
_SHORT = {"Max": "Max", "Average": "Avg"}
for _r in (1, 2, 3):
    for _op in ("Max", "Average"):
        _pool = type(f"{_op}Pooling{_r}D", (Pooling,), {
            "type": f"{_op}Pooling{_r}D", "rank": _r,
            # keras/src/layers/pooling: MaxPooling defaults pool_size to 2, AveragePooling has no default
            "args": {"pool_size": Arg(int_tuple(_r), (2,) * _r if _op == "Max" else Arg.REQUIRED),
                     "strides": Arg(optional(int_tuple(_r)), None),
                     "padding": Arg(choice("valid", "same"), "valid"),
                     "data_format": Arg(data_format, "channels_last")}})
        register(f"{_SHORT[_op]}Pool{_r}D")(_pool)


class GlobalPooling(KerasKind):
    rank = 2
    args = {"data_format": Arg(data_format, "channels_last"), "keepdims": Arg(boolean, False)}
    summary = "data_format, keepdims"

    def output_shape(self, p, in_shapes):
        spatial, c = _feature_map(self, in_shapes[0], self.rank, p)
        if p["keepdims"]:
            return join_channels((1,) * len(spatial), c, _channels_first(p))
        return (c,)


for _r in (1, 2, 3):
    for _op in ("Max", "Average"):
        register(f"Global{_SHORT[_op]}Pool{_r}D")(type(f"Global{_op}Pooling{_r}D", (GlobalPooling,), {
            "type": f"Global{_op}Pooling{_r}D", "rank": _r}))


# -- core -----------------------------------------------------------------------------

@register("Input")
class InputLayer(KerasKind):
    type = "InputLayer"
    args = {"shape": Arg(shape_arg)}
    arity = (0, 0)
    summary = "shape (a layer of its own, instead of input_shape)"

    def output_shape(self, p, in_shapes):
        ensure(-1 not in p["shape"], "an input shape cannot contain -1")
        return p["shape"]


@register()
class Dense(KerasKind):
    """Acts on the last axis, whatever the rank (keras/src/layers/core/dense.py)."""

    type = "Dense"
    args = {"units": Arg(integer()), "use_bias": Arg(boolean, True)}
    summary = "units, use_bias (acts on the last axis)"

    def output_shape(self, p, in_shapes):
        return (*in_shapes[0][:-1], p["units"])

    def weights(self, p, in_shapes, out_shape):
        w = [Weight("kernel", (in_shapes[0][-1],), (p["units"],), uses=prod(in_shapes[0][:-1]))]
        if p["use_bias"]:
            w.append(Weight("bias", (), (p["units"],), group="kernel"))
        return w


@register()
class Flatten(KerasKind):
    type = "Flatten"
    args = {"data_format": Arg(data_format, "channels_last")}
    summary = "data_format"

    def output_shape(self, p, in_shapes):
        return (prod(in_shapes[0]),)


@register()
class Reshape(KerasKind):
    type = "Reshape"
    args = {"target_shape": Arg(shape_arg)}
    summary = "target_shape (one -1 allowed)"

    def output_shape(self, p, in_shapes):
        return reshape(in_shapes[0], p["target_shape"])


def reshape(in_shape: Shape, target: Shape) -> Shape:
    total = prod(in_shape)
    if target.count(-1) > 1:
        raise ShapeError(f"target_shape {list(target)} may contain -1 only once")
    if -1 in target:
        known = -prod(target)
        if total % known:
            raise ShapeError(f"cannot reshape {fmt_shape(in_shape)} ({total} values) into {list(target)}")
        return tuple(total // known if d == -1 else d for d in target)
    if prod(target) != total:
        raise ShapeError(f"cannot reshape {fmt_shape(in_shape)} ({total} values) into "
                         f"{fmt_shape(target)} ({prod(target)} values)")
    return tuple(target)


@register()
class Permute(KerasKind):
    type = "Permute"
    args = {"dims": Arg(shape_arg)}
    summary = "dims"

    def output_shape(self, p, in_shapes):
        dims, shape = p["dims"], in_shapes[0]
        if sorted(dims) != list(range(1, len(shape) + 1)):
            raise ShapeError(f"dims {list(dims)} must be a permutation of 1..{len(shape)} for {fmt_shape(shape)}")
        return tuple(shape[d - 1] for d in dims)


@register()
class RepeatVector(KerasKind):
    type = "RepeatVector"
    args = {"n": Arg(integer())}
    summary = "n"

    def output_shape(self, p, in_shapes):
        require_rank(in_shapes[0], 1, "1-D (features,)")
        return (p["n"], in_shapes[0][0])


def _fraction(value: Any, name: str) -> float:
    """Keras' dropout rates and GaussianNoise's stddev: a number from 0 to 1 (ValueError otherwise)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ArgumentError(name, f"argument '{name}' must be a number from 0 to 1, got {value!r}")
    return value


_RATE = {"rate": Arg(_fraction)}  # required, as in Keras 3's constructors
_IDENTITY = {
    "Dropout": _RATE, "GaussianDropout": _RATE, "AlphaDropout": _RATE,
    "GaussianNoise": {"stddev": Arg(_fraction)},
    "Activation": {"activation": Arg(activation)},
    "ReLU": {}, "LeakyReLU": {}, "ELU": {},
    "ActivityRegularization": {}, "Identity": {}, "Masking": {},
}
for _name, _args in _IDENTITY.items():
    register()(type(_name, (KerasKind,), {
        "type": _name, "args": _args,
        "ignored": (KERAS_IGNORED | {"mask_value", "l1", "l2"}) - set(_args),
        "summary": "shape unchanged, no parameters"}))


@register()
class Softmax(KerasKind):
    """Any axis of the tensor, the batch axis included (Keras runs softmax over axis 0 too)."""

    type = "Softmax"
    args = {"axis": Arg(axis_arg, -1)}
    summary = "axis (shape unchanged, no parameters)"

    def output_shape(self, p, in_shapes):
        shape = in_shapes[0]
        for axis in p["axis"] if isinstance(p["axis"], tuple) else (p["axis"],):
            ensure(-len(shape) - 1 <= axis <= len(shape), f"axis {axis} is out of range for an input "
                                                          f"of rank {len(shape)} (plus the batch dimension)")
        return shape


def _shared_axes(value: Any, name: str) -> tuple[int, ...]:
    """null, one axis or a list of axes (empty: none shared), as PReLU's constructor reads them."""
    if value is None or (isinstance(value, (list, tuple)) and not value):
        return ()
    axes = axis_arg(value, name)
    return axes if isinstance(axes, tuple) else (axes,)


@register()
class PReLU(KerasKind):
    """alpha has the input's shape, with 1 on every shared axis (keras/src/layers/activations/prelu.py).

    Keras sets ``param_shape[axis - 1] = 1`` with Python indexing, so axis 0 shares the last
    axis and -1 the one before it; the grader follows it, as ``model.summary()`` counts it.
    """

    type = "PReLU"
    args = {"shared_axes": Arg(_shared_axes, None)}
    ignored = KERAS_IGNORED | {"alpha_initializer", "alpha_regularizer", "alpha_constraint"}
    summary = "shared_axes (alpha has the input's shape, 1 on each shared axis)"

    def weights(self, p, in_shapes, out_shape):
        shape = list(in_shapes[0])
        for axis in p["shared_axes"]:
            ensure(-len(shape) <= axis - 1 < len(shape), f"shared_axes {list(p['shared_axes'])} is out of "
                   f"range for {fmt_shape(in_shapes[0])}: axes count from 1 (0 is the batch)")
            shape[axis - 1] = 1
        dims = tuple(d for d in shape if d != 1) or (1,)
        return [Weight("alpha", (), dims)]


class SpatialDropout(KerasKind):
    """Drops whole feature maps; Keras' InputSpec fixes the rank (keras/src/layers/regularization)."""

    rank = 1
    summary = "rate (shape unchanged, no parameters)"

    def output_shape(self, p, in_shapes):
        _feature_map(self, in_shapes[0], self.rank, p)
        return in_shapes[0]


for _r in (1, 2, 3):
    register()(type(f"SpatialDropout{_r}D", (SpatialDropout,), {
        "type": f"SpatialDropout{_r}D", "rank": _r,
        "args": {**_RATE, **({} if _r == 1 else {"data_format": Arg(data_format, "channels_last")})}}))


# -- normalisation --------------------------------------------------------------------

def _one_axis(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ArgumentError(name, f"argument '{name}' must be one integer axis, got {value!r}")


def _axes(axis: int | tuple[int, ...], shape: Shape) -> list[int]:
    axes = axis if isinstance(axis, tuple) else (axis,)
    # Keras counts axis 0 as the batch dimension
    return sorted(axis_index(a, len(shape)) for a in axes)


@register()
class BatchNormalization(KerasKind):
    """gamma and beta are trained; moving mean and variance are not (4*C, 2*C non-trainable)."""

    type = "BatchNormalization"
    # one axis only: Keras 3 does int(axis) (a list of axes is a TypeError there)
    args = {"axis": Arg(_one_axis, -1), "center": Arg(boolean, True), "scale": Arg(boolean, True)}
    summary = "axis, center, scale (moving mean and variance are non-trainable)"

    def weights(self, p, in_shapes, out_shape):
        shape = in_shapes[0]
        dims = tuple(shape[i] for i in _axes(p["axis"], shape))
        w = []
        if p["scale"]:
            w.append(Weight("gamma", (), dims, group="bn"))
        if p["center"]:
            w.append(Weight("beta", (), dims, group="bn"))
        w += [Weight("moving_mean", (), dims, trainable=False, group="bn"),
              Weight("moving_variance", (), dims, trainable=False, group="bn")]
        return w


@register()
class LayerNormalization(KerasKind):
    type = "LayerNormalization"
    args = {"axis": Arg(axis_arg, -1), "center": Arg(boolean, True), "scale": Arg(boolean, True),
            "rms_scaling": Arg(boolean, False)}
    summary = "axis, center, scale, rms_scaling"

    def weights(self, p, in_shapes, out_shape):
        shape = in_shapes[0]
        dims = tuple(shape[i] for i in _axes(p["axis"], shape))
        w = []
        if p["scale"] or p["rms_scaling"]:
            w.append(Weight("gamma", (), dims, group="ln"))
        if p["center"] and not p["rms_scaling"]:
            w.append(Weight("beta", (), dims, group="ln"))
        return w


def _in_range(axes: Sequence[int], shape: Shape, what: str) -> None:
    """Keras' own check: an axis of the batch-inclusive shape (axis 0, the batch, included)."""
    for axis in axes:
        ensure(-len(shape) - 1 <= axis <= len(shape), f"{what} {axis} is out of range for an input of "
                                                      f"rank {len(shape)} (plus the batch dimension)")


def _axis_list(axis: int | tuple[int, ...]) -> tuple[int, ...]:
    return axis if isinstance(axis, tuple) else (axis,)


@register()
class UnitNormalization(KerasKind):
    """L2-normalises along ``axis``; no weights (keras/src/layers/normalization/unit_normalization.py)."""

    type = "UnitNormalization"
    args = {"axis": Arg(axis_arg, -1)}
    summary = "axis (shape unchanged, no parameters)"

    def output_shape(self, p, in_shapes):
        axes = _axis_list(p["axis"])
        _in_range(axes, in_shapes[0], "axis")
        ensure(len({a % (len(in_shapes[0]) + 1) for a in axes}) == len(axes),
               f"axis {list(axes)} names one axis twice")
        return in_shapes[0]


@register()
class RMSNormalization(KerasKind):
    """One ``scale`` per position of the normalised axes (keras/src/layers/normalization/rms_normalization.py).

    Keras builds the scale with the axes sorted as written and multiplies the input by it,
    so it runs only when the scale lines up with the input's last dimensions (torch: when
    they are exactly the last ones); other axes build but cannot run, and are refused.
    """

    type = "RMSNormalization"
    args = {"axis": Arg(axis_arg, -1)}
    summary = "axis (one scale per position of the normalised axes; the trailing ones)"

    def weights(self, p, in_shapes, out_shape):
        shape = in_shapes[0]
        axes = sorted(_axis_list(p["axis"]))
        _in_range(axes, shape, "axis")
        ensure(all(a not in (0, -len(shape) - 1) for a in axes), "axis 0 is the batch dimension, which "
                                                               "RMSNormalization cannot scale")
        full = (None, *shape)
        scale = tuple(full[a] for a in axes)
        trailing = shape[len(shape) - len(scale):] if len(scale) <= len(shape) else None
        continuous = all(b - a == 1 for a, b in zip(axes, axes[1:]))
        distinct = len({a % len(full) for a in axes}) == len(axes)
        fits = trailing is not None and distinct and (scale == trailing if continuous else all(
            s in (t, 1) for s, t in zip(scale, trailing)))
        ensure(fits, f"RMSNormalization over axis {list(axes) if len(axes) > 1 else axes[0]} builds a scale "
                     f"of shape {fmt_shape(scale)}, which Keras cannot apply to the last dimensions of "
                     f"{fmt_shape(shape)}; normalise the trailing axes (axis -1)")
        return [Weight("scale", (), scale)]


def _groups(value: Any, name: str) -> int:
    """A positive number of groups, or -1 for one group per channel (instance normalisation)."""
    if value == -1 and not isinstance(value, bool):
        return -1
    return integer()(value, name)


@register()
class GroupNormalization(KerasKind):
    type = "GroupNormalization"
    args = {"groups": Arg(_groups, 32), "axis": Arg(_one_axis, -1), "center": Arg(boolean, True),
            "scale": Arg(boolean, True)}
    summary = "groups (-1: one per channel), axis, center, scale"

    def weights(self, p, in_shapes, out_shape):
        shape = in_shapes[0]
        (axis,) = _axes(p["axis"], shape)
        c = shape[axis]
        groups = c if p["groups"] == -1 else p["groups"]
        ensure(groups <= c, f"groups={groups} is more than the {c} channels")
        ensure(c % groups == 0, f"the {c} channels are not divisible by groups={groups}")
        return ([Weight("gamma", (), (c,), group="gn")] if p["scale"] else []) + \
               ([Weight("beta", (), (c,), group="gn")] if p["center"] else [])


# -- padding, cropping, resizing ------------------------------------------------------

def _one_int(value: Any, name: str) -> tuple[int]:
    return (integer()(value, name),)


def _pairs(rank: int):
    """Keras' ZeroPadding/Cropping argument, as keras/src/layers/reshaping reads it.

    1-D: an int or one (before, after) pair. 2-D and 3-D: an int, or one entry per axis,
    each an int or a (before, after) pair. Amounts are >= 0.
    """
    def amount(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    def pair(v: Any) -> tuple[int, int] | None:
        if amount(v):
            return (v, v)
        if isinstance(v, (list, tuple)) and len(v) == 2 and all(amount(x) for x in v):
            return (v[0], v[1])
        return None

    def convert(value: Any, name: str) -> tuple[tuple[int, int], ...]:
        if rank == 1:
            one = pair(value)
            if one is not None:
                return (one,)
        elif amount(value):
            return ((value, value),) * rank
        elif isinstance(value, (list, tuple)) and len(value) == rank:
            pairs = [pair(v) for v in value]
            if all(p is not None for p in pairs):
                return tuple(pairs)
        shape = ("an integer or [before, after]" if rank == 1 else
                 f"an integer, or {rank} entries (one per axis) each an integer or [before, after]")
        raise ArgumentError(name, f"argument '{name}' must be {shape}, all >= 0; got {value!r}")
    return convert


class Padding(KerasKind):
    rank = 2
    sign = 1
    summary = "padding / cropping: int, per axis, or (before, after) pairs"

    def output_shape(self, p, in_shapes):
        spatial, c = _feature_map(self, in_shapes[0], self.rank, p)
        amounts = p.get("padding") or p.get("cropping")
        out = tuple(n + self.sign * (a + b) for n, (a, b) in zip(spatial, amounts))
        ensure(all(d >= 1 for d in out), f"cropping {[list(x) for x in amounts]} removes all of "
                                         f"{fmt_shape(in_shapes[0])}")
        return join_channels(out, c, _channels_first(p))


class UpSampling(KerasKind):
    rank = 2
    summary = "size, data_format"

    def output_shape(self, p, in_shapes):
        spatial, c = _feature_map(self, in_shapes[0], self.rank, p)
        return join_channels(tuple(n * s for n, s in zip(spatial, p["size"])), c, _channels_first(p))


for _r in (1, 2, 3):
    # Keras 3 gives ZeroPadding1D a data_format, but not Cropping1D nor UpSampling1D;
    # Cropping2D alone crops nothing by default
    _fmt = {"data_format": Arg(data_format, "channels_last")}
    _fmt1 = {} if _r == 1 else _fmt
    register()(type(f"ZeroPadding{_r}D", (Padding,), {
        "type": f"ZeroPadding{_r}D", "rank": _r, "args": {"padding": Arg(_pairs(_r), 1), **_fmt}}))
    register()(type(f"Cropping{_r}D", (Padding,), {
        "type": f"Cropping{_r}D", "rank": _r, "sign": -1,
        "args": {"cropping": Arg(_pairs(_r), 0 if _r == 2 else 1), **_fmt1}}))
    register()(type(f"UpSampling{_r}D", (UpSampling,), {
        "type": f"UpSampling{_r}D", "rank": _r,
        # UpSampling1D's size is one integer (a list is a TypeError in Keras 3)
        "args": {"size": Arg(_one_int, 2) if _r == 1 else Arg(int_tuple(_r), (2,) * _r), **_fmt1}}))


# -- merging (keras/src/layers/merging) -------------------------------------------------

class Merge(KerasKind):
    arity = (2, None)
    args: dict[str, Arg] = {}
    summary = "inputs: [a, b, ...] of one shape (broadcasting as Keras)"

    def output_shape(self, p, in_shapes):
        return broadcast(in_shapes, self.type)


for _name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    register()(type(_name, (Merge,), {"type": _name, "arity": (2, 2) if _name == "Subtract" else (2, None)}))


@register()
class Concatenate(KerasKind):
    type = "Concatenate"
    arity = (2, None)
    args = {"axis": Arg(_one_axis, -1)}
    summary = "axis; inputs: [a, b, ...]"

    def output_shape(self, p, in_shapes):
        rank = len(in_shapes[0])
        ensure(all(len(s) == rank for s in in_shapes),
               "Concatenate needs inputs of one rank, got " + " and ".join(fmt_shape(s) for s in in_shapes))
        axis = axis_index(p["axis"], rank)
        for s in in_shapes[1:]:
            if any(a != b for i, (a, b) in enumerate(zip(s, in_shapes[0])) if i != axis):
                raise ShapeError(f"Concatenate on axis {p['axis']} needs the other dimensions equal, got "
                                 + " and ".join(fmt_shape(s) for s in in_shapes))
        out = list(in_shapes[0])
        out[axis] = sum(s[axis] for s in in_shapes)
        return tuple(out)


def _is_int_value(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _dot_axes(value: Any, name: str) -> int | tuple[int, int]:
    if _is_int_value(value):
        return value
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_int_value(v) for v in value):
        return (value[0], value[1])
    raise ArgumentError(name, f"argument '{name}' must be an integer axis or a list of two axes "
                              f"(one per input), got {value!r}")


@register()
class Dot(KerasKind):
    """Dot product of two inputs along one axis each (keras/src/layers/merging/dot.py).

    Axes count the batch as 0. One negative integer is taken modulo each input's rank (so it
    always names an axis), a pair's entries must be in range; the output is the first input's
    other axes then the second's, ``(1,)`` when none are left.
    """

    type = "Dot"
    arity = (2, 2)
    args = {"axes": Arg(_dot_axes), "normalize": Arg(boolean, False)}
    summary = "axes (one, or one per input), normalize; inputs: [a, b]"

    def output_shape(self, p, in_shapes):
        a, b = in_shapes
        shown = list(p["axes"]) if isinstance(p["axes"], tuple) else p["axes"]
        axes = []
        for i, shape in enumerate(in_shapes):
            axis, full = (p["axes"] if isinstance(p["axes"], int) else p["axes"][i]), len(shape) + 1
            if isinstance(p["axes"], int) and axis < 0:
                axis %= full
            ensure(-full <= axis < full, f"Dot axes {shown} is out of range for the input "
                                         f"{fmt_shape(shape)} (plus the batch dimension)")
            axis %= full
            ensure(axis != 0, f"Dot axes {shown} names the batch dimension of {fmt_shape(shape)}")
            axes.append(axis - 1)
        ensure(a[axes[0]] == b[axes[1]], f"Dot needs the axes to have one size, got {a[axes[0]]} (axis "
                                         f"{axes[0] + 1} of {fmt_shape(a)}) and {b[axes[1]]} (axis "
                                         f"{axes[1] + 1} of {fmt_shape(b)})")
        rest = [d for i, d in enumerate(a) if i != axes[0]] + [d for i, d in enumerate(b) if i != axes[1]]
        return tuple(rest) or (1,)
