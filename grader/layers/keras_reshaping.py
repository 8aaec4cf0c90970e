"""Keras 3 reshaping kinds that pad, crop or repeat the spatial axes: ZeroPadding,
Cropping and UpSampling in 1-D to 3-D (keras/src/layers/reshaping).

Each rule follows the Keras source it names; the differential tests build the same
layers in real Keras and compare every shape and count.
"""
from __future__ import annotations

from typing import Any

from ..errors import ArgumentError
from ..shapes import fmt_shape, join_channels
from .base import Arg, channels_first, data_format, ensure, integer, int_tuple, keras_feature_map
from .keras import KerasKind
from .registry import register

_DATA_FORMAT = {"data_format": Arg(data_format, "channels_last")}


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
        spatial, c = keras_feature_map(in_shapes[0], self.rank, p)
        amounts = p.get("padding") or p.get("cropping")
        out = tuple(n + self.sign * (a + b) for n, (a, b) in zip(spatial, amounts))
        ensure(all(d >= 1 for d in out), f"cropping {[list(x) for x in amounts]} removes all of "
                                         f"{fmt_shape(in_shapes[0])}")
        return join_channels(out, c, channels_first(p))


# Keras 3 gives ZeroPadding1D a data_format, but not Cropping1D nor UpSampling1D

@register
class ZeroPadding1D(Padding):
    type = "ZeroPadding1D"
    rank = 1
    args = {"padding": Arg(_pairs(1), 1), **_DATA_FORMAT}


@register
class ZeroPadding2D(Padding):
    type = "ZeroPadding2D"
    rank = 2
    args = {"padding": Arg(_pairs(2), 1), **_DATA_FORMAT}


@register
class ZeroPadding3D(Padding):
    type = "ZeroPadding3D"
    rank = 3
    args = {"padding": Arg(_pairs(3), 1), **_DATA_FORMAT}


@register
class Cropping1D(Padding):
    type = "Cropping1D"
    rank = 1
    sign = -1
    args = {"cropping": Arg(_pairs(1), 1)}


@register
class Cropping2D(Padding):
    type = "Cropping2D"
    rank = 2
    sign = -1
    args = {"cropping": Arg(_pairs(2), 0), **_DATA_FORMAT}  # the only one that crops nothing by default


@register
class Cropping3D(Padding):
    type = "Cropping3D"
    rank = 3
    sign = -1
    args = {"cropping": Arg(_pairs(3), 1), **_DATA_FORMAT}


class UpSampling(KerasKind):
    rank = 2
    summary = "size, data_format"

    def output_shape(self, p, in_shapes):
        spatial, c = keras_feature_map(in_shapes[0], self.rank, p)
        return join_channels(tuple(n * s for n, s in zip(spatial, p["size"])), c, channels_first(p))


@register
class UpSampling1D(UpSampling):
    type = "UpSampling1D"
    rank = 1
    args = {"size": Arg(_one_int, 2)}  # one integer (a list is a TypeError in Keras 3)


@register
class UpSampling2D(UpSampling):
    type = "UpSampling2D"
    rank = 2
    args = {"size": Arg(int_tuple(2), (2, 2)), **_DATA_FORMAT}


@register
class UpSampling3D(UpSampling):
    type = "UpSampling3D"
    rank = 3
    args = {"size": Arg(int_tuple(3), (2, 2, 2)), **_DATA_FORMAT}
