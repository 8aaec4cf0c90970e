"""Worked solutions as text: the terminal table and the Markdown of ``solutions/ID.md``,
in the style of the origin notebook (``(3*3*3 + 1) * 64 = 1,792``).
"""
from __future__ import annotations

from typing import Sequence

from .engine import LayerSolution, Solution
from .exercise import Exercise


def shape_text(shape: Sequence[int]) -> str:
    """``6x6x64``: how students write shapes (and how the origin notebook does)."""
    return "x".join(str(d) for d in shape)


def number(n: int) -> str:
    return f"{n:,}"


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
    rows = [("", name, "Input", shape_text(shape), "", "0") for name, shape in solution.inputs.items()
            if not any(layer.name == name for layer in solution.layers)]
    for i, layer in enumerate(solution.layers, 1):
        formula = "" if not layer.weights or layer.formula == str(layer.params) else f"{layer.formula} ="
        rows.append((str(i), layer.name, layer.type, shape_text(layer.output_shape), formula,
                     number(layer.params)))
    header = ("#", "layer", "type", "output shape", "formula", "params")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(6)]

    def fmt(r: Sequence[str]) -> str:
        return (f"{r[0]:>{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:<{widths[3]}}  "
                f"{r[4]:>{widths[4]}} {r[5]:>{widths[5]}}").rstrip()

    title = f"{exercise.id}: {exercise.title} ({exercise.framework})"
    if exercise.variables:
        title += "\nvariant: " + ", ".join(f"{k}={v}" for k, v in exercise.variables.items())
    lines = [title, "", fmt(header), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in rows]
    lines.append("")
    lines.append(f"Total params: {_sum_line(solution)}")
    lines.append(f"  ({_split_line(solution)})")
    return "\n".join(lines) + "\n"


def markdown(exercise: Exercise, solution: Solution) -> str:
    """The worked solution as Markdown (``solutions/ID.md``)."""
    lines = [f"# {exercise.title}", "", f"Exercise `{exercise.id}` ({_framework(exercise)}).", ""]
    if exercise.variables:
        lines += ["Variant: " + ", ".join(f"`{k}` = {v}" for k, v in exercise.variables.items()), ""]
    if exercise.instructions.strip():
        lines += [exercise.instructions.strip(), ""]
    inputs = ", ".join(f"`{name}` {shape_text(shape)}" for name, shape in solution.inputs.items())
    if inputs:
        lines += [f"Input: {inputs} (without the batch dimension).", ""]
    lines += ["| # | layer | type | output shape | parameters |", "|---:|---|---|---|---:|"]
    for i, layer in enumerate(solution.layers, 1):
        lines.append(f"| {i} | {layer.name} | {layer.type} | {shape_text(layer.output_shape)} | "
                     f"{_md_worked(layer)} |")
    lines += ["", f"**Total: {number(solution.total_params)} parameters** "
                  f"({number(solution.trainable_params)} trainable, "
                  f"{number(solution.non_trainable_params)} non-trainable).", "",
              f"Sum of the layers: {_sum_line(solution)}."]
    return "\n".join(lines) + "\n"


def _md_worked(layer: LayerSolution) -> str:
    text = worked(layer).replace("*", "\\*")
    if layer.non_trainable_params:
        text += f" ({number(layer.non_trainable_params)} non-trainable)"
    return text


def _framework(exercise: Exercise) -> str:
    return {"keras": "Keras", "pytorch": "PyTorch"}[exercise.framework]
