"""Answers written as text rather than in a table: a bullet or numbered list per layer
(``- conv1: output (6, 6, 64), params = 1792``), sentences, a heading per layer with its
answers below, a LaTeX ``aligned`` block, comments beside model code (``# conv1: 6x6x64,
1792 params``) and lines a program printed (``conv1 (6, 6, 64) 1792``). Issue 11.

Each line that names a layer and holds a value becomes a row of raw text; nothing is
parsed here but the place of each value (which words say shape and which say parameters).
A label is an exercise's layer name wherever it stands, or the first word of a line that a
separator (``:``, ``->``, ``=``, ``|``) or a value follows; a heading or a bold line alone
labels the lines under it.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..answers import RawAnswer
from .matching import Row
from .vocabulary import LayerLookup, default_type, is_type_word, role_of, total_of

# -- values in a line ---------------------------------------------------------------------------

_SHAPE = re.compile(r"""(?<![\w+\-*/.^])(?:
    torch\.Size\(\s*\[[^\]]*\]\s*\)
  | [\[(]\s*(?:None|none|null|-1|\?|[0-9]+)(?:\s*,\s*(?:None|none|null|-1|\?|[0-9]+))+\s*,?\s*[\])]
  | [\[(]\s*[0-9]+\s*,\s*[\])]
  | \[\s*[0-9]+\s*\]
  | \[\s*[0-9]+(?:\s+[0-9]+)+\s*\]
  | [0-9]+\s*@\s*[0-9]+\s*[x×]\s*[0-9]+
  | \(?[0-9]+(?:\s*[x×✕]\s*[0-9]+)+\)?
  | [0-9]+(?:\s+by\s+[0-9]+)+
)(?![\w+\-*/=.^])""", re.X)
_SHAPE_WORDS = re.compile(r"(output\s*shape|out\s*shape|output\s*size|shape|size|dimensions?|dims|feature\s*maps?"
                          r"|outputs?|gives|->|→|⟶|=>)\s*[:=]?\s*$", re.I)
_PARAM_WORDS = re.compile(r"param(?:eter)?s?\b|param\s*#|weights", re.I)
_FIELD = re.compile(r"\s*(?:[;|\t]|,(?=\s)|\s-\s|\s—\s|\s–\s|\s{3,}|\band\b|\bwith\b)\s*")
_DIGIT = re.compile(r"[0-9]")
_GROUPED = re.compile(r"[0-9]{1,3}([ ,'])[0-9]{3}(?:\1[0-9]{3})*")
_QUANTITY_LINE = re.compile(r"^\W*(?:output\s*(?:shape|size|dim\w*)|out\s*shape|shape|size|dimensions?|feature\s*maps"
                            r"|param(?:eter)?s?|param\s*#|weights|number\s+of\s+param\w*)\s*[:=]", re.I)
_PAIR = re.compile(r"\s*([0-9]+)[,;]?\s+([0-9][0-9,' ]*)\s*")


def line_cells(text: str, total: bool = False) -> dict[str, str]:
    """The raw shape and count a line gives after its label: ``output (6, 6, 64), params =
    1792`` -> ``{output_shape: (6, 6, 64), params: params = 1792}``."""
    cells: dict[str, str] = {}
    pair = _PAIR.fullmatch(text)
    # 'flatten 128 0', as print() writes a 1-D shape and a count; but 'Total: 79 261' is one number
    if pair and not (total and _GROUPED.fullmatch(text.strip())):
        return {"output_shape": pair.group(1), "params": pair.group(2).strip()}
    shapes = list(_SHAPE.finditer(text))
    if shapes:
        chosen = next((m for m in shapes if _SHAPE_WORDS.search(text[:m.start()])), shapes[-1])
        cells["output_shape"] = chosen.group().strip()
        pieces = [text[:shapes[0].start()]] + [text[a.end():b.start()] for a, b in zip(shapes, shapes[1:])]
        pieces.append(text[shapes[-1].end():])
        rest = " ; ".join(pieces)
    else:
        rest = text
    fields = [f.strip(" .:=,;") for f in _FIELD.split(rest) if f and _DIGIT.search(f)]
    fields = [f for f in fields if not _only_working(f)]
    counted = [f for f in fields if _PARAM_WORDS.search(f)]
    if "output_shape" not in cells:  # a 1-D shape is a bare number: 'flatten: 128, 0 params', 'output 516'
        sized = [f for f in fields if _SHAPE_WORDS.search(f[:-len(_last_number(f))] if _last_number(f) else f)
                 and not _PARAM_WORDS.search(f)]
        if not sized and len(fields) >= 2 and _last_number(fields[0]) and fields[0] not in counted:
            sized = fields[:1]
        if sized:
            number = _last_number(sized[0])
            cells["output_shape"] = number if number and re.search(r"[A-Za-z]", sized[0]) else sized[0]
            fields = [f for f in fields if f is not sized[0]]
    if counted:
        cells["params"] = counted[0]
    elif len(fields) == 1:
        cells["params"] = fields[0]
    return cells


def _last_number(field: str) -> str:
    """The bare whole number a field ends with (``-> 516``), or ''."""
    m = re.search(r"(?<![\w.,'*x×/+-])[0-9]+$", field)
    return m.group() if m else ""


def _only_working(field: str) -> bool:
    """``(8-3+1)=6 ->``: the working of a shape, not a count."""
    return field.rstrip().endswith(("->", "→", "=>")) or bool(re.fullmatch(r"[\s(]*input.*", field, re.I))


# -- labels ---------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:>\s*)*(?:[-*+•·▪◦]\s+|\(?[0-9]{1,2}[.)]\s+|\(?[a-h][.)]\s+|#+\s*)?")
_EMPHASIS = re.compile(r"\*\*|__|`")
_SEPARATOR = re.compile(r"^\s*(?:\((?P<type>[A-Za-z_]\w*)\))?\s*(?::|->|→|⟶|=>|=|\||—|–|-(?=\s))\s*")
_TOKEN = re.compile(r"^(?:layer\s+)?(?P<label>[A-Za-z_][\w.\-]*(?:\s[0-9]{1,2}(?![0-9',.]|\s[0-9]))?)", re.I)
_QUOTED = re.compile(r"""^\(?\s*(['"])(?P<label>[^'"]{1,40})\1\s*,\s*(?P<rest>.*?)\)?\s*$""")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+(?P<h>.+?)\s*#*|\*\*(?P<b>[^*]{1,40})\*\*\s*:?)\s*$")
_WORDY = re.compile(r"(?!None\b|torch\b|Size\b|params?\b|parameters\b)\b[A-Za-z]{2,}")
_VALUE_START = re.compile(r"^\s*(?:[\[(0-9]|torch\.Size)")


@dataclass
class Statement:
    """One line that answers a layer: its label, raw cells, and its line number."""

    label: str
    cells: dict[str, str]
    line: int
    named: bool  # the label is one of the exercise's layer names


def statements(text: str, lookup: LayerLookup) -> list[Statement]:
    """Every line of ``text`` that gives a layer's answers (in order)."""
    found: list[Statement] = []
    if not _DIGIT.search(text):
        return found  # every answer holds a number
    heading: tuple[str, bool] | None = None
    fenced = False
    for number, raw in _sentences(text):
        start = raw.lstrip()[:3]
        if start.startswith(("```", "~~~")):
            fenced = not fenced  # code shown in Markdown is the teacher's or the model's, not answers
            continue
        if fenced or not start or not (_DIGIT.search(raw) or start[0] == "#" or start[:2] == "**") \
                or _CODE.search(raw):
            continue  # a line without a number gives no answer; only a heading labels the lines below
        line = _EMPHASIS.sub("", raw).strip()
        head = _HEADING.match(raw.strip())
        if head:
            title = (head.group("h") or head.group("b") or "").strip(" :*_")
            label = _heading_label(title, lookup)
            if label is not None:
                heading = label
                cells = line_cells(title[len(label[0]):]) if title.lower().startswith(label[0].lower()) else {}
                if cells:
                    found.append(Statement(label[0], cells, number, label[1]))
                continue
        if heading is not None and _QUANTITY_LINE.match(_BULLET.sub("", line, count=1)):
            cells = line_cells(_BULLET.sub("", line))
            if cells:
                found.append(Statement(heading[0], cells, number, heading[1]))
            continue
        labelled = _labelled(line, lookup)
        if labelled is not None:
            label, named, rest = labelled
            cells = line_cells(rest, total=total_of(label) is not None)
            if cells:
                found.append(Statement(label, cells, number, named))
                heading = None
                continue
    return found


_QUANTITY_PHRASE = re.compile(r"\boutput\s+(?:shapes?|sizes?|dimensions?)\b", re.I)  # not the layer 'output'
_EXAMPLE = re.compile(r"\be\.g\.|\bfor example\b|\bhint\b|\bsuch as\b", re.I)
_STANDALONE = re.compile(r"(?<![\w.])[0-9]")
_CODE = re.compile(r"[A-Za-z_]\(|\bname\s*=|^\s*(?:import|from|model|x)\b.*=|^\s*>>>")
_SENTENCE_END = re.compile(r"(?<=[a-z)][.!?])\s+(?=[A-Z])")


def _sentences(text: str):
    """(line number, text) of each line, and of each sentence of a line of prose."""
    for number, line in enumerate(text.split("\n"), 1):
        if ". " in line and not line.lstrip().startswith(("#", "|")):
            for sentence in _SENTENCE_END.split(line):
                yield number, sentence
        else:
            yield number, line


def _heading_label(title: str, lookup: LayerLookup) -> tuple[str, bool] | None:
    named = _name_in(title, lookup, start_only=False)
    if named:
        return named, True
    words = title.split()
    if 1 <= len(words) <= 3 and not _DIGIT.search(title.replace(words[0], "")) and ":" not in title:
        return title, False
    return None


def _labelled(line: str, lookup: LayerLookup) -> tuple[str, bool, str] | None:
    """(label, whether it is a layer name, the rest of the line), or None."""
    body = _BULLET.sub("", line, count=1)
    quoted = _QUOTED.match(body)
    if quoted:
        label = quoted.group("label").strip()
        return label, lookup.find(label) is not None, quoted.group("rest")
    name = _name_in(body, lookup, start_only=True)
    if name:
        start = body.casefold().index(name.casefold()) if name.casefold() in body.casefold() else 0
        rest = body[start + len(name):]
        sep = _SEPARATOR.match(rest)
        if sep or (_VALUE_START.match(rest) and not _WORDY.search(rest)):
            return name, True, rest[sep.end():] if sep else rest
    m = _TOKEN.match(body)
    if m and role_of(m.group("label")) is None:  # 'Params: 1792' under a heading is no label
        label = m.group("label")
        after = body[m.end():]
        sep = _SEPARATOR.match(after)
        if sep:
            return label, False, after[sep.end():]
        if _VALUE_START.match(after) and not _WORDY.search(after) and (default_type(label) is not None or is_type_word(label)
                                          or lookup.find(label) is not None or total_of(label)):
            return label, lookup.find(label) is not None, after
    if lookup.ascii:  # a sentence names a layer: a test cheaper than the pattern (ASCII folds simply)
        low = body.casefold()
        if not any(name.casefold() in low for name in lookup.names):
            return None
    name = _name_in(_QUANTITY_PHRASE.sub(" ", body), lookup, start_only=False)
    if name and "?" not in body and not _EXAMPLE.search(body):
        cells = line_cells(body)
        if len(cells) == 2 and _STANDALONE.search(cells["params"]):  # a sentence: both answers, or none
            return name, True, body
    return None


def _name_in(text: str, lookup: LayerLookup, *, start_only: bool) -> str | None:
    """The one layer name ``text`` mentions (at its start only, or anywhere as a word)."""
    return _names_pattern(lookup.names, start_only)(text)


@functools.lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...], start_only: bool):
    ordered = sorted(names, key=len, reverse=True)
    alternation = "|".join(re.escape(n) for n in ordered if n)
    if not alternation:
        return lambda text: None
    flags = re.I
    if start_only:
        pattern = re.compile(rf"^(?:layer\s+)?({alternation})(?![\w])", flags)

        def find(text: str) -> str | None:
            m = pattern.match(text)
            return _canonical(m.group(1), ordered) if m else None
        return find
    pattern = re.compile(rf"(?<![\w.])({alternation})(?![\w])", flags)

    def find_one(text: str) -> str | None:
        found = {_canonical(m.group(1), ordered) for m in pattern.finditer(text)}
        return found.pop() if len(found) == 1 else None
    return find_one


def _canonical(text: str, names: list[str]) -> str:
    return next(n for n in names if n.casefold() == text.casefold())


# -- rows ------------------------------------------------------------------------------------------

def rows_of(found: list[Statement], where: str) -> list[Row]:
    """Statements as rows, one per label (a heading's lines together), in order."""
    rows: list[Row] = []
    last: dict[str, Row] = {}
    for statement in found:
        row = last.get(statement.label)
        if row is None or any(q in row.cells for q in statement.cells):  # a second 'Conv2D' line: a new row
            row = last[statement.label] = Row(statement.label)
            rows.append(row)
        for quantity, text in statement.cells.items():
            row.cells[quantity] = RawAnswer(text, f"{where}, line {statement.line}")
    return rows


def convincing(found: list[Statement]) -> bool:
    """Enough to be a student's answers and not a teacher's sentence: two lines or more,
    one of them naming a layer of the exercise, or three lines or more."""
    labels = {s.label for s in found}
    return (len(labels) >= 2 and any(s.named for s in found)) or len(labels) >= 3


# -- text around the lines -------------------------------------------------------------------------

_LATEX_TEXT = re.compile(r"\\(?:text|mathrm|textrm|texttt|mathbf|textbf|operatorname)\s*\{([^{}]*)\}")
_LATEX_ENV = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}")
_LATEX_WORDS = {"\\times": "×", "\\cdot": "·", "\\rightarrow": "→", "\\to": "→", "\\Rightarrow": "→",
                "\\quad": " ; ", "\\qquad": " ; ", "\\left": "", "\\right": "", "\\,": "", "\\;": " ",
                "\\!": "", "\\_": "_", "{,}": ","}
_LATEX_WORD = re.compile("|".join(re.escape(w) for w in sorted(_LATEX_WORDS, key=len, reverse=True)))


def is_latex(text: str) -> bool:
    return "\\begin{" in text or ("$$" in text and "\\\\" in text)


def from_latex(text: str) -> str:
    """A LaTeX ``aligned``/``array`` block as plain lines: ``\\text{conv1} &: 6 \\times 6
    \\times 64, \\quad (3 \\cdot 3 \\cdot 3 + 1) \\cdot 64 = 1792 \\\\`` -> ``conv1 : 6 × 6 × 64 ;
    (3 · 3 · 3 + 1) · 64 = 1792``."""
    text = _LATEX_TEXT.sub(r"\1", text)
    text = _LATEX_ENV.sub("\n", text)
    text = text.replace("\\\\", "\n").replace("$", "").replace("&", " ")
    text = _LATEX_WORD.sub(lambda m: _LATEX_WORDS[m.group()], text)
    return text.replace("{", "").replace("}", "")


_COMMENT = re.compile(r"(?<![\"'])#\s?(?P<comment>.*)$")
_CODE_NAME = re.compile(r"""name\s*=\s*['"](?P<name>[^'"]+)['"]""")
_CODE_TYPE = re.compile(r"(?<![\w.])(?:layers\.|nn\.|keras\.layers\.)?(?P<type>[A-Z]\w*)\s*\(")
_ATTRIBUTE = re.compile(r"self\.(?P<name>\w+)\s*=")


def from_comments(source: str) -> str:
    """A code cell's comments as lines to read; a comment beside a layer's code is labelled
    with the layer's ``name=`` or attribute (``self.conv1 = ...``), else its class."""
    lines = []
    for line in source.split("\n"):
        m = _COMMENT.search(line)
        if m is None or not _DIGIT.search(m.group("comment")):
            continue
        code, comment = line[:m.start()], m.group("comment").strip()
        label = _CODE_NAME.search(code) or _ATTRIBUTE.search(code)
        kind = next((k for k in _CODE_TYPE.finditer(code) if is_type_word(k.group("type"))), None)
        if label and not _starts_with_label(comment):
            comment = f"{label.group('name')}: {comment}"
        elif kind and not _starts_with_label(comment):
            comment = f"{kind.group('type')}: {comment}"
        lines.append(comment)
    return "\n".join(lines)


def _starts_with_label(comment: str) -> bool:
    return bool(re.match(r"^[A-Za-z_][\w.]*\s*(?:\([^)]*\))?\s*(?::|->|→|=)", comment))
