"""A layer's name never decides how its answer is read (issue 10, item 6; issue 8, point 7).

Every shipped exercise is renamed so that its layers are called by words the readers know
(``total``, ``output``, ``params``, ``layers``…, names with spaces, dots and non-ASCII
letters), each word in turn at each place; the same answers, written in answer files (YAML
and JSON), an ``answers = {...}`` cell and Markdown tables, must read exactly as they do
with neutral names. And graded (``grade_answers``), answers with wrong ones among them (a
student's slightly different model: named mistakes, follow-through) get the same statuses,
mistakes and score: a hypothesis property over the shipped exercises and name choices
(examples from GRADER_FUZZ_EXAMPLES, default 60).
"""
from __future__ import annotations

import json
import math
import os

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings, strategies as st

from grader.answers import Identity
from grader.errors import GraderError
from grader.exercise import load_exercise, load_exercise_text
from grader.feedback import shape_text
from grader.grading import grade_answers
from grader.readers.answerfile import read_answer_file
from grader.readers.notebook import read_notebook

from .conftest import EXERCISES

WORDS = ("total", "output", "params", "shape", "model", "layers", "name", "my layer", "block.1", "couche_é",
         "answers", "type", "size", "sum", "Total params", "trainable", "student", "exercise", "late")
SHIPPED = sorted(EXERCISES.glob("*.yaml"))
WHO = Identity("s1", source="file name")


def renamed(path, names_of) -> tuple:
    """The exercise with layer i called ``names_of(i)`` (references renamed too), and its layers."""
    original = load_exercise(path)
    old = list(original.layer_names)
    new = [names_of(i) for i in range(len(old))]
    mapping = dict(zip(old, new))
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for i, layer in enumerate(doc["layers"]):
        layer["name"] = new[i]
        if "inputs" in layer:
            refs = layer["inputs"]
            layer["inputs"] = [mapping.get(r, r) for r in refs] if isinstance(refs, list) else mapping.get(refs, refs)
    exercise = load_exercise_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), path.name)
    assert list(exercise.layer_names) == new
    return exercise


def true_answers(exercise) -> tuple[list[tuple[str, str, str]], str]:
    solution = exercise.solution
    rows = [(layer.name, shape_text(layer.output_shape), str(layer.params)) for layer in solution.layers]
    return rows, str(solution.total_params)


def yaml_file(rows, total):
    doc = {name: {"output_shape": shape, "params": int(params)} for name, shape, params in rows}
    doc["total_params"] = int(total)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode(), ".yaml"


def yaml_rows_file(rows, total):
    doc = {"layers": [{"layer": name, "output_shape": shape, "params": params} for name, shape, params in rows]}
    doc["total"] = total
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode(), ".yaml"


def json_file(rows, total):
    doc = {"layers": {name: {"output_shape": [None if d == "?" else int(d) for d in shape.strip("(,)").split("x")],
                             "params": int(params)}
                      for name, shape, params in rows}, "total_params": int(total)}
    return json.dumps(doc, ensure_ascii=False).encode(), ".json"


def _notebook(cell) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}).encode()


def python_cell(rows, total):
    entries = "".join(f"    {name!r}: {{'output_shape': ({shape.strip('(,)').replace('x', ', ').replace('?', 'None')},), "
                      f"'params': {params}}},\n"
                      for name, shape, params in rows)
    source = f"answers = {{\n{entries}    'total_params': {total},\n}}\n"
    return _notebook({"cell_type": "code", "metadata": {"tags": ["answers"]}, "source": source, "outputs": [],
                      "execution_count": None}), ".ipynb"


def markdown_table(rows, total, tags=("answers",)):
    lines = ["| Layer | Output shape | Param # |", "|---|---|---:|"]
    lines += [f"| {name} | {shape} | {params} |" for name, shape, params in rows]
    lines.append(f"| **Total** | | {total} |")
    return _notebook({"cell_type": "markdown", "metadata": {"tags": list(tags)}, "source": "\n".join(lines)}), ".ipynb"


def untagged_table(rows, total):
    return markdown_table(rows, total, tags=())


FORMATS = [yaml_file, yaml_rows_file, json_file, python_cell, markdown_table, untagged_table]


def read(exercise, data, suffix):
    if suffix == ".ipynb":
        return read_notebook(data, "s1.ipynb", exercise, WHO)
    return read_answer_file(data, f"s1{suffix}", exercise, WHO, suffix=suffix)


def by_position(exercise, answers) -> tuple[dict, list[str]]:
    """The texts read, keyed by the layer's position (names differ between the two exercises)."""
    index = {name: i for i, name in enumerate(exercise.layer_names)}
    values = {(None if layer is None else index[layer], q): raw.text for (layer, q), raw in answers.values.items()}
    return values, answers.notes + answers.errors + answers.warnings


def neutral(i: int) -> str:
    return f"n{i}"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_words_as_layer_names_read_like_neutral_names(path):
    plain = renamed(path, neutral)
    rows, total = true_answers(plain)
    expected = {fmt: by_position(plain, read(plain, *fmt(rows, total))) for fmt in FORMATS}
    for fmt, (values, notes) in expected.items():
        assert len(values) == 2 * len(rows) + 1 and not notes, (fmt.__name__, notes)
    for shift in range(len(WORDS)):
        def name(i: int, shift: int = shift) -> str:
            return WORDS[(i + shift) % len(WORDS)] if i < len(WORDS) else neutral(i)
        exercise = renamed(path, name)
        words_rows = [(name(i), shape, params) for i, (_, shape, params) in enumerate(rows)]
        for fmt in FORMATS:
            got = by_position(exercise, read(exercise, *fmt(words_rows, total)))
            assert got == expected[fmt], (fmt.__name__, [r[0] for r in words_rows])


# -- grading: the same statuses, mistakes and score (issue 8, point 7) ------------------------------

GRADER_WORDS = WORDS + ("Output Shape", "Param #", "total_params", "layer", "out put", "conv.1", "输出", "Größe",
                        "None", "row 1", "input layer")
GRADE_EXAMPLES = settings(max_examples=int(os.environ.get("GRADER_FUZZ_EXAMPLES", "60")), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _variant_solution(path, draw):
    """The layers' values of a slightly different model (one size or padding changed): the
    answers of a student who solved it, wrong from that layer on (named mistakes such as a
    wrong padding there, follow-through after it)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    choices = [(i, key) for i, layer in enumerate(doc["layers"]) for key, value in layer.items()
               if key in ("filters", "units", "out_channels", "out_features", "kernel_size", "pool_size", "padding")
               and (isinstance(value, int) or value in ("valid", "same"))]
    if not choices:
        return None
    i, key = draw(st.sampled_from(choices))
    value = doc["layers"][i][key]
    doc["layers"][i][key] = {"valid": "same", "same": "valid"}.get(value) if isinstance(value, str) else \
        value + draw(st.sampled_from([1, -1, 2]))
    try:
        return load_exercise_text(yaml.safe_dump(doc, sort_keys=False), path.name).solution
    except GraderError:
        return None


def _answers(path, exercise, draw) -> tuple[list[tuple[str | None, str | None]], str | None]:
    """(shape, count) by position and the total: right, from a variant model, without the
    bias, off by a little, unreadable or missing."""
    solution = exercise.solution
    variant = _variant_solution(path, draw) if draw(st.booleans()) else None
    if variant is not None and len(variant.layers) != len(solution.layers):
        variant = None
    rows = []
    for i, layer in enumerate(solution.layers):
        source = layer if variant is None else variant.layers[i]  # one student's model, all the way through
        shape = "x".join(map(str, source.output_shape))
        bias = next((math.prod(w.out) for w in source.weights if w.name == "bias"), 0)
        count = draw(st.sampled_from([source.params, source.params, source.params - bias, source.params + 1]))
        shape = draw(st.sampled_from([shape, shape, shape, "?", None, "x".join(map(str, source.output_shape[::-1]))]))
        rows.append((shape, draw(st.sampled_from([str(count), f"{count:,}", "??", None]))))
    total = draw(st.sampled_from([str(solution.total_params), None, str(solution.total_params + 1)]))
    return rows, total


def _grading_files(names, rows, total) -> list[tuple[bytes, str]]:
    """The same answers as a YAML answer file, JSON rows, an answers dict and Markdown tables."""
    mapping = {name: {k: v for k, v in (("output_shape", s), ("params", p)) if v is not None}
               for name, (s, p) in zip(names, rows)}
    listed = [{"layer": name, **entry} for name, entry in mapping.items()]
    # beside the layers, the total goes under a key no layer has (a mapping holds a key once)
    key = next(k for k in ("total_params", "total", "Total params", "total number of parameters") if k not in names)
    files = [(yaml.safe_dump({**mapping, **({key: total} if total else {})}, allow_unicode=True,
                             sort_keys=False).encode(), ".yaml"),
             (json.dumps({"layers": listed, **({"total": total} if total else {})}, ensure_ascii=False).encode(), ".json")]
    source = "answers = {\n" + "".join(f"    {name!r}: {entry!r},\n" for name, entry in mapping.items()) + \
        (f"    {key!r}: {total!r},\n" if total else "") + "}\n"
    files.append((_notebook({"cell_type": "code", "metadata": {"tags": ["answers"]}, "source": source,
                             "outputs": [], "execution_count": None}), ".ipynb"))
    lines = ["| Layer | Output shape | Param # |", "|---|---|---:|"]
    lines += [f"| {name} | {s or ''} | {p or ''} |" for name, (s, p) in zip(names, rows)]
    lines += [f"| **Total** | | {total} |"] if total else []
    for tags in (["answers"], []):
        files.append((_notebook({"cell_type": "markdown", "metadata": {"tags": tags}, "source": "\n".join(lines)}),
                      ".ipynb"))
    return files


def graded(exercise, data, suffix) -> tuple:
    """Statuses, mistakes and points by position, and the score."""
    result = grade_answers(exercise, read(exercise, data, suffix))
    index = {name: i for i, name in enumerate(exercise.layer_names)}
    items = [(None if item.layer is None else index[item.layer], item.quantity, item.status, item.mistake,
              item.points) for item in result.items]
    return items, result.score, len(result.errors), len(result.warnings)


@GRADE_EXAMPLES
@given(st.data())
def test_words_as_layer_names_grade_like_neutral_names(data):
    path = data.draw(st.sampled_from(SHIPPED), label="exercise")
    plain = renamed(path, neutral)
    count = len(plain.layers)
    words = data.draw(st.lists(st.sampled_from(GRADER_WORDS), min_size=min(count, 6), max_size=min(count, 12),
                               unique=True), label="words")
    places = data.draw(st.permutations(range(count)), label="places")[:len(words)]
    chosen = {place: word for place, word in zip(places, words)}

    def name(i: int) -> str:
        return chosen.get(i, neutral(i))
    try:
        exercise = renamed(path, name)
    except GraderError:  # a word the exercise file refuses as a name (its input's, say)
        assume(False)
    rows, total = _answers(path, plain, data.draw)
    neutral_files = _grading_files([neutral(i) for i in range(count)], rows, total)
    word_files = _grading_files([name(i) for i in range(count)], rows, total)
    for (plain_data, suffix), (word_data, _) in zip(neutral_files, word_files):
        expected = graded(plain, plain_data, suffix)
        assert graded(exercise, word_data, suffix) == expected, (suffix, [name(i) for i in range(count)])
    statuses = {status for _, _, status, _, _ in expected[0]}
    event("a named mistake" if any(mistake for *_, mistake, _ in expected[0]) else "no named mistake")
    event("follow-through" if "follow_through" in statuses else "no follow-through")
