"""Grading: one status per asked item, exact points, layouts, follow-through, feedback and
the reveal rules of the Result JSON (SPEC sections 3 and 4)."""
import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.answers import Answers, Identity, RawAnswer
from grader.exercise import load_exercise, load_exercise_text
from grader.feedback import result_json, shown
from grader.grading import grade, grade_answers, solution_answers
from grader.key import answer_key
from grader.parsing import parse_answers, read_answer
from grader.result import STATUSES

from .conftest import EXERCISES


@pytest.fixture(scope="module")
def cnn():
    return load_exercise(EXERCISES / "cnn-8x8x3.yaml")


def _graded(exercise, changes=None, drop=()):
    answers = solution_answers(exercise, changes=changes)
    for key in drop:
        answers.values.pop(key)
    return grade_answers(exercise, answers)


def _item(result, layer, quantity):
    return next(i for i in result.items if (i.layer, i.quantity) == (layer, quantity))


def _statuses(result):
    return {(i.layer, i.quantity): i.status for i in result.items if i.status != "correct"}


# -- statuses and points --------------------------------------------------------------------

def test_a_correct_submission_scores_full_marks(cnn):
    result = _graded(cnn)
    assert result.score == result.max_score == Fraction(16)
    assert len(result.items) == 7 * 2 + 1
    assert shown(_item(result, "conv1", "params"), "answers").feedback == "Correct: (3*3*3 + 1) * 64 = 1,792."
    assert shown(_item(result, "conv1", "output_shape"), "answers").feedback == "Correct: (8 - 3)/1 + 1 = 6 → 6x6x64."


@pytest.mark.parametrize("text, status, value", [
    ("1792", "correct", 1792),
    ("1,792", "correct", 1792),
    ("(3*3*3+1)*64", "correct", 1792),
    ("(3*3*3+1)*64 = 1792", "correct", 1792),
    ("1728", "incorrect", 1728),
    ("?", "missing", None),
    ("", "missing", None),
    ("TODO", "missing", None),
    ("lots", "unreadable", None),
    ("17 92 and 5", "unreadable", None),
])
def test_every_answer_gets_one_status(cnn, text, status, value):
    item = _item(_graded(cnn, {("conv1", "params"): text}), "conv1", "params")
    assert (item.status, item.value) == (status, value)
    assert item.points == (1 if status == "correct" else 0)


def test_an_absent_answer_is_missing(cnn):
    result = _graded(cnn, drop=[("conv1", "params"), (None, "total_params")])
    assert _statuses(result) == {("conv1", "params"): "missing", (None, "total_params"): "missing"}
    assert _item(result, "conv1", "params").answer is None
    assert result.score == 16 - 1 - 2


def test_an_unreadable_answer_says_how_to_write_it(cnn):
    result = _graded(cnn, {("conv1", "output_shape"): "six by six", ("conv2", "params"): "lots"})
    shape, count = _item(result, "conv1", "output_shape"), _item(result, "conv2", "params")
    assert shape.status == count.status == "unreadable"
    # the examples of how to write a value are never this exercise's answers (6x6x64, 1,792)
    assert shape.message == "cannot read 'six by six' as a shape; write it like 9x9x16 or (9, 9, 16)"
    assert count.message.endswith("write it like 1216, 1,216 or (3*3*2 + 1)*64")
    for reveal in ("answers", "correctness", "nothing"):
        assert "write it like" in shown(shape, reveal).feedback


def test_a_result_that_disagrees_with_its_working_is_graded_on_the_result(cnn):
    wrong = _item(_graded(cnn, {("conv1", "params"): "(3*3*3+1)*64 = 1782"}), "conv1", "params")
    assert (wrong.status, wrong.value) == ("incorrect", 1782)
    assert "(3*3*3+1)*64 gives 1,792, not the 1,782 you wrote" in shown(wrong, "answers").feedback
    right = _item(_graded(cnn, {("conv1", "params"): "3*3*3*64 = 1792"}), "conv1", "params")
    assert right.status == "correct" and "gives 1,728, not the 1,792 you wrote" in shown(right, "answers").feedback


ONE_TENTH = """
id: tenths
framework: keras
input_shape: [4]
layers:
""" + "".join(f"  - {{type: Dense, name: d{i}, units: {i + 2}}}\n" for i in range(15)) + """
ask: {output_shape: 0.1, params: 0.1}
"""


def test_points_are_exact():
    exercise = load_exercise_text(ONE_TENTH, "tenths.yaml")
    result = _graded(exercise)
    assert len(result.items) == 30
    assert result.max_score == result.score == Fraction(3)
    assert result_json(result)["score"] == 3.0
    wrong = _graded(exercise, {("d0", "params"): "1", ("d3", "output_shape"): "2"})
    assert wrong.score == Fraction(28, 10)
    assert result_json(wrong)["items"][1]["points"] == 0


# -- layouts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, status", [
    ("6x6x64", "correct"), ("64x6x6", "correct"), ("(None, 6, 6, 64)", "correct"), ("[6,6,64]", "correct"),
    ("6x64x6", "incorrect"), ("6x6", "incorrect"),
])
def test_shapes_in_either_accepted_layout(cnn, text, status):
    assert _item(_graded(cnn, {("conv1", "output_shape"): text}), "conv1", "output_shape").status == status


@pytest.mark.parametrize("text", ["torch.Size([1, 6, 6, 64])", "(1, 6, 6, 64)", "(-1, 6, 6, 64)", "[None, 6, 6, 64]"])
def test_a_batch_of_one_printed_with_the_shape_is_the_batch(cnn, text):
    assert _item(_graded(cnn, {("conv1", "output_shape"): text}), "conv1", "output_shape").status == "correct"
    assert _item(_graded(cnn, {("fc", "output_shape"): "[1, 516]"}), "fc", "output_shape").status == "correct"


def test_one_dimensional_shapes_are_layout_free(cnn):
    assert _item(_graded(cnn, {("flatten", "output_shape"): "(None, 128)"}), "flatten", "output_shape").status \
        == "correct"


CHANNELS_FIRST_ONLY = """
id: cf-only
framework: keras
input_shape: [8, 8, 3]
layers:
  - {type: Conv2D, name: conv1, filters: 64, kernel_size: 3}
grading: {layouts: [channels_first]}
"""


def test_only_the_accepted_layout_counts():
    exercise = load_exercise_text(CHANNELS_FIRST_ONLY, "cf.yaml")
    result = _graded(exercise, {("conv1", "output_shape"): "6x6x64"})
    item = _item(result, "conv1", "output_shape")
    assert (item.status, item.mistake) == ("incorrect", "channel_order")
    assert item.expected == (64, 6, 6)
    assert "written 64x6x6 in channels_first order" in item.formula
    assert _item(_graded(exercise), "conv1", "output_shape").status == "correct"


def test_pytorch_shapes_are_channels_first():
    exercise = load_exercise(EXERCISES / "cnn-mnist-pytorch.yaml")
    assert _item(_graded(exercise, {("pool1", "output_shape"): "32x12x12"}), "pool1", "output_shape").status \
        == "correct"
    assert _item(_graded(exercise, {("pool1", "output_shape"): "12x12x32"}), "pool1", "output_shape").status \
        == "incorrect"


# -- follow-through ------------------------------------------------------------------------

WRONG_CONV = {("conv1", "output_shape"): "8x8x64", ("pool1", "output_shape"): "4x4x64",
              ("conv2", "output_shape"): "4x4x128", ("pool2", "output_shape"): "2x2x128",
              ("flatten", "output_shape"): "512", ("fc", "params"): "(512+1)*516 = 264,708",
              (None, "total_params"): f"{1792 + 8320 + 264708 + 2585:,}"}


def test_later_answers_right_given_a_wrong_shape_are_credited(cnn):
    result = _graded(cnn, WRONG_CONV)
    assert _statuses(result) == {
        ("conv1", "output_shape"): "incorrect", ("pool1", "output_shape"): "follow_through",
        ("conv2", "output_shape"): "follow_through", ("pool2", "output_shape"): "follow_through",
        ("flatten", "output_shape"): "follow_through", ("fc", "params"): "follow_through",
        (None, "total_params"): "follow_through"}
    assert result.score == 15
    fc = _item(result, "fc", "params")
    assert "your conv1 output shape 8x8x64" in fc.basis
    feedback = shown(fc, "answers").feedback
    assert "(512 + 1) * 516 = 264,708" in feedback and "(128 + 1) * 516 = 66,564" in feedback


def test_follow_through_needs_the_answer_to_be_consistent(cnn):
    result = _graded(cnn, {**WRONG_CONV, ("pool1", "output_shape"): "5x5x64"})
    assert _statuses(result)[("pool1", "output_shape")] == "incorrect"
    # conv2 is judged on the student's own pool1 (5x5x64): 4x4x128 no longer follows
    assert _statuses(result)[("conv2", "output_shape")] == "incorrect"


def test_a_missing_shape_carries_the_worked_value_forward(cnn):
    result = _graded(cnn, {**WRONG_CONV, ("pool1", "output_shape"): ""})
    assert _statuses(result)[("pool1", "output_shape")] == "missing"
    assert _statuses(result)[("conv2", "output_shape")] == "follow_through"


def test_a_channels_first_student_is_followed_in_their_layout(cnn):
    changes = {("conv1", "output_shape"): "64x8x8", ("pool1", "output_shape"): "64x4x4",
               ("conv2", "output_shape"): "128x4x4", ("pool2", "output_shape"): "128x2x2"}
    result = _graded(cnn, changes)
    assert _statuses(result) == {("conv1", "output_shape"): "incorrect", ("pool1", "output_shape"): "follow_through",
                                 ("conv2", "output_shape"): "follow_through", ("pool2", "output_shape"): "follow_through"}
    # a wrong channel count too: read in the layout this student writes right shapes in (channels_first)
    changes = {("conv1", "output_shape"): "32x8x8", ("pool1", "output_shape"): "32x4x4",
               ("conv2", "output_shape"): "128x3x3", ("pool2", "output_shape"): "128x1x1"}
    assert _statuses(_graded(cnn, changes)) == {("conv1", "output_shape"): "incorrect",
                                                ("pool1", "output_shape"): "follow_through"}


def test_no_follow_through_when_the_students_shape_makes_a_layer_impossible(cnn):
    # a 1x1 map cannot be pooled 2x2: pool1 is judged against the truth, and so are later layers
    result = _graded(cnn, {("conv1", "output_shape"): "1x1x64", ("pool1", "output_shape"): "1x1x64"})
    assert _statuses(result) == {("conv1", "output_shape"): "incorrect", ("pool1", "output_shape"): "incorrect"}


def test_a_layer_that_states_its_input_size_gets_no_follow_through():
    exercise = load_exercise(EXERCISES / "cnn-mnist-pytorch.yaml")  # fc1 says in_features: 800
    result = _graded(exercise, {("flatten", "output_shape"): "512", ("fc1", "params"): str(513 * 256)})
    assert _statuses(result) == {("flatten", "output_shape"): "incorrect", ("fc1", "params"): "incorrect"}


def test_follow_through_can_be_turned_off():
    exercise = load_exercise(EXERCISES / "conv3d-video.yaml")
    assert exercise.grading.follow_through is False
    first = exercise.solution.layers[0]
    d, h, w, c = first.output_shape
    wrong = f"{d}x{h - 2}x{w - 2}x{c}"
    pool = exercise.solution.layers[1]
    consistent = "x".join(map(str, (pool.output_shape[0], (h - 2) // 2, (w - 2) // 2, pool.output_shape[3])))
    result = _graded(exercise, {(first.name, "output_shape"): wrong, (pool.name, "output_shape"): consistent})
    assert _statuses(result) == {(first.name, "output_shape"): "incorrect", (pool.name, "output_shape"): "incorrect"}


def test_a_total_that_adds_up_the_students_own_answers_is_credited(cnn):
    result = _graded(cnn, {("conv1", "params"): "1728", (None, "total_params"): f"{79261 - 64}"})
    assert _statuses(result) == {("conv1", "params"): "incorrect", (None, "total_params"): "follow_through"}
    assert _item(result, None, "total_params").basis == "the sum of your layer answers"


def test_model_wide_trainable_totals():
    exercise = load_exercise(EXERCISES / "mlp-batchnorm.yaml")
    solution = exercise.solution
    assert _item(_graded(exercise), None, "total_trainable_params").expected == solution.trainable_params
    result = _graded(exercise, {(None, "total_trainable_params"): str(solution.total_params)})
    assert _statuses(result) == {(None, "total_trainable_params"): "incorrect"}


# -- the Result and its JSON -----------------------------------------------------------------

SPEC_ITEM_KEYS = {"layer", "quantity", "answer", "expected", "status", "points", "max_points", "mistake",
                  "feedback"}


def test_json_follows_the_spec(cnn):
    data = result_json(_graded(cnn, {("conv1", "params"): "1728"}), "answers")
    assert {"exercise", "student", "submission", "score", "max_score", "items", "errors"} <= set(data)
    assert (data["exercise"], data["score"], data["max_score"]) == ("cnn-8x8x3", 15.0, 16.0)
    item = next(i for i in data["items"] if (i["layer"], i["quantity"]) == ("conv1", "params"))
    assert SPEC_ITEM_KEYS <= set(item)
    assert (item["answer"], item["expected"], item["status"], item["points"], item["max_points"], item["mistake"]) \
        == ("1728", 1792, "incorrect", 0, 1, "forgot_bias")
    assert "(3*3*3 + 1) * 64 = 1,792, not 3*3*3 * 64 = 1,728" in item["feedback"]
    shape = next(i for i in data["items"] if i["quantity"] == "output_shape")
    assert shape["expected"] == [6, 6, 64]
    total = data["items"][-1]
    assert total["layer"] is None and total["quantity"] == "total_params"
    json.dumps(data)


EXPECTED_TEXTS = ["1792", "1,792", "6x6x64", "[6, 6, 64]", "79261", "79,261", "66,564", "(3*3*3"]


def _all_wrong(exercise):
    changes = {key: ("7x7x7" if key[1] == "output_shape" else "7") for key in solution_answers(exercise).values}
    changes[("conv1", "params")] = "1728"  # a named mistake too
    changes[("pool1", "params")] = "lots"  # and an unreadable one
    changes[("out", "params")] = "?"  # and a missing one
    return _graded(exercise, changes)


def test_reveal_nothing_shows_no_expected_value_and_no_verdict(cnn):
    data = result_json(_all_wrong(cnn), "nothing")
    text = json.dumps(data, ensure_ascii=False)
    for expected in EXPECTED_TEXTS:
        assert expected not in text
    assert {i["status"] for i in data["items"]} == {"received", "unreadable", "missing"}
    assert all(i["expected"] is None and i["mistake"] is None and i["formula"] is None for i in data["items"])
    feedback = " ".join(i["feedback"] for i in data["items"])
    for word in ("orrect", "Expected", "bias", "Credited"):
        assert word not in feedback


def test_reveal_correctness_shows_verdicts_but_no_expected_value(cnn):
    data = result_json(_all_wrong(cnn), "correctness")
    text = json.dumps(data, ensure_ascii=False)
    for expected in EXPECTED_TEXTS:
        assert expected not in text
    conv1 = next(i for i in data["items"] if (i["layer"], i["quantity"]) == ("conv1", "params"))
    assert (conv1["status"], conv1["mistake"]) == ("incorrect", "forgot_bias")
    assert conv1["feedback"].startswith("Not correct (forgot the bias).")


def test_to_json_defaults_to_the_exercises_reveal():
    exercise = load_exercise(EXERCISES / "conv3d-video.yaml")
    assert exercise.grading.reveal == "nothing"
    data = result_json(_graded(exercise))
    assert data["reveal"] == "nothing" and {i["status"] for i in data["items"]} == {"received"}


# The typical answers of a class: mistakes carried through (wrong shapes, then what follows from them)
CLASS_ANSWERS = [
    {("conv1", "params"): "1728"}, {("conv1", "params"): "640", ("conv2", "params"): "256"},
    {("conv1", "output_shape"): "8x8x64", ("pool1", "output_shape"): "4x4x64", ("conv2", "output_shape"): "4x4x128",
     ("pool2", "output_shape"): "2x2x128", ("flatten", "output_shape"): "512", ("fc", "params"): "264708"},
    {("conv1", "output_shape"): "5x5x64", ("pool1", "output_shape"): "2x2x64"},
    {("pool2", "output_shape"): "2x2x128", ("flatten", "output_shape"): "512", ("fc", "params"): "264,708"},
    {("pool1", "params"): "64", ("fc", "params"): "66048", ("total_params", None): "79000"},
    {("conv1", "output_shape"): "64x6x6", ("flatten", "output_shape"): "lots"}, {},
    {("conv1", "output_shape"): "9x9x64", ("pool1", "output_shape"): "4x4x64"},  # the same pool1 answer,
    {("conv1", "output_shape"): "8x8x64", ("pool1", "output_shape"): "4x4x64"},  # credited on other grounds
]


def test_grading_is_a_pure_function_of_the_key_and_the_answers(cnn):
    """A class is graded with one key: what one submission gives never depends on the others."""
    import random

    rng = random.Random(5)
    classes = []
    for _ in range(60):  # answer sets mixed from the typical ones: each item is met many times
        changes = {}
        for chosen in rng.sample(CLASS_ANSWERS, 2):
            changes.update({(None, k[0]) if k[1] is None else k: v for k, v in chosen.items()})
        classes.append(changes)
    key = answer_key(cnn)
    together = [result_json(grade(key, parse_answers(solution_answers(cnn, changes=c), key))) for c in classes]
    for changes, seen in zip(reversed(classes), reversed(together)):
        assert result_json(_graded(cnn, changes)) == seen


def test_a_submission_without_answers_but_with_errors_is_ungradable(cnn):
    answers = Answers("s1.ipynb", Identity("s1"), errors=["not a notebook: the file is empty"])
    result = grade_answers(cnn, answers)
    assert not result.gradable and result.items == ()
    assert result.score == 0 and result.max_score == 16
    data = result_json(result)
    assert (data["gradable"], data["errors"], data["items"]) == (False, ["not a notebook: the file is empty"], [])


def test_errors_beside_answers_are_kept_and_the_answers_graded(cnn):
    answers = solution_answers(cnn)
    answers.errors.append("cell 7 could not be read")
    result = grade_answers(cnn, answers)
    assert result.gradable and result.score == 16 and result.errors == ("cell 7 could not be read",)


def test_read_answer_never_raises_on_odd_values():
    assert read_answer("params", RawAnswer("1e400")).status == "unreadable"
    assert read_answer("output_shape", RawAnswer("(" * 500)).status == "unreadable"
    assert read_answer("params", None).status == "missing"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(alphabet="0123456789x*+-=(),. ?abc", max_size=12), min_size=15, max_size=15))
def test_grading_any_text_gives_statuses_and_bounded_points(cnn, texts):
    keys = list(solution_answers(cnn).values)
    answers = Answers("s.ipynb", Identity("s"), values={k: RawAnswer(t) for k, t in zip(keys, texts)})
    result = grade_answers(cnn, answers)
    assert len(result.items) == 15
    assert all(i.status in STATUSES for i in result.items)
    assert 0 <= result.score <= result.max_score
    json.dumps(result_json(result, "answers"))


def test_a_merge_that_the_students_shapes_make_impossible_gets_no_follow_through():
    exercise = load_exercise(EXERCISES / "resnet-block-pytorch.yaml")  # add: [bn2, input]
    changes = {("conv2", "output_shape"): "64x54x54", ("bn2", "output_shape"): "64x54x54",
               ("add", "output_shape"): "64x54x54"}
    result = _graded(exercise, changes)
    assert _statuses(result) == {("conv2", "output_shape"): "incorrect", ("bn2", "output_shape"): "follow_through",
                                 ("add", "output_shape"): "incorrect"}
    # and the layers after the impossible one start again from the truth
    assert _item(result, "relu2", "output_shape").status == "correct"
