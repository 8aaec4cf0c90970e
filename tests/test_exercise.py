"""Exercise loading (grader/exercise.py): the shipped exercises, what the frameworks allow,
one located line per mistake in a file, and per-student variants (SPEC section 1)."""
import re
from fractions import Fraction

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import ExerciseError, ExerciseErrors, GraderError
from grader.exercise import (ID_PATTERN, MAX_VARIANTS_CHECKED, load_exercise, load_exercise_text,
                             validate_exercise)
from grader.layers import kinds

from .conftest import EXERCISES, ROOT

BAD = ROOT / "tests" / "fixtures" / "exercises_bad"

# id: (total, trainable, non-trainable), each checked against a model built in real Keras 3
# or PyTorch 2 (per-layer comparison in tests/test_exercises_frameworks.py).
SHIPPED = {
    "cnn-8x8x3": (79_261, 79_261, 0),
    "cnn-mnist": (217_706, 217_706, 0),
    "cnn-mnist-pytorch": (217_706, 217_706, 0),
    "cnn-your-turn": (79_261, 79_261, 0),  # the instructor's variant: the first choice of each variable
    "conv-autoencoder": (28_353, 28_353, 0),
    "conv1d-ecg": (11_173, 11_173, 0),
    "conv3d-video": (280_586, 280_586, 0),
    "inception-block": (163_696, 163_696, 0),
    "lenet5": (61_706, 61_706, 0),
    "lenet5-pytorch": (61_706, 61_706, 0),
    "mlp-batchnorm": (538_122, 536_586, 1_536),
    "mobilenet-separable": (32_202, 31_562, 640),
    "resnet-block": (230_912, 230_144, 768),
    "resnet-block-pytorch": (73_984, 73_984, 0),
    "text-bilstm": (2_689_985, 2_689_985, 0),
    "text-variable-length": (730_755, 730_755, 0),  # input_shape [null]: Keras prints the same total
    "transformer-classifier-pytorch": (357_570, 357_570, 0),
    "transformer-encoder": (33_472, 33_472, 0),
    "vgg16": (138_357_544, 138_357_544, 0),
}


def test_every_shipped_exercise_is_in_the_table():
    assert sorted(p.stem for p in EXERCISES.glob("*.yaml")) == sorted(SHIPPED)


@pytest.mark.parametrize("ex_id", sorted(SHIPPED))
def test_shipped_exercise_totals(ex_id):
    exercise = load_exercise(EXERCISES / f"{ex_id}.yaml")
    assert exercise.id == ex_id and ID_PATTERN.match(ex_id)
    solution = exercise.solution
    assert (solution.total_params, solution.trainable_params, solution.non_trainable_params) == SHIPPED[ex_id]
    assert exercise.instructions.strip() and exercise.title != ex_id


@pytest.mark.parametrize("ex_id, shapes, params", [
    ("cnn-8x8x3", [(6, 6, 64), (3, 3, 64), (3, 3, 128), (1, 1, 128), (128,), (516,), (5,)],
     [1792, 0, 8320, 0, 0, 66564, 2585]),
    # the origin notebook's worked table: 832 + 9'248 + 205'056 + 2'570 = 217'706
    ("cnn-mnist", [(24, 24, 32), (12, 12, 32), (10, 10, 32), (5, 5, 32), (800,), (256,), (10,)],
     [832, 0, 9248, 0, 0, 205056, 2570]),
    ("cnn-mnist-pytorch", [(32, 24, 24), (32, 24, 24), (32, 12, 12), (32, 10, 10), (32, 10, 10), (32, 5, 5),
                           (800,), (256,), (256,), (10,)],
     [832, 0, 0, 9248, 0, 0, 0, 205056, 0, 2570]),
])
def test_the_origin_notebook_numbers(ex_id, shapes, params):
    solution = load_exercise(EXERCISES / f"{ex_id}.yaml").solution
    assert [layer.output_shape for layer in solution.layers] == shapes
    assert [layer.params for layer in solution.layers] == params


def test_shipped_exercises_cover_reveal_and_layouts():
    grading = {ex_id: load_exercise(EXERCISES / f"{ex_id}.yaml").grading for ex_id in SHIPPED}
    assert grading["conv3d-video"].reveal == "nothing"
    assert grading["vgg16"].layouts == ("channels_last",)
    assert grading["cnn-mnist-pytorch"].layouts == ("channels_first",)


# -- what the frameworks allow is allowed (each output shape checked in Keras 3 / PyTorch) --

ALLOWED = [
    ("input_shape: [4, 4, 3]\nlayers: [{type: Dense, units: 5}]", (4, 4, 5), 20),  # acts on the last axis
    ("input_shape: [10, 7]\nlayers: [{type: Dense, units: 2}]", (10, 2), 16),
    ("input_shape: [1, 1, 3]\nlayers: [{type: Conv2D, filters: 4, kernel_size: 3, padding: same}]",
     (1, 1, 4), 112),
    ("input_shape: [1, 1, 3]\nlayers: [{type: MaxPooling2D, pool_size: 2, padding: same}]", (1, 1, 3), 0),
    ("input_shape: [20, 2]\nlayers: [{type: Conv1D, filters: 3, kernel_size: 3, dilation_rate: 4}]",
     (12, 3), 21),
    ("inputs: {a: [4, 3], b: [5, 3]}\nlayers: [{type: Concatenate, axis: 1, inputs: [a, b]}]", (9, 3), 0),
    ("inputs: {a: [4, 3], b: [1, 3]}\nlayers: [{type: Add, inputs: [a, b]}]", (4, 3), 0),  # broadcasting
    ("framework: pytorch\ninput_shape: [10, 7]\nlayers: [{type: Linear, out_features: 2}]", (10, 2), 16),
    ("framework: pytorch\ninput_shape: [3, 5, 5]\nlayers: [{type: Conv2d, out_channels: 4, kernel_size: 3, "
     "padding: same}]", (4, 5, 5), 112),  # in_channels inferred
    ("framework: pytorch\ninput_shape: [10, 7]\nlayers: [{type: LSTM, hidden_size: 4, batch_first: true}]",
     (10, 4), 208),
]


@pytest.mark.parametrize("body, shape, params", ALLOWED, ids=[b.split("\n")[-1][:50] for b, _, _ in ALLOWED])
def test_what_the_frameworks_allow_is_allowed(body, shape, params):
    layer = load_exercise_text("id: ok\n" + body, "ok.yaml").solution.layers[-1]
    assert (layer.output_shape, layer.params) == (shape, params)


# -- errors: one line naming the file, the line and the layer --------------------------

def ex(body: str) -> str:
    return "id: bad\ninput_shape: [8, 8, 3]\n" + body


# (YAML text, regex for the whole message, loaded as exercises/cnn.yaml)
ERRORS = [
    # typos, with the nearest valid spelling
    (ex("layers:\n  - {type: Conv2D, name: conv2, filter: 8, kernel_size: 3}\n"),
     r"^exercises/cnn\.yaml:4: layer 'conv2': unknown argument 'filter' \(did you mean 'filters'\?\)$"),
    (ex("layers:\n  - {type: Conv2d, filters: 8, kernel_size: 3}\n"),
     r"^exercises/cnn\.yaml:4: layer 'conv2d': unknown layer type 'Conv2d': that is a PyTorch layer.*"
     r"\(did you mean 'Conv2D'\?\)$"),
    (ex("layers:\n  - {type: Dens, units: 3}\n"),
     r"^exercises/cnn\.yaml:4: layer 'dens': unknown layer type 'Dens' for keras \(did you mean 'Dense'\?\)$"),
    (ex("layers:\n  - {type: Flatten}\nask: {output_shape: 1, param: 1}\n"),
     r"^exercises/cnn\.yaml:5: unknown quantity 'param' in 'ask' \(did you mean 'params'\?\); the quantities are "
     r"output_shape, params, trainable_params, non_trainable_params, macs, total_params, total_trainable_params, "
     r"total_non_trainable_params$"),
    # what helps the first time (issue 10, item 12)
    (ex("layers:\n  - {type: Flatten}\nask: {total: 2}\n"),
     r"^exercises/cnn\.yaml:5: unknown quantity 'total' in 'ask' \(did you mean 'total_params'\?\); the quantities "),
    ("id: bad\nframework: pytorch\ninput_shape: [3, 8, 8]\nlayers:\n  - {type: Conv2d, filters: 16, kernel_size: 3}\n",
     r"^exercises/cnn\.yaml:5: layer 'conv2d': unknown argument 'filters' \(did you mean 'out_channels'\? 'filters' "
     r"is Keras's name; this exercise's framework is pytorch\)$"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: Dense, out_features: 16}\n",
     r"^exercises/cnn\.yaml:4: layer 'dense': unknown argument 'out_features' \(did you mean 'units'\? 'out_features' "
     r"is PyTorch's name; this exercise's framework is keras\)$"),
    ("id: bad\nframework: pytorch\ninput_shape: [32, 32, 3]\nlayers:\n"
     "  - {type: Conv2d, in_channels: 3, out_channels: 16, kernel_size: 3}\n",
     r"^exercises/cnn\.yaml:5: layer 'conv2d': in_channels=3, but the incoming number of channels is 32 .*; the input "
     r"shape \[32, 32, 3\] looks channels last, and PyTorch wants channels first \(C, H, W\): \[3, 32, 32\]\?$"),
    ("id: bad\nframework: PyTorch\ninput_shape: [3, 8, 8]\nlayers:\n  - {type: Conv2d, out_channels: 16, "
     "kernel_size: 3}\n  - {type: Linear, out_features: 3}\n",  # one error, not one per layer
     r"^exercises/cnn\.yaml:2: 'framework' must be keras or pytorch, got 'PyTorch' \(write it in lowercase: "
     r"pytorch\)$"),
    (ex("layers:\n  - {type: Flatten}\ngrading: {reveal: answer}\n"),
     r"^exercises/cnn\.yaml:5: 'grading.reveal' must be answers, correctness or nothing, got 'answer' "
     r"\(did you mean 'answers'\?\)$"),
    (ex("layers:\n  - {type: Flatten}\ngrading: {layout: [channels_last]}\n"),
     r"^exercises/cnn\.yaml:5: unknown key 'layout' in 'grading' \(did you mean 'layouts'\?\)$"),
    ("id: bad\ninput_shap: [8]\nlayers: [{type: Dense, units: 3}]\n",
     r"^exercises/cnn\.yaml:2: unknown key 'input_shap' \(did you mean 'input_shape'\?\)$"),
    (ex("framework: tensorflow\nlayers: [{type: Flatten}]\n"),
     r"^exercises/cnn\.yaml:3: 'framework' must be keras or pytorch, got 'tensorflow'"),
    (ex("layers:\n  - {type: Bidirectional, layer: {type: LSTM, unit: 3}}\n"),
     r"^exercises/cnn\.yaml:4: layer 'bidirectional': in 'layer': unknown argument 'unit' .*'units'"),
    (ex("layers:\n  - {type: Dense, units: 3, activation: rellu}\n"),
     r"^exercises/cnn\.yaml:4: layer 'dense': argument 'activation' must be the name of a Keras activation "
     r"such as 'relu', 'softmax' or 'linear', got 'rellu' \(did you mean 'relu'\?\)$"),
    (ex("layers:\n  - {type: Activation, name: act, activation: Softmax}\n"),
     r"^exercises/cnn\.yaml:4: layer 'act': argument 'activation' .*got 'Softmax' \(did you mean 'softmax'\?\)$"),
    # wrong types
    (ex("layers:\n  - {type: Dense, units: ten}\n"),
     r"^exercises/cnn\.yaml:4: layer 'dense': argument 'units' must be a positive integer, got 'ten'$"),
    (ex("layers:\n  - {type: Conv2D, filters: 8, kernel_size: [3, 3, 3]}\n"),
     r"^exercises/cnn\.yaml:4: layer 'conv2d': argument 'kernel_size' must be a positive integer or a list "
     r"of 2 of them, got \[3, 3, 3\]$"),
    (ex("layers:\n  - {type: Conv2D, filters: 8, kernel_size: 3, padding: full}\n"),
     r"^exercises/cnn\.yaml:4: layer 'conv2d': argument 'padding' must be one of 'valid', 'same'"),
    (ex("layers:\n  - {type: Dense, units: 3, use_bias: 'no'}\n"),
     r"^exercises/cnn\.yaml:4: layer 'dense': argument 'use_bias' must be true or false, got 'no'$"),
    (ex("layers:\n  - {type: Dense}\n"),
     r"^exercises/cnn\.yaml:4: layer 'dense': missing required argument 'units'$"),
    ("id: bad\ninput_shape: [8, -1]\nlayers: [{type: Dense, units: 3}]\n",
     r"^exercises/cnn\.yaml:2: 'input_shape' must be a list of positive integers"),
    ("id: Bad_Id\ninput_shape: [8]\nlayers: [{type: Dense, units: 3}]\n",
     r"^exercises/cnn\.yaml:1: 'id' must use lowercase letters, digits and dashes .*got 'Bad_Id'$"),
    ("id: 2020-01-01\ninput_shape: [8]\nlayers: [{type: Dense, units: 3}]\n",
     r"^exercises/cnn\.yaml:1: 'id' must use lowercase .*got 2020-01-01$"),
    (ex("layers: {type: Dense, units: 3}\n"), r"^exercises/cnn\.yaml:3: 'layers' must be a non-empty list"),
    (ex("layers: [Dense]\n"),
     r"^exercises/cnn\.yaml:3: layer 1 must be a mapping such as \{type: Dense, units: 10\}, got a text$"),
    (ex("layers:\n  - {type: Flatten}\nask: {params: lots}\n"),
     r"^exercises/cnn\.yaml:5: 'ask\.params' must be a number of points >= 0, got 'lots'$"),
    ("- id: a\n- layers: []\n", r"^exercises/cnn\.yaml:1: an exercise must be a YAML mapping .*not a list$"),
    # impossible architectures
    ("id: bad\ninput_shape: [3, 3, 1]\nlayers:\n  - {type: Conv2D, name: c, filters: 4, kernel_size: 5}\n",
     r"^exercises/cnn\.yaml:4: layer 'c': the window \(size 5\) is larger than the input \(3\)"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: Dense, name: a, units: 3}\n"
     "  - {type: Dense, name: b, units: 4, inputs: input}\n  - {type: Add, name: s, inputs: [a, b]}\n",
     r"^exercises/cnn\.yaml:6: layer 's': Add needs inputs of the same shape, got \(3,\) and \(4,\)$"),
    ("id: bad\nframework: pytorch\ninput_shape: [3, 8, 8]\n"
     "layers:\n  - {type: Conv2d, name: c, in_channels: 1, out_channels: 4, kernel_size: 3}\n",
     r"^exercises/cnn\.yaml:5: layer 'c': in_channels=1, but the incoming number of channels is 3"),
    ("id: bad\nframework: pytorch\ninput_shape: [3, 8, 8]\n"
     "layers:\n  - {type: Flatten}\n  - {type: Linear, name: fc, in_features: 100, out_features: 2}\n",
     r"^exercises/cnn\.yaml:6: layer 'fc': in_features=100, but the incoming number of features .*is 192"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: Dense, name: a, units: 3, inputs: zzz}\n",
     r"^exercises/cnn\.yaml:4: layer 'a': 'inputs' refers to 'zzz', which is not an earlier layer or model "
     r"input$"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: Dense, name: a, units: 3, inputs: b}\n"
     "  - {type: Dense, name: b, units: 3}\n",
     r"^exercises/cnn\.yaml:4: layer 'a': 'inputs' refers to 'b', which is a later layer \(line 5\)"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: Dense, name: a, units: 3, inputs: a}\n",
     r"^exercises/cnn\.yaml:4: layer 'a': 'inputs' refers to 'a', which is this layer itself$"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: Dense, name: a, units: 3}\n  - {type: Dense, name: a, units: 3}\n",
     r"^exercises/cnn\.yaml:5: the name 'a' is used twice \(first on line 4\)$"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: Add, inputs: [input]}\n",
     r"^exercises/cnn\.yaml:4: layer 'add': Add takes at least 2 inputs, got 1$"),
    ("id: bad\ninputs: {a: [8], b: [8]}\nlayers:\n  - {type: Dense, units: 3}\n",
     r"^exercises/cnn\.yaml:4: layer 'dense': this model has several inputs \(a, b\)"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: Reshape, target_shape: [3, 3]}\n",
     r"^exercises/cnn\.yaml:4: layer 'reshape': cannot reshape \(8,\) \(8 values\) into \(3, 3\)"),
    ("id: bad\ninput_shape: [8]\nlayers:\n  - {type: MaxPooling2D}\n",
     r"^exercises/cnn\.yaml:4: layer 'max_pooling2d': expects a 3-D \(height, width, channels\) input"),
    # variables
    ("id: bad\ninput_shape: [8]\nlayers: [{type: Dense, units: $n}]\n",
     r"^exercises/cnn\.yaml:3: unknown variable '\$n' \(declare it under 'variables:'\)$"),
    ("id: bad\nvariables: {units: [2, 3]}\ninput_shape: [8]\nlayers: [{type: Dense, units: $unit}]\n",
     r"^exercises/cnn\.yaml:4: unknown variable '\$unit' \(did you mean 'units'\?\)$"),
    ("id: bad\nvariables: {n: {range: [5, 1]}}\ninput_shape: [8]\nlayers: [{type: Dense, units: $n}]\n",
     r"^exercises/cnn\.yaml:2: variable 'n': range must be \[low, high\]"),
    # YAML itself
    ("id: bad\ninput_shape: [8\nlayers:\n", r"^exercises/cnn\.yaml:3: YAML syntax error: "),
    ("id: bad\nid: again\n", r"^exercises/cnn\.yaml:2: duplicate key 'id'$"),
    ("", r"^exercises/cnn\.yaml:1: the file is empty"),
    ("# nothing here\n", r"^exercises/cnn\.yaml:1: the file holds no YAML document"),
]


@pytest.mark.parametrize("text, match", ERRORS, ids=[m[24:70] for _, m in ERRORS])
def test_each_mistake_is_one_line_naming_file_line_and_layer(text, match):
    with pytest.raises(ExerciseError) as info:
        load_exercise_text(text, "exercises/cnn.yaml")
    message = str(info.value)
    assert "\n" not in message
    assert re.search(match, message), message


def test_several_mistakes_give_one_complete_line_each():
    text = ("id: Bad\ninput_shape: [8]\nlayers:\n  - {type: Dense, unit: 3}\n"
            "  - {type: Dropout, rat: 0.5}\nask: {params: -1}\n")
    with pytest.raises(ExerciseErrors) as info:
        load_exercise_text(text, "x.yaml")
    lines = str(info.value).split("\n")
    assert len(lines) == 4 and len(info.value.errors) == 4
    assert all(re.match(r"^x\.yaml:\d+: \S", line) for line in lines)
    assert [e.line for e in info.value.errors] == [1, 4, 5, 6]


def test_a_misspelt_key_is_not_also_reported_missing():
    with pytest.raises(ExerciseError) as info:
        load_exercise_text("id: a\ninput_shape: [8]\nlayer: [{type: Dense, units: 3}]\n", "x.yaml")
    assert str(info.value) == "x.yaml:3: unknown key 'layer' (did you mean 'layers'?)"


# The shipped bad files, as `grader validate` reads them (binary and huge ones are made in
# tests/test_cli_solve.py and tests/test_yamlsource.py).
BAD_FILES = [
    ("cnn.yaml", r":8: layer 'conv2': unknown argument 'filter' \(did you mean 'filters'\?\)$"),
    ("kernel-larger-than-input.yaml", r":4: layer 'conv1': the window \(size 5\) is larger than the input"),
    ("add-different-shapes.yaml", r":5: layer 'residual': Add needs inputs of the same shape, got "
                                  r"\(16, 16, 32\) and \(16, 16, 64\)$"),
    ("torch-in-channels.yaml", r":6: layer 'conv2': in_channels=32, but the incoming number of channels is 16"),
    ("later-layer.yaml", r":5: layer 'skip': 'inputs' refers to 'extra', which is a later layer \(line 6\)"),
    ("missing-layer.yaml", r":5: layer 'out': 'inputs' refers to 'hiden', .*\(did you mean 'hidden'\?\)$"),
    ("unknown-type.yaml", r":5: layer 'max_pool2d': unknown layer type 'MaxPool2d': that is a PyTorch layer"),
    ("misspelt-key.yaml", r":3: unknown key 'layer' \(did you mean 'layers'\?\)$"),
    ("bad-variant.yaml", r":7: layer 'conv1': with side=4, kernel=5: the window \(size 5\) is larger"),
    ("syntax-error.yaml", r":5: YAML syntax error: .* \(while parsing a flow mapping started on line 4\)$"),
    ("duplicate-key.yaml", r":6: duplicate key 'units'$"),
    ("alias-bomb.yaml", r":\d+: the document expands to more than 100,000 values"),
    ("recursive-alias.yaml", r":3: a recursive alias refers to itself$"),
    ("empty.yaml", r":1: the file is empty"),
    ("comment-only.yaml", r":1: the file holds no YAML document"),
]


def test_every_bad_fixture_is_in_the_table():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(name for name, _ in BAD_FILES)


@pytest.mark.parametrize("name, match", BAD_FILES, ids=[n for n, _ in BAD_FILES])
def test_bad_exercise_files(name, match):
    path = BAD / name
    with pytest.raises(ExerciseError) as info:
        validate_exercise(path)
    message = str(info.value)
    assert "\n" not in message
    assert re.search("^" + re.escape(str(path)) + match, message), message


# -- variables: per-student variants ----------------------------------------------------

YOUR_TURN = EXERCISES / "cnn-your-turn.yaml"


def test_a_student_variant_is_drawn_from_exercise_and_student_and_is_stable():
    # pinned: sha256(exercise id, student, variable) must give the same variant on every
    # machine and Python version, or students' numbers would change between sessions
    assert load_exercise(YOUR_TURN, student="bob").variables == {
        "side": 16, "channels": 1, "kernel": 3, "filters1": 16, "filters2": 64, "units": 256, "labels": 10}
    assert load_exercise(YOUR_TURN, student="s1").variables == load_exercise(YOUR_TURN, student="s1").variables


def test_students_get_different_variants_and_the_instructor_the_first_choices():
    variants = {tuple(load_exercise(YOUR_TURN, student=f"s{i}").variables.items()) for i in range(30)}
    assert len(variants) >= 20
    assert load_exercise(YOUR_TURN).variables == {
        "side": 8, "channels": 3, "kernel": 3, "filters1": 64, "filters2": 128, "units": 516, "labels": 5}


def test_the_variant_changes_the_solution():
    solution = load_exercise(YOUR_TURN, student="bob").solution
    assert solution.layers[0].output_shape == (14, 14, 16)
    assert solution.layers[0].formula == "(3*3*1 + 1) * 16"
    assert solution.total_params == 151_530


def test_validate_checks_every_variant():
    assert validate_exercise(YOUR_TURN) == 5 * 2 * 2 * 3 * 3 * 3 * 3


def test_validate_samples_when_there_are_too_many_variants_and_keeps_the_extremes(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("id: many\nvariables: {a: {range: [1, 1000]}, b: {range: [1, 1000]}}\n"
                    "input_shape: [$a]\nlayers: [{type: Dense, units: $b}]\n")
    assert validate_exercise(path) == MAX_VARIANTS_CHECKED
    path.write_text("id: many\nvariables: {a: {range: [1, 1000]}, b: {range: [1, 1000]}}\n"
                    "input_shape: [4, $a]\nlayers: [{type: Conv1D, filters: 2, kernel_size: 5}]\n")
    with pytest.raises(ExerciseError, match=r"with a=1, b=1: the window \(size 5\) is larger than the input \(4\)"):
        validate_exercise(path)


@pytest.mark.parametrize("written, value", [("16*16*16", 4096), ("(3 * 3 + 1) * 4", 40), ("64/2", 32),
                                            ("[2*2, 3]", (4, 3))])
def test_exact_integer_arithmetic_in_numeric_arguments(written, value):
    text = (f"id: arith\nframework: pytorch\ninput_shape: [{4096 if value == 4096 else 8}]\nlayers:\n"
            f"  - {{type: Linear, in_features: {written}, out_features: 10}}\n") if not isinstance(value, tuple) else \
        (f"id: arith\nframework: pytorch\ninput_shape: [1, 8, 8]\nlayers:\n"
         f"  - {{type: Conv2d, out_channels: 2, kernel_size: {written}}}\n")
    if not isinstance(value, tuple) and value != 4096:
        text = text.replace("input_shape: [8]", f"input_shape: [{value}]")
    layer = load_exercise_text(text, "arith.yaml").layers[0]
    assert layer.params["in_features" if not isinstance(value, tuple) else "kernel_size"] == value
    with pytest.raises(ExerciseError, match=r"must be a positive integer.*, got .16/3."):
        load_exercise_text(text.replace(written, "16/3"), "arith.yaml")


def test_a_student_variant_error_names_the_student_and_the_variant():
    text = "id: v\nvariables: {n: [8, 2]}\ninput_shape: [$n, 1]\nlayers: [{type: Conv1D, filters: 2, kernel_size: 3}]\n"
    student = next(f"s{i}" for i in range(100)
                   if _variables_or_none(text, f"s{i}") is None)
    with pytest.raises(ExerciseError, match=rf"^v\.yaml:4: layer 'conv1d': with student {student}'s variant n=2: "):
        load_exercise_text(text, "v.yaml", student=student)


def _variables_or_none(text, student):
    try:
        return load_exercise_text(text, "v.yaml", student=student).variables
    except ExerciseError:
        return None


def test_variables_keep_their_type_alone_and_become_text_inside_text():
    exercise = load_exercise_text(
        "id: v\ntitle: $n units\nvariables: {n: [7]}\ninstructions: 'Dense($n), cost $x'\n"
        "input_shape: [$n]\nlayers: [{type: Dense, units: $n}]\nask: {params: $n}\n", "v.yaml")
    assert exercise.title == "7 units" and exercise.instructions == "Dense(7), cost $x"  # prose may hold $
    assert exercise.inputs == {"input": (7,)} and exercise.ask == {"params": Fraction(7)}


# -- property: any exercise-shaped document loads or gives located one-line errors ------

VALUES = st.one_of(st.integers(-2, 70), st.sampled_from(["same", "valid", "causal", "relu", "x", "channels_first"]),
                   st.booleans(), st.none(), st.floats(0, 2, allow_nan=False),
                   st.lists(st.integers(-1, 9), max_size=4))


@st.composite
def exercise_docs(draw):
    framework = draw(st.sampled_from(["keras", "pytorch"]))
    table = kinds(framework)
    layers = []
    for i in range(draw(st.integers(1, 3))):
        kind = table[draw(st.sampled_from(sorted(table)))]
        args = {name: draw(VALUES) for name in draw(st.lists(st.sampled_from(sorted(kind.args) or ["units"]),
                                                             max_size=4, unique=True))}
        layer = {"type": kind.type, "name": f"l{i}", **args}
        if (kind.arity[1] or 3) > 1 and draw(st.booleans()):
            layer["inputs"] = ["input"] + ([f"l{i - 1}"] if i else ["input"])
        layers.append(layer)
    shape = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4))
    return {"id": "p", "framework": framework, "input_shape": shape, "layers": layers}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exercise_docs())
def test_any_exercise_document_loads_or_gives_located_lines(doc):
    text = yaml.safe_dump(doc, sort_keys=False)
    try:
        exercise = load_exercise_text(text, "p.yaml")
    except GraderError as exc:
        for error in getattr(exc, "errors", [exc]):
            line = str(error)
            assert "\n" not in line and re.match(r"^p\.yaml:\d+: ", line), line
    else:
        assert len(exercise.solution.layers) == len(doc["layers"])
