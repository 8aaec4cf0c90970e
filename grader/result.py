"""The outcome of grading one submission (SPEC section 3): plain, immutable data.

What a student may see of it, and in which words, is decided in one place,
:mod:`grader.feedback`; every output (JSON, HTML, text, gradebooks, Gradescope) asks it.
A submission that could not be read at all has no items and its ``errors`` say why
(``gradable`` is false); its score is 0 of ``max_score``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .answers import Identity

#: every status an asked item can get, in the order outputs list them
STATUSES = ("correct", "follow_through", "incorrect", "missing", "unreadable")


@dataclass(frozen=True)
class Item:
    """One asked item, graded."""

    layer: str | None            # None for model-wide quantities (total_params)
    quantity: str
    answer: str | None           # the raw text as written; None when missing
    where: str                   # where the answer was read ("cell 4, row 'conv1'")
    value: Any                   # the parsed answer (int or shape tuple); None when missing/unreadable
    status: str                  # one of STATUSES
    points: Fraction
    max_points: Fraction
    expected: Any                # int, or a shape tuple (in the first accepted layout)
    formula: str                 # the worked expected value: "(3*3*3 + 1) * 64 = 1,792"
    message: str = ""            # about reading the answer: how to write it, or working vs result
    mistake: str | None = None   # a code of grader.mistakes
    mistake_title: str = ""      # "Forgot the bias"
    explanation: str = ""        # the mistake in general, no values
    working: str = ""            # the student's probable computation: "3*3*3 * 64 = 1,728"
    basis: str = ""              # follow-through: "your conv1 output shape 8x8x64"
    own_formula: str = ""        # follow-through: the value worked from the student's own answers
    adjusted: str = ""           # set by an instructor's override: its comment


@dataclass(frozen=True)
class Result:
    """One graded submission. ``reveal`` is the exercise's: outputs use it unless told otherwise."""

    exercise: str
    submission: str
    identity: Identity
    max_score: Fraction
    reveal: str = "answers"
    items: tuple[Item, ...] = ()
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()   # problems shown at the top (labels matching no layer...)
    source: str = ""
    score_override: Fraction | None = None   # the whole score, set by an instructor's override
    adjustment: str = ""                      # that override's comment
    score: Fraction = field(init=False)       # the sum of the items' points, or the override

    def __post_init__(self) -> None:
        score = self.score_override
        if score is None:
            score = sum((item.points for item in self.items), Fraction(0))
        object.__setattr__(self, "score", score)

    @property
    def student(self) -> str:
        return self.identity.student

    @property
    def gradable(self) -> bool:
        """Whether answers were read and graded."""
        return bool(self.items)

    @property
    def has_grade(self) -> bool:
        """Graded, or given a score by the instructor (a submission graded by hand)."""
        return self.gradable or self.score_override is not None

    @property
    def full_marks(self) -> bool:
        return self.has_grade and self.score >= self.max_score
