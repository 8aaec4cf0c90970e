"""Instructor overrides that survive regrading: ``grader grade ... --overrides overrides.yaml``.

```yaml
- {student: s123, item: conv1.params, points: 1, comment: "the table was cut off in the export"}
- {student: s124, item: total_params, status: correct}
- {student: s125, points: 14, comment: "graded by hand from the PDF"}
```

Each entry names a student (their id, email, or LMS id), optionally one asked item
(``<layer>.<quantity>`` or a model-wide quantity such as ``total_params``; without it, the
whole score), and either ``points`` or ``status: correct`` (full points) / ``status: incorrect``
(none), with an optional ``comment``. Overrides are applied on every run, after grading, and
shown as adjusted by the instructor — with the comment — in the report, the overview and
every gradebook. An entry naming no asked item, or no student of the class, is an error with
its line.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

from .answers import Identity
from .errors import GraderError, did_you_mean
from .exercise import Exercise
from .record import Column, item_columns
from .result import Result
from .yamlsource import LineDict, LineList, parse, read_text

KEYS = ("student", "item", "points", "status", "comment")
STATUSES = ("correct", "incorrect")


@dataclass(frozen=True)
class Override:
    line: int
    student: str
    item: Column | None      # None: the whole score
    points: Fraction         # the points the item (or the submission) gets
    status: str | None       # the item's new status, when one is given
    comment: str

    def speaks_for(self, identity: Identity) -> bool:
        wanted = self.student.casefold()
        return wanted in {(v or "").casefold() for v in (identity.student, identity.email, identity.canvas_id,
                                                          identity.moodle_participant, identity.gradescope_id)}


def load_overrides(path: str, exercise: Exercise) -> tuple[Override, ...]:
    """The overrides in ``path``, checked against the exercise's asked items."""
    doc = parse(read_text(path, "overrides file"), path)
    if doc is None:
        return ()
    if not isinstance(doc, LineList):
        raise GraderError("an overrides file is a list of entries such as "
                          "'- {student: s123, item: conv1.params, points: 1, comment: ...}'", file=path, line=1)
    columns = {(f"{layer}.{q}" if layer else q): (layer, q) for layer, q in item_columns(exercise)}
    return tuple(_entry(entry, doc.line_of(i), path, columns, exercise) for i, entry in enumerate(doc))


def _entry(entry: object, line: int, path: str, columns: dict[str, Column], exercise: Exercise) -> Override:
    def fail(message: str) -> GraderError:
        return GraderError(message, file=path, line=line)

    if not isinstance(entry, LineDict):
        raise fail("each override is a mapping such as {student: s123, item: conv1.params, points: 1}")
    for key in entry:
        if key not in KEYS:
            raise fail(f"unknown key '{key}'{did_you_mean(str(key), KEYS)}")
    student = entry.get("student")
    if not isinstance(student, (str, int)) or isinstance(student, bool) or not str(student).strip():
        raise fail("'student' is missing: give the student's id, email or LMS id")
    item = entry.get("item")
    column = None
    if item is not None:
        column = columns.get(str(item))
        if column is None:
            raise fail(f"item '{item}' is not asked in this exercise{did_you_mean(str(item), columns)}; "
                       f"write <layer>.<quantity> such as {next(iter(columns))}")
    most = exercise.ask[column[1]] if column else exercise.max_score
    if ("points" in entry) == ("status" in entry):
        raise fail("give either 'points' or 'status' (correct or incorrect)")
    status = entry.get("status")
    if "status" in entry:
        if status not in STATUSES:
            raise fail(f"'status' must be correct or incorrect, got {status!r}")
        if column is None:
            raise fail("'status' needs an 'item'; for the whole score give 'points'")
        points = most if status == "correct" else Fraction(0)
    else:
        value = entry["points"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= most:
            raise fail(f"'points' must be a number from 0 to {most}, got {value!r}")
        points = Fraction(str(value))
    comment = entry.get("comment", "")
    if not isinstance(comment, str):
        raise fail(f"'comment' must be text, got {comment!r}")
    return Override(line=line, student=str(student).strip(), item=column, points=points, status=status,
                    comment=comment.strip())


def applying(overrides: Sequence[Override], identity: Identity) -> list[Override]:
    return [o for o in overrides if o.speaks_for(identity)]


def apply(result: Result, overrides: Iterable[Override]) -> Result:
    """The result with the instructor's overrides applied (item points and status, or the score)."""
    items = list(result.items)
    score: Fraction | None = None
    adjustment = ""
    for override in overrides:
        if override.item is None:
            score, adjustment = override.points, override.comment or "score set by your instructor"
            continue
        for i, item in enumerate(items):
            if (item.layer, item.quantity) == override.item:
                items[i] = dataclasses.replace(item, points=override.points, status=override.status or item.status,
                                               adjusted=override.comment or "adjusted by your instructor")
    return dataclasses.replace(result, items=tuple(items), score_override=score,
                               adjustment=adjustment or result.adjustment)


def unused(overrides: Sequence[Override], used: set[int], path: str) -> GraderError | None:
    """The error for the first override that matched no submission of the class, if any."""
    for override in overrides:
        if override.line not in used:
            return GraderError(f"no submission of student '{override.student}' in this class "
                               "(give their id, email or LMS id as the reports name them)", file=path,
                               line=override.line)
    return None
