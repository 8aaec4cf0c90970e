"""What a quiz asks: one item per asked answer of the key, with every spelling that is right
and the wrong answers that the named mistakes give (issue 12, section 4).

Shapes are listed explicitly, spelling by spelling, in every layout the exercise accepts: LMS
short-answer questions compare text, and wildcards would accept answers that grader would not.
Each spelling is one that :func:`grader.values.parse_shape` reads as the right shape, so the
quiz and grader's own grading agree. A wrong answer is kept only when it differs from every
right spelling and from the wrong answers before it (catalogue order, as grading names them).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Sequence

from ..errors import GraderError
from ..feedback import item_label, number, quiz_wrong_feedback
from ..key import AnswerKey, Expected, layer_case
from ..layouts import accepted_forms, to_layout
from ..mistakes import CATALOGUE, alternatives


@dataclass(frozen=True)
class Wrong:
    """A wrong answer a named mistake gives: its spellings, the mistake and the feedback."""

    spellings: tuple[str, ...]
    code: str
    feedback: str


@dataclass(frozen=True)
class QuizItem:
    layer: str | None
    quantity: str
    label: str                   # "conv1 output shape", "total parameters"
    points: Fraction
    numerical: bool              # counts are numbers; shapes are short text answers
    right: tuple[str, ...]       # the first is the canonical spelling
    wrong: tuple[Wrong, ...]
    formula: str                 # the worked value


def quiz_items(key: AnswerKey) -> list[QuizItem]:
    """The quiz's items, in the key's order (layers in order, their quantities, then totals):
    the order of a Cloze's parts, which the Moodle responses report keeps."""
    exercise = key.exercise
    if exercise.variables:
        raise GraderError("this exercise draws per-student variables, and an LMS quiz has one answer key for "
                          "everyone: export an exercise without 'variables:'", file=exercise.path)
    return [_item(key, expected) for expected in key.items]


def _item(key: AnswerKey, expected: Expected) -> QuizItem:
    reveal = key.exercise.grading.reveal
    if expected.quantity == "output_shape":
        native = key.layouts[expected.layer]
        forms = accepted_forms(key.true_shapes[expected.layer], native, key.exercise.grading.layouts)
        right = _unique(s for form in forms for s in shape_spellings(form, key.exercise.framework))
    else:
        right = (str(expected.value),)
    wrong: list[Wrong] = []
    taken = {s.casefold() for s in right}
    if reveal != "nothing":  # a receipt only: the quiz then says nothing about mistakes
        for code, value, working in _mistaken(key, expected):
            spellings = tuple(s for s in _wrong_spellings(key, expected, value) if s.casefold() not in taken)
            if not spellings:
                continue
            taken |= {s.casefold() for s in spellings}
            entry = CATALOGUE[code]
            wrong.append(Wrong(spellings, code, quiz_wrong_feedback(entry.title, entry.explanation, working, reveal)))
    return QuizItem(expected.layer, expected.quantity, item_label(expected.layer, expected.quantity),
                    expected.points, expected.quantity != "output_shape", right, tuple(wrong), expected.formula)


def _mistaken(key: AnswerKey, expected: Expected) -> list[tuple[str, Any, str]]:
    """(code, mistaken value, working) in catalogue order."""
    if expected.layer is None:
        totals = key.mistaken_totals.get(expected.quantity, {})
        return [(code, value, working) for code, (value, working) in totals.items() if value != expected.value]
    solved = next(s for s in key.exercise.solution.layers if s.name == expected.layer)
    case = layer_case(key.exercise, key.layouts, key.true_shapes, solved, expected.quantity, expected.value)
    out = []
    for code in CATALOGUE:
        for alt in alternatives(case, code):
            # the working as grading shows it to a student who wrote this value (some quote the answer)
            as_written = alternatives(replace(case, value=alt.value), code)
            out.append((code, alt.value, next((a.working for a in as_written if a.value == alt.value), alt.working)))
    return out


def _wrong_spellings(key: AnswerKey, expected: Expected, value: Any) -> tuple[str, ...]:
    if expected.quantity != "output_shape":
        return (str(value),)
    native = key.layouts[expected.layer]
    forms = _unique([tuple(value)] + [to_layout(value, native, layout) for layout in key.exercise.grading.layouts])
    # the two commonest spellings of each (6x6x64, 6 x 6 x 64): the LMS gives the mistake's feedback
    # at once to most students who made it; grader names it whatever the spelling when it grades
    return _unique(s for form in forms for s in shape_spellings(form, key.exercise.framework)[:2])


def shape_spellings(shape: Sequence[int], framework: str) -> list[str]:
    """The spellings of a shape that a quiz accepts (the README's, explicitly): ``6x6x64``,
    ``6 x 6 x 64``, ``6×6×64``, ``(6, 6, 64)``, ``[6, 6, 64]``, ``6, 6, 64`` and, for Keras,
    ``(None, 6, 6, 64)``; the bracketed ones also without spaces."""
    dims = ["?" if d is None else str(d) for d in shape]  # a size that is not known: ?x64
    if None in shape:  # and as Keras prints it, None
        named = ["None" if d is None else str(d) for d in shape]
        out = ["x".join(dims), " x ".join(dims), "x".join(named), " x ".join(named), f"({', '.join(named)})",
               f"[{', '.join(named)}]", f"({','.join(named)})"]
        if len(dims) == 1:
            out = [f"({dims[0]},)", f"({named[0]},)"]
        if framework == "keras":
            out += [f"(None, {', '.join(named)})", f"(None,{','.join(named)})"]
        return _unique(out)
    if len(dims) == 1:
        out = [dims[0], f"({dims[0]},)", f"({dims[0]})", f"[{dims[0]}]"]
    else:
        out = ["x".join(dims), " x ".join(dims), "×".join(dims), " × ".join(dims)]
        out += [f"({', '.join(dims)})", f"[{', '.join(dims)}]", ", ".join(dims), f"({','.join(dims)})",
                f"[{','.join(dims)}]"]  # not 16,181 bare: that reads as a thousands separator
    if framework == "keras":  # Keras prints the batch dimension as None
        for sep in (", ", ","):
            out += [f"(None{sep}{sep.join(dims)})", f"[None{sep}{sep.join(dims)}]"]
    return _unique(out)


def _unique(items) -> tuple:
    return tuple(dict.fromkeys(items))


def value_shown(item: QuizItem, spelling: str) -> str:
    """A right or wrong answer as a comment names it: counts with thousands separators."""
    return number(int(spelling)) if item.numerical else spelling
