"""Reading answers from notebooks (grader.readers.notebook, markdown, literals): a corpus of
students' notebooks in every answer style (tests/fixtures/notebooks, written by make.py),
checked through grader.values against the values a person reads in them."""
from __future__ import annotations

import json

import pytest

from grader.answers import Identity
from grader.errors import SubmissionError
from grader.exercise import load_exercise, load_exercise_text
from grader.readers.markdown import clean_cell, find_tables, table_rows, total_line
from grader.readers.vocabulary import role_of
from grader.readers.notebook import NOTHING_FOUND, read_notebook
from grader.values import parse_count, parse_shape

from .conftest import EXERCISES, ORIGIN, ROOT

NOTEBOOKS = ROOT / "tests" / "fixtures" / "notebooks"
SUMMARIES = ROOT / "tests" / "fixtures" / "summaries"
CNN = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
TORCH_CNN = load_exercise(SUMMARIES / "torchinfo-cnn.yaml")
WHO = Identity("s123")


def read(name: str, exercise=CNN):
    path = NOTEBOOKS / name
    return read_notebook(path.read_bytes(), f"tests/fixtures/notebooks/{name}", exercise, WHO)


def parsed(answers) -> dict:
    """Every answer as grader.values reads it: shapes as tuples, counts as ints."""
    return {key: parse_shape(raw.text).dims if key[1] == "output_shape" else parse_count(raw.text).value
            for key, raw in answers.values.items()}


def truth(exercise, *, summary: bool = False) -> dict:
    solution = exercise.solution
    out = {}
    for layer in solution.layers:
        out[(layer.name, "output_shape")] = tuple(layer.output_shape)
        out[(layer.name, "params")] = layer.params
    out[(None, "total_params")] = solution.total_params
    if summary:  # summaries also print the trainable split
        out[(None, "total_trainable_params")] = solution.trainable_params
        out[(None, "total_non_trainable_params")] = solution.non_trainable_params
    return out


# (fixture, exercise, source, answers differing from the truth, summary totals?)
CORPUS = [
    ("tagged-markdown.ipynb", CNN, "answers cell (Markdown table, cell 5)",
     {("conv1", "params"): 1728, (None, "total_params"): 79197}, False),
    ("tagged-yaml.ipynb", CNN, "answers cell (YAML, cell 3)", {}, False),
    ("tagged-python.ipynb", CNN, "answers cell (Python dict, cell 3)", {}, False),
    ("untagged-origin.ipynb", CNN, "Markdown table, cell 9",
     {("conv1", "output_shape"): (64, 6, 6), ("pool1", "output_shape"): (64, 3, 3),
      ("conv2", "output_shape"): (128, 3, 3), ("pool2", "output_shape"): (128, 1, 1)}, False),
    ("untagged-pipe-v4.0.ipynb", CNN, "Markdown table, cell 3", {}, False),
    ("summary-keras3.ipynb", CNN, "Keras 3 summary, cell 4", {}, True),
    ("summary-keras2.ipynb", CNN, "Keras 2 summary, cell 4", {}, True),
    ("summary-torchinfo.ipynb", TORCH_CNN, "torchinfo summary, cell 3", {}, True),
    ("error-outputs.ipynb", CNN, "answers cell (Markdown table, cell 5)", {}, False),
    ("two-tagged-cells.ipynb", CNN, "answers cell (Markdown table, cell 3; Markdown table, cell 4)", {}, False),
    ("v3.ipynb", CNN, "Markdown table, cell 3", {}, False),
]


@pytest.mark.parametrize("name, exercise, source, differences, summary", CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_reads_what_a_person_reads(name, exercise, source, differences, summary):
    answers = read(name, exercise)
    assert answers.errors == []
    assert answers.source == source
    assert parsed(answers) == {**truth(exercise, summary=summary), **differences}
    assert answers.submission == f"tests/fixtures/notebooks/{name}"
    assert answers.identity == WHO


# The raw text kept for grader.values: working included, Markdown decoration removed.
RAW = [
    ("tagged-markdown.ipynb", ("conv1", "params"), "3*3*3*64 = 1728", "cell 5, row 'conv1'"),
    ("tagged-markdown.ipynb", ("pool1", "output_shape"), "3 × 3 × 64", "cell 5, row 'pool1'"),
    ("tagged-markdown.ipynb", ("pool2", "params"), "-", "cell 5, row 'pool2'"),
    ("tagged-markdown.ipynb", (None, "total_params"), "79'197", "cell 5, row 'total'"),
    ("tagged-yaml.ipynb", ("out", "params"), "2.585", "cell 3, line 10 ('out.params')"),
    ("tagged-yaml.ipynb", ("conv2", "output_shape"), "(3, 3, 128)", "cell 3, line 5 ('conv2.output_shape')"),
    ("tagged-python.ipynb", ("conv1", "params"), "(3*3*3 + 1) * 64", "cell 3, line 4 ('conv1.params')"),
    ("tagged-python.ipynb", (None, "total_params"), "1_792 + 8_320 + 66_564 + 2_585", "cell 3, line 11 ('total')"),
    ("untagged-origin.ipynb", ("conv1", "output_shape"), "(8-(3-1))=6 -> 64x6x6", "cell 9, row 'conv2d1'"),
    ("untagged-origin.ipynb", ("conv1", "params"), "(3* 3* 3+1)* 64  =  1'792", "cell 9, row 'conv2d1'"),
    ("untagged-origin.ipynb", (None, "total_params"), "1'792 + 8'320 + 66'564 + 2'585 = 79'261",
     "cell 9, line 19"),
    ("untagged-pipe-v4.0.ipynb", ("conv1", "params"), "1792", "cell 3, row 'Conv1'"),
    ("untagged-pipe-v4.0.ipynb", (None, "total_params"), "79,261", "cell 3, line 11"),
    ("summary-keras2.ipynb", ("pool1", "output_shape"), "(3, 3, 64)",
     "cell 4, Keras 2 summary, row 'max_pooling2d_17'"),
    ("summary-keras3.ipynb", ("fc", "params"), "66,564", "cell 4, Keras 3 summary, row 'fc'"),
    ("summary-torchinfo.ipynb", ("pool1", "params"), "--", "cell 3, torchinfo summary, row 'MaxPool2d'"),
    ("summary-torchinfo.ipynb", ("conv1", "output_shape"), "[64, 6, 6]", "cell 3, torchinfo summary, row 'Conv2d'"),
]


@pytest.mark.parametrize("name, key, text, where", RAW)
def test_raw_text_and_place(name, key, text, where):
    exercise = TORCH_CNN if "torchinfo" in name else CNN
    raw = read(name, exercise).values[key]
    assert (raw.text, raw.where) == (text, where)


def test_the_origin_notebook_takes_the_students_table_and_says_so():
    answers = read("untagged-origin.ipynb")
    assert answers.notes == ["answer tables in cells 3, 4 were not read: the last one (cell 9) was"]


def test_the_untouched_notebook_is_an_error_saying_what_was_looked_for():
    answers = read("untouched.ipynb")
    assert answers.values == {}
    assert answers.errors == ["cell 3 (tagged 'answers'): the answers table is empty: fill in its cells",
                              NOTHING_FOUND]


BAD_FILES = [
    ("truncated.ipynb", r"^tests/fixtures/notebooks/truncated.ipynb:\d+: the notebook's JSON stops too early"),
    ("not-json.ipynb", r"^tests/fixtures/notebooks/not-json.ipynb:1: is not JSON"),
    ("not-a-notebook.ipynb", r"^tests/fixtures/notebooks/not-a-notebook.ipynb: is JSON but not a Jupyter "
                             r"notebook: it is an object without 'cells'$"),
    ("broken-json.ipynb", r"^tests/fixtures/notebooks/broken-json.ipynb:\d+: the notebook's JSON is broken: "
                          r"Expecting ',' delimiter"),
]


@pytest.mark.parametrize("name, message", BAD_FILES)
def test_unreadable_files_raise_one_located_message(name, message):
    with pytest.raises(SubmissionError, match=message) as info:
        read(name)
    if "JSON" in message and "not a Jupyter" not in message:
        assert info.value.line is not None


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe\xfa\x00garbage", "is not a text file"),
    (b'{"nbformat": 2, "cells": []}', "nbformat 2, too old"),
    (b'{"nbformat": 4, "cells": {"a": 1}}', "'cells' is not a list"),
    (b'"just a string"', "it is a string without 'cells'"),
    (b"[" * 100_000, "nested too deeply|JSON"),
])
def test_more_unreadable_inputs(data, message):
    with pytest.raises(SubmissionError, match=message):
        read_notebook(data, "x.ipynb", CNN, WHO)


# -- inline notebooks -------------------------------------------------------------------------

def notebook(*cells) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}).encode()


def md(source, tags=None):
    return {"cell_type": "markdown", "metadata": {"tags": tags} if tags else {}, "source": source}


def code(source, tags=None, outputs=()):
    return {"cell_type": "code", "metadata": {"tags": tags} if tags else {}, "source": source,
            "outputs": list(outputs), "execution_count": None}


def test_a_broken_tagged_cell_falls_back_to_a_summary_and_notes_why():
    summary = json.loads((SUMMARIES / "keras3-cnn-8x8x3.ipynb").read_text())["cells"][-1]["outputs"]
    answers = read_notebook(notebook(code("answers = {'conv1': ", ["answers"]), code("model.summary()",
                                                                                    outputs=summary)),
                            "x.ipynb", CNN, WHO)
    assert answers.source == "Keras 3 summary, cell 2"
    assert answers.notes == ["cell 1 (tagged 'answers'), line 1: Python syntax error: '{' was never closed"]
    assert parsed(answers) == truth(CNN, summary=True)


def test_tags_are_read_case_blind_and_a_second_answer_is_noted():
    answers = read_notebook(notebook(md("| layer | params |\n|--|--|\n| conv1 | 1792 |", ["Answers"]),
                                     md("| layer | params |\n|--|--|\n| conv1 | 1728 |", ["answers"])),
                            "x.ipynb", CNN, WHO)
    assert answers.values[("conv1", "params")].text == "1792"
    assert ("params of conv1 is answered twice (cell 1, row 'conv1': '1792'; "
            "cell 2, row 'conv1': '1728'); the first was graded") in answers.notes


def test_untagged_python_or_yaml_is_not_an_answer():
    answers = read_notebook(notebook(code("answers = {'conv1': {'params': 1792}}"), md("conv1: {params: 1}")),
                            "x.ipynb", CNN, WHO)
    assert answers.errors == [NOTHING_FOUND]


def test_yaml_in_a_fenced_block_of_a_tagged_markdown_cell():
    answers = read_notebook(notebook(md("My answers:\n\n```yaml\nconv1:\n  params: 1,792\ntotal: 79261\n```",
                                        ["answers"])), "x.ipynb", CNN, WHO)
    assert {k: v.text for k, v in answers.values.items()} == {("conv1", "params"): "1,792",
                                                              (None, "total_params"): "79261"}
    assert answers.source == "answers cell (YAML, cell 1)"


def test_the_answers_dict_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    source = f"answers = {{'conv1': {{'params': __import__('pathlib').Path({str(marker)!r}).touch()}}}}"
    answers = read_notebook(notebook(code(source, ["answers"])), "x.ipynb", CNN, WHO)
    assert not marker.exists()
    assert answers.values[("conv1", "params")].text.startswith("__import__('pathlib')")


# -- tables, cells and totals -----------------------------------------------------------------

@pytest.mark.parametrize("header, role", [
    ("Layer (type)", "layer"), ("name", "layer"), ("Layer name", "layer"), ("#", "index"), ("", "index"),
    ("Output Shape", "output_shape"), ("size", "output_shape"), ("**output shape**", "output_shape"),
    ("Param #", "params"), ("# params", "params"), ("parameters", "params"), ("Number of parameters", "params"),
    ("Trainable", "trainable_params"), ("Non-trainable params", "non_trainable_params"), ("MACs", "macs"),
    ("type", "type"), ("kernel size", None), ("formula", None), ("input shape", None),
])
def test_column_roles(header, role):
    assert role_of(header) == role


@pytest.mark.parametrize("cell, text", [
    ("**1792**", "1792"), ("`6x6x64`", "6x6x64"), ("(3\\*3\\*3 + 1) \\* 64", "(3*3*3 + 1) * 64"),
    ("1792<br>", "1792"), ("6&times;6&times;64", "6×6×64"), ("_0_", "0"),
    ("832 ((shape of width of the filter * shape of height of the filter+1) * number of filters)", "832"),
    ("(None, 6, 6, 64)", "(None, 6, 6, 64)"), ("6x6x64 (same padding)", "6x6x64"), ("(6, 6, 64)", "(6, 6, 64)"),
])
def test_clean_cell(cell, text):
    assert clean_cell(cell) == text


@pytest.mark.parametrize("line, total", [
    ("Total: 79,261", "79,261"), ("**Total params:** 79,261", "79,261"), ("Total params: 79,261 (309.61 KB)", "79,261"),
    ("total = 1792 + 8320 + 66564 + 2585 = 79261", "1792 + 8320 + 66564 + 2585 = 79261"),
    ("So in your network, you have a total of 832 + 9'248 + 205'056 + 2'570 = 217'706 learnable parameters.",
     "832 + 9'248 + 205'056 + 2'570 = 217'706"),
    ("The model has 79261 parameters in total.", "79261"),
    ("conv1 has (3*3*3+1)*64 = 1792 parameters", None), ("| Total | | 79,261 |", None), ("Totally fine.", None),
])
def test_total_lines(line, total):
    assert total_line(line) == total


def test_dash_and_aligned_tables_of_the_origin_notebook():
    text = ORIGIN.read_text(encoding="utf-8")
    tables = [t for t in find_tables(text) if t.answers_something()]
    assert [(t.style, t.header, len(t.rows)) for t in tables[:2]] == [
        ("aligned", ["name", "size"], 7), ("dash", ["name", "size", "parameters"], 7)]
    rows = table_rows(tables[1], "cell 1")
    assert [(r.label, r.cells["output_shape"].text, r.cells["params"].text) for r in rows][1:3] == [
        ("conv2d1", "(28-(5-1))=24 -> 32x24x24", "(5* 5* 1+1)* 32   =     832"), ("maxpool1", "32x12x12", "0")]


def test_a_variant_exercise_reads_its_own_layer_names():
    exercise = load_exercise_text("id: v\ninput_shape: [4]\nlayers:\n  - {type: Dense, units: 3}\n"
                                  "  - {type: Dense, units: 2}\n")
    answers = read_notebook(notebook(md("| layer | params |\n|--|--|\n| dense_1 | 8 |\n| dense | 15 |",
                                        ["answers"])), "x.ipynb", exercise, WHO)
    assert {k: v.text for k, v in answers.values.items()} == {("dense_1", "params"): "8",
                                                              ("dense", "params"): "15"}


# -- stream outputs printed a line at a time (Keras 2.7+ flushes each line) -------------

def _stream(name: str, text) -> dict:
    return {"output_type": "stream", "name": name, "text": text}


@pytest.mark.parametrize("outputs, joined_texts", [
    ([_stream("stdout", "a\n"), _stream("stdout", ["b\n", "c\n"])], ["a\nb\nc\n"]),
    ([_stream("stdout", "a\n"), _stream("stderr", "w\n"), _stream("stdout", "b\n")], ["a\n", "w\n", "b\n"]),
    ([_stream("stdout", "a\n"), {"output_type": "display_data", "data": {}}, _stream("stdout", "b\n")],
     ["a\n", None, "b\n"]),
    ([], []),
])
def test_consecutive_streams_of_one_name_are_joined(outputs, joined_texts):
    from grader.readers.notebook import _joined_streams
    assert [o.get("text") if o["output_type"] == "stream" else None for o in _joined_streams(outputs)] == joined_texts


# -- a summary printed beside written answers (issue 11: the written answer is graded, a note
# says where the summary differs) -------------------------------------------------------------

def _outputs(fixture: str) -> list:
    return json.loads((SUMMARIES / fixture).read_text(encoding="utf-8"))["cells"][-1]["outputs"]


def _answers_table(changes: dict) -> str:
    rows = ["| layer | output shape | params |", "|---|---|---|"]
    for layer in CNN.solution.layers:
        shape = changes.get((layer.name, "output_shape"), "x".join(map(str, layer.output_shape)))
        rows.append(f"| {layer.name} | {shape} | {changes.get((layer.name, 'params'), f'{layer.params:,}')} |")
    rows.append(f"| total | | {changes.get((None, 'total_params'), CNN.solution.total_params)} |")
    return "\n".join(rows)


def _beside_summary(changes: dict, fixture: str = "keras3-cnn-8x8x3.ipynb") -> bytes:
    return notebook(code("model.summary()", outputs=_outputs(fixture)), md(_answers_table(changes), ["answers"]))


@pytest.mark.parametrize("changes, notes", [
    ({}, []),
    # the same values in other spellings and layouts agree
    ({("conv1", "output_shape"): "64x6x6", ("conv2", "output_shape"): "(None, 3, 3, 128)",
      ("conv1", "params"): "(3*3*3 + 1)*64 = 1792", ("fc", "params"): "66564", (None, "total_params"): "79'261"}, []),
    # a wrong layer answer beside a summary whose total is right (the total copied from it)
    ({("conv2", "output_shape"): "3x3x64"},
     ["output_shape of conv2: your answer '3x3x64' (cell 2, row 'conv2') differs from the summary printed in "
      "cell 1 ('(3, 3, 128)'); your answer was graded"]),
    ({("conv1", "params"): "1728"},
     ["params of conv1: your answer '1728' (cell 2, row 'conv1') differs from the summary printed in cell 1 "
      "('1,792'); your answer was graded"]),
    ({("pool2", "params"): "0", ("flatten", "params"): "128"},
     ["params of flatten: your answer '128' (cell 2, row 'flatten') differs from the summary printed in cell 1 "
      "('0'); your answer was graded"]),
    ({(None, "total_params"): "79,197"},
     ["total_params of the model: your answer '79,197' (cell 2, row 'total') differs from the summary printed in "
      "cell 1 ('79,261'); your answer was graded"]),
])
def test_a_summary_printed_beside_the_answers_is_compared_row_by_row(changes, notes):
    answers = read_notebook(_beside_summary(changes), "x.ipynb", CNN, WHO)
    assert answers.source == "answers cell (Markdown table, cell 2)"
    assert answers.notes == notes


def _printed_numbers(fixture: str) -> set[str]:
    """The numbers in the output that holds the summary's table (Keras 3 shows its totals apart)."""
    import re
    from grader.readers.notebook import output_text
    table = [out for out in _outputs(fixture) if "Param #" in "".join(out["data"]["text/plain"])]
    return set(re.findall(r"[0-9][0-9,]*", output_text(table)))


WRONG = [((layer.name, "output_shape"), wrong) for layer in CNN.solution.layers
         for wrong in ("3x3x64", "7x7x64", "64x6x6x1", "1", "516")] + \
        [((layer.name, "params"), wrong) for layer in CNN.solution.layers
         for wrong in ("0", "1728", "1,792", "66048", "2,585", "79261", "8")]


@pytest.mark.parametrize("key, wrong", WRONG, ids=[f"{k[0]}.{k[1]}={w}" for k, w in WRONG])
def test_reading_the_summary_only_when_it_could_differ_hides_no_difference(key, wrong):
    """The cheap test before reading the summary (_may_differ) gives the notes of a full
    comparison, but for a count of four digits or more that the summary prints: taken as
    copied from it (the student's own summary says so)."""
    from grader.readers.notebook import compare_with_summary, notebook_cells
    data = _beside_summary({key: wrong})
    answers = read_notebook(data, "x.ipynb", CNN, WHO)
    cells = notebook_cells(json.loads(data), "x.ipynb")
    full = compare_with_summary(answers.values, cells[0], CNN)
    digits = wrong.replace(",", "")
    copied = key[1] == "params" and len(digits) >= 4 and (f"{int(digits):,}" in _printed_numbers(
        "keras3-cnn-8x8x3.ipynb"))
    assert answers.notes == ([] if copied else full)
    right = CNN.solution.by_name[key[0]]
    is_right = parse_count(wrong).value == right.params if key[1] == "params" else \
        sorted(parse_shape(wrong).dims) == sorted(right.output_shape)
    assert bool(full) != is_right  # every wrong answer differs from this summary of the exercise's model


def test_a_summary_of_another_model_is_compared_whatever_its_answers():
    answers = read_notebook(_beside_summary({}, "keras2-origin-28x28.ipynb"), "x.ipynb", CNN, WHO)
    assert answers.source == "answers cell (Markdown table, cell 2)"
    assert len(answers.notes) >= 7 and all("differs from the summary printed in cell 1" in n for n in answers.notes)


def test_a_count_of_thousands_of_digits_beside_a_summary_is_compared_not_converted():
    answers = read_notebook(_beside_summary({("out", "params"): "9" * 5000}), "x.ipynb", CNN, WHO)
    assert len(answers.notes) == 1 and answers.notes[0].startswith("params of out: your answer '999")
