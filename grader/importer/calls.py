"""Calls in model code: library constructors, layers applied to tensors, and the helper
functions and methods of classes defined in the code, followed with their arguments bound."""
from __future__ import annotations

import ast
from typing import Any

from . import folding, keras_code, torch_code
from .signatures import keras_class, normalise_path, torch_class, torch_function
from .values import (Bound, ClassDef, Example, Function, Functional, Instance, Layer, Node, Ref, Sequential,
                     Unknown, describe, method_of)

MAX_DEPTH = 40
# methods of a model or tensor that return the same object (model = Net().to(device))
_SAME = ("to", "cuda", "cpu", "eval", "train", "float", "double", "half", "contiguous", "detach", "clone",
         "requires_grad_")


class Return(Exception):
    """A ``return`` statement of a function being followed."""

    def __init__(self, value: Any):
        super().__init__()
        self.value = value


class _Super:
    """``super()``: its methods (``__init__``) do nothing the importer needs."""


SUPER = _Super()


class Calls:
    """The part of the interpreter that follows calls."""

    def call(self, fn: Any, args: list, kwargs: dict, node: ast.Call) -> Any:
        line = node.lineno
        if isinstance(fn, Ref):
            return self.call_ref(fn, args, kwargs, node)
        if isinstance(fn, Layer):
            return (keras_code.apply if fn.framework == "keras" else torch_code.apply)(self, fn, args, kwargs, line)
        if isinstance(fn, Sequential):
            return self.call_model(fn, args, line)
        if isinstance(fn, Function):
            return self.inline(fn.node, fn.env, args, kwargs, line, helper=True)
        if isinstance(fn, ClassDef):
            return self.instantiate(fn, args, kwargs, line)
        if isinstance(fn, Instance):
            return self.call_model(fn, args, line)
        if isinstance(fn, Bound):
            return self.method(fn.obj, fn.method, args, kwargs, line)
        if isinstance(fn, Unknown):
            return fn
        if isinstance(fn, Functional):
            return Unknown("calling a Keras model inside another model is not supported", line)
        return Unknown(f"calling {describe(fn)}", line)

    def call_ref(self, fn: Ref, args: list, kwargs: dict, node: ast.Call) -> Any:
        line = node.lineno
        path = normalise_path(fn.path)
        if path == "builtins.super":
            return SUPER
        if path in ("builtins.print", "builtins.isinstance"):
            return None
        folded = folding.call_function(path, args, kwargs, line)
        if folded is not None:
            return folded
        if path in ("collections.OrderedDict", "builtins.dict") and len(args) == 1 and isinstance(args[0], list) \
                and all(isinstance(p, tuple) and len(p) == 2 for p in args[0]):
            return dict(args[0])
        name = keras_class(path)
        if name:
            return keras_code.call_class(self, name, args, kwargs, node)
        name = torch_class(path)
        if name:
            return torch_code.call_class(self, name, args, kwargs, node)
        name = torch_function(path)
        if name:
            return torch_code.call_function(self, name, args, kwargs, line)
        if path.startswith("torch.") and path.split(".")[-1] in torch_code.TORCH_EXAMPLES:
            return torch_code.example(args, kwargs, line)
        if path.split(".")[0] in ("torchsummary", "torchinfo") and path.endswith(".summary"):
            return torch_code.summary(self, path.split(".")[0], args, kwargs, line)
        name = fn.path.rsplit(".", 1)[-1]
        if name[:1].isupper() and not path.startswith(("keras.", "torch.")):
            return Unknown(f"{name} (from {fn.path.rsplit('.', 1)[0]}) is a class grader does not know: it reads "
                           "the Keras and PyTorch layers, and classes defined in the same source", line)
        return Unknown(f"{fn.path}() is not something grader reads without running it", line)

    def call_model(self, model: Any, args: list, line: int) -> Any:
        """A Sequential or a model object called: on a tensor inside a model, or on example data."""
        if args and isinstance(args[0], Node):
            if isinstance(model, Sequential):
                model.used_in.append(line)
                path = self.member_path
                if path is None and self.owners and model.var:
                    path = f"{self.prefix}{model.var}"
                return self.chain(model, args[0], line, path)
            method = method_of(model.cls, "call" if model.cls.framework == "keras" else "forward")
            if method is None:
                return Unknown(f"{model.cls.name} has no {'call' if model.cls.framework == 'keras' else 'forward'}"
                               "() method grader can read", line)
            return self.run_method(model, method, args, {}, line)
        if args and isinstance(args[0], Example):
            if isinstance(model, Sequential):
                model.built_shape = args[0].shape[1:]
            else:
                model.example_shape = args[0].shape[1:]
        return Unknown("the output of running the model", line)

    def chain(self, model: Sequential, node: Node, line: int | None, path: str | None) -> Any:
        """A Sequential's members applied in order on ``node``; ``path`` names them
        ("features" gives "features.0", "features.1", ...) inside a module. The nodes are
        on ``line`` (the call in a forward), or on their layers' own lines."""
        if model.broken is not None:
            return model.broken
        value: Any = node
        saved = self.member_path
        for index, (key, member) in enumerate(model.members):
            if isinstance(member, Unknown):
                return member
            if (isinstance(member, Layer) and member.type == "InputLayer") or \
                    (isinstance(member, Node) and member.layer is None):
                continue  # keras.Input in a Sequential: the input shape, not a layer
            sub = f"{path}.{key if key is not None else index}" if path else None
            try:
                if isinstance(member, Sequential):
                    member.used_in.append(line)
                    value = self.chain(member, value, line, sub)
                else:
                    self.member_path = sub
                    at = line if line is not None else getattr(member, "line", None) or model.line
                    value = self.call(member, [value], {}, _at(at))
            finally:
                self.member_path = saved
            if isinstance(value, Unknown):
                return value
        return value

    def node_path(self, layer: Layer) -> str | None:
        """The module path of a layer being applied, when it is a module's attribute or member."""
        if self.member_path is not None:
            return self.member_path
        if self.owners and layer.var and self.owners[-1].attrs.get(layer.var) is layer:
            return f"{self.prefix}{layer.var}"
        return None

    def method(self, obj: Any, name: str, args: list, kwargs: dict, line: int) -> Any:
        if obj is SUPER:
            return None
        if isinstance(obj, Node):
            if obj.framework == "pytorch":
                return torch_code.tensor_method(self, obj, name, args, kwargs, line)
            return Unknown(f"the tensor method .{name}() is not a layer grader can read", line)
        if isinstance(obj, Sequential):
            return (keras_code if obj.framework == "keras" else torch_code).sequential_method(
                self, obj, name, args, kwargs, line)
        if isinstance(obj, Instance):
            if name in _SAME:
                return obj
            if name == "add_module" and len(args) == 2:
                obj.attrs[str(args[0])] = args[1]
                return None
            shape = args[0] if args else kwargs.get("input_shape")
            if name == "build" and obj.cls.framework == "keras" and isinstance(shape, (tuple, list)) and shape:
                obj.example_shape = tuple(shape[1:])   # model.build((None, 28, 28, 1))
                return None
            fn = method_of(obj.cls, name)
            if fn is not None:
                return self.run_method(obj, fn, args, kwargs, line)
            return Unknown(f"{obj.cls.name}.{name}() is not defined in the code", line)
        if isinstance(obj, list) and name in ("append", "extend", "insert"):
            if name == "append" and len(args) == 1:
                obj.append(args[0])
            elif name == "extend" and len(args) == 1 and isinstance(args[0], (list, tuple)):
                obj.extend(args[0])
            elif name == "insert" and len(args) == 2 and isinstance(args[0], int):
                obj.insert(args[0], args[1])
            return None
        if isinstance(obj, Layer) and name in _SAME:
            return obj
        if isinstance(obj, str) and name == "format" and all(folding.plain(a) for a in [*args, *kwargs.values()]):
            try:
                return obj.format(*args, **kwargs)
            except (IndexError, KeyError, ValueError, AttributeError):
                return Unknown("str.format fails", line)
        if isinstance(obj, dict) and name in ("items", "keys", "values") and not args:
            return list(getattr(obj, name)())
        return Unknown(f".{name}() of {describe(obj)}", line)

    def run_method(self, obj: Instance, fn: Function, args: list, kwargs: dict, line: int) -> Any:
        prefix, member_path = self.prefix, self.member_path
        if fn.node.name in ("forward", "call") and self.owners and obj is not self.owners[-1]:
            # a block's layers are named after the attribute (or Sequential member) holding it
            if member_path is not None:
                self.prefix = f"{member_path}."
            elif obj.var and self.owners[-1].attrs.get(obj.var) is obj:
                self.prefix = f"{prefix}{obj.var}."
        self.member_path = None
        self.owners.append(obj)
        try:
            return self.inline(fn.node, fn.env.parent or fn.env, [obj, *args], kwargs, line, helper=False)
        finally:
            self.owners.pop()
            self.prefix, self.member_path = prefix, member_path

    def instantiate(self, cls: ClassDef, args: list, kwargs: dict, line: int) -> Any:
        obj = Instance(cls, {}, line)
        if cls.framework:
            self.instances.append(obj)
        init = method_of(cls, "__init__")
        if init is not None:
            self.run_method(obj, init, args, kwargs, line)
        return obj

    def inline(self, fn: ast.FunctionDef, env: folding.Scope, args: list, kwargs: dict, line: int,
               helper: bool) -> Any:
        """Follow a function's body with its parameters bound; its return value."""
        if self.depth >= MAX_DEPTH:
            return Unknown(f"{fn.name}() calls itself too deeply", line)
        scope = folding.Scope(env)
        scope.once = _assignments(fn)
        _bind(self, fn, scope, args, kwargs, line)
        site = self.site
        if helper and site is None:
            self.site = (line, fn.name)
        self.depth += 1
        try:
            self.block(fn.body, scope)
        except Return as done:
            return done.value
        finally:
            self.depth -= 1
            self.site = site
        return None

    def made(self, layer: Layer) -> Layer:
        """A layer made now: inside a helper, it also remembers the helper's call."""
        if self.site is not None:
            layer.site, layer.helper = self.site
        return layer


def _bind(interp: Calls, fn: ast.FunctionDef, scope: folding.Scope, args: list, kwargs: dict,
          line: int) -> None:
    spec = fn.args
    positional = [a.arg for a in spec.posonlyargs + spec.args]
    defaults = dict(zip(positional[len(positional) - len(spec.defaults):], spec.defaults))
    defaults.update({a.arg: d for a, d in zip(spec.kwonlyargs, spec.kw_defaults) if d is not None})
    kwargs = dict(kwargs)
    for name, value in zip(positional, args):
        scope.set(name, value)
    if spec.vararg:
        scope.set(spec.vararg.arg, tuple(args[len(positional):]))
    for name in positional[len(args):] + [a.arg for a in spec.kwonlyargs]:
        if name in kwargs:
            scope.set(name, kwargs.pop(name))
        elif name in defaults:
            scope.set(name, interp.ev(defaults[name], scope.parent or scope))
        else:
            scope.set(name, Unknown(f"argument '{name}' of {fn.name}() is not given", line))
    if spec.kwarg:
        scope.set(spec.kwarg.arg, kwargs)


def _assignments(fn: ast.FunctionDef) -> dict[str, int]:
    """How often each name is assigned in a function's body."""
    counts: dict[str, int] = {}
    for node in ast.walk(fn):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.NamedExpr)) else []
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    counts[name.id] = counts.get(name.id, 0) + 1
    return counts


def _at(line: int) -> ast.Call:
    call = ast.Call(func=ast.Constant(None), args=[], keywords=[])
    call.lineno = line
    return call
