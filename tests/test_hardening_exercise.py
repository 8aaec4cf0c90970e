"""Issue 9, exercise files and the command line: values PyYAML cannot construct, numbers no
model has, and sizes that are no size are one-line errors with exit status 2, never a
traceback, and never an exercise that validates and then crashes ``grade``."""
from __future__ import annotations

import pytest

import grader.batch  # noqa: F401 - imported at collection: its progress bar binds sys.stderr when imported
from grader.cli import main
from grader.errors import ExerciseError
from grader.exercise import load_exercise_text

from .conftest import EXERCISES, ROOT

BASE = (EXERCISES / "cnn-8x8x3.yaml").read_text(encoding="utf-8")
SAMPLE = str(ROOT / "samples" / "cnn-8x8x3" / "garciamaria_40107_880106_params_exercise.ipynb")


def line_of(text: str) -> int:
    return BASE[:BASE.index(text)].count("\n") + 1


FILTERS, UNITS, PARAMS = line_of("filters: 64"), line_of("units: 516"), line_of("  params: 1\n")
REVEAL, END = line_of("  reveal: answers") + 1, BASE.count("\n") + 2


def edited(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


HOSTILE = [  # (exercise text, the one-line message expected; the line is checked too)
    (edited("filters: 64", "filters: " + "1" * 5000),
     rf"x\.yaml:{FILTERS}: invalid value: a number of 5,000 characters; a whole number has at most 4,300 digits$"),
    (edited("title: Parameters", "title: 2024-13-45\n#"),
     r"x\.yaml:2: invalid value: '2024-13-45' is not a valid date; put it in quotes if it is text$"),
    (edited("title: Parameters", "title: !!timestamp abc\n#"), r"x\.yaml:2: invalid value: 'abc' is not a valid date$"),
    (edited("filters: 64", "filters: !!float abc"), rf"x\.yaml:{FILTERS}: invalid value: 'abc' is not a number$"),
    (edited("filters: 64", "filters: !!bool maybe"), rf"x\.yaml:{FILTERS}: invalid value: 'maybe' is not true or false$"),
    (edited("filters: 64", 'filters: !!int ""'), rf"x\.yaml:{FILTERS}: invalid value: '' is not a whole number$"),
    (edited("  reveal: answers", "  reveal: answers\n  2024-02-30: x"),
     rf"x\.yaml:{REVEAL}: invalid value: '2024-02-30' is not a valid date; put it in quotes if it is text$"),
    (BASE + "variables:\n  f: {range: [1, 10000000000000000000]}\n",
     rf"x\.yaml:{END}: variable 'f': the range has 10,000,000,000,000,000,000 values; a variable has at most 10,000$"),
    (edited("  params: 1\n", "  params: 1.0e+308\n"),
     rf"x\.yaml:{PARAMS}: 'ask\.params' is 1e\+308 points; a quantity is worth at most 1,000 points$"),
    (edited("filters: 64", "filters: 100000000000000000000"),
     rf"x\.yaml:{FILTERS}: 100000000000000000000 is too large: numbers in an exercise are at most 1,000,000,000,000$"),
    (edited("units: 516", "units: 1" + "0" * 4000),
     rf"x\.yaml:{UNITS}: a number of 4001 digits is too large: numbers in an exercise are at most 1,000,000,000,000$"),
]


@pytest.mark.parametrize("text, message", HOSTILE)
def test_hostile_exercises_are_one_line_errors(text, message):
    with pytest.raises(ExerciseError) as caught:
        load_exercise_text(text, "x.yaml")
    assert "\n" not in str(caught.value)
    assert caught.match(message)


@pytest.mark.parametrize("command", ["validate", "check", "grade", "solve"])
@pytest.mark.parametrize("text, message", HOSTILE[::3] + HOSTILE[8:9])
def test_every_command_exits_2_with_one_line(command, text, message, tmp_path, capsys):
    exercise = tmp_path / "x.yaml"
    exercise.write_text(text, encoding="utf-8")
    args = {"validate": [str(exercise)], "check": [str(exercise), SAMPLE], "solve": [str(exercise)],
            "grade": [str(exercise), SAMPLE, "--out", str(tmp_path / "out")]}[command]
    assert main([command, *args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert message.rstrip("$").split(": ", 1)[1].replace("\\", "") in err


def test_an_ordinary_point_value_and_variables_still_validate():
    text = edited("  params: 1\n", "  params: 0.5\n") + "variables:\n  f: {range: [8, 32, 8]}\n"
    exercise = load_exercise_text(text.replace("filters: 64", "filters: $f"), "x.yaml", student="s1")
    assert exercise.layers[0].params["filters"] in (8, 16, 24, 32)


@pytest.mark.parametrize("size", ["nan", "inf", "-inf", "-1", "0", "abc", "1e9"])
def test_max_size_that_is_no_size_exits_2(size, tmp_path, capsys):
    status = main(["grade", str(EXERCISES / "cnn-8x8x3.yaml"), SAMPLE, "--out", str(tmp_path / "o"),
                   f"--max-size={size}"])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert "--max-size: expected a size in MB" in err
    assert not (tmp_path / "o").exists()


def test_a_fractional_max_size_still_works(tmp_path, capsys):
    assert main(["grade", str(EXERCISES / "cnn-8x8x3.yaml"), SAMPLE, "--out", str(tmp_path / "o"),
                 "--max-size", "0.001"]) == 0
    assert "over the limit of 0.001 MB" in capsys.readouterr().out


def test_an_unknown_key_that_is_a_line_break_is_one_line():
    with pytest.raises(ExerciseError) as caught:
        load_exercise_text(BASE + '"\\n": 1\n', "x.yaml")
    assert str(caught.value) == f"x.yaml:{END - 1}: unknown key '\\n'"


@pytest.mark.parametrize("wrapped", ["{type: 5}", "{type: [LSTM]}", "{type: {a: 1}}", "{units: 8}"])
def test_a_wrapped_layer_whose_type_is_no_name_is_an_argument_error(wrapped):
    text = BASE.replace("  - {type: Flatten, name: flatten}\n",
                        f"  - {{type: Reshape, name: seq, target_shape: [1, 128]}}\n"
                        f"  - {{type: Bidirectional, name: flatten, layer: {wrapped}}}\n")
    flatten = line_of("  - {type: Flatten") + 1  # one line down: the Reshape comes first
    with pytest.raises(ExerciseError, match=rf"x\.yaml:{flatten}: layer 'flatten': argument 'layer' must be a layer "
                                            r"mapping such as \{type: LSTM, units: 8\}$"):
        load_exercise_text(text, "x.yaml")
