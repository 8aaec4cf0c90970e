"""An exercise built as a real PyTorch model, to check the engine against PyTorch itself.

Used by the differential tests and for cross-checks with torchinfo; torch is imported
lazily, so the grader runs without it. Every tensor between layers is batch-first
``(N, *shape)``; layers that want the sequence first (RNN/LSTM/GRU and
MultiheadAttention with ``batch_first=False``) get their inputs transposed, and the
forward hooks read their outputs with the batch at dim 1.
"""
from __future__ import annotations

import functools
from typing import Any, Mapping, Sequence

from ..layers import lookup
from ..shapes import Shape, with_size

RECURRENT = frozenset({"RNN", "LSTM", "GRU"})
TUPLE_OUTPUT = RECURRENT | {"MultiheadAttention"}
# Arguments the builder does not pass on: they name devices or dtypes by string, or change
# what a module returns (return_indices gives a tuple the next layer could not read).
DROPPED = frozenset({"device", "dtype", "return_indices"})
# The argument PyTorch needs and the engine infers: (argument, which dimension of the input)
INFERRED = {"in_channels": 0, "in_features": -1, "num_features": 0, "input_size": -1}
_INFERRED_FOR = {
    "in_channels": ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                    "ConvTranspose3d"),
    "in_features": ("Linear",),
    "num_features": ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d",
                     "InstanceNorm2d", "InstanceNorm3d"),
    "input_size": tuple(RECURRENT),
}


def sequence_first(type_name: str, args: Mapping[str, Any]) -> bool:
    """Whether the module wants (L, N, ...) rather than (N, L, ...)."""
    return type_name in TUPLE_OUTPUT and not args.get("batch_first", False)


def torch_arguments(type_name: str, args: Mapping[str, Any], in_shapes: Sequence[Shape]) -> dict[str, Any]:
    """The constructor keywords: the arguments as written, lists as tuples, and the
    ``in_channels``/``in_features``/``num_features``/``input_size`` PyTorch requires
    inferred from the (batch-less) input shape when the exercise omits them."""
    kwargs = {k: _tuples(v) for k, v in args.items() if k not in DROPPED}
    for arg, types in _INFERRED_FOR.items():
        if type_name in types and kwargs.get(arg) is None and in_shapes:
            kwargs[arg] = in_shapes[0][INFERRED[arg]]
    return kwargs


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


@functools.lru_cache(maxsize=None)
def _graph_ops() -> dict[str, type]:
    """nn.Module wrappers of torch.add / torch.mul / torch.cat, so hooks see them as layers."""
    import torch
    from torch import nn

    class Add(nn.Module):
        def forward(self, *xs):
            return functools.reduce(torch.add, xs)

    class Multiply(nn.Module):
        def forward(self, *xs):
            return functools.reduce(torch.mul, xs)

    class Cat(nn.Module):
        def __init__(self, dim: int = 1):
            super().__init__()
            self.dim = dim

        def forward(self, *xs):
            return torch.cat(xs, dim=self.dim)

    return {"Add": Add, "Multiply": Multiply, "Cat": Cat}


def canonical(type_name: str) -> str:
    """The registered type behind an alias (Mul -> Multiply, Concatenate -> Cat)."""
    try:
        return lookup("pytorch", type_name).type
    except KeyError:
        return type_name


def build_module(type_name: str, args: Mapping[str, Any], in_shapes: Sequence[Shape]):
    """The torch.nn module of one layer (PyTorch raises here for bad constructor arguments)."""
    from torch import nn
    type_name = canonical(type_name)
    kwargs = torch_arguments(type_name, args, in_shapes)
    ops = _graph_ops()
    cls = ops.get(type_name) or getattr(nn, type_name)
    return cls(**kwargs)


def call_module(module, type_name: str, args: Mapping[str, Any], inputs: list):
    """Run one module on batch-first tensors; the output is batch-first too."""
    type_name = canonical(type_name)
    seq_first = sequence_first(type_name, args)
    if seq_first:
        inputs = [x.transpose(0, 1) for x in inputs]
    if type_name == "MultiheadAttention":
        # [query] is self-attention; [query, key] uses the key as the value too
        inputs = (inputs * 3)[:3] if len(inputs) == 1 else [*inputs, inputs[-1]][:3]
    out = module(*inputs)
    if type_name in TUPLE_OUTPUT:
        out = out[0]
    return out.transpose(0, 1) if seq_first else out


def example_input(shape: Shape, batch: int, integer: bool = False, length: int | None = None):
    """Zeros of ``(batch, *shape)``: long indices for an Embedding, floats otherwise; every
    size that is not known (None) is ``length``."""
    import torch
    if length is None and None in shape:
        raise ValueError(f"the input shape {shape} has a size that is not known: give a length")
    sizes = shape if length is None else with_size(shape, length)
    return torch.zeros((batch, *sizes), dtype=torch.long if integer else torch.float32)


def counts(module) -> dict[str, int]:
    """Parameters of a module (buffers are not parameters), split by requires_grad."""
    params = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return {"params": params, "trainable": trainable, "non_trainable": params - trainable}


def run_layer(type_name: str, args: Mapping[str, Any], in_shapes: Sequence[Shape], batch: int = 2
              ) -> dict[str, Any]:
    """Build and run one layer on zeros: its output shape (without the batch) and counts.

    Raises whatever PyTorch raises for the configuration.
    """
    module = build_module(type_name, args, in_shapes)
    inputs = [example_input(s, batch, type_name == "Embedding") for s in in_shapes]
    out = call_module(module, type_name, args, inputs)
    if out.shape[0] != batch:
        raise ValueError(f"{type_name} moved the batch dimension: {tuple(out.shape)}")
    return {"output_shape": tuple(out.shape[1:]), **counts(module)}


@functools.lru_cache(maxsize=None)
def _model_class() -> type:
    from torch import nn

    class ExerciseModel(nn.Module):
        """The exercise graph: ``forward(*inputs)`` in the order of ``exercise.inputs``."""

        def __init__(self, exercise):
            super().__init__()
            self.input_names = list(exercise.inputs)
            self.layer_names = [layer.name for layer in exercise.layers]
            self.steps = [(layer.type, dict(layer.args), layer.inputs) for layer in exercise.layers]
            shapes = _input_shapes(exercise)
            self.layers = nn.ModuleList(build_module(layer.type, layer.args, shapes[layer.name])
                                        for layer in exercise.layers)
            consumers: dict[str, set[str]] = {}
            for layer in exercise.layers:
                for name in layer.inputs:
                    consumers.setdefault(name, set()).add(layer.type)
            # an input read only by Embedding layers holds indices
            self.integer_inputs = {name for name in self.input_names if consumers.get(name) == {"Embedding"}}

        def forward(self, *inputs):
            values = dict(zip(self.input_names, inputs))
            for name, (type_name, args, names), module in zip(self.layer_names, self.steps, self.layers):
                values[name] = call_module(module, type_name, args, [values[n] for n in names])
            return values[self.layer_names[-1]]

        def example_inputs(self, exercise, batch: int = 2, length: int | None = None) -> list:
            return [example_input(exercise.inputs[name], batch, name in self.integer_inputs, length)
                    for name in self.input_names]

    return ExerciseModel


def _input_shapes(exercise) -> dict[str, tuple[Shape, ...]]:
    """Each layer's input shapes, from the exercise's solution."""
    return {layer.name: layer.input_shapes for layer in exercise.solution.layers}


def build_torch_model(exercise):
    """A torch.nn.Module whose forward follows the exercise graph, layer by layer."""
    return _model_class()(exercise)


def layer_stats(model, exercise, batch: int = 2, length: int | None = None) -> dict[str, dict[str, Any]]:
    """Per layer: ``output_shape`` (without the batch), ``params``, ``trainable`` and
    ``non_trainable``, from a forward pass on zeros observed by forward hooks; every input
    size that is not known is ``length``."""
    import torch
    stats: dict[str, dict[str, Any]] = {}
    handles = []
    for name, (type_name, args, _), module in zip(model.layer_names, model.steps, model.layers):
        batch_dim = 1 if sequence_first(type_name, args) else 0

        def hook(module, inputs, output, name=name, batch_dim=batch_dim):
            if isinstance(output, tuple):
                output = output[0]
            shape = tuple(output.shape)
            if shape[batch_dim] != batch:
                raise ValueError(f"layer {name!r}: no batch of {batch} at dim {batch_dim} in {shape}")
            stats[name] = {"output_shape": shape[:batch_dim] + shape[batch_dim + 1:], **counts(module)}
        handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(*model.example_inputs(exercise, batch, length))
    finally:
        for handle in handles:
            handle.remove()
    return stats


def stats_over_lengths(model, exercise, lengths: Sequence[int], batch: int = 2) -> dict[str, dict[str, Any]]:
    """:func:`layer_stats` of runs where every unknown input size takes each of ``lengths``
    (PyTorch has no None: a module runs on whatever length it gets).

    Per layer, ``output_shape`` has None where the runs differ (a size that follows the
    length, as Keras prints it), ``by_length`` maps each length to that run's output shape,
    and the counts are the first run's (a ValueError when they differ between runs).
    """
    runs = [layer_stats(model, exercise, batch, length) for length in lengths]
    out: dict[str, dict[str, Any]] = {}
    for name, first in runs[0].items():
        shapes = [run[name]["output_shape"] for run in runs]
        if any(len(shape) != len(shapes[0]) for shape in shapes):
            raise ValueError(f"layer {name!r}: the rank of the output changes with the length: {shapes}")
        for run in runs[1:]:
            if {k: v for k, v in run[name].items() if k != "output_shape"} != \
                    {k: v for k, v in first.items() if k != "output_shape"}:
                raise ValueError(f"layer {name!r}: the parameters change with the length")
        merged = tuple(dims[0] if len(set(dims)) == 1 else None for dims in zip(*shapes))
        out[name] = {**first, "output_shape": merged, "by_length": dict(zip(lengths, shapes))}
    return out


def torchinfo_summary(exercise, batch: int = 2) -> dict[str, Any]:
    """torchinfo's view of the built model: one row per exercise layer, and its totals.

    Rows: ``name``, ``type``, ``output_size`` (with the batch, as torchinfo prints it),
    ``params``, ``trainable`` and ``mult_adds`` (torchinfo's MACs, for the whole batch).
    """
    import torchinfo
    model = build_torch_model(exercise)
    stats = torchinfo.summary(model, input_data=model.example_inputs(exercise, batch), verbose=0,
                              depth=1, col_names=("output_size", "num_params", "mult_adds"))
    names = {id(module): name for name, module in zip(model.layer_names, model.layers)}
    rows = []
    for info in stats.summary_list:
        if id(info.module) not in names:
            continue
        rows.append({"name": names[id(info.module)], "type": info.class_name,
                     "output_size": tuple(info.output_size), "params": info.num_params,
                     "trainable": info.trainable_params, "mult_adds": info.macs})
    return {"rows": rows, "total_params": stats.total_params,
            "trainable_params": stats.trainable_params, "total_mult_adds": stats.total_mult_adds,
            "batch": batch}
