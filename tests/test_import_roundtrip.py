"""Round trip: exercise -> the model code ``grader notebook`` writes -> ``grader import`` -> the
same layers, names, shapes and counts. For every shipped exercise, and for random models
drawn by the differential tests' generators (Keras ones from the engine's rules, PyTorch ones
checked layer by layer in PyTorch while they are drawn).

``grader notebook``'s PyTorch code does not say the input shape (a forward() never does), so
the import is given it, as an instructor would with ``--input-shape``. An exercise's leading
``Input`` layer and its ``input_shape:`` are the same code (``keras.Input(...)``), so the
comparison leaves Input layers out.
"""
from __future__ import annotations

import os

import pytest

from grader.exercise import load_exercise, load_exercise_text
from grader.importer import import_code
from grader.notebooks import model_code

from .conftest import EXERCISES

EXAMPLES = int(os.environ.get("GRADER_DIFF_EXAMPLES", "300"))


def _shapes(exercise) -> list[str] | str:
    if len(exercise.inputs) == 1:
        return ",".join(map(str, exercise.input_shape))
    return [f"{name}={','.join(map(str, shape))}" for name, shape in exercise.inputs.items()]


def _layers(exercise) -> list[tuple]:
    return [(layer.name, layer.type, layer.output_shape, layer.params, layer.trainable_params)
            for layer in exercise.solution.layers if layer.type != "InputLayer"]


def assert_round_trip(exercise) -> None:
    code = model_code(exercise)
    shapes = _shapes(exercise) if exercise.framework == "pytorch" else None
    imported = import_code(code, "model.py", input_shape=shapes).exercise
    assert _layers(imported) == _layers(exercise), code
    assert imported.framework == exercise.framework
    assert imported.solution.total_params == exercise.solution.total_params


@pytest.mark.parametrize("path", sorted(EXERCISES.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_exercise_round_trip(path):
    assert_round_trip(load_exercise(path))


def test_keras_code_needs_no_input_shape_but_names_come_back():
    exercise = load_exercise(EXERCISES / "inception-block.yaml")
    imported = import_code(model_code(exercise), "model.py").exercise
    assert [layer.inputs for layer in imported.layers] == [layer.inputs for layer in exercise.layers]


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def _keras_generators():
    pytest.importorskip("keras", reason="the random Keras models come from tests/test_differential_keras.py, "
                                        "which needs Keras 3")
    from . import test_differential_keras as generators
    return generators


def _torch_generators():
    pytest.importorskip("torch", reason="the random PyTorch models are drawn by running their layers in PyTorch")
    from . import test_differential_torch as generators
    return generators


def _with_layers(text: str):
    exercise = load_exercise_text(text, "random.yaml")
    return exercise if _layers(exercise) else None   # a model of one Input layer has no code to import


@pytest.mark.frameworks
@settings(SETTINGS, max_examples=max(1, EXAMPLES // 2))
@given(data=st.data())
def test_random_keras_sequential_and_graph_models_round_trip(data):
    generators = _keras_generators()
    net = data.draw(generators.sequential_models(data.draw(st.integers(1, 4))))
    exercise = _with_layers(net.yaml())
    if exercise is not None:
        assert_round_trip(exercise)


@pytest.mark.frameworks
@settings(SETTINGS, max_examples=max(1, EXAMPLES // 4))
@given(data=st.data())
def test_random_keras_multi_input_models_round_trip(data):
    assert_round_trip(load_exercise_text(data.draw(_keras_generators().multi_input_models()).yaml(), "random.yaml"))


@pytest.mark.frameworks
@settings(SETTINGS, max_examples=max(1, EXAMPLES // 100))
@given(data=st.data())
def test_every_keras_kind_round_trips(data):
    generators = _keras_generators()
    for type_name in generators.KERAS_TYPES:
        exercise = _with_layers(data.draw(generators.focused_models(type_name)).yaml())
        if exercise is not None:
            assert_round_trip(exercise)


@pytest.mark.frameworks
@settings(SETTINGS, max_examples=max(1, EXAMPLES // 3))
@given(data=st.data())
def test_random_pytorch_models_round_trip(data):
    generators = _torch_generators()
    strategy = data.draw(st.sampled_from([generators.chains(), generators.graphs(), generators.multi_input()]))
    assert_round_trip(load_exercise_text(data.draw(strategy), "random.yaml"))
