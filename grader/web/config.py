"""The settings of one ``grader serve`` run: what the command line said, checked once, as an
immutable value that the server's worker processes receive (through the environment, as
JSON: uvicorn starts each worker by importing the app, so nothing else can reach them).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from ..errors import ArgumentError

ENVIRONMENT = "GRADER_SERVE_SETTINGS"
AFTER_DEADLINE = ("refuse", "late")
#: a form post or an API body: an answer file is a few hundred bytes, a large model's a few KB
MAX_BODY = 64_000
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class Settings:
    exercises: str                      # the folder of exercise files
    data: str | None = None             # class mode: the folder of the database, tokens and submissions
    roster: str | None = None           # class mode: student,name,email
    max_checks: int | None = None       # readable submissions per student and exercise in `per`
    per: float = 86400.0                # seconds
    per_text: str = "day"                # "day", "12 hours": as the pages say it
    deadline: float | None = None       # a POSIX time
    deadline_text: str = ""
    after_deadline: str = "refuse"      # refuse | late
    public_url: str = ""                # the start of the links in tokens.csv
    templates: str | None = None        # a folder of templates that override the defaults
    max_body: int = MAX_BODY

    @property
    def class_mode(self) -> bool:
        return self.data is not None

    def to_environment(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls, text: str | None = None) -> "Settings":
        text = text if text is not None else os.environ.get(ENVIRONMENT)
        if not text:
            raise RuntimeError(f"{ENVIRONMENT} is not set: start the server with `grader serve`")
        return cls(**json.loads(text))


def period(text: str) -> float:
    """``1d``, ``12h``, ``30m``, ``90s``, ``1w``: a length of time in seconds (``--per``)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text or "")
    if not match or float(match[1]) <= 0:
        raise ArgumentError("--per", f"expected a length of time such as 1d, 12h or 30m, got {text!r}")
    return float(match[1]) * _UNITS[match[2]]


_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}


def period_text(text: str) -> str:
    """``1d`` -> ``day``, ``12h`` -> ``12 hours``: as in "checks left in the last day"."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text or "")
    if not match:
        return text
    count, word = match[1], _WORDS[match[2]]
    return word if float(count) == 1 else f"{count} {word}s"


def deadline(text: str) -> float:
    """An ISO 8601 time (``2025-06-01T23:59``, ``2025-06-01 23:59+02:00``), local time when it
    names no zone, as a POSIX time (``--deadline``)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ArgumentError("--deadline", f"expected a time such as 2025-06-01T23:59 or "
                            f"2025-06-01T23:59+02:00, got {text!r}") from None
    return when.timestamp() if when.tzinfo else when.astimezone().timestamp()


def deadline_shown(timestamp: float) -> str:
    """The deadline as people read it, in the server's time zone, with its offset."""
    return datetime.fromtimestamp(timestamp, timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M (UTC%z)")
