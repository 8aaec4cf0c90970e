"""Keras layer kinds: one row per case, with values checked in real Keras 3.

Each row is (layer mapping as an instructor writes it, input shape(s) without the batch,
output shape, parameters, non-trainable parameters, worked formula). The numbers were
produced by building each layer in Keras 3.15 (torch backend) with
``grader.frameworks.keras``; the engine must reproduce every row, and when Keras is
installed every row is re-built in Keras itself. The formula is ours: it must evaluate to
the count. MACs of convolutions and dense layers are compared with a brute-force count.
"""
from __future__ import annotations

import itertools
import json
import os
import warnings

import pytest

from grader.errors import ExerciseError, ShapeError
from grader.exercise import load_exercise_text

from .conftest import evaluate_formula

os.environ.setdefault("KERAS_BACKEND", "torch")  # the only Keras backend installed here



def exercise_doc(layer: dict, shapes) -> dict:
    """A one-layer exercise named ``probe``; several input shapes become inputs in0, in1, ..."""
    probe = {**layer, "name": "probe"}
    if shapes is None:  # an Input layer stands alone
        return {"id": "one-layer", "framework": "keras", "layers": [probe]}
    if isinstance(shapes, list):
        names = [f"in{i}" for i in range(len(shapes))]
        return {"id": "one-layer", "framework": "keras", "inputs": {n: list(s) for n, s in zip(names, shapes)},
                "layers": [{**probe, "inputs": names}]}
    return {"id": "one-layer", "framework": "keras", "input_shape": list(shapes), "layers": [probe]}


def solve_one(layer: dict, shapes):
    return load_exercise_text(json.dumps(exercise_doc(layer, shapes)), "case.yaml").solution.layer("probe")


def row_id(row) -> str:
    layer = row[0]
    extra = ",".join(f"{k}={v}" for k, v in layer.items() if k != "type")
    return f"{layer['type']}({extra})".replace(" ", "")


# (layer, input shape or [shapes] or None, output shape, params, non-trainable, formula)
CASES = [
    ({'type': 'Input', 'shape': [28, 28, 1]}, None, (28, 28, 1), 0, 0, '0'),
    ({'type': 'Dense', 'units': 10}, (8,), (10,), 90, 0, '(8 + 1) * 10'),
    ({'type': 'Dense', 'units': 3}, (4, 5, 6), (4, 5, 3), 21, 0, '(6 + 1) * 3'),
    ({'type': 'Dense', 'units': 10, 'use_bias': False}, (8,), (10,), 80, 0, '8 * 10'),
    ({'type': 'Conv2D', 'filters': 64, 'kernel_size': 3}, (8, 8, 3), (6, 6, 64), 1792, 0, '(3*3*3 + 1) * 64'),
    ({'type': 'Conv2D', 'filters': 32, 'kernel_size': 5, 'strides': 2, 'padding': 'same'}, (28, 28, 1), (14, 14, 32), 832, 0, '(5*5*1 + 1) * 32'),
    ({'type': 'Conv2D', 'filters': 8, 'kernel_size': 3, 'dilation_rate': 2}, (10, 10, 3), (6, 6, 8), 224, 0, '(3*3*3 + 1) * 8'),
    ({'type': 'Conv2D', 'filters': 6, 'kernel_size': 3, 'groups': 2}, (8, 8, 4), (6, 6, 6), 114, 0, '(3*3*2 + 1) * 6'),
    ({'type': 'Conv2D', 'filters': 16, 'kernel_size': [3, 1], 'strides': [2, 1], 'use_bias': False}, (9, 9, 3), (4, 9, 16), 144, 0, '3*1*3 * 16'),
    ({'type': 'Conv2D', 'filters': 16, 'kernel_size': 3, 'data_format': 'channels_first'}, (3, 8, 8), (16, 6, 6), 448, 0, '(3*3*3 + 1) * 16'),
    ({'type': 'Conv1D', 'filters': 8, 'kernel_size': 3, 'padding': 'causal', 'dilation_rate': 2}, (10, 4), (10, 8), 104, 0, '(3*4 + 1) * 8'),
    ({'type': 'Conv1D', 'filters': 8, 'kernel_size': 3, 'strides': 2}, (10, 4), (4, 8), 104, 0, '(3*4 + 1) * 8'),
    ({'type': 'Conv3D', 'filters': 4, 'kernel_size': 3}, (8, 8, 8, 2), (6, 6, 6, 4), 220, 0, '(3*3*3*2 + 1) * 4'),
    ({'type': 'Conv3D', 'filters': 4, 'kernel_size': 3, 'strides': 2, 'padding': 'same', 'data_format': 'channels_first'}, (2, 7, 8, 9), (4, 4, 4, 5), 220, 0, '(3*3*3*2 + 1) * 4'),
    ({'type': 'Conv2DTranspose', 'filters': 8, 'kernel_size': 3, 'strides': 2}, (7, 7, 16), (15, 15, 8), 1160, 0, '(3*3*16 + 1) * 8'),
    ({'type': 'Conv2DTranspose', 'filters': 8, 'kernel_size': 3, 'strides': 2, 'padding': 'same'}, (7, 7, 16), (14, 14, 8), 1160, 0, '(3*3*16 + 1) * 8'),
    ({'type': 'Conv2DTranspose', 'filters': 8, 'kernel_size': 3, 'strides': 2, 'output_padding': 1}, (7, 7, 16), (16, 16, 8), 1160, 0, '(3*3*16 + 1) * 8'),
    ({'type': 'Conv2DTranspose', 'filters': 4, 'kernel_size': 4, 'strides': 2, 'padding': 'same', 'output_padding': 1, 'data_format': 'channels_first'}, (16, 5, 5), (4, 9, 9), 1028, 0, '(4*4*16 + 1) * 4'),
    ({'type': 'Conv1DTranspose', 'filters': 4, 'kernel_size': 3, 'dilation_rate': 2}, (10, 2), (14, 4), 28, 0, '(3*2 + 1) * 4'),
    ({'type': 'Conv3DTranspose', 'filters': 2, 'kernel_size': 2, 'strides': 2}, (3, 4, 5, 6), (6, 8, 10, 2), 98, 0, '(2*2*2*6 + 1) * 2'),
    ({'type': 'DepthwiseConv2D', 'kernel_size': 3, 'depth_multiplier': 2}, (8, 8, 3), (6, 6, 6), 60, 0, '(3*3 + 1) * 6'),
    ({'type': 'DepthwiseConv2D', 'kernel_size': 3, 'strides': 2, 'padding': 'same', 'use_bias': False}, (9, 9, 4), (5, 5, 4), 36, 0, '3*3 * 4'),
    ({'type': 'DepthwiseConv1D', 'kernel_size': 5, 'depth_multiplier': 3}, (20, 2), (16, 6), 36, 0, '(5 + 1) * 6'),
    ({'type': 'SeparableConv2D', 'filters': 16, 'kernel_size': 3}, (8, 8, 3), (6, 6, 16), 91, 0, '3*3 * 3 + (3 + 1) * 16'),
    ({'type': 'SeparableConv2D', 'filters': 8, 'kernel_size': 3, 'depth_multiplier': 2, 'padding': 'same'}, (6, 6, 4), (6, 6, 8), 144, 0, '3*3 * 8 + (8 + 1) * 8'),
    ({'type': 'SeparableConv1D', 'filters': 4, 'kernel_size': 3, 'strides': 2}, (11, 6), (5, 4), 46, 0, '3 * 6 + (6 + 1) * 4'),
    ({'type': 'MaxPooling2D'}, (8, 8, 3), (4, 4, 3), 0, 0, '0'),
    ({'type': 'MaxPooling2D', 'pool_size': 3, 'strides': 2, 'padding': 'same'}, (15, 15, 8), (8, 8, 8), 0, 0, '0'),
    ({'type': 'MaxPooling2D', 'pool_size': 2, 'data_format': 'channels_first'}, (3, 9, 7), (3, 4, 3), 0, 0, '0'),
    ({'type': 'AveragePooling2D', 'pool_size': 2, 'strides': 1}, (5, 5, 2), (4, 4, 2), 0, 0, '0'),
    ({'type': 'MaxPooling1D', 'pool_size': 3}, (10, 4), (3, 4), 0, 0, '0'),
    ({'type': 'AveragePooling1D', 'pool_size': 4, 'strides': 2, 'padding': 'same'}, (9, 4), (5, 4), 0, 0, '0'),
    ({'type': 'MaxPooling3D', 'pool_size': [2, 2, 1]}, (4, 6, 3, 2), (2, 3, 3, 2), 0, 0, '0'),
    ({'type': 'AveragePooling3D', 'pool_size': 2, 'padding': 'same'}, (5, 5, 5, 1), (3, 3, 3, 1), 0, 0, '0'),
    ({'type': 'GlobalAveragePooling2D'}, (6, 6, 64), (64,), 0, 0, '0'),
    ({'type': 'GlobalMaxPooling2D', 'data_format': 'channels_first'}, (64, 6, 6), (64,), 0, 0, '0'),
    ({'type': 'GlobalAveragePooling1D', 'keepdims': True}, (10, 8), (1, 8), 0, 0, '0'),
    ({'type': 'GlobalMaxPooling1D'}, (10, 8), (8,), 0, 0, '0'),
    ({'type': 'Flatten'}, (6, 6, 64), (2304,), 0, 0, '0'),
    ({'type': 'Reshape', 'target_shape': [-1, 4]}, (6, 6, 2), (18, 4), 0, 0, '0'),
    ({'type': 'Dropout', 'rate': 0.5}, (128,), (128,), 0, 0, '0'),
    ({'type': 'Activation', 'activation': 'relu'}, (4, 4, 8), (4, 4, 8), 0, 0, '0'),
    ({'type': 'BatchNormalization'}, (6, 6, 64), (6, 6, 64), 256, 128, '4 * 64'),
    ({'type': 'BatchNormalization', 'axis': 1}, (16, 5, 5), (16, 5, 5), 64, 32, '4 * 16'),
    ({'type': 'BatchNormalization', 'center': False}, (32,), (32,), 96, 64, '3 * 32'),
    ({'type': 'LayerNormalization'}, (10, 16), (10, 16), 32, 0, '2 * 16'),
    ({'type': 'LayerNormalization', 'axis': [1, 2]}, (4, 5), (4, 5), 40, 0, '2 * 4*5'),
    ({'type': 'Embedding', 'input_dim': 1000, 'output_dim': 64}, (20,), (20, 64), 64000, 0, '1000 * 64'),
    ({'type': 'SimpleRNN', 'units': 32}, (10, 8), (32,), 1312, 0, '(8 + 32 + 1) * 32'),
    ({'type': 'LSTM', 'units': 16, 'return_sequences': True}, (10, 8), (10, 16), 1600, 0, '(8 + 16 + 1) * 4*16'),
    ({'type': 'GRU', 'units': 16}, (10, 8), (16,), 1248, 0, '(8 + 16 + 2) * 3*16'),
    ({'type': 'GRU', 'units': 16, 'reset_after': False, 'return_sequences': True}, (10, 8), (10, 16), 1200, 0, '(8 + 16 + 1) * 3*16'),
    ({'type': 'Bidirectional', 'layer': {'type': 'LSTM', 'units': 8}}, (10, 4), (16,), 832, 0, '2 * (4 + 8 + 1) * 4*8'),
    ({'type': 'Bidirectional', 'layer': {'type': 'GRU', 'units': 6, 'return_sequences': True}, 'merge_mode': 'sum'}, (12, 5), (12, 6), 468, 0, '2 * (5 + 6 + 2) * 3*6'),
    ({'type': 'ZeroPadding2D', 'padding': 1}, (6, 6, 3), (8, 8, 3), 0, 0, '0'),
    ({'type': 'ZeroPadding2D', 'padding': [[1, 2], [3, 4]], 'data_format': 'channels_first'}, (3, 6, 6), (3, 9, 13), 0, 0, '0'),
    ({'type': 'Cropping2D', 'cropping': [[1, 1], [2, 2]]}, (8, 8, 3), (6, 4, 3), 0, 0, '0'),
    ({'type': 'UpSampling2D', 'size': 2}, (6, 6, 3), (12, 12, 3), 0, 0, '0'),
    ({'type': 'UpSampling2D', 'size': [2, 3], 'data_format': 'channels_first'}, (3, 4, 5), (3, 8, 15), 0, 0, '0'),
    ({'type': 'MultiHeadAttention', 'num_heads': 2, 'key_dim': 4}, (10, 16), (10, 16), 552, 0, '3 * (16 + 1) * 2*4 + (2*4 + 1) * 16'),
    ({'type': 'MultiHeadAttention', 'num_heads': 4, 'key_dim': 8, 'value_dim': 2, 'output_shape': 6}, [(10, 16), (5, 12)], (10, 6), 1118, 0, '(16 + 1) * 4*8 + (12 + 1) * 4*8 + (12 + 1) * 4*2 + (4*2 + 1) * 6'),
    ({'type': 'MultiHeadAttention', 'num_heads': 2, 'key_dim': 3, 'use_bias': False}, [(7, 5), (4, 6), (4, 2)], (7, 5), 108, 0, '5 * 2*3 + 2 * 2*3 + 6 * 2*3 + 2*3 * 5'),
    ({'type': 'Add'}, [(4, 4, 8), (4, 4, 8)], (4, 4, 8), 0, 0, '0'),
    ({'type': 'Concatenate'}, [(4, 4, 8), (4, 4, 3)], (4, 4, 11), 0, 0, '0'),
    ({'type': 'Concatenate', 'axis': 1}, [(2, 5), (3, 5), (1, 5)], (6, 5), 0, 0, '0'),
    ({'type': 'Multiply'}, [(16,), (16,)], (16,), 0, 0, '0'),
    ({'type': 'Average'}, [(3, 8), (3, 8), (3, 8)], (3, 8), 0, 0, '0'),
    ({'type': 'Subtract'}, [(6, 1), (6, 4)], (6, 4), 0, 0, '0'),
    ({'type': 'Maximum'}, [(5,), (5,)], (5,), 0, 0, '0'),
    ({'type': 'Minimum'}, [(2, 3), (2, 3)], (2, 3), 0, 0, '0'),
    ({'type': 'TimeDistributed', 'layer': {'type': 'Dense', 'units': 8}}, (10, 16), (10, 8), 136, 0, '(16 + 1) * 8'),
    ({'type': 'TimeDistributed', 'layer': {'type': 'Conv2D', 'filters': 4, 'kernel_size': 3}}, (5, 8, 8, 1), (5, 6, 6, 4), 40, 0, '(3*3*1 + 1) * 4'),
    ({'type': 'Permute', 'dims': [2, 1]}, (10, 16), (16, 10), 0, 0, '0'),
    ({'type': 'RepeatVector', 'n': 3}, (8,), (3, 8), 0, 0, '0'),
    ({'type': 'GroupNormalization', 'groups': 4}, (6, 6, 8), (6, 6, 8), 16, 0, '2 * 8'),
    ({'type': 'GroupNormalization', 'groups': -1}, (10, 6), (10, 6), 12, 0, '2 * 6'),
    ({'type': 'SpatialDropout2D', 'rate': 0.2}, (6, 6, 8), (6, 6, 8), 0, 0, '0'),
    ({'type': 'SpatialDropout1D', 'rate': 0.2}, (10, 8), (10, 8), 0, 0, '0'),
    ({'type': 'ZeroPadding1D', 'padding': [1, 2]}, (10, 4), (13, 4), 0, 0, '0'),
    ({'type': 'ZeroPadding3D', 'padding': 1}, (4, 4, 4, 2), (6, 6, 6, 2), 0, 0, '0'),
    ({'type': 'Cropping1D', 'cropping': 2}, (10, 4), (6, 4), 0, 0, '0'),
    ({'type': 'Cropping3D', 'cropping': [1, [0, 2], 1]}, (6, 6, 6, 1), (4, 4, 4, 1), 0, 0, '0'),
    ({'type': 'UpSampling1D', 'size': 3}, (4, 2), (12, 2), 0, 0, '0'),
    ({'type': 'UpSampling3D'}, (2, 3, 4, 1), (4, 6, 8, 1), 0, 0, '0'),    # preprocessing and augmentation (the TensorFlow image classification tutorial's first layers)
    ({'type': 'Rescaling', 'scale': 1 / 255}, (180, 180, 3), (180, 180, 3), 0, 0, '0'),
    ({'type': 'Rescaling', 'scale': 1 / 127.5, 'offset': -1}, (10,), (10,), 0, 0, '0'),
    ({'type': 'RandomFlip', 'mode': 'horizontal'}, (180, 180, 3), (180, 180, 3), 0, 0, '0'),
    ({'type': 'RandomFlip', 'data_format': 'channels_first'}, (3, 32, 32), (3, 32, 32), 0, 0, '0'),
    ({'type': 'RandomRotation', 'factor': 0.1}, (180, 180, 3), (180, 180, 3), 0, 0, '0'),
    ({'type': 'RandomRotation', 'factor': [-0.2, 0.3], 'fill_mode': 'constant'}, (16, 16, 1), (16, 16, 1), 0, 0, '0'),
    ({'type': 'RandomZoom', 'height_factor': 0.1}, (180, 180, 3), (180, 180, 3), 0, 0, '0'),
    ({'type': 'RandomZoom', 'height_factor': [-0.3, 0.2], 'width_factor': 0.1, 'interpolation': 'nearest'}, (16, 16, 3), (16, 16, 3), 0, 0, '0'),
    ({'type': 'RandomTranslation', 'height_factor': 0.1, 'width_factor': [-0.2, 0.2]}, (28, 28, 1), (28, 28, 1), 0, 0, '0'),
    ({'type': 'RandomContrast', 'factor': 0.2}, (32, 32, 3), (32, 32, 3), 0, 0, '0'),
    ({'type': 'RandomBrightness', 'factor': [-0.2, 0.4], 'value_range': [0, 1]}, (32, 32, 3), (32, 32, 3), 0, 0, '0'),
    ({'type': 'Resizing', 'height': 64, 'width': 48}, (180, 180, 3), (64, 48, 3), 0, 0, '0'),
    ({'type': 'Resizing', 'height': 8, 'width': 8, 'crop_to_aspect_ratio': True, 'data_format': 'channels_first'}, (3, 20, 10), (3, 8, 8), 0, 0, '0'),
    ({'type': 'CenterCrop', 'height': 24, 'width': 20}, (32, 32, 3), (24, 20, 3), 0, 0, '0'),
    ({'type': 'CenterCrop', 'height': 40, 'width': 40}, (32, 32, 3), (40, 40, 3), 0, 0, '0'),
    ({'type': 'RandomCrop', 'height': 24, 'width': 24}, (32, 32, 3), (24, 24, 3), 0, 0, '0'),
    ({'type': 'RandomCrop', 'height': 5, 'width': 6, 'data_format': 'channels_first'}, (2, 8, 9), (2, 5, 6), 0, 0, '0'),
    # PReLU: alpha has the input's shape unless shared_axes (Keras indexes alpha with axis - 1)
    ({'type': 'PReLU'}, (6, 6, 8), (6, 6, 8), 288, 0, '6*6*8'),
    ({'type': 'PReLU', 'shared_axes': [1, 2]}, (6, 6, 8), (6, 6, 8), 8, 0, '8'),
    ({'type': 'PReLU', 'shared_axes': 1}, (10, 16), (10, 16), 16, 0, '16'),
    ({'type': 'PReLU', 'shared_axes': 0}, (6, 5, 8), (6, 5, 8), 30, 0, '6*5'),
    ({'type': 'PReLU'}, (32,), (32,), 32, 0, '32'),
    ({'type': 'UnitNormalization'}, (10, 16), (10, 16), 0, 0, '0'),
    ({'type': 'UnitNormalization', 'axis': [1, 2]}, (4, 5), (4, 5), 0, 0, '0'),
    ({'type': 'RMSNormalization'}, (10, 16), (10, 16), 16, 0, '16'),
    ({'type': 'RMSNormalization', 'axis': [-2, -1]}, (3, 4, 5), (3, 4, 5), 20, 0, '4*5'),
    ({'type': 'Dot', 'axes': 1}, [(8,), (8,)], (1,), 0, 0, '0'),
    ({'type': 'Dot', 'axes': -1, 'normalize': True}, [(5, 8), (7, 8)], (5, 7), 0, 0, '0'),
    ({'type': 'Dot', 'axes': [1, 2]}, [(5, 8), (3, 5)], (8, 3), 0, 0, '0'),
    ({'type': 'Dot', 'axes': [3, 3]}, [(4, 5, 8), (2, 7, 8)], (4, 5, 2, 7), 0, 0, '0'),
    ({'type': 'Dot', 'axes': [2, 1]}, [(3, 4), (4,)], (3,), 0, 0, '0'),
]


@pytest.mark.parametrize("row", CASES, ids=[row_id(r) for r in CASES])
def test_engine_reproduces_the_keras_row(row):
    layer, shapes, out, params, frozen, formula = row
    got = solve_one(layer, shapes)
    assert (got.output_shape, got.params, got.non_trainable_params, got.formula) == (out, params, frozen, formula)
    assert got.trainable_params == params - frozen


@pytest.mark.parametrize("row", CASES, ids=[row_id(r) for r in CASES])
def test_formula_evaluates_to_the_parameter_count(row):
    assert evaluate_formula(row[5]) == row[3]


@pytest.mark.frameworks
@pytest.mark.parametrize("row", CASES, ids=[row_id(r) for r in CASES])
def test_row_rebuilt_in_real_keras(row):
    pytest.importorskip("keras", reason="Keras 3 is not installed: the rows cannot be re-checked in it")
    from grader.frameworks.keras import build_keras_model, layer_stats, run_once

    layer, shapes, out, params, frozen, _ = row
    exercise = load_exercise_text(json.dumps(exercise_doc(layer, shapes)), "case.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build_keras_model(exercise)
        ran = run_once(model)
    real = layer_stats(model, exercise)["probe"]
    assert real == {"output_shape": out, "params": params, "trainable": params - frozen, "non_trainable": frozen}
    assert ran == [out]  # and a real forward pass agrees


# -- MACs against a brute-force count ------------------------------------------------------

def window_starts(n: int, k: int, s: int, d: int, padding: str) -> list[int]:
    """Where each window starts along one axis, sliding over the input as Keras pads it."""
    span = d * (k - 1) + 1
    if padding == "valid":
        length = n
    elif padding == "causal":
        length = n + span - 1
    else:  # 'same' pads max((out - 1) * s + span - n, 0) in all, out = ceil(n / s)
        length = max((-(-n // s) - 1) * s + span, n)
    return list(range(0, length - span + 1, s))


def as_tuple(value, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * rank


def brute_force_macs(layer: dict, shape: tuple[int, ...]) -> int:
    """Count multiply-accumulates one by one: every window, every tap, every channel."""
    kind = layer["type"]
    if kind == "Dense":
        return sum(layer["units"] for _ in itertools.product(*(range(n) for n in shape)))
    rank = len(shape) - 1
    first = layer.get("data_format") == "channels_first"
    spatial, cin = (shape[1:], shape[0]) if first else (shape[:-1], shape[-1])
    kernel = as_tuple(layer["kernel_size"], rank)
    strides = as_tuple(layer.get("strides", 1), rank)
    dilation = as_tuple(layer.get("dilation_rate", 1), rank)
    starts = [window_starts(n, k, s, d, layer.get("padding", "valid"))
              for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    mid = cin * layer.get("depth_multiplier", 1)
    per_tap = {"Conv": cin // layer.get("groups", 1) * layer.get("filters", 0), "Depthwise": mid,
               "Separable": mid}[next(p for p in ("Conv", "Depthwise", "Separable") if kind.startswith(p))]
    total = 0
    for _ in itertools.product(*starts):
        for _ in itertools.product(*(range(k) for k in kernel)):
            total += per_tap
        if kind.startswith("Separable"):
            total += mid * layer["filters"]  # the pointwise 1x1 convolution at this position
    return total


MAC_CASES = [r for r in CASES if r[0]["type"] == "Dense" or (
    r[0]["type"].startswith(("Conv", "DepthwiseConv", "SeparableConv")) and "Transpose" not in r[0]["type"])]


@pytest.mark.parametrize("row", MAC_CASES, ids=[row_id(r) for r in MAC_CASES])
def test_macs_equal_a_brute_force_count(row):
    layer, shape = row[0], row[1]
    assert solve_one(layer, shape).macs == brute_force_macs(layer, shape)


# -- what the grader rejects, as Keras does -------------------------------------------------

# (layer, input shape(s), what the message says): Keras 3 refuses each of these too
ERRORS = [
    ({"type": "Conv2D", "filters": 4, "kernel_size": 9}, (8, 8, 3), r"window \(size 9\) is larger than the input \(8\)"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}, (8, 8, 3),
     r"3 input channels are not divisible by groups=2"),
    ({"type": "Conv2D", "filters": 5, "kernel_size": 3, "groups": 2}, (8, 8, 4), r"filters \(5\) must be divisible by groups"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (9, 9, 3),
     r"strides > 1 together with dilation_rate > 1"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "causal"}, (8, 8, 3), r"'padding' must be one of"),
    ({"type": "DepthwiseConv1D", "kernel_size": 3, "padding": "causal"}, (8, 3), r"'padding' must be one of"),
    ({"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3, "strides": 2, "output_padding": 2}, (5, 5, 3),
     r"output_padding \[2, 2\] must be smaller than strides"),
    ({"type": "MaxPooling2D", "pool_size": 9}, (8, 8, 3), r"window \(size 9\) is larger than the input"),
    ({"type": "AveragePooling2D"}, (8, 8, 3), r"missing required argument 'pool_size'"),
    ({"type": "Dropout"}, (8,), r"missing required argument 'rate'"),
    ({"type": "Dropout", "rate": 1.5}, (8,), r"'rate' must be a number from 0 to 1"),
    ({"type": "Add"}, [(4, 4, 8), (4, 4, 3)], r"Add needs inputs of the same shape, got \(4, 4, 8\) and \(4, 4, 3\)"),
    ({"type": "Concatenate"}, [(2, 5), (3, 4)], r"Concatenate on axis -1 needs the other dimensions equal"),
    ({"type": "BatchNormalization", "axis": [1, 2]}, (4, 5, 6), r"'axis' must be one integer axis"),
    ({"type": "GroupNormalization", "groups": 4}, (10, 6), r"6 channels are not divisible by groups=4"),
    ({"type": "Cropping2D", "cropping": [[4, 4], [0, 0]]}, (8, 8, 3), r"removes all of \(8, 8, 3\)"),
    ({"type": "Reshape", "target_shape": [5, -1]}, (6, 6, 2), r"cannot reshape \(6, 6, 2\) \(72 values\)"),
    ({"type": "SpatialDropout2D", "rate": 0.5}, (10, 8), r"expects a 3-D \(height, width, channels\) input"),
    ({"type": "SimpleRNN", "units": 4}, (8,), r"expects a 2-D \(timesteps, features\) input"),
    ({"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 2}, [(8, 3), (2, 5, 7)], r"must have the same rank"),
    ({"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 2}, [(8, 3), (5, 7), (4, 2)],
     r"value \(5, 7\) and key \(4, 2\) must agree"),
    ({"type": "UpSampling1D", "size": [2]}, (8, 3), r"'size' must be a positive integer"),
    ({"type": "ZeroPadding1D", "padding": [3]}, (8, 3), r"'padding' must be an integer or \[before, after\]"),
    ({"type": "TimeDistributed", "layer": {"type": "Dense", "units": 3}}, (8,), r"at least a 2-D \(timesteps"),
    ({"type": "RandomFlip"}, (4, 8, 8, 3), r"expects a 3-D \(height, width, channels\) input but receives \(4, 8, 8, 3\)"),
    ({"type": "RandomContrast", "factor": 0.1}, (16,), r"expects a 3-D \(height, width, channels\) input"),
    ({"type": "CenterCrop", "height": 4, "width": 4}, (16,), r"expects a 3-D \(height, width, channels\) input"),
    ({"type": "Rescaling"}, (8, 8, 3), r"missing required argument 'scale'"),
    ({"type": "RandomRotation", "factor": 2}, (8, 8, 3), r"'factor' must be a number in \[-1, 1\]"),
    ({"type": "RandomRotation", "factor": 0.1, "fill_mode": "mirror"}, (8, 8, 3), r"'fill_mode' must be one of"),
    # compared exactly by Keras (unlike padding and data_format, which it lowercases)
    ({"type": "RandomRotation", "factor": 0.1, "fill_mode": "Reflect"}, (8, 8, 3), r"'fill_mode' must be one of"),
    ({"type": "RandomZoom", "height_factor": 0.1, "interpolation": "Nearest"}, (8, 8, 3),
     r"'interpolation' must be one of"),
    ({"type": "RandomZoom", "height_factor": -1}, (8, 8, 3), r"'height_factor' must be a number in \(-1, 1\]"),
    ({"type": "RandomZoom", "height_factor": [0.1, 1.5]}, (8, 8, 3), r"'height_factor' must be a number"),
    ({"type": "RandomTranslation", "height_factor": 0.1}, (8, 8, 3), r"missing required argument 'width_factor'"),
    ({"type": "RandomContrast", "factor": 1.5}, (8, 8, 3), r"'factor' must be a number in \[0, 1\]"),
    ({"type": "RandomBrightness", "factor": 0.1, "value_range": [255]}, (8, 8, 3), r"'value_range' must be a list of two"),
    ({"type": "Resizing", "height": 4, "width": 4, "crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True},
     (8, 8, 3), r"only one of crop_to_aspect_ratio and pad_to_aspect_ratio"),
    ({"type": "PReLU", "shared_axes": 4}, (6, 5, 8), r"shared_axes \[4\] is out of range for \(6, 5, 8\)"),
    ({"type": "PReLU", "shared_axes": -3}, (6, 5, 8), r"shared_axes \[-3\] is out of range"),
    ({"type": "UnitNormalization", "axis": 3}, (6, 8), r"axis 3 is out of range for an input of rank 2"),
    ({"type": "UnitNormalization", "axis": [2, -1]}, (6, 8), r"names one axis twice"),
    ({"type": "RMSNormalization", "axis": 1}, (6, 8), r"builds a scale of shape \(6,\), which Keras cannot apply"),
    ({"type": "RMSNormalization", "axis": [1, 3]}, (4, 6, 8), r"scale of shape \(4, 8\)"),
    ({"type": "RMSNormalization", "axis": 0}, (6, 8), r"axis 0 is the batch dimension"),
    ({"type": "Dot", "axes": 1}, [(8,), (7,)], r"Dot needs the axes to have one size, got 8 .* and 7"),
    ({"type": "Dot", "axes": 0}, [(8,), (8,)], r"names the batch dimension"),
    ({"type": "Dot", "axes": -3}, [(5, 8), (7, 8)], r"names the batch dimension"),
    ({"type": "Dot", "axes": [1, 3]}, [(5, 8), (5, 3)], r"axes \[1, 3\] is out of range for the input \(5, 3\)"),
]


@pytest.mark.parametrize("row", ERRORS, ids=[row_id(r) for r in ERRORS])
def test_grader_rejects_with_a_located_message(row):
    layer, shapes, match = row
    with pytest.raises((ExerciseError, ShapeError), match=match) as caught:
        solve_one(layer, shapes)
    assert str(caught.value).startswith("case.yaml:") and "layer 'probe'" in str(caught.value)


@pytest.mark.frameworks
@pytest.mark.parametrize("row", ERRORS, ids=[row_id(r) for r in ERRORS])
def test_keras_cannot_build_or_run_the_same_layer(row):
    pytest.importorskip("keras", reason="Keras 3 is not installed: the rejections cannot be re-checked in it")
    from grader.frameworks.keras import build_model, run_once

    doc = exercise_doc(row[0], row[1])
    inputs = doc.get("inputs") or {"input": doc["input_shape"]}
    probe = doc["layers"][0]
    names = probe.get("inputs", ["input"])
    # Keras builds the MultiHeadAttention of mixed ranks but cannot run it: build, then run once
    with warnings.catch_warnings(), pytest.raises(Exception):  # noqa: B017 - whatever Keras raises
        warnings.simplefilter("ignore")
        run_once(build_model(inputs, [("probe", probe["type"], probe, names)]))


@pytest.mark.parametrize("alias, type_name", [
    ("MaxPool2D", "MaxPooling2D"), ("AvgPool1D", "AveragePooling1D"), ("AvgPool3D", "AveragePooling3D"),
    ("GlobalAvgPool2D", "GlobalAveragePooling2D"), ("GlobalMaxPool1D", "GlobalMaxPooling1D"),
    ("Convolution2D", "Conv2D"),
])
def test_keras_aliases_name_the_same_kind(alias, type_name):
    from grader.layers import lookup
    assert lookup("keras", alias) is lookup("keras", type_name)
    try:
        import keras
    except ImportError:
        return
    assert getattr(keras.layers, alias) is getattr(keras.layers, type_name)


# -- image layers want one image per example -------------------------------------------------

IMAGE_LAYERS = [{"type": "RandomFlip"}, {"type": "RandomRotation", "factor": 0.1},
                {"type": "RandomZoom", "height_factor": 0.1},
                {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1},
                {"type": "RandomContrast", "factor": 0.1}, {"type": "RandomBrightness", "factor": 0.1},
                {"type": "Resizing", "height": 4, "width": 4}, {"type": "CenterCrop", "height": 4, "width": 4},
                {"type": "RandomCrop", "height": 4, "width": 4}]


@pytest.mark.parametrize("layer", IMAGE_LAYERS, ids=[row_id((r,)) for r in IMAGE_LAYERS])
def test_image_layers_refuse_a_2d_example(layer):
    # Keras builds these on (height, width) but reads the batch as the height (next test)
    with pytest.raises((ExerciseError, ShapeError), match=r"expects a 3-D \(height, width, channels\) input but receives \(6, 4\)"):
        solve_one(layer, (6, 4))


@pytest.mark.frameworks
def test_keras_reads_a_2d_example_as_one_image_whose_height_is_the_batch():
    pytest.importorskip("keras", reason="Keras 3 is not installed: the behaviour cannot be shown in it")
    from grader.frameworks.keras import build_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build_model({"input": (6, 4)}, [("probe", "Resizing", {"height": 5, "width": 7}, ["input"])])
    # (batch, 6, 4) taken as (height, width, channels): resized to (5, 7, 4), the batch axis lost
    assert tuple(model.outputs[0].shape) == (5, 7, 4)
