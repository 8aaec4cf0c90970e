"""Every shipped exercise tests itself (PrairieLearn-style): the solution's answers score
full marks, deliberate errors score less with the right statuses, and unreadable values are
``unreadable`` with a message. Iterates over whatever exercises/*.yaml holds."""
from fractions import Fraction

import pytest

from grader.exercise import LAYER_QUANTITIES, load_exercise
from grader.grading import grade_answers as grade
from grader.grading import solution_answers
from grader.tables import shape_text

from .conftest import EXERCISES

PATHS = sorted(EXERCISES.glob("*.yaml"))
# each exercise as the instructor sees it, and one student's variant (the same when there are no variables)
VARIANTS = [(path, student) for path in PATHS for student in (None, "s042")]


def _load(path, student):
    return load_exercise(path, student=student)


def _ids(v):
    return f"{v[0].stem}-{v[1] or 'default'}"


def test_there_are_exercises():
    assert PATHS


@pytest.mark.parametrize("path, student", VARIANTS, ids=[_ids(v) for v in VARIANTS])
def test_the_solution_scores_full_marks(path, student):
    exercise = _load(path, student)
    result = grade(exercise, solution_answers(exercise, student=student or "solution"))
    assert result.gradable
    assert {i.status for i in result.items} == {"correct"}
    assert result.score == result.max_score == exercise.max_score > 0
    assert all(i.mistake is None for i in result.items)


def _first_count(exercise):
    """The first asked per-layer count of a layer that has parameters."""
    for solved in exercise.solution.layers:
        for quantity in LAYER_QUANTITIES[1:]:
            if exercise.ask.get(quantity) and getattr(solved, quantity):
                return solved, quantity
    return None, None


@pytest.mark.parametrize("path, student", VARIANTS, ids=[_ids(v) for v in VARIANTS])
def test_deliberate_errors_score_less_with_the_right_statuses(path, student):
    exercise = _load(path, student)
    changes, expected = {}, {}
    solved, quantity = _first_count(exercise)
    if solved is not None:
        changes[(solved.name, quantity)] = str(getattr(solved, quantity) + 1)
        expected[(solved.name, quantity)] = "incorrect"
    if exercise.ask.get("output_shape"):
        first = exercise.solution.layers[0]
        changes[(first.name, "output_shape")] = shape_text((*first.output_shape, 1))  # one dimension too many
        expected[(first.name, "output_shape")] = "incorrect"
    if exercise.ask.get("total_params"):
        changes[(None, "total_params")] = str(exercise.solution.total_params + 7)
        expected[(None, "total_params")] = "incorrect"
    assert expected, "the exercise asks nothing this self-test can get wrong"
    result = grade(exercise, solution_answers(exercise, changes=changes))
    statuses = {(i.layer, i.quantity): i.status for i in result.items if i.status != "correct"}
    assert statuses == expected
    lost = sum((exercise.ask[q] for (_, q) in expected), Fraction(0))
    assert result.score == exercise.max_score - lost < exercise.max_score
    if exercise.ask.get("total_params") and solved is not None and quantity == "params":
        total = next(i for i in result.items if i.quantity == "total_params")
        assert total.mistake == "sum_mismatch"  # the layer answers add up to one more, not seven


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_a_total_adding_up_a_wrong_layer_answer_is_follow_through(path):
    exercise = _load(path, None)
    solved, quantity = _first_count(exercise)
    if solved is None or quantity != "params" or not exercise.ask.get("total_params") \
            or not exercise.grading.follow_through:
        pytest.skip("needs per-layer params, a total and follow-through")
    changes = {(solved.name, "params"): str(solved.params + 1),
               (None, "total_params"): str(exercise.solution.total_params + 1)}
    result = grade(exercise, solution_answers(exercise, changes=changes))
    statuses = {(i.layer, i.quantity): i.status for i in result.items if i.status != "correct"}
    assert statuses == {(solved.name, "params"): "incorrect", (None, "total_params"): "follow_through"}


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_unreadable_values_are_unreadable_with_a_message(path):
    exercise = _load(path, None)
    first = exercise.solution.layers[0]
    changes = {}
    if exercise.ask.get("output_shape"):
        changes[(first.name, "output_shape")] = "six by six"
    solved, quantity = _first_count(exercise)
    if solved is not None:
        changes[(solved.name, quantity)] = "lots of them"
    if exercise.ask.get("total_params"):
        changes[(None, "total_params")] = "(1+"
    result = grade(exercise, solution_answers(exercise, changes=changes))
    unreadable = {(i.layer, i.quantity): i for i in result.items if i.status == "unreadable"}
    assert set(unreadable) == set(changes)
    assert all("write it like" in i.message or "use numbers" in i.message for i in unreadable.values())
    assert all(i.points == 0 for i in unreadable.values())
    assert result.score == exercise.max_score - sum(exercise.ask[q] for (_, q) in changes)
