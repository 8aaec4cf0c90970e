"""The one registry of layer kinds: ``(framework, type) -> LayerKind``.

Adding a layer kind is one class with ``@register``; the exercise loader, the solver,
the README table and the differential tests all read this registry.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from ..errors import did_you_mean
from .base import LayerKind

FRAMEWORKS = ("keras", "pytorch")

_KINDS: dict[str, dict[str, LayerKind]] = {f: {} for f in FRAMEWORKS}

K = TypeVar("K", bound=type)


def register(*aliases: str) -> Callable[[K], K]:
    """Class decorator: register one instance under its ``type`` (and aliases)."""
    def deco(cls: K) -> K:
        kind = cls()
        table = _KINDS[kind.framework]
        for name in (kind.type, *aliases):
            if name in table:
                raise RuntimeError(f"layer type {name!r} registered twice for {kind.framework}")
            table[name] = kind
        return cls
    return deco


def kinds(framework: str) -> dict[str, LayerKind]:
    _load()
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


def _load() -> None:
    # The kind modules register themselves on import; imported lazily to avoid a cycle.
    from . import keras, keras_image, keras_sequence, torch, torch_extras  # noqa: F401
