"""Keras 3 layer kinds (channels_last unless ``data_format`` says otherwise): the base of
every Keras kind, and the core, activation, regularisation, normalisation and merging
layers. Convolutions and pooling are in keras_conv.py, padding, cropping and upsampling in
keras_reshaping.py, sequences in keras_sequence.py, image preprocessing in keras_image.py.

Each rule follows the Keras source it names; the differential tests build the same
layers in real Keras and compare every shape and count.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import ArgumentError, ShapeError, did_you_mean
from ..shapes import Shape, axis_index, broadcast, fmt_shape, prod, require_rank, reshape
from .base import (KERAS_IGNORED, Arg, LayerKind, Weight, axis_arg, boolean, data_format,
                   ensure, input_shape_arg, integer, keras_feature_map, shape_arg)
from .registry import register

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
    """A Keras 3 layer class: the Keras arguments that change nothing are accepted."""

    framework = "keras"
    ignored = KERAS_IGNORED

    def normalize(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        for name in _ACTIVATION_ARGS:  # ignored for the counts, but still checked
            if name in raw and name not in self.args:
                activation(raw[name], name)
        return super().normalize(raw)


# -- core -----------------------------------------------------------------------------

@register
class InputLayer(KerasKind):
    type = "InputLayer"
    aliases = ("Input",)
    args = {"shape": Arg(input_shape_arg)}
    arity = (0, 0)
    summary = "shape (a layer of its own, instead of input_shape; null for an unknown size)"

    def output_shape(self, p, in_shapes):
        ensure(-1 not in p["shape"], "an input shape cannot contain -1")
        return p["shape"]


@register
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


@register
class Flatten(KerasKind):
    type = "Flatten"
    args = {"data_format": Arg(data_format, "channels_last")}
    summary = "data_format"

    def output_shape(self, p, in_shapes):
        return (prod(in_shapes[0]),)


@register
class Reshape(KerasKind):
    type = "Reshape"
    args = {"target_shape": Arg(shape_arg)}
    summary = "target_shape (one -1 allowed)"

    def output_shape(self, p, in_shapes):
        return reshape(in_shapes[0], p["target_shape"])



@register
class Permute(KerasKind):
    type = "Permute"
    args = {"dims": Arg(shape_arg)}
    summary = "dims"

    def output_shape(self, p, in_shapes):
        dims, shape = p["dims"], in_shapes[0]
        if sorted(dims) != list(range(1, len(shape) + 1)):
            raise ShapeError(f"dims {list(dims)} must be a permutation of 1..{len(shape)} for {fmt_shape(shape)}")
        return tuple(shape[d - 1] for d in dims)


@register
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


def _ignored_besides(args: Mapping[str, Arg]) -> frozenset[str]:
    """What a shape-preserving layer ignores: the common Keras arguments, Masking's and
    ActivityRegularization's own, but not those it reads."""
    return (KERAS_IGNORED | {"mask_value", "l1", "l2"}) - set(args)


class Unchanged(KerasKind):
    """Shape unchanged, no parameters: dropout, noise, activations."""

    ignored = _ignored_besides({})
    summary = "shape unchanged, no parameters"


@register
class Dropout(Unchanged):
    type = "Dropout"
    args = _RATE
    ignored = _ignored_besides(_RATE)


@register
class GaussianDropout(Unchanged):
    type = "GaussianDropout"
    args = _RATE
    ignored = _ignored_besides(_RATE)


@register
class AlphaDropout(Unchanged):
    type = "AlphaDropout"
    args = _RATE
    ignored = _ignored_besides(_RATE)


@register
class GaussianNoise(Unchanged):
    type = "GaussianNoise"
    args = {"stddev": Arg(_fraction)}
    ignored = _ignored_besides(args)


@register
class Activation(Unchanged):
    type = "Activation"
    args = {"activation": Arg(activation)}
    ignored = _ignored_besides(args)


@register
class ReLU(Unchanged):
    type = "ReLU"


@register
class LeakyReLU(Unchanged):
    type = "LeakyReLU"


@register
class ELU(Unchanged):
    type = "ELU"


@register
class ActivityRegularization(Unchanged):
    type = "ActivityRegularization"


@register
class Identity(Unchanged):
    type = "Identity"


@register
class Masking(Unchanged):
    type = "Masking"


@register
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


@register
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
        keras_feature_map(in_shapes[0], self.rank, p)
        return in_shapes[0]


_DATA_FORMAT = {"data_format": Arg(data_format, "channels_last")}


@register
class SpatialDropout1D(SpatialDropout):
    type = "SpatialDropout1D"
    rank = 1
    args = _RATE  # no data_format in Keras 3


@register
class SpatialDropout2D(SpatialDropout):
    type = "SpatialDropout2D"
    rank = 2
    args = {**_RATE, **_DATA_FORMAT}


@register
class SpatialDropout3D(SpatialDropout):
    type = "SpatialDropout3D"
    rank = 3
    args = {**_RATE, **_DATA_FORMAT}


# -- normalisation --------------------------------------------------------------------

def _one_axis(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ArgumentError(name, f"argument '{name}' must be one integer axis, got {value!r}")


def _axes(axis: int | tuple[int, ...], shape: Shape) -> list[int]:
    axes = axis if isinstance(axis, tuple) else (axis,)
    # Keras counts axis 0 as the batch dimension
    return sorted(axis_index(a, len(shape)) for a in axes)


@register
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


@register
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


@register
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


@register
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


@register
class GroupNormalization(KerasKind):
    type = "GroupNormalization"
    args = {"groups": Arg(_groups, 32), "axis": Arg(_one_axis, -1), "center": Arg(boolean, True),
            "scale": Arg(boolean, True)}
    summary = "groups (-1: one per channel), axis, center, scale"

    def fixed_sizes(self, p, in_shapes):
        # Keras' build wants the grouped axis defined, even without gamma and beta
        (axis,) = _axes(p["axis"], in_shapes[0])
        return {f"axis {p['axis']} (the channels it groups)": in_shapes[0][axis]}

    def weights(self, p, in_shapes, out_shape):
        shape = in_shapes[0]
        (axis,) = _axes(p["axis"], shape)
        c = shape[axis]
        groups = c if p["groups"] == -1 else p["groups"]
        ensure(groups <= c, f"groups={groups} is more than the {c} channels")
        ensure(c % groups == 0, f"the {c} channels are not divisible by groups={groups}")
        return ([Weight("gamma", (), (c,), group="gn")] if p["scale"] else []) + \
               ([Weight("beta", (), (c,), group="gn")] if p["center"] else [])


# -- merging (keras/src/layers/merging) -------------------------------------------------

class Merge(KerasKind):
    arity = (2, None)
    args: dict[str, Arg] = {}
    summary = "inputs: [a, b, ...] of one shape (broadcasting as Keras)"

    def output_shape(self, p, in_shapes):
        return broadcast(in_shapes, self.type)


@register
class Add(Merge):
    type = "Add"


@register
class Subtract(Merge):
    type = "Subtract"
    arity = (2, 2)


@register
class Multiply(Merge):
    type = "Multiply"


@register
class Average(Merge):
    type = "Average"


@register
class Maximum(Merge):
    type = "Maximum"


@register
class Minimum(Merge):
    type = "Minimum"


@register
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


@register
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
