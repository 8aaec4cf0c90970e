"""PyTorch layer kinds: table of cases checked in real PyTorch 2.13."""
from __future__ import annotations

import ast
import operator

_OPS = {ast.Add: operator.add, ast.Mult: operator.mul}


def evaluate_formula(text: str) -> int:
    """The value of a worked formula such as ``(3*3*3 + 1) * 64`` (+, * and integers only)."""
    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](value(node.left), value(node.right))
        raise ValueError(f"unexpected {ast.dump(node)} in formula {text!r}")
    return value(ast.parse(text, mode="eval").body)
