"""The outcome of grading one submission (SPEC sections 3 and 4), and its JSON form.

``reveal`` (answers | correctness | nothing) is applied here, once, for every output
that is built from ``to_json``/``feedback_for``:

- ``answers``: everything — expected values, the worked formula, the mistake and its working;
- ``correctness``: verdicts, points and the mistake's code, title and generic explanation, but
  no expected value, formula or mistaken working (``expected`` and ``formula`` are null);
- ``nothing``: a receipt — answered items get status ``received``; ``expected``, ``formula``
  and ``mistake`` are null; feedback only says how to write an unreadable value, that an
  answer is missing, or that a written result disagrees with its own working. Points and
  score stay in the JSON: they are the grade the LMS records, not feedback.

A submission that could not be read at all has no items and its ``errors`` say why
(``gradable`` is false); its score is 0 of ``max_score``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .answers import Identity

STATUSES = ("correct", "follow_through", "incorrect", "missing", "unreadable")
REVEALS = ("answers", "correctness", "nothing")
#: the status shown with reveal 'nothing' for an answer that was read
RECEIVED = "received"


@dataclass
class Item:
    layer: str | None            # None for model-wide quantities (total_params)
    quantity: str
    answer: str | None           # the raw text as written; None when missing
    expected: Any                # int, or a shape tuple (in the first accepted layout)
    status: str                  # one of STATUSES
    points: Fraction
    max_points: Fraction
    mistake: str | None = None   # a code of grader.mistakes
    feedback: str = ""           # the full feedback (reveal 'answers'); see feedback_for
    formula: str = ""            # the worked expected value: "(3*3*3 + 1) * 64 = 1,792"
    value: Any = None            # the parsed answer (int or shape tuple)
    where: str = ""              # where the answer was read
    message: str = ""            # about reading the answer: how to write it, or working vs result
    mistake_title: str = ""      # "Forgot the bias"
    explanation: str = ""        # the mistake in general, no values
    working: str = ""            # the mistaken computation: "3*3*3 * 64 = 1,728"
    basis: str = ""              # follow-through: "your conv1 output shape 8x8x64"
    own_formula: str = ""        # follow-through: the value worked from the student's own answers

    def feedback_for(self, reveal: str) -> str:
        """The feedback text within what ``reveal`` allows."""
        parts: list[str] = []
        if self.status == "unreadable" and self.message:
            parts.append(_sentence(self.message))
        if self.status == "missing":
            parts.append("No answer found.")
        if reveal != "nothing":
            parts.append(self._verdict(reveal == "answers"))
        if self.status != "unreadable" and self.message:
            parts.append(_sentence(self.message))
        return " ".join(p for p in parts if p)

    def _verdict(self, answers: bool) -> str:
        worked = answers and bool(self.formula)
        if self.status == "correct":
            return f"Correct: {self.formula}." if worked and _is_worked(self.formula) else "Correct."
        if self.status == "follow_through":
            text = f"Credited (follow-through): right given {self.basis or 'your earlier answers'}"
            if answers and self.own_formula and _is_worked(self.own_formula):
                text += f": {self.own_formula}"
            right = "The right total is" if self.layer is None else "With the right input it is"
            return text + (f". {right} {self.formula}." if worked else ".")
        text = ""
        if self.status == "incorrect":
            title = self.mistake_title or (self.mistake or "").replace("_", " ")
            text = f"Not correct ({title[:1].lower() + title[1:]}). {self.explanation}" if self.mistake \
                else "Not correct."
        if worked:
            text += f" Expected {self.formula}" + (f", not {self.working}" if self.working else "") + "."
        return text.strip()

    def to_json(self, reveal: str) -> dict[str, Any]:
        answers = reveal == "answers"
        shown = reveal != "nothing" or self.status in ("missing", "unreadable")
        return {"layer": self.layer, "quantity": self.quantity, "answer": self.answer,
                "expected": _json_value(self.expected) if answers else None,
                "status": self.status if shown else RECEIVED,
                # points per item would tell which answers are right; the score stays for pipelines
                "points": points(self.points) if shown else None, "max_points": points(self.max_points),
                "mistake": self.mistake if reveal != "nothing" else None,
                "feedback": self.feedback_for(reveal),
                "formula": self.formula if answers else None,
                "value": _json_value(self.value), "where": self.where}


@dataclass
class Result:
    exercise: str
    submission: str
    identity: Identity
    items: list[Item] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str = ""
    max_score: Fraction = Fraction(0)
    reveal: str = "answers"      # the exercise's grading.reveal, the default for to_json

    @property
    def student(self) -> str:
        return self.identity.student

    @property
    def score(self) -> Fraction:
        whole = 0
        for item in self.items:  # whole points add up as ints: adding Fractions is slow Python code
            if getattr(item.points, "denominator", None) != 1:
                return sum((item.points for item in self.items), Fraction(0))
            whole += item.points.numerator
        return Fraction(whole)

    @property
    def gradable(self) -> bool:
        return bool(self.items)

    def to_json(self, reveal: str | None = None) -> dict[str, Any]:
        """SPEC section 4, ``check --format json``; ``reveal`` defaults to the exercise's."""
        reveal = reveal or self.reveal
        if reveal not in REVEALS:
            raise ValueError(f"reveal must be one of {', '.join(REVEALS)}, got {reveal!r}")
        return {**self._json_head(), "items": [item.to_json(reveal) for item in self.items],
                **self._json_tail(reveal)}

    def json_text(self, reveal: str | None = None) -> str:
        """``json.dumps(self.to_json(reveal), ensure_ascii=False)``, the same characters, with
        each distinct item encoded once: the students of a class give the same answers."""
        reveal = reveal or self.reveal
        if reveal not in REVEALS:
            raise ValueError(f"reveal must be one of {', '.join(REVEALS)}, got {reveal!r}")
        items = ", ".join([_item_json(item, reveal) for item in self.items])
        return f"{_object_json(self._json_head())[:-1]}, \"items\": [{items}], {_object_json(self._json_tail(reveal))[1:]}"

    def _json_head(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "student": self.student, "submission": self.submission,
                "score": float(self.score), "max_score": float(self.max_score)}

    def _json_tail(self, reveal: str) -> dict[str, Any]:
        return {"errors": list(self.errors), "notes": list(self.notes), "source": self.source,
                "gradable": self.gradable, "reveal": reveal}


_ITEM_JSON: dict[tuple, str] = {}
_MAX_CACHED_ITEMS = 8192


def _item_json(item: Item, reveal: str) -> str:
    """One item's JSON text, encoded once per distinct item (every field it shows is in the key)."""
    try:
        # points as a Fraction's two ints (hashing a Fraction runs Python code), other types kept
        # apart (an int 1 and a Fraction 1 give the same JSON, a float 1.0 does not)
        points, most = item.points, item.max_points
        key = (reveal, item.layer, item.quantity, item.answer, item.where, item.status,
               (points.numerator, points.denominator) if type(points) is Fraction else (type(points), points),
               (most.numerator, most.denominator) if type(most) is Fraction else (type(most), most),
               item.expected, item.formula, item.mistake, item.mistake_title,
               item.explanation, item.working, item.basis, item.own_formula, item.message, item.value)
        text = _ITEM_JSON.get(key)
    except TypeError:  # an unhashable value (a list), from an Item made by hand
        return json.dumps(item.to_json(reveal), ensure_ascii=False)
    if text is None:
        if len(_ITEM_JSON) >= _MAX_CACHED_ITEMS:
            _ITEM_JSON.clear()
        text = _ITEM_JSON[key] = json.dumps(item.to_json(reveal), ensure_ascii=False)
    return text


_quoted = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) does to a str


def _object_json(data: dict[str, Any]) -> str:
    """``json.dumps(data, ensure_ascii=False)`` of a flat dict of strings, finite floats, bools
    and lists of strings, without building an encoder per call; anything else goes to json.dumps."""
    parts = []
    for key, value in data.items():
        kind = type(value)
        if kind is str:
            text = _quoted(value)
        elif kind is float and value - value == 0:  # finite: json.dumps writes float.__repr__
            text = repr(value)
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is list and all(type(v) is str for v in value):
            text = "[" + ", ".join([_quoted(v) for v in value]) + "]"
        else:
            return json.dumps(data, ensure_ascii=False)
        parts.append(f"{_quoted(key)}: {text}")
    return "{" + ", ".join(parts) + "}"


def points(value: Fraction) -> float | int:
    """Points as JSON numbers: whole points as ints (1, 0), others as floats (0.5)."""
    return int(value) if value.denominator == 1 else float(value)


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _is_worked(text: str) -> bool:
    return "=" in text or "→" in text


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
