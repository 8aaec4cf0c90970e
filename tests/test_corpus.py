"""The reading corpus (issue 11): submissions written the way students write outside a
template - lists, sentences, headings, LaTeX, HTML and transposed tables, comments, printed
lines, DataFrames, summaries pasted or printed by torchsummary, numbers with exponents,
batch dimensions, default Keras names, answers for another exercise - each read and compared
with the values a teacher reads in it (tests/fixtures/corpus/expected.json, written by hand
through tests/fixtures/corpus/make.py, never by grader)."""
from __future__ import annotations

import json

import pytest

from grader.errors import AnswerFormatError
from grader.exercise import load_exercise
from grader.readers import read_path
from grader.values import parse_count, parse_shape

from .conftest import EXERCISES, ROOT

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
EXERCISE = {name: load_exercise(EXERCISES / f"{name}.yaml") for name in {e["exercise"] for e in EXPECTED.values()}}


def test_the_corpus_is_large_enough():
    assert len(EXPECTED) >= 120


def value_read(quantity: str, text: str, expected):
    """What grader.values reads, given the true rank (as the parsing stage passes it)."""
    try:
        if quantity == "output_shape":
            rank = len(expected) if isinstance(expected, list) else None
            return list(parse_shape(text, rank).dims)
        return parse_count(text).value
    except AnswerFormatError as exc:
        return {"unreadable": exc.message}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_submission_reads_as_a_teacher_reads_it(name):
    expected = EXPECTED[name]
    [answers] = read_path(CORPUS / name, EXERCISE[expected["exercise"]], student="s1")
    assert answers.errors == []
    assert expected["source"] in answers.source
    got = {}
    for (layer, quantity), raw in answers.values.items():
        key = quantity if layer is None else f"{layer}.{quantity}"
        want = expected["values"].get(key)
        got[key] = value_read(quantity, raw.text, want)
        if isinstance(want, dict) and isinstance(got[key], dict):  # unreadable, with a message saying why
            assert want["unreadable"] in got[key]["unreadable"], got[key]
            got[key] = want
    assert got == expected["values"]
    assert answers.warnings == expected["warnings"]
    for note in expected["notes"]:
        assert any(note in n for n in answers.notes), answers.notes
