"""Every shipped exercise built in its real framework (Keras 3 or PyTorch): each layer's
output shape and parameter counts must equal what grader solves.

An exercise with a size that is not known (``input_shape: [null]``) is built with None in
Keras, which prints None where the size follows it; PyTorch has no None, so the model runs
with two lengths: the sizes that agree are the known ones, the others must be None in the
solution, and each run's shapes are the solution's for that length.
"""
import importlib
import os

import pytest

from grader.engine import solve
from grader.exercise import load_exercise
from grader.shapes import with_size

from .conftest import EXERCISES

os.environ.setdefault("KERAS_BACKEND", "torch")  # the only Keras backend installed here

PATHS = sorted(EXERCISES.glob("*.yaml"))
# a few per-student variants on top of the instructor's own
VARIANTS = [(p, None) for p in PATHS] + [(EXERCISES / "cnn-your-turn.yaml", s) for s in ("bob", "s1", "s17")]
BUILDERS = {"keras": ("keras", "build_keras_model"), "pytorch": ("torch", "build_torch_model")}


def _framework(name: str):
    """(build, layer_stats) of grader.frameworks.<name>, or skip saying what is missing."""
    package = {"keras": "keras", "torch": "torch"}[name]
    pytest.importorskip(package, reason=f"{package} is not installed: cannot build the exercise in it")
    try:
        module = importlib.import_module(f"grader.frameworks.{name}")
    except ImportError as exc:
        pytest.skip(f"grader.frameworks.{name} is not available ({exc})")
    build = getattr(module, f"build_{name}_model", None)
    stats = getattr(module, "layer_stats", None)
    if build is None or stats is None:
        pytest.skip(f"grader.frameworks.{name} has no build_{name}_model/layer_stats yet")
    return build, stats


@pytest.mark.parametrize("path, student", VARIANTS,
                         ids=[p.stem + (f"[{s}]" if s else "") for p, s in VARIANTS])
def test_every_layer_matches_the_real_framework(path, student):
    exercise = load_exercise(path, student=student)
    build, layer_stats = _framework(BUILDERS[exercise.framework][0])
    if exercise.id == "vgg16" and os.environ.get("GRADER_SKIP_BIG_MODELS") == "1":
        pytest.skip("GRADER_SKIP_BIG_MODELS=1: VGG16 allocates 138 million weights")
    model = build(exercise)
    unknown = any(None in shape for shape in exercise.inputs.values())
    if unknown and exercise.framework == "pytorch":
        from grader.frameworks.torch import stats_over_lengths
        real = stats_over_lengths(model, exercise, LENGTHS)
        for length in LENGTHS:
            solved = _solved_at(exercise, length)
            assert {name: real[name]["by_length"][length] for name in real} == \
                {layer.name: layer.output_shape for layer in solved.layers}
    else:
        real = layer_stats(model, exercise)
        if unknown:  # Keras built it with None; it must also run at any length
            from grader.frameworks.keras import run_once
            for length in LENGTHS:
                solved = _solved_at(exercise, length)
                assert run_once(model, length) == [solved.layer(name).output_shape for name in _sinks(exercise)]
    expected = {layer.name: {"output_shape": tuple(layer.output_shape), "params": layer.params,
                             "trainable": layer.trainable_params, "non_trainable": layer.non_trainable_params}
                for layer in exercise.solution.layers}
    got = {name: {key: (tuple(value) if key == "output_shape" else value) for key, value in real[name].items()
                  if key in ("output_shape", "params", "trainable", "non_trainable")}
           for name in expected}
    assert got == expected
    assert sum(s["params"] for s in got.values()) == exercise.solution.total_params


#: the lengths a size that is not known takes when a model runs
LENGTHS = (50, 73)


def _solved_at(exercise, length: int):
    """The solution with every unknown input size given ``length``."""
    inputs = {name: with_size(shape, length) for name, shape in exercise.inputs.items()}
    return solve(exercise.framework, inputs, exercise.layers)


def _sinks(exercise) -> list[str]:
    used = {name for layer in exercise.layers for name in layer.inputs}
    return [layer.name for layer in exercise.layers if layer.name not in used]
