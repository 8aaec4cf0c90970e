"""Solving an exercise: the true output shape, parameters, MACs and worked formula of
every layer — the ground truth every grade depends on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .errors import GraderError, ShapeError
from .exercise import Exercise, Layer
from .layers import LayerKind, Weight, count, formula
from .shapes import Shape, fmt_shape


@dataclass(frozen=True)
class LayerSolution:
    name: str
    type: str
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    formula: str
    weights: tuple[Weight, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "output_shape": list(self.output_shape),
                "params": self.params, "trainable_params": self.trainable_params,
                "non_trainable_params": self.non_trainable_params, "macs": self.macs,
                "formula": self.formula}


@dataclass(frozen=True)
class Solution:
    exercise: str
    framework: str
    inputs: Mapping[str, Shape]
    layers: tuple[LayerSolution, ...]

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params for layer in self.layers)

    @property
    def non_trainable_params(self) -> int:
        return sum(layer.non_trainable_params for layer in self.layers)

    @property
    def total_macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    def layer(self, name: str) -> LayerSolution:
        by_name = self.__dict__.get("_by_name")
        if by_name is None:  # built once: graders look layers up by name for every item
            by_name = {layer.name: layer for layer in self.layers}
            object.__setattr__(self, "_by_name", by_name)
        return by_name[name]

    def to_json(self) -> dict[str, Any]:
        """SPEC section 4, ``solve --format json``."""
        out: dict[str, Any] = {"exercise": self.exercise, "framework": self.framework}
        if len(self.inputs) == 1:
            out["input_shape"] = list(next(iter(self.inputs.values())))
        else:
            out["inputs"] = {k: list(v) for k, v in self.inputs.items()}
        out["layers"] = [layer.to_json() for layer in self.layers]
        out["total_params"] = self.total_params
        out["trainable_params"] = self.trainable_params
        out["non_trainable_params"] = self.non_trainable_params
        out["total_macs"] = self.total_macs
        return out


def evaluate(kind: LayerKind, params: Mapping[str, Any], in_shapes: Sequence[Shape]
             ) -> tuple[Shape, list[Weight], int]:
    """Output shape, weights and MACs of one layer on given input shapes (may raise ShapeError).

    The mistakes catalogue calls this with perturbed arguments or shapes.
    """
    out = kind.output_shape(params, in_shapes)
    if any(d < 1 for d in out):
        raise ShapeError(f"the output {fmt_shape(out)} would be empty")
    weights = kind.weights(params, in_shapes, out)
    return out, weights, kind.extra_macs(params, in_shapes, out)


def solve_layer(layer: Layer, in_shapes: Sequence[Shape]) -> LayerSolution:
    """One layer on the given input shapes; a ShapeError names the layer and the shapes."""
    try:
        out, weights, extra = evaluate(layer.kind, layer.params, in_shapes)
    except ShapeError as exc:
        raise exc.located(line=layer.line, layer=layer.name) from None
    counts = count(weights, extra)
    return LayerSolution(name=layer.name, type=layer.type, inputs=layer.inputs,
                         input_shapes=tuple(in_shapes), output_shape=tuple(out), params=counts.params,
                         trainable_params=counts.trainable, non_trainable_params=counts.non_trainable,
                         macs=counts.macs, formula=formula(weights), weights=tuple(weights))


def solve(exercise: Exercise, overrides: Mapping[str, Shape] | None = None) -> Solution:
    """Solve every layer in order.

    ``overrides`` replaces the output shape of named layers (or inputs) before the layers
    that read them are solved: follow-through grading recomputes from a student's own values.
    """
    shapes: dict[str, Shape] = dict(exercise.inputs)
    solved: list[LayerSolution] = []
    for layer in exercise.layers:
        in_shapes = [shapes[name] for name in layer.inputs]
        try:
            result = solve_layer(layer, in_shapes)
        except GraderError as exc:
            if len(in_shapes) == 1:
                exc.message = f"{exc.message} (input shape {fmt_shape(in_shapes[0])})"
            raise exc.located(file=exercise.path) from None
        solved.append(result)
        shapes[layer.name] = result.output_shape
        if overrides and layer.name in overrides:
            shapes[layer.name] = tuple(overrides[layer.name])
    return Solution(exercise=exercise.id, framework=exercise.framework, inputs=dict(exercise.inputs),
                    layers=tuple(solved))


def layer_table(solution: Solution) -> Iterable[tuple[str, str, str, int]]:
    """(name, type, output shape, params) rows, for text output."""
    for layer in solution.layers:
        yield layer.name, layer.type, fmt_shape(layer.output_shape), layer.params
