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

from . import folding, keras_code, torch_code
from .signatures import keras_class, normalise_path, torch_class, torch_function
from .sources import Source
from .values import (Batch, Bound, ClassDef, Example, Function, Functional, Instance, Layer, Node, Ref,
                     Sequential, Unknown, describe)

MAX_DEPTH = 40
# conventional names, bound when code (a Markdown fragment) uses them without importing them
ALIASES = {"layers": "keras.layers", "keras": "keras", "tf": "tensorflow", "tfl": "keras.layers",
           "nn": "torch.nn", "F": "torch.nn.functional", "torch": "torch", "K": "keras.backend",
           "np": "numpy", "math": "math", "models": "keras.models"}
_BUILDING_METHODS = ("add", "append", "extend", "insert", "add_module", "pop", "build")
# methods of a model or tensor that return the same object (model = Net().to(device))
_SAME = ("to", "cuda", "cpu", "eval", "train", "float", "double", "half", "contiguous", "detach", "clone",
         "requires_grad_")


class _Return(Exception):
    def __init__(self, value: Any):
        super().__init__()
        self.value = value


class _Super:
    """``super()``: its methods (``__init__``) do nothing the importer needs."""


SUPER = _Super()


class Interpreter:
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
                why = test.reason if isinstance(test, Unknown) else "not a constant"
                self.unsure(s.body + s.orelse, scope, f"it is set in an if whose condition grader cannot "
                            f"evaluate (line {self.source.place(line)}: {why})", line)
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
        elif isinstance(s, ast.Return):
            raise _Return(self.ev(s.value, scope) if s.value is not None else None)

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
            if isinstance(value, (Layer, Sequential, Functional, Instance)) and value.var is None:
                value.var = target.id
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

    # -- expressions ---------------------------------------------------------------------

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
            if _method(obj.cls, attr) is not None:
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

    # -- calls ---------------------------------------------------------------------------

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
            method = _method(model.cls, "call" if model.cls.framework == "keras" else "forward")
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
            fn = _method(obj.cls, name)
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
            cls.inside = cls.inside or bool(self.owners)
            self.instances.append(obj)
        init = _method(cls, "__init__")
        if init is not None:
            self.run_method(obj, init, args, kwargs, line)
        return obj

    def inline(self, fn: ast.FunctionDef, env: folding.Scope, args: list, kwargs: dict, line: int,
               helper: bool) -> Any:
        """Follow a function's body with its parameters bound; its return value."""
        if self.depth >= MAX_DEPTH:
            return Unknown(f"{fn.name}() calls itself too deeply", line)
        scope = folding.Scope(env)
        _bind(self, fn, scope, args, kwargs, line)
        site = self.site
        if helper and site is None:
            self.site = (line, fn.name)
        self.depth += 1
        try:
            self.block(fn.body, scope)
        except _Return as done:
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


def _bind(interp: Interpreter, fn: ast.FunctionDef, scope: folding.Scope, args: list, kwargs: dict,
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


def _method(cls: ClassDef, name: str) -> Function | None:
    value = cls.env.vars.get(name)
    if isinstance(value, Function):
        return value
    for base in cls.node.bases:
        parent = cls.env.parent.lookup(base.id)[1] if isinstance(base, ast.Name) and cls.env.parent else None
        if isinstance(parent, ClassDef):
            found = _method(parent, name)
            if found is not None:
                return found
    return None


def _as_load(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    if isinstance(target, ast.Attribute):
        return ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load())
    if isinstance(target, ast.Subscript):
        return ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load())
    return target


def _at(line: int) -> ast.Call:
    call = ast.Call(func=ast.Constant(None), args=[], keywords=[])
    call.lineno = line
    return call


def _framework(left: Any, right: Any) -> str:
    for value in (left, right):
        if isinstance(value, Node):
            return value.framework
    return "keras"
