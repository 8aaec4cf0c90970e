"""The student's notebook (grader.notebooks, ``grader notebook``) and the shipped
solutions/<id>.ipynb: valid nbformat 4.5, up to date, and read back by the notebook reader
to exactly the expected values. The model code is checked against the real frameworks."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.answers import Identity
from grader.cli import main
from grader.exercise import LAYER_QUANTITIES, load_exercise
from grader.notebooks import ANSWERS_TAG, model_code, notebook_text, student_notebook
from grader.readers.notebook import read_notebook
from grader.values import parse_count, parse_shape

from .conftest import EXERCISES, ROOT

nbformat = pytest.importorskip("nbformat")

EXERCISE_FILES = sorted(EXERCISES.glob("*.yaml"))  # whatever exists: teammates add exercises
CNN_FILE = str(EXERCISES / "cnn-8x8x3.yaml")
SOLUTIONS = ROOT / "solutions"


def refresh_command(path: Path, exercise_id: str) -> str:
    return f"grader notebook exercises/{path.name} --solution --force -o solutions/{exercise_id}.ipynb"


def staleness(exercise_path: Path, notebook_path: Path) -> str | None:
    """None when the shipped solution notebook is what ``grader notebook --solution`` writes."""
    exercise = load_exercise(exercise_path)
    fresh = notebook_text(exercise, solution=True)
    if not notebook_path.exists():
        return f"{notebook_path.name} is missing; write it with: {refresh_command(exercise_path, exercise.id)}"
    if notebook_path.read_text(encoding="utf-8") != fresh:
        return f"{notebook_path.name} is out of date; refresh it with: {refresh_command(exercise_path, exercise.id)}"
    return None


def expected_answers(exercise) -> dict:
    """Every asked item's expected value, as grader.values gives it."""
    solution = exercise.solution
    out = {}
    for layer in solution.layers:
        for quantity in LAYER_QUANTITIES:
            if exercise.ask.get(quantity):
                value = getattr(layer, quantity)
                out[(layer.name, quantity)] = tuple(value) if quantity == "output_shape" else value
    totals = {"total_params": solution.total_params, "total_trainable_params": solution.trainable_params,
              "total_non_trainable_params": solution.non_trainable_params}
    out.update({(None, q): v for q, v in totals.items() if exercise.ask.get(q)})
    return out


def parsed(answers, exercise) -> dict:
    """The answers read as grading reads them: a shape with the true rank, which tells a
    leading unknown size (?x64) from a batch ((None, 64) for a true 64)."""
    return {key: parse_shape(raw.text, len(exercise.solution.layer(key[0]).output_shape)).dims
            if key[1] == "output_shape" else parse_count(raw.text).value
            for key, raw in answers.values.items()}


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=lambda p: p.stem)
def test_solution_notebook_is_up_to_date(path):
    exercise = load_exercise(path)
    assert staleness(path, SOLUTIONS / f"{exercise.id}.ipynb") is None


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=lambda p: p.stem)
def test_solution_notebook_reads_back_to_exactly_the_expected_values(path):
    exercise = load_exercise(path)
    notebook = SOLUTIONS / f"{exercise.id}.ipynb"
    nbformat.validate(nbformat.reads(notebook.read_text(encoding="utf-8"), as_version=4))
    answers = read_notebook(notebook.read_bytes(), str(notebook), exercise, Identity("teacher"))
    assert (answers.errors, answers.notes) == ([], [])
    assert answers.source == "answers cell (Markdown table, cell 5)"
    assert parsed(answers, exercise) == expected_answers(exercise)
    for (_, quantity), raw in answers.values.items():
        if quantity != "output_shape":
            assert not parse_count(raw.text).mismatch, raw.text  # the worked formula adds up


def test_a_stale_solution_fails_with_the_refresh_command(tmp_path):
    path = EXERCISES / "cnn-8x8x3.yaml"
    stale = tmp_path / "cnn-8x8x3.ipynb"
    stale.write_text((SOLUTIONS / "cnn-8x8x3.ipynb").read_text(encoding="utf-8").replace("1,792", "1,728"),
                     encoding="utf-8")
    assert staleness(path, stale) == ("cnn-8x8x3.ipynb is out of date; refresh it with: grader notebook "
                                      "exercises/cnn-8x8x3.yaml --solution --force -o solutions/cnn-8x8x3.ipynb")
    assert "write it with: grader notebook" in staleness(path, tmp_path / "missing.ipynb")


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=lambda p: p.stem)
def test_the_blank_notebook_is_valid_and_has_nothing_to_grade(path):
    exercise = load_exercise(path)
    nb = student_notebook(exercise)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    [answers_cell] = [c for c in nb.cells if ANSWERS_TAG in c.metadata.get("tags", [])]
    assert [line.split("|")[1].strip() for line in answers_cell.source.split("\n")[2:]][:len(exercise.layers)] \
        == exercise.layer_names
    answers = read_notebook(nbformat.writes(nb).encode(), "blank.ipynb", exercise, Identity("s"))
    assert answers.values == {}
    assert answers.errors[0] == "cell 5 (tagged 'answers'): the answers table is empty: fill in its cells"


def test_cli_writes_a_variant_notebook(tmp_path, capsys):
    variant = next((p for p in EXERCISE_FILES if "variables:" in p.read_text()), None)
    if variant is None:
        pytest.skip("no exercise with variables yet")
    out = tmp_path / "s1.ipynb"
    assert main(["notebook", str(variant), "--student", "s1", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    nb = nbformat.read(out, as_version=4)
    exercise = load_exercise(variant, student="s1")
    assert nb.metadata["grader"] == {"exercise": exercise.id, "solution": False, "student": "s1",
                                     "variables": dict(exercise.variables)}
    assert "Your variant: " in nb.cells[0].source


def test_cli_solution_equals_the_shipped_file(tmp_path):
    out = tmp_path / "sol.ipynb"
    assert main(["notebook", str(EXERCISES / "cnn-8x8x3.yaml"), "--solution", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (SOLUTIONS / "cnn-8x8x3.ipynb").read_text(encoding="utf-8")


def test_cli_refuses_to_overwrite_without_force_and_wants_ipynb(tmp_path, capsys):
    out = tmp_path / "mine.ipynb"
    out.write_text("a student's own work")
    assert main(["notebook", CNN_FILE, "-o", str(out)]) == 2
    assert "the file exists; pass --force to overwrite it" in capsys.readouterr().err
    assert out.read_text() == "a student's own work"
    assert main(["notebook", CNN_FILE, "-o", str(out), "--force"]) == 0 and out.read_text().startswith("{")
    assert main(["notebook", CNN_FILE, "-o", str(tmp_path / "x.txt")]) == 2
    assert "a notebook's file name ends in .ipynb" in capsys.readouterr().err
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.parametrize("path", EXERCISE_FILES, ids=lambda p: p.stem)
def test_the_examples_of_how_to_write_are_no_answer_and_in_the_frameworks_order(path):
    """A student who follows the example is right about the format and learns no answer."""
    import re

    exercise = load_exercise(path)
    help_text = student_notebook(exercise).cells[3].source
    shape, count = re.search(r"e\.g\. `([^`]+)`", help_text).group(1), re.search(r"number \(`(\d+)`", help_text).group(1)
    dims = tuple(parse_shape(shape).dims)
    assert int(count) not in {s.params for s in exercise.solution.layers} | {exercise.solution.total_params}
    assert not any(dims in {tuple(s.output_shape), tuple(reversed(s.output_shape))} for s in exercise.solution.layers)
    channels = 16  # the example's channel count: first for PyTorch, last for Keras
    assert (dims[0] if exercise.framework == "pytorch" else dims[-1]) == channels


@pytest.mark.parametrize("argv, message", [
    (["notebook", CNN_FILE], "the following arguments are required: -o/--output"),
    (["notebook", str(EXERCISES / "nope.yaml"), "-o", "x.ipynb"], "nope.yaml"),
    (["notebook", CNN_FILE, "-o", "/nonexistent/dir/x.ipynb"],
     "error: /nonexistent/dir/x.ipynb: cannot write the notebook: No such file or directory"),
])
def test_cli_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# -- the model code, built in the real frameworks ---------------------------------------------

def _build(exercise):
    namespace: dict = {}
    exec(compile(model_code(exercise), f"<{exercise.id} model>", "exec"), namespace)  # our own code
    return namespace["model"]


SMALL = [p for p in EXERCISE_FILES if load_exercise(p).solution.total_params < 5_000_000]


@pytest.mark.frameworks
@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.stem)
def test_model_code_builds_the_exercise_model(path):
    exercise = load_exercise(path)
    if exercise.framework == "keras":
        pytest.importorskip("keras", reason="Keras 3 is not installed")
        os.environ.setdefault("KERAS_BACKEND", "torch")
        model = _build(exercise)
        assert model.count_params() == exercise.solution.total_params
        for layer in exercise.solution.layers:
            built = model.get_layer(layer.name)
            if layer.type not in ("Input", "InputLayer"):
                assert tuple(built.output.shape[1:]) == tuple(layer.output_shape), layer.name
    else:
        torch = pytest.importorskip("torch", reason="PyTorch is not installed")
        model = _build(exercise)
        assert sum(p.numel() for p in model.parameters()) == exercise.solution.total_params
        # token ids (integers) for an input an Embedding reads, floats otherwise
        ids = {n for layer in exercise.layers if layer.type == "Embedding" for n in layer.inputs}
        inputs = [torch.zeros((1, *shape), dtype=torch.long if name in ids else torch.float)
                  for name, shape in exercise.solution.inputs.items()]
        out = model(*inputs)
        assert tuple(out.shape[1:]) == tuple(exercise.solution.layers[-1].output_shape)
