"""The answer key of an exercise: everything grading needs that depends on the exercise
alone, worked out once and passed explicitly to :func:`grader.grading.grade`.

A class of a thousand submissions is graded against one key (one per variant of an
exercise with ``variables``): the expected value and worked formula of every asked item,
each layer's layout, the layers whose shape tells the layouts apart, examples of how to
write a value that are no value of this exercise, and the totals a mistake made in every
layer would give. The key is immutable; grading keeps no other state between submissions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Mapping

from .engine import LayerSolution
from .exercise import TOTAL_OF, Exercise
from .feedback import shape_text
from .layouts import FIRST, LAST, accepted_forms, layer_layouts, other, to_layout
from .mistakes import Case, totals_with_mistakes
from .shapes import Shape
from .working import count_working, shape_working, sum_working


@dataclass(frozen=True)
class Expected:
    """One asked item of the key: ``layer`` is None for a model-wide total."""

    layer: str | None
    quantity: str
    points: Fraction
    value: Any          # int, or a shape in the first layout the exercise accepts
    formula: str        # the worked value: "(3*3*3 + 1) * 64 = 1,792", "(8 - 3)/1 + 1 = 6 → 6x6x64"


@dataclass(frozen=True)
class AnswerKey:
    exercise: Exercise
    items: tuple[Expected, ...]                        # layers in order (asked quantities each), then totals
    layouts: Mapping[str, str]                         # each input's and layer's own layout
    true_shapes: Mapping[str, Shape]                   # each input's and layer's true output shape
    telling: tuple[tuple[str, Shape, Shape], ...]      # (layer, shape channels last, channels first) where they differ
    hints: tuple[str, str]                             # how to write a count, a shape: examples of no value here
    mistaken_totals: Mapping[str, Mapping[str, tuple[int, str]]]  # total -> mistake code -> (value, working)
    by_key: Mapping[tuple[str | None, str], Expected] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", MappingProxyType({(e.layer, e.quantity): e for e in self.items}))

    @property
    def max_score(self) -> Fraction:
        return sum((e.points for e in self.items), Fraction(0))

    def expected(self, layer: str | None, quantity: str) -> Expected:
        return self.by_key[(layer, quantity)]


def answer_key(exercise: Exercise) -> AnswerKey:
    """The key of one exercise (variant)."""
    solution = exercise.solution
    layouts = MappingProxyType(dict(layer_layouts(exercise.framework, exercise.inputs, exercise.layers)))
    true_shapes = MappingProxyType({**exercise.inputs, **{s.name: s.output_shape for s in solution.layers}})
    items: list[Expected] = []
    for solved in solution.layers:
        for quantity in exercise.asked_layer_quantities:
            value, formula = _worked(exercise, solved, quantity, layouts[solved.name])
            items.append(Expected(solved.name, quantity, exercise.ask[quantity], value, formula))
    mistaken: dict[str, Mapping[str, tuple[int, str]]] = {}
    for quantity in exercise.asked_totals:
        values = [solved.value(TOTAL_OF[quantity]) for solved in solution.layers]
        items.append(Expected(None, quantity, exercise.ask[quantity], sum(values), sum_working(values)))
        cases = [layer_case(exercise, layouts, true_shapes, solved, TOTAL_OF[quantity]) for solved in solution.layers]
        mistaken[quantity] = MappingProxyType(totals_with_mistakes(cases))
    telling = []
    for solved in solution.layers:
        last, first = (to_layout(solved.output_shape, layouts[solved.name], x) for x in (LAST, FIRST))
        if last != first:
            telling.append((solved.name, last, first))
    return AnswerKey(exercise=exercise, items=tuple(items), layouts=layouts, true_shapes=true_shapes,
                     telling=tuple(telling), hints=neutral_hints(exercise),
                     mistaken_totals=MappingProxyType(mistaken))


def _worked(exercise: Exercise, solved: LayerSolution, quantity: str, native: str) -> tuple[Any, str]:
    """The expected value of a layer item (shapes in the first accepted layout) and its working."""
    if quantity != "output_shape":
        return solved.value(quantity), worked_count(solved, quantity)
    shown = accepted_forms(solved.output_shape, native, exercise.grading.layouts)[0]
    return shown, worked_shape(exercise, solved, shown, native)


def worked_count(solved: LayerSolution, quantity: str) -> str:
    if quantity != "macs":  # MACs may be unknown (None) where the parameters are not
        return count_working(quantity, solved.weights)
    extra = solved.macs - sum(w.count * w.uses for w in solved.weights)
    return count_working(quantity, solved.weights, extra)


def worked_shape(exercise: Exercise, solved: LayerSolution, shown: Any, native: str) -> str:
    layer = exercise.layer(solved.name)
    text = shape_working(layer.kind.window(layer.params), solved.input_shapes, solved.output_shape)
    if tuple(shown) != tuple(solved.output_shape):  # the exercise accepts only the other layout
        text += f", written {shape_text(shown)} in {other(native)} order"
    return text


def layer_case(exercise: Exercise, layouts: Mapping[str, str], shapes: Mapping[str, Shape],
               solved: LayerSolution, quantity: str, value: Any = None) -> Case:
    """A mistakes :class:`~grader.mistakes.Case` for one layer item, in the context ``solved``
    was worked in (the true one, or the student's own earlier shapes)."""
    return Case(exercise=exercise, quantity=quantity, value=value, expected=solved.value(quantity),
                layer=exercise.layer(solved.name), in_shapes=solved.input_shapes, shapes=shapes,
                layout=layouts[solved.name], accepted=tuple(exercise.grading.layouts), layouts=layouts)


# Examples for "how to write it" that are nobody's answer: the parser's own (1,792 and
# 6x6x64) are the origin exercise's conv1, which reveal 'nothing' must not show.
_COUNT_EXAMPLES = ((1216, "(3*3*2 + 1)*64"), (1632, "(5*5*2 + 1)*32"), (736, "(3*3*5 + 1)*16"),
                   (130, "(2*2*3 + 1)*10"))
_SHAPE_EXAMPLES = ((9, 9, 16), (7, 7, 32), (5, 5, 8), (11, 11, 3))


def neutral_examples(exercise: Exercise) -> tuple[int, str, Shape]:
    """A count, its working and a shape (channels last) to show how to write values: none of
    them is a value of this exercise, so an example never gives an answer away."""
    solution = exercise.solution
    numbers = {solution.total_params, solution.trainable_params, solution.non_trainable_params}
    shapes: set[Shape] = set()
    for solved in solution.layers:
        numbers |= {solved.params, solved.trainable_params, solved.non_trainable_params, solved.macs}
        shapes |= {tuple(solved.output_shape), to_layout(solved.output_shape, LAST, FIRST),
                   to_layout(solved.output_shape, FIRST, LAST)}
    n, expression = next((c for c in _COUNT_EXAMPLES if c[0] not in numbers), _COUNT_EXAMPLES[-1])
    shape = next((c for c in _SHAPE_EXAMPLES if c not in shapes), _SHAPE_EXAMPLES[-1])
    return n, expression, shape


def unknown_example(exercise: Exercise) -> Shape | None:
    """A shape with a size that is not known, ``(None, 9)``, that is no value of this exercise,
    to show how to write one; None when the exercise has no unknown size (issue 10, item 10)."""
    true = [*exercise.inputs.values(), *(s.output_shape for s in exercise.solution.layers)]
    if not any(None in shape for shape in true):
        return None
    taken = {tuple(shape) for shape in true} | {to_layout(shape, LAST, FIRST) for shape in true}
    return next((e for e in _UNKNOWN_EXAMPLES if e not in taken), _UNKNOWN_EXAMPLES[-1])


_UNKNOWN_EXAMPLES = ((None, 9), (None, 7), (None, 5), (None, 11), (None, 13))


def neutral_hints(exercise: Exercise) -> tuple[str, str]:
    """How to write a count and a shape, with examples that are no value of this exercise."""
    n, expression, shape = neutral_examples(exercise)
    hint = f"write it like {shape_text(shape)} or ({', '.join(map(str, shape))})"
    unknown = unknown_example(exercise)
    if unknown is not None:
        hint += (f", and a size that is not known as ? or None: {shape_text(unknown)} or "
                 f"({', '.join(str(d) for d in unknown)})")
    return (f"write it like {n}, {n:,} or {expression}", hint)
