"""The one registry of layer kinds: ``(framework, type) -> LayerKind``.

Adding a layer kind is one class with ``@register``; the exercise loader, the solver,
the README table and the differential tests all read this registry. It imports no kind
module: ``grader/layers/__init__.py`` imports the kind modules, which register
themselves (as ``keras/src/layers/__init__.py`` does), so the imports run one way.
"""
from __future__ import annotations

from typing import TypeVar

from ..errors import did_you_mean
from .base import LayerKind

FRAMEWORKS = ("keras", "pytorch")

_KINDS: dict[str, dict[str, LayerKind]] = {f: {} for f in FRAMEWORKS}

K = TypeVar("K", bound=type[LayerKind])


def register(cls: K) -> K:
    """Class decorator: register one instance under its ``type`` and its ``aliases``.

    The class must be named as the framework names it (``class Conv2D``), so that a
    search for the framework's name finds it.
    """
    kind = cls()
    if cls.__name__ != kind.type:
        raise RuntimeError(f"layer kind class {cls.__name__} must be named as its type {kind.type!r}")
    table = _KINDS[kind.framework]
    for name in (kind.type, *kind.aliases):
        if name in table:
            raise RuntimeError(f"layer type {name!r} registered twice for {kind.framework}")
        table[name] = kind
    return cls


def kinds(framework: str) -> dict[str, LayerKind]:
    return _KINDS[framework]


def lookup(framework: str, type_name: str) -> LayerKind:
    """The kind for a type name, or KeyError with a message naming the nearest spelling."""
    table = kinds(framework)
    if type_name in table:
        return table[type_name]
    hint = did_you_mean(type_name, table)
    other = [f for f in FRAMEWORKS if f != framework and type_name in _KINDS[f]]
    if other:
        raise KeyError(f"unknown layer type '{type_name}': that is a {_label(other[0])} layer, "
                       f"and this exercise's framework is {framework}{hint}")
    raise KeyError(f"unknown layer type '{type_name}' for {framework}{hint}")


def _label(framework: str) -> str:
    return {"keras": "Keras", "pytorch": "PyTorch"}[framework]
