"""An exercise built with real Keras 3 layers (functional API), and the per-layer truth read back.

Used by the differential tests, the exercise cross-checks and the benchmark. Keras is
imported lazily, inside the functions: the grader itself never needs it.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

#: keys of a layer mapping that the grader reads and Keras does not
GRADER_KEYS = frozenset({"type", "name", "inputs"})
#: layers called on a list of tensors
MERGE_TYPES = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"})
INPUT_TYPES = frozenset({"Input", "InputLayer"})

#: one layer as the builder needs it: (name, type, arguments as written, input names)
LayerSpec = tuple[str, str, Mapping[str, Any], Sequence[str]]


def plain(value: Any) -> Any:
    """YAML values as Keras wants them: mappings to dicts, lists to tuples (shapes, pairs)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    return value


def keras_layer(type_name: str, args: Mapping[str, Any], name: str | None = None):
    """A Keras layer from a type name and its arguments as written in an exercise.

    A nested ``layer:`` mapping (Bidirectional, TimeDistributed) becomes a Keras layer too.
    """
    import keras

    kwargs = {k: plain(v) for k, v in args.items() if k not in GRADER_KEYS}
    inner = kwargs.get("layer")
    if isinstance(inner, dict) and "type" in inner:
        kwargs["layer"] = keras_layer(inner["type"], inner)
    if name is not None:
        kwargs["name"] = name
    return getattr(keras.layers, type_name)(**kwargs)


def build_model(inputs: Mapping[str, Sequence[int]], layers: Iterable[LayerSpec]):
    """A ``keras.Model`` from model inputs and layer specs; Keras' own exceptions propagate.

    Layers are called in order on the outputs they name: merge layers on a list,
    MultiHeadAttention on ``query, value(, key)`` (one input: self-attention), an
    ``Input`` layer starts a new model input. Every output that no layer reads is a
    model output.
    """
    import keras

    tensors: dict[str, Any] = {}
    model_inputs = []
    for name, shape in inputs.items():
        tensors[name] = keras.Input(shape=tuple(shape), name=name)
        model_inputs.append(tensors[name])
    order: list[str] = []
    used: set[str] = set()
    for name, type_name, args, names in layers:
        if type_name in INPUT_TYPES:
            tensors[name] = keras.Input(shape=tuple(plain(args.get("shape", ()))), name=name)
            model_inputs.append(tensors[name])
            continue
        layer = keras_layer(type_name, args, name)
        ins = [tensors[n] for n in names]
        used.update(names)
        if type_name == "MultiHeadAttention":
            tensors[name] = layer(ins[0], ins[1] if len(ins) > 1 else ins[0],
                                  ins[2] if len(ins) > 2 else None)
        elif type_name in MERGE_TYPES:
            tensors[name] = layer(ins)
        else:
            (single,) = ins
            tensors[name] = layer(single)
        order.append(name)
    outputs = [tensors[n] for n in order if n not in used] or model_inputs[-1:]
    return keras.Model(inputs=model_inputs, outputs=outputs)


def build_keras_model(exercise):
    """The exercise as a ``keras.Model``, its layers named as in the exercise."""
    return build_model(exercise.inputs, [(layer.name, layer.type, layer.args, layer.inputs)
                                         for layer in exercise.layers])


def run_once(model, length: int | None = None) -> list[tuple[int, ...]]:
    """Output shapes (no batch) of one forward pass on a batch of one example of zeros.

    Keras builds a few models it cannot run (a query of another rank than the value in
    MultiHeadAttention): running once tells. Zeros are valid Embedding indices. A model
    with a RandomCrop runs in training mode, the only mode in which Keras crops. Every
    input size that is not known (None) is ``length``.
    """
    import numpy as np

    def size(d) -> int:
        if d is None and length is None:
            raise ValueError("the model has an input size that is not known: run it with a length")
        return length if d is None else int(d)

    feed = [np.zeros((1, *(size(d) for d in t.shape[1:])), dtype="float32") for t in model.inputs]
    # Keras 3.15's RandomCrop crops in training only (keras-team/keras#21868), although the
    # model is built on the cropped shape: such a model runs as in training
    training = any(type(layer).__name__ == "RandomCrop" for layer in model.layers)
    outputs = model(feed, training=training)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [tuple(int(d) for d in o.shape[1:]) for o in outputs]


def _size(variables) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def stats(model, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per named layer of a built model: output_shape (no batch; None where Keras does not
    know a size), params, trainable, non_trainable."""
    out = {}
    for name in names:
        layer = model.get_layer(name)
        shape = tuple(None if d is None else int(d) for d in layer.output.shape[1:])
        trainable, frozen = _size(layer.trainable_weights), _size(layer.non_trainable_weights)
        out[name] = {"output_shape": shape, "params": trainable + frozen,
                     "trainable": trainable, "non_trainable": frozen}
    return out


def layer_stats(model, exercise) -> dict[str, dict[str, Any]]:
    """Keras' own output shape and counts of every exercise layer, by layer name."""
    return stats(model, exercise.layer_names)
