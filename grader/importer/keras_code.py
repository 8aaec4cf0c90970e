"""Keras in model code: layer constructors (Keras 1/2 spellings included), ``Sequential``
with ``add``, ``Input`` and ``Model(inputs, outputs)``, and layers called on tensors.
"""
from __future__ import annotations

import ast
from typing import Any

from ..layers import kinds
from . import folding
from .signatures import KERAS_MERGE_FUNCTIONS, KERAS_OLD_TYPES, KERAS_POSITIONAL, keras_arguments
from .values import Functional, Layer, Node, Sequential, Unknown, describe

_OPERATORS = {ast.Add: "Add", ast.Sub: "Subtract", ast.Mult: "Multiply"}
# methods of a Keras model that train, evaluate or save it: nothing a shape depends on
_MODEL_METHODS = ("summary", "compile", "fit", "evaluate", "predict", "save", "save_weights", "load_weights",
                  "count_params", "get_config", "to_json", "fit_generator", "evaluate_generator")


def call_class(interp, name: str, args: list, kwargs: dict, node: ast.Call) -> Any:
    line = node.lineno
    if name == "Sequential":
        members = args[0] if args else kwargs.get("layers", [])
        if isinstance(members, Unknown):
            members = [members]
        elif not isinstance(members, (list, tuple)):
            members = [Unknown(f"Sequential({describe(members)})", line)]
        seq = Sequential("keras", [(None, m) for m in members], line,
                         name=kwargs.get("name") if isinstance(kwargs.get("name"), str) else None)
        for member in members:
            if isinstance(member, Sequential):
                member.used_in.append(line)
        interp.sequentials.append(seq)
        return seq
    if name in ("Model", "Functional"):
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        if inputs is None and outputs is None:
            return Unknown("a Keras Model() without inputs and outputs", line)
        model = Functional(_tensors(inputs), _tensors(outputs), line,
                           name=kwargs.get("name") if isinstance(kwargs.get("name"), str) else None)
        interp.functionals.append(model)
        return model
    if name == "Input":
        return model_input(args, kwargs, line)
    if name == "image_data_format":
        interp.note("K.image_data_format() read as 'channels_last', the Keras default", line)
        return "channels_last"
    if name == "image_dim_ordering":
        interp.note("K.image_dim_ordering() read as 'tf' (channels last), the Keras default", line)
        return "tf"
    if name in KERAS_MERGE_FUNCTIONS:  # layers.add([a, b]): a layer made and called at once
        layer = make_layer(interp, KERAS_MERGE_FUNCTIONS[name], [], {k: v for k, v in kwargs.items()
                                                                     if k != "inputs"}, node)
        tensors = args[0] if args else kwargs.get("inputs")
        return apply(interp, layer, [tensors], {}, line)
    return make_layer(interp, name, args, kwargs, node)


def _tensors(value: Any) -> list:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def model_input(args: list, kwargs: dict, line: int) -> Node:
    """``keras.Input(shape=...)``: a model input; its shape may be unknown (data-dependent)."""
    shape = args[0] if args else kwargs.get("shape")
    if shape is None and "batch_shape" in kwargs:
        batch = kwargs["batch_shape"]
        shape = tuple(batch[1:]) if isinstance(batch, (tuple, list)) else batch
    name = kwargs.get("name")
    return Node(None, (), line, framework="keras", input_name=name if isinstance(name, str) else None,
                shape=input_shape_value(shape, line))


def input_shape_value(shape: Any, line: int) -> Any:
    """A shape as written (an int, a tuple with None for the batch removed), or Unknown."""
    if isinstance(shape, Unknown):
        return shape
    if isinstance(shape, int) and not isinstance(shape, bool):
        return (shape,)
    if isinstance(shape, (tuple, list)) and folding.plain(shape):
        return tuple(shape)
    return Unknown(f"an input shape that is {describe(shape)}", line)


def make_layer(interp, type_name: str, args: list, kwargs: dict, node: ast.Call) -> Layer:
    line = node.lineno
    written = _written(node)
    new_type = KERAS_OLD_TYPES.get(type_name, type_name)
    if new_type != type_name:
        interp.note(f"{type_name} is {new_type} in Keras 3", line)
    new_type = kinds("keras")[new_type].type  # Convolution2D is Conv2D, MaxPool2D is MaxPooling2D
    kwargs, renamed = keras_arguments(type_name, kwargs)
    for old, new in renamed.items():
        interp.note(f"{written}: Keras 1/2's '{old}=' is '{new}=' in Keras 3", line)
    layer = interp.made(Layer("keras", new_type, {}, line, written=written))
    rank = {"Conv2D": 2, "Convolution2D": 2, "Conv3D": 3, "Convolution3D": 3}.get(type_name)
    if rank and len(args) == rank + 1 and "kernel_size" not in kwargs \
            and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        # Keras 1's Convolution2D(32, 3, 3): filters and the kernel's rows and columns
        # (Keras 2 still read it so, with a warning)
        interp.note(f"{written}: the Keras 1 form; kernel_size={tuple(args[1:])}", line)
        args = [args[0], tuple(args[1:])]
    names = KERAS_POSITIONAL.get(new_type, ())
    if len(args) > len(names):
        layer.error = Unknown(f"{written}: {len(args)} positional arguments, but grader knows only "
                              f"{len(names)} for {new_type} ({', '.join(names) or 'none'}); write the others "
                              "by name", line)
    layer.args.update(zip(names, args))
    for key, value in kwargs.items():
        if key == "name":
            layer.name = value if isinstance(value, str) else None
        elif key == "input_shape":
            layer.input_shape = input_shape_value(value, line)
        elif key in ("batch_input_shape", "batch_shape") and new_type != "InputLayer":
            layer.input_shape = input_shape_value(value[1:] if isinstance(value, (tuple, list)) else value, line)
        elif key == "input_dim" and new_type != "Embedding":
            layer.input_shape = input_shape_value(value, line)
        elif key == "input_length" and new_type == "Embedding":
            layer.input_shape = input_shape_value(value, line)
        elif key in layer.args:
            layer.error = Unknown(f"{written}: '{key}' given twice", line)
        else:
            layer.args[key] = value
    if new_type == "InputLayer":
        shape = layer.args.pop("shape", None)
        if shape is None and "batch_shape" in layer.args:
            batch = layer.args.pop("batch_shape")
            shape = batch[1:] if isinstance(batch, (tuple, list)) else batch
        if shape is not None:
            layer.input_shape = input_shape_value(shape, line)
    return layer


def _written(node: ast.Call) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 70 else text[:67] + "..."


def apply(interp, layer: Layer, args: list, kwargs: dict, line: int) -> Any:
    """A layer called on tensors (the functional API): a new graph node."""
    first = args[0] if args else kwargs.get("inputs", kwargs.get("query"))
    if isinstance(first, (list, tuple)):
        inputs = list(first)
    else:
        inputs = [first]
        if layer.type == "MultiHeadAttention":
            inputs += list(args[1:3]) + [kwargs[k] for k in ("value", "key") if k in kwargs]
    for value in inputs:
        if isinstance(value, Unknown):
            return value
        if not isinstance(value, Node):
            return Unknown(f"{layer.written or layer.type} called on {describe(value)}", line)
    if layer.type == "InputLayer":
        return Unknown("an InputLayer called on a tensor", line)
    layer.calls += 1
    return Node(layer, tuple(inputs), line, framework="keras", use=layer.calls, path=interp.node_path(layer))


def tensor_operator(interp, op: ast.operator, left: Any, right: Any, line: int) -> Any:
    """``x + y`` on Keras tensors is an Add layer; scaling by a number changes no shape."""
    if isinstance(left, Node) and isinstance(right, Node) and type(op) in _OPERATORS:
        type_name = _OPERATORS[type(op)]
        layer = interp.made(Layer("keras", type_name, {}, line, stem=type_name.lower(), written=f"x {_symbol(op)} y"))
        return apply(interp, layer, [[left, right]], {}, line)
    if isinstance(left, Node) != isinstance(right, Node):
        other = right if isinstance(left, Node) else left
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return left if isinstance(left, Node) else right
    return Unknown(f"an operation on tensors ({_symbol(op)}) that is not a layer grader can read", line)


def _symbol(op: ast.operator) -> str:
    return {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@"}.get(type(op), "?")


def sequential_method(interp, seq: Sequential, name: str, args: list, kwargs: dict, line: int) -> Any:
    if name == "add":
        member = args[0] if args else kwargs.get("layer")
        if isinstance(member, Sequential):
            member.used_in.append(line)
        seq.members.append((None, member))
        return None
    if name == "pop" and seq.members:
        seq.members.pop()
        return None
    if name == "build":
        shape = args[0] if args else kwargs.get("input_shape")
        if isinstance(shape, (tuple, list)) and shape:
            seq.built_shape = input_shape_value(tuple(shape[1:]), line)
        return None
    if name in _MODEL_METHODS:
        return Unknown(f"model.{name}()", line)
    return Unknown(f"model.{name}() is not something grader reads", line)
