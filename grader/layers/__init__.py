"""Layer kinds of Keras and PyTorch: arguments, shape rules and weights.

Importing the package registers every kind: the registry first (a leaf), then the kind
modules, each of which registers its classes (as ``keras/src/layers/__init__.py`` does).
"""
from .base import Counts, LayerKind, Weight, Window, count, formula, snake_case
from .registry import FRAMEWORKS, kinds, lookup, register

from . import (keras, keras_conv, keras_image, keras_reshaping, keras_sequence,  # noqa: E402, F401 (they register)
               torch, torch_conv, torch_extras, torch_sequence)

__all__ = ["Counts", "LayerKind", "Weight", "Window", "count", "formula", "snake_case",
           "FRAMEWORKS", "kinds", "lookup", "register"]
