"""Solving a network: the true output shape, parameters, MACs and worked formula of every
layer — the ground truth every grade depends on.

The engine knows layers, not exercise files: ``grader.exercise`` builds the :class:`Layer`
list from YAML and calls :func:`solve`, so an exercise is handed back already solved.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from .errors import GraderError, ShapeError
from .layers import LayerKind, Weight, count, formula
from .shapes import Shape, fmt_shape, with_size


@dataclass(frozen=True)
class Layer:
    """One layer of a network, with canonical arguments."""

    name: str
    type: str
    kind: LayerKind
    params: Mapping[str, Any]
    inputs: tuple[str, ...]
    line: int
    args: Mapping[str, Any]  # as written (after variables), for display and model code


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
    macs: int | None  # None: it depends on a dimension that is not known (see evaluate)
    formula: str
    weights: tuple[Weight, ...]

    def value(self, quantity: str) -> Any:
        """One per-layer quantity: the output shape or a count (``params``, ``macs``...)."""
        if quantity == "output_shape":
            return self.output_shape
        return getattr(self, quantity)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "output_shape": list(self.output_shape),
                "params": self.params, "trainable_params": self.trainable_params,
                "non_trainable_params": self.non_trainable_params, "macs": self.macs,
                "formula": self.formula}


@dataclass(frozen=True)
class Solution:
    framework: str
    inputs: Mapping[str, Shape]
    layers: tuple[LayerSolution, ...]
    by_name: Mapping[str, LayerSolution] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {layer.name: layer for layer in self.layers})

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
    def total_macs(self) -> int | None:
        """MACs of one forward pass; None when some layer's depend on an unknown dimension."""
        macs = [layer.macs for layer in self.layers]
        return None if None in macs else sum(macs)

    def layer(self, name: str) -> LayerSolution:
        return self.by_name[name]

    def to_json(self) -> dict[str, Any]:
        """SPEC section 4, ``solve --format json``, without the exercise's own keys."""
        out: dict[str, Any] = {"framework": self.framework}
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


#: the sizes an unknown (None) dimension takes when a layer is probed on it: large (every
#: window fits), far apart (a size computed from them differs, whatever the stride) and
#: divisible by every number up to 16 (strides, blocks and reshapes divide them)
PROBES = (720720, 1441440)


def evaluate(kind: LayerKind, params: Mapping[str, Any], in_shapes: Sequence[Shape]
             ) -> tuple[Shape, list[Weight], int | None]:
    """Output shape, weights and MACs of one layer on given input shapes (may raise ShapeError).

    The mistakes catalogue calls this with perturbed arguments or shapes. An input with
    unknown dimensions (None, as Keras prints a sequence of any length) is probed: the
    layer is evaluated with every None replaced by each of :data:`PROBES`, and an output
    dimension that differs between the two is unknown too (as Keras' ``compute_output_shape``
    and a PyTorch module run on two lengths give). Weights never depend on an unknown
    dimension: a layer whose weights would (a Dense after a Flatten of an unknown length)
    is an error, as Keras refuses to build it. MACs may: then they are None, and so is the
    ``uses`` of each weight whose count of uses depends on the length.
    """
    if not any(d is None for shape in in_shapes for d in shape):
        return _evaluate_known(kind, params, in_shapes)
    runs, kept = [], []
    for size in PROBES:
        concrete = [with_size(shape, size) for shape in in_shapes]
        try:
            runs.append(_evaluate_known(kind, params, concrete))
        except ShapeError as exc:
            raise ShapeError(f"{exc.message} (with the unknown dimension taken as {size}: a layer must "
                             "work for every size of a dimension that is not known)") from None
        kept.append(kind.fixed_sizes(params, concrete))
    (out, weights, extra), (out2, weights2, extra2) = runs
    if len(out) != len(out2):
        raise ShapeError("the rank of the output would depend on a dimension that is not known (None)")
    if [replace(w, uses=0) for w in weights] != [replace(w, uses=0) for w in weights2]:
        raise ShapeError("the size of its weights would depend on a dimension that is not known (None): "
                         "Keras and PyTorch need that size to build the layer")
    moving = [name for name in kept[0] if kept[0][name] != kept[1].get(name)]
    if moving:
        raise ShapeError(f"its {moving[0]} would be a size that is not known (None): Keras and PyTorch "
                         "need that size to build the layer")
    shape = tuple(a if a == b else None for a, b in zip(out, out2))
    weights = [w if w.uses == v.uses else replace(w, uses=None) for w, v in zip(weights, weights2)]
    return shape, weights, extra if extra == extra2 else None


def _evaluate_known(kind: LayerKind, params: Mapping[str, Any], in_shapes: Sequence[Shape]
                    ) -> tuple[Shape, list[Weight], int]:
    out = kind.output_shape(params, in_shapes)
    if any(d is not None and d < 1 for d in out):
        raise ShapeError(f"the output {fmt_shape(out)} would be empty")
    weights = kind.weights(params, in_shapes, out)
    return out, weights, kind.extra_macs(params, in_shapes, out)


def solve_layer(layer: Layer, in_shapes: Sequence[Shape]) -> LayerSolution:
    """One layer on the given input shapes; a ShapeError names the layer and the shapes.

    Follow-through grading calls this with the shapes a student believes the inputs have.
    """
    try:
        out, weights, extra = evaluate(layer.kind, layer.params, in_shapes)
    except ShapeError as exc:
        raise exc.located(line=layer.line, layer=layer.name) from None
    counts = count(weights, extra)
    return LayerSolution(name=layer.name, type=layer.type, inputs=layer.inputs,
                         input_shapes=tuple(in_shapes), output_shape=tuple(out), params=counts.params,
                         trainable_params=counts.trainable, non_trainable_params=counts.non_trainable,
                         macs=counts.macs, formula=formula(weights), weights=tuple(weights))


def solve(framework: str, inputs: Mapping[str, Shape], layers: Sequence[Layer],
          file: str | None = None) -> Solution:
    """Solve every layer in order; an impossible layer raises a GraderError located in ``file``."""
    shapes: dict[str, Shape] = dict(inputs)
    solved: list[LayerSolution] = []
    for layer in layers:
        in_shapes = [shapes[name] for name in layer.inputs]
        try:
            result = solve_layer(layer, in_shapes)
        except GraderError as exc:
            if len(in_shapes) == 1:
                exc.message = f"{exc.message} (input shape {fmt_shape(in_shapes[0])})"
            raise exc.located(file=file) from None
        solved.append(result)
        shapes[layer.name] = result.output_shape
    return Solution(framework=framework, inputs=dict(inputs), layers=tuple(solved))
