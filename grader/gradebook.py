"""Gradebooks for learning-management systems, written from graded results.

The formats follow ``shared/formats`` (and the LMS sources they were written from):
- ``csv``: a plain CSV, one row per submission, with the points of every item;
- ``canvas``: the Canvas gradebook import (``Student, ID, SIS User ID, SIS Login ID,
  Section, <Title (assignment id)>`` and the ``    Points Possible`` row), keyed by the
  Canvas user id found in the download file names;
- ``moodle``: the assignment's offline grading worksheet (``Identifier`` =
  ``Participant N``, ``Grade``, ``Last modified (grade)``, ``Feedback comments``);
- Gradescope's ``results.json`` for one submission (``gradescope_results``).
Each writer returns text; the caller writes it atomically.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterable, Protocol, Sequence

from .answers import Identity
from .exercise import Exercise
from .result import Result


class Scored(Protocol):
    """What a gradebook reads of a graded submission: a :class:`~grader.result.Result`, or
    the slimmer ``grader.batch.Graded`` a class run collects."""
    submission: str
    identity: Identity
    items: Sequence[Any]      # each with layer, quantity, status, points, mistake
    errors: Sequence[str]
    score: Fraction | int     # Graded carries whole points as ints
    max_score: Fraction | int

    @property
    def gradable(self) -> bool: ...

FORMATS = ("csv", "canvas", "moodle")


@dataclass(frozen=True)
class GradebookOptions:
    assignment_title: str | None = None   # default: the exercise title
    assignment_id: str | None = None      # Canvas: makes the column "Title (id)" match an assignment
    graded_at: datetime | None = None     # Moodle "Last modified (grade)"


@lru_cache(maxsize=4096)
def decimal(value: Fraction | int, places: int = 2) -> str:
    """``12.00``, ``0.33``: fixed decimals as LMS imports expect (no float drift: rounded once).
    Cached: a class has few distinct points, and a gradebook of 10,000 rows asks 150,000 times."""
    scaled = round(Fraction(value) * 10 ** places)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10 ** places)
    return f"{sign}{whole}.{frac:0{places}d}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str | None) -> str:
    """Text that came from a submission or an LMS, safe to open in a spreadsheet: a cell that
    starts with = + - @ would run as a formula (CSV injection), so it gets a leading
    apostrophe, as OWASP recommends. Numbers and grader's own fixed cells are left alone."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_text(rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def short_feedback(result: Scored, reveal: str) -> str:
    """One paragraph for an LMS comment box, within what ``reveal`` allows."""
    if not result.gradable:
        return "Not graded: " + "; ".join(result.errors or ["no answers found"])
    text = f"Score {decimal(result.score)} / {decimal(result.max_score)}."
    if reveal == "nothing":
        return text + " See the full report for details."
    wrong = [item for item in result.items if item.status in ("incorrect", "unreadable", "missing")]
    if not wrong:
        return text + " All answers correct."
    parts = []
    for item in wrong[:12]:
        label = f"{item.layer} {item.quantity.replace('_', ' ')}" if item.layer else item.quantity.replace("_", " ")
        detail = {"missing": "missing", "unreadable": "unreadable"}.get(item.status, "incorrect")
        if item.mistake and item.status == "incorrect":
            detail += f" ({item.mistake.replace('_', ' ')})"
        parts.append(f"{label}: {detail}")
    more = f"; and {len(wrong) - 12} more" if len(wrong) > 12 else ""
    return f"{text} To review: " + "; ".join(parts) + more + "."


def item_columns(exercise: Exercise) -> list[tuple[str | None, str]]:
    """The asked items in exercise order: (layer, quantity), model-wide last."""
    from .exercise import LAYER_QUANTITIES, MODEL_QUANTITIES
    cols: list[tuple[str | None, str]] = [(layer.name, q) for layer in exercise.layers
                                          for q in LAYER_QUANTITIES if exercise.ask.get(q)]
    cols += [(None, q) for q in MODEL_QUANTITIES if exercise.ask.get(q)]
    return cols


def plain_csv(results: Sequence[Scored], exercise: Exercise) -> str:
    columns = item_columns(exercise)
    header = ["student", "name", "email", "submission", "score", "max_score", "percent", "status",
              "late", "errors"] + [f"{layer}.{q}" if layer else q for layer, q in columns]
    rows: list[list[object]] = [header]
    for r in results:
        points = {(i.layer, i.quantity): decimal(i.points) for i in r.items}
        percent = _percent_cell(r.score, r.max_score) if r.gradable and r.max_score else ""
        rows.append([text_cell(r.identity.student), text_cell(r.identity.name), text_cell(r.identity.email),
                     text_cell(r.submission), decimal(r.score) if r.gradable else "", decimal(r.max_score), percent,
                     "graded" if r.gradable else "ungradable", "yes" if r.identity.late else "",
                     text_cell("; ".join(r.errors))] + [points.get(c, "") for c in columns])
    return _csv_text(rows)


@lru_cache(maxsize=4096)  # a class has few distinct scores
def _percent_cell(score: Fraction | int, maximum: Fraction | int) -> str:
    return decimal(100 * Fraction(score) / Fraction(maximum), 1)  # exact: ints would divide as floats


def canvas_csv(results: Sequence[Scored], exercise: Exercise, options: GradebookOptions
               ) -> tuple[str, list[str]]:
    """The Canvas import CSV, and the submissions left out (no Canvas user id in the name, or
    an earlier submission of a student who handed in again)."""
    title = options.assignment_title or exercise.title
    column = f"{title} ({options.assignment_id})" if options.assignment_id else title
    rows: list[list[object]] = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
                                ["    Points Possible", "", "", "", "", decimal(exercise.max_score)]]
    latest, skipped = _latest_per(results, lambda r: r.identity.canvas_id, "Canvas user")
    for r in latest:
        if not r.identity.canvas_id:
            skipped.append(f"{r.submission}: no Canvas user id in the file name")
            continue
        # an ungradable submission leaves the Canvas grade untouched (empty cell)
        rows.append([text_cell(r.identity.name or r.identity.student), r.identity.canvas_id, "", "", "",
                     decimal(r.score) if r.gradable else ""])
    return _csv_text(rows), skipped


MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                 "Feedback comments"]


def moodle_date(when: datetime) -> str:
    """Moodle's own worksheet date, ``Tuesday, 3 September 2024, 9:00 AM`` (read with strtotime)."""
    hour = when.hour % 12 or 12
    return (f"{when:%A}, {when.day} {when:%B} {when.year}, {hour}:{when:%M} "
            f"{'AM' if when.hour < 12 else 'PM'}")


def moodle_csv(results: Sequence[Scored], exercise: Exercise, options: GradebookOptions
               ) -> tuple[str, list[str]]:
    """The offline grading worksheet, and the submissions left out (no participant id)."""
    when = moodle_date(options.graded_at or datetime.now())
    rows: list[list[object]] = [MOODLE_HEADER]
    latest, skipped = _latest_per(results, lambda r: r.identity.moodle_participant, "Moodle participant")
    for r in latest:
        pid = r.identity.moodle_participant
        if not pid:
            skipped.append(f"{r.submission}: no Moodle participant id in the file name")
            continue
        rows.append([f"Participant {pid}", text_cell(r.identity.name or r.identity.student),
                     text_cell(r.identity.email), "Submitted for grading", decimal(r.score) if r.gradable else "",
                     decimal(exercise.max_score), "Yes", "-", when,
                     text_cell(short_feedback(r, exercise.grading.reveal))])
    return _csv_text(rows), skipped


def gradescope_results(result: Result, exercise: Exercise) -> dict:
    """Gradescope's ``/autograder/results/results.json`` for one submission."""
    reveal = exercise.grading.reveal
    # with reveal 'nothing' Gradescope shows students nothing until the instructor publishes
    visibility = "after_published" if reveal == "nothing" else "visible"
    tests = []
    for n, item in enumerate(result.items, 1):
        name = f"{item.layer}: {item.quantity.replace('_', ' ')}" if item.layer else item.quantity.replace("_", " ")
        test = {"name": name, "number": f"1.{n}", "score": float(item.points), "max_score": float(item.max_points),
                "output": item.feedback_for(reveal), "visibility": visibility}
        if reveal != "nothing":
            test["status"] = "passed" if item.points >= item.max_points else "failed"
        tests.append(test)
    out = {"score": float(result.score), "output": short_feedback(result, reveal),
           "output_format": "text", "visibility": visibility, "tests": tests,
           "extra_data": {"exercise": exercise.id, "submission": result.submission}}
    if not result.gradable:
        out["output"] = "Your submission could not be graded: " + "; ".join(result.errors)
    return out


def _latest_per(results: Sequence[Scored], key, who: str) -> tuple[list[Scored], list[str]]:
    """One row per LMS id: the last submission in name order wins (Canvas resubmissions ``-1``);
    the earlier ones, said as left out."""
    chosen: dict[object, Scored] = {}
    order: list[object] = []
    replaced: list[str] = []
    for r in results:
        k = key(r) or ("file", r.submission)
        if k not in chosen:
            order.append(k)
        else:
            replaced.append(f"{chosen[k].submission}: the same {who} handed in {r.submission} later")
        chosen[k] = r
    return [chosen[k] for k in order], replaced
