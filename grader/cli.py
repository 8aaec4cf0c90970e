"""The ``grader`` command line (SPEC section 4). Each command is a short call into the
library; this is the one place where errors become messages and exit codes.

Exit status: 0 when the command did its job, 1 for ``check --require-full`` below full
marks, 2 for a bad invocation or an invalid exercise.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from . import __version__
from .errors import ExerciseErrors, GraderError
from .limits import MAX_SIZE_MB

EXIT_OK, EXIT_BELOW_FULL, EXIT_USAGE = 0, 1, 2

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def deco(fn: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = fn
        return fn
    return deco


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2 without SystemExit noise."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise _UsageError(f"{self.prog}: error: {message}")


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="grader", description=(
        "Grade the 'output shape and number of parameters per layer' exercise for Keras and PyTorch "
        "models. Student code is never executed."),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("solve", help="print the worked solution of an exercise",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Print every layer's output shape, parameter count and worked formula.",
                       epilog="example:\n  grader solve exercises/cnn-8x8x3.yaml\n"
                              "  grader solve exercises/cnn-8x8x3.yaml --format json")
    p.add_argument("exercise", metavar="EXERCISE", help="exercise YAML file")
    p.add_argument("--format", choices=("table", "markdown", "json"), default="table",
                   help="table (default), markdown (as in solutions/) or json (SPEC section 4)")
    p.add_argument("--student", metavar="ID", help="solve this student's variant (exercises with variables)")

    p = sub.add_parser("check", help="grade one submission and print the feedback",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Grade one submission (notebook, form export, answer file) and print a\n"
                                   "summary. Student code is never run.\n\n"
                                   "exit status: 0 whatever the score; 1 with --require-full below full marks;\n"
                                   "2 for a bad invocation or an invalid exercise.",
                       epilog="examples:\n  grader check exercises/cnn-8x8x3.yaml my_notebook.ipynb\n"
                              "  grader check exercises/cnn-8x8x3.yaml answers.yaml --html report.html\n"
                              "  grader check exercises/cnn-8x8x3.yaml answers.yaml --format json --require-full\n"
                              "  grader check exercise.yaml /autograder/submission "
                              "--gradescope /autograder/results/results.json")
    p.add_argument("exercise", metavar="EXERCISE", help="exercise YAML file")
    p.add_argument("submission", metavar="SUBMISSION",
                   help="notebook, form export or answer file (or a folder holding exactly one)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default: a summary for the terminal) or json (SPEC section 4)")
    p.add_argument("--html", metavar="FILE", help="also write the self-contained HTML report to FILE")
    p.add_argument("--student", metavar="ID",
                   help="the student (default: from the LMS file name); picks one row of a form export")
    p.add_argument("--require-full", action="store_true", help="exit with status 1 below full marks (for CI)")
    p.add_argument("--gradescope", metavar="FILE",
                   help="also write Gradescope's results.json to FILE (e.g. /autograder/results/results.json)")
    p.add_argument("--templates", metavar="DIR", help="folder of templates that override the defaults")

    p = sub.add_parser("validate", help="check exercise files; exit status 2 if any is invalid",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Check exercise files: syntax, arguments, and that every variant of the "
                                   "architecture can run.",
                       epilog="example:\n  grader validate exercises/*.yaml")
    p.add_argument("exercises", metavar="EXERCISE", nargs="+", help="exercise YAML files")

    p = sub.add_parser(
        "grade", help="grade a whole class into HTML reports, results.json and gradebooks",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Grade every submission found in the given files, folders and glob patterns "
                    "(notebooks, form exports, answer files). A submission that cannot be read is "
                    "listed with its reason; it never stops the run. Outputs are written atomically, "
                    "and the same inputs give byte-identical outputs.",
        epilog="examples:\n"
               "  grader grade exercises/cnn-8x8x3.yaml samples/cnn-8x8x3 --out graded\n"
               "  grader grade exercises/cnn-8x8x3.yaml 'downloads/**/*.ipynb' --out graded "
               "--gradebook canvas --assignment-id 1001\n\n"
               "outputs: DIR/index.html (class overview), DIR/reports/*.html (one per submission),\n"
               "DIR/results.json, DIR/gradebook.csv (+ gradebook-canvas.csv / gradebook-moodle.csv),\n"
               "DIR/gradescope/<student>/results.json with --gradescope")
    p.add_argument("exercise", metavar="EXERCISE", help="exercise YAML file")
    p.add_argument("paths", metavar="PATH", nargs="+", help="submission files, folders or glob patterns")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created if missing)")
    p.add_argument("--jobs", metavar="N", type=_positive, default=0,
                   help="parallel processes (default: all cores)")
    p.add_argument("--gradebook", choices=("csv", "canvas", "moodle"), action="append",
                   help="gradebook format; repeat for several (default: csv). The plain CSV is always written")
    p.add_argument("--assignment-id", metavar="ID",
                   help="Canvas assignment id: the gradebook column becomes 'Title (ID)'")
    p.add_argument("--assignment-title", metavar="TITLE", help="gradebook column title (default: the exercise title)")
    p.add_argument("--gradescope", action="store_true",
                   help="also write Gradescope results.json files, one per submission")
    p.add_argument("--templates", metavar="DIR", help="folder of templates that override the defaults")
    p.add_argument("--max-size", metavar="MB", type=_megabytes, default=20.0,
                   help=f"largest submission read, in MB (default 20, at most {MAX_SIZE_MB:,})")

    p = sub.add_parser("notebook", help="write the student's notebook for an exercise",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write a Jupyter notebook (nbformat 4.5) with the instructions, the model "
                                   "as code for reference and an answers table in a cell tagged 'answers'.",
                       epilog="examples:\n  grader notebook exercises/cnn-8x8x3.yaml -o cnn-8x8x3.ipynb\n"
                              "  grader notebook exercises/cnn-8x8x3.yaml --solution -o solutions/cnn-8x8x3.ipynb")
    p.add_argument("exercise", metavar="EXERCISE", help="exercise YAML file")
    p.add_argument("--student", metavar="ID", help="this student's variant (exercises with variables)")
    p.add_argument("--solution", action="store_true", help="fill the answers table with the expected values")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the notebook to write (.ipynb)")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _megabytes(text: str) -> float:
    """A size in MB: a number above 0 and at most MAX_SIZE_MB (nan, inf and 0 are no size)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size in MB such as 20 or 0.5, got {text!r}") from None
    if not 0 < value <= MAX_SIZE_MB:  # also false for nan
        raise argparse.ArgumentTypeError(f"expected a size in MB above 0 and at most {MAX_SIZE_MB:,}, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except GraderError as exc:
        print(f"error: {exc}" if not isinstance(exc, ExerciseErrors) else str(exc), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


@command("solve")
def _solve(args: argparse.Namespace) -> int:
    from .exercise import load_exercise
    from .tables import markdown, solution_json, table

    exercise = load_exercise(args.exercise, student=args.student)
    solution = exercise.solution
    if args.format == "json":
        sys.stdout.write(solution_json(exercise, solution))
    elif args.format == "markdown":
        sys.stdout.write(markdown(exercise, solution))
    else:
        sys.stdout.write(table(exercise, solution))
    return EXIT_OK


@command("check")
def _check(args: argparse.Namespace) -> int:
    from .checking import check

    submission = _single_submission(args.submission)
    result = check(args.exercise, submission, student=args.student, templates_dir=args.templates)
    # a console that cannot show ✓ (a Windows code page, PYTHONIOENCODING=ascii) gets \u2713, not a traceback
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    if args.format == "json":
        print(json.dumps(result.to_json(result.spec.grading.reveal), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(result.summary())
    if args.html:
        _write_text(args.html, result.report_html())
    if args.gradescope:
        from .gradebook import gradescope_results
        _write_text(args.gradescope, json.dumps(gradescope_results(result, result.spec), indent=1) + "\n")
    if args.require_full and not result.full_marks:
        return EXIT_BELOW_FULL
    return EXIT_OK


def _single_submission(path: str) -> str:
    """A folder (Gradescope's /autograder/submission) stands for the one submission inside it."""
    import os

    if not os.path.isdir(path):
        return path
    from .batch import discover

    files, _ = discover([path])
    if len(files) == 1:
        return str(files[0])
    found = ", ".join(f.name for f in files[:5]) + (" ..." if len(files) > 5 else "")
    raise GraderError(("no notebook, form export or answer file in the folder" if not files else
                       f"the folder holds {len(files)} submissions ({found}); name the one to check"),
                      file=path)


def _write_text(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
    except OSError as exc:
        raise GraderError(f"cannot write the report: {exc.strerror}", file=path) from None


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    from .exercise import validate_exercise

    status = EXIT_OK
    for path in args.exercises:
        try:
            variants = validate_exercise(path)
        except GraderError as exc:
            print(str(exc), file=sys.stderr)
            status = EXIT_USAGE
            continue
        note = f" ({variants} variants)" if variants > 1 else ""
        print(f"{path}: ok{note}")
    return status


@command("grade")
def _grade(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .batch import Options, ProgressBar, grade_class

    formats = ("csv",) + tuple(f for f in dict.fromkeys(args.gradebook or ()) if f != "csv")
    options = Options(out=Path(args.out), jobs=args.jobs, gradebook=formats, gradescope=args.gradescope,
                      templates=args.templates, max_bytes=int(args.max_size * 1e6),
                      assignment_title=args.assignment_title, assignment_id=args.assignment_id)
    outcome = grade_class(args.exercise, args.paths, options, progress=ProgressBar())
    results = outcome.results
    bad = [r for r in results if not r.gradable]
    print(f"graded {len(results) - len(bad)} of {len(results)} submissions in {outcome.seconds:.1f} s"
          + (f"; {len(bad)} could not be graded (listed in the overview)" if bad else ""))
    for r in bad:
        print(f"  {r.submission}: {'; '.join(r.errors)}")
    for path, reason in outcome.skipped:
        print(f"  skipped {path}: {reason}")
    for warning in outcome.warnings:
        print(f"  warning: {warning}")
    print(f"class overview: {Path(args.out) / 'index.html'}")
    return EXIT_OK


@command("notebook")
def _notebook(args: argparse.Namespace) -> int:
    from .exercise import load_exercise
    from .notebooks import write_notebook

    exercise = load_exercise(args.exercise, student=args.student)
    try:
        write_notebook(exercise, args.output, solution=args.solution)
    except OSError as exc:
        raise GraderError(f"cannot write the notebook: {exc.strerror}", file=args.output) from None
    print(f"wrote {args.output}")
    return EXIT_OK
