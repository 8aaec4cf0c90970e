"""``grader.check``: grade one submission against one exercise, the library call behind
``grader check`` that a student can also run in a notebook cell (it displays as the report).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .answers import Answers, Identity
from .errors import ArgumentError, GraderError, did_you_mean
from .exercise import Exercise, load_exercise
from .result import Result


@dataclass
class CheckedResult(Result):
    """A :class:`Result` that remembers its exercise, so that it can show itself as a report."""

    spec: Exercise | None = field(default=None, repr=False, compare=False)
    templates_dir: str | None = field(default=None, repr=False, compare=False)

    @property
    def full_marks(self) -> bool:
        maximum = self.max_score or (self.spec.max_score if self.spec else 0)
        return self.gradable and self.score >= maximum

    def report_html(self) -> str:
        """The full self-contained HTML page (what ``grader check --html`` writes)."""
        from .report import render_report
        return render_report(self, self._exercise(), self.templates_dir)

    def summary(self) -> str:
        """The terminal summary (what ``grader check`` prints)."""
        from .report import render_summary
        return render_summary(self, self._exercise(), self.templates_dir)

    def _repr_html_(self) -> str:
        from .report import render_cell
        return render_cell(self, self._exercise(), self.templates_dir)

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
    from .grading import grade
    from .readers import FORM_SUFFIXES, read_path

    base = load_exercise(exercise_path)  # an invalid exercise fails first, whatever the submission
    name = os.fspath(submission_path)
    if not os.path.exists(name):
        raise ArgumentError("SUBMISSION", f"{name}: no such file")
    identity = _identity(name, student)
    exercise = _variant(exercise_path, base, identity.student)
    # a form export is read whole and its row picked here: a --student matching no row is a
    # bad invocation (exit 2), not an unreadable submission
    is_form = Path(name).suffix.lower() in FORM_SUFFIXES
    try:
        found = read_path(name, exercise, student=None if is_form else student)
        if not found:
            raise GraderError("no answers found in the file", file=name)
    except GraderError as exc:
        result = Result(exercise=exercise.id, submission=name, identity=identity, errors=[str(exc)],
                        max_score=exercise.max_score)
    else:
        answers = _pick(name, found, student)
        exercise = _variant(exercise_path, exercise, answers.identity.student)  # a form row's own variant
        result = grade(exercise, answers)
    values = {f.name: getattr(result, f.name) for f in fields(Result)}
    return CheckedResult(**values, spec=exercise,
                         templates_dir=os.fspath(templates_dir) if templates_dir is not None else None)


def _identity(name: str, student: str | None) -> Identity:
    from .readers.identity import identify

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


def _variant(exercise_path: str | os.PathLike, exercise: Exercise, student: str) -> Exercise:
    """The student's own variant of an exercise with ``variables`` (the same exercise otherwise)."""
    if not exercise.variables or exercise.student == student:
        return exercise
    return load_exercise(exercise_path, student=student)
