"""`grader gradescope`: the autograder bundle (its two scripts, grader's own wheel, the
dependencies' wheels for the image's Python), the scripts' fallbacks, and `--test` on every
sample submission giving the score `grader check` gives."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import gradescope
from grader.autograder import problems
from grader.checking import check
from grader.cli import main
from grader.errors import ExerciseError
from grader.exercise import load_exercise
from grader.gradescope import (DownloadError, build_bundle, download_wheels, own_wheel, requirements, run_script,
                               runs_image_wheels)

from .conftest import EXERCISES, ROOT

CNN = EXERCISES / "cnn-8x8x3.yaml"
SAMPLES = sorted((ROOT / "samples" / "cnn-8x8x3").iterdir())


@pytest.fixture
def fake_downloads(monkeypatch):
    """Dependency wheels without the package index: files named like wheels."""
    calls = []

    def download(dest, wanted, *, target, wheelhouse=None):
        calls.append((list(wanted), target))
        for name in ("pip-24.0-py3-none-any.whl", "pyyaml-6.0-cp310-cp310-manylinux2014_x86_64.whl"):
            (dest / name).write_bytes(b"PK fake " + name.encode())
    monkeypatch.setattr(gradescope, "download_wheels", download)
    return calls


def test_the_bundle_holds_the_scripts_the_exercise_and_the_wheels(tmp_path, fake_downloads):
    out = tmp_path / "autograder.zip"
    bundle = build_bundle(CNN, out, work=tmp_path / "work")
    archive = zipfile.ZipFile(out)
    modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755        # run bits set in the zip
    assert archive.read("exercise.yaml") == CNN.read_bytes()
    assert set(bundle.wheels) == {"wheels/grader-0.1.0-py3-none-any.whl", "wheels/pip-24.0-py3-none-any.whl",
                                  "wheels/pyyaml-6.0-cp310-cp310-manylinux2014_x86_64.whl"}
    assert fake_downloads == [(requirements(), True)]                    # for the image's Python
    setup = archive.read("setup.sh").decode()
    # installed from the wheels beside the script, never by name from an index, into a venv of its own
    assert "--no-index" in setup and "grader-0.1.0-py3-none-any.whl" in setup
    assert not re.search(r"pip[^\n]* install[^\n]* grader(\s|$)", setup)
    assert '"$PYTHON" -m venv --without-pip "$VENV"' in setup and "/opt/grader-venv" in setup
    assert "templates" not in archive.namelist() and "--templates" not in archive.read("run_autograder").decode()


def test_the_same_inputs_give_the_same_bundle(tmp_path, fake_downloads):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    build_bundle(CNN, first, work=tmp_path / "w1")
    build_bundle(CNN, second, work=tmp_path / "w2")
    assert first.read_bytes() == second.read_bytes()


def test_templates_travel_with_the_bundle(tmp_path, fake_downloads):
    templates = tmp_path / "mine"
    templates.mkdir()
    (templates / "summary.txt.j2").write_text("Score {{ score.points }}\n", encoding="utf-8")
    build_bundle(CNN, tmp_path / "a.zip", templates=templates, work=tmp_path / "w")
    archive = zipfile.ZipFile(tmp_path / "a.zip")
    assert archive.read("templates/summary.txt.j2") == b"Score {{ score.points }}\n"
    assert '--templates "$ROOT/source/templates"' in archive.read("run_autograder").decode()


def test_an_invalid_exercise_fails_before_any_download(tmp_path, fake_downloads):
    bad = tmp_path / "bad.yaml"
    bad.write_text(CNN.read_text(encoding="utf-8").replace("filters: 64", "filter: 64"), encoding="utf-8")
    with pytest.raises(ExerciseError, match="did you mean 'filters'"):
        build_bundle(bad, tmp_path / "a.zip", work=tmp_path / "w")
    assert fake_downloads == [] and not (tmp_path / "a.zip").exists()


def test_own_wheel_is_a_valid_wheel_of_the_running_package(tmp_path):
    name, data = own_wheel()
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    package = ROOT / "grader"
    modules = {f"grader/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")}
    assert modules <= names and "grader/templates/summary.txt.j2" in names
    record = archive.read("grader-0.1.0.dist-info/RECORD").decode().splitlines()
    for line in record[:-1]:
        path, digest, size = line.rsplit(",", 2)
        content = archive.read(path)
        expected = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        assert digest == f"sha256={expected}" and int(size) == len(content)
    metadata = archive.read("grader-0.1.0.dist-info/METADATA").decode()
    assert all(f"Requires-Dist: {r}" in metadata for r in requirements())
    # pip itself accepts and installs it (offline: no dependencies); the templates come along
    (tmp_path / name).write_bytes(data)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    "--target", str(target), str(tmp_path / name)], check=True)
    shown = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); "
                            "from grader.report import templates_path; print(templates_path())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(shown) == target / "grader" / "templates"


# -- run_autograder's fallbacks, with a stand-in for the venv's python ---------------------------------

@pytest.mark.skipif(shutil.which("timeout") is None or shutil.which("bash") is None,
                    reason="needs bash and coreutils' timeout, as Gradescope's image has")
@pytest.mark.parametrize("python, says", [
    ("sleep 30", "took longer than 300 seconds and was stopped"),
    ("echo 'Traceback: ImportError' >&2; exit 1", "the autograder stopped before it could grade"),
    ("printf '{\"score\": 1' > \"$1/results/results.json\"; kill -9 $$", "the autograder stopped"),
])
def test_run_autograder_always_leaves_a_valid_result(tmp_path, python, says):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    # the stand-in drops the interpreter's own flags: $1 is then the autograder folder
    (venv / "python").write_text(f"#!/usr/bin/env bash\nshift 3\n{python}\n", encoding="utf-8")
    (venv / "python").chmod(0o755)
    script = tmp_path / "run_autograder"
    script.write_text(run_script(False), encoding="utf-8")
    env = {**os.environ, "GRADER_AUTOGRADER_ROOT": str(root), "GRADER_VENV": str(tmp_path / "venv"),
           "GRADER_TIME_LIMIT": "1"}
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert problems(data) == [] and data["score"] == 0 and says in data["output"]


# -- --test, end to end (needs the package index, or skips saying so) ------------------------------

@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    """The dependencies' wheels for the image and for this Python, downloaded once."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    try:
        download_wheels(folder, requirements(), target=True)
        if not runs_image_wheels():
            download_wheels(folder, requirements(), target=False)
    except DownloadError as exc:
        if exc.offline:
            pytest.skip(f"the package index cannot be reached: {exc.message[:300]}")
        raise
    return folder


def test_gradescope_test_gives_checks_score_for_every_sample(tmp_path, wheelhouse, capsys):
    out = tmp_path / "autograder.zip"
    status = main(["gradescope", str(CNN), "-o", str(out), "--wheels", str(wheelhouse),
                   "--test", *map(str, SAMPLES)])
    printed = capsys.readouterr().out
    assert status == 0, printed                       # every run left a valid results.json
    lines = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in printed.splitlines()[1:]}
    assert len(lines) == len(SAMPLES) == 34
    for path in SAMPLES:
        result = check(CNN, path)
        score = re.match(r"(\d+(?:\.\d+)?)( / (\d+))?", lines[str(path)])
        if result.gradable:
            assert (float(score[1]), float(score[3])) == (float(result.score), float(result.max_score)), path.name
        else:  # empty, truncated, unanswered: Gradescope needs a number, 0, with the reason
            assert (score[1], score[2]) == ("0", None) and "Not graded" in lines[str(path)], path.name
    assert zipfile.ZipFile(out).testzip() is None


def test_gradescope_test_with_real_metadata_draws_the_students_variant(tmp_path, wheelhouse, capsys):
    exercise = EXERCISES / "cnn-your-turn.yaml"
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"users": [{"email": "ada@example.edu", "id": 7, "name": "Ada"}]}), encoding="utf-8")
    answers = tmp_path / "answers.yaml"
    solved = load_exercise(exercise, student="ada@example.edu").solution
    answers.write_text("layers:\n" + "".join(f"  {s.name}: {{output_shape: {'x'.join(map(str, s.output_shape))}, "
                                             f"params: {s.params}}}\n" for s in solved.layers)
                       + f"total_params: {solved.total_params}\n", encoding="utf-8")
    assert main(["gradescope", str(exercise), "--wheels", str(wheelhouse), "--metadata", str(meta),
                 "--test", str(answers)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    most = float(check(exercise, answers, student="ada@example.edu").max_score)
    assert line.startswith(f"{answers}: {most:g} / {most:g}")
