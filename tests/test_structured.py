"""Structured answers (grader.readers.structured): YAML, JSON and Python literals loaded as the
text written, and the one walk that turns them into rows for answer files and notebook cells."""
from __future__ import annotations

import pytest

from grader.exercise import load_exercise, load_exercise_text
from grader.readers.structured import StructureProblem, load_json, load_python, load_yaml, walk

from .conftest import EXERCISES

CNN = load_exercise(EXERCISES / "cnn-8x8x3.yaml")


def cells(data, exercise=CNN, where="cell 1"):
    """(label, quantity) -> text of every answer the walk finds, totals as (None, quantity)."""
    found = walk(data, exercise, where)
    out = {(row.label, q): raw.text for row in found.rows for q, raw in row.cells.items()}
    out.update({(None, q): raw.text for q, raw in found.totals.items()})
    return out, found.notes


# -- loaders ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source, data", [
    ("answers = {'conv1': {'params': 1792}}", {"conv1": {"params": "1792"}}),
    ("x = 1\nother = {'a': 1}\nanswers = dict(conv1=dict(params=1_792))", {"conv1": {"params": "1_792"}}),
    ("%matplotlib inline\n!pip list\nanswers: dict = {'c': [6, 6, 64], 'd': -1.790}", {"c": ["6", "6", "64"],
                                                                                       "d": "-1.790"}),
    ("answers = {'c': {'params': x * 2}}", {"c": {"params": "x * 2"}}),
    ("answers = [('conv1', (6, 6, 64), 1792)]", [["conv1", ["6", "6", "64"], "1792"]]),
    ("my_answers = [{'layer': 'conv1', 'params': None}]", [{"layer": "conv1", "params": None}]),
    ("sizes = [6, 6, 64]", None),  # a list is answers only under a name with 'answer' in it
    ("print('no dict here')", None),
])
def test_python_answers_are_literals_or_source_text(source, data):
    assert load_python(source) == data


def test_python_values_know_their_line():
    tree = load_python("# mine\nanswers = {\n    'conv1': {'params': 1792},\n}")
    assert tree["conv1"]["params"].line == 3


@pytest.mark.parametrize("load, source, message, line", [
    (load_python, "answers = {", "Python syntax error: '{' was never closed", 1),
    (load_python, "x" * 200_000, "the cell is over 100,000 characters", None),
    (load_python, "answers = {'conv1': 1, 'conv1': 2}", "duplicate key 'conv1'", 1),
    (load_yaml, "a: [1,\nb: }", "YAML syntax error", 2),
    (load_yaml, "a: 1\na: 2", "duplicate key 'a'", 2),
    (load_yaml, "a: !!python/object:os.system ls", "the tag 'tag:yaml.org,2002:python/object:os.system' is "
                                                   "not allowed", 1),
    (load_yaml, "a: &a [*a]", "a recursive alias refers to itself", 1),
    (load_yaml, "a: 1\n---\nb: 2", "more than one YAML document", 2),
    (load_json, '{"a": 1, "a": 2}', "duplicate key 'a'", None),
    (load_json, '{"a": ', "JSON syntax error: Expecting value", 1),
])
def test_loader_problems_say_what_and_where(load, source, message, line):
    with pytest.raises(StructureProblem) as info:
        load(source)
    assert info.value.message.startswith(message) and info.value.line == line


def test_yaml_keeps_numbers_as_written_with_their_lines():
    data = load_yaml("a: 1.790\nb: 1_792\nc: null\nd: [6, 6, 64]\ne: !!int ''")
    assert data == {"a": "1.790", "b": "1_792", "c": None, "d": ["6", "6", "64"], "e": ""}
    assert [data["a"].line, data["d"][2].line] == [1, 4]
    assert load_yaml("just text") == "just text"
    assert load_yaml("# nothing") is None


def test_json_keeps_numbers_as_written():
    assert load_json('{"a": 1.790e3, "b": [6, 6, 64], "c": true, "d": null}') == {
        "a": "1.790e3", "b": ["6", "6", "64"], "c": True, "d": None}


def test_a_yaml_alias_bomb_stops_at_the_budget():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi"))
    with pytest.raises(StructureProblem, match="expands to more than 100,000 values"):
        load_yaml(bomb)


# -- the walk ---------------------------------------------------------------------------------

@pytest.mark.parametrize("source, found", [
    ("conv1: {output_shape: 6x6x64, params: 1792}",
     {("conv1", "output_shape"): "6x6x64", ("conv1", "params"): "1792"}),
    ("conv1.params: 1792\nconv1 output shape: 6x6x64\nfc_params: 5",
     {("conv1", "params"): "1792", ("conv1", "output_shape"): "6x6x64", ("fc", "params"): "5"}),
    ("params: {conv1: 1792, total: 79261}", {("conv1", "params"): "1792", (None, "total_params"): "79261"}),
    ("- {layer: conv1, shape: [6, 6, 64], params: '1,792'}",
     {("conv1", "output_shape"): "(6, 6, 64)", ("conv1", "params"): "1,792"}),
    ("answers: {conv1: [6x6x64, 1792], Total params: '79,261'}",
     {("conv1", "output_shape"): "6x6x64", ("conv1", "params"): "1792", (None, "total_params"): "79,261"}),
    ("- [conv1, [6, 6, 64], 1792]\n- [flatten, 128, 0]",
     {("conv1", "output_shape"): "(6, 6, 64)", ("conv1", "params"): "1792", ("flatten", "output_shape"): "128",
      ("flatten", "params"): "0"}),
    ("conv1: [6, 6, 64]", {("conv1", "output_shape"): "(6, 6, 64)"}),  # a list is a shape
    ("total: {params: 79261}", {(None, "total_params"): "79261"}),
    ("- {layer: total, params: 79261}", {("total", "params"): "79261"}),  # a row: assign_rows makes it the total
])
def test_walk_styles(source, found):
    assert cells(load_yaml(source)) == (found, [])


@pytest.mark.parametrize("source, note", [
    ("hello: world", "cell 1, line 1 ('hello'): 'hello' names no layer and quantity; not graded"),
    ("conv1: 1792", "cell 1, line 1 ('conv1'): 'conv1' needs its answers by name, such as "
                    "'conv1: {output_shape: ..., params: ...}'; not graded"),
    ("flatten: [128, 0]", "cell 1, line 1 ('flatten'): 'flatten: (128, 0)' is two numbers: a shape, or a shape "
                          "and a count? write 'flatten: {output_shape: ..., params: ...}'; not graded"),
    ("conv1: {params: 1792, formula: x}", "cell 1, line 1 ('conv1'): 'formula' of 'conv1' is not a quantity"),
    ("conv1: {params: 1792, parameters: 1728}", "cell 1, line 1 ('conv1.parameters'): a second answer for conv1 "
                                                "params; the first is graded"),
    ("- 1792", "cell 1, line 1 ('row 1'): row 1 is not a mapping"),
])
def test_what_the_walk_does_not_understand_is_noted(source, note):
    found, notes = cells(load_yaml(source))
    assert len(notes) == 1 and notes[0].startswith(note), notes


def test_student_and_exercise_are_kept_apart():
    found = walk(load_yaml("student: s123\nexercise: lenet5\nconv1: {params: 1}"), CNN)
    assert (found.meta, found.notes) == ({"student": "s123", "exercise": "lenet5"}, [])


def test_a_bare_value_answers_the_only_quantity_asked():
    only_params = load_exercise_text((EXERCISES / "cnn-8x8x3.yaml").read_text().replace("  output_shape: 1\n", ""),
                                     "params-only.yaml")
    assert cells(load_yaml("conv1: 1792\npool1: 0\ntotal: 79261"), only_params) == (
        {("conv1", "params"): "1792", ("pool1", "params"): "0", (None, "total_params"): "79261"}, [])


# A layer's name never decides how its answer is read (issue 10, item 6): the exercise's own
# names are looked up first, whatever the word.
NAMED = load_exercise_text((EXERCISES / "cnn-8x8x3.yaml").read_text().replace("name: conv1", "name: output")
                           .replace("name: pool1", "name: layers").replace("name: conv2", "name: params")
                           .replace("name: out,", "name: total,"), "named.yaml")


@pytest.mark.parametrize("source, found", [
    ("output: {output_shape: [6, 6, 64], params: 1792}\ntotal: {output_shape: 5, params: 2585}\ntotal_params: 79261",
     {("output", "output_shape"): "(6, 6, 64)", ("output", "params"): "1792", ("total", "output_shape"): "5",
      ("total", "params"): "2585", (None, "total_params"): "79261"}),
    ("layers: {output: {params: 1792}, params: {params: 8320}}",  # 'layers' holding layers: the container
     {("output", "params"): "1792", ("params", "params"): "8320"}),
    ("layers: {output_shape: 3x3x64, params: 0}", {("layers", "output_shape"): "3x3x64", ("layers", "params"): "0"}),
    ("output: {conv9: 6x6x64}", {("conv9", "output_shape"): "6x6x64"}),  # answers by layer, keyed by quantity
    ("total: 79261", {(None, "total_params"): "79261"}),  # a bare number under 'total' is the sum
    ("params.params: 8320\noutput.output_shape: 6x6x64",
     {("params", "params"): "8320", ("output", "output_shape"): "6x6x64"}),
])
def test_layer_names_that_are_words_of_the_vocabulary(source, found):
    assert cells(load_yaml(source), NAMED) == (found, [])


def test_parsing_a_students_cell_prints_no_python_warnings(recwarn):
    """Found by the long fuzz run: ast.parse warns about '\\c' and 1_a in student code."""
    import warnings
    from grader.readers.structured import load_python
    warnings.simplefilter("always")
    data = load_python("answers = {'conv1': '6x6x64 \\c', 'pool1': 1if 1 else 0}\n")
    assert data is not None and [str(w.message) for w in recwarn] == []
