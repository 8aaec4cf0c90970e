"""The models a source defines, the one to import, and its layers in order with their names
and inputs — what the YAML writer needs.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from ..errors import GraderError
from ..exercise import default_name
from ..layers import snake_case
from .comments import comment_of, comment_shape
from .interpreter import Interpreter
from .values import ClassDef, Functional, Instance, Layer, Node, Sequential, Unknown, describe, method_of

_KIND = {Sequential: "Sequential", Functional: "Keras Model", Instance: "module", ClassDef: "class"}


@dataclass
class Candidate:
    label: str                 # as listed: "model", "Net", "model = Net()"
    names: tuple[str, ...]     # what --model matches
    framework: str
    value: Any
    line: int

    def describe(self, source) -> str:
        kind = {"keras": "Keras", "pytorch": "PyTorch"}[self.framework]
        what = "Sequential" if isinstance(self.value, Sequential) else \
            "Model" if isinstance(self.value, Functional) else "class"
        return f"{self.label} ({kind} {what}, {source.place(self.line)})"


@dataclass
class ImportedLayer:
    node: Node
    name: str | None                     # None: the grader's default name is right
    inputs: tuple[str, ...] | None       # None: the previous layer's output


@dataclass
class ImportedModel:
    framework: str
    label: str                           # as listed: "model", "net = SmallNet()"
    title: str                           # for the exercise title: "model", "SmallNet"
    inputs: dict[str, Any]               # name -> shape (tuple)
    input_lines: dict[str, int]
    layers: list[ImportedLayer]
    line: int
    lines: set[int] = field(default_factory=set)   # the code that builds it, for the instructions


def candidates(interp: Interpreter) -> list[Candidate]:
    """Every model the source defines at the top level, in the order of the code."""
    found: dict[int, Candidate] = {}
    instantiated = {id(obj.cls) for obj in interp.instances}
    inside = _blocks(interp.classes)
    for name, value in interp.globals.vars.items():
        key = id(value)
        if key in found:
            found[key].names += (name,)
            continue
        if isinstance(value, Sequential) and not value.used_in:
            names = (name,) + ((value.name,) if value.name else ())
            found[key] = Candidate(name, names, value.framework, value, value.line)
        elif isinstance(value, Functional):
            names = (name,) + ((value.name,) if value.name else ())
            found[key] = Candidate(name, names, "keras", value, value.line)
        elif isinstance(value, Instance) and value.cls.framework:
            found[key] = Candidate(f"{name} = {value.cls.name}()", (name, value.cls.name), value.cls.framework,
                                   value, value.line)
    for cls in interp.classes:
        if id(cls) not in instantiated and cls.name not in inside and method_of(cls, _forward(cls)):
            found[id(cls)] = Candidate(cls.name, (cls.name,), cls.framework, cls, cls.node.lineno)
    return sorted(found.values(), key=lambda c: c.line)


def _forward(cls: ClassDef) -> str:
    return "call" if cls.framework == "keras" else "forward"


def _blocks(classes: list[ClassDef]) -> set[str]:
    """Classes another class of the source makes: blocks of a model, not models."""
    names = {cls.name for cls in classes}
    used: set[str] = set()
    for cls in classes:
        for node in ast.walk(cls.node):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names \
                    and node.func.id != cls.name:
                used.add(node.func.id)
    return used


def choose(found: list[Candidate], wanted: str | None, framework: str | None, source) -> Candidate:
    if framework:
        found = [c for c in found if c.framework == framework]
    listing = "; ".join(c.describe(source) for c in found)
    if wanted:
        matches = [c for c in found if wanted in c.names]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise GraderError(f"no model named '{wanted}'" + (f"; the models are: {listing}" if found else
                                                             "; grader found no model"), file=source.path)
        raise GraderError(f"several models are named '{wanted}': {listing}", file=source.path)
    if not found:
        what = {"keras": "Keras", "pytorch": "PyTorch"}.get(framework or "", "Keras or PyTorch")
        raise GraderError(f"no {what} model found: grader reads keras Sequential and Model(inputs, outputs), "
                          "nn.Sequential and nn.Module classes (with forward)", file=source.path)
    if len(found) > 1:
        raise GraderError(f"{len(found)} models: {listing}; pick one with --model NAME", file=source.path)
    return found[0]


def flatten(interp: Interpreter, chosen: Candidate, shapes: dict[str | None, tuple]) -> ImportedModel:
    """The chosen model's graph, followed from its inputs to its outputs."""
    value = chosen.value
    source = interp.source
    if isinstance(value, ClassDef):
        value = interp.instantiate(value, [], {}, value.node.lineno)
    if isinstance(value, Sequential):
        if value.broken is not None:
            raise _error(source, value.broken, f"model '{chosen.label}'")
        shape, line = _sequential_shape(value, interp)
        start = Node(None, (), line, framework=value.framework, input_name="input",
                     shape=_given(shapes, "input") or value.built_shape or shape)
        inputs, outputs = [start], [interp.chain(value, start, None, None)]
    elif isinstance(value, Functional):
        inputs, outputs = value.inputs, value.outputs
        for index, node in enumerate(inputs):
            if isinstance(node, Node) and node.layer is None:
                node.input_name = node.input_name or f"input_{index + 1}"
                node.shape = _given(shapes, node.input_name, len(inputs)) or node.shape
    else:
        inputs, outputs = _run_forward(interp, value, shapes)
    for out in outputs:
        if not isinstance(out, Node):
            raise _error(source, out if isinstance(out, Unknown) else Unknown(f"the model's output is {describe(out)}",
                                                                              chosen.line), f"model '{chosen.label}'")
    nodes = _reachable(outputs, inputs, source, chosen)
    if not nodes:
        raise source.error(f"model '{chosen.label}' has no layers", chosen.line)
    model_inputs = _input_names(inputs, nodes)
    for node in inputs:
        if isinstance(node.shape, Unknown) or node.shape is None:
            raise _no_shape(source, chosen, node, len(inputs))
    layers = _named(nodes, model_inputs, chosen.framework)
    lines = {chosen.line} | {n.line for n in nodes} | {n.layer.line for n in nodes} | {n.line for n in inputs}
    title = chosen.names[-1] if isinstance(chosen.value, (Instance, ClassDef)) else chosen.names[0]
    return ImportedModel(chosen.framework, chosen.label, title, {model_inputs[id(n)]: tuple(n.shape) for n in inputs},
                         {model_inputs[id(n)]: n.line for n in inputs}, layers, chosen.line, lines)


def _no_shape(source, chosen: Candidate, node: Node, count: int) -> GraderError:
    order = "channels first, e.g. 1,28,28" if chosen.framework == "pytorch" else "e.g. 28,28,1"
    option = "--input-shape" if count == 1 else f"--input-shape {node.input_name}=..."
    advice = f"pass {option} with the shape of one example without the batch dimension ({order})"
    if isinstance(node.shape, Unknown):
        return source.error(f"the input shape of '{chosen.label}' on {source.place(node.line)} is computed by "
                            f"code grader does not run ({node.shape.reason}): {advice}", node.shape.line or node.line)
    comment = comment_of(source.lines.get(node.line, ""))
    claimed = comment_shape(comment) if comment else None
    hint = f" (a comment says {'x'.join(map(str, claimed))})" if claimed else ""
    return source.error(f"the input shape of '{chosen.label}' is not in the code{hint}: {advice}", node.line)


def _error(source, unknown: Unknown, what: str) -> GraderError:
    return source.error(f"cannot follow {what}: {unknown.reason}", unknown.line)


def _given(shapes: dict[str | None, tuple], name: str, count: int = 1) -> tuple | None:
    if name in shapes:
        return shapes[name]
    if None in shapes and count == 1:
        return shapes[None]
    return None


def _sequential_shape(seq: Sequential, interp: Interpreter) -> tuple[Any, int]:
    """The input shape of a Sequential and its line: a keras.Input or InputLayer first,
    input_shape= on the first layer (Keras), or in_features of a first nn.Linear (an MLP)."""
    first = _first_member(seq)
    if isinstance(first, Node) and first.layer is None:
        return first.shape, first.line
    if isinstance(first, Layer):
        if first.input_shape is not None:
            return first.input_shape, first.line
        if first.framework == "pytorch" and first.type == "Linear" and isinstance(first.args.get("in_features"), int):
            interp.note(f"input shape [{first.args['in_features']}] from the first nn.Linear; pass --input-shape "
                        "for another", first.line)
            return (first.args["in_features"],), first.line
    return None, seq.line


def _first_member(seq: Sequential) -> Any:
    for _, member in seq.members:
        return _first_member(member) if isinstance(member, Sequential) else member
    return None


def _run_forward(interp: Interpreter, obj: Instance, shapes: dict) -> tuple[list[Node], list]:
    method = method_of(obj.cls, _forward(obj.cls))
    if method is None:
        raise interp.source.error(f"{obj.cls.name} has no {_forward(obj.cls)}() method", obj.cls.node.lineno)
    params = [a.arg for a in method.node.args.posonlyargs + method.node.args.args][1:]
    params = [p for p in params if not _has_default(method.node, p)] or params[:1]
    inputs = []
    for name in params:
        shape = _given(shapes, name if len(params) > 1 else "input", len(params)) or _given(shapes, name) \
            or (obj.example_shape if len(params) == 1 else None)
        inputs.append(Node(None, (), method.node.lineno, framework=obj.cls.framework,
                           input_name="input" if len(params) == 1 else name, shape=shape))
    result = interp.run_method(obj, method, inputs, {}, method.node.lineno)
    outputs = list(result.values()) if isinstance(result, dict) else \
        list(result) if isinstance(result, (tuple, list)) else [result]
    if isinstance(result, Unknown):
        raise _error(interp.source, result, f"{obj.cls.name}.{method.node.name}()")
    return inputs, outputs


def _has_default(fn: ast.FunctionDef, name: str) -> bool:
    args = fn.args.posonlyargs + fn.args.args
    return name in [a.arg for a in args[len(args) - len(fn.args.defaults):]] if fn.args.defaults else False


def _reachable(outputs: list[Node], inputs: list[Node], source, chosen: Candidate) -> list[Node]:
    seen: dict[int, Node] = {}
    stack = list(outputs)
    allowed = {id(n) for n in inputs}
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in allowed:
            continue
        if node.layer is None:
            raise source.error(f"model '{chosen.label}' reads an input that is not among its inputs", node.line)
        if node.layer.error is not None:
            raise _error(source, node.layer.error, f"model '{chosen.label}'")
        seen[id(node)] = node
        stack.extend(node.inputs)
    return sorted(seen.values(), key=lambda n: n.order)


def _input_names(inputs: list[Node], nodes: list[Node]) -> dict[int, str]:
    if len(inputs) == 1:
        return {id(inputs[0]): "input"}
    names: dict[int, str] = {}
    for index, node in enumerate(inputs):
        name = node.input_name or f"input_{index + 1}"
        while name in names.values():
            name += "_"
        names[id(node)] = name
    return names


def _named(nodes: list[Node], inputs: dict[int, str], framework: str) -> list[ImportedLayer]:
    """Names from the code (Keras name=, module attributes, variables), numbered when a module is
    used again; a layer left unnamed gets the grader's default name unless that would clash."""
    wanted = [_wanted_name(node, framework) for node in nodes]
    taken = set(inputs.values())
    final: list[str | None] = []
    for name in wanted:
        if name is not None:
            base, n = name, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
        final.append(name)
    explicit = {n for n in final if n is not None}
    known = set(inputs.values())
    counters: dict[str, int] = {}
    names: dict[int, str] = dict(inputs)
    out: list[ImportedLayer] = []
    previous = next(iter(inputs.values())) if len(inputs) == 1 else None
    for node, name in zip(nodes, final):
        if name is None:
            probe = dict(counters)
            default = default_name(snake_case(node.layer.type), probe, known)
            if default in explicit:  # the default would clash with a name given later: give another
                name = default
                while name in explicit or name in known:
                    name += "_"
            else:
                counters.update(probe)
                known.add(default)
                names[id(node)] = default
        if name is not None:
            known.add(name)
            names[id(node)] = name
        reads = tuple(names[id(i)] for i in node.inputs)
        out.append(ImportedLayer(node, name, None if reads == (previous,) and previous is not None else reads))
        previous = names[id(node)]
    return out


def _wanted_name(node: Node, framework: str) -> str | None:
    layer = node.layer
    if layer.name or node.path:
        name = layer.name or node.path
    elif framework == "pytorch" and layer.stem:  # F.relu, a + b: the variable, else the function
        name = node.prefix + (node.var or layer.stem)
    else:
        name = layer.var
    if name is not None and node.use > 1:
        name = f"{name}_{node.use}"
    return name
