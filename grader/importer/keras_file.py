"""A model saved by Keras (``model.save("model.keras")``): its ``config.json``, read as JSON
from the zip (the weights are not read, and nothing is deserialised by Keras).

Keras 3 configs name each layer's inputs in ``inbound_nodes[].args`` (``keras_history``);
Keras 2 configs as ``[[name, node, tensor, kwargs], ...]`` lists. Both are read.
"""
from __future__ import annotations

import json
import os
import zipfile
from typing import Any

from ..errors import GraderError
from ..layers import kinds
from .interpreter import Interpreter
from .models import Candidate
from .signatures import KERAS_OLD_TYPES, keras_arguments
from .sources import Source
from .values import Functional, Layer, Node, Sequential, Unknown

MAX_CONFIG_BYTES = 20_000_000


def read_keras(path: str) -> tuple[Source, Interpreter, list[Candidate]]:
    config = _config(path)
    source = Source(path, unit="layer")
    interp = Interpreter(source)
    name = config.get("config", {}).get("name") or os.path.splitext(os.path.basename(path))[0]
    kind = config.get("class_name")
    body = config.get("config", {})
    if kind == "Sequential":
        model: Any = _sequential(body, path)
    elif kind in ("Functional", "Model"):
        model = _functional(body, path)
    else:
        raise GraderError(f"the saved model is a {kind}: grader reads Sequential and functional models",
                          file=path)
    return source, interp, [Candidate(str(name), (str(name),), "keras", model, 1)]


def _config(path: str) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise GraderError("config.json is too large to be a model's configuration", file=path)
            data = archive.read(info)
    except FileNotFoundError:
        raise GraderError("no such file", file=path) from None
    except KeyError:
        raise GraderError("no config.json in the archive: not a Keras 3 .keras file", file=path) from None
    except zipfile.BadZipFile:
        raise GraderError("not a .keras file (not a zip archive; for a Keras 2 .h5 file, save the model "
                          "again as .keras)", file=path) from None
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GraderError(f"config.json is not valid JSON ({exc})", file=path) from None
    if not isinstance(config, dict):
        raise GraderError("config.json does not describe a model", file=path)
    return config


def layer_from_config(entry: dict, index: int, path: str) -> Layer:
    """One layer of the config as a :class:`Layer` (arguments the grader knows only)."""
    type_name = entry.get("class_name")
    config = entry.get("config") or {}
    table = kinds("keras")
    type_name = KERAS_OLD_TYPES.get(type_name, type_name)
    if type_name in ("Sequential", "Functional", "Model"):
        raise GraderError(f"layer {index}: a model nested in the model ({config.get('name')}); save the inner "
                          "model's layers in the outer one", file=path)
    if type_name not in table:
        raise GraderError(f"layer {index}: '{type_name}' is a custom or unsupported layer class", file=path)
    kind = table[type_name]
    args, _ = keras_arguments(type_name, {k: v for k, v in config.items() if k != "name"})
    layer = Layer("keras", kind.type, {}, index, name=config.get("name") or entry.get("name"),
                  written=f"{type_name} '{config.get('name')}'")
    for key, value in args.items():
        if key == "layer" and isinstance(value, dict):
            inner = layer_from_config(value, index, path)
            inner.name = None
            layer.args[key] = inner
        elif key in kind.args or key in kind.ignored:
            layer.args[key] = value
    if kind.type == "InputLayer":
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        layer.input_shape = tuple(shape[1:]) if isinstance(shape, list) else Unknown("no batch_shape", index)
    return layer


def _sequential(body: dict, path: str) -> Sequential:
    entries = body.get("layers")
    if not isinstance(entries, list):
        raise GraderError("config.json has no layers", file=path)
    members = [(None, layer_from_config(entry, i, path)) for i, entry in enumerate(entries, start=1)]
    seq = Sequential("keras", members, 1, name=body.get("name"))
    build = body.get("build_input_shape") or (body.get("build_config") or {}).get("input_shape")
    if isinstance(build, list) and build:
        seq.built_shape = tuple(build[1:])
    return seq


def _functional(body: dict, path: str) -> Functional:
    entries = body.get("layers")
    if not isinstance(entries, list):
        raise GraderError("config.json has no layers", file=path)
    tensors: dict[str, Node] = {}
    for index, entry in enumerate(entries, start=1):
        layer = layer_from_config(entry, index, path)
        name = entry.get("name") or layer.name
        if layer.type == "InputLayer":
            tensors[name] = Node(None, (), index, framework="keras", input_name=name, shape=layer.input_shape)
            continue
        calls = entry.get("inbound_nodes") or []
        if len(calls) != 1:
            raise GraderError(f"layer {index} ('{name}') is called {len(calls)} times: shared layers are not "
                              "supported", file=path)
        inputs = []
        for history in _histories(calls[0]):
            if history not in tensors:
                raise GraderError(f"layer {index} ('{name}') reads '{history}', which comes later", file=path)
            inputs.append(tensors[history])
        layer.calls = 1
        tensors[name] = Node(layer, tuple(inputs), index, framework="keras")
    ins = [tensors[n[0]] for n in _endpoints(body.get("input_layers"))]
    outs = [tensors[n[0]] for n in _endpoints(body.get("output_layers"))]
    return Functional(ins, outs, 1, name=body.get("name"))


def _histories(call: Any) -> list[str]:
    """The layer names one call reads: Keras 3 ``{"args": [...]}``, Keras 2 ``[[name, 0, 0, {}]]``."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            history = (value.get("config") or {}).get("keras_history")
            if value.get("class_name") == "__keras_tensor__" and isinstance(history, list):
                found.append(history[0])
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int):
                found.append(value[0])
                return
            for item in value:
                walk(item)

    walk(call.get("args", []) if isinstance(call, dict) else call)
    return found


def _endpoints(value: Any) -> list[list]:
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [value]
    return [v for v in value or [] if isinstance(v, list) and v]
