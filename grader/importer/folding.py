"""Constant folding over ast nodes: scopes of names, arithmetic, comparisons and the few
builtins model code uses (``img_rows, img_cols = 28, 28``, ``64 * 4 * 4``, ``num_classes``).

Nothing is executed: every operation here is on values the importer already knows, with
limits so that hostile code (``10 ** 10 ** 9``, ``[0] * 10 ** 12``) cannot exhaust memory.
"""
from __future__ import annotations

import ast
import math
import operator
from typing import Any

from .values import Unknown

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
           ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitOr: operator.or_,
           ast.BitAnd: operator.and_}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
            ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}
MAX_INT = 10 ** 15
MAX_LEN = 10_000
PLAIN = (int, float, str, bool, type(None), tuple, list, dict, range)


def plain(value: Any) -> bool:
    """A value made only of Python constants (the things folding works on)."""
    if isinstance(value, (tuple, list)):
        return all(plain(v) for v in value)
    if isinstance(value, dict):
        return all(plain(k) and plain(v) for k, v in value.items())
    return isinstance(value, PLAIN)


def _small(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= MAX_INT
    if isinstance(value, (str, tuple, list)):
        return len(value) <= MAX_LEN
    return True


class Scope:
    """Names and their values; a function's scope reads its defining scope's names."""

    def __init__(self, parent: "Scope | None" = None, defaults: dict | None = None):
        self.vars: dict[str, Any] = {}
        self.parent = parent
        self.once: dict[str, int] = {}  # in a function: how often its body assigns each name
        self.defaults = defaults if defaults is not None else (parent.defaults if parent else {})

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return True, scope.vars[name]
            scope = scope.parent
        return False, None

    def set(self, name: str, value: Any) -> None:
        self.vars[name] = value


def binop(op: ast.operator, left: Any, right: Any, line: int) -> Any:
    fn = _BINOPS.get(type(op))
    if fn is None or not (plain(left) and plain(right)):
        return Unknown("an operation on values grader cannot compute", line)
    if isinstance(op, ast.Pow) and isinstance(right, (int, float)) and abs(right) > 64:
        return Unknown("a power too large to compute", line)
    if isinstance(op, (ast.Mult, ast.LShift)) and any(isinstance(v, int) and v > MAX_LEN for v in (left, right)) \
            and any(isinstance(v, (str, tuple, list)) for v in (left, right)):
        return Unknown("a repetition too long to compute", line)
    if isinstance(op, ast.LShift) and isinstance(right, int) and right > 64:
        return Unknown("a shift too large to compute", line)
    try:
        value = fn(left, right)
    except Exception as exc:  # noqa: BLE001 - any Python error is a value the code cannot have
        return Unknown(f"the operation fails ({type(exc).__name__}: {exc})", line)
    return value if _small(value) else Unknown("a number too large to be a layer argument", line)


def compare(ops: list[ast.cmpop], values: list[Any], line: int) -> Any:
    if not all(plain(v) for v in values):
        return Unknown("a comparison of values grader cannot compute", line)
    for op, a, b in zip(ops, values, values[1:]):
        try:
            if not _COMPARE[type(op)](a, b):
                return False
        except TypeError as exc:
            return Unknown(f"the comparison fails ({exc})", line)
    return True


def unary(op: ast.unaryop, value: Any, line: int) -> Any:
    if not plain(value):
        return Unknown("an operation on a value grader cannot compute", line)
    try:
        return _UNARY[type(op)](value)
    except TypeError as exc:
        return Unknown(f"the operation fails ({exc})", line)


def _prod(values, start=1):
    out = start
    for v in values:
        out *= v
        if abs(out) > MAX_INT:
            raise OverflowError("too large")
    return out


# builtins and library functions folded when their arguments are known constants
FUNCTIONS = {
    "builtins.int": int, "builtins.float": float, "builtins.len": len, "builtins.tuple": tuple,
    "builtins.list": list, "builtins.min": min, "builtins.max": max, "builtins.abs": abs,
    "builtins.round": round, "builtins.sum": sum, "builtins.bool": bool, "builtins.str": str,
    "builtins.divmod": divmod,
    "math.prod": _prod, "math.floor": math.floor, "math.ceil": math.ceil, "math.sqrt": math.sqrt,
    "numpy.prod": _prod, "numpy.product": _prod, "numpy.floor": math.floor, "numpy.ceil": math.ceil,
    "numpy.sqrt": math.sqrt, "math.log2": math.log2, "numpy.log2": math.log2,
}
BUILTIN_NAMES = {name.split(".")[1] for name in FUNCTIONS if name.startswith("builtins.")} | {"range", "print",
                                                                                              "super", "isinstance"}


def call_function(path: str, args: list, kwargs: dict, line: int) -> Any:
    """A folded call of a known pure function, or Unknown."""
    fn = FUNCTIONS.get(path)
    if fn is None:
        return None
    if not all(plain(v) for v in [*args, *kwargs.values()]):
        return Unknown(f"{path.replace('builtins.', '')}() of values grader cannot compute", line)
    if path == "builtins.range":
        return Unknown("range()", line)
    try:
        value = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the code's own error: a value it cannot have
        return Unknown(f"{path.replace('builtins.', '')}() fails ({type(exc).__name__}: {exc})", line)
    if isinstance(value, float) and value.is_integer() and path.startswith(("math.floor", "math.ceil")):
        value = int(value)
    return value if _small(value) else Unknown("a value too large to be a layer argument", line)


def formatted(node: ast.JoinedStr, parts: list[Any], line: int) -> Any:
    """An f-string whose parts are known."""
    out = []
    for value_node, value in zip(node.values, parts):
        if isinstance(value_node, ast.Constant):
            out.append(str(value_node.value))
            continue
        if not plain(value):
            return Unknown("an f-string of values grader cannot compute", line)
        spec = value_node.format_spec if isinstance(value_node, ast.FormattedValue) else None
        if spec is not None:
            return Unknown("an f-string with a format specification", line)
        out.append(str(value))
    return "".join(out)
