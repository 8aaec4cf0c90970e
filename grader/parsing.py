"""Parsing a submission's answers, the stage between reading and grading (PrairieLearn's
rule: parse first, then grade). Every raw answer becomes a value, or a reason why it has
none: missing, or unreadable with a message saying how to write it. Grading compares
parsed values only, so an answer that cannot be read is never "wrong".
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from .answers import Answers, RawAnswer
from .errors import AnswerFormatError
from .exercise import LAYER_QUANTITIES, MODEL_QUANTITIES
from .feedback import number
from .key import AnswerKey
from .values import COUNT_HINT, SHAPE_HINT, evaluate, is_blank, parse_count, parse_shape

Key = tuple[str | None, str]


@dataclass(frozen=True)
class Reading:
    """One answer after parsing: its value, or why there is none."""

    raw: RawAnswer | None
    value: Any = None       # int, or shape dims as written
    status: str = ""        # "", "missing" or "unreadable"
    message: str = ""       # how to write it (unreadable) or the working/result disagreement


MISSING = Reading(None, status="missing")


@dataclass(frozen=True)
class ParsedAnswers:
    """A submission's answers, parsed: what grading reads."""

    answers: Answers
    readings: Mapping[Key, Reading]

    def reading(self, layer: str | None, quantity: str) -> Reading:
        return self.readings.get((layer, quantity), MISSING)


def parse_answers(answers: Answers, key: AnswerKey) -> ParsedAnswers:
    """Every answer the submission gives for a quantity grader knows, parsed. A shape is read
    knowing the true shape's rank (``[1, 64, 6, 6]`` printed after one sample holds the batch)
    and where the exercise wants the channels (``6@28x28`` names them)."""
    readings = {}
    accepted = key.exercise.grading.layouts
    for (layer, quantity), raw in answers.values.items():
        if quantity in LAYER_QUANTITIES or quantity in MODEL_QUANTITIES:
            true = key.true_shapes.get(layer) if layer is not None else None
            native = key.layouts.get(layer) if layer is not None else None
            layout = native if native in accepted else accepted[0]
            readings[(layer, quantity)] = read_answer(quantity, raw, key.hints,
                                                      rank=len(true) if true else None, layout=layout)
    return ParsedAnswers(answers, MappingProxyType(readings))


def read_answer(quantity: str, raw: RawAnswer | None, hints: tuple[str, str] | None = None, *,
                rank: int | None = None, layout: str | None = None) -> Reading:
    """Parse one raw answer; never raises. ``hints`` replace the parser's examples of how to
    write a count and a shape (see :func:`grader.key.neutral_hints`); ``rank`` and ``layout``
    are the true shape's (see :func:`grader.values.parse_shape`)."""
    if raw is None or is_blank(raw.text):
        return Reading(raw, status="missing")
    try:
        if quantity == "output_shape":
            return Reading(raw, parse_shape(raw.text, rank, layout=layout).dims)
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


def _evaluated(expression: str) -> str:
    try:
        value = evaluate(expression)
    except AnswerFormatError:
        return "something else"
    return number(int(value)) if value.denominator == 1 else str(value)
