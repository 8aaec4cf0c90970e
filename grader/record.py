"""What a class run keeps of each graded submission: a small record the gradebooks and the
class overview are written from, so that memory does not grow with the size of the reports.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from .answers import Identity
from .exercise import Exercise
from .feedback import item_label, short_feedback
from .result import Result

Column = tuple[str | None, str]   # (layer, quantity); layer None for a model-wide total
MAX_WRONG_ANSWER = 40             # the overview shows the most common wrong answer, clipped


def item_columns(exercise: Exercise) -> list[Column]:
    """The asked items in exercise order: (layer, quantity), model-wide last."""
    cols: list[Column] = [(layer.name, q) for layer in exercise.layers for q in exercise.asked_layer_quantities]
    return cols + [(None, q) for q in exercise.asked_totals]


@dataclass(frozen=True)
class Record:
    """One graded submission, as the class-level outputs need it. The item fields hold one
    entry per column of :func:`item_columns`, None where the submission has no such item."""

    submission: str
    identity: Identity
    gradable: bool
    score: Fraction
    max_score: Fraction
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    source: str
    statuses: tuple[str | None, ...]
    mistakes: tuple[str | None, ...]
    wrong: tuple[str | None, ...]       # incorrect answers (clipped), for the overview's "most common"
    comment: str                        # the short feedback for an LMS comment box, within reveal
    has_grade: bool = True              # graded, or given a score by the instructor
    adjustments: tuple[str, ...] = ()   # the instructor's overrides applied, as "item: comment"
    points: tuple[Fraction | None, ...] | None = None  # per item, only when an override set some
    overrides: tuple[int, ...] = ()     # the lines of the overrides file applied
    report: str = ""                    # the report's file, relative to the output folder
    superseded_by: str = ""             # a later submission of the same student, which counts instead

    @property
    def student(self) -> str:
        return self.identity.student

    @property
    def counted(self) -> bool:
        """Graded, and not replaced by a later submission: what statistics include."""
        return self.has_grade and not self.superseded_by


def record_of(result: Result, columns: Sequence[Column], overrides: tuple[int, ...] = ()) -> Record:
    """``overrides``: the lines of the overrides file applied to ``result``."""
    by_key = {(item.layer, item.quantity): item for item in result.items}
    items = [by_key.get(column) for column in columns]
    adjustments = tuple(f"{item_label(i.layer, i.quantity)}: {i.adjusted}" for i in result.items if i.adjusted)
    if result.adjustment:
        adjustments = (f"score: {result.adjustment}", *adjustments)
    return Record(
        submission=result.submission, identity=result.identity, gradable=result.gradable,
        score=result.score, max_score=result.max_score, errors=result.errors, warnings=result.warnings,
        source=result.source,
        statuses=tuple(i.status if i else None for i in items),
        mistakes=tuple(i.mistake if i else None for i in items),
        wrong=tuple(" ".join(i.answer.split())[:MAX_WRONG_ANSWER] if i and i.status == "incorrect" and i.answer
                    else None for i in items),
        comment=short_feedback(result, result.reveal), has_grade=result.has_grade, adjustments=adjustments,
        points=tuple(i.points if i else None for i in items) if any(i and i.adjusted for i in items) else None,
        overrides=overrides)
