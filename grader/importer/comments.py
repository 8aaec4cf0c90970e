"""Shapes written in comments of model code: ``# 16x16x16``, ``#(N, 4, 4, 10)``, ``-> [batch, 64]``."""
from __future__ import annotations

import re

_BATCH = r"(?:N|n|None|B|b|bs|batch|batch_size|-1|\?|_)"
_DIMS_X = re.compile(r"(?<![\w.])(\d+(?:\s*[x×]\s*\d+)+)(?![\w.])(?!\s*(?:kernel|filter|conv|window|pool|patch))",
                     re.IGNORECASE)
_DIMS_TUPLE = re.compile(r"[(\[]\s*(?:" + _BATCH + r"\s*,\s*)?(\d+(?:\s*,\s*\d+)*)\s*,?\s*[)\]]")


def comment_of(line: str) -> str | None:
    """The comment of a line of code (a ``#`` outside quotes), or None."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[i + 1:]
    return None


def comment_shape(comment: str) -> tuple[int, ...] | None:
    """The last shape a comment gives: ``16x16x16``, ``(N, 4, 4, 10)``, ``-> [batch, 64]``."""
    found: list[tuple[int, tuple[int, ...]]] = []
    for match in _DIMS_X.finditer(comment):
        found.append((match.start(), tuple(int(d) for d in re.split(r"\s*[x×]\s*", match.group(1), flags=re.I))))
    for match in _DIMS_TUPLE.finditer(comment):
        dims = tuple(int(d) for d in re.split(r"\s*,\s*", match.group(1)))
        if len(dims) >= 2 or match.group(0).count(",") >= 1:
            found.append((match.start(), dims))
    return max(found)[1] if found else None
