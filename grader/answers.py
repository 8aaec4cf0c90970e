"""What a submission says, before any value is parsed: raw strings with their place.

Readers (``grader.readers``) turn notebooks, summaries, forms and answer files into
:class:`Answers`; ``grader.values`` parses each raw string; ``grader.grading`` compares.
Keys are ``(layer name, quantity)`` with the exercise's layer names, or
``(None, quantity)`` for model-wide quantities such as ``total_params``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Identity:
    """Who handed the submission in, and the ids the gradebook exports need."""

    student: str                          # shown in reports; also picks the exercise variant
    name: str | None = None               # full name, when the LMS gives it
    email: str | None = None
    canvas_id: str | None = None          # Canvas user id (gradebook column ID)
    canvas_attachment: str | None = None  # the id of the Canvas attachment the file was (for feedback uploads)
    moodle_participant: str | None = None  # Moodle per-assignment id ("Participant N")
    gradescope_id: str | None = None
    late: bool = False
    source: str = "file name"             # where the id came from: --student, canvas, moodle, ...


class RawAnswer(NamedTuple):
    """One answer as written. (A NamedTuple, not a frozen dataclass: a class of notebooks
    builds and hashes hundreds of thousands of them, several times faster so.)"""

    text: str
    where: str = ""  # for messages: "cell 4, row 'conv1'", "column 'conv1 params'"


Key = tuple[str | None, str]


@dataclass
class Answers:
    submission: str                       # the file as people name it (relative path)
    identity: Identity
    source: str = ""                      # "answers cell (Markdown table)", "Keras 3 summary", "form row 3"
    values: dict[Key, RawAnswer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)   # extra or unmatched rows, kept for the report
    errors: list[str] = field(default_factory=list)  # problems with the whole submission
    warnings: list[str] = field(default_factory=list)  # problems the report shows at the top (labels matching no layer)

    def get(self, layer: str | None, quantity: str) -> RawAnswer | None:
        return self.values.get((layer, quantity))
