"""Printed model summaries in notebook outputs: Keras 2 (``_``/``=`` ruled), Keras 3
(box-drawn, names wrapped over two lines), torchinfo and torchsummary tables (``Conv2d-1
[-1, 64, 6, 6]  1,792``), read into rows of raw text.

Rows carry the printed class name (``Row.type``) so that they can be matched to the
exercise's layers by order and kind; Keras numbers layer names per session, so the names
are only labels. Printed output shapes include the batch dimension, which is removed here.
"""
from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field

from ..answers import RawAnswer
from ..layers import registry
from .matching import Row
from .vocabulary import total_of

KERAS2, KERAS3, TORCHINFO, TORCHSUMMARY = "Keras 2", "Keras 3", "torchinfo", "torchsummary"

_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str, *, is_html: bool = False) -> str:
    """Output text without ANSI colour codes or HTML markup, with ``\\n`` line ends."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if is_html:
        text = html.unescape(_TAG.sub("", text))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def might_hold_summary(text: str) -> bool:
    """A cheap test before parsing: every summary has a ``Param #`` header."""
    return "Param" in text and "Layer" in text


@dataclass
class Summary:
    style: str                                   # Keras 2 | Keras 3 | torchinfo
    rows: list[Row] = field(default_factory=list)
    totals: dict[str, RawAnswer] = field(default_factory=dict)  # total_params, ... -> raw text
    line: int = 1


@dataclass
class _Entry:
    """One printed layer before it becomes a Row: the text of each column."""

    name: list[str] = field(default_factory=list)
    shape: list[str] = field(default_factory=list)
    params: str = ""
    depth: int = 0


def find_summaries(text: str, where: str) -> list[Summary]:
    """Every model summary printed in ``text`` (already plain), in order."""
    lines = text.split("\n")
    found: list[Summary] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "Layer" in line and "Param" in line:
            parsed = _parse_at(lines, i, where)
            if parsed is not None:
                summary, end = parsed
                found.append(summary)
                i = max(end, i + 1)
                continue
        i += 1
    return found


def _parse_at(lines: list[str], i: int, where: str) -> tuple[Summary, int] | None:
    line = lines[i]
    if "┃" in line or "│" in line and "Layer (type)" in line:
        style, (entries, end) = KERAS3, _keras3(lines, i)
    elif "depth-idx" in line:
        style, (entries, end) = TORCHINFO, _torchinfo(lines, i)
    elif "Output Shape" in line and _is_torchsummary(lines, i):
        style, (entries, end) = TORCHSUMMARY, _torchsummary(lines, i)
    elif "Output Shape" in line:
        style, (entries, end) = KERAS2, _keras2(lines, i)
    else:
        return None
    if not entries:
        return None
    summary = Summary(style=style, line=i + 1)
    summary.rows = [_row(entry, style, f"{where}, {style} summary") for entry in entries]
    end = _totals(lines, end, summary, f"{where}, {style} summary")
    return summary, end


# -- Keras 2 ----------------------------------------------------------------------------------

def _keras2(lines: list[str], i: int) -> tuple[list[_Entry], int]:
    """Columns start where the header's titles start; rows are separated by ``_`` rules
    (and blank lines since Keras 2.9, which wraps long cells onto further lines)."""
    header = lines[i]
    starts = [0] + [header.find(t) for t in ("Output Shape", "Param #") if header.find(t) > 0]
    if len(starts) < 3:
        return [], i + 1
    connected = header.find("Connected to")
    ends = starts[1:] + [connected if connected > starts[-1] else None]
    entries: list[_Entry] = []
    current: _Entry | None = None
    k = i + 1
    while k < len(lines) and lines[k].startswith("="):
        k += 1
    while k < len(lines):
        line = lines[k]
        if line.startswith("="):
            break
        if not line.strip() or line.startswith("_"):
            current = None
            k += 1
            continue
        if _is_totals_line(line):
            break
        cols = [line[s:e] if e is not None else line[s:] for s, e in zip(starts, ends)]
        name, shape, params = (c.strip() for c in cols)
        if current is None or (name and params):
            if not name:
                k += 1
                continue  # a further 'Connected to' line
            current = _Entry()
            entries.append(current)
        if name:
            current.name.append(name)
        if shape:
            current.shape.append(shape)
        if params:
            current.params += params
        k += 1
    return entries, k


# -- Keras 3 ----------------------------------------------------------------------------------

def _keras3(lines: list[str], i: int) -> tuple[list[_Entry], int]:
    """Box-drawn rich tables; a row goes on over further lines until a ``├`` rule, or
    (older Keras 3, no rules) until a line whose Param # cell is filled again."""
    titles = [t.strip() for t in lines[i].strip().strip("┃│").split("┃" if "┃" in lines[i] else "│")]
    try:
        shape_col = next(n for n, t in enumerate(titles) if "Output" in t or "Shape" in t)
        param_col = next(n for n, t in enumerate(titles) if "Param" in t)
    except StopIteration:
        return [], i + 1
    entries: list[_Entry] = []
    current: _Entry | None = None
    k = i + 1
    while k < len(lines):
        line = lines[k].strip()
        k += 1
        if not line:
            continue
        first = line[0]
        if first in "┡┢╞├":
            current = None
            continue
        if first in "└╘┗":
            break
        if first not in "│┃":
            k -= 1
            break
        cells = [c.strip() for c in line.strip("│┃").split("│")]
        if len(cells) <= max(shape_col, param_col):
            continue
        name, shape, params = cells[0], cells[shape_col], cells[param_col]
        if current is None or (params and current.params):
            if not (name or params):
                continue
            current = _Entry()
            entries.append(current)
        if name:
            current.name.append(name)
        if shape:
            current.shape.append(shape)
        if params:
            current.params = params
    return entries, k


# -- torchinfo --------------------------------------------------------------------------------

_TORCH_NAME = re.compile(r"^[\s│├└─|`+\\-]*(?P<type>[A-Za-z_][\w.]*)(?:\s*\((?P<var>[^)]*)\))?"
                         r"(?::\s*(?P<depth>\d+)-(?P<idx>\d+))?")
_TORCH_TOKEN = re.compile(r"\[[^\]]*\]|\([^)]*\)|\S+")


def _torchinfo(lines: list[str], i: int) -> tuple[list[_Entry], int]:
    """Only leaf modules are layers: a row followed by a deeper row is a container."""
    header = lines[i]
    titles = [t for t in re.split(r"\s{2,}", header.strip()) if t]
    try:
        shape_col = titles.index("Output Shape") - 1
        param_col = titles.index("Param #") - 1
    except ValueError:
        return [], i + 1
    entries: list[_Entry] = []
    k = i + 1
    while k < len(lines) and lines[k].startswith("="):
        k += 1
    while k < len(lines) and not lines[k].startswith("="):
        line = lines[k]
        k += 1
        if not line.strip():
            continue
        m = _TORCH_NAME.match(line)
        if not m:
            continue
        tokens = _TORCH_TOKEN.findall(line[m.end():])
        if len(tokens) <= max(shape_col, param_col):
            continue
        depth = int(m.group("depth")) if m.group("depth") else 0
        label = m.group("var") or m.group("type")
        entry = _Entry(name=[f"{label} ({m.group('type')})"], shape=[tokens[shape_col]],
                       params=tokens[param_col], depth=depth)
        entries.append(entry)
    leaves = [e for n, e in enumerate(entries)
              if e.depth > 0 and not (n + 1 < len(entries) and entries[n + 1].depth > e.depth)]
    return leaves, k


# -- torchsummary -----------------------------------------------------------------------------

_TS_ROW = re.compile(r"^\s*(?P<type>[A-Za-z_][\w.]*)-(?P<n>\d+)\s+(?P<shape>\[[^\]]*\](?:,\s*\[[^\]]*\])*)"
                     r"\s+(?P<params>[\d,]+)\s*$")


def _is_torchsummary(lines: list[str], i: int) -> bool:
    """``Layer (type)  Output Shape  Param #`` over ``=`` and ``Conv2d-1  [-1, 64, 6, 6]  1,792``
    rows (torchsummary right-aligns its columns: Keras 2's column positions do not hold)."""
    k = i + 1
    while k < len(lines) and (not lines[k].strip() or lines[k].lstrip().startswith("=")):
        k += 1
    return k < len(lines) and _TS_ROW.match(lines[k]) is not None


def _torchsummary(lines: list[str], i: int) -> tuple[list[_Entry], int]:
    entries: list[_Entry] = []
    k = i + 1
    while k < len(lines) and (not lines[k].strip() or lines[k].lstrip().startswith("=")):
        k += 1
    while k < len(lines):
        m = _TS_ROW.match(lines[k])
        if m is None:
            break
        entries.append(_Entry(name=[f"{m.group('type')}-{m.group('n')} ({m.group('type')})"],
                              shape=[m.group("shape")], params=m.group("params")))
        k += 1
    while k < len(lines) and lines[k].lstrip().startswith("="):
        k += 1
    return entries, k


# -- totals and rows --------------------------------------------------------------------------

_TOTAL_LINE = re.compile(r"^\s*(?P<label>[A-Za-z][A-Za-z -]*?)\s*:\s*(?P<value>--|\d[\d,.' _]*\d|\d)")


def _total_line(line: str) -> tuple[str, str] | None:
    """``Total params: 79,261 (309.61 KB)`` -> (``total_params``, ``79,261``)."""
    m = _TOTAL_LINE.match(line)
    if m is None:
        return None
    quantity = total_of(m.group("label"))
    return (quantity, m.group("value").strip()) if quantity else None


def _is_totals_line(line: str) -> bool:
    return _total_line(line) is not None


_SUMMARY_LINES = re.compile(r'(?:(?:\s|\x1b\[[0-9;]*m)*(?:Model: "[^"\n]*"|'
                            r'(?:Total|Trainable|Non-trainable|Optimizer) params: [^\n]*))+(?:\s|\x1b\[[0-9;]*m)*')


def only_summary_lines(text: str) -> bool:
    """Text that is part of a summary and nothing else: ``Model: "sequential"`` or its
    totals, which Keras 3 displays as outputs of their own beside the table (colour
    codes and all)."""
    return _SUMMARY_LINES.fullmatch(text) is not None


def _totals(lines: list[str], k: int, summary: Summary, where: str) -> int:
    """``Total params: 79,261 (309.61 KB)`` and its siblings, within the next few lines."""
    end = min(len(lines), k + 12)
    last = k
    for n in range(k, end):
        line = lines[n].strip()
        if "Layer" in line and "Param" in line:
            break
        found = _total_line(line)
        if found and found[0] not in summary.totals:
            summary.totals[found[0]] = RawAnswer(found[1], f"{where}, '{line}'")
            last = n + 1
    return last


_NAME_TYPE = re.compile(r"^(?P<name>.*?)\s*\((?P<type>[A-Za-z_][\w.]*)(?:\)|…|\.\.\.)?\s*$")


def _row(entry: _Entry, style: str, where: str) -> Row:
    name, kind, shape, params = _row_texts(tuple(entry.name), tuple(entry.shape), entry.params, style)
    place = f"{where}, row '{name}'"
    cells = {}
    if shape:
        cells["output_shape"] = RawAnswer(shape, place)
    if params:
        cells["params"] = RawAnswer(params, place)
    return Row(label=name, cells=cells, type=kind)


@functools.lru_cache(maxsize=16384)  # the students who ran the same model printed the same rows
def _row_texts(names: tuple[str, ...], shapes: tuple[str, ...], params: str, style: str
               ) -> tuple[str, str | None, str, str]:
    """A printed row's name, class, shape without the batch, and parameter count."""
    name = _join_name(list(names))
    kind = None
    m = _NAME_TYPE.match(name)
    if m:
        name, kind = m.group("name").strip() or m.group("type"), complete_type(m.group("type"))
    shape = without_batch(" ".join(shapes) if style == KERAS3 else "".join(shapes))
    return name, kind, shape, params.strip()


def _join_name(parts: list[str]) -> str:
    """Keras wraps ``name (Type)`` at the space, or cuts it anywhere (Keras 2.9+)."""
    text = ""
    for part in parts:
        text += (" " if part.startswith("(") and text else "") + part
    return text.strip()


_SHAPE_GROUP = re.compile(r"^\s*[\[(]\s*(?P<inner>[^\[\]()]*)[\])]\s*$")


def without_batch(shape: str) -> str:
    """``(None, 6, 6, 64)`` -> ``(6, 6, 64)``, ``[1, 64, 6, 6]`` -> ``[64, 6, 6]``,
    ``[(None, 8, 8, 3)]`` -> ``(8, 8, 3)``, ``(None, 128)`` -> ``128``; other text unchanged."""
    text = shape.strip()
    m = re.fullmatch(r"\[\s*(\([^()]*\))\s*\]", text)
    if m:
        text = m.group(1)
    m = _SHAPE_GROUP.match(text)
    if not m:
        return text
    dims = [d.strip() for d in m.group("inner").split(",") if d.strip()]
    if len(dims) < 2:
        return text
    rest = dims[1:]
    if len(rest) == 1:
        return rest[0]
    opening, closing = text[0], text[-1]
    return f"{opening}{', '.join(rest)}{closing}"


# every class name the layer registry knows, for completing names Keras 2 cut short
_KNOWN_TYPES = sorted({k.type for fw in registry.FRAMEWORKS for k in registry.kinds(fw).values()})


def complete_type(kind: str) -> str:
    """A class name Keras 2 cut short (``MaxPooling2``) completed from the layer registry."""
    kind = kind.rstrip("….")
    if kind in _KNOWN_TYPES:
        return kind
    longer = [t for t in _KNOWN_TYPES if t.startswith(kind)]
    return min(longer, key=len) if longer else kind
