"""Gradebooks for learning-management systems, written from the records of a class run.

The formats follow the LMS samples the project keeps (and the LMS sources they were written from):
- ``csv``: a plain CSV, one row per submission, with the points of every item;
- ``canvas``: the Canvas gradebook import (``Student, ID, SIS User ID, SIS Login ID,
  Section, <Title (assignment id)>`` and the ``    Points Possible`` row), keyed by the
  Canvas user id found in the download file names;
- ``moodle``: the assignment's offline grading worksheet (``Identifier`` =
  ``Participant N``, ``Grade``, ``Last modified (grade)``, ``Feedback comments``);
- Gradescope's ``results.json`` for one submission (:func:`gradescope_results`).
Each writer returns text; the caller writes it atomically. An ungradable submission has no
grade: its cells are empty (the LMS keeps what it had), as its report says "Not graded".
Every CSV is written with CRLF line ends (as Canvas writes its own), every field holding a
line break or a separator is quoted, and text from a submission or an LMS cannot start a
formula in a spreadsheet, on any of its lines.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import IO, Iterable, Iterator, Mapping, Sequence

from .exercise import Exercise
from .feedback import NOT_GRADED, item_label, not_graded, sentence, short_feedback, shown
from .groups import Group, Member
from .record import Record, item_columns
from .result import Result

FORMATS = ("csv", "canvas", "moodle")
CREDITED = ("correct", "follow_through")


@dataclass(frozen=True)
class GradebookOptions:
    assignment_title: str | None = None   # default: the exercise title
    assignment_id: str | None = None      # Canvas: makes the column "Title (id)" match an assignment
    graded_at: datetime | None = None     # Moodle "Last modified (grade)"
    groups: Mapping[str, Group] | None = None   # Canvas: each member's user id -> their group (grader.groups)


def decimal(value: Fraction | int, places: int = 2) -> str:
    """``12.00``, ``0.33``: fixed decimals as LMS imports expect (no float drift: rounded once)."""
    scaled = round(Fraction(value) * 10 ** places)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10 ** places)
    return f"{sign}{whole}.{frac:0{places}d}"


# A cell starting with = + - @ (or a tab or carriage return before one) runs as a formula in a
# spreadsheet (CSV injection); so does a line of a multi-line cell in some of them.
_FORMULA_LEAD = re.compile(r"(^|[\r\n])(?=[=+\-@\t\r])")


def text_cell(value: str | None) -> str:
    """Text that came from a submission or an LMS, safe to open in a spreadsheet: each line that
    starts like a formula gets a leading apostrophe, as OWASP recommends. Numbers and grader's
    own fixed cells are left alone."""
    return _FORMULA_LEAD.sub(lambda m: m.group(1) + "'", value or "")


def write_csv(fh: IO[str], rows: Iterable[Sequence[object]]) -> None:
    """Rows written as they come (a class of 50,000 is never one string in memory)."""
    # CRLF: the csv module quotes a field holding a character of the line terminator, so both
    # \r and \n inside a field are quoted (with "\n" alone, a lone \r would start a new row)
    csv.writer(fh, lineterminator="\r\n").writerows(rows)


def _csv_text(rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    write_csv(out, rows)
    return out.getvalue()


def _status(record: Record) -> str:
    if not record.has_grade:
        return "not graded"
    if record.superseded_by:
        return f"superseded by {record.superseded_by}"
    return "graded by hand" if not record.gradable else "graded"


def plain_rows(records: Iterable[Record], exercise: Exercise) -> Iterator[list[object]]:
    """Every submission, superseded and ungradable ones included (said in ``status``); an item
    credited (correct or follow-through) has its full points, any other none."""
    columns = item_columns(exercise)
    most = [exercise.ask[quantity] for _, quantity in columns]
    yield ["student", "name", "email", "submission", "score", "max_score", "percent", "status",
           "late", "errors", "adjustments"] + [f"{layer}.{q}" if layer else q for layer, q in columns]
    for r in records:
        percent = decimal(100 * r.score / r.max_score, 1) if r.has_grade and r.max_score else ""
        if r.points is not None:  # an override set some points
            points = [decimal(p) if p is not None else "" for p in r.points]
        else:
            points = [decimal(m) if s in CREDITED else "0.00" if s else "" for s, m in zip(r.statuses, most)]
        yield [text_cell(r.identity.student), text_cell(r.identity.name), text_cell(r.identity.email),
               text_cell(r.submission), decimal(r.score) if r.has_grade else "", decimal(r.max_score), percent,
               text_cell(_status(r)), "yes" if r.identity.late else "", text_cell("; ".join(r.errors)),
               text_cell("; ".join(r.adjustments)), *points]


def canvas_rows(records: Iterable[Record], exercise: Exercise, options: GradebookOptions,
                left_out: list[str], notes: list[str] | None = None) -> Iterator[list[object]]:
    """The Canvas import; the submissions left out (no Canvas user id in the name) go to ``left_out``.
    With ``options.groups``, a group's submission gives every member of the group a row; what
    the groups leave open (a submitter in no group, a group handed in twice) goes to ``notes``."""
    title = options.assignment_title or exercise.title
    column = f"{title} ({options.assignment_id})" if options.assignment_id else title
    yield ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", text_cell(column)]
    yield ["    Points Possible", "", "", "", "", decimal(exercise.max_score)]
    notes = notes if notes is not None else []
    group_graded_by: dict[str, str] = {}      # a group's name -> the submission its grade came from
    for r in records:
        if r.superseded_by:
            continue
        user = r.identity.canvas_id
        if not user:
            left_out.append(f"{r.submission}: no Canvas user id in the file name")
            continue
        # the submitter alone, or every member of their group (each user is in one group at most,
        # and a user's earlier submissions are superseded: nobody gets two rows)
        members: tuple[Member, ...] = (Member(user, r.identity.name or r.identity.student),)
        if options.groups is not None:
            group = options.groups.get(user)
            if group is None:
                notes.append(f"{r.submission}: user {user} is in no group of the groups file: only they get this grade")
            elif group.name in group_graded_by:   # two downloads put together: Canvas keeps one per group
                notes.append(f"{r.submission}: group '{group.name}' (user {user}) already has the grade of "
                             f"{group_graded_by[group.name]}: this one is not in the gradebook")
                continue
            else:
                group_graded_by[group.name] = r.submission
                members = tuple(m if m.name or m.canvas_id != user else members[0] for m in group.members)
        for member in members:
            # an ungradable submission leaves the Canvas grade untouched (empty cell)
            yield [text_cell(member.name or member.canvas_id), text_cell(member.canvas_id), "", "", "",
                   decimal(r.score) if r.has_grade else ""]


MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                 "Feedback comments"]


def moodle_date(when: datetime) -> str:
    """Moodle's own worksheet date, ``Tuesday, 3 September 2024, 9:00 AM`` (read with strtotime)."""
    hour = when.hour % 12 or 12
    return (f"{when:%A}, {when.day} {when:%B} {when.year}, {hour}:{when:%M} "
            f"{'AM' if when.hour < 12 else 'PM'}")


def moodle_rows(records: Iterable[Record], exercise: Exercise, options: GradebookOptions,
                left_out: list[str]) -> Iterator[list[object]]:
    """The offline grading worksheet; the submissions left out (no participant id) go to ``left_out``."""
    when = moodle_date(options.graded_at or datetime.now())
    yield MOODLE_HEADER
    for r in records:
        if r.superseded_by:
            continue
        pid = r.identity.moodle_participant
        if not pid:
            left_out.append(f"{r.submission}: no Moodle participant id in the file name")
            continue
        yield [f"Participant {pid}", text_cell(r.identity.name or r.identity.student), text_cell(r.identity.email),
               "Submitted for grading", decimal(r.score) if r.has_grade else "", decimal(exercise.max_score),
               "Yes", "-", when, text_cell(r.comment)]


def plain_csv(records: Sequence[Record], exercise: Exercise) -> str:
    return _csv_text(plain_rows(records, exercise))


def canvas_csv(records: Sequence[Record], exercise: Exercise, options: GradebookOptions) -> tuple[str, list[str]]:
    left_out: list[str] = []
    return _csv_text(canvas_rows(records, exercise, options, left_out)), left_out


def moodle_csv(records: Sequence[Record], exercise: Exercise, options: GradebookOptions) -> tuple[str, list[str]]:
    left_out: list[str] = []
    return _csv_text(moodle_rows(records, exercise, options, left_out)), left_out


def gradescope_results(result: Result, exercise: Exercise) -> dict:
    """Gradescope's ``/autograder/results/results.json`` for one submission. Gradescope needs a
    score: an ungradable submission gets 0, with the reason as the output."""
    reveal = exercise.grading.reveal
    # with reveal 'nothing' Gradescope shows students nothing until the instructor publishes
    visibility = "after_published" if reveal == "nothing" else "visible"
    tests = []
    for n, item in enumerate(result.items, 1):
        seen = shown(item, reveal)
        test = {"name": item_label(item.layer, item.quantity), "number": f"1.{n}", "score": float(item.points),
                "max_score": float(item.max_points), "output": seen.feedback, "visibility": visibility}
        if reveal != "nothing":
            test["status"] = "passed" if item.points >= item.max_points else "failed"
        tests.append(test)
    out = {"score": float(result.score), "output": short_feedback(result, reveal),
           "output_format": "text", "visibility": visibility, "tests": tests,
           "extra_data": {"exercise": exercise.id, "submission": result.submission}}
    if not result.has_grade:
        out["output"] = sentence(not_graded(result))
    return out


def gradescope_failure(message: str) -> dict:
    """Gradescope's results.json when no submission could be graded at all (no file, several
    files, a broken setup): score 0, and the reason, so that the student sees it."""
    return {"score": 0.0, "output": sentence(f"{NOT_GRADED}: {message}"), "output_format": "text",
            "visibility": "visible", "tests": []}
