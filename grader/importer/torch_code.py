"""PyTorch in model code: ``nn`` constructors (``Lazy*`` included), ``nn.Sequential``, and what
a ``forward`` does to tensors — modules called, ``F.relu``/``F.max_pool2d`` and other
functions that are layers, ``x.view(-1, ...)``/``flatten``/``reshape``, ``+``, ``torch.cat``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from . import folding
from .signatures import TORCH_EXAMPLES, TORCH_FUNCTIONS, TORCH_LAZY, TORCH_METHODS, TORCH_POSITIONAL, call_only
from .values import Batch, Example, Layer, Node, Sequential, Unknown, describe

__all__ = ["TORCH_EXAMPLES", "TensorShape", "call_class", "call_function", "apply", "tensor_method",
           "tensor_operator", "sequential_method", "example", "summary", "returns_tuple"]

_OPERATORS = {ast.Add: "Add", ast.Mult: "Multiply"}
_TUPLE_OUTPUT = ("RNN", "LSTM", "GRU", "MultiheadAttention")
_SAME = ("contiguous", "float", "to", "detach", "clone", "cuda", "cpu", "type_as", "requires_grad_")
_DROPPED = ("device", "dtype")


@dataclass(frozen=True)
class TensorShape:
    """``x.shape`` (or ``x.size()``) of a tensor in ``forward``: only its batch size is known."""

    node: Node


def returns_tuple(node: Node) -> bool:
    return node.layer is not None and node.layer.type in _TUPLE_OUTPUT


def call_class(interp, name: str, args: list, kwargs: dict, node: ast.Call) -> Any:
    line = node.lineno
    if name == "Sequential":
        if len(args) == 1 and isinstance(args[0], dict):
            members = [(str(k), v) for k, v in args[0].items()]
        else:
            members = [(None, a) for a in args]
        for _, member in members:
            if isinstance(member, Sequential):
                member.used_in.append(line)
        seq = Sequential("pytorch", members, line)
        interp.sequentials.append(seq)
        return seq
    if name == "ModuleList":
        value = args[0] if args else kwargs.get("modules", [])
        return list(value) if isinstance(value, (list, tuple)) else value
    if name == "ModuleDict":
        value = args[0] if args else kwargs.get("modules", {})
        return dict(value) if isinstance(value, dict) else value
    if name == "Module":
        return Unknown("an empty nn.Module()", line)
    type_name = TORCH_LAZY.get(name, name)
    names = TORCH_POSITIONAL.get(type_name, ())
    if name in TORCH_LAZY:
        names = names[1:]   # nn.LazyConv2d(out_channels, ...): in_channels comes from the first input
    written = _written(node)
    layer = interp.made(Layer("pytorch", type_name, {}, line, written=written))
    if len(args) > len(names):
        layer.error = Unknown(f"{written}: {len(args)} positional arguments, but grader knows only "
                              f"{len(names)} for nn.{name} ({', '.join(names) or 'none'}); write the others "
                              "by name", line)
    layer.args.update(zip(names, args))
    for key, value in kwargs.items():
        if key in layer.args:
            layer.error = Unknown(f"{written}: '{key}' given twice", line)
        elif key not in _DROPPED:
            layer.args[key] = value
    return layer


def _written(node: ast.Call) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 70 else text[:67] + "..."


def apply(interp, layer: Layer, args: list, kwargs: dict, line: int) -> Any:
    """A module called on tensors in ``forward``: a new graph node."""
    inputs = list(args) if layer.type == "MultiheadAttention" else list(args[:1])
    if layer.type == "MultiheadAttention":
        inputs += [kwargs[k] for k in ("query", "key", "value") if k in kwargs]
        # self.attn(x, x, x) is self-attention: one input; (q, kv, kv) two, as grader writes them
        if len(inputs) == 3 and inputs[1] is inputs[2]:
            inputs = inputs[:1] if inputs[0] is inputs[1] else inputs[:2]
    if not inputs:
        return Unknown(f"{layer.written or layer.type} called without a tensor", line)
    for value in inputs:
        if isinstance(value, Unknown):
            return value
        if not isinstance(value, Node):
            return Unknown(f"{layer.written or layer.type} called on {describe(value)}", line)
    layer.calls += 1
    return Node(layer, tuple(inputs), line, framework="pytorch", use=layer.calls, path=_path(interp, layer),
                prefix=interp.prefix)


def _path(interp, layer: Layer) -> str | None:
    return interp.node_path(layer)


def _function_layer(interp, type_name: str, args: dict, stem: str, line: int, written: str) -> Layer:
    return interp.made(Layer("pytorch", type_name, args, line, stem=stem, written=written))


def call_function(interp, name: str, args: list, kwargs: dict, line: int) -> Any:
    """``F.relu(x)``, ``torch.flatten(x, 1)``, ``torch.cat([a, b], dim=1)``, ``torch.add(a, b)``."""
    written = f"{name}(...)"
    if name in ("cat", "concat", "concatenate"):
        tensors = args[0] if args else kwargs.get("tensors")
        dim = args[1] if len(args) > 1 else kwargs.get("dim", kwargs.get("axis", 0))
        if dim == 0:
            return Unknown(f"torch.{name} along dim 0 joins batches, not features", line)
        layer = _function_layer(interp, "Cat", {"dim": dim}, "cat", line, f"torch.{name}(..., dim={dim})")
        if not isinstance(tensors, (list, tuple)):
            return Unknown(f"torch.{name} of {describe(tensors)}", line)
        return _apply_many(interp, layer, list(tensors), line)
    if name in ("add", "mul", "multiply"):
        type_name = "Add" if name == "add" else "Multiply"
        layer = _function_layer(interp, type_name, {}, type_name.lower(), line, f"torch.{name}(a, b)")
        return _apply_many(interp, layer, list(args[:2]), line)
    type_name, names = TORCH_FUNCTIONS[name]
    x = args[0] if args else kwargs.get("input")
    given = dict(zip(names, args[1:]))
    given.update({k: v for k, v in kwargs.items() if k != "input"})
    layer_args = {k: v for k, v in given.items() if not call_only(k)}
    if name == "flatten" and layer_args.get("start_dim", 0) == 0:
        return Unknown("torch.flatten(x) also flattens the batch dimension; torch.flatten(x, 1) keeps it", line)
    if "kernel_size" in layer_args and layer_args.get("stride") is None:
        layer_args.pop("stride", None)  # F.max_pool2d(x, 2): the stride defaults to the window
    layer = _function_layer(interp, type_name, layer_args, name.rstrip("_"), line, written)
    return apply(interp, layer, [x], {}, line)


def _apply_many(interp, layer: Layer, tensors: list, line: int) -> Any:
    for value in tensors:
        if isinstance(value, Unknown):
            return value
        if not isinstance(value, Node):
            return Unknown(f"{layer.written} of {describe(value)}", line)
    layer.calls += 1
    return Node(layer, tuple(tensors), line, framework="pytorch", path=_path(interp, layer), prefix=interp.prefix)


def tensor_operator(interp, op: ast.operator, left: Any, right: Any, line: int) -> Any:
    """``out + x`` in forward is an Add layer, ``a * b`` a Multiply; scaling changes no shape."""
    if isinstance(left, Node) and isinstance(right, Node) and type(op) in _OPERATORS:
        type_name = _OPERATORS[type(op)]
        symbol = "+" if type_name == "Add" else "*"
        layer = _function_layer(interp, type_name, {}, type_name.lower(), line, f"a {symbol} b")
        return _apply_many(interp, layer, [left, right], line)
    if isinstance(left, Node) != isinstance(right, Node):
        other = right if isinstance(left, Node) else left
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return left if isinstance(left, Node) else right
    return Unknown("an operation on tensors that is not a layer grader can read", line)


def tensor_method(interp, node: Node, name: str, args: list, kwargs: dict, line: int) -> Any:
    if name in _SAME:
        return node
    if name == "size":
        dim = args[0] if args else kwargs.get("dim")
        if dim is None:
            return TensorShape(node)
        if dim == 0:
            return Batch()
        return Unknown(f"x.size({dim}) is known only when the model runs; write the number", line)
    if name in ("view", "reshape"):
        sizes = list(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else list(args)
        return reshape(interp, node, sizes, line, f"x.{name}({', '.join(_size_text(s) for s in sizes)})")
    if name == "flatten":
        start = args[0] if args else kwargs.get("start_dim", 0)
        end = args[1] if len(args) > 1 else kwargs.get("end_dim", -1)
        return call_function(interp, "flatten", [node, start, end], {}, line)
    if name in TORCH_METHODS:
        return call_function(interp, name, [node, *args], kwargs, line)
    return Unknown(f"x.{name}(...) ({interp.source.place(line)}) is not a layer grader can read", line)


def _size_text(value: Any) -> str:
    return "x.size(0)" if isinstance(value, Batch) else str(value) if folding.plain(value) else "?"


def reshape(interp, node: Node, sizes: list, line: int, written: str) -> Any:
    """``x.view(-1, 400)``, ``x.view(x.size(0), -1)`` (Flatten) and ``x.view(-1, 1, 28, 28)``
    (Unflatten of a flat input)."""
    for value in sizes:
        if isinstance(value, Unknown):
            return value
    if not sizes or not (isinstance(sizes[0], Batch) or sizes[0] == -1):
        return Unknown(f"{written} does not keep the batch dimension first (x.size(0) or -1)", line)
    rest = sizes[1:]
    if not rest or not all(isinstance(v, int) and not isinstance(v, bool) and (v >= 1 or v == -1) for v in rest) \
            or (sizes[0] == -1 and -1 in rest) or rest.count(-1) > 1:
        return Unknown(f"{written}: grader reads view/reshape that keep the batch and give the other sizes "
                       "(x.view(-1, 400), x.view(x.size(0), -1))", line)
    if len(rest) == 1:
        layer = _function_layer(interp, "Flatten", {}, "flatten", line, written)
        out = apply(interp, layer, [node], {}, line)
        if isinstance(out, Node) and rest[0] != -1:
            out.checks.append(("size", rest[0], line, written))
        return out
    layer = _function_layer(interp, "Unflatten", {"dim": 1, "unflattened_size": tuple(rest)}, "unflatten",
                            line, written)
    out = apply(interp, layer, [node], {}, line)
    if isinstance(out, Node):
        out.checks.append(("flat", None, line, written))
    return out


def sequential_method(interp, seq: Sequential, name: str, args: list, kwargs: dict, line: int) -> Any:
    if name in ("append", "add") and len(args) == 1:
        seq.members.append((None, args[0]))
        return seq
    if name == "add_module" and len(args) == 2:
        seq.members.append((str(args[0]), args[1]))
        return None
    if name == "extend" and len(args) == 1 and isinstance(args[0], (list, tuple)):
        seq.members.extend((None, m) for m in args[0])
        return seq
    if name in ("to", "cuda", "cpu", "eval", "train", "float", "double"):
        return seq
    return Unknown(f"nn.Sequential.{name}()", line)


def example(args: list, kwargs: dict, line: int) -> Any:
    """``torch.randn(1, 1, 28, 28)``: a tensor whose shape the code gives."""
    shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args or kwargs.get("size")
    if isinstance(shape, (tuple, list)) and shape and all(isinstance(d, int) and not isinstance(d, bool) and d >= 1
                                                          for d in shape):
        return Example(tuple(shape))
    return Unknown("a tensor of a shape grader cannot compute", line)


def summary(interp, library: str, args: list, kwargs: dict, line: int) -> Any:
    """``torchsummary.summary(model, (1, 28, 28))`` (no batch) or ``torchinfo.summary(model,
    input_size=(64, 1, 28, 28))`` (with the batch): the input shape the code gives."""
    model = args[0] if args else kwargs.get("model")
    size = args[1] if len(args) > 1 else kwargs.get("input_size", kwargs.get("input_data"))
    if isinstance(size, Example):
        shape: Any = size.shape[1:]
    elif isinstance(size, (tuple, list)) and size and all(isinstance(d, int) for d in size):
        shape = tuple(size) if library == "torchsummary" else tuple(size[1:])
    else:
        return None
    if isinstance(model, Sequential):
        model.built_shape = shape
    elif hasattr(model, "example_shape"):
        model.example_shape = shape
    return None
