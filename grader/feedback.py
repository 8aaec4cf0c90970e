"""What students read, and what each ``reveal`` lets them see (SPEC section 5).

The words — verdicts, quantity labels, framework names, numbers, shapes and points as
text — and the policy of ``grading.reveal`` live here and nowhere else. The JSON of
``check``, the HTML and text reports, the gradebooks' comments and Gradescope's results
are all built from :func:`shown`, :func:`result_json` and the texts below.

``reveal``:

- ``answers``: everything — expected values, the worked formula, the mistake and the
  student's probable working, what follow-through was based on with its working;
- ``correctness``: verdicts, points and the mistake's code, title and generic explanation
  and what follow-through was based on; no expected value, formula or worked value;
- ``nothing``: a receipt — an answer that was read gets the status ``received``; no
  expected value, formula, mistake, verdict or score is shown. Notes on reading stay (how
  to write an unreadable value, that an answer is missing, that a written result disagrees
  with its own working). The JSON keeps the score and the points of unanswered items: they
  are the grade an LMS records, not feedback.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

from .result import STATUSES, Item, Result

REVEALS = ("answers", "correctness", "nothing")


@dataclass(frozen=True)
class Verdict:
    """How a status reads: never colour alone, always a word and a symbol."""

    symbol: str
    word: str
    help: str


VERDICTS = {
    "correct": Verdict("✓", "correct", "right"),
    "follow_through": Verdict("↪", "follow-through", "wrong only because of an earlier answer of yours, "
                                                     "and right given it"),
    "incorrect": Verdict("✗", "incorrect", "wrong"),
    "missing": Verdict("–", "missing", "no answer found"),
    "unreadable": Verdict("?", "unreadable", "an answer that could not be read; the note says how to write it"),
}
#: the status of an answer that was read, with ``reveal: nothing``
RECEIVED = "received"
RECEIVED_VERDICT = Verdict("•", "received", "an answer was read")
#: statuses whose verdict every reveal shows: they are about the submission, not the answer key
ALWAYS_SHOWN = ("missing", "unreadable")

QUANTITY_LABELS = {
    "output_shape": "output shape",
    "params": "parameters",
    "trainable_params": "trainable parameters",
    "non_trainable_params": "non-trainable parameters",
    "macs": "MACs",
    "total_params": "total parameters",
    "total_trainable_params": "total trainable parameters",
    "total_non_trainable_params": "total non-trainable parameters",
}
#: a quantity in a narrow column under its layer's name (the class overview's grid); the
#: model-wide totals sit under "Whole model", so they drop the word "total"
QUANTITY_SHORT_LABELS = {
    "output_shape": "shape",
    "params": "params",
    "trainable_params": "trainable",
    "non_trainable_params": "non-trainable",
    "macs": "MACs",
    "total_params": "params",
    "total_trainable_params": "trainable",
    "total_non_trainable_params": "non-trainable",
}
FRAMEWORK_NAMES = {"keras": "Keras", "pytorch": "PyTorch"}
REVEAL_NOTES = {
    "answers": "",
    "correctness": "Your instructor shows which answers are right, not the expected values.",
    "nothing": "Your instructor shows no results for this exercise yet: this is a receipt of "
               "what was read from your submission.",
}
NOT_GRADED = "Not graded"
#: the label of a mistake's working: worked out by the grader from the wrong answer
PROBABLY_COMPUTED = "This is what you probably computed:"
#: the label of an instructor's override
ADJUSTED = "Adjusted by your instructor:"
#: what a student whose submission could not be read should do
NOT_GRADED_HELP = ("Fix the problem described above and hand the file in again; if the file looks right "
                   "to you, ask your instructor.")


# -- numbers and values as text ------------------------------------------------------------

#: a size or count that is not known (Keras prints None): a sequence of any length is ``?x16``
UNKNOWN = "?"


def number(n: int | None) -> str:
    """``1,792``: a count as the reports write it (``?`` for MACs that depend on an unknown length)."""
    return UNKNOWN if n is None else f"{n:,}"


def shape_text(shape: Sequence[int | None]) -> str:
    """``6x6x64``: how students write shapes (and how the origin notebook does).

    An unknown dimension is ``?`` (``?x16``); a shape that is one unknown dimension is
    ``(?,)``, since a lone ``?`` reads as a blank answer. The answer parser reads both back.
    """
    if len(shape) == 1 and shape[0] is None:
        return f"({UNKNOWN},)"
    return "x".join(UNKNOWN if d is None else str(d) for d in shape)


def value_text(value: Any) -> str:
    """An expected or mistaken value as students write it: ``6x6x64`` or ``1,792``."""
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return shape_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value)
    return str(value)


def points_text(value: Fraction | int | float) -> str:
    """``1``, ``0.5``, ``12.25``: points as people read them."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def percent(score: Fraction, maximum: Fraction) -> int:
    """The percent shown beside a score (rounded half to even, the same everywhere)."""
    return round(100 * Fraction(score) / Fraction(maximum)) if maximum else 0


def quantity_label(quantity: str) -> str:
    return QUANTITY_LABELS.get(quantity, quantity.replace("_", " "))


def quantity_short_label(quantity: str) -> str:
    return QUANTITY_SHORT_LABELS.get(quantity, quantity_label(quantity))


def item_label(layer: str | None, quantity: str) -> str:
    """``conv1 parameters``, ``total parameters``."""
    label = quantity_label(quantity)
    return f"{layer} {label}" if layer is not None else label


def framework_name(framework: str) -> str:
    return FRAMEWORK_NAMES.get(framework, framework)


def sentence(text: str) -> str:
    """A message as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _is_worked(text: str) -> bool:
    return "=" in text or "→" in text


# -- what an item shows ---------------------------------------------------------------------

@dataclass(frozen=True)
class Note:
    """One part of the explanation under an item: ``kind`` is mistake, working, follow_through
    or message (the templates style them); ``label`` may be empty."""

    kind: str
    label: str
    text: str


@dataclass(frozen=True)
class Shown:
    """One item as a student may see it under one ``reveal``: what is hidden is None or empty."""

    layer: str | None
    quantity: str
    label: str
    answer: str | None
    where: str
    value: Any
    status: str                  # a status of grader.result.STATUSES, or "received"
    verdict: Verdict
    points: Fraction | None      # None when hidden
    max_points: Fraction
    expected: Any                # None when hidden
    formula: str | None          # None when hidden
    mistake: str | None          # the code; None when hidden or none
    notes: tuple[Note, ...]
    feedback: str                # the whole explanation as one paragraph


def judged(item: Item, reveal: str) -> bool:
    """Whether the item's verdict and points are shown."""
    return reveal != "nothing" or item.status in ALWAYS_SHOWN


def shown(item: Item, reveal: str) -> Shown:
    """What ``reveal`` lets a student see of one graded item."""
    if reveal not in REVEALS:
        raise ValueError(f"reveal must be one of {', '.join(REVEALS)}, got {reveal!r}")
    verdict_shown = judged(item, reveal)
    answers = reveal == "answers"
    return Shown(
        layer=item.layer, quantity=item.quantity, label=quantity_label(item.quantity),
        answer=item.answer, where=item.where, value=item.value,
        status=item.status if verdict_shown else RECEIVED,
        verdict=VERDICTS[item.status] if verdict_shown else RECEIVED_VERDICT,
        points=item.points if verdict_shown else None, max_points=item.max_points,
        expected=item.expected if answers else None,
        formula=item.formula if answers else None,
        mistake=item.mistake if reveal != "nothing" else None,
        notes=tuple(_notes(item, reveal)),
        feedback=_feedback(item, reveal),
    )


def _notes(item: Item, reveal: str) -> Iterable[Note]:
    """The explanation under an item, in parts the templates lay out."""
    if item.status == "missing":
        return
    if reveal != "nothing" and item.mistake:
        yield Note("mistake", f"{item.mistake_title}.", item.explanation)
    if reveal == "answers" and item.working:
        # the grader's reconstruction, not what the student wrote (their answer is shown beside it)
        yield Note("working", PROBABLY_COMPUTED, item.working)
    if reveal != "nothing" and item.status == "follow_through":
        text = f"right given {item.basis or 'your earlier answers'}"
        if reveal == "answers" and item.own_formula:
            text += f": {item.own_formula}"
        yield Note("follow_through", "Follow-through:", text)
    if item.message:
        yield Note("message", "", sentence(item.message))
    if reveal != "nothing" and item.adjusted:
        yield Note("adjusted", ADJUSTED, sentence(item.adjusted))


def _feedback(item: Item, reveal: str) -> str:
    """The feedback of an item as one paragraph (JSON ``feedback``, Gradescope's test output)."""
    parts: list[str] = []
    if item.status == "unreadable" and item.message:
        parts.append(sentence(item.message))
    if item.status == "missing":
        parts.append("No answer found.")
    if reveal != "nothing":
        parts.append(_verdict_text(item, reveal == "answers"))
    if item.status != "unreadable" and item.message:
        parts.append(sentence(item.message))
    if reveal != "nothing" and item.adjusted:
        parts.append(f"{ADJUSTED} {sentence(item.adjusted)}")
    return " ".join(p for p in parts if p)


def _verdict_text(item: Item, answers: bool) -> str:
    worked = answers and bool(item.formula)
    if item.status == "correct":
        return f"Correct: {item.formula}." if worked and _is_worked(item.formula) else "Correct."
    if item.status == "follow_through":
        text = f"Credited (follow-through): right given {item.basis or 'your earlier answers'}"
        if answers and item.own_formula and _is_worked(item.own_formula):
            text += f": {item.own_formula}"
        right = "The right total is" if item.layer is None else "With the right input it is"
        return text + (f". {right} {item.formula}." if worked else ".")
    text = ""
    if item.status == "incorrect":
        text = (f"Not correct ({_lower_first(item.mistake_title)}). {item.explanation}" if item.mistake
                else "Not correct.")
    if worked:
        text += f" Expected {item.formula}" + (f", not {item.working}" if item.working else "") + "."
    return text.strip()


# -- the JSON of `check` (SPEC section 4) ---------------------------------------------------

def json_points(value: Fraction) -> float | int:
    """Points as JSON numbers: whole points as ints (1, 0), others as floats (0.5)."""
    return int(value) if value.denominator == 1 else float(value)


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def item_json(item: Item, reveal: str) -> dict[str, Any]:
    seen = shown(item, reveal)
    return {"layer": item.layer, "quantity": item.quantity, "answer": item.answer,
            "expected": _json_value(seen.expected), "status": seen.status,
            # points per item would tell which answers are right; the score stays for pipelines
            "points": json_points(seen.points) if seen.points is not None else None,
            "max_points": json_points(item.max_points), "mistake": seen.mistake, "feedback": seen.feedback,
            "formula": seen.formula, "value": _json_value(item.value), "where": item.where,
            "adjusted": item.adjusted or None if reveal != "nothing" else None}


def result_json(result: Result, reveal: str | None = None) -> dict[str, Any]:
    """SPEC section 4, ``check --format json``; ``reveal`` defaults to the exercise's."""
    reveal = reveal or result.reveal
    return {"exercise": result.exercise, "student": result.student, "submission": result.submission,
            # an ungradable submission has no grade (its reason is in errors), not a grade of 0
            "score": float(result.score) if result.has_grade else None, "max_score": float(result.max_score),
            "items": [item_json(item, reveal) for item in result.items],
            "errors": list(result.errors), "warnings": list(result.warnings), "notes": list(result.notes),
            "source": result.source, "gradable": result.gradable,
            "adjustment": result.adjustment or None if reveal != "nothing" else None, "reveal": reveal}


# -- the score and short texts for LMS comment boxes ----------------------------------------

@dataclass(frozen=True)
class Score:
    shown: bool
    points: str       # "" when hidden
    max: str
    percent: str      # "83%"; "" when hidden
    full: bool
    adjusted: str = ""  # the instructor's comment when they set the score


def score(result: Result, reveal: str) -> Score:
    shown_ = reveal != "nothing" and result.has_grade
    value, maximum = result.score, result.max_score
    return Score(shown=shown_, points=points_text(value) if shown_ else "", max=points_text(maximum),
                 percent=f"{percent(value, maximum)}%" if shown_ else "",
                 full=shown_ and bool(maximum) and value >= maximum,
                 adjusted=f"{ADJUSTED} {sentence(result.adjustment)}" if shown_ and result.adjustment else "")


def verdict_of(status: str) -> Verdict:
    """The verdict of a status shown (``received`` included)."""
    return RECEIVED_VERDICT if status == RECEIVED else VERDICTS[status]


def tally(statuses: Iterable[str]) -> list[tuple[str, Verdict, int]]:
    """(status, verdict, count) per status shown, in the one order of statuses."""
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return [(s, verdict_of(s), counts[s]) for s in (RECEIVED, *STATUSES) if counts.get(s)]


def legend(reveal: str) -> list[tuple[str, Verdict]]:
    """The statuses a report under ``reveal`` can show, with their verdicts."""
    out = [(s, VERDICTS[s]) for s in STATUSES if reveal != "nothing" or s in ALWAYS_SHOWN]
    if reveal == "nothing":
        out.insert(0, (RECEIVED, RECEIVED_VERDICT))
    return out


def not_graded(result: Result) -> str:
    """Why a submission has no grade, as one sentence."""
    return f"{NOT_GRADED}: " + "; ".join(result.errors or ["no answers found"])


def short_feedback(result: Result, reveal: str, limit: int = 12) -> str:
    """One paragraph for an LMS comment box, within what ``reveal`` allows."""
    if not result.has_grade:
        return sentence(not_graded(result))
    if reveal == "nothing":
        return "Your answers were received. See the full report for details."
    text = f"Score {points_text(result.score)} / {points_text(result.max_score)}."
    if result.adjustment:
        text += f" {ADJUSTED} {sentence(result.adjustment)}"
    adjusted = [item for item in result.items if item.adjusted]
    if adjusted:
        text += " " + "; ".join(f"{item_label(i.layer, i.quantity)}: {ADJUSTED[:-1].lower()} ({i.adjusted})"
                                for i in adjusted) + "."
    wrong = [item for item in result.items if item.status in ("incorrect", "unreadable", "missing")]
    if not wrong:
        return text + " All answers correct."
    parts = []
    for item in wrong[:limit]:
        detail = VERDICTS[item.status].word
        if item.mistake and item.status == "incorrect":
            detail += f" ({_lower_first(item.mistake_title)})"
        parts.append(f"{item_label(item.layer, item.quantity)}: {detail}")
    more = f"; and {len(wrong) - limit} more" if len(wrong) > limit else ""
    return f"{text} To review: " + "; ".join(parts) + more + "."


# -- quizzes for an LMS (grader export) -----------------------------------------------------

#: how a quiz asks for the answers; {shape} and {count} are examples that are no value of the exercise
QUIZ_HOW = ("Give each layer's output shape without the batch dimension (written like {shape}) and its "
            "number of parameters as a whole number (like {count}).")
QUIZ_MODEL = "The model:"
QUIZ_INPUT = "Input: {inputs} (without the batch dimension)."


def quiz_wrong_feedback(title: str, explanation: str, working: str, reveal: str) -> str:
    """The feedback of a quiz's wrong answer that a named mistake gives (Moodle shows it to a
    student who typed exactly that value; Canvas lists it in the question's wrong-answer comment)."""
    if reveal == "nothing":
        return ""
    text = f"Not correct ({_lower_first(title)}). {explanation}"
    if reveal == "answers" and working:
        text += f" {PROBABLY_COMPUTED} {working}."
    return text


def quiz_wrong_list(entries: Sequence[tuple[str, str]]) -> str:
    """Canvas' wrong-answer comment: each mistaken value with its feedback, one per line."""
    return "\n".join(f"If you answered {value}: {text}" for value, text in entries)


def quiz_worked(label: str, formula: str, reveal: str) -> str:
    """The worked value a quiz shows after the attempt (``reveal: answers`` only)."""
    return f"{label}: {formula}" if reveal == "answers" and formula else ""


# -- the Gradescope autograder (grader gradescope) ------------------------------------------

#: results.json left in place before grading starts, shown if grading never finishes writing its own
AUTOGRADER_CRASHED = ("the autograder stopped before it could grade your submission (a problem on the grading "
                      "side, not necessarily in your file): submit again, and if this message comes back, "
                      "tell your instructor")
AUTOGRADER_TIMEOUT = ("grading your submission took longer than {seconds} seconds and was stopped: check that you "
                      "uploaded your notebook or answer file (not a data file or an archive) and submit again; "
                      "if this message comes back, tell your instructor")
NO_SUBMISSION_FILE = ("your submission holds no notebook (.ipynb), answer file (.yaml, .json) or form export "
                      "(.csv, .tsv, .xlsx){found}: upload the notebook with your answers")
SEVERAL_SUBMISSIONS = ("your submission holds {count} files that could be graded ({names}) and {answers}: upload "
                       "only the notebook with your answers")
SEVERAL_RESPONDENTS = "{name} holds the answers of several people: upload a file with only your own answers"
PICKED_SUBMISSION = ("Your submission holds {count} files that could be graded; {name} was graded, the one with "
                     "an answers cell ({others} not graded).")
