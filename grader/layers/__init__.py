"""Layer kinds of Keras and PyTorch: arguments, shape rules and weights."""
from .base import Counts, LayerKind, Weight, count, formula, snake_case
from .registry import FRAMEWORKS, kinds, lookup, register

__all__ = ["Counts", "LayerKind", "Weight", "count", "formula", "snake_case",
           "FRAMEWORKS", "kinds", "lookup", "register"]
