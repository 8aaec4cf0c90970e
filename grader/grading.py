"""Grading one submission (SPEC section 3): parsed answers against the solved exercise.

Every asked item gets exactly one status — correct, follow_through, incorrect, missing,
unreadable — and its points from ``ask``. Parsing comes first (PrairieLearn's rule): an
answer that cannot be read is ``unreadable`` with the parser's message, never "wrong".

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
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping, Sequence

from .answers import Answers, Identity, RawAnswer
from .engine import LayerSolution, solve, solve_layer
from .errors import AnswerFormatError, GraderError
from .exercise import LAYER_QUANTITIES, MODEL_QUANTITIES, Exercise, Layer
from .mistakes import TOTAL_OF, Case, diagnose, same_value, totals_with_mistakes
from .result import Item, Result
from .shapes import Shape
from .tables import number, shape_text
from .values import COUNT_HINT, SHAPE_HINT, evaluate, is_blank, parse_count, parse_shape
from .working import (FIRST, LAST, accepted_forms, channels, count_working, layer_layouts, other,
                      shape_working, sum_working, to_layout, value_text)


@dataclass(frozen=True)
class Reading:
    """One answer after parsing: its value, or why there is none."""

    raw: RawAnswer | None
    value: Any = None       # int, or shape dims as written
    status: str = ""        # "", "missing" or "unreadable"
    message: str = ""       # how to write it (unreadable) or the working/result disagreement


def read_answer(quantity: str, raw: RawAnswer | None, hints: tuple[str, str] | None = None) -> Reading:
    """Parse one raw answer; never raises. ``hints`` replace the parser's examples of how to
    write a count and a shape (see :func:`neutral_hints`)."""
    if raw is None or is_blank(raw.text):
        return Reading(raw, status="missing")
    try:
        if quantity == "output_shape":
            return Reading(raw, parse_shape(raw.text).dims)
        parsed = parse_count(raw.text)
    except AnswerFormatError as exc:
        message = exc.message
        if hints:
            message = message.replace(COUNT_HINT, hints[0]).replace(SHAPE_HINT, hints[1])
        return Reading(raw, status="unreadable", message=message)
    message = ""
    if parsed.mismatch:
        message = (f"your working {parsed.expression} gives {_evaluated(parsed.expression)}, not the "
                   f"{number(parsed.stated)} you wrote; the result you wrote was graded")
    return Reading(raw, parsed.value, message=message)


# Examples for "how to write it" that are nobody's answer: the parser's own (1,792 and
# 6x6x64) are the origin exercise's conv1, which reveal 'nothing' must not show.
_COUNT_EXAMPLES = ((1216, "(3*3*2 + 1)*64"), (1632, "(5*5*2 + 1)*32"), (736, "(3*3*5 + 1)*16"),
                   (130, "(2*2*3 + 1)*10"))
_SHAPE_EXAMPLES = ((9, 9, 16), (7, 7, 32), (5, 5, 8), (11, 11, 3))


def neutral_hints(exercise: Exercise) -> tuple[str, str]:
    """How to write a count and a shape, with examples that are no value of this exercise."""
    solution = exercise.solution if exercise.solution is not None else solve(exercise)
    numbers = {solution.total_params, solution.trainable_params, solution.non_trainable_params}
    shapes: set[Shape] = set()
    for solved in solution.layers:
        numbers |= {solved.params, solved.trainable_params, solved.non_trainable_params, solved.macs}
        shapes |= {tuple(solved.output_shape), to_layout(solved.output_shape, LAST, FIRST),
                   to_layout(solved.output_shape, FIRST, LAST)}
    n, expression = next((c for c in _COUNT_EXAMPLES if c[0] not in numbers), _COUNT_EXAMPLES[-1])
    shape = next((c for c in _SHAPE_EXAMPLES if c not in shapes), _SHAPE_EXAMPLES[-1])
    return (f"write it like {n}, {n:,} or {expression}",
            f"write it like {shape_text(shape)} or ({', '.join(map(str, shape))})")


def _evaluated(expression: str) -> str:
    try:
        value = evaluate(expression)
    except AnswerFormatError:
        return "something else"
    return number(int(value)) if value.denominator == 1 else str(value)


def grade(exercise: Exercise, answers: Answers) -> Result:
    """The graded :class:`Result` of one submission.

    A submission with errors and no answer at all is ungradable: the Result has no items,
    its ``errors`` say why, and its score is 0 of ``max_score``.
    """
    shared = _per_exercise(exercise)
    if "max_score" not in shared:
        shared["max_score"] = exercise.max_score
    result = Result(exercise=exercise.id, submission=answers.submission, identity=answers.identity,
                    errors=list(answers.errors), notes=list(answers.notes), source=answers.source,
                    max_score=shared["max_score"], reveal=exercise.grading.reveal)
    if answers.errors and not answers.values:
        return result
    result.items = _Walk(exercise, answers).items()
    return result


# What every submission of an exercise needs alike (the worked truth, the hints, the items
# graded without follow-through), kept for the exercises graded last: a class grades
# thousands of submissions against one exercise.
_SHARED: dict[int, tuple[Exercise, dict[Any, Any]]] = {}
_MAX_CACHED_ITEMS = 8192
_ZERO = Fraction(0)


def _per_exercise(exercise: Exercise) -> dict[Any, Any]:
    entry = _SHARED.get(id(exercise))
    if entry is None or entry[0] is not exercise:  # the exercise is held: its id is not reused
        if len(_SHARED) >= 64:
            _SHARED.clear()
        entry = _SHARED[id(exercise)] = (exercise, {})
    return entry[1]


class _Walk:
    """The layers in order, with the shapes the student believes they output."""

    def __init__(self, exercise: Exercise, answers: Answers):
        self.exercise = exercise
        self.truth = exercise.solution if exercise.solution is not None else solve(exercise)
        self.answers = answers
        self.accepted = tuple(exercise.grading.layouts)
        self.follow = exercise.grading.follow_through
        self.readings: dict[tuple[str | None, str], Reading] = {}
        self.believed: dict[str, Shape] = dict(exercise.inputs)
        self.origins: dict[str, tuple[str, ...]] = dict.fromkeys(exercise.inputs, ())
        self.mine: dict[str, LayerSolution | None] = {}
        self.shared = _per_exercise(exercise)
        if "hints" not in self.shared:
            self._share(exercise)
        self.hints = self.shared["hints"]
        self.layouts: dict[str, str] = self.shared["layouts"]
        self.true_shapes: dict[str, Shape] = self.shared["true_shapes"]
        self.asked: tuple[str, ...] = self.shared["asked"]
        self.prefer = self._student_layout()

    def _share(self, exercise: Exercise) -> None:
        """What depends on the exercise alone, worked out by its first submission."""
        shared = self.shared
        shared["hints"] = neutral_hints(exercise)
        shared["items"], shared["readings"], shared["solved"] = {}, {}, {}
        shared["layouts"] = layer_layouts(exercise)
        shared["true_shapes"] = {**exercise.inputs, **{s.name: s.output_shape for s in self.truth.layers}}
        shared["asked"] = tuple(q for q in LAYER_QUANTITIES if exercise.ask.get(q))  # (points are Fractions)
        shared["asked_totals"] = tuple(q for q in MODEL_QUANTITIES if exercise.ask.get(q))

    def reading(self, layer: str | None, quantity: str) -> Reading:
        key = (layer, quantity)
        reading = self.readings.get(key)
        if reading is None:
            raw = self.answers.get(layer, quantity)
            cache = self.shared["readings"]  # a class writes the same answers: parse each once
            reading = cache.get((quantity, raw))
            if reading is None:
                if len(cache) >= _MAX_CACHED_ITEMS:
                    cache.clear()
                reading = cache[(quantity, raw)] = read_answer(quantity, raw, self.hints)
            self.readings[key] = reading
        return reading

    def items(self) -> list[Item]:
        out: list[Item] = []
        for layer in self.exercise.layers:
            out += self._layer(layer)
        for quantity in self.shared["asked_totals"]:
            out.append(self._total(quantity))
        return out

    # -- layers --------------------------------------------------------------------------

    def _layer(self, layer: Layer) -> list[Item]:
        truth = self.truth.layer(layer.name)
        in_shapes = tuple([self.believed[name] for name in layer.inputs])
        origins = self._origins_of(layer.inputs)
        mine: LayerSolution | None = truth
        if self.follow and in_shapes != truth.input_shapes:
            mine = self._solved_on(layer, in_shapes)
        shifted = mine is not truth
        self.mine[layer.name] = mine
        items = [self._layer_item(layer, q, truth, mine if shifted else None, origins) for q in self.asked]
        shape_item = items[self.asked.index("output_shape")] if "output_shape" in self.asked else None
        self._believe(layer, truth, mine, origins, shape_item)
        return items

    def _origins_of(self, inputs: Sequence[str]) -> tuple[str, ...]:
        """The student's own answers that the layer's inputs were worked from (sorted)."""
        found = [self.origins[name] for name in inputs]
        if not any(found):  # the usual case: the inputs the student believes are the true ones
            return ()
        return tuple(sorted({o for names in found for o in names}))

    def _solved_on(self, layer: Layer, in_shapes: tuple[Shape, ...]) -> LayerSolution | None:
        """The layer on the student's input shapes; None when they make it impossible (then
        there is no follow-through). Students make the same mistakes: solved once per exercise."""
        cache = self.shared["solved"]
        key = (layer.name, in_shapes)
        if key not in cache:
            if len(cache) >= _MAX_CACHED_ITEMS:
                cache.clear()
            try:
                cache[key] = solve_layer(layer, in_shapes)
            except GraderError:
                cache[key] = None
        return cache[key]

    def _believe(self, layer: Layer, truth: LayerSolution, mine: LayerSolution | None,
                 origins: tuple[str, ...], shape_item: Item | None) -> None:
        """What the later layers receive from this one, in the student's eyes."""
        base = mine or truth
        name = layer.name
        if shape_item is not None and shape_item.status == "correct":
            self.believed[name], self.origins[name] = truth.output_shape, ()
        elif shape_item is not None and shape_item.status == "incorrect" and self.follow:
            self.believed[name] = self._interpret(shape_item.value, base.output_shape, self.layouts[name])
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
            for name, last, first in self._layout_telling():
                value = self.reading(name, "output_shape").value
                if value is not None and tuple(value) in (last, first):
                    votes[LAST if tuple(value) == last else FIRST] += 1
        if votes:
            return votes.most_common(1)[0][0]
        return next(iter(self.layouts.values()), LAST)

    def _layout_telling(self) -> list[tuple[str, Shape, Shape]]:
        """(layer, true shape channels last, channels first) of the layers whose shape tells
        the layouts apart; the same for every submission, so worked out once per exercise."""
        telling = self.shared.get("layout_telling")
        if telling is None:
            telling = []
            for solved in self.truth.layers:
                native = self.layouts[solved.name]
                last, first = (to_layout(solved.output_shape, native, x) for x in (LAST, FIRST))
                if last != first:
                    telling.append((solved.name, last, first))
            self.shared["layout_telling"] = telling
        return telling

    def _case(self, layer: Layer, quantity: str, value: Any, solved: LayerSolution, shapes) -> Case:
        return Case(exercise=self.exercise, quantity=quantity, value=value, expected=_value(solved, quantity),
                    layer=layer, in_shapes=solved.input_shapes, shapes=shapes,
                    layout=self.layouts[layer.name], accepted=self.accepted, layouts=self.layouts)

    def _layer_item(self, layer: Layer, quantity: str, truth: LayerSolution, mine: LayerSolution | None,
                    origins: tuple[str, ...]) -> Item:
        # A class writes the same few answers and makes the same few mistakes: each item is
        # graded once per exercise (a bounded cache), then copied. Without follow-through it
        # depends only on its raw answer; with it, also on what the student believes the
        # earlier layers output (their shapes, and the answers that follow-through names).
        key: tuple = (layer.name, quantity, self.answers.get(layer.name, quantity))
        if mine is not None:
            key += (origins, tuple(self.reading(name, "output_shape").value for name in origins),
                    tuple(self.believed.items()))
        cache = self.shared["items"]
        item = cache.get(key)
        if item is None:
            if len(cache) >= _MAX_CACHED_ITEMS:
                cache.clear()
            item = cache[key] = self._graded_item(layer, quantity, truth, mine, origins)
        return _copied(item)

    def _graded_item(self, layer: Layer, quantity: str, truth: LayerSolution, mine: LayerSolution | None,
                     origins: tuple[str, ...]) -> Item:
        native = self.layouts[layer.name]
        expected = _value(truth, quantity)
        if quantity == "output_shape":
            expected = accepted_forms(expected, native, self.accepted)[0]
        worked = self.shared.get((layer.name, quantity))
        if worked is None:  # the worked truth is the same for every submission: once per exercise
            worked = self.shared[(layer.name, quantity)] = self._formula(layer, quantity, truth, expected)
        item = self._item(layer.name, quantity, expected, worked)
        if item.status:
            return item
        case = self._case(layer, quantity, item.value, truth, self.true_shapes)
        if same_value(case, item.value, case.expected):
            return _credit(item, "correct")
        if mine is not None and same_value(case, item.value, _value(mine, quantity)):
            item.basis = self._basis(origins)
            item.own_formula = self._formula(layer, quantity, mine, _value(mine, quantity))
            return _credit(item, "follow_through")
        item.status = "incorrect"
        finding = diagnose(case)
        if finding is None and mine is not None:
            finding = diagnose(self._case(layer, quantity, item.value, mine, self.believed))
        if finding is not None:
            item.mistake, item.mistake_title = finding.code, finding.title
            item.explanation, item.working = finding.explanation, finding.working
        return _finish(item)

    def _formula(self, layer: Layer, quantity: str, solved: LayerSolution, shown: Any) -> str:
        if quantity != "output_shape":
            extra = solved.macs - sum(w.count * w.uses for w in solved.weights)
            return count_working(quantity, solved.weights, extra)
        text = shape_working(self.exercise.framework, layer.params, solved.input_shapes, solved.output_shape)
        if tuple(shown) != tuple(solved.output_shape):  # the exercise accepts only the other layout
            text += f", written {shape_text(shown)} in {other(self.layouts[solved.name])} order"
        return text

    def _basis(self, origins: tuple[str, ...]) -> str:
        said = [f"{name} output shape {shape_text(self.reading(name, 'output_shape').value)}" for name in origins]
        return "your " + (", ".join(said) if said else "earlier answers")

    # -- items ---------------------------------------------------------------------------

    def _item(self, layer: str | None, quantity: str, expected: Any, formula: str) -> Item:
        """The item with its reading; status already set when missing or unreadable."""
        reading = self.reading(layer, quantity)
        raw = reading.raw
        item = Item(layer=layer, quantity=quantity, answer=raw.text if raw else None, expected=expected,
                    status=reading.status, points=_ZERO, max_points=self.exercise.ask[quantity],
                    formula=formula, value=reading.value, where=raw.where if raw else "",
                    message=reading.message)
        if item.status:
            _finish(item)
        return item

    # -- totals --------------------------------------------------------------------------

    def _total(self, quantity: str) -> Item:
        per = TOTAL_OF[quantity]
        worked = self.shared.get(("total", per))
        if worked is None:  # the same for every submission: once per exercise
            values = [_value(solved, per) for solved in self.truth.layers]
            worked = self.shared[("total", per)] = (sum(values), sum_working(values))
        item = self._item(None, quantity, *worked)
        if item.status:
            return item
        if item.value == item.expected:
            return _credit(item, "correct")
        theirs = self._layer_answers(per)
        if self.follow:
            own = self._own_total(per)
            if own is not None and own[0] != item.expected and item.value == own[0]:
                item.basis, item.own_formula = own[1], own[2]
                return _credit(item, "follow_through")
            if theirs and sum(theirs.values()) == item.value:
                item.basis = "the sum of your layer answers"
                item.own_formula = sum_working(theirs.values())
                return _credit(item, "follow_through")
        item.status = "incorrect"
        case = Case(exercise=self.exercise, quantity=quantity, value=item.value, expected=item.expected,
                    accepted=self.accepted, layouts=self.layouts, layer_answers=theirs)
        totals = self.shared.get(("totals", per))
        if totals is None:  # the same for every submission: once per exercise
            layer_cases = [self._case(layer, per, None, self.truth.layer(layer.name), self.true_shapes)
                           for layer in self.exercise.layers]
            totals = self.shared[("totals", per)] = totals_with_mistakes(layer_cases)
        finding = diagnose(case, totals=totals)
        if finding is not None:
            item.mistake, item.mistake_title = finding.code, finding.title
            item.explanation, item.working = finding.explanation, finding.working
        return _finish(item)

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
        values = [_value(m, quantity) for m in mine]
        origins = sorted({o for name in self.origins for o in self.origins[name]})
        return sum(values), self._basis(tuple(origins)), sum_working(values)


def solution_answers(exercise: Exercise, student: str = "solution",
                     changes: Mapping[tuple[str | None, str], str] | None = None) -> Answers:
    """The answers of a student who got every asked item right (shapes in the first accepted
    layout), with ``changes`` replacing some raw texts: what self-tests and examples grade."""
    solution = exercise.solution if exercise.solution is not None else solve(exercise)
    layouts = layer_layouts(exercise)
    values: dict[tuple[str | None, str], RawAnswer] = {}
    for solved in solution.layers:
        for quantity in LAYER_QUANTITIES:
            if exercise.ask.get(quantity):
                value = _value(solved, quantity)
                if quantity == "output_shape":
                    value = accepted_forms(value, layouts[solved.name], exercise.grading.layouts)[0]
                values[(solved.name, quantity)] = RawAnswer(value_text(value), f"row '{solved.name}'")
    for quantity in MODEL_QUANTITIES:
        if exercise.ask.get(quantity):
            total = sum(_value(solved, TOTAL_OF[quantity]) for solved in solution.layers)
            values[(None, quantity)] = RawAnswer(value_text(total), "total")
    for key, text in (changes or {}).items():
        values[key] = RawAnswer(text, "changed")
    return Answers(submission=f"{student}.yaml", identity=Identity(student), source="solution", values=values)


def _value(solved: LayerSolution, quantity: str) -> Any:
    if quantity == "output_shape":
        return tuple(solved.output_shape)
    return getattr(solved, quantity)


def _copied(item: Item) -> Item:
    """A shallow copy (the fields are immutable values): each Result owns its items. (A
    copy through __dict__ is several times faster than copy.copy or dataclasses.replace.)"""
    new = object.__new__(Item)
    new.__dict__.update(item.__dict__)
    return new


def _credit(item: Item, status: str) -> Item:
    item.status = status
    item.points = item.max_points
    return _finish(item)


def _finish(item: Item) -> Item:
    item.feedback = item.feedback_for("answers")
    return item


__all__ = ["grade", "read_answer", "neutral_hints", "Reading", "solution_answers"]
