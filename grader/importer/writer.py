"""The exercise YAML an instructor would write for an imported model (SPEC section 1): the
framework's names, only the arguments that differ from the defaults, the names from the
code, the usual ``ask`` and ``grading``, an ``instructions`` placeholder quoting the code,
and a comment with the source line of every layer.
"""
from __future__ import annotations

import ast
import os
import re
import textwrap
from typing import Any

import yaml

from ..errors import ArgumentError
from ..layers import lookup
from . import folding
from .models import ImportedModel
from .signatures import IGNORED_DEFAULTS
from .sources import Source
from .values import Layer, Ref, Unknown, describe

_LAYOUTS = {"keras": ["channels_last", "channels_first"], "pytorch": ["channels_first"]}
MAX_CODE_LINES = 120


def arguments(layer: Layer, source: Source, notes: list[str]) -> dict[str, Any]:
    """The layer's arguments as the YAML writes them: known, non-default, plain values."""
    kind = lookup(layer.framework, layer.type)
    out: dict[str, Any] = {}
    for key, raw in layer.args.items():
        if key in kind.args:
            value = _value(raw, source, notes, key)
            if isinstance(value, Unknown):
                raise source.error(f"{layer.written or layer.type}: cannot read '{key}': {value.reason}",
                                   value.line or layer.line)
            if not folding.plain(value):
                raise source.error(f"{layer.written or layer.type}: '{key}' is {describe(value)}, not a value "
                                   "grader can write", layer.line)
            if not _is_default(kind, key, value, layer.args):
                out[key] = value
        elif key in kind.ignored:
            value = _value(raw, source, notes, key)
            defaults = IGNORED_DEFAULTS.get((layer.framework, kind.type), {})
            if key in defaults and folding.plain(value) and value != defaults[key] \
                    and not (key == "activation" and value == "linear"):
                out[key] = value
        elif key != "**":
            notes.append(f"{source.place(layer.line)}: {layer.written or layer.type}: '{key}' is not an argument "
                         f"of {layer.type} that grader knows; left out")
        elif isinstance(raw, Unknown):
            raise source.error(f"{layer.written or layer.type}: {raw.reason}", layer.line)
    return out


def _value(value: Any, source: Source, notes: list[str], key: str) -> Any:
    if isinstance(value, Layer):  # the layer a Bidirectional or TimeDistributed wraps
        return {"type": value.type, **arguments(value, source, notes)}
    if isinstance(value, Ref):
        if key in ("activation", "recurrent_activation"):   # activation=tf.nn.relu, activation=F.gelu
            return value.name
        return Unknown(f"{value.path} comes from another module; grader reads only this source")
    if isinstance(value, (tuple, list)):
        return [_value(v, source, notes, key) for v in value]
    return value


def _is_default(kind, key: str, value: Any, args: dict) -> bool:
    arg = kind.args[key]
    try:
        converted = arg.convert(value, key)
        if key in ("strides", "stride") and "Pool" in kind.type:
            window = args.get("pool_size", args.get("kernel_size"))
            if window is not None and converted == kind.args["pool_size" if "pool_size" in kind.args
                                                              else "kernel_size"].convert(_list(window), key):
                return True  # a pooling stride equal to its window is the default
        return not arg.required and converted == arg.convert(arg.default, key)
    except (ArgumentError, TypeError, ValueError):
        return False  # left for the exercise loader to report


def _list(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def flow(value: Any) -> str:
    """A value in YAML flow style, as the shipped exercises write it."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1_000_000, sort_keys=False,
                          allow_unicode=True).strip()
    return text[:-3].strip() if text.endswith("\n...") else text


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "imported-model"


def write_yaml(model: ImportedModel, source: Source, *, ident: str, notes: list[str]) -> tuple[str, dict[int, int]]:
    """The exercise text, and for each YAML line of a layer the index of that layer."""
    name = os.path.basename(source.path)
    lines = [f"# Imported by `grader import` from {name} ({model.label}): check the instructions, ask and grading.",
             f"id: {ident}",
             f"title: {flow(f'Output shapes and parameters of {model.title} ({name})')}",
             f"framework: {model.framework}",
             "instructions: |"]
    lines += ["  " + line if line else "" for line in _instructions(model, source).split("\n")]
    origin: dict[int, int] = {}
    if len(model.inputs) == 1:
        (input_name, shape), = model.inputs.items()
        lines.append(_commented(f"input_shape: {flow(list(shape))}", source.place(model.input_lines[input_name])))
    else:
        lines.append("inputs:")
        for input_name, shape in model.inputs.items():
            lines.append(_commented(f"  {input_name}: {flow(list(shape))}",
                                    source.place(model.input_lines[input_name])))
    lines.append("layers:")
    body = []
    for item in model.layers:
        layer = item.node.layer
        entry: dict[str, Any] = {"type": layer.type}
        if item.name is not None:
            entry["name"] = item.name
        if item.inputs is not None:
            entry["inputs"] = item.inputs[0] if len(item.inputs) == 1 else list(item.inputs)
        entry.update(arguments(layer, source, notes))
        body.append((f"  - {flow(entry)}", _place(item, source)))
    width = min(max((len(text) for text, _ in body), default=0) + 2, 100)
    for index, (text, place) in enumerate(body):
        origin[len(lines) + 1] = index
        lines.append(_commented(text, place, width))
    lines += ["ask:", "  output_shape: 1", "  params: 1", "  total_params: 2",
              "grading:", "  follow_through: true", f"  layouts: {flow(_LAYOUTS[model.framework])}",
              "  reveal: answers"]
    return "\n".join(lines) + "\n", origin


def _place(item, source: Source) -> str:
    """Where a layer is in the code: its line, the helper call that made it, the call that reuses it."""
    layer = item.node.layer
    if layer.site is not None:
        (label, _), (own, line) = source.where(layer.site), source.where(layer.line)
        return f"{source.place(layer.site)} via {layer.helper}() ({'line ' if own == label else own + ':'}{line})"
    if item.node.use > 1:
        return f"{source.place(item.node.line)}, {layer.var or layer.type} again"
    return source.place(layer.line)


def _commented(text: str, place: str, width: int = 0) -> str:
    return f"{text.ljust(width)}  # {place}" if place else text


def _instructions(model: ImportedModel, source: Source) -> str:
    name = os.path.basename(source.path)
    code = model_code(source, model.lines)
    text = ("TODO: what students should do. Work out every layer's output shape (without the batch\n"
            "dimension) and number of parameters, then the model's total.")
    if code:
        text += f"\n\nThe model, as written in {name}:\n\n```python\n{code}\n```"
    return text


def model_code(source: Source, wanted: set[int]) -> str:
    """The statements of the source that build the model, in order, dedented."""
    pieces: list[tuple[int, str]] = []

    def visit(statements: list[ast.stmt]) -> None:
        for s in statements:
            end = getattr(s, "end_lineno", s.lineno) or s.lineno
            if not any(s.lineno <= line <= end for line in wanted):
                continue
            bodies = [] if isinstance(s, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) else \
                [getattr(s, attr) for attr in ("body", "orelse", "finalbody") if getattr(s, attr, None)]
            if bodies and isinstance(s, (ast.If, ast.With, ast.Try)):
                for body in bodies:
                    visit(body)
            else:
                first = min([d.lineno for d in getattr(s, "decorator_list", [])] + [s.lineno])
                pieces.append((first, textwrap.dedent(source.segment(first, end)).rstrip()))

    visit(source.statements)
    text = "\n".join(piece for _, piece in sorted(pieces))
    lines = text.split("\n")
    if len(lines) > MAX_CODE_LINES:
        lines = lines[:MAX_CODE_LINES] + ["# ..."]
    return "\n".join(line.rstrip() for line in lines)
