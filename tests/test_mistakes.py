"""The mistakes catalogue: each code is found on a submission making exactly that mistake,
and nothing is flagged on a correct one. Mistaken values are worked by hand from the
layer definitions (the right values are the engine's, checked against Keras/PyTorch)."""
import pytest

from grader import mistakes
from grader.exercise import load_exercise
from grader.grading import grade_answers as grade
from grader.grading import solution_answers
from grader.mistakes import CATALOGUE, TITLES, Alternative, Case, diagnose, mistake

from .conftest import EXERCISES

SPEC_CODES = ("forgot_bias", "forgot_input_channels", "wrong_padding", "ignored_stride", "off_by_one",
              "pool_rounding", "channel_order", "sum_mismatch", "framework_convention")

# (exercise, layer, quantity, the mistaken answer, code, what the working must show)
CASES = [
    ("cnn-8x8x3", "conv1", "params", "1728", "forgot_bias", "3*3*3 * 64 = 1,728"),
    ("cnn-8x8x3", "conv1", "params", "1,728", "forgot_bias", "3*3*3 * 64"),
    ("cnn-mnist-pytorch", "fc1", "params", "204800", "forgot_bias", "800 * 256 = 204,800"),
    ("cnn-8x8x3", "conv1", "params", "640", "forgot_input_channels", "(3*3*1 + 1) * 64 = 640"),
    ("cnn-mnist", "conv2d2", "params", "320", "forgot_input_channels", "(3*3*1 + 1) * 32"),
    ("cnn-8x8x3", "conv1", "output_shape", "8x8x64", "wrong_padding", "8x8x64"),
    ("cnn-8x8x3", "conv1", "output_shape", "64x8x8", "wrong_padding", "8x8x64"),
    ("resnet-block-pytorch", "conv1", "output_shape", "64x54x54", "wrong_padding", "(56 - 3)/1 + 1 = 54"),
    ("conv1d-ecg", "conv3", "output_shape", "19x64", "wrong_padding", "19x64"),
    ("conv1d-ecg", "conv2", "output_shape", "86x32", "ignored_stride", "(90 - 5)/1 + 1 = 86"),
    ("resnet-block", "conv1", "output_shape", "16x16x128", "ignored_stride", "16x16x128"),
    ("cnn-8x8x3", "pool1", "output_shape", "5x5x64", "ignored_stride", "(6 - 2)/1 + 1 = 5"),
    ("cnn-8x8x3", "conv1", "output_shape", "5x5x64", "off_by_one", "5x5x64"),
    ("cnn-mnist", "conv2d1", "output_shape", "25x25x32", "off_by_one", "25x25x32"),
    ("cnn-8x8x3", "pool2", "output_shape", "2x2x128", "pool_rounding", "ceil((3 - 2)/2) + 1 = 2"),
    ("conv1d-ecg", "pool1", "output_shape", "91x16", "pool_rounding", "91x16"),
    ("cnn-mnist-pytorch", "conv1", "output_shape", "24x24x32", "channel_order", "channels_last"),
    ("conv3d-video", "conv1", "output_shape", "32x16x64x64", "channel_order", "channels_first"),
    ("cnn-8x8x3", None, "total_params", "79,000", "sum_mismatch", "1,792 + 8,320 + 66,564 + 2,585 = 79,261"),
    ("resnet-block-pytorch", "bn1", "params", "256", "framework_convention", "4 * 64 = 256"),
    ("resnet-block", "bn1", "params", "256", "framework_convention", "2 * 128 = 256"),
    ("mlp-batchnorm", "bn1", "params", "1024", "framework_convention", "2 * 512"),
    ("text-bilstm", "bilstm", "params", "99328", "framework_convention", "99,328"),
    ("resnet-block-pytorch", None, "total_params", "74240", "framework_convention", "256"),
    ("cnn-8x8x3", None, "total_params", "78548", "forgot_bias", "1,728 + 8,192 + 66,048 + 2,580"),
    ("cnn-mnist", "dense", "params", "8448", "wrong_input_size", "(32 + 1) * 256"),
    ("cnn-mnist", "dense", "params", "6656", "wrong_input_size", "(25 + 1) * 256"),
    ("cnn-8x8x3", "pool1", "params", "256", "counted_pool_params", "2*2 * 64"),
    ("cnn-8x8x3", "pool1", "params", "64", "counted_pool_params", "one per channel"),
    ("cnn-8x8x3", "flatten", "params", "128", "counted_weightless_params", "128 values"),
    ("mlp-batchnorm", "drop1", "params", "512", "counted_weightless_params", "512 values"),
    ("cnn-8x8x3", "conv2", "params", "16512", "used_output_channels", "(1*1*128 + 1) * 128"),
]


def _exercise(name):
    return load_exercise(EXERCISES / f"{name}.yaml")


@pytest.mark.parametrize("name, layer, quantity, text, code, working", CASES,
                         ids=[f"{c[4]}-{c[0]}-{c[1]}-{c[3]}" for c in CASES])
def test_the_mistake_is_named(name, layer, quantity, text, code, working):
    exercise = _exercise(name)
    result = grade(exercise, solution_answers(exercise, changes={(layer, quantity): text}))
    item = next(i for i in result.items if (i.layer, i.quantity) == (layer, quantity))
    assert (item.status, item.mistake) == ("incorrect", code)
    assert working in item.working
    assert item.mistake_title == TITLES[code] and item.explanation == CATALOGUE[code].explanation
    # only the changed answer is wrong: no other item is flagged
    assert [(i.layer, i.quantity) for i in result.items if i.status != "correct"] == [(layer, quantity)]


@pytest.mark.parametrize("name", sorted({c[0] for c in CASES}))
def test_a_correct_submission_is_never_flagged(name):
    exercise = _exercise(name)
    result = grade(exercise, solution_answers(exercise))
    assert {i.status for i in result.items} == {"correct"}
    assert [i.mistake for i in result.items if i.mistake] == []


def test_every_spec_code_is_catalogued_with_words_for_students():
    assert set(SPEC_CODES) <= set(CATALOGUE)
    for code, entry in CATALOGUE.items():
        assert entry.code == code and TITLES[code] == entry.title
        assert entry.title and entry.explanation.endswith(".")
        assert len(entry.explanation) < 400  # one or two sentences


def test_every_spec_code_has_a_case():
    assert set(SPEC_CODES) <= {c[4] for c in CASES}


def test_a_wrong_answer_that_matches_no_mistake_has_no_code():
    exercise = _exercise("cnn-8x8x3")
    result = grade(exercise, solution_answers(exercise, changes={("conv1", "params"): "1234"}))
    item = next(i for i in result.items if (i.layer, i.quantity) == ("conv1", "params"))
    assert (item.status, item.mistake, item.working) == ("incorrect", None, "")


def test_mistakes_are_also_found_in_the_students_own_context():
    """After a wrong Flatten size, a dense layer without biases is judged on that size."""
    exercise = _exercise("cnn-8x8x3")
    changes = {("conv1", "output_shape"): "8x8x64", ("pool1", "output_shape"): "4x4x64",
               ("conv2", "output_shape"): "4x4x128", ("pool2", "output_shape"): "2x2x128",
               ("flatten", "output_shape"): "512", ("fc", "params"): str(512 * 516)}
    result = grade(exercise, solution_answers(exercise, changes=changes))
    item = next(i for i in result.items if (i.layer, i.quantity) == ("fc", "params"))
    assert (item.status, item.mistake) == ("incorrect", "forgot_bias")
    assert "512 * 516" in item.working


def test_diagnose_leaves_right_values_alone():
    exercise = _exercise("cnn-8x8x3")
    layer = exercise.layer("conv1")
    solved = exercise.solution.layer("conv1")
    case = Case(exercise=exercise, quantity="params", value=1792, expected=1792, layer=layer,
                in_shapes=solved.input_shapes)
    assert diagnose(case) is None
    shape = Case(exercise=exercise, quantity="output_shape", value=(64, 6, 6), expected=(6, 6, 64),
                 layer=layer, in_shapes=solved.input_shapes)
    assert diagnose(shape) is None  # channels_first is accepted by this exercise


def test_a_new_mistake_is_one_entry():
    @mistake("doubled_units", "Doubled the units", "Each unit is counted once.")
    def doubled_units(case):
        return [Alternative(case.expected * 2, "twice")] if case.quantity == "params" else []

    try:
        exercise = _exercise("cnn-8x8x3")
        result = grade(exercise, solution_answers(exercise, changes={("out", "params"): "5170"}))
        item = next(i for i in result.items if (i.layer, i.quantity) == ("out", "params"))
        assert (item.mistake, item.working) == ("doubled_units", "twice")
    finally:
        del CATALOGUE["doubled_units"], TITLES["doubled_units"]
    assert "doubled_units" not in mistakes.CATALOGUE
