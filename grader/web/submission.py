"""A check through the web: what a student typed into the form, or an API body, read as an
answer file and graded — pure functions, no server in sight.

The form's fields become an answer file (JSON) first, and that file is what is graded and,
in class mode, stored: ``grader grade`` later reads exactly the bytes the student was
graded on. An API body is graded as sent and stored in the same canonical form.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from ..answers import Answers, Identity
from ..checking import ungradable
from ..errors import GraderError
from ..grading import grade
from ..parsing import parse_answers
from ..readers.answerfile import read_answer_file
from ..result import Result
from .catalog import Variant

#: one cell of the form: a long answer with its working fits; a screenful does not
MAX_CELL_CHARS = 300


@dataclass(frozen=True)
class Checked:
    """A graded check: the result, and the answer file to store (None when nothing was read)."""

    result: Result
    answer_file: bytes | None


def form_values(variant: Variant, fields: Mapping[str, str]) -> dict[str, str]:
    """The form's cells, by field name, as typed (clipped; missing fields are empty)."""
    return {cell.name: (fields.get(cell.name) or "")[:MAX_CELL_CHARS] for cell in variant.cells}


def answer_file_of(variant: Variant, texts: Mapping[tuple[str | None, str], str], student: str | None,
                   late: bool = False) -> bytes:
    """The canonical answer file of some answers: ``{"student": ..., "exercise": ...,
    "layers": {"conv1": {"output_shape": "6x6x64", ...}}, "total_params": "79261"}``, every
    value a string as written, blank answers left out, every layer listed; ``"late": true``
    after the deadline, so that ``grader grade`` marks it late too."""
    # every layer, in the exercise's order (an empty one too: no "no row for ..." note)
    layers: dict[str, dict[str, str]] = {name: {} for name in variant.exercise.layer_names}
    totals: dict[str, str] = {}
    for item in variant.key.items:
        text = texts.get((item.layer, item.quantity))
        if text is None or not text.strip():
            continue
        if item.layer is None:
            totals[item.quantity] = text
        else:
            layers[item.layer][item.quantity] = text
    top: list[tuple[str, Any]] = [("student", student)] if student is not None else []
    top.append(("exercise", variant.exercise.id))
    if late:
        top.append(("late", True))
    # one layer a line, written piece by piece: json.dumps(indent=...) is the pure-Python
    # encoder, several times slower than the C one these calls use
    rows = ",\n".join(f"  {_dumps(name)}: {_dumps(cells)}" for name, cells in layers.items())
    lines = [f" {_dumps(k)}: {_dumps(v)}," for k, v in top] + [f' "layers": {{\n{rows}\n }}']
    lines[-1] += "".join(f",\n {_dumps(k)}: {_dumps(v)}" for k, v in totals.items())
    return ("{\n" + "\n".join(lines) + "\n}\n").encode("utf-8")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def check_form(variant: Variant, values: Mapping[str, str], identity: Identity, shown: str,
               store_as: str | None) -> Checked:
    """Grade the form's cells (``values`` by field name). ``store_as`` is the student written
    into the answer file (None in practice mode, where nothing is stored)."""
    texts = {(cell.layer, cell.quantity): values.get(cell.name, "") for cell in variant.cells}
    data = answer_file_of(variant, texts, store_as, identity.late)
    return Checked(read_and_grade(variant, data, shown, identity), data)


def check_body(variant: Variant, body: bytes, identity: Identity, shown: str, store_as: str | None) -> Checked:
    """Grade an API body (an answer file's JSON) as sent; the file to store is its canonical
    form (None when the body could not be read: it would replace a good submission)."""
    try:
        answers = read_answer_file(body, shown, variant.exercise, identity, suffix=".json")
    except GraderError as exc:
        return Checked(ungradable(variant.exercise, shown, identity, exc), None)
    result = grade(variant.key, parse_answers(answers, variant.key))
    if not result.gradable or not answers.values:
        return Checked(result, None)
    texts = {key: raw.text for key, raw in answers.values.items()}
    return Checked(result, answer_file_of(variant, texts, store_as, identity.late))


def read_and_grade(variant: Variant, data: bytes, shown: str, identity: Identity) -> Result:
    try:
        answers: Answers = read_answer_file(data, shown, variant.exercise, identity, suffix=".json")
    except GraderError as exc:
        return ungradable(variant.exercise, shown, identity, exc)
    return grade(variant.key, parse_answers(answers, variant.key))


def typed_values(variant: Variant, result: Result) -> dict[str, str]:
    """The form's cells refilled from a graded result (a stored submission shown again)."""
    by_key = {(item.layer, item.quantity): item.answer or "" for item in result.items}
    return {cell.name: by_key.get((cell.layer, cell.quantity), "") for cell in variant.cells}
