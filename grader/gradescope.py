"""The Gradescope autograder bundle (``grader gradescope``), and its local test run.

``autograder.zip`` holds, at its root, ``setup.sh`` and ``run_autograder`` (run bits set in the
zip), the exercise, the templates given with ``--templates``, and ``wheels/``: grader's own
wheel, built here from the installed package, and its dependencies' wheels for the image's
Python — Gradescope's Ubuntu 22.04 image runs python3 3.10 — downloaded with ``pip download``
for CPython 3.10 on manylinux x86_64 whatever Python runs here. ``setup.sh`` installs them
with ``pip --no-index`` into a virtual environment (never ``pip install grader`` from an index,
where that name is another program; never replacing the image's python3). ``run_autograder``
runs :mod:`grader.autograder` under a time limit, and leaves a results.json in every case.

:func:`try_bundle` installs a bundle in a temporary ``autograder``-shaped folder and runs it on
submissions, as Gradescope would; wheels for the Python running it are passed beside the bundle
(``GRADER_EXTRA_WHEELS``), so the zip tested is the zip uploaded.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .autograder import crash_results, problems
from .errors import GraderError
from .exercise import ExerciseFile, validate_exercise
from .feedback import AUTOGRADER_TIMEOUT
from .gradebook import gradescope_failure
from .readers.identity import identify
from .report import Templates, templates_path
from .version import __version__

IMAGE_PYTHON = "3.10"                 # Gradescope's Ubuntu 22.04 image
IMAGE_ABI = "cp310"
# every manylinux tag a glibc of 2.35 (Ubuntu 22.04) runs, newest wheels included
IMAGE_PLATFORMS = ("manylinux2014_x86_64", *(f"manylinux_2_{minor}_x86_64" for minor in range(17, 36)))
VENV = "/opt/grader-venv"             # beside, not instead of, the image's python3
TIME_LIMIT = 300                      # seconds; Gradescope's own default limit is longer
EXERCISE_NAME = "exercise.yaml"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)      # the same inputs give the same bundle
# what pip prints when the package index cannot be reached (the test is then skipped, not failed)
_OFFLINE = re.compile(r"NewConnectionError|Failed to establish|Temporary failure in name resolution|"
                      r"Network is unreachable|No matching distribution found|Could not fetch URL|"
                      r"ConnectTimeout|ProxyError|Name or service not known", re.I)


class DownloadError(GraderError):
    """``pip download`` failed; ``offline`` when it could not reach the package index."""

    def __init__(self, message: str, offline: bool):
        super().__init__(message)
        self.offline = offline


@dataclass(frozen=True)
class Bundle:
    path: Path
    exercise_id: str
    wheels: tuple[str, ...]


def build_bundle(exercise_path: str | os.PathLike, output: str | os.PathLike, *,
                 templates: str | os.PathLike | None = None, wheelhouse: str | os.PathLike | None = None,
                 work: Path) -> Bundle:
    """Write ``output`` (the zip to upload); ``work`` is a scratch folder for the downloads."""
    validate_exercise(exercise_path)  # every variant: a broken exercise fails here, not in Gradescope
    exercise = ExerciseFile(exercise_path).variant(None)
    template_files = _template_files(templates)
    wheel_name, wheel = own_wheel()
    downloads = work / "wheels"
    downloads.mkdir(parents=True, exist_ok=True)
    download_wheels(downloads, requirements(), target=True, wheelhouse=wheelhouse)
    members: dict[str, tuple[bytes, int]] = {
        "setup.sh": (setup_script(wheel_name).encode(), 0o755),
        "run_autograder": (run_script(bool(template_files)).encode(), 0o755),
        EXERCISE_NAME: (Path(exercise_path).read_bytes(), 0o644),
        f"wheels/{wheel_name}": (wheel, 0o644),
    }
    for path in sorted(downloads.glob("*.whl")):
        members[f"wheels/{path.name}"] = (path.read_bytes(), 0o644)
    for name, data in template_files.items():
        members[f"templates/{name}"] = (data, 0o644)
    output = Path(output)
    temp = output.with_name(f".{output.name}.partial")
    try:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, (data, mode) in members.items():
                info = zipfile.ZipInfo(name, ZIP_TIME)
                info.create_system = 3  # Unix: unzip keeps the modes
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        os.replace(temp, output)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise GraderError(f"cannot write the bundle: {exc.strerror}", file=str(output)) from None
    return Bundle(output, exercise.id, tuple(n for n in members if n.startswith("wheels/")))


def _template_files(folder: str | os.PathLike | None) -> dict[str, bytes]:
    if folder is None:
        return {}
    Templates(folder)  # a missing folder is an error with its name
    root = Path(folder)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


# -- grader's own wheel ------------------------------------------------------------------------

def requirements() -> list[str]:
    """grader's runtime dependencies, as installed (extras left out)."""
    return [r for r in _metadata().get_all("Requires-Dist") or [] if "extra ==" not in r.replace("extra==", "extra ==")]


def _metadata():
    try:
        return importlib.metadata.metadata("grader")
    except importlib.metadata.PackageNotFoundError:
        raise GraderError("grader is not installed as a package, so its dependencies are unknown: "
                          "install it (pip install .) and run the command again") from None


def own_wheel() -> tuple[str, bytes]:
    """grader as a wheel (PEP 427), built from the package that is running: the same files
    whether it was installed from a wheel or from a source checkout (templates included)."""
    package = Path(__file__).resolve().parent
    files: dict[str, bytes] = {}
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files[f"grader/{path.relative_to(package).as_posix()}"] = path.read_bytes()
    if not any(name.startswith("grader/templates/") for name in files):  # a source checkout
        for path in sorted(templates_path().rglob("*")):
            if path.is_file():
                files[f"grader/templates/{path.relative_to(templates_path()).as_posix()}"] = path.read_bytes()
    meta = _metadata()
    dist = f"grader-{__version__}.dist-info"
    lines = ["Metadata-Version: 2.1", "Name: grader", f"Version: {__version__}",
             f"Summary: {meta.get('Summary') or ''}", f"Requires-Python: {meta.get('Requires-Python') or '>=3.10'}"]
    lines += [f"Requires-Dist: {r}" for r in meta.get_all("Requires-Dist") or []]
    files[f"{dist}/METADATA"] = ("\n".join(lines) + "\n").encode()
    files[f"{dist}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: grader {__version__}\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n").encode()
    files[f"{dist}/entry_points.txt"] = b"[console_scripts]\ngrader = grader.cli:main\n"
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{dist}/RECORD"] = ("\n".join(record + [f"{dist}/RECORD,,"]) + "\n").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return f"grader-{__version__}-py3-none-any.whl", out.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


# -- dependencies -------------------------------------------------------------------------------

def download_wheels(dest: Path, wanted: Sequence[str], *, target: bool,
                    wheelhouse: str | os.PathLike | None = None) -> None:
    """``pip download`` the wheels of ``wanted`` (and pip itself, which setup.sh runs from its
    wheel) into ``dest``: for the image's Python when ``target``, else for the one running."""
    command = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--disable-pip-version-check",
               "--quiet", "--dest", str(dest)]
    if target:
        command += ["--python-version", IMAGE_PYTHON, "--implementation", "cp", "--abi", IMAGE_ABI]
        command += [f"--platform={tag}" for tag in IMAGE_PLATFORMS]
    if wheelhouse is not None:
        command += ["--no-index", "--find-links", str(wheelhouse)]
    command += ["pip", *wanted]
    try:
        run = subprocess.run(command, capture_output=True, text=True)
    except OSError as exc:
        raise DownloadError(f"cannot run pip: {exc.strerror}", offline=False) from None
    if run.returncode:
        output = (run.stderr or run.stdout).strip()
        where = f"from {wheelhouse} (--wheels)" if wheelhouse else "from the package index"
        python = f"Python {IMAGE_PYTHON} on Linux x86_64" if target else f"this Python ({platform.python_version()})"
        raise DownloadError(f"pip could not download the wheels {where} for {python}; the package index must be "
                            f"reachable, or pass --wheels DIR holding them. pip said: {_tail(output)}",
                            offline=bool(_OFFLINE.search(output)))


def _tail(text: str, lines: int = 6) -> str:
    return " | ".join(text.splitlines()[-lines:]) or "(nothing)"


def runs_image_wheels() -> bool:
    """Whether this Python can install the image's wheels itself (CPython 3.10 on Linux x86_64)."""
    return (sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 10)
            and sys.platform == "linux" and platform.machine() == "x86_64")


# -- the two scripts ----------------------------------------------------------------------------

def setup_script(wheel_name: str) -> str:
    return f"""#!/usr/bin/env bash
# Written by `grader gradescope` (grader {__version__}). Gradescope runs it once, as root, when it
# builds the autograder image. grader and its dependencies are installed from the wheels beside
# this script, with pip --no-index: nothing comes from a package index (where the name 'grader'
# is another program), and the image's own python3 is left as it is.
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
VENV="${{GRADER_VENV:-{VENV}}}"
PYTHON="${{GRADER_PYTHON:-python3}}"
if ! "$PYTHON" -m venv --without-pip "$VENV"; then
  # Debian and Ubuntu keep venv's ensurepip apart
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  "$PYTHON" -m venv --without-pip "$VENV"
fi
PIP_WHEEL="$(ls "$SOURCE"/wheels/pip-*.whl | head -n 1)"
EXTRA=()
if [ -n "${{GRADER_EXTRA_WHEELS:-}}" ]; then EXTRA=(--find-links "$GRADER_EXTRA_WHEELS"); fi
# pip runs from its own wheel; -I and PIP_CONFIG_FILE=/dev/null: no setting of this machine applies
PIP_CONFIG_FILE=/dev/null "$VENV/bin/python" -I "$PIP_WHEEL/pip" install --isolated --no-index \\
  --find-links "$SOURCE/wheels" ${{EXTRA[@]+"${{EXTRA[@]}}"}} --only-binary=:all: --no-cache-dir --disable-pip-version-check \\
  --quiet "$SOURCE/wheels/{wheel_name}"
"$VENV/bin/python" -I -m grader --version
"""


def run_script(with_templates: bool) -> str:
    crashed = json.dumps(crash_results(), ensure_ascii=False)
    timeout = json.dumps(gradescope_failure(AUTOGRADER_TIMEOUT.format(seconds=TIME_LIMIT)), ensure_ascii=False)
    templates = ' --templates "$ROOT/source/templates"' if with_templates else ""
    return f"""#!/usr/bin/env bash
# Written by `grader gradescope` (grader {__version__}). Gradescope runs it for each submission.
# Whatever happens, $ROOT/results/results.json is left valid: a result saying the autograder
# stopped is in place before grading starts, grading replaces it atomically, a run stopped by
# the time limit leaves one saying so, and one that died leaves the first one again.
set -u
ROOT="${{GRADER_AUTOGRADER_ROOT:-/autograder}}"
VENV="${{GRADER_VENV:-{VENV}}}"
LIMIT="${{GRADER_TIME_LIMIT:-{TIME_LIMIT}}}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
cat > "$RESULTS" <<'GRADER_JSON'
{crashed}
GRADER_JSON
cd "$ROOT"
timeout --kill-after=10 "$LIMIT" "$VENV/bin/python" -I -m grader.autograder "$ROOT" \\
  --exercise "$ROOT/source/{EXERCISE_NAME}"{templates}
status=$?
if [ "$status" -eq 124 ] || {{ [ "$status" -eq 137 ] && [ "$SECONDS" -ge "$LIMIT" ]; }}; then
  echo "grader: stopped after $LIMIT seconds"
  cat > "$RESULTS" <<'GRADER_JSON'
{timeout}
GRADER_JSON
elif [ "$status" -ne 0 ]; then
  # grading always exits 0 once its result is written: it died first (out of memory, a signal)
  echo "grader: stopped with status $status"
  cat > "$RESULTS" <<'GRADER_JSON'
{crashed}
GRADER_JSON
fi
exit 0
"""


# -- the local test run -------------------------------------------------------------------------

@dataclass
class Run:
    """One submission run through the installed bundle."""

    submission: str
    results: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)
    log: str = ""


def made_up_metadata(submission: str | os.PathLike) -> dict[str, Any]:
    """Gradescope's submission_metadata.json for a local file: the student ``grader check``
    finds in its name (so an exercise with variables draws the same variant)."""
    who = identify(submission)
    return {"id": 0, "assignment": {"title": "grader gradescope --test", "total_points": "0"},
            "submission_method": "upload", "previous_submissions": [],
            "users": [{"email": who.email, "id": who.student, "name": who.name or who.student}]}


def try_bundle(bundle: Path, submissions: Sequence[str], *, work: Path, metadata: Path | None = None,
                extra_wheels: Path | None = None) -> list[Run]:
    """Install ``bundle`` in ``work/autograder`` as Gradescope does, then run each submission."""
    root = work / "autograder"
    source = root / "source"
    shutil.rmtree(root, ignore_errors=True)
    source.mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            target.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    env = {**os.environ, "GRADER_VENV": str(work / "venv"), "GRADER_PYTHON": sys.executable,
           "GRADER_AUTOGRADER_ROOT": str(root), "GRADER_EXTRA_WHEELS": str(extra_wheels or "")}
    setup = _bash(source / "setup.sh", source, env)
    if setup.returncode:
        raise GraderError(f"setup.sh failed (exit {setup.returncode}): {_tail(setup.stderr or setup.stdout, 12)}",
                          file=str(bundle))
    shutil.copy2(source / "run_autograder", root / "run_autograder")  # as Gradescope does
    return [_run_one(root, Path(s), metadata, env) for s in submissions]


def _bash(script: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run one of the bundle's scripts as Gradescope does (with bash, as their first line asks)."""
    try:
        return subprocess.run(["bash", str(script)], cwd=cwd, env=env, capture_output=True, text=True)
    except OSError as exc:
        raise GraderError(f"--test runs the bundle's scripts with bash, which cannot be started here "
                          f"({exc.strerror}): run it on Linux, macOS or WSL", file=str(script)) from None


def _run_one(root: Path, submission: Path, metadata: Path | None, env: dict[str, str]) -> Run:
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
    if submission.is_dir():
        shutil.copytree(submission, root / "submission")
    else:
        (root / "submission").mkdir()
        shutil.copy(submission, root / "submission" / submission.name)
    meta = json.loads(metadata.read_text(encoding="utf-8")) if metadata else made_up_metadata(submission)
    (root / "submission_metadata.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    run = _bash(root / "run_autograder", root, env)
    log = (run.stdout + run.stderr).strip()
    try:
        data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Run(str(submission), None, [f"no readable results.json: {exc}"], log)
    return Run(str(submission), data, problems(data), log)


def run_line(run: Run) -> str:
    """One line for the terminal: the submission, its score and the start of its output."""
    if run.results is None or run.problems:
        return f"{run.submission}: INVALID results.json ({'; '.join(run.problems)})"
    data = run.results
    tests = data.get("tests") or []
    score = f"{data['score']:g} / {sum(t.get('max_score', 0) for t in tests):g}" if tests else f"{data['score']:g}"
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", data.get("output", "")).split("\n\n")[0].replace("\n", " ")
    text = text if len(text) <= 110 else text[:107] + "..."
    return f"{run.submission}: {score}  {text}"
