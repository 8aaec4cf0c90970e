"""The outcome of grading one submission (SPEC sections 3 and 4), and its JSON form.

``reveal`` (answers | correctness | nothing) is applied here, once, for every output
that is built from ``to_json``/``view``: with ``nothing`` no expected value, formula or
verdict leaves this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .answers import Identity

STATUSES = ("correct", "follow_through", "incorrect", "missing", "unreadable")


@dataclass
class Item:
    layer: str | None            # None for model-wide quantities (total_params)
    quantity: str
    answer: str | None           # the raw text as written; None when missing
    expected: Any                # int, or a shape tuple
    status: str                  # one of STATUSES
    points: Fraction
    max_points: Fraction
    mistake: str | None = None   # a code of grader.mistakes
    feedback: str = ""           # one or two sentences for the student
    formula: str = ""            # the worked expected value: "(3*3*3 + 1) * 64 = 1,792"
    value: Any = None            # the parsed answer (int or shape tuple)
    where: str = ""              # where the answer was read


@dataclass
class Result:
    exercise: str
    submission: str
    identity: Identity
    items: list[Item] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str = ""
    max_score: Fraction = Fraction(0)

    @property
    def student(self) -> str:
        return self.identity.student

    @property
    def score(self) -> Fraction:
        return sum((item.points for item in self.items), Fraction(0))

    @property
    def gradable(self) -> bool:
        return bool(self.items)


def points(value: Fraction) -> float | int:
    """Points as JSON numbers: exact sums of Fractions, shown as floats (12.0, 0.5)."""
    return float(value)
