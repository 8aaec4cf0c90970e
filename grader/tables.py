"""Worked solutions as text: the terminal table, the Markdown of ``solutions/ID.md`` and
the JSON of ``solve --format json``, in the style of the origin notebook
(``(3*3*3 + 1) * 64 = 1,792``).
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from .engine import LayerSolution, Solution
from .exercise import Exercise
from .feedback import framework_name, number, shape_text


def worked(layer: LayerSolution) -> str:
    """``(3*3*3 + 1) * 64 = 1,792``, or ``0`` for a layer without weights."""
    if not layer.weights:
        return "0"
    if layer.formula == str(layer.params):
        return number(layer.params)
    return f"{layer.formula} = {number(layer.params)}"


def _sum_line(solution: Solution) -> str:
    parts = [number(layer.params) for layer in solution.layers if layer.params]
    total = number(solution.total_params)
    if len(parts) <= 1:
        return total
    return " + ".join(parts) + " = " + total


def _split_line(solution: Solution) -> str:
    return (f"trainable {number(solution.trainable_params)}, "
            f"non-trainable {number(solution.non_trainable_params)}")


def table(exercise: Exercise, solution: Solution) -> str:
    """The terminal table: layer, type, output shape, formula = params, and a total line."""
    macs = "macs" in exercise.ask
    rows = [("", name, "Input", shape_text(shape), "", "0", "0") for name, shape in solution.inputs.items()
            if not any(layer.name == name for layer in solution.layers)]
    for i, layer in enumerate(solution.layers, 1):
        formula = "" if not layer.weights or layer.formula == str(layer.params) else f"{layer.formula} ="
        rows.append((str(i), layer.name, layer.type, shape_text(layer.output_shape), formula,
                     number(layer.params), number(layer.macs)))
    header = ("#", "layer", "type", "output shape", "formula", "params", "MACs")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(7)]

    def fmt(r: Sequence[str]) -> str:
        line = (f"{r[0]:>{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:<{widths[3]}}  "
                f"{r[4]:>{widths[4]}} {r[5]:>{widths[5]}}")
        return (line + (f"  {r[6]:>{widths[6]}}" if macs else "")).rstrip()

    title = f"{exercise.id}: {exercise.title} ({exercise.framework})"
    if exercise.variables:
        title += "\nvariant: " + ", ".join(f"{k}={v}" for k, v in exercise.variables.items())
    lines = [title, "", fmt(header), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in rows]
    lines.append("")
    lines.append(f"Total params: {_sum_line(solution)}")
    lines.append(f"  ({_split_line(solution)})")
    if macs:
        lines.append(f"Total MACs: {number(solution.total_macs)}")
    return "\n".join(lines) + "\n"


def markdown(exercise: Exercise, solution: Solution) -> str:
    """The worked solution as Markdown (``solutions/ID.md``)."""
    lines = [f"# {exercise.title}", "", f"Exercise `{exercise.id}` ({framework_name(exercise.framework)}).", ""]
    if exercise.variables:
        lines += ["Variant: " + ", ".join(f"`{k}` = {v}" for k, v in exercise.variables.items()), ""]
    if exercise.instructions.strip():
        lines += [exercise.instructions.strip(), ""]
    inputs = ", ".join(f"`{name}` {shape_text(shape)}" for name, shape in solution.inputs.items())
    if inputs:
        lines += [f"Input: {inputs} (without the batch dimension).", ""]
    macs = "macs" in exercise.ask
    lines += ["| # | layer | type | output shape | parameters |" + (" MACs |" if macs else ""),
              "|---:|---|---|---|---:|" + ("---:|" if macs else "")]
    for i, layer in enumerate(solution.layers, 1):
        lines.append(f"| {i} | {layer.name} | {layer.type} | {shape_text(layer.output_shape)} | "
                     f"{_md_worked(layer)} |" + (f" {number(layer.macs)} |" if macs else ""))
    lines += ["", f"**Total: {number(solution.total_params)} parameters** "
                  f"({number(solution.trainable_params)} trainable, "
                  f"{number(solution.non_trainable_params)} non-trainable).", "",
              f"Sum of the layers: {_sum_line(solution)}."]
    if macs:
        lines += ["", f"One forward pass: {number(solution.total_macs)} multiply-accumulates (MACs)."]
    return "\n".join(lines) + "\n"


def _md_worked(layer: LayerSolution) -> str:
    text = worked(layer).replace("*", "\\*")
    if layer.non_trainable_params:
        text += f" ({number(layer.non_trainable_params)} non-trainable)"
    return text


def solution_json(exercise: Exercise, solution: Solution) -> str:
    """SPEC section 4's ``solve --format json`` object, one line per layer.

    A variant also carries ``student`` and ``variables`` (the values it was drawn with).
    """
    out: dict[str, Any] = {"exercise": exercise.id, **solution.to_json()}
    if exercise.variables:
        out["student"] = exercise.student
        out["variables"] = dict(exercise.variables)
    lines = []
    for key, value in out.items():
        if key == "layers":
            rows = ",\n".join("    " + json.dumps(layer, ensure_ascii=False) for layer in value)
            lines.append(f'  "layers": [\n{rows}\n  ]')
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"
