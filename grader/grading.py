"""Grading one submission (SPEC section 3): parsed answers against the exercise's answer key.

:func:`grade` is a pure function of (:class:`~grader.key.AnswerKey`, :class:`~grader.parsing.
ParsedAnswers`). Every asked item gets exactly one status — correct, follow_through,
incorrect, missing, unreadable — and its points from ``ask``.

Follow-through (``grading.follow_through``): the layers are walked in order keeping the
shapes the *student* believes each layer outputs — their own readable output shape when
they wrote one, else the value worked from their earlier answers. A layer whose inputs
differ from the truth is re-solved on them; an answer that is wrong but right given those
inputs is ``follow_through`` and earns full points. When the student's shapes make a layer
impossible there is no follow-through for it, and the later layers start from the truth
again. A total equal to the sum of the student's own layer answers (or of the values
worked from their shapes) is follow-through too.
"""
from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any, Mapping, Sequence

from .answers import Answers, Identity, RawAnswer
from .engine import Layer, LayerSolution, solve_layer
from .errors import GraderError
from .exercise import TOTAL_OF, Exercise
from .feedback import shape_text, value_text
from .key import AnswerKey, Expected, answer_key, layer_case, worked_count, worked_shape
from .layouts import FIRST, LAST, channels, other, to_layout
from .mistakes import Case, Finding, diagnose, same_value
from .parsing import ParsedAnswers, Reading, parse_answers
from .result import Item, Result
from .shapes import Shape
from .working import sum_working

_ZERO = Fraction(0)


def grade(key: AnswerKey, parsed: ParsedAnswers) -> Result:
    """The graded :class:`Result` of one submission.

    A submission with errors and no answer at all is ungradable: the Result has no items,
    its ``errors`` say why, and its score is 0 of the key's maximum.
    """
    answers = parsed.answers
    items: tuple[Item, ...] = ()
    if not (answers.errors and not answers.values):
        items = tuple(_Walk(key, parsed).items())
    return Result(exercise=key.exercise.id, submission=answers.submission, identity=answers.identity,
                  max_score=key.max_score, reveal=key.exercise.grading.reveal, items=items,
                  errors=tuple(answers.errors), notes=tuple(answers.notes),
                  warnings=tuple(answers.warnings), source=answers.source)


def grade_answers(exercise: Exercise, answers: Answers) -> Result:
    """Parse and grade one submission's answers (a key built for it alone: for a class, build
    the key once with :func:`grader.key.answer_key` and call :func:`grade`)."""
    key = answer_key(exercise)
    return grade(key, parse_answers(answers, key))


class _Walk:
    """One submission's walk over the layers, with the shapes the student believes they output."""

    def __init__(self, key: AnswerKey, parsed: ParsedAnswers):
        exercise = key.exercise
        self.key = key
        self.exercise = exercise
        self.truth = exercise.solution
        self.parsed = parsed
        self.follow = exercise.grading.follow_through
        self.believed: dict[str, Shape] = dict(exercise.inputs)
        self.origins: dict[str, tuple[str, ...]] = dict.fromkeys(exercise.inputs, ())
        self.mine: dict[str, LayerSolution | None] = {}
        self.prefer = self._student_layout()

    def reading(self, layer: str | None, quantity: str) -> Reading:
        return self.parsed.reading(layer, quantity)

    def items(self) -> list[Item]:
        out: list[Item] = []
        asked = self.exercise.asked_layer_quantities
        for layer in self.exercise.layers:
            out += self._layer(layer, asked)
        for quantity in self.exercise.asked_totals:
            out.append(self._total(self.key.expected(None, quantity)))
        return out

    # -- layers --------------------------------------------------------------------------

    def _layer(self, layer: Layer, asked: Sequence[str]) -> list[Item]:
        truth = self.truth.layer(layer.name)
        in_shapes = tuple(self.believed[name] for name in layer.inputs)
        origins = self._origins_of(layer.inputs)
        mine: LayerSolution | None = truth
        if self.follow and in_shapes != truth.input_shapes:
            mine = _solved_on(layer, in_shapes)
        self.mine[layer.name] = mine
        shifted = mine if mine is not truth else None
        items = [self._layer_item(layer, self.key.expected(layer.name, q), truth, shifted, origins) for q in asked]
        shape_item = items[asked.index("output_shape")] if "output_shape" in asked else None
        self._believe(layer, truth, mine, origins, shape_item)
        return items

    def _origins_of(self, inputs: Sequence[str]) -> tuple[str, ...]:
        """The student's own answers that the layer's inputs were worked from (sorted)."""
        found = [self.origins[name] for name in inputs]
        if not any(found):  # the usual case: the inputs the student believes are the true ones
            return ()
        return tuple(sorted({o for names in found for o in names}))

    def _believe(self, layer: Layer, truth: LayerSolution, mine: LayerSolution | None,
                 origins: tuple[str, ...], shape_item: Item | None) -> None:
        """What the later layers receive from this one, in the student's eyes."""
        base = mine or truth
        name = layer.name
        if shape_item is not None and shape_item.status == "correct":
            self.believed[name], self.origins[name] = truth.output_shape, ()
        elif shape_item is not None and shape_item.status == "incorrect" and self.follow:
            self.believed[name] = self._interpret(shape_item.value, base.output_shape, self.key.layouts[name])
            self.origins[name] = (name,)
        else:  # follow-through, missing or unreadable: the value worked from the earlier answers
            self.believed[name] = base.output_shape
            self.origins[name] = origins if mine is not None else ()
        if tuple(self.believed[name]) == tuple(truth.output_shape):  # e.g. the channels in the wrong place
            self.origins[name] = ()

    def _interpret(self, dims: Shape, reference: Shape, native: str) -> Shape:
        """A wrong shape in the layer's own layout: the reading whose channels agree, else the
        layout this student writes in."""
        dims = tuple(dims)
        if len(dims) < 2:
            return dims
        options = [to_layout(dims, layout, native) for layout in (self.prefer, other(self.prefer))]
        if len(reference) == len(dims):
            for option in options:
                if channels(option, native) == channels(reference, native):
                    return option
        return options[0]

    def _student_layout(self) -> str:
        """The layout of the student's right shapes (most of them), else the exercise's own."""
        votes: Counter[str] = Counter()
        if self.exercise.ask.get("output_shape"):
            for name, last, first in self.key.telling:
                value = self.reading(name, "output_shape").value
                if value is not None and tuple(value) in (last, first):
                    votes[LAST if tuple(value) == last else FIRST] += 1
        if votes:
            return votes.most_common(1)[0][0]
        return next(iter(self.key.layouts.values()), LAST)

    def _case(self, layer: Layer, quantity: str, value: Any, solved: LayerSolution,
              shapes: Mapping[str, Shape]) -> Case:
        return layer_case(self.exercise, self.key.layouts, shapes, solved, quantity, value)

    def _layer_item(self, layer: Layer, expected: Expected, truth: LayerSolution, mine: LayerSolution | None,
                    origins: tuple[str, ...]) -> Item:
        quantity = expected.quantity
        reading = self.reading(layer.name, quantity)
        if reading.status:
            return _item(expected, reading, reading.status)
        case = self._case(layer, quantity, reading.value, truth, self.key.true_shapes)
        if same_value(case, reading.value, case.expected):
            return _item(expected, reading, "correct")
        if mine is not None and same_value(case, reading.value, mine.value(quantity)):
            return _item(expected, reading, "follow_through", basis=self._basis(origins),
                         own_formula=self._own_formula(mine, quantity))
        finding = diagnose(case)
        if finding is None and mine is not None:
            finding = diagnose(self._case(layer, quantity, reading.value, mine, self.believed))
        return _item(expected, reading, "incorrect", finding=finding)

    def _own_formula(self, mine: LayerSolution, quantity: str) -> str:
        """The value worked from the student's own inputs, as the key works the true one."""
        if quantity != "output_shape":
            return worked_count(mine, quantity)
        return worked_shape(self.exercise, mine, mine.output_shape, self.key.layouts[mine.name])

    def _basis(self, origins: tuple[str, ...]) -> str:
        said = [f"{name} output shape {shape_text(self.reading(name, 'output_shape').value)}" for name in origins]
        return "your " + (", ".join(said) if said else "earlier answers")

    # -- totals --------------------------------------------------------------------------

    def _total(self, expected: Expected) -> Item:
        quantity, per = expected.quantity, TOTAL_OF[expected.quantity]
        reading = self.reading(None, quantity)
        if reading.status:
            return _item(expected, reading, reading.status)
        if reading.value == expected.value:
            return _item(expected, reading, "correct")
        theirs = self._layer_answers(per)
        if self.follow:
            own = self._own_total(per)
            if own is not None and own[0] != expected.value and reading.value == own[0]:
                return _item(expected, reading, "follow_through", basis=own[1], own_formula=own[2])
            if theirs and sum(theirs.values()) == reading.value:
                return _item(expected, reading, "follow_through", basis="the sum of your layer answers",
                             own_formula=sum_working(theirs.values()))
        case = Case(exercise=self.exercise, quantity=quantity, value=reading.value, expected=expected.value,
                    accepted=tuple(self.exercise.grading.layouts), layouts=self.key.layouts, layer_answers=theirs)
        finding = diagnose(case, totals=self.key.mistaken_totals[quantity])
        return _item(expected, reading, "incorrect", finding=finding)

    def _layer_answers(self, quantity: str) -> dict[str, int]:
        """The student's readable answers for one count quantity of every layer (missing ones
        left out); empty when one is unreadable or none was written."""
        out: dict[str, int] = {}
        for layer in self.exercise.layers:
            reading = self.reading(layer.name, quantity)
            if reading.status == "unreadable":
                return {}
            if reading.value is not None:
                out[layer.name] = reading.value
        return out

    def _own_total(self, quantity: str) -> tuple[int, str, str] | None:
        """The total worked from the student's own shapes, when they changed something."""
        mine = [self.mine.get(layer.name) for layer in self.exercise.layers]
        if any(m is None for m in mine):
            return None
        values = [m.value(quantity) for m in mine]
        origins = sorted({o for name in self.origins for o in self.origins[name]})
        return sum(values), self._basis(tuple(origins)), sum_working(values)


def _solved_on(layer: Layer, in_shapes: tuple[Shape, ...]) -> LayerSolution | None:
    """The layer on the student's input shapes; None when they make it impossible (then
    there is no follow-through for it)."""
    try:
        return solve_layer(layer, in_shapes)
    except GraderError:
        return None


def _item(expected: Expected, reading: Reading, status: str, *, finding: Finding | None = None,
          basis: str = "", own_formula: str = "") -> Item:
    credited = status in ("correct", "follow_through")
    raw = reading.raw
    return Item(layer=expected.layer, quantity=expected.quantity, answer=raw.text if raw else None,
                where=raw.where if raw else "", value=reading.value, status=status,
                points=expected.points if credited else _ZERO, max_points=expected.points,
                expected=expected.value, formula=expected.formula, message=reading.message,
                mistake=finding.code if finding else None, mistake_title=finding.title if finding else "",
                explanation=finding.explanation if finding else "", working=finding.working if finding else "",
                basis=basis, own_formula=own_formula)


def solution_answers(exercise: Exercise, student: str = "solution",
                     changes: Mapping[tuple[str | None, str], str] | None = None) -> Answers:
    """The answers of a student who got every asked item right (shapes in the first accepted
    layout), with ``changes`` replacing some raw texts: what self-tests and examples grade."""
    key = answer_key(exercise)
    values: dict[tuple[str | None, str], RawAnswer] = {}
    for expected in key.items:
        where = f"row '{expected.layer}'" if expected.layer is not None else "total"
        values[(expected.layer, expected.quantity)] = RawAnswer(value_text(expected.value), where)
    for change, text in (changes or {}).items():
        values[change] = RawAnswer(text, "changed")
    return Answers(submission=f"{student}.yaml", identity=Identity(student), source="solution", values=values)


__all__ = ["grade", "grade_answers", "solution_answers"]
