"""What the importer knows about the values of the code it reads (nothing is run).

Plain constants stay Python values (int, float, str, tuple, list, dict). Everything else
is one of the small types below: a library name, a layer built in the code, a model, a
tensor in the graph of layer calls, or :class:`Unknown` with the reason it is unknown.
"""
from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from typing import Any

_ORDER = itertools.count()  # creation order of graph nodes: the order layers appear in the code


@dataclass(frozen=True)
class Unknown:
    """A value the importer cannot compute without running the code."""

    reason: str
    line: int | None = None


@dataclass(frozen=True)
class Ref:
    """A module, class or function of a library, by its normalised dotted path
    (``keras.layers.Conv2D``, ``torch.nn.functional.relu``)."""

    path: str

    def attr(self, name: str) -> "Ref":
        return Ref(f"{self.path}.{name}")

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@dataclass
class Layer:
    """One layer constructed in the code: its framework's type and keyword arguments."""

    framework: str
    type: str
    args: dict[str, Any]
    line: int
    name: str | None = None       # the name= of a Keras layer, or an attribute path in a module
    var: str | None = None        # the variable or attribute that holds it
    dropped: dict[str, str] = field(default_factory=dict)  # argument -> why it is not written
    written: str = ""             # the call as written, for messages
    input_shape: Any = None       # a Keras input_shape=/input_dim= on the layer
    stem: str | None = None       # the name stem of a layer made by a function (F.relu -> "relu")
    calls: int = 0                # how often it is applied to a tensor
    error: Unknown | None = None  # what is wrong with the call, reported if the model needs it
    site: int | None = None       # made in a helper function: the line that called it
    helper: str | None = None     # ... and the helper's name


@dataclass
class Sequential:
    """``keras.Sequential`` or ``nn.Sequential``: members in order, each maybe named."""

    framework: str
    members: list[tuple[str | None, Any]]
    line: int
    name: str | None = None
    var: str | None = None
    built_shape: Any = None       # model.build((None, ...)) or an Input member
    used_in: list[int] = field(default_factory=list)  # lines where it is called or nested
    broken: Unknown | None = None  # layers added in a loop or a branch grader cannot follow


@dataclass(eq=False)
class Node:
    """A tensor: a model input, or the output of one layer applied to other tensors."""

    layer: Layer | None
    inputs: tuple["Node", ...]
    line: int
    framework: str = "keras"
    input_name: str | None = None     # for a model input
    shape: Any = None                 # for a model input: a tuple, or Unknown
    path: str | None = None           # the module path of the layer ("features.0", "block1.conv")
    prefix: str = ""                  # the module path of the block it was made in ("block1.")
    var: str | None = None            # the variable it is assigned to, if that is assigned once
    use: int = 1                      # 2 for the second call of the same layer, ...
    order: int = field(default_factory=lambda: next(_ORDER))
    checks: list[tuple[str, Any, int, str]] = field(default_factory=list)  # (kind, expected, line, code)


@dataclass
class Functional:
    """A Keras ``Model(inputs, outputs)``."""

    inputs: list[Node]
    outputs: list[Node]
    line: int
    name: str | None = None
    var: str | None = None


@dataclass
class Function:
    """A function defined in the code (a helper that returns a layer or a block)."""

    node: ast.FunctionDef
    env: Any  # the Scope it was defined in


@dataclass
class ClassDef:
    """A class defined in the code: an ``nn.Module`` or a Keras subclassed model/layer."""

    node: ast.ClassDef
    framework: str | None
    env: Any

    @property
    def name(self) -> str:
        return self.node.name


@dataclass
class Instance:
    """An object of a class defined in the code, after its ``__init__``."""

    cls: ClassDef
    attrs: dict[str, Any]
    line: int
    var: str | None = None
    example_shape: Any = None     # from model(torch.randn(...)) or summary(model, ...)


@dataclass
class Bound:
    """``obj.method`` before the call."""

    obj: Any
    method: str


@dataclass(frozen=True)
class Example:
    """A tensor of known shape made in the code: ``torch.randn(1, 1, 28, 28)``."""

    shape: tuple[int, ...]


@dataclass(frozen=True)
class Batch:
    """``x.size(0)`` / ``x.shape[0]``: the batch dimension of a tensor."""


def describe(value: Any) -> str:
    if isinstance(value, Layer):
        return f"a {value.type} layer"
    if isinstance(value, Sequential):
        return "a Sequential model"
    if isinstance(value, Node):
        return "a tensor"
    if isinstance(value, Ref):
        return f"'{value.path}'"
    if isinstance(value, Instance):
        return f"a {value.cls.name} object"
    return type(value).__name__


def method_of(cls: ClassDef, name: str) -> Function | None:
    """A method of a class defined in the code, looked up in its bases defined there too."""
    value = cls.env.vars.get(name)
    if isinstance(value, Function):
        return value
    for base in cls.node.bases:
        parent = cls.env.parent.lookup(base.id)[1] if isinstance(base, ast.Name) and cls.env.parent else None
        if isinstance(parent, ClassDef):
            found = method_of(parent, name)
            if found is not None:
                return found
    return None
