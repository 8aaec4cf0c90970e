"""Fuzzing the exercise loader (issue 9): whatever an exercise file holds,
``load_exercise_text`` returns an Exercise that can be solved and printed, or raises an
ExerciseError; never another exception (an exercise that validated and then crashed
``grade`` was one of the findings).

The inputs are structure-aware mutations of the shipped exercises and the invalid-exercise
fixtures: values replaced in the parsed YAML tree (numbers of every size, tags, dates,
``$variables``, wrong types), variables added, and line-level edits of the text.
Examples per test: GRADER_FUZZ_EXAMPLES (default 300).
"""
from __future__ import annotations

import json
import os
import re

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grader.errors import ExerciseError, GraderError
from grader.exercise import load_exercise_text
from grader.tables import solution_json, table

from .conftest import EXERCISES, ROOT

FUZZ = settings(max_examples=int(os.environ.get("GRADER_FUZZ_EXAMPLES", "300")), deadline=None,
                suppress_health_check=list(HealthCheck), database=None)
TEXTS = [p.read_text(encoding="utf-8") for p in sorted(EXERCISES.glob("*.yaml"))]
BAD_TEXTS = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((ROOT / "tests" / "fixtures" / "exercises_bad").glob("*.yaml"))]
TREES = [yaml.safe_load(text) for text in TEXTS]

BIG = "\x01BIG{}\x01"  # a number too long for Python's int(), written in after yaml.safe_dump
SCALARS = st.one_of(
    st.integers(-3, 70), st.integers(-2 ** 70, 2 ** 70), st.sampled_from([10 ** 12, 10 ** 12 + 1, 10 ** 19, 2 ** 63]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1.0e308, 1e-300, 0.5, -0.0]),
    st.booleans(), st.none(), st.text(max_size=12),
    st.sampled_from(["$f", "$g", "$nope", "x$f", "same", "valid", "causal", "channels_first", "relu", "Conv2D",
                     "Dense", "Flatten", "LSTM", "Bidirectional", "conv1", "input", "2024-02-30", "total"]),
    st.sampled_from([4300, 4301, 5000]).map(BIG.format),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(["type", "units", "filters", "kernel_size", "strides",
                                                         "padding", "layer", "inputs", "name", "range", "params",
                                                         "pool_size", "rate", "groups"]) | st.text(max_size=6),
                                        inner, max_size=4), max_leaves=8)
RAW_LINES = st.sampled_from([
    "title: 2024-13-45", "title: !!timestamp abc", "id: !!float abc", "x: !!bool maybe", "x: !!int ''",
    "x: !!binary xx", "x: !!python/object/apply:os.system [ls]", "x: &a [*a]", "<<: *nope", "x: " + "1" * 5000,
    "ask: {params: 1.0e+308}", "ask: {params: .inf}", "ask: {params: .nan}", "variables: {f: {range: [1, 10000000000000000000]}}",
    "variables: {f: [1, 2]}", "variables: {f: {range: [3, 1]}}", "  - {type: Dense, units: $f}",
    "  - {type: Dense, units: 1.0e+308}",
    "  - {type: UpSampling2D, size: 1000000}", "grading: {layouts: channels_first}", "form: {columns: {a: conv1.params}}",
    "---", "...", "%YAML 1.1", "\t", "{", "[", "'", '"', "? x", "x: 2024-02-30",
])


def dump(tree: object) -> str:
    text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)
    return re.sub(r"""['"]?\\x01BIG(\d+)\\x01['"]?|['"]?\x01BIG(\d+)\x01['"]?""",
                  lambda m: "9" * int(m[1] or m[2]), text)


def _paths(tree: object, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(tree, dict):
        for key, value in tree.items():
            out += _paths(value, here + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            out += _paths(value, here + (index,))
    return out


@st.composite
def mutated_tree(draw) -> str:
    tree = json.loads(json.dumps(TREES[draw(st.integers(0, len(TREES) - 1))], default=str))  # a deep copy
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "variables", "add_key"]))
        path = draw(st.sampled_from(_paths(tree)))
        if op == "variables" and isinstance(tree, dict):
            tree["variables"] = draw(st.dictionaries(st.sampled_from(["f", "g", "1x", "$"]), VALUES, max_size=2))
        elif op == "add_key" and isinstance(tree, dict):
            tree[draw(st.text(max_size=8))] = draw(VALUES)
        elif op == "delete" and path:
            parent = _get(tree, path[:-1])
            del parent[path[-1]]
        elif path:
            _get(tree, path[:-1])[path[-1]] = draw(VALUES)
    return dump(tree)


def _get(tree: object, path: tuple) -> object:
    for step in path:
        tree = tree[step]
    return tree


@st.composite
def mutated_text(draw) -> str:
    lines = draw(st.sampled_from(TEXTS + BAD_TEXTS)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(st.sampled_from(["insert", "replace_value", "delete"]))
        if op == "insert":
            lines.insert(i, draw(RAW_LINES))
        elif op == "delete" and lines:
            del lines[i]
        elif lines and ":" in lines[i]:
            key, _, _ = lines[i].partition(":")
            lines[i] = f"{key}: {draw(RAW_LINES).partition(': ')[2] or draw(st.text(max_size=10))}"
    return "\n".join(lines)


def load(text: str, student: str | None) -> None:
    try:
        exercise = load_exercise_text(text, "x.yaml", student=student)
    except ExerciseError as exc:
        for error in getattr(exc, "errors", [exc]):
            assert "\n" not in error.message, error.message[:300]
        event("refused: " + " ".join(str(getattr(exc, "errors", [exc])[0].message).split()[:2]))
        return
    except GraderError as exc:  # every error a user can cause is an ExerciseError here
        raise AssertionError(f"{type(exc).__name__} instead of ExerciseError: {exc}") from exc
    event("loaded")
    # what `grade` and `solve` then do with it: scores as floats, every count printed
    float(exercise.max_score)
    json.loads(solution_json(exercise, exercise.solution))
    table(exercise, exercise.solution)


STUDENTS = st.sampled_from([None, "s1", "ann@example.com"])


@FUZZ
@given(mutated_tree(), STUDENTS)
def test_mutated_exercise_trees(text, student):
    load(text, student)


@FUZZ
@given(mutated_text(), STUDENTS)
def test_mutated_exercise_texts(text, student):
    load(text, student)
