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

    p = sub.add_parser("validate", help="check exercise files; exit status 2 if any is invalid",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Check exercise files: syntax, arguments, and that every variant of the "
                                   "architecture can run.",
                       epilog="example:\n  grader validate exercises/*.yaml")
    p.add_argument("exercises", metavar="EXERCISE", nargs="+", help="exercise YAML files")
    return parser


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
    from .tables import markdown, table

    exercise = load_exercise(args.exercise, student=args.student)
    solution = exercise.solution
    if args.format == "json":
        out = solution.to_json()
        if exercise.variables:
            out["variables"] = exercise.variables
        print(json.dumps(out, indent=2))
    elif args.format == "markdown":
        sys.stdout.write(markdown(exercise, solution))
    else:
        sys.stdout.write(table(exercise, solution))
    return EXIT_OK


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
