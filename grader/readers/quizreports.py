"""The reports of grader's own quizzes (``grader export``), read back as form exports.

Moodle's quiz "Responses" report gives a Cloze question one ``Response N`` column whose cells
read ``part 1: 6x6x64; part 2: 1792; ...`` (``qtype_multianswer_question::summarise_response``:
the string ``subqresponse``, "part {i}: {response}" in English, joined by "; "), the parts in
the Cloze's order, which ``grader export`` made the answer key's order. An unanswered part is
empty. Canvas' "Student Analysis" report of the QTI quiz needs nothing of its own: each column
is headed ``<question id>: <question text>`` and the question text is the item's label, which
the form reader maps like any question title.
"""
from __future__ import annotations

import re

from ..answers import Key, RawAnswer
from ..errors import SubmissionError
from ..exercise import Exercise

# the first part names the word Moodle's language uses ("part", "parte", "partie 1 :")
_FIRST = re.compile(r"^\s*(\w+) ?1 ?: ?", re.U)
_EMPTY = ("", "-")


def cloze_keys(exercise: Exercise) -> list[Key]:
    """The answers a Cloze of ``grader export`` asks, part by part: every layer's asked
    quantities in order, then the totals (the answer key's order)."""
    keys: list[Key] = [(s.name, q) for s in exercise.solution.layers for q in exercise.asked_layer_quantities]
    return keys + [(None, q) for q in exercise.asked_totals]


def is_cloze_column(cells: list[str]) -> bool:
    """Whether a ``Response N`` column holds Cloze responses (every filled cell starts with part 1)."""
    filled = [cell for cell in cells if cell.strip() not in _EMPTY]
    return bool(filled) and all(_FIRST.match(cell) for cell in filled)


def cloze_parts(text: str) -> list[str]:
    """The parts of one Cloze response, in order, each stripped (empty when unanswered)."""
    first = _FIRST.match(text)
    if first is None:
        return []
    word, pos, parts = re.escape(first[1]), first.end(), []
    while True:
        after = re.compile(rf";\s{word} ?{len(parts) + 2} ?: ?").search(text, pos)
        parts.append(text[pos:after.start() if after else len(text)].strip())
        if after is None:
            return parts
        pos = after.end()


def cloze_answers(text: str, exercise: Exercise, where: str, shown: str) -> list[tuple[Key, RawAnswer]]:
    """The answers in one Cloze response cell; SubmissionError when the Cloze does not have the
    exercise's number of parts (a quiz made from another exercise, or an edited one)."""
    if text.strip() in _EMPTY:
        return []
    parts, keys = cloze_parts(text), cloze_keys(exercise)
    if len(parts) != len(keys):
        raise SubmissionError(f"{where} holds a Cloze response of {len(parts)} parts, but exercise "
                              f"'{exercise.id}' asks {len(keys)} answers: grade the report with the exercise "
                              "the quiz was exported from (grader export)", file=shown)
    return [(key, RawAnswer(part, f"{where}, part {n}"))
            for n, (key, part) in enumerate(zip(keys, parts), 1) if part not in _EMPTY]
