"""Sizes that are not known (issue 10, item 10): ``input_shape: [null, 8]``, a sequence of any
length as Keras writes it.

Table rows of one layer on an input with None, each re-checked in the real frameworks when
they are installed: Keras builds the layer on None and prints None where the size follows
the length, and runs at two lengths; PyTorch has no None, so the module runs at two
lengths, a size that differs between them is None, and each run's shape is the engine's
for that length. Error rows: what the grader refuses, Keras cannot build or run at every
length, and a PyTorch module built for one length cannot run at the other. Then the
exercise file, the engine's MACs, the shape working, and grading end to end on the
shipped ``text-variable-length`` exercise.
"""
from __future__ import annotations

import json
import warnings

import pytest

from grader.engine import PROBES, evaluate, solve
from grader.errors import ExerciseError, ShapeError
from grader.exercise import load_exercise, load_exercise_text
from grader.feedback import shape_text
from grader.grading import grade_answers, solution_answers
from grader.layers import lookup
from grader.shapes import with_size
from grader.working import shape_working

from .conftest import EXERCISES

#: the lengths an unknown size takes when a real framework runs the layer
LENGTHS = (50, 73)
TEXT = EXERCISES / "text-variable-length.yaml"


def exercise_doc(framework: str, layer: dict, shapes) -> dict:
    """A one-layer exercise (layer ``probe``); several input shapes become inputs in0, in1..."""
    probe = {**layer, "name": "probe"}
    if isinstance(shapes, list):
        names = [f"in{i}" for i in range(len(shapes))]
        return {"id": "unknown", "framework": framework,
                "inputs": {n: list(s) for n, s in zip(names, shapes)}, "layers": [{**probe, "inputs": names}]}
    return {"id": "unknown", "framework": framework, "input_shape": list(shapes), "layers": [probe]}


def load(framework: str, layer: dict, shapes):
    return load_exercise_text(json.dumps(exercise_doc(framework, layer, shapes)), "case.yaml")


def at_length(shapes, length: int):
    """The input shape(s) with every unknown size given ``length``."""
    if isinstance(shapes, list):
        return [with_size(s, length) for s in shapes]
    return with_size(shapes, length)


def row_id(row) -> str:
    layer = row[0]
    extra = ",".join(f"{k}={v}" for k, v in layer.items() if k != "type")
    return f"{layer['type']}({extra})on{row[1]}".replace(" ", "")


# -- Keras ---------------------------------------------------------------------------------

# (layer, input shape(s) with None, output shape, params): Keras 3.15 prints these on None
KERAS_ROWS = [
    ({"type": "Embedding", "input_dim": 1000, "output_dim": 16}, (None,), (None, 16), 16000),
    ({"type": "Embedding", "input_dim": 50, "output_dim": 4}, (None, 3), (None, 3, 4), 200),
    ({"type": "Conv1D", "filters": 16, "kernel_size": 5}, (None, 8), (None, 16), 656),
    ({"type": "Conv1D", "filters": 16, "kernel_size": 3, "strides": 2, "padding": "same"}, (None, 8), (None, 16), 400),
    ({"type": "Conv1D", "filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (None, 2), (None, 4), 28),
    ({"type": "Conv1DTranspose", "filters": 4, "kernel_size": 3, "strides": 2}, (None, 6), (None, 4), 76),
    ({"type": "SeparableConv1D", "filters": 8, "kernel_size": 3}, (None, 4), (None, 8), 52),
    ({"type": "DepthwiseConv1D", "kernel_size": 3, "depth_multiplier": 2}, (None, 4), (None, 8), 32),
    ({"type": "MaxPooling1D", "pool_size": 3}, (None, 8), (None, 8), 0),
    ({"type": "AveragePooling1D", "pool_size": 2, "padding": "same"}, (None, 8), (None, 8), 0),
    ({"type": "GlobalMaxPooling1D"}, (None, 8), (8,), 0),
    ({"type": "GlobalAveragePooling1D", "keepdims": True}, (None, 8), (1, 8), 0),
    ({"type": "GlobalAveragePooling1D", "data_format": "channels_first"}, (8, None), (8,), 0),
    ({"type": "ZeroPadding1D", "padding": 2}, (None, 3), (None, 3), 0),
    ({"type": "Cropping1D", "cropping": [1, 2]}, (None, 3), (None, 3), 0),
    ({"type": "UpSampling1D", "size": 3}, (None, 3), (None, 3), 0),
    ({"type": "LSTM", "units": 8}, (None, 4), (8,), 416),
    ({"type": "GRU", "units": 8, "return_sequences": True}, (None, 4), (None, 8), 336),
    ({"type": "SimpleRNN", "units": 3, "return_sequences": True}, (None, 4), (None, 3), 24),
    ({"type": "Bidirectional", "layer": {"type": "LSTM", "units": 8, "return_sequences": True}}, (None, 32),
     (None, 16), 2624),
    ({"type": "Dense", "units": 3}, (None, 8), (None, 3), 27),
    ({"type": "TimeDistributed", "layer": {"type": "Dense", "units": 3}}, (None, 4), (None, 3), 15),
    ({"type": "LayerNormalization"}, (None, 8), (None, 8), 16),
    ({"type": "BatchNormalization"}, (None, 8), (None, 8), 32),
    ({"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4}, (None, 8), (None, 8), 288),
    ({"type": "Dropout", "rate": 0.5}, (None, 8), (None, 8), 0),
    ({"type": "SpatialDropout1D", "rate": 0.5}, (None, 4), (None, 4), 0),
    ({"type": "Softmax", "axis": 1}, (None, 4), (None, 4), 0),
    ({"type": "Flatten"}, (None, 8), (None,), 0),
    ({"type": "Reshape", "target_shape": [-1, 4]}, (None, 8), (None, 4), 0),
    ({"type": "Permute", "dims": [2, 1]}, (None, 3), (3, None), 0),
    ({"type": "PReLU", "shared_axes": [1]}, (None, 8), (None, 8), 8),
    ({"type": "Concatenate", "axis": 1}, [(None, 8), (None, 8)], (None, 8), 0),
    ({"type": "Concatenate"}, [(None, 8), (None, 4)], (None, 12), 0),
    ({"type": "Add"}, [(None, 8), (None, 8)], (None, 8), 0),
    ({"type": "Dot", "axes": 1}, [(None, 3), (None, 4)], (3, 4), 0),
    # images of any size
    ({"type": "Conv2D", "filters": 16, "kernel_size": 3}, (None, None, 3), (None, None, 16), 448),
    ({"type": "Conv2D", "filters": 2, "kernel_size": 3}, (None, 5, 3), (None, 3, 2), 56),
    ({"type": "Conv2D", "filters": 2, "kernel_size": 3, "data_format": "channels_first"}, (3, None, None),
     (2, None, None), 56),
    ({"type": "MaxPooling2D"}, (None, None, 3), (None, None, 3), 0),
    ({"type": "ZeroPadding2D", "padding": 1}, (None, 5, 3), (None, 7, 3), 0),
    ({"type": "GlobalAveragePooling2D"}, (None, None, 3), (3,), 0),
    ({"type": "Resizing", "height": 4, "width": 5}, (None, None, 3), (4, 5, 3), 0),
    ({"type": "CenterCrop", "height": 4, "width": 5}, (None, None, 3), (4, 5, 3), 0),
]


@pytest.mark.parametrize("row", KERAS_ROWS, ids=[row_id(r) for r in KERAS_ROWS])
def test_engine_reproduces_the_keras_row(row):
    layer, shapes, out, params = row
    solved = load("keras", layer, shapes).solution.layer("probe")
    assert (solved.output_shape, solved.params) == (out, params)


def keras_model(doc: dict):
    from grader.frameworks.keras import build_model

    inputs = doc.get("inputs") or {"input": doc["input_shape"]}
    probe = doc["layers"][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_model(inputs, [("probe", probe["type"], probe, probe.get("inputs", ["input"]))])


def keras_runs(model, length: int):
    from grader.frameworks.keras import run_once

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_once(model, length)


@pytest.mark.frameworks
@pytest.mark.parametrize("row", KERAS_ROWS, ids=[row_id(r) for r in KERAS_ROWS])
def test_keras_row_built_on_none_and_run_at_two_lengths(row):
    pytest.importorskip("keras", reason="Keras 3 is not installed: the rows cannot be re-checked in it")
    from grader.frameworks.keras import stats

    layer, shapes, out, params = row
    model = keras_model(exercise_doc("keras", layer, shapes))
    real = stats(model, ["probe"])["probe"]
    assert (real["output_shape"], real["params"]) == (out, params)  # None where Keras prints None
    for length in LENGTHS:  # and each run has the shape the engine gives that length
        concrete = load("keras", layer, at_length(shapes, length)).solution.layer("probe")
        assert keras_runs(model, length) == [concrete.output_shape]


# (layer, input shape(s) with None, what the message says): Keras cannot build these on
# None, or builds them but cannot run them at every length
KERAS_ERRORS = [
    ({"type": "Dense", "units": 3}, (None,), r"the size of its weights would depend on a dimension that is not known"),
    ({"type": "Dense", "units": 3}, (8, None), r"weights would depend"),
    ({"type": "Conv1D", "filters": 2, "kernel_size": 3}, (8, None), r"weights would depend"),
    ({"type": "LSTM", "units": 3}, (None, None), r"weights would depend"),
    ({"type": "PReLU"}, (None, 8), r"weights would depend"),
    ({"type": "LayerNormalization", "axis": 1}, (None, 8), r"weights would depend"),
    ({"type": "BatchNormalization", "axis": 1}, (None, 8), r"weights would depend"),
    ({"type": "GroupNormalization", "axis": 1, "groups": -1}, (None, 8), r"weights would depend"),
    ({"type": "GroupNormalization", "axis": 1, "groups": 1, "center": False, "scale": False}, (None, 1),
     r"its axis 1 \(the channels it groups\) would be a size that is not known \(None\)"),
    # Keras builds these on None, but they work for one length only
    ({"type": "Reshape", "target_shape": [16, 4]}, (None, 8),
     r"cannot reshape \(720720, 8\) .* \(with the unknown dimension taken as 720720: a layer must work for every "
     r"size of a dimension that is not known\)"),
    ({"type": "Add"}, [(None, 8), (5, 8)], r"Add needs inputs of the same shape"),
]


@pytest.mark.parametrize("row", KERAS_ERRORS, ids=[row_id(r) for r in KERAS_ERRORS])
def test_grader_refuses_what_keras_cannot_build_on_every_length(row):
    layer, shapes, match = row
    with pytest.raises(ExerciseError, match=match) as caught:
        load("keras", layer, shapes)
    assert str(caught.value).startswith("case.yaml:1: layer 'probe': ")


@pytest.mark.frameworks
@pytest.mark.parametrize("row", KERAS_ERRORS, ids=[row_id(r) for r in KERAS_ERRORS])
def test_keras_cannot_build_the_error_rows_or_run_them_at_every_length(row):
    pytest.importorskip("keras", reason="Keras 3 is not installed: the rejections cannot be re-checked in it")
    layer, shapes, _ = row
    try:
        model = keras_model(exercise_doc("keras", layer, shapes))
    except Exception:  # noqa: BLE001 - whatever Keras raises: it cannot build the layer
        return
    with pytest.raises(Exception):  # noqa: B017 - whatever Keras raises at a length it cannot take
        for length in LENGTHS:
            keras_runs(model, length)


# -- PyTorch -------------------------------------------------------------------------------

# (layer, input shape(s) with None, output shape, params); PyTorch is channels first
TORCH_ROWS = [
    ({"type": "Conv1d", "out_channels": 16, "kernel_size": 5, "padding": 2}, (8, None), (16, None), 656),
    ({"type": "Conv1d", "in_channels": 4, "out_channels": 6, "kernel_size": 5, "stride": 2}, (4, None), (6, None), 126),
    ({"type": "Conv1d", "out_channels": 4, "kernel_size": 4, "padding": "same", "dilation": 3}, (2, None),
     (4, None), 36),
    ({"type": "ConvTranspose1d", "out_channels": 3, "kernel_size": 4, "stride": 2, "padding": 1}, (4, None),
     (3, None), 51),
    ({"type": "MaxPool1d", "kernel_size": 2}, (16, None), (16, None), 0),
    ({"type": "AvgPool1d", "kernel_size": 3, "stride": 2, "ceil_mode": True}, (4, None), (4, None), 0),
    ({"type": "AdaptiveAvgPool1d", "output_size": 1}, (32, None), (32, 1), 0),
    ({"type": "AdaptiveMaxPool1d", "output_size": 5}, (3, None), (3, 5), 0),
    ({"type": "BatchNorm1d", "num_features": 16}, (16, None), (16, None), 32),
    ({"type": "Embedding", "num_embeddings": 1000, "embedding_dim": 16}, (None,), (None, 16), 16000),
    ({"type": "LSTM", "hidden_size": 8, "batch_first": True}, (None, 4), (None, 8), 448),
    ({"type": "GRU", "hidden_size": 8, "bidirectional": True}, (None, 4), (None, 16), 672),
    ({"type": "Linear", "out_features": 3}, (None, 8), (None, 3), 27),
    ({"type": "LayerNorm", "normalized_shape": 8}, (None, 8), (None, 8), 16),
    ({"type": "MultiheadAttention", "embed_dim": 8, "num_heads": 2, "batch_first": True}, (None, 8), (None, 8), 288),
    ({"type": "TransformerEncoderLayer", "d_model": 8, "nhead": 2, "dim_feedforward": 16, "batch_first": True},
     (None, 8), (None, 8), 600),
    ({"type": "Flatten"}, (16, None), (None,), 0),
    ({"type": "Upsample", "scale_factor": 2}, (3, None), (3, None), 0),
    ({"type": "Upsample", "size": 7}, (3, None), (3, 7), 0),
    ({"type": "ConstantPad1d", "padding": [1, 2], "value": 0}, (3, None), (3, None), 0),
    ({"type": "BatchNorm1d", "affine": False, "track_running_stats": False}, (4, None), (4, None), 0),
    ({"type": "Conv2d", "out_channels": 16, "kernel_size": 3}, (3, None, None), (16, None, None), 448),
    ({"type": "AdaptiveAvgPool2d", "output_size": [2, 3]}, (3, None, None), (3, 2, 3), 0),
    ({"type": "Cat", "dim": 1}, [(8, None), (4, None)], (12, None), 0),
]


@pytest.mark.parametrize("row", TORCH_ROWS, ids=[row_id(r) for r in TORCH_ROWS])
def test_engine_reproduces_the_pytorch_row(row):
    layer, shapes, out, params = row
    solved = load("pytorch", layer, shapes).solution.layer("probe")
    assert (solved.output_shape, solved.params) == (out, params)


@pytest.mark.frameworks
@pytest.mark.parametrize("row", TORCH_ROWS, ids=[row_id(r) for r in TORCH_ROWS])
def test_pytorch_row_run_at_two_lengths(row):
    pytest.importorskip("torch", reason="PyTorch is not installed: the rows cannot be re-checked in it")
    from grader.frameworks.torch import build_torch_model, stats_over_lengths

    layer, shapes, out, params = row
    exercise = load("pytorch", layer, shapes)
    real = stats_over_lengths(build_torch_model(exercise), exercise, LENGTHS)["probe"]
    assert (real["output_shape"], real["params"]) == (out, params)  # None where the runs differ
    for length in LENGTHS:
        concrete = load("pytorch", layer, at_length(shapes, length)).solution.layer("probe")
        assert real["by_length"][length] == concrete.output_shape


TORCH_ERRORS = [
    ({"type": "Linear", "out_features": 3}, (None,), r"weights would depend"),
    ({"type": "Linear", "out_features": 3}, (8, None), r"weights would depend"),
    ({"type": "Linear", "in_features": 8, "out_features": 3}, (8, None),
     r"in_features=8, but the incoming .* \(with the unknown dimension taken as 720720"),
    ({"type": "Conv1d", "out_channels": 2, "kernel_size": 3}, (None, 8), r"weights would depend"),
    ({"type": "BatchNorm1d"}, (None, 8), r"weights would depend"),
    ({"type": "BatchNorm1d", "affine": False}, (None, 8),  # no parameters, but running statistics
     r"its num_features \(the size of its running statistics\) would be a size that is not known"),
    ({"type": "LayerNorm", "normalized_shape": [4, 8]}, (None, 8), r"normalized_shape"),
    ({"type": "LSTM", "hidden_size": 4}, (8, None), r"weights would depend"),
]


@pytest.mark.parametrize("row", TORCH_ERRORS, ids=[row_id(r) for r in TORCH_ERRORS])
def test_grader_refuses_what_pytorch_cannot_run_at_every_length(row):
    layer, shapes, match = row
    with pytest.raises(ExerciseError, match=match) as caught:
        load("pytorch", layer, shapes)
    assert str(caught.value).startswith("case.yaml:1: layer 'probe': ")


@pytest.mark.frameworks
@pytest.mark.parametrize("row", TORCH_ERRORS, ids=[row_id(r) for r in TORCH_ERRORS])
def test_a_pytorch_module_built_for_one_length_cannot_run_at_another(row):
    pytest.importorskip("torch", reason="PyTorch is not installed: the rejections cannot be re-checked in it")
    from grader.frameworks.torch import build_module, call_module, example_input

    layer, shapes, _ = row
    args = {k: v for k, v in layer.items() if k != "type"}
    shapes = shapes if isinstance(shapes, list) else [shapes]
    # the module PyTorch builds for the first length (in_features... inferred from it)
    module = build_module(layer["type"], args, [with_size(s, LENGTHS[0]) for s in shapes])
    with pytest.raises(Exception):  # noqa: B017 - whatever PyTorch raises at a length it cannot take
        for length in LENGTHS:
            call_module(module, layer["type"], args, [example_input(with_size(s, length), 2) for s in shapes])


# -- the exercise file ---------------------------------------------------------------------

def test_null_in_input_shape_inputs_and_an_input_layer():
    doc = {"id": "x", "inputs": {"text": [None], "signal": [None, 8]},
           "layers": [{"type": "Embedding", "name": "embed", "input_dim": 100, "output_dim": 8, "inputs": "text"},
                      {"type": "Concatenate", "name": "both", "axis": 1, "inputs": ["embed", "signal"]},
                      {"type": "InputLayer", "name": "image", "shape": [None, None, 3]},
                      {"type": "Conv2D", "name": "conv", "filters": 4, "kernel_size": 3, "inputs": "image"}]}
    exercise = load_exercise_text(json.dumps(doc), "x.yaml")
    assert exercise.inputs == {"text": (None,), "signal": (None, 8)}
    assert [s.output_shape for s in exercise.solution.layers] == [(None, 8), (None, 8), (None, None, 3),
                                                                  (None, None, 4)]
    assert exercise.solution.to_json()["inputs"] == {"text": [None], "signal": [None, 8]}


@pytest.mark.parametrize("yaml_text, match", [
    ("id: x\ninput_shape: [null, 0]\nlayers: [{type: Dense, units: 2}]\n",
     r"^x.yaml:2: 'input_shape' must be a list of positive integers without the batch dimension, e.g. "
     r"\[8, 8, 3\] \(null for a size that is not known, e.g. \[null, 8\]\); got \[None, 0\]$"),
    ("id: x\ninput_shape: null\nlayers: [{type: Dense, units: 2}]\n", r"^x.yaml:2: 'input_shape' must be"),
    ("id: x\ninputs: {a: [8, -1]}\nlayers: [{type: Dense, units: 2, inputs: a}]\n",
     r"^x.yaml:2: input 'a': the shape must be a list of positive integers \(null for a size that is not known\), "
     r"got \[8, -1\]"),
    ("id: x\ninput_shape: [null, 8]\nlayers:\n  - {type: Flatten}\n  - {type: Dense, units: 2}\n",
     r"^x.yaml:5: layer 'dense': the size of its weights would depend on a dimension that is not known \(None\): "
     r"Keras and PyTorch need that size to build the layer \(input shape \(None,\)\)$"),
    ("id: x\ninput_shape: [null, 8]\nlayers:\n  - {type: Dense, name: fc, units: 2}\n"
     "  - {type: Conv1D, name: conv, filters: 4, kernel_size: 3}\nask: {output_shape: 1, macs: 1}\n",
     r"^x.yaml:6: layer 'fc': 'ask: macs' needs every layer's MACs, and this layer's depend on a size that is "
     r"not known \(None in its input shape \(None, 8\)\): give that size in the input shape, or ask no MACs$"),
])
def test_exercise_errors_with_unknown_sizes(yaml_text, match):
    with pytest.raises(ExerciseError, match=match):
        load_exercise_text(yaml_text, "x.yaml")


def test_input_layer_with_null_reads_like_input_shape():
    a = load_exercise_text("id: x\ninput_shape: [null, 8]\nlayers: [{type: LSTM, units: 4}]\n")
    b = load_exercise_text("id: x\nlayers:\n  - {type: Input, shape: [null, 8]}\n  - {type: LSTM, units: 4}\n")
    assert a.solution.layers[-1].output_shape == b.solution.layers[-1].output_shape == (4,)
    assert a.solution.total_params == b.solution.total_params == 208


# -- the engine: probes, MACs --------------------------------------------------------------

def test_a_size_from_an_unknown_one_is_unknown_and_the_rest_is_known():
    conv = lookup("keras", "Conv2D")
    params = conv.normalize({"filters": 4, "kernel_size": 3, "strides": 2})
    out, weights, extra = evaluate(conv, params, [(None, 9, 3)])
    assert out == (None, 4, 4)
    assert [(w.name, w.fan_in, w.out, w.uses) for w in weights] == [("kernel", (3, 3, 3), (4,), None),
                                                                    ("bias", (), (4,), 0)]
    assert extra == 0  # no multiply-accumulate without a weight


@pytest.mark.parametrize("answer, code", [
    ("?x5x3", "pool_rounding"),                 # rounded up on the known width
    ("?x3x3", "off_by_one"),
    ("?x4x4", None),
])
def test_window_mistakes_on_the_known_sizes_of_an_image_of_any_height(answer, code):
    text = "id: x\ninput_shape: [null, 9, 3]\nlayers:\n  - {type: MaxPooling2D, name: pool}\n"
    exercise = load_exercise_text(text, "x.yaml")
    result = grade_answers(exercise, solution_answers(exercise, changes={("pool", "output_shape"): answer}))
    item = next(i for i in result.items if i.quantity == "output_shape")
    assert (item.status, item.mistake) == ("incorrect", code)
    if code == "pool_rounding":
        assert item.working == "ceil((9 - 2)/2) + 1 = 5 → ?x5x3"


def test_probe_sizes_fit_every_window_and_divide_every_small_stride():
    assert all(p % n == 0 for p in PROBES for n in range(1, 17))
    assert PROBES[0] != PROBES[1]


def test_macs_that_depend_on_the_length_are_unknown_and_others_are_counted():
    solution = load_exercise(TEXT).solution
    macs = {layer.name: layer.macs for layer in solution.layers}
    assert macs == {"embedding": 0, "conv1": None, "pool1": 0, "conv2": None, "global_pool": 0, "dropout": 0,
                    "output": 128 * 3}
    assert solution.total_macs is None
    assert solution.to_json()["total_macs"] is None


def test_attention_macs_are_unknown_on_a_sequence_of_any_length():
    solved = load("keras", {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4}, (None, 8)).solution
    assert solved.layer("probe").macs is None
    fixed = load("keras", {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4}, (5, 8)).solution
    assert fixed.layer("probe").macs > 0


@pytest.mark.parametrize("layer, shape, working", [
    ({"type": "Conv2D", "filters": 16, "kernel_size": 3}, (None, 28, 3), "(28 - 3)/1 + 1 = 26 → ?x26x16"),
    ({"type": "Conv1D", "filters": 16, "kernel_size": 5}, (None, 8), "?x16"),
    ({"type": "Flatten"}, (None, 8), "(?,)"),
])
def test_shape_working_leaves_an_unknown_size_unworked(layer, shape, working):
    exercise = load("keras", layer, shape)
    solved, kind = exercise.solution.layer("probe"), exercise.layer("probe")
    assert shape_working(kind.kind.window(kind.params), solved.input_shapes, solved.output_shape) == working


def test_reports_write_an_unknown_size_as_a_question_mark():
    assert shape_text((None, 16)) == "?x16"
    assert shape_text((None, None, 3)) == "?x?x3"
    assert shape_text((None,)) == "(?,)"


# -- grading the shipped exercise end to end ------------------------------------------------

def graded(changes: dict) -> dict:
    exercise = load_exercise(TEXT)
    result = grade_answers(exercise, solution_answers(exercise, changes=changes))
    return {(item.layer, item.quantity): item for item in result.items}


@pytest.mark.parametrize("layer, text, status", [
    ("embedding", "?x64", "correct"),
    ("embedding", "None x 64", "correct"),
    ("embedding", "(None, None, 64)", "correct"),          # as model.summary() prints it
    ("embedding", "[None, 64]", "correct"),
    ("embedding", "null x 64", "correct"),
    ("embedding", "64", "incorrect"),                      # the length left out
    ("embedding", "200x64", "incorrect"),                  # a length the model does not have
    ("embedding", "64x?", "correct"),                      # channels first is accepted by default
    ("global_pool", "128", "correct"),
    ("global_pool", "(None, 128)", "correct"),             # there the None is the batch
    ("global_pool", "?x128", "incorrect"),                 # a ? is a size: the length is pooled away
    ("global_pool", "None x 128", "correct"),              # a None in front is the batch
    ("global_pool", "?x?x128", "incorrect"),               # an unknown size where the true one is known
    ("output", "?", "missing"),                            # a lone ? is a blank
    ("pool1", "?x?", "incorrect"),
    ("pool1", "128x?x?", "incorrect"),
    ("pool1", "(None, 128, None)", "correct"),             # the batch, then channels first
    ("pool1", "?x128x?", "incorrect"),
])
def test_an_unknown_size_is_right_only_where_the_true_shape_has_one(layer, text, status):
    assert graded({(layer, "output_shape"): text})[(layer, "output_shape")].status == status


def test_follow_through_from_a_wrong_shape_with_an_unknown_size():
    items = graded({("conv1", "output_shape"): "?x64", ("pool1", "output_shape"): "?x64",
                    ("conv2", "params"): "(3*64 + 1)*128"})
    assert items[("conv1", "output_shape")].status == "incorrect"
    assert items[("pool1", "output_shape")].status == "follow_through"
    assert items[("conv2", "params")].status == "follow_through"
    assert items[("conv2", "params")].basis == "your conv1 output shape ?x64"


@pytest.mark.parametrize("layer, text, code", [
    ("conv1", "5*64*128", "forgot_bias"),
    ("conv1", "(5 + 1)*128", "forgot_input_channels"),
    ("output", "128*3", "forgot_bias"),
])
def test_mistakes_are_found_on_a_sequence_of_any_length(layer, text, code):
    assert graded({(layer, "params"): text})[(layer, "params")].mistake == code


def test_every_wrong_shape_grades_without_an_error_and_never_as_right():
    """Shapes one edit away from the truth (an unknown size made known or the reverse, one
    off, dropped, added), written as reports write them (?x64), at every layer: graded, and
    right only when they are the truth in an accepted layout, after a leading batch of 1
    (a leading ? is a size, never the batch)."""
    exercise = load_exercise(TEXT)
    for solved in exercise.solution.layers:
        true = solved.output_shape
        edits = {true[:i] + (d,) + true[i + 1:] for i in range(len(true)) for d in (None, 1, 7, 64)}
        edits |= {true[:i] + true[i + 1:] for i in range(len(true)) if len(true) > 1}
        edits |= {(None, *true), (*true, None), (1, *true), (None, None)}
        for shape in sorted(edits, key=str):
            item = graded({(solved.name, "output_shape"): shape_text(shape)})[(solved.name, "output_shape")]
            read = shape[1:] if len(shape) == len(true) + 1 and shape[0] == 1 else shape
            right = read in (true, (*true[1:], true[0]), (true[-1], *true[:-1]))  # either layout
            assert item.status in (("correct",) if right else ("incorrect", "follow_through")), (solved.name, shape)


def test_a_notebook_with_the_real_keras_summary_gets_full_marks(tmp_path):
    from grader.checking import check

    fixture = EXERCISES.parent / "tests" / "fixtures" / "summaries" / "keras3-text-variable-length.ipynb"
    result = check(TEXT, fixture)
    assert result.score == result.max_score == 16
    html = result.report_html()
    assert "?x128" in html and "(None, None, 64)" in html


def test_the_solution_notebook_and_report_write_unknown_sizes_as_question_marks(tmp_path):
    from grader.checking import check
    from grader.notebooks import write_notebook

    path = tmp_path / "solution.ipynb"
    write_notebook(load_exercise(TEXT), path, solution=True)
    result = check(TEXT, path)
    assert result.score == result.max_score
    assert "| embedding | ?x64 |" in path.read_text(encoding="utf-8")
    assert [item.expected for item in result.items if item.quantity == "output_shape"][:2] == [(None, 64),
                                                                                               (None, 128)]


def test_the_student_notebook_says_how_to_write_an_unknown_size():
    from grader.notebooks import notebook_text

    text = notebook_text(load_exercise(TEXT))
    assert "a size that is not known (a sequence of any length) as `?` or `None`, e.g. `?x9`" in text
    assert "keras.Input(shape=(None,))" in text


def test_unreadable_shape_hint_shows_an_unknown_size_that_is_no_answer():
    from grader.key import neutral_hints

    _, hint = neutral_hints(load_exercise(TEXT))
    assert hint.endswith("and a size that is not known as ? or None: ?x9 or (None, 9)")
    item = graded({("conv1", "output_shape"): "Lx128"})[("conv1", "output_shape")]
    assert item.status == "unreadable" and "?x9 or (None, 9)" in item.message


def test_the_solution_table_shows_unknown_sizes_and_macs(capsys):
    from grader.cli import main

    assert main(["solve", str(TEXT)]) == 0
    out = capsys.readouterr().out
    assert "1  embedding    Embedding           ?x64" in out
    assert main(["solve", str(TEXT), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["input_shape"] == [None] and data["layers"][1]["output_shape"] == [None, 128]
    assert data["layers"][1]["macs"] is None and data["total_macs"] is None


def test_a_concrete_length_solves_like_the_unknown_one_where_sizes_are_known():
    exercise = load_exercise(TEXT)
    for length in LENGTHS:
        concrete = solve("keras", {"input": (length,)}, exercise.layers)
        for ours, fixed in zip(exercise.solution.layers, concrete.layers):
            assert all(a is None or a == b for a, b in zip(ours.output_shape, fixed.output_shape))
            assert ours.params == fixed.params
    with pytest.raises(ShapeError):  # too short for the convolutions: a length the model cannot take
        solve("keras", {"input": (4,)}, exercise.layers)


SEQUENCE_PYTORCH = """id: any-length-pytorch
framework: pytorch
input_shape: [null]
layers:
  - {type: Embedding, num_embeddings: 50, embedding_dim: 8}
  - {type: LSTM, hidden_size: 6, batch_first: true, bidirectional: true}
  - {type: TransformerEncoderLayer, d_model: 12, nhead: 2, dim_feedforward: 16, batch_first: true}
  - {type: LayerNorm, normalized_shape: 12}
  - {type: Linear, out_features: 3}
"""


@pytest.mark.frameworks
def test_pytorch_model_code_of_a_sequence_of_any_length_runs_at_two_lengths():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the model code cannot be run")
    from grader.notebooks import model_code

    exercise = load_exercise_text(SEQUENCE_PYTORCH, "any.yaml")
    assert [s.output_shape for s in exercise.solution.layers] == [(None, 8), (None, 12), (None, 12), (None, 12),
                                                                  (None, 3)]
    namespace: dict = {}
    exec(compile(model_code(exercise), "<model code>", "exec"), namespace)  # our own code, not a student's
    model = namespace["model"].eval()
    for length in LENGTHS:
        with torch.no_grad():
            out = model(torch.zeros((1, length), dtype=torch.long))
        assert tuple(out.shape[1:]) == solve("pytorch", {"input": (length,)}, exercise.layers).layers[-1].output_shape
    assert sum(p.numel() for p in model.parameters()) == exercise.solution.total_params
