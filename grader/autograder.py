"""Grading inside Gradescope's autograder image: ``run_autograder`` (written by ``grader
gradescope``) runs ``python -m grader.autograder /autograder --exercise ...``.

It picks the submission in ``/autograder/submission`` (the one file that can be graded; with
several, the one notebook with an answers cell, saying which), grades it for the student in
``/autograder/submission_metadata.json`` (whose variant an exercise with ``variables`` draws
from) and ALWAYS leaves a valid ``/autograder/results/results.json``, written atomically: a
submission that cannot be graded, or a failure of grader itself, gives score 0 and a message
the student can act on. Test output is Markdown (``output_format: md``: Gradescope strips most
HTML); visibility follows ``reveal`` (see :func:`grader.gradebook.gradescope_results`).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Sequence

from .checking import CheckedResult, check
from .discovery import discover
from .errors import ArgumentError, ExerciseError, GraderError, SubmissionError
from .feedback import (AUTOGRADER_CRASHED, NO_SUBMISSION_FILE, NOT_GRADED_HELP, PICKED_SUBMISSION,
                       SEVERAL_RESPONDENTS, SEVERAL_SUBMISSIONS)
from .gradebook import gradescope_failure, gradescope_results
from .readers import DEFAULT_MAX_BYTES, NOTEBOOK_SUFFIXES, read_bytes
from .readers.notebook import load_notebook, notebook_cells
from .report import render_summary
from .version import __version__

OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


class Unpicked(GraderError):
    """No single submission file to grade; the message is for the student."""


def pick_submission(folder: Path) -> tuple[Path, str]:
    """The file to grade in Gradescope's submission folder, and a note when it was chosen among
    several (empty otherwise); :class:`Unpicked` when there is none, or no one to prefer."""
    files, skipped = discover([str(folder)])
    if len(files) == 1:
        return files[0], ""
    if not files:
        found = ", ".join(Path(name).name for name, _ in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        raise Unpicked(NO_SUBMISSION_FILE.format(found=f" (found: {found})" if found else ""))
    names = [_shown(f, folder) for f in files]
    with_cell = [f for f in files if has_answers_cell(f)]
    if len(with_cell) != 1:
        answers = ("none of them has an answers cell" if not with_cell else
                   f"{len(with_cell)} of them have an answers cell")
        raise Unpicked(SEVERAL_SUBMISSIONS.format(count=len(files), names=_listed(names), answers=answers))
    others = [n for f, n in zip(files, names) if f != with_cell[0]]
    return with_cell[0], PICKED_SUBMISSION.format(count=len(files), name=_shown(with_cell[0], folder),
                                                  others=_listed(others))


def _shown(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return path.name


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def has_answers_cell(path: Path) -> bool:
    """A notebook with a cell tagged ``answers`` (what the student notebook has); False for any
    other file, or one that cannot be read as a notebook."""
    if path.suffix.lower() not in NOTEBOOK_SUFFIXES:
        return False
    try:
        cells = notebook_cells(load_notebook(read_bytes(str(path), path.name, DEFAULT_MAX_BYTES), path.name), path.name)
    except SubmissionError:
        return False
    return any(cell.answers for cell in cells)


def grade_submission(root: Path, exercise: Path, templates: Path | None = None) -> dict[str, Any]:
    """results.json of the submission in ``root`` (Gradescope's ``/autograder``)."""
    started = time.monotonic()
    try:
        path, note = pick_submission(root / "submission")
    except Unpicked as exc:
        return gradescope_failure(exc.message)
    # the student (and their variant) comes from submission_metadata.json beside the folder
    try:
        result = check(exercise, path, templates_dir=templates)
    except ExerciseError:
        raise  # the exercise, not the submission: the student cannot fix it
    except ArgumentError:  # a form export of several respondents: check would ask for --student
        return gradescope_failure(SEVERAL_RESPONDENTS.format(name=path.name))
    except GraderError as exc:
        return gradescope_failure(exc.message)
    data = results_md(result, note)
    data["execution_time"] = round(time.monotonic() - started, 2)
    return data


def results_md(result: CheckedResult, note: str = "") -> dict[str, Any]:
    """Gradescope's results with Markdown output: the score and what to review, the note on
    which file was graded, and the terminal summary (its template) in a code block."""
    data = gradescope_results(result, result.spec)
    summary = render_summary(result, result.spec, result.templates)
    help_ = "" if result.gradable else md_escape(NOT_GRADED_HELP)
    parts = [md_escape(note), md_escape(data["output"]), help_, fenced(summary)]
    data.update(output="\n\n".join(p for p in parts if p), output_format="md", test_output_format="md",
                stdout_visibility="hidden")
    for test in data["tests"]:
        test["output"] = md_escape(test["output"])
        test["output_format"] = "md"
    data["extra_data"].update(student=result.student, grader_version=__version__)
    return data


_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def md_escape(text: str) -> str:
    """Text as literal Markdown: CommonMark lets a backslash escape any ASCII punctuation, so
    nothing a student wrote becomes a link, an image, emphasis or HTML."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def fenced(text: str) -> str:
    """A code block that no backtick run inside ``text`` can close."""
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def crash_results(error: BaseException | None = None) -> dict[str, Any]:
    """results.json when grader itself failed: score 0, a message for the student; the
    instructor finds the error in the autograder's output."""
    data = gradescope_failure(AUTOGRADER_CRASHED)
    if error is not None:
        data["extra_data"] = {"error": f"{type(error).__name__}: {error}"}
    return data


def problems(data: Any) -> list[str]:
    """What makes a results.json invalid for Gradescope (empty when it is valid)."""
    if not isinstance(data, dict):
        return ["not a JSON object"]
    found = []
    if not isinstance(data.get("score"), (int, float)) or isinstance(data.get("score"), bool):
        found.append("no numeric 'score'")
    if not isinstance(data.get("tests", []), list):
        found.append("'tests' is not a list")
    for key, allowed in (("output_format", OUTPUT_FORMATS), ("visibility", VISIBILITIES),
                         ("stdout_visibility", VISIBILITIES)):
        if key in data and data[key] not in allowed:
            found.append(f"'{key}' is {data[key]!r}")
    for n, test in enumerate(data.get("tests", []) if isinstance(data.get("tests"), list) else [], 1):
        if not isinstance(test, dict):
            found.append(f"test {n} is not an object")
            continue
        for key in ("score", "max_score"):
            if key in test and not isinstance(test[key], (int, float)):
                found.append(f"test {n}: '{key}' is not a number")
        if test.get("output_format", "md") not in OUTPUT_FORMATS or test.get("visibility", "visible") not in VISIBILITIES:
            found.append(f"test {n}: unknown output_format or visibility")
    return found


def write_results(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: Gradescope never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """The entry point of ``run_autograder``: always writes results.json, always exits 0."""
    parser = argparse.ArgumentParser(prog="python -m grader.autograder")
    parser.add_argument("root", type=Path, help="Gradescope's /autograder folder")
    parser.add_argument("--exercise", type=Path, required=True)
    parser.add_argument("--templates", type=Path)
    args = parser.parse_args(argv)
    try:
        data = grade_submission(args.root, args.exercise, args.templates)
    except GraderError as exc:  # e.g. an exercise that no longer loads: the student cannot fix it
        print(f"grader: {exc}")
        data = crash_results(exc)
    except Exception as exc:  # noqa: BLE001 - the one place a crash becomes a result, never a missing file
        traceback.print_exc(file=sys.stdout)
        data = crash_results(exc)
    write_results(args.root / "results" / "results.json", data)
    print(f"score {data['score']:g}: {args.root / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
