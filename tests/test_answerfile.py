"""Answer files (YAML/JSON) read back to the raw answers as written (SPEC section 2)."""
import json

import pytest
from hypothesis import given, settings, strategies as st

from grader.answers import Identity
from grader.errors import SubmissionError
from grader.exercise import load_exercise, load_exercise_text
from grader.readers.answerfile import read_answer_file

from .conftest import EXERCISES, ROOT
from .test_forms import but, texts

FILES = ROOT / "tests" / "fixtures" / "answerfiles"
EXERCISE = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
STEM = Identity(student="stem", source="file name")


def read(text, suffix=".yaml", identity=STEM, exercise=EXERCISE):
    data = text.encode() if isinstance(text, str) else text
    return read_answer_file(data, f"a{suffix}", exercise, identity, suffix=suffix)


def read_fixture(name, identity=STEM):
    path = FILES / name
    return read_answer_file(path.read_bytes(), name, EXERCISE, identity, suffix=path.suffix)


KERAS_NAMES = {key: value for key, value in but(
    conv1__output_shape="(None, 6, 6, 64)", pool1__output_shape="(None, 3, 3, 64)",
    conv2__output_shape="(None, 3, 3, 128)", pool2__output_shape="(None, 1, 1, 128)",
    flatten__output_shape="(None, 128)", fc__output_shape="(None, 516)", out__output_shape="(None, 5)").items()}

FIXTURES = [
    ("nested.yaml", "s123", "answer file (YAML)",
     but(pool1__output_shape="(3, 3, 64)", conv2__output_shape="(3, 3, 128)", conv2__params="(1*1*64+1)*128",
         pool2__output_shape="1 x 1 x 128", pool2__params="-", fc__output_shape="(None, 516)",
         out__params="2'585", total_params="79,261")),
    ("flat.yaml", "stem", "answer file (YAML)",  # a European student's thousands dots stay as written
     but(conv1__params="1.792", conv2__params="8.320", fc__params="66.560", out__params="2.585",
         total_params="79.261")),
    ("dotted.yaml", "stem", "answer file (YAML)",
     {"conv1.output_shape": "6x6x64", "conv1.params": "1792", "pool1.output_shape": "3x3x64",
      "pool1.params": "0", "conv2.params": "8320", "total_params": "79261"}),
    ("rows.yaml", "stem", "answer file (YAML)", KERAS_NAMES),
    ("rows.json", "s456", "answer file (JSON)",
     but(conv1__output_shape="(6, 6, 64)", pool1__output_shape="(3, 3, 64)", conv2__output_shape="(3, 3, 128)",
         conv2__params="8.320", pool2__output_shape="(1, 1, 128)", flatten__output_shape="(128)",
         fc__output_shape="(None, 516)", fc__params="66,564")),
]


@pytest.mark.parametrize("name, student, source, values", FIXTURES)
def test_fixture_reads_back_as_written(name, student, source, values):
    answers = read_fixture(name)
    assert (answers.identity.student, answers.source, texts(answers)) == (student, source, values)
    assert answers.submission == name


def test_answers_say_where_they_are():
    answers = read_fixture("nested.yaml")
    assert answers.get("conv2", "params").where == "line 9 ('conv2.params')"
    assert answers.get(None, "total_params").where == "line 14 ('total_params')"
    assert read_fixture("rows.json").get("fc", "params").where == "'fc.params'"


def test_missing_layers_are_noted():
    assert read_fixture("dotted.yaml").notes == ["no row for layers pool2, flatten, fc, out"]


@pytest.mark.parametrize("text, suffix, values", [
    ("conv1: {params: 8.320}\n", ".yaml", {"conv1.params": "8.320"}),
    ("conv1: {params: 1_792}\n", ".yaml", {"conv1.params": "1_792"}),
    ("conv1: {params: 0x10}\n", ".yaml", {"conv1.params": "0x10"}),
    ("conv1: {params: '1792'}\n", ".yaml", {"conv1.params": "1792"}),
    ("conv1: {params: ~, output_shape: null}\n", ".yaml", {}),
    ("conv1: {output_shape: [None, 6, 6, 64]}\n", ".yaml", {"conv1.output_shape": "(None, 6, 6, 64)"}),
    ("conv1:\n  output_shape: |\n    (8-3+1) -> 6x6x64\n", ".yaml", {"conv1.output_shape": "(8-3+1) -> 6x6x64"}),
    ('{"conv1": {"params": 1.790e3}}', ".json", {"conv1.params": "1.790e3"}),
    ('{"conv1": {"params": 8.320}, "total": 79261}', ".json", {"conv1.params": "8.320", "total_params": "79261"}),
    ('{"conv1": {"params": true}}', ".json", {"conv1.params": "true"}),
    ('{"answers": {"conv1": {"Param #": "1,792"}}}', ".json", {"conv1.params": "1,792"}),
    ('[{"layer": "total", "params": 79261}]', ".json", {"total_params": "79261"}),
    ("base: &b {params: 0}\npool1: *b\npool2: {<<: *b, output_shape: 1x1x128}\n", ".yaml",
     {"pool1.params": "0", "pool2.params": "0", "pool2.output_shape": "1x1x128"}),
])
def test_values_are_kept_as_written(text, suffix, values):
    answers = read(text, suffix)
    assert {k: v for k, v in texts(answers).items()} == values


def test_a_bare_value_answers_the_only_quantity_asked():
    only_params = (EXERCISES / "cnn-8x8x3.yaml").read_text().replace("  output_shape: 1\n", "")
    exercise = load_exercise_text(only_params, "params-only.yaml")
    assert texts(read("conv1: 1792\npool1: 0\n", exercise=exercise)) == {"conv1.params": "1792", "pool1.params": "0"}
    answers = read("conv1: 1792\n")
    assert answers.values == {}
    assert "line 1 ('conv1'): 'conv1' needs its answers by name" in answers.notes[0]


@pytest.mark.parametrize("text, note", [
    ("conv1: {params: 1792, formula: x}\n", "line 1 ('conv1'): 'formula' of 'conv1' is not a quantity"),
    ("conv9.params: 1\n", None),  # an unknown layer name is matched by order
    ("hello: world\n", "line 1 ('hello'): 'hello' names no layer and quantity; not graded"),
    ("- 1792\n", "line 1 ('row 1'): row 1 is not a mapping"),
    ("exercise: lenet5\nconv1: {params: 1792}\n", "the file says exercise 'lenet5'; graded as 'cnn-8x8x3'"),
    ("conv1: {params: 1792, parameters: 1728}\n", "a second answer for conv1 params; the first is graded"),
])
def test_what_is_not_understood_is_noted_not_fatal(text, note):
    answers = read(text)
    if note:
        assert any(note in n for n in answers.notes), answers.notes
    else:
        assert texts(answers) == {"conv1.params": "1"}


def test_student_key_is_used_only_when_nothing_better_is_known():
    assert read("student: s9\n").identity == Identity(student="s9", source="answer file")
    canvas = Identity(student="doejane", canvas_id="12345", source="canvas")
    answers = read("student: s9\n", identity=canvas)
    assert answers.identity == canvas
    assert answers.notes == ["the file says student 's9'; graded as 'doejane' (from canvas)"]
    assert read("student: s9\n", identity=Identity("s1", source="--student")).identity.student == "s1"


@pytest.mark.parametrize("data, suffix, message", [
    ((FILES / "alias_bomb.yaml").read_bytes(), ".yaml", r"^a.yaml:\d+: the document expands to more than "
                                                        r"100,000 values .*an answer file is far smaller$"),
    ((FILES / "bad_syntax.yaml").read_bytes(), ".yaml", r"^a.yaml:3: YAML syntax error"),
    (b"conv1: {params: 1}\nconv1: {params: 2}\n", ".yaml", r"^a.yaml:2: duplicate key 'conv1'"),
    (b'{"conv1": 1, "conv1": 2}', ".json", r"^a.json: duplicate key 'conv1'$"),
    (b'{"conv1": ', ".json", r"^a.json:1: JSON syntax error: Expecting value$"),
    (b"[" * 100_000, ".json", r"^a.json: "),
    (b"1792\n", ".yaml", r"^a.yaml:1: an answer file is a mapping"),
    (b"# nothing\n", ".yaml", r"^a.yaml: the answer file is empty$"),
    (b"null", ".json", r"^a.json: the answer file is empty$"),
    (b"conv1: \xff\n", ".yaml", r"^a.yaml:1: the answer file is not UTF-8 text"),
    (b"a: 1\x00", ".yaml", r"^a.yaml: is a binary file"),
    (b"# " + b"x" * 1_000_001, ".yaml", r"^a.yaml: the answer file is 1.0 MB; an answer file may be at most 1 MB$"),
    (b"a: !!python/object:os.system ls\n", ".yaml", r"^a.yaml:1: "),
])
def test_bad_answer_files_are_one_line_errors(data, suffix, message):
    with pytest.raises(SubmissionError, match=message):
        read(data, suffix)


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(
                        st.sampled_from(["conv1", "params", "layers", "student", "total", "x", "layer", "shape"]),
                        children, max_size=4), max_leaves=12))
def test_any_json_document_gives_answers_or_a_submission_error(document):
    try:
        answers = read(json.dumps(document), ".json")
    except SubmissionError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(isinstance(raw.text, str) for raw in answers.values.values())


# -- rows labelled for another exercise (issue 11 section 4) ----------------------------------

def _own_labelled_yaml(labels, wrong=None):
    """One YAML row per label, with the exercise's answers in layer order (``wrong``: layer ->
    params written instead)."""
    lines = []
    for label, layer in zip(labels, EXERCISE.solution.layers):
        params = (wrong or {}).get(layer.name, layer.params)
        lines.append(f"{label}: {{output_shape: {'x'.join(map(str, layer.output_shape))}, params: {params}}}")
    return "\n".join(lines) + "\n"


def _own_labelled_table(labels, wrong=None):
    rows = ["| layer | output shape | params |", "|---|---|---|"]
    for label, layer in zip(labels, EXERCISE.solution.layers):
        params = (wrong or {}).get(layer.name, layer.params)
        rows.append(f"| {label} | {'x'.join(map(str, layer.output_shape))} | {params} |")
    return "\n".join(rows)


def _read_as(form, labels, wrong=None):
    if form == "yaml":
        return read(_own_labelled_yaml(labels, wrong))
    if form == "json":
        data = {label: {"output_shape": list(layer.output_shape), "params": (wrong or {}).get(layer.name, layer.params)}
                for label, layer in zip(labels, EXERCISE.solution.layers)}
        return read(json.dumps(data), suffix=".json")
    from grader.readers.notebook import read_notebook
    cell = {"cell_type": "markdown", "metadata": {"tags": ["answers"]}, "source": _own_labelled_table(labels, wrong)}
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    return read_notebook(json.dumps(nb).encode(), "a.ipynb", EXERCISE, STEM)


FORMS = ["yaml", "json", "notebook"]


@pytest.mark.parametrize("form", FORMS)
def test_rows_named_their_own_way_are_graded_in_order_when_as_many_as_the_layers(form):
    from grader.grading import grade_answers
    from grader.readers.matching import OTHER_EXERCISE
    answers = _read_as(form, ["c1", "p1", "c2", "p2", "flat", "d1", "d2"], wrong={"conv2": 8192})
    assert answers.warnings == [OTHER_EXERCISE]
    result = grade_answers(EXERCISE, answers)
    statuses = {(item.layer, item.quantity): item.status for item in result.items}
    expected = {(layer.name, quantity): "correct" for layer in EXERCISE.solution.layers
                for quantity in ("output_shape", "params")}
    expected[("conv2", "params")] = "incorrect"  # the third row's count, graded as conv2's
    expected[(None, "total_params")] = "missing"
    assert statuses == expected
    assert [item.answer for item in result.items if item.layer == "conv2"] == ["3x3x128" if form != "json"
                                                                              else "(3, 3, 128)", "8192"]
    assert result.warnings == (OTHER_EXERCISE,)


NOT_MATCHED = ("labels match no layer of this exercise: the rows (c1, p1) could not be matched to its 7 layers, "
               "by name or by order, and were not graded")


@pytest.mark.parametrize("form", FORMS)
def test_rows_matching_no_layer_by_name_or_order_are_not_graded_and_the_warning_says_so(form):
    from grader.grading import grade_answers
    answers = _read_as(form, ["c1", "p1"])
    assert answers.values == {}
    result = grade_answers(EXERCISE, answers)
    assert result.score == 0
    if form == "notebook":  # nothing else in the notebook to read: it cannot be graded, and says why
        assert answers.errors[0] == "cell 1 (tagged 'answers'): " + NOT_MATCHED
        assert result.items == () and result.errors == tuple(answers.errors)
    else:
        assert answers.warnings == [NOT_MATCHED]
        assert {item.status for item in result.items} == {"missing"}
        assert result.warnings == (NOT_MATCHED,)
    assert not any("graded by order" in text for text in result.warnings + result.notes + result.errors)


@pytest.mark.parametrize("text, suffix, late", [
    ('{"late": true, "layers": {"conv1": {"params": 1792}}}', ".json", True),
    ("late: yes\nconv1: {params: 1792}\n", ".yaml", True),
    ('{"late": false, "layers": {"conv1": {"params": 1792}}}', ".json", False),
    ("conv1: {params: 1792}\n", ".yaml", False),
])
def test_late_in_the_file_marks_the_submission_late(text, suffix, late):
    answers = read(text, suffix)
    assert answers.identity.late is late
    assert [key for key in answers.values] == [("conv1", "params")]     # 'late' is no answer


def test_a_file_never_clears_an_lms_late_marker():
    canvas_late = Identity(student="doejane", canvas_id="123", late=True, source="canvas")
    assert read('{"late": false, "conv1": {"params": 1792}}', ".json", identity=canvas_late).identity.late is True
