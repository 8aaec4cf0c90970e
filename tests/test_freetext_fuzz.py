"""Property tests of the readers added for issue 11 (free text, HTML and transposed tables,
DataFrames, printed lines, structured answers): whatever text a cell holds, reading gives
Answers with the exercise's keys or a SubmissionError, never another exception.

Examples per test come from GRADER_FUZZ_EXAMPLES (default 200); a long run:
GRADER_FUZZ_EXAMPLES=100000 python -m pytest tests/test_freetext_fuzz.py
"""
from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.answers import Identity
from grader.exercise import QUANTITIES, load_exercise
from grader.readers import freetext, markdown, written
from grader.readers.notebook import read_notebook
from grader.readers.structured import StructureProblem, load_python, load_yaml, walk
from grader.readers.vocabulary import lookup_of

from .conftest import EXERCISES

CNN = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
WHO = Identity("fuzz")
FUZZ = settings(max_examples=int(os.environ.get("GRADER_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=list(HealthCheck))

TOKENS = st.sampled_from([
    "conv1", "pool1", "fc", "out", "total", "Total params", "output", "shape", "params", "parameters", "Param #",
    "Layer", ":", "->", "→", "=", "|", ",", ";", " ", "  ", "\n", "- ", "1. ", "### ", "**", "`", "(", ")", "[", "]",
    "6x6x64", "(6, 6, 64)", "[3 3 128]", "6@28×28", "torch.Size([1, 64, 6, 6])", "1792", "1,792", "1.792e3",
    "~79k", "None", "-1", "0", "\\text{conv1}", "\\times", "\\\\", "&", "$$", "\\begin{aligned}", "<table>", "<tr>",
    "<td>", "</td>", "<th>", "</tr>", "</table>", "# ", "print(", "'", '"', "Output shape", "H", "W", "C",
    "and has", "outputs", "with", "✔️", "é", "\t", "0" * 40,
])
TEXT = st.lists(TOKENS | st.text(max_size=6), max_size=60).map("".join)
KIND = st.sampled_from(["markdown", "raw", "code", "output"])


def cell(kind: str, text: str, tagged: bool) -> dict:
    meta = {"tags": ["answers"]} if tagged else {}
    if kind == "output":
        return {"cell_type": "code", "metadata": meta, "source": "print(answers)", "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": text},
                            {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                             "data": {"text/plain": text, "text/html": text}}]}
    out = {"cell_type": kind, "metadata": meta, "source": text}
    if kind == "code":
        out.update(outputs=[], execution_count=None)
    return out


@FUZZ
@given(st.lists(st.tuples(KIND, TEXT, st.booleans()), min_size=1, max_size=5))
def test_any_cells_give_answers_with_the_exercises_keys(cells):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell(*c) for c in cells]}
    answers = read_notebook(json.dumps(nb).encode(), "fuzz.ipynb", CNN, WHO)
    for (layer, quantity), raw in answers.values.items():
        assert quantity in QUANTITIES and (layer is None or layer in CNN.layer_names)
        assert isinstance(raw.text, str) and isinstance(raw.where, str)
    assert answers.values or answers.errors


@FUZZ
@given(TEXT)
def test_text_readers_never_raise(text):
    lookup = lookup_of(CNN)
    for statement in freetext.statements(text, lookup):
        assert statement.cells and all(isinstance(v, str) for v in statement.cells.values())
    freetext.from_latex(text)
    freetext.from_comments(text)
    for table in markdown.html_tables(text) + markdown.find_tables(text):
        markdown.table_rows(table, "cell 1", lenient=True)
        markdown.transposed_rows(table, "cell 1")
    written.dataframe_table(text)


@FUZZ
@given(TEXT)
def test_structured_loaders_raise_only_structure_problems(text):
    for load in (load_yaml, load_python):
        try:
            tree = load(text)
        except StructureProblem as exc:
            assert exc.message and "\n" not in exc.message
        else:
            walk(tree, CNN, "cell 1")
