"""The exception types of grader, and the one place where they are formatted.

Every error a user can cause carries where it happened (file, line, layer) and what was
expected, so that the CLI prints one line such as
``exercises/cnn.yaml:8: layer 'conv2': unknown argument 'filter' (did you mean 'filters'?)``.
"""
from __future__ import annotations

import difflib
from typing import Iterable

#: the longest message an error carries: one made from a submission's content (a table
#: header, a sheet's part name) must not become a megabyte in a gradebook cell (issue 9)
MAX_MESSAGE = 2_000


def clip(text: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` characters, else its start and how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


# what str.splitlines() breaks at; written as escapes, so an error is one line whatever it quotes
_LINE_BREAKS = {ord(ch): repr(ch)[1:-1] for ch in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(text: str) -> str:
    """``text`` with its line breaks written as escapes (a key named ``'\\n'`` shows as ``'\\n'``)."""
    return text.translate(_LINE_BREAKS)


class GraderError(Exception):
    """Base class: an error with a location, printed as one line."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 layer: str | None = None):
        message = one_line(clip(message, MAX_MESSAGE))
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.layer = layer

    def located(self, *, file: str | None = None, line: int | None = None,
                layer: str | None = None) -> "GraderError":
        """Fill in the location parts that are still unknown (inner code knows less)."""
        if self.file is None:
            self.file = file
        if self.line is None:
            self.line = line
        if self.layer is None:
            self.layer = layer
        return self

    def __str__(self) -> str:
        place = ""
        if self.file:
            file = one_line(self.file)
            place = f"{file}:{self.line}: " if self.line else f"{file}: "
        elif self.line:
            place = f"line {self.line}: "
        who = f"layer '{self.layer}': " if self.layer else ""
        return f"{place}{who}{self.message}"


class ExerciseError(GraderError):
    """An exercise file that cannot be used: syntax, schema or an impossible architecture."""


class ShapeError(GraderError):
    """A layer that cannot run on the shapes it receives (raised by the shape rules)."""


class ArgumentError(GraderError):
    """A layer argument with a wrong type or value (raised while normalising arguments)."""

    def __init__(self, argument: str, message: str, **where):
        super().__init__(message, **where)
        self.argument = argument


class SubmissionError(GraderError):
    """A submission that cannot be read at all (not a notebook, too large, truncated...)."""


class AnswerFormatError(GraderError):
    """One answer value that cannot be read; the message says how to write it."""


class ExerciseErrors(ExerciseError):
    """Several independent problems found in one exercise file."""

    def __init__(self, errors: list[GraderError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'filters'?)`` for the nearest spelling, or an empty string."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close:
        close = [lowered[c] for c in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)]
    return f" (did you mean '{close[0]}'?)" if close else ""
