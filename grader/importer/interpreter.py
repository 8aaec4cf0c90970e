"""A reader of model code that follows it statement by statement without running it.

Names get values (constants folded, library names as :class:`Ref`), layer constructors
become :class:`Layer` values, calls of layers on tensors become graph :class:`Node` s, and
helper functions and the methods of classes defined in the code are followed with their
arguments bound. What cannot be known without running the code (data, loops, branches
on run-time conditions) becomes :class:`Unknown` with the reason, and is an error only
if the chosen model needs it. The framework-specific calls live in :mod:`.keras_code`
and :mod:`.torch_code`.
"""
from __future__ import annotations

import ast
from typing import Any

from . import folding, torch_code
from .calls import Calls, Return
from .expressions import Expressions
from .signatures import normalise_path
from .sources import Source
from .values import ClassDef, Function, Functional, Instance, Layer, Node, Ref, Sequential, Unknown, describe

_BUILDING_METHODS = ("add", "append", "extend", "insert", "add_module", "pop", "build")


class Interpreter(Expressions, Calls):
    """Reads a source's statements in order; what they define is in ``globals`` and the lists below."""

    def __init__(self, source: Source):
        self.source = source
        self.globals = folding.Scope()
        self.globals.set("__name__", "__main__")
        self.notes: list[str] = []
        self.sequentials: list[Sequential] = []
        self.functionals: list[Functional] = []
        self.classes: list[ClassDef] = []
        self.instances: list[Instance] = []
        self.depth = 0
        self.site: tuple[int, str] | None = None  # the call line and name of the outermost helper followed
        self.owners: list[Instance] = []    # the instances whose methods are being followed
        self.prefix = ""                    # the module path of the submodule being followed
        self.member_path: str | None = None  # the path of the Sequential member being applied

    def run(self) -> "Interpreter":
        self.block(self.source.statements, self.globals)
        return self

    def note(self, text: str, line: int | None = None) -> None:
        message = f"{self.source.place(line)}: {text}" if line else text
        if message not in self.notes:
            self.notes.append(message)

    # -- statements ----------------------------------------------------------------------

    def block(self, statements: list[ast.stmt], scope: folding.Scope) -> None:
        for statement in statements:
            self.statement(statement, scope)

    def statement(self, s: ast.stmt, scope: folding.Scope) -> None:
        line = s.lineno
        if isinstance(s, ast.Import):
            for alias in s.names:
                if alias.asname:
                    scope.set(alias.asname, Ref(alias.name))
                else:
                    top = alias.name.split(".")[0]
                    scope.set(top, Ref(top))
        elif isinstance(s, ast.ImportFrom):
            if s.level or not s.module:
                return
            for alias in s.names:
                if alias.name == "*":
                    scope.set("__star__", [*(scope.lookup("__star__")[1] or []), s.module])
                else:
                    scope.set(alias.asname or alias.name, Ref(f"{s.module}.{alias.name}"))
        elif isinstance(s, ast.Assign):
            value = self.ev(s.value, scope)
            for target in s.targets:
                self.assign(target, value, scope, line)
        elif isinstance(s, ast.AnnAssign) and s.value is not None:
            self.assign(s.target, self.ev(s.value, scope), scope, line)
        elif isinstance(s, ast.AugAssign):
            load = ast.fix_missing_locations(ast.copy_location(_as_load(s.target), s.target))
            value = self.binop(s.op, self.ev(load, scope), self.ev(s.value, scope), line)
            self.assign(s.target, value, scope, line)
        elif isinstance(s, ast.Expr):
            self.ev(s.value, scope)
        elif isinstance(s, ast.If):
            test = self.ev(s.test, scope)
            if folding.plain(test):
                self.block(s.body if test else s.orelse, scope)
            else:
                self.unsure(s.body + s.orelse, scope, f"it depends on an if whose condition grader cannot "
                            f"evaluate (`{ast.unparse(s.test)}` on {self.source.place(line)})", line)
        elif isinstance(s, (ast.For, ast.AsyncFor, ast.While)):
            self.unsure([s], scope, f"it is built in a loop ({self.source.place(line)}); grader does not "
                        "run loops: write the layers out one by one", line)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, Unknown("a with-statement's value", line), scope, line)
            self.block(s.body, scope)
        elif isinstance(s, ast.Try):
            self.block(s.body + s.orelse + s.finalbody, scope)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.set(s.name, Function(s, scope))
        elif isinstance(s, ast.ClassDef):
            self.define_class(s, scope)
        elif isinstance(s, ast.Return) and self.depth:   # (a return outside a function is not Python)
            raise Return(self.ev(s.value, scope) if s.value is not None else None)

    def define_class(self, s: ast.ClassDef, scope: folding.Scope) -> None:
        framework = None
        for base in s.bases:
            value = self.ev(base, scope)
            if isinstance(value, Ref):
                path = normalise_path(value.path)
                if path in ("torch.nn.Module",):
                    framework = "pytorch"
                elif path in ("keras.Model", "keras.models.Model", "keras.layers.Layer", "keras.Layer"):
                    framework = "keras"
            elif isinstance(value, ClassDef) and value.framework:
                framework = value.framework
        body = folding.Scope(scope)
        cls = ClassDef(s, framework, body)
        scope.set(s.name, cls)
        self.block([stmt for stmt in s.body if not isinstance(stmt, ast.ClassDef)], body)
        body.parent = scope
        if framework:
            self.classes.append(cls)

    def unsure(self, statements: list[ast.stmt], scope: folding.Scope, reason: str, line: int) -> None:
        """Statements that may run or not, or many times: what they set or build is unknown."""
        unknown = Unknown(reason, line)
        for node in (n for s in statements for n in ast.walk(s)):
            targets: list[ast.expr] = []
            if isinstance(node, (ast.Assign,)):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
                targets = [node.target]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in _BUILDING_METHODS:
                base = self.ev(node.func.value, scope)
                if isinstance(base, Sequential):
                    base.broken = unknown
                    continue
                if isinstance(base, (list, dict)):
                    targets = [node.func.value]
            for target in targets:
                self.forget(target, unknown, scope)

    def forget(self, target: ast.expr, unknown: Unknown, scope: folding.Scope) -> None:
        if isinstance(target, ast.Name):
            scope.set(target.id, unknown)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.forget(element, unknown, scope)
        elif isinstance(target, ast.Attribute):
            base = self.ev(target.value, scope)
            if isinstance(base, Instance):
                base.attrs[target.attr] = unknown
        elif isinstance(target, ast.Starred):
            self.forget(target.value, unknown, scope)

    def assign(self, target: ast.expr, value: Any, scope: folding.Scope, line: int) -> None:
        if isinstance(target, ast.Name):
            scope.set(target.id, value)
            if isinstance(value, (Layer, Sequential, Functional, Instance)) and value.var is None \
                    and scope is self.globals:   # a helper's local `layer = ...` names nothing
                value.var = target.id
            elif isinstance(value, Node) and value.var is None and scope.once.get(target.id) == 1:
                value.var = target.id  # add_2 = a + b names the Add; x = F.relu(x) again and again does not
            if isinstance(value, Node) and value.layer is None and value.input_name is None:
                value.input_name = target.id
        elif isinstance(target, (ast.Tuple, ast.List)):
            elements = target.elts
            if isinstance(value, (tuple, list)) and len(value) == len(elements) \
                    and not any(isinstance(e, ast.Starred) for e in elements):
                for element, item in zip(elements, value):
                    self.assign(element, item, scope, line)
            elif isinstance(value, Node) and torch_code.returns_tuple(value):
                self.assign(elements[0], value, scope, line)   # out, (h, c) = self.lstm(x)
                for element in elements[1:]:
                    self.forget(element, Unknown(f"the hidden state of {value.layer.type}", line), scope)
            else:
                why = value if isinstance(value, Unknown) else Unknown(f"unpacking {describe(value)}", line)
                for element in elements:
                    self.forget(element, why, scope)
        elif isinstance(target, ast.Attribute):
            base = self.ev(target.value, scope)
            if isinstance(base, Instance):
                base.attrs[target.attr] = value
                if isinstance(value, (Layer, Sequential, Instance)) and value.var is None:
                    value.var = target.attr
        elif isinstance(target, ast.Subscript):
            base = self.ev(target.value, scope)
            key = self.ev(target.slice, scope)
            if isinstance(base, (dict, list)) and folding.plain(key):
                try:
                    base[key] = value
                except (TypeError, IndexError):
                    pass
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, scope, line)


def _as_load(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    if isinstance(target, ast.Attribute):
        return ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load())
    if isinstance(target, ast.Subscript):
        return ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load())
    return target
