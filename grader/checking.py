"""``grader.check``: grade one submission against one exercise, the library call behind
``grader check`` that a student can also run in a notebook cell (it displays as the report).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .answers import Answers, Identity
from .errors import ArgumentError, GraderError, did_you_mean
from .exercise import Exercise, ExerciseFile
from .feedback import result_json
from .grading import grade
from .key import answer_key
from .parsing import parse_answers
from .archives import is_archive, members, open_archive, read_member_answers
from .readers import DEFAULT_MAX_BYTES, FORM_SUFFIXES, read_path
from .readers.identity import identify
from .report import Templates, render_cell, render_report, render_summary
from .result import Result


@dataclass(frozen=True)
class CheckedResult(Result):
    """A :class:`~grader.result.Result` that remembers its exercise, so that it can show itself:
    as the HTML report in a notebook, as the terminal summary at a Python prompt."""

    spec: Exercise | None = field(default=None, repr=False, compare=False)
    templates: Templates | None = field(default=None, repr=False, compare=False)

    def to_json(self, reveal: str | None = None) -> dict[str, Any]:
        """SPEC section 4, ``check --format json``."""
        return result_json(self, reveal)

    def report_html(self) -> str:
        """The full self-contained HTML page (what ``grader check --html`` writes)."""
        return render_report(self, self._exercise(), self.templates)

    def summary(self) -> str:
        """The terminal summary (what ``grader check`` prints)."""
        return render_summary(self, self._exercise(), self.templates)

    def __repr__(self) -> str:  # at a Python prompt: the summary, not a dump of every field
        return self.summary() if self.spec is not None else f"<CheckedResult {self.student}>"

    def _repr_html_(self) -> str:
        return render_cell(self, self._exercise(), self.templates)

    def _exercise(self) -> Exercise:
        if self.spec is None:
            raise GraderError("this result was built without its exercise")
        return self.spec


def check(exercise_path: str | os.PathLike, submission_path: str | os.PathLike, *,
          student: str | None = None, templates_dir: str | os.PathLike | None = None) -> CheckedResult:
    """Grade one submission file. In a notebook cell the result displays as the report.

    An exercise that cannot be loaded or a submission path that does not exist raises a
    :class:`GraderError`; a submission that exists but cannot be read gives a result
    without items whose ``errors`` say why. A form export holding several respondents
    needs ``student`` to pick one.
    """
    exercises = ExerciseFile(exercise_path)
    exercises.variant(None)  # an invalid exercise fails first, whatever the submission
    templates = Templates(templates_dir) if templates_dir is not None else None
    name = os.fspath(submission_path)
    if not os.path.exists(name):
        raise ArgumentError("SUBMISSION", f"{name}: no such file")
    identity = _identity(name, student)
    exercise = exercises.variant(identity.student)
    # a form export is read whole and its row picked here: a --student matching no row is a
    # bad invocation (exit 2), not an unreadable submission
    is_form = Path(name).suffix.lower() in FORM_SUFFIXES
    try:
        if is_archive(name):  # an LMS download: every member read in memory, one student picked
            found = _archive_answers(name, exercise)
            is_form = True
        else:
            found = read_path(name, exercise, student=None if is_form else student)
        if not found:
            raise GraderError("no answers found in the file", file=name)
    except GraderError as exc:
        result = ungradable(exercise, name, identity, str(exc))
    else:
        answers = _pick(name, found, student)
        exercise = exercises.variant(answers.identity.student)  # a form row's own variant
        key = answer_key(exercise)
        result = grade(key, parse_answers(answers, key))
    values = {f.name: getattr(result, f.name) for f in fields(Result) if f.init}
    return CheckedResult(**values, spec=exercise, templates=templates)


def _archive_answers(name: str, exercise: Exercise) -> list[Answers]:
    shown = Path(name).name
    found: list[Answers] = []
    with open_archive(name, shown) as archive:
        for member in members(archive, shown):
            if not member.problem:
                try:
                    found += read_member_answers(archive, shown, member.name, exercise, DEFAULT_MAX_BYTES)
                except GraderError:
                    continue  # check picks one student: the others' unreadable files are not its business
    return found


def ungradable(exercise: Exercise, submission: str, identity: Identity, error: Exception | str) -> Result:
    """The Result of a submission that could not be read: no items, the reason in ``errors``
    (an error's message, without its place: the report names the file)."""
    message = error if isinstance(error, str) else error.message if isinstance(error, GraderError) else str(error)
    return Result(exercise=exercise.id, submission=submission, identity=identity, errors=(message,),
                  max_score=exercise.max_score, reveal=exercise.grading.reveal)


def _identity(name: str, student: str | None) -> Identity:
    try:
        return identify(name, student=student)
    except GraderError:  # unreadable LMS metadata does not stop a check: fall back to the file name
        return Identity(student=student or Path(name).stem, source="--student" if student else "file name")


def _pick(name: str, found: list[Answers], student: str | None) -> Answers:
    """One respondent of a form export: the only one, or the one ``student`` names."""
    if len(found) == 1:
        return found[0]
    ids = [answers.identity.student for answers in found]
    if student is None:
        raise ArgumentError("--student", f"{name} holds {len(found)} submissions "
                            f"({', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''}); "
                            "pass --student ID to check one")
    wanted = student.casefold()
    for answers in found:
        if wanted in {(v or "").casefold() for v in (answers.identity.student, answers.identity.email,
                                                      answers.identity.name)}:
            return answers
    raise ArgumentError("--student", f"{name} has no submission of '{student}'{did_you_mean(student, ids)}")
