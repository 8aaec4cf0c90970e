"""Lone UTF-16 surrogates, which JSON can carry (``"\\ud800"``) but no UTF-8 file can hold.

A submission's text flows into reports and results.json; one such character would stop
the write of every output. Readers replace them with U+FFFD right after parsing.
"""
from __future__ import annotations

import re
from typing import Any

_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def may_hold_surrogates(data: bytes | str) -> bool:
    """A cheap test on the raw JSON: only a \\uD800-\\uDFFF escape can make one."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return b"\\u" in raw and _ESCAPE.search(raw) is not None


def clean_text(text: str) -> str:
    if not _SURROGATE.search(text):
        return text
    # a valid pair becomes its character; a lone half becomes U+FFFD
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean_tree(tree: Any) -> Any:
    """The JSON data with every string (keys too) free of lone surrogates."""
    if isinstance(tree, str):
        return clean_text(tree)
    if isinstance(tree, list):
        return [clean_tree(item) for item in tree]
    if isinstance(tree, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_tree(v) for k, v in tree.items()}
    return tree
