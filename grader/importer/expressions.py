"""Expressions of model code, folded to the importer's values (see :mod:`.interpreter`)."""
from __future__ import annotations

import ast
from typing import Any

from . import folding, keras_code, torch_code
from .signatures import keras_class, normalise_path, torch_class, torch_function
from .values import Batch, Bound, ClassDef, Instance, Node, Ref, Sequential, Unknown, describe, method_of

# conventional names, bound when code (a Markdown fragment) uses them without importing them
ALIASES = {"layers": "keras.layers", "keras": "keras", "tf": "tensorflow", "tfl": "keras.layers",
           "nn": "torch.nn", "F": "torch.nn.functional", "torch": "torch", "K": "keras.backend",
           "np": "numpy", "math": "math", "models": "keras.models"}


class Expressions:
    """The part of the interpreter that gives an expression its value."""

    def ev(self, node: ast.expr | None, scope: folding.Scope) -> Any:
        if node is None:
            return None
        line = getattr(node, "lineno", None)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.name(node.id, scope, line)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.ev(node.value, scope), node.attr, line)
        if isinstance(node, ast.Call):
            fn = self.ev(node.func, scope)
            args = self.sequence(node.args, scope, line)
            kwargs: dict[str, Any] = {}
            for keyword in node.keywords:
                value = self.ev(keyword.value, scope)
                if keyword.arg is not None:
                    kwargs[keyword.arg] = value
                elif isinstance(value, dict):
                    kwargs.update({str(k): v for k, v in value.items()})
                else:
                    kwargs["**"] = Unknown("keyword arguments passed as **dict", line)
            return self.call(fn, args, kwargs, node)
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.ev(node.left, scope), self.ev(node.right, scope), line)
        if isinstance(node, ast.UnaryOp):
            value = self.ev(node.operand, scope)
            return value if isinstance(value, Node) else folding.unary(node.op, value, line)
        if isinstance(node, ast.BoolOp):
            value = None
            for operand in node.values:
                value = self.ev(operand, scope)
                if not folding.plain(value):
                    return Unknown("a condition grader cannot evaluate", line)
                if bool(value) == isinstance(node.op, ast.Or):
                    return value
            return value
        if isinstance(node, ast.Compare):
            values = [self.ev(node.left, scope)] + [self.ev(c, scope) for c in node.comparators]
            unknown = next((v for v in values if isinstance(v, Unknown)), None)
            return unknown or folding.compare(node.ops, values, line)
        if isinstance(node, ast.IfExp):
            test = self.ev(node.test, scope)
            if folding.plain(test):
                return self.ev(node.body if test else node.orelse, scope)
            return Unknown("a conditional expression grader cannot evaluate", line)
        if isinstance(node, ast.Tuple):
            return tuple(self.sequence(node.elts, scope, line))
        if isinstance(node, ast.List):
            return self.sequence(node.elts, scope, line)
        if isinstance(node, ast.Dict):
            return {self.ev(k, scope): self.ev(v, scope) for k, v in zip(node.keys, node.values) if k is not None}
        if isinstance(node, ast.Subscript):
            return self.subscript(self.ev(node.value, scope), self.ev(node.slice, scope), line)
        if isinstance(node, ast.Slice):
            parts = [self.ev(p, scope) for p in (node.lower, node.upper, node.step)]
            return slice(*parts) if all(folding.plain(p) for p in parts) else Unknown("a slice", line)
        if isinstance(node, ast.JoinedStr):
            return folding.formatted(node, [self.ev(v, scope) if not isinstance(v, ast.Constant) else None
                                            for v in node.values], line)
        if isinstance(node, ast.FormattedValue):
            return self.ev(node.value, scope)
        if isinstance(node, ast.NamedExpr):
            value = self.ev(node.value, scope)
            self.assign(node.target, value, scope, line)
            return value
        if isinstance(node, ast.Starred):
            return self.ev(node.value, scope)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            return Unknown(f"a comprehension ({self.source.place(line)}) is a loop; grader does not run "
                           "loops: write the layers out one by one", line)
        return Unknown(f"a {type(node).__name__} expression", line)

    def sequence(self, nodes: list[ast.expr], scope: folding.Scope, line: int | None) -> list:
        out: list[Any] = []
        for element in nodes:
            value = self.ev(element, scope)
            if isinstance(element, ast.Starred):
                if isinstance(value, (list, tuple)):
                    out.extend(value)
                elif isinstance(value, dict):
                    out.extend(value)
                else:
                    out.append(value if isinstance(value, Unknown) else
                               Unknown(f"*{describe(value)} in a call", line))
            else:
                out.append(value)
        return out

    def name(self, name: str, scope: folding.Scope, line: int | None) -> Any:
        found, value = scope.lookup(name)
        if found:
            return value
        for module in scope.lookup("__star__")[1] or []:
            ref = normalise_path(f"{module}.{name}")
            if keras_class(ref) or torch_class(ref) or torch_function(ref):
                return Ref(ref)
        if name in ALIASES:
            return Ref(ALIASES[name])
        if name in folding.BUILTIN_NAMES:
            return Ref(f"builtins.{name}")
        return Unknown(f"'{name}' is not defined in the code grader read", line)

    def attribute(self, obj: Any, attr: str, line: int | None) -> Any:
        if isinstance(obj, Ref):
            return obj.attr(attr)
        if isinstance(obj, Unknown):
            return obj
        if isinstance(obj, Instance):
            if attr in obj.attrs:
                return obj.attrs[attr]
            if method_of(obj.cls, attr) is not None:
                return Bound(obj, attr)
            if attr in obj.cls.env.vars:
                return obj.cls.env.vars[attr]
            if attr == "training":
                return Unknown("self.training (train or eval mode) is known only when the model runs", line)
            return Bound(obj, attr)
        if isinstance(obj, Node):
            return torch_code.TensorShape(obj) if attr == "shape" else Bound(obj, attr)
        if isinstance(obj, ClassDef):
            return obj.env.vars.get(attr, Unknown(f"{obj.name}.{attr}", line))
        return Bound(obj, attr)

    def subscript(self, obj: Any, key: Any, line: int | None) -> Any:
        if isinstance(obj, Unknown):
            return obj
        if isinstance(key, Unknown):
            return key
        if isinstance(obj, torch_code.TensorShape):
            return Batch() if key == 0 else Unknown("the size of a tensor is known only when the model runs; "
                                                    "write the number", line)
        if isinstance(obj, Node):
            return Unknown(f"slicing a tensor ({self.source.place(line)}) is not a layer grader can read", line)
        if isinstance(obj, Sequential) and isinstance(key, int):
            try:
                return obj.members[key][1]
            except IndexError:
                return Unknown(f"index {key} of a Sequential of {len(obj.members)}", line)
        if isinstance(obj, (tuple, list, dict, str, range)) and (folding.plain(key) or isinstance(key, slice)):
            try:
                return obj[key]
            except (IndexError, KeyError, TypeError) as exc:
                return Unknown(f"the subscript fails ({type(exc).__name__})", line)
        return Unknown(f"a subscript of {describe(obj)}", line)

    def binop(self, op: ast.operator, left: Any, right: Any, line: int) -> Any:
        if isinstance(left, Node) or isinstance(right, Node):
            return torch_code.tensor_operator(self, op, left, right, line) \
                if _framework(left, right) == "pytorch" else keras_code.tensor_operator(self, op, left, right, line)
        for value in (left, right):
            if isinstance(value, Unknown):
                return value
        return folding.binop(op, left, right, line)


def _framework(left: Any, right: Any) -> str:
    for value in (left, right):
        if isinstance(value, Node):
            return value.framework
    return "keras"
