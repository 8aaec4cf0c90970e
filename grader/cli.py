"""The ``grader`` command line (SPEC section 4). Each command is a short call into the
library; this is the one place where errors become messages and exit codes.

Exit status: 0 when the command did its job, 1 for ``check --require-full`` below full
marks, 2 for a bad invocation or an invalid exercise.
"""
from __future__ import annotations

import argparse
import json
import os
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


class _Terminated(BaseException):
    """SIGTERM (a job scheduler, a CI timeout, kill): the run stops as after Ctrl-C, cleaning up."""


def _on_terminate(signum: int, frame: object) -> None:
    raise _Terminated()


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
                   help="table (default), markdown (as in solutions/) or json (the README's \"The JSON outputs\")")
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
                   help="text (default: a summary for the terminal) or json (the README's \"The JSON outputs\")")
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
    p.add_argument("--feedback-zip", choices=("canvas", "moodle"), action="append",
                   help="also write DIR/feedback-canvas.zip or feedback-moodle.zip: every report, named so that "
                        "one upload to the LMS attaches each to its student (repeat for both)")
    p.add_argument("--groups", metavar="FILE",
                   help="Canvas group assignment: the group set's CSV as Canvas exports it (canvas_user_id, "
                        "group_name); every member gets their group's grade in gradebook-canvas.csv")
    p.add_argument("--overrides", metavar="FILE",
                   help="the instructor's overrides (YAML: student, item, points or status, comment), applied "
                        "on every run and shown as adjusted by the instructor")
    p.add_argument("--max-size", metavar="MB", type=_megabytes, default=20.0,
                   help=f"largest submission read, in MB (default 20, at most {MAX_SIZE_MB:,})")

    p = sub.add_parser("notebook", help="write the student's notebook for an exercise",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write a Jupyter notebook (nbformat 4.5) with the instructions, the model "
                                   "as code for reference and an answers table in a cell tagged 'answers'.",
                       epilog="examples:\n  grader notebook exercises/cnn-8x8x3.yaml -o cnn-8x8x3.ipynb\n"
                              "  grader notebook exercises/cnn-8x8x3.yaml --solution --force -o solutions/cnn-8x8x3.ipynb")
    p.add_argument("exercise", metavar="EXERCISE", help="exercise YAML file")
    p.add_argument("--student", metavar="ID", help="this student's variant (exercises with variables)")
    p.add_argument("--solution", action="store_true", help="fill the answers table with the expected values")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the notebook to write (.ipynb)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    p = sub.add_parser(
        "import", help="write an exercise from existing model code (nothing is run)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write the exercise YAML for a Keras or PyTorch model found in a .py file, a notebook, "
                    "Markdown code blocks or a saved .keras file. The code is read, never run: constants are "
                    "folded and helper functions followed; what needs running (an input shape computed from "
                    "data, a loop that adds layers) is an error naming the line. Shape comments in the code "
                    "that disagree with the computed shapes are listed. Without -o the YAML goes to stdout; "
                    "-o refuses to overwrite an existing file unless --force is given.",
        epilog="examples:\n  grader import lecture.ipynb -o exercises/lecture-cnn.yaml\n"
               "  grader import model.py --model Net --input-shape 1,28,28 -o exercises/net.yaml\n"
               "  grader import saved_model.keras > exercise.yaml")
    p.add_argument("source", metavar="SOURCE", help=".py, .ipynb, .md or .keras file holding the model")
    p.add_argument("-o", "--output", metavar="FILE", help="write the exercise here (default: stdout)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.add_argument("--input-shape", metavar="SHAPE", action="append",
                   help="one example's shape without the batch (28,28,1; channels first for PyTorch); "
                        "NAME=SHAPE for one of several inputs (repeatable)")
    p.add_argument("--model", metavar="NAME", help="the model to import (variable or class name) when the "
                                                   "source defines several")
    p.add_argument("--framework", choices=("keras", "pytorch"), help="consider only this framework's models")

    p = sub.add_parser(
        "serve", help="a web form where students check their answers (and a class hands them in)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve the exercises of a folder as web forms (needs the extra: pip install \".[serve]\").\n"
                    "Practice mode (default): anyone may check; nothing is stored.\n"
                    "Class mode (--roster and --data): each student opens a personal link (DATA/tokens.csv),\n"
                    "every check is stored in DATA, and the instructor's pages (/instructor) show the class.",
        epilog="examples:\n  grader serve exercises/\n"
               "  grader serve exercises/ --roster roster.csv --data class-data --max-checks 20 --per 1d\n"
               "  grader serve exercises/ --roster roster.csv --data class-data --host 127.0.0.1 --workers 2 "
               "--public-url https://grader.example.edu --deadline 2025-06-01T23:59")
    p.add_argument("exercises", metavar="EXERCISES_DIR", help="folder of exercise YAML files")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_positive, default=8000, help="port (default 8000)")
    p.add_argument("--workers", metavar="N", type=_positive, default=1, help="worker processes (default 1)")
    p.add_argument("--data", metavar="DIR", help="class mode: folder of the database, tokens.csv and submissions/")
    p.add_argument("--roster", metavar="FILE", help="class mode: CSV with the columns student,name,email")
    p.add_argument("--max-checks", metavar="N", type=_positive,
                   help="class mode: readable checks per student and exercise in --per")
    p.add_argument("--per", metavar="TIME", default="1d", help="the period of --max-checks: 1d (default), 12h, 30m, 1w")
    p.add_argument("--deadline", metavar="TIME", help="class mode: no check after this time (2025-06-01T23:59)")
    p.add_argument("--late", action="store_true", help="after --deadline, take checks but mark them late")
    p.add_argument("--public-url", metavar="URL",
                   help="the address students open, for the links in tokens.csv (default http://HOST:PORT)")
    p.add_argument("--templates", metavar="DIR",
                   help="folder of templates that override the defaults (the feedback, the pages)")

    p = sub.add_parser("export", help="write the exercise as an LMS quiz (Moodle Cloze, Canvas QTI)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write the exercise as a quiz for a course without Python: one Moodle Cloze "
                                   "question (Moodle XML) and/or a Canvas classic quiz (QTI 1.2 .zip). Counts are "
                                   "numerical answers, shapes short answers listing every accepted spelling; the "
                                   "named mistakes' values come with their explanation. The quiz reports (Moodle "
                                   "'Responses', Canvas 'Student Analysis') are graded with grader check / grade.",
                       epilog="examples:\n  grader export exercises/cnn-8x8x3.yaml --moodle-xml cnn-8x8x3.xml\n"
                              "  grader export exercises/cnn-8x8x3.yaml --canvas-qti cnn-8x8x3-qti.zip\n"
                              "  grader grade exercises/cnn-8x8x3.yaml responses.csv --out graded")
    p.add_argument("exercise", metavar="EXERCISE", help="exercise YAML file (without per-student variables)")
    p.add_argument("--moodle-xml", metavar="FILE", help="write one Cloze question in Moodle XML (Question bank › Import)")
    p.add_argument("--canvas-qti", metavar="FILE.zip",
                   help="write a Canvas classic quiz package (Settings › Import Course Content › QTI .zip file)")

    p = sub.add_parser("gradescope", help="write the Gradescope autograder bundle; --test runs it here",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write autograder.zip for Gradescope's 'Zip file upload': setup.sh and "
                                   "run_autograder, the exercise, and the wheels of grader and its dependencies "
                                   "for the image's Python 3.10, installed with pip --no-index. With --test, the "
                                   "bundle is installed in a temporary folder shaped like /autograder and run on "
                                   "each SUBMISSION; each results.json is summarised.\n\n"
                                   "needs pip and the package index (or --wheels DIR). exit status: 0; with "
                                   "--test, 1 when a run left no valid results.json.",
                       epilog="examples:\n  grader gradescope exercises/cnn-8x8x3.yaml -o autograder.zip\n"
                              "  grader gradescope exercises/cnn-8x8x3.yaml -o autograder.zip --test samples/cnn-8x8x3/*\n"
                              "  grader gradescope exercises/cnn-8x8x3.yaml --templates my-templates -o autograder.zip")
    p.add_argument("exercise", metavar="EXERCISE", help="exercise YAML file")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="the bundle to write (default: autograder.zip; with --test, only when given)")
    p.add_argument("--templates", metavar="DIR", help="folder of templates that override the defaults (the summary)")
    p.add_argument("--test", metavar="SUBMISSION", nargs="+",
                   help="install the bundle here and run it on these submissions (files or folders)")
    p.add_argument("--metadata", metavar="FILE",
                   help="with --test: the submission_metadata.json to use (default: made from each file's name)")
    p.add_argument("--wheels", metavar="DIR", help="take the dependencies' wheels from DIR, not the package index")
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
    except _Terminated:
        print("terminated", file=sys.stderr)
        return 143
    except GraderError as exc:
        from .report import neutralise
        print(neutralise(f"error: {exc}" if not isinstance(exc, ExerciseErrors) else str(exc)), file=sys.stderr)
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

    try:
        submission = _single_submission(args.submission)
        result = check(args.exercise, submission, student=args.student, templates_dir=args.templates)
    except GraderError as exc:
        if args.gradescope:  # Gradescope shows "the autograder failed" without a results.json: always write one
            from .gradebook import gradescope_failure
            _write_text(args.gradescope, json.dumps(gradescope_failure(str(exc)), indent=1) + "\n")
        raise
    # a console that cannot show ✓ (a Windows code page, PYTHONIOENCODING=ascii) gets \u2713, not a traceback
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    if args.format == "json":
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(result.summary())
    if args.html:
        _write_text(args.html, result.report_html())
    if args.gradescope:
        from .autograder import results_md  # what the Gradescope bundle writes: Markdown output
        _write_text(args.gradescope, json.dumps(results_md(result), indent=1) + "\n")
    if args.require_full and not result.full_marks:
        return EXIT_BELOW_FULL
    return EXIT_OK


def _single_submission(path: str) -> str:
    """A folder (Gradescope's /autograder/submission) stands for the one submission inside it."""
    if not os.path.isdir(path):
        return path
    from .discovery import discover

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
    from .report import neutralise

    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_terminate)  # stop the workers and clear the staging folder
    formats = ("csv",) + tuple(f for f in dict.fromkeys(args.gradebook or ()) if f != "csv")
    options = Options(out=Path(args.out), jobs=args.jobs, gradebook=formats, gradescope=args.gradescope,
                      templates=args.templates, max_bytes=int(args.max_size * 1e6),
                      assignment_title=args.assignment_title, assignment_id=args.assignment_id,
                      overrides=args.overrides, feedback_zips=tuple(dict.fromkeys(args.feedback_zip or ())),
                      groups=args.groups)
    outcome = grade_class(args.exercise, args.paths, options, progress=ProgressBar())
    records = outcome.records
    bad = outcome.ungradable
    # file names and messages come from submissions: escape sequences in them must not drive the terminal
    print(f"graded {len(records) - len(bad)} of {len(records)} submissions in {outcome.seconds:.1f} s"
          + (f"; {len(bad)} could not be graded (listed in the overview)" if bad else ""))
    for r in bad:
        print(neutralise(f"  {r.submission}: {'; '.join(r.errors)}"))
    for path, reason in outcome.skipped:
        print(neutralise(f"  skipped {path}: {reason}"))
    for warning in outcome.warnings:
        print(neutralise(f"  warning: {warning}"))
    print(neutralise(f"class overview: {Path(args.out) / 'index.html'}"))
    return EXIT_OK


@command("notebook")
def _notebook(args: argparse.Namespace) -> int:
    from .exercise import load_exercise
    from .notebooks import write_notebook

    if not args.output.lower().endswith(".ipynb"):
        raise GraderError("a notebook's file name ends in .ipynb (-o)", file=args.output)
    exercise = load_exercise(args.exercise, student=args.student)
    if os.path.exists(args.output) and not args.force:
        raise GraderError("the file exists; pass --force to overwrite it", file=args.output)
    try:
        write_notebook(exercise, args.output, solution=args.solution)
    except OSError as exc:
        raise GraderError(f"cannot write the notebook: {exc.strerror}", file=args.output) from None
    print(f"wrote {args.output}")
    return EXIT_OK


@command("import")
def _import(args: argparse.Namespace) -> int:
    from .importer import import_model

    if args.output and os.path.exists(args.output) and not args.force:
        raise GraderError("exists; pass --force to overwrite it", file=args.output)
    imported = import_model(args.source, input_shape=args.input_shape, model=args.model, framework=args.framework)
    for note in imported.notes:
        print(f"note: {note}", file=sys.stderr)
    if not args.output:
        sys.stdout.write(imported.yaml)
        return EXIT_OK
    _write_text(args.output, imported.yaml)
    solution = imported.exercise.solution
    print(f"wrote {args.output}: {imported.model}, {len(solution.layers)} layers, "
          f"{solution.total_params:,} parameters; check it with: grader solve {args.output}")
    return EXIT_OK


@command("serve")
def _serve(args: argparse.Namespace) -> int:
    try:
        from .web.app import prepare, run
    except ImportError as exc:
        raise GraderError(f"grader serve needs the extra 'serve' ({exc.name} is missing): "
                          'pip install "grader[serve]", or pip install ".[serve]" in a clone') from None
    from .web.config import Settings, deadline, deadline_shown, period, period_text

    if bool(args.data) != bool(args.roster):
        raise GraderError("class mode needs both --roster and --data (practice mode: neither)")
    if not args.data and (args.max_checks or args.deadline):
        raise GraderError("--max-checks and --deadline need class mode (--roster and --data)")
    when = deadline(args.deadline) if args.deadline else None
    settings = Settings(exercises=args.exercises, data=args.data, roster=args.roster, max_checks=args.max_checks,
                        per=period(args.per), per_text=period_text(args.per), deadline=when,
                        deadline_text=deadline_shown(when) if when is not None else "",
                        after_deadline="late" if args.late else "refuse",
                        public_url=(args.public_url or f"http://{args.host}:{args.port}").rstrip("/"),
                        templates=args.templates)
    prepared = prepare(settings)
    print(f"grader serve: {prepared.exercises} exercises from {args.exercises}, on http://{args.host}:{args.port}/")
    if settings.class_mode:
        print(f"class mode: {prepared.students} students; their links are in {prepared.tokens_file}")
        print(f"instructor: {prepared.instructor_link}")
        if any(prepared.repaired):
            print(f"repaired after a crash: {prepared.repaired[0]} files rewritten, {prepared.repaired[1]} removed")
    else:
        print("practice mode: anyone may check, nothing is stored")
    sys.stdout.flush()
    run(settings, args.host, args.port, args.workers)
    return EXIT_OK


@command("export")
def _export(args: argparse.Namespace) -> int:
    from .errors import ArgumentError
    from .exercise import load_exercise
    from .key import answer_key
    from .quizzes import canvas_qti, moodle_xml

    if not args.moodle_xml and not args.canvas_qti:
        raise ArgumentError("--moodle-xml", "say what to write: --moodle-xml FILE and/or --canvas-qti FILE.zip")
    if args.canvas_qti and not args.canvas_qti.lower().endswith(".zip"):
        raise GraderError("a QTI package's file name ends in .zip (--canvas-qti)", file=args.canvas_qti)
    key = answer_key(load_exercise(args.exercise))
    outputs = []
    if args.moodle_xml:
        outputs.append((args.moodle_xml, moodle_xml(key).encode("utf-8")))
    if args.canvas_qti:
        outputs.append((args.canvas_qti, canvas_qti(key)))
    for path, data in outputs:  # both are built before either is written
        _write_bytes(path, data)
        print(f"wrote {path}")
    return EXIT_OK


def _write_bytes(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise GraderError(f"cannot write the file: {exc.strerror}", file=path) from None


@command("gradescope")
def _gradescope(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from .gradescope import build_bundle, download_wheels, requirements, run_line, runs_image_wheels, try_bundle

    for path in (*(args.test or ()), *([args.metadata] if args.metadata else [])):
        if not os.path.exists(path):
            raise GraderError("no such file or folder", file=path)
    with tempfile.TemporaryDirectory(prefix="grader-gradescope-") as scratch:
        work = Path(scratch)
        output = Path(args.output or ("autograder.zip" if not args.test else work / "autograder.zip"))
        bundle = build_bundle(args.exercise, output, templates=args.templates, wheelhouse=args.wheels, work=work)
        if args.output or not args.test:
            print(f"wrote {output} ({len(bundle.wheels)} wheels; upload it as the autograder's zip file)")
        if not args.test:
            return EXIT_OK
        extra = None
        if not runs_image_wheels():  # this Python installs its own wheels, passed beside the bundle
            extra = work / "local-wheels"
            extra.mkdir()
            download_wheels(extra, requirements(), target=False, wheelhouse=args.wheels)
        runs = try_bundle(output, args.test, work=work / "run", metadata=Path(args.metadata) if args.metadata else None,
                          extra_wheels=extra)
    for run in runs:
        print(run_line(run))
    return EXIT_BELOW_FULL if any(run.problems or run.results is None for run in runs) else EXIT_OK
