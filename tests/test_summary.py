"""Printed model summaries (grader.readers.summary) against golden notebooks produced by the
real tools in a Jupyter kernel (tests/fixtures/summaries/generate.py): Keras 3, torchinfo, torchsummary
and TensorFlow's Keras 2.6 (cells cut short; the origin notebook's rows), 2.8 (cells wrapped,
totals with commas) and 2.15 (wrapped, totals with memory sizes)."""
from __future__ import annotations

import json
import re

import pytest

from grader.answers import Identity
from grader.exercise import load_exercise, load_exercise_text
from grader.readers.notebook import output_text, read_notebook
from grader.readers.summary import KERAS2, KERAS3, TORCHINFO, TORCHSUMMARY, complete_type, find_summaries, plain_text, \
    without_batch
from grader.values import parse_count, parse_shape

from .conftest import ROOT

SUMMARIES = ROOT / "tests" / "fixtures" / "summaries"
WHO = Identity("s1")

KERAS2_FIXTURES = [f"keras2-{minor}-{case}" for minor in (6, 8, 15)
                   for case in ("cnn-8x8x3", "long-names", "functional")]
FIXTURES = [  # fixture, style
    ("keras2-origin-28x28", KERAS2), ("keras2-origin-8x8x3", KERAS2),
    *[(name, KERAS2) for name in KERAS2_FIXTURES],
    ("keras3-cnn-8x8x3", KERAS3), ("keras3-long-names", KERAS3), ("keras3-functional", KERAS3),
    ("keras3-text-variable-length", KERAS3),  # (None, None, 64): a sequence of any length
    ("torchinfo-cnn", TORCHINFO), ("torchinfo-columns", TORCHINFO), ("torchinfo-nested", TORCHINFO),
    ("torchsummary-cnn", TORCHSUMMARY), ("torchsummary-lenet5", TORCHSUMMARY),
]


def fixture(name: str) -> dict:
    return json.loads((SUMMARIES / f"{name}.ipynb").read_text(encoding="utf-8"))


def printed(nb: dict) -> str:
    """The text of every code cell's outputs, as the reader sees it."""
    return "\n".join(output_text(cell.get("outputs", [])) for cell in nb["cells"] if cell["cell_type"] == "code")


def exercise_of(nb: dict):
    return load_exercise(ROOT / nb["metadata"]["grader_fixture"]["exercise"])


def parsed(answers, exercise) -> dict:
    """The rows read as grading reads them: a shape with the true rank, which keeps an
    unknown length ((None, None, 64) is (None, 64)) apart from the batch."""
    return {key: parse_shape(raw.text, len(exercise.solution.layer(key[0]).output_shape)).dims
            if key[1] == "output_shape" else parse_count(raw.text).value
            for key, raw in answers.values.items()}


def truth(exercise) -> dict:
    solution = exercise.solution
    out = {(None, "total_params"): solution.total_params,
           (None, "total_trainable_params"): solution.trainable_params,
           (None, "total_non_trainable_params"): solution.non_trainable_params}
    for layer in solution.layers:
        out[(layer.name, "output_shape")] = tuple(layer.output_shape)
        out[(layer.name, "params")] = layer.params
    return out


def read_bytes(data: bytes, exercise):
    return read_notebook(data, "summary.ipynb", exercise, WHO)


@pytest.mark.parametrize("name, style", FIXTURES)
def test_a_real_summary_reads_back_as_the_exercise_solution(name, style):
    nb = fixture(name)
    exercise = exercise_of(nb)
    answers = read_bytes(json.dumps(nb).encode(), exercise)
    assert answers.source.startswith(f"{style} summary, cell ")
    assert (answers.errors, answers.notes) == ([], [])
    assert parsed(answers, exercise) == truth(exercise)


@pytest.mark.parametrize("name, style", FIXTURES)
def test_the_parameter_column_adds_up_to_the_printed_total(name, style):
    """torchinfo's own golden-test invariant, on the rows as read."""
    [summary] = find_summaries(printed(fixture(name)), "cell 1")
    assert summary.style == style
    total = sum(parse_count(row.cells["params"].text).value for row in summary.rows)
    assert total == parse_count(summary.totals["total_params"].text).value


def test_the_fixtures_hold_what_they_claim():
    """Colour codes, wrapped and cut long names, cut class names and nesting are really in them."""
    keras3 = json.dumps(fixture("keras3-long-names"))
    assert "\\u001b[" in keras3 and "first_convolution_with_a_long_\\u2026" in keras3
    assert "max_pooling2d_5 (MaxPooling2 (None, 12, 12, 32)" in printed(fixture("keras2-origin-28x28"))
    assert "max_pooling2d_17 (MaxPooling (None, 3, 3, 64)" in printed(fixture("keras2-origin-8x8x3"))
    assert "\nfirst_convolution_with_a_lon (None, 16, 16, 16)" in printed(fixture("keras2-6-long-names"))
    assert " first_convolution_with_a_lo  (None, 16, 16, 16)       448       \n" \
           " ng_descriptive_name (Conv2D" in printed(fixture("keras2-8-long-names"))
    assert " global_average_pooling2d (  (None, 32)                0         \n" \
           " GlobalAveragePooling2D)" in printed(fixture("keras2-15-long-names"))
    assert "\nTotal params: 79,261\n" in printed(fixture("keras2-8-cnn-8x8x3"))
    assert "\nTotal params: 79261 (309.61 KB)\n" in printed(fixture("keras2-15-cnn-8x8x3"))
    assert "\\u2502    \\u2514\\u2500Conv2d: 2-1" in json.dumps(fixture("torchinfo-nested"))


def test_html_only_outputs_are_read_too():
    nb = fixture("keras3-cnn-8x8x3")
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop("text/plain", None)
    exercise = exercise_of(nb)
    assert parsed(read_bytes(json.dumps(nb).encode(), exercise), exercise) == truth(exercise)


def test_older_keras3_tables_without_row_rules():
    nb = fixture("keras3-long-names")
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if "text/plain" in out.get("data", {}):
                text = "".join(out["data"]["text/plain"])
                out["data"]["text/plain"] = "\n".join(line for line in text.split("\n") if not line.startswith("├"))
    exercise = exercise_of(nb)
    assert parsed(read_bytes(json.dumps(nb).encode(), exercise), exercise) == truth(exercise)


def test_rows_are_matched_by_order_and_kind_not_by_keras_names():
    """A summary with ReLU rows the exercise does not have: the extra rows are noted, the
    others still land on their layers."""
    nb = fixture("torchinfo-cnn")
    text = (SUMMARIES / "torchinfo-cnn.yaml").read_text().replace(
        "  - {type: ReLU, name: relu1}\n", "").replace("name: conv1", "name: relu_and_conv")
    exercise = load_exercise_text(text, "no-relu.yaml")
    answers = read_bytes(json.dumps(nb).encode(), exercise)
    assert answers.values[("relu_and_conv", "params")].text == "1,792"
    assert answers.values[("pool1", "output_shape")].text == "[64, 3, 3]"
    assert answers.notes == ["row 'ReLU' matches no layer of the exercise and was not graded"]


def test_a_summary_of_a_model_missing_a_layer():
    nb = fixture("keras3-cnn-8x8x3")
    exercise = load_exercise_text((ROOT / "exercises" / "cnn-8x8x3.yaml").read_text().replace(
        "  - {type: Flatten, name: flatten}\n", "  - {type: Flatten, name: flatten}\n"
        "  - {type: Dropout, name: drop, rate: 0.5}\n"), "with-dropout.yaml")
    answers = read_bytes(json.dumps(nb).encode(), exercise)
    assert answers.notes == ["no row for layer drop"]
    assert answers.values[("fc", "params")].text == "66,564"


@pytest.mark.parametrize("name", [n for n in KERAS2_FIXTURES if n.endswith("-functional")])
def test_keras2_functional_rows_with_connections(name):
    """A "Connected to" column, InputLayer rows, and Concatenate's second input on a line of its own."""
    nb = fixture(name)
    lines = [line.strip() for line in printed(nb).split("\n")]
    assert "Connected to" in printed(nb) and ("meta_dense[0][0]" in lines or "'meta_dense[0][0]']" in lines)
    [summary] = find_summaries(printed(nb), "cell 2")
    assert [(r.label, r.type, r.cells["output_shape"].text, r.cells["params"].text) for r in summary.rows] == [
        ("image", "InputLayer", "(8, 8, 1)", "0"), ("conv", "Conv2D", "(6, 6, 8)", "80"),
        ("meta", "InputLayer", "4", "0"), ("flat", "Flatten", "288", "0"), ("meta_dense", "Dense", "6", "30"),
        ("joined", "Concatenate", "294", "0"), ("out", "Dense", "3", "885")]


@pytest.mark.parametrize("name", ["keras2-8-cnn-8x8x3-by-line", "keras2-15-cnn-8x8x3-by-line"])
def test_keras2_printed_line_by_line_reads_the_same(name):
    """Keras 2.7+ flushes each line: executed by nbclient, papermill or nbconvert --execute, a
    notebook holds one stream output per line; Jupyter's front ends save one per cell."""
    nb = fixture(name)
    assert len(nb["cells"][-1]["outputs"]) > 20
    exercise = exercise_of(nb)
    assert parsed(read_bytes(json.dumps(nb).encode(), exercise), exercise) == truth(exercise)


def test_two_summaries_in_one_output_the_last_counts():
    text = plain_text("".join(fixture("keras2-origin-28x28")["cells"][-1]["outputs"][0]["text"]) +
                      "".join(fixture("keras2-origin-8x8x3")["cells"][-1]["outputs"][0]["text"]))
    first, second = find_summaries(text, "cell 1")
    assert (first.totals["total_params"].text, second.totals["total_params"].text) == ("217,706", "79,261")


@pytest.mark.parametrize("printed, shape", [
    ("(None, 6, 6, 64)", "(6, 6, 64)"), ("[1, 64, 6, 6]", "[64, 6, 6]"), ("[(None, 8, 8, 3)]", "(8, 8, 3)"),
    ("(None, 128)", "128"), ("[32, 10]", "10"), ("multiple", "multiple"), ("--", "--"),
    ("[(None, 4), (None, 4)]", "[(None, 4), (None, 4)]"),
])
def test_the_batch_dimension_is_removed(printed, shape):
    assert without_batch(printed) == shape


@pytest.mark.parametrize("cut, full", [
    ("MaxPooling2", "MaxPooling2D"), ("MaxPooling", "MaxPooling1D"), ("Conv2D", "Conv2D"),
    ("BatchNormaliz", "BatchNormalization"), ("GlobalAveragePooling2…", "GlobalAveragePooling2D"),
    ("Sequential", "Sequential"),
])
def test_cut_class_names_are_completed(cut, full):
    assert complete_type(cut) == full


def test_ansi_and_html_are_stripped():
    assert plain_text("\x1b[1m Total params: \x1b[0m\x1b[38;5;34m4,677\x1b[0m (18.27 KB)\r\n") == \
        " Total params: 4,677 (18.27 KB)\n"
    assert plain_text('<pre><span style="x">1,792</span> &amp; &lt;b&gt;</pre>', is_html=True) == "1,792 & <b>"


def test_no_summary_in_ordinary_output():
    assert find_summaries("Layer 3 has Param count 5\nEpoch 1/10 loss 0.3", "cell 1") == []
    assert re.search("Param", output_text([{"output_type": "error", "traceback": ["Layer (type) Param #"]}])) is None
