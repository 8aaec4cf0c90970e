"""Property tests of the notebook reader: whatever bytes arrive, read_notebook returns
Answers or raises SubmissionError (one located message), never anything else.

Examples per test come from GRADER_FUZZ_EXAMPLES (default 200, about 20 s in all on CI);
a long run: GRADER_FUZZ_EXAMPLES=100000 python -m pytest tests/test_notebook_fuzz.py
"""
from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.answers import Answers, Identity
from grader.errors import SubmissionError
from grader.exercise import QUANTITIES, load_exercise
from grader.readers.notebook import read_notebook

from .conftest import EXERCISES, ROOT

CNN = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
WHO = Identity("fuzz")
CORPUS = [p.read_bytes() for p in sorted((ROOT / "tests" / "fixtures" / "notebooks").glob("*.ipynb"))] + \
         [p.read_bytes() for p in sorted((ROOT / "tests" / "fixtures" / "summaries").glob("*.ipynb"))]
FUZZ = settings(max_examples=int(os.environ.get("GRADER_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=list(HealthCheck))


def check(data: bytes) -> Answers | None:
    try:
        answers = read_notebook(data, "fuzz.ipynb", CNN, WHO)
    except SubmissionError as exc:
        assert str(exc).startswith("fuzz.ipynb") and "\n" not in exc.message
        return None
    assert isinstance(answers, Answers)
    for (layer, quantity), raw in answers.values.items():
        assert quantity in QUANTITIES and (layer is None or layer in CNN.layer_names)
        assert isinstance(raw.text, str) and isinstance(raw.where, str)
    assert answers.values or answers.errors
    return answers


# -- mutated and truncated real notebooks -----------------------------------------------------

EDIT = st.tuples(st.sampled_from(["delete", "insert", "replace", "truncate"]), st.floats(0, 1),
                 st.binary(max_size=8) | st.sampled_from([b'"', b"{", b"]", b",", b"\\", b"\xff", b"null", b"[]"]))


@FUZZ
@given(st.sampled_from(CORPUS), st.lists(EDIT, max_size=4))
def test_mutated_notebooks(original, edits):
    data = bytearray(original)
    for op, where, chunk in edits:
        at = int(where * len(data))
        if op == "delete":
            del data[at:at + len(chunk) + 1]
        elif op == "insert":
            data[at:at] = chunk
        elif op == "replace":
            data[at:at + len(chunk)] = chunk
        else:
            del data[at:]
    check(bytes(data))


# -- random structure inside a notebook's skeleton ----------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
TEXT = st.text(alphabet=st.sampled_from(list("| -*#:()x×=,.'_0123456789\n\t┃│━┏┡├└abcLayerParmsOutShpe\x1b[")),
               max_size=200)
SOURCE = TEXT | st.lists(TEXT, max_size=4) | JSON
OUTPUT = st.fixed_dictionaries({
    "output_type": st.sampled_from(["stream", "execute_result", "display_data", "error", "pyout"]) | JSON,
    "text": SOURCE, "name": st.sampled_from(["stdout", "stderr"]),
    "data": st.fixed_dictionaries({"text/plain": SOURCE, "text/html": SOURCE}) | JSON,
    "traceback": st.lists(TEXT, max_size=2)})
CELL = st.fixed_dictionaries({
    "cell_type": st.sampled_from(["code", "markdown", "raw", "heading"]) | JSON,
    "source": SOURCE,
    "metadata": st.fixed_dictionaries({"tags": st.lists(st.sampled_from(["answers", "Answers", "x"]), max_size=2)
                                       | JSON}) | JSON,
    "outputs": st.lists(OUTPUT, max_size=3) | JSON})


@FUZZ
@given(st.lists(CELL | JSON, max_size=6), st.sampled_from([3, 4, 5, None, "4"]), st.booleans())
def test_random_cells(cells, version, as_v3):
    nb = {"nbformat": version, "nbformat_minor": 5, "metadata": {}}
    if as_v3:
        nb["worksheets"] = [{"cells": [dict(c, input=c.get("source")) if isinstance(c, dict) else c
                                       for c in cells]}]
    else:
        nb["cells"] = cells
    check(json.dumps(nb).encode())


# -- random tables ------------------------------------------------------------------------------

HEADERS = st.sampled_from(["layer", "name", "Layer (type)", "output shape", "shape", "size", "params",
                           "Param #", "parameters", "#", "", "type", "trainable", "MACs", "notes"])
CELL_TEXT = st.text(alphabet=st.sampled_from(list("0123456789x ,()+*=")), min_size=1, max_size=12).filter(
    lambda t: t.strip() and not (t.strip()[0] == t.strip()[-1] == "*"))  # *0* renders as an italic 0


@FUZZ
@given(st.lists(HEADERS, min_size=1, max_size=5), st.lists(st.lists(TEXT, max_size=5), max_size=9),
       st.sampled_from([" | ", " - ", "   "]), st.booleans())
def test_random_tables(header, rows, separator, tagged):
    lines = [separator.join(header), separator.join("---" for _ in header)]
    lines += [separator.join(cell.replace("\n", " ") for cell in row) for row in rows]
    cell = {"cell_type": "markdown", "metadata": {"tags": ["answers"]} if tagged else {},
            "source": "\n".join(lines)}
    check(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}).encode())


@FUZZ
@given(st.lists(st.tuples(CELL_TEXT, CELL_TEXT), min_size=len(CNN.layers), max_size=len(CNN.layers)))
def test_a_filled_answers_table_reads_back_cell_for_cell(cells):
    """Round trip: what a student types in a table cell is what grader.values gets."""
    lines = ["| layer | output shape | params |", "|---|---|---|"]
    lines += [f"| {name} | {shape} | {params} |" for name, (shape, params) in zip(CNN.layer_names, cells)]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "markdown", "metadata": {"tags": ["answers"]}, "source": "\n".join(lines)}]}
    answers = check(json.dumps(nb).encode())
    assert {k: v.text for k, v in answers.values.items()} == {
        **{(n, "output_shape"): s.strip() for n, (s, _) in zip(CNN.layer_names, cells)},
        **{(n, "params"): p.strip() for n, (_, p) in zip(CNN.layer_names, cells)}}
