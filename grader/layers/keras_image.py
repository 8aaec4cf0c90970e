"""Keras 3 preprocessing and augmentation layers that courses put at the top of image CNNs.

Rescaling(1./255), RandomFlip("horizontal"), RandomRotation(0.1), RandomZoom(0.1), as in
the TensorFlow image classification tutorial: none has weights. Every layer but Rescaling
wants one image per example, (height, width, channels) or (channels, height, width): Keras
only takes tensors of rank 3 (one image) or 4 (a batch), so a 2-D example would be read
as a whole image with the batch as its height, and other ranks fail when the model runs
(keras/src/layers/preprocessing/image_preprocessing/base_image_preprocessing_layer.py).
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import ArgumentError
from .base import (KERAS_IGNORED, Arg, boolean, channels_first, choice, data_format, integer,
                   keras_feature_map, optional)
from .keras import KerasKind
from .registry import register

# change no shape and no count; Keras reads them in the layers below
_IMAGE_IGNORED = KERAS_IGNORED | {"fill_value", "bounding_box_format", "antialias"}
_FILL_MODES = ("reflect", "wrap", "constant", "nearest")  # _SUPPORTED_FILL_MODE of the affine layers
_INTERPOLATIONS = ("nearest", "bilinear")


def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ArgumentError(name, f"argument '{name}' must be a number, got {value!r}")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def factor(low: float, high: float, *, open_low: bool = False, strict: bool = False) -> Callable[[Any, str], Any]:
    """A factor as Keras validates it: one number in the range, or a pair [lower, upper].

    The base image layer checks a pair only loosely (its first entry at most ``high``, its
    second at least ``low``); RandomZoom and RandomTranslation check both entries
    (``strict``), and RandomZoom's range excludes -1 (``open_low``).
    """
    def inside(v: float) -> bool:
        return (low < v if open_low else low <= v) and v <= high

    def convert(value: Any, name: str) -> Any:
        if _number(value) and inside(value):
            return value
        if isinstance(value, (list, tuple)) and len(value) == 2 and all(_number(v) for v in value):
            if all(inside(v) for v in value) if strict else (value[0] <= high and value[1] >= low):
                return tuple(value)
        bracket = "(" if open_low else "["
        raise ArgumentError(name, f"argument '{name}' must be a number in {bracket}{low}, {high}] or a list "
                                  f"of two (lower, upper), got {value!r}")
    return convert


def _value_range(value: Any, name: str) -> tuple[float, float]:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(_number(v) for v in value):
        return tuple(value)
    raise ArgumentError(name, f"argument '{name}' must be a list of two numbers such as [0, 255], got {value!r}")


class ImageKind(KerasKind):
    """One image per example; the shape is unchanged (augmentations run in training only)."""

    args: dict[str, Arg] = {"data_format": Arg(data_format, "channels_last")}
    ignored = _IMAGE_IGNORED
    summary = "shape unchanged, no parameters; a 3-D (height, width, channels) input"

    def output_shape(self, p, in_shapes):
        keras_feature_map(in_shapes[0], 2, p)
        return in_shapes[0]


class Cropping(ImageKind):
    """The output is ``height x width`` whatever the input's size (larger: Keras resizes)."""

    args = {"height": Arg(integer()), "width": Arg(integer()), "data_format": Arg(data_format, "channels_last")}
    summary = "height, width, data_format (no parameters)"

    def output_shape(self, p, in_shapes):
        _, channels = keras_feature_map(in_shapes[0], 2, p)
        return (channels, p["height"], p["width"]) if channels_first(p) else (p["height"], p["width"], channels)


@register
class Rescaling(KerasKind):
    """``x * scale + offset`` on any input (keras/src/layers/preprocessing/rescaling.py)."""

    type = "Rescaling"
    args = {"scale": Arg(_real), "offset": Arg(_real, 0.0)}
    summary = "scale, offset (shape unchanged, no parameters, any input)"


@register
class RandomFlip(ImageKind):
    type = "RandomFlip"
    # Keras stores any string and then flips nothing for an unknown one: refused here
    args = {"mode": Arg(choice("horizontal", "vertical", "horizontal_and_vertical"), "horizontal_and_vertical"),
            **ImageKind.args}
    summary = "mode, data_format (shape unchanged, no parameters)"


# compared exactly, as the affine layers compare them ("Reflect" is refused)
_AFFINE = {"fill_mode": Arg(choice(*_FILL_MODES, fold_case=False), "reflect"),
           "interpolation": Arg(choice(*_INTERPOLATIONS, fold_case=False), "bilinear"), **ImageKind.args}


@register
class RandomRotation(ImageKind):
    type = "RandomRotation"
    args = {"factor": Arg(factor(-1, 1)), **_AFFINE}  # a fraction of a full turn
    summary = "factor, fill_mode, interpolation, data_format (shape unchanged, no parameters)"


@register
class RandomZoom(ImageKind):
    type = "RandomZoom"
    args = {"height_factor": Arg(factor(-1, 1, open_low=True, strict=True)),
            "width_factor": Arg(optional(factor(-1, 1, open_low=True, strict=True)), None),
            **_AFFINE}
    summary = "height_factor, width_factor, fill_mode, interpolation (shape unchanged, no parameters)"


@register
class RandomTranslation(ImageKind):
    type = "RandomTranslation"
    args = {"height_factor": Arg(factor(-1, 1, strict=True)), "width_factor": Arg(factor(-1, 1, strict=True)),
            **_AFFINE}
    summary = "height_factor, width_factor, fill_mode, interpolation (shape unchanged, no parameters)"


@register
class RandomContrast(ImageKind):
    type = "RandomContrast"
    ignored = _IMAGE_IGNORED | {"value_range"}  # not checked by Keras here
    args = {"factor": Arg(factor(0, 1)), **ImageKind.args}
    summary = "factor, data_format (shape unchanged, no parameters)"


@register
class RandomBrightness(ImageKind):
    type = "RandomBrightness"
    args = {"factor": Arg(factor(-1, 1)), "value_range": Arg(_value_range, (0, 255)), **ImageKind.args}
    summary = "factor, value_range (shape unchanged, no parameters)"


@register
class Resizing(Cropping):
    type = "Resizing"
    args = {**Cropping.args,
            # keras.ops.image.resize's methods (the torch backend runs the first three)
            "interpolation": Arg(choice("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                                        fold_case=False), "bilinear"),
            "crop_to_aspect_ratio": Arg(boolean, False), "pad_to_aspect_ratio": Arg(boolean, False)}
    ignored = _IMAGE_IGNORED | {"fill_mode"}
    summary = "height, width, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, data_format"

    def check(self, p):
        if p["crop_to_aspect_ratio"] and p["pad_to_aspect_ratio"]:
            raise ArgumentError("pad_to_aspect_ratio", "only one of crop_to_aspect_ratio and "
                                "pad_to_aspect_ratio can be true")


@register
class CenterCrop(Cropping):
    type = "CenterCrop"


@register
class RandomCrop(Cropping):
    """``model.summary()`` shows height x width; Keras 3.15 crops in training only
    (keras-team/keras#21868), so a model run for inference keeps the input's size."""

    type = "RandomCrop"
