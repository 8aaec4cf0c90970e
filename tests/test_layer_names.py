"""A layer's name never decides how its answer is read (issue 10, item 6; issue 8, point 7).

Every shipped exercise is renamed so that its layers are called by words the readers know
(``total``, ``output``, ``params``, ``layers``…, names with spaces, dots and non-ASCII
letters), each word in turn at each place; the same answers, written in answer files (YAML
and JSON), an ``answers = {...}`` cell and Markdown tables, must read exactly as they do
with neutral names.
"""
from __future__ import annotations

import json

import pytest
import yaml

from grader.answers import Identity
from grader.exercise import load_exercise, load_exercise_text
from grader.feedback import shape_text
from grader.readers.answerfile import read_answer_file
from grader.readers.notebook import read_notebook

from .conftest import EXERCISES

WORDS = ("total", "output", "params", "shape", "model", "layers", "name", "my layer", "block.1", "couche_é",
         "answers", "type", "size", "sum", "Total params", "trainable")
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
