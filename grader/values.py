"""Reading answer values as people write them: shapes (6x6x64, (None, 6, 6, 64)) and
parameter counts (1,792, 1'792, (3*3*3+1)*64 = 1792), with a small safe evaluator.

Student text is never handed to eval/exec/ast: arithmetic goes through a tokenizer and an
iterative precedence parser bounded in length, nesting depth and magnitude (SPEC section 2).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from .errors import AnswerFormatError

MAX_TEXT = 1000          # characters in one answer, prose included
MAX_EXPRESSION = 300     # characters in one arithmetic expression
MAX_DEPTH = 20           # nesting of parentheses
MAX_DIGITS = 30          # digits of one number: more than any model has (issue 9: 10**15 and more are read)
LIMIT = 10 ** MAX_DIGITS  # every number, intermediate and result stays below this
MAX_DIMS = 16            # dimensions in one shape

COUNT_HINT = "write it like 1792, 1,792 or (3*3*3 + 1)*64"
SHAPE_HINT = "write it like 6x6x64 or (6, 6, 64)"
ARITHMETIC_HINT = "use numbers, + - * / x and parentheses"


class ParsedCount(NamedTuple):
    """A number of parameters: the answer, and the working when there is some."""

    value: int                 # the answer: the stated result when one is written, else the expression's value
    expression: str | None     # the arithmetic as written, canonical: "(3*3*3+1)*64"; None for a plain number
    stated: int | None         # the number after the last '=' when an expression precedes it

    @property
    def mismatch(self) -> bool:
        """The stated result differs from what the written expression gives."""
        if self.stated is None or self.expression is None:
            return False
        try:
            return evaluate(self.expression) != self.stated
        except AnswerFormatError:
            return True


class ParsedShape(NamedTuple):
    """An output shape without the batch dimension, in the layout the student wrote."""

    dims: tuple[int | None, ...]  # batch stripped; None: a size that is not known; any layout
    text: str                  # as written


class _Unreadable(Exception):
    """Why a piece of text is not a value; the public functions add what and how."""


# ---------------------------------------------------------------------------- normalising
_TABLE = str.maketrans({
    **dict.fromkeys("×✕✖⨯Xх", "x"),
    **dict.fromkeys("·⋅∙∗✱＊", "*"),
    **dict.fromkeys("÷∕／", "/"),
    **dict.fromkeys("−–—‒―﹣－‐‑", "-"),
    **dict.fromkeys("’‘′´`ʼ＇", "'"),
    **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                    "\u202f\u205f\u3000", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", None),
    **dict.fromkeys("→⟶➔➜⇾", "->"),
    **dict.fromkeys("⇒⟹", "=>"),
    **{chr(0xFF10 + d): str(d) for d in range(10)},
    "（": "(", "）": ")", "［": "[", "］": "]", "，": ",", "＝": "=", "＋": "+", "≃": "≈", "∼": "~",
})
# Check marks and emoji beside an answer (**66,564** ✔️): not part of it
_EMOJI = re.compile("[\u2600-\u27bf\u2b50\u2b55\ufe0f\u20e3\U0001F000-\U0001FAFF]+")
_LATEX = re.compile(r"\\(?:times|cdot|div|left|right|[,;:! ]|text|mathrm|quad)|\{,\}|[${}]")
_LATEX_REPLACEMENTS = {"\\times": "x", "\\cdot": "*", "\\div": "/", "{,}": ","}
_WRAPPERS = "'\"*_"


def _normalize(text: str, unwrap: bool = True) -> str:
    """One spelling for what people type: ASCII operators, plain spaces, no markup around."""
    t = text.translate(_TABLE)
    if not t.isascii():
        t = _EMOJI.sub(" ", t)
    # LaTeX math loses its markup; template braces ({{ 7*7 }}) are no math and stay, unreadable
    if ("\\" in t or "$" in t or "{" in t) and "{{" not in t and "}}" not in t:
        t = _LATEX.sub(_latex, t)
    t = t.strip()
    while unwrap and len(t) >= 2 and t[0] == t[-1] and t[0] in _WRAPPERS:
        t = t[1:-1].strip()
    return t


def _latex(m: re.Match) -> str:
    """Notebook Markdown math: $(3 \\times 3 + 1) \\cdot 64$, 1{,}792, 1\\,792."""
    found = m.group()
    if found in _LATEX_REPLACEMENTS:
        return _LATEX_REPLACEMENTS[found]
    return " " if found[1:2] in ",;:! " and len(found) == 2 else ""


def _quote(text: str) -> str:
    """The student's text for a one-line message: whitespace collapsed, long text cut."""
    short = " ".join(str(text).split())
    return f"'{short[:57]}...'" if len(short) > 60 else f"'{short}'"


# ---------------------------------------------------------------------------- the evaluator
# A number with thousands separators (one kind per number; a dot before exactly three
# digits is a separator, since counts are whole), a decimal, a whole number, an operator.
_TOKEN = re.compile(r"""\s*(?:
    ([1-9][0-9]{0,2}([,'_. ])[0-9]{3}(?:\2[0-9]{3})*)(?![0-9])
  | ([0-9]+\.[0-9]+)
  | ([0-9]+)
  | ([-+*/x()])
  | (\S)
)""", re.X)
_STRIP_SEPARATORS = str.maketrans("", "", ",'_. ")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "x": 2, "/": 2, "neg": 3}
_TOO_LARGE = f"numbers must stay below 10**{len(str(LIMIT)) - 1}"


def _check(value):
    if isinstance(value, int):
        if -LIMIT < value < LIMIT:
            return value
    elif -LIMIT < value.numerator < LIMIT and value.denominator < LIMIT:
        return value
    raise _Unreadable(_TOO_LARGE)


def _tokenize(text: str) -> list:
    """Numbers as int or Fraction, operators and parentheses as one-character strings."""
    if len(text) > MAX_EXPRESSION:
        raise _Unreadable(f"too long ({len(text)} characters, at most {MAX_EXPRESSION})")
    tokens: list = []
    for grouped, _, decimal, whole, op, bad in _TOKEN.findall(text):
        if op:
            tokens.append(op)
        elif whole:
            value = int(whole)
            if value >= LIMIT:
                raise _Unreadable(_TOO_LARGE)
            tokens.append(value)
        elif grouped:
            tokens.append(_check(int(grouped.translate(_STRIP_SEPARATORS))))
        elif decimal:
            tokens.append(_check(Fraction(decimal)))
        elif bad == "^":
            raise _Unreadable("unexpected '^' (powers are written out: 3*3, not 3^2)")
        elif bad:
            raise _Unreadable(f"unexpected '{bad}'")
    if not tokens:
        raise _Unreadable("no number")
    return tokens


def _apply(op: str, left, right):
    if op == "+":
        value = left + right
    elif op == "-":
        value = left - right
    elif op != "/":
        value = left * right
    elif right == 0:
        raise _Unreadable("division by zero")
    elif type(left) is int and type(right) is int and left % right == 0:
        return left // right
    else:
        value = Fraction(left) / right
    if type(value) is int and -LIMIT < value < LIMIT:
        return value
    return _check(value)


def _reduce(values: list, ops: list, precedence: int) -> None:
    """Apply the operators on the stack that bind at least as tightly as `precedence`."""
    while ops and ops[-1] != "(" and _PRECEDENCE[ops[-1]] >= precedence:
        op = ops.pop()
        if op == "neg":
            values[-1] = -values[-1]
        else:
            right = values.pop()
            values[-1] = _apply(op, values[-1], right)


def _run(tokens: list):
    """Evaluate with operator precedence, left to right (no recursion, so no stack to exhaust).

    expr := term (('+'|'-') term)* ; term := unary (('*'|'x'|'/') unary)* ;
    unary := ('+'|'-')* atom ; atom := number | '(' expr ')'.
    """
    values: list = []
    ops: list = []
    depth = 0
    operand = True  # expecting a number, a sign or '('
    for tok in tokens:
        if type(tok) is not str:
            if not operand:
                raise _Unreadable("an operator is missing between two numbers or parentheses")
            values.append(tok)
            operand = False
        elif operand:
            if tok == "(":
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Unreadable(f"parentheses nested more than {MAX_DEPTH} deep")
                ops.append("(")
            elif tok == "-":
                ops.append("neg")
            elif tok != "+":
                raise _Unreadable("unbalanced parentheses" if tok == ")" else f"'{tok}' where a number is expected")
        elif tok == ")":
            _reduce(values, ops, 0)
            if not ops:
                raise _Unreadable("unbalanced parentheses")
            ops.pop()
            depth -= 1
        elif tok == "(":
            raise _Unreadable("an operator is missing between two numbers or parentheses")
        else:
            _reduce(values, ops, _PRECEDENCE[tok])
            ops.append(tok)
            operand = True
    if operand:
        raise _Unreadable("it ends where a number is expected")
    _reduce(values, ops, 0)
    if ops:
        raise _Unreadable("unbalanced parentheses")
    return values[0]


def _spelling(tok) -> str:
    if type(tok) is str:
        return "*" if tok == "x" else tok
    return str(tok) if type(tok) is int else _decimal(tok)


def _decimal(value: Fraction) -> str:
    """A decimal literal back as digits (it came from a finite decimal, so this terminates)."""
    whole, rest = divmod(value, 1)
    digits = ""
    while rest:
        rest *= 10
        digit, rest = divmod(rest, 1)
        digits += str(digit)
    if len(digits) == 3:
        digits += "0"  # 1.125 would read as 1,125: a dot before three digits separates thousands
    return f"{whole}.{digits}" if digits else str(whole)


def _compile(text: str) -> tuple[int | Fraction, str, bool]:
    """(value, canonical spelling, whether it has an operator) of an arithmetic text."""
    tokens = _tokenize(text)
    value = _run(tokens)
    if len(tokens) == 1:
        return value, _spelling(tokens[0]), False
    canonical = "".join(map(_spelling, tokens))
    return value, canonical, any(tok in _PRECEDENCE for tok in tokens if type(tok) is str)


def evaluate(expression: str) -> Fraction:
    """The exact value of ``(3*3*3 + 1) × 64``-style arithmetic, never through eval.

    Numbers (with thousands separators), + - * / x × · and parentheses only; input length,
    nesting depth and magnitude are bounded. Raises AnswerFormatError.
    """
    if not isinstance(expression, str):
        raise AnswerFormatError(f"cannot read {_quote(expression)} as arithmetic; {ARITHMETIC_HINT}")
    try:
        value, _, _ = _compile(_normalize(expression, unwrap=False))
    except _Unreadable as why:
        raise AnswerFormatError(f"cannot read {_quote(expression)} as arithmetic: {why}; {ARITHMETIC_HINT}") from None
    return Fraction(value)


# ---------------------------------------------------------------------------- prose around values
# A word is a run of letters/digits with a letter other than the multiplication 'x'
# ("conv1", "params"); '3x3' and 'x64' are arithmetic. Other symbols (':', ';', '≈') end a run.
_PIECE = re.compile(r"(?<!\w)(?P<word>\w+)|[^\w\s+\-*/()=,'.^]")
_LETTER = re.compile(r"[^\W\d_x]")
_MATH_ONLY = re.compile(r"[0-9\s+\-*/()=,'._x^]*")
_DIGIT = re.compile(r"[0-9]")
_PARENS = re.compile(r"[()]")


def _breaks(text: str) -> list[tuple[int, int]]:
    """Spans of words and non-arithmetic symbols."""
    return [m.span() for m in _PIECE.finditer(text)
            if m.group("word") is None or _LETTER.search(m.group("word"))]


def _drop_remarks(text: str, breaks: list[tuple[int, int]]) -> str:
    """Remove parenthesised remarks that contain words: '832 ((width * height + 1) * filters)'."""
    starts = [s for s, _ in breaks]
    stack: list[int] = []
    remarks: list[tuple[int, int]] = []
    for m in _PARENS.finditer(text):
        if m.group() == "(":
            stack.append(m.start())
        elif stack:
            open_at = stack.pop()
            i = bisect_left(starts, open_at)
            if i < len(starts) and starts[i] < m.start():
                while remarks and remarks[-1][0] > open_at:  # inner remarks are inside this one
                    remarks.pop()
                remarks.append((open_at, m.end()))
    if not remarks:
        return text
    pieces, last = [], 0
    for start, end in remarks:
        pieces.append(text[last:start])
        pieces.append(" ")
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _runs(text: str) -> list[str]:
    """The stretches of arithmetic between words and symbols, remarks in parentheses dropped."""
    if _MATH_ONLY.fullmatch(text):
        return [text]
    breaks = _breaks(text)
    if not breaks:
        return [text]
    text = _drop_remarks(text, breaks)
    runs, last = [], 0
    for start, end in _breaks(text):
        runs.append(text[last:start])
        last = end
    runs.append(text[last:])
    return runs


# ---------------------------------------------------------------------------- counts
_PLAIN = re.compile(r"[0-9]{1,30}")
_GROUPED = re.compile(r"[1-9][0-9]{0,2}([,'_. ])[0-9]{3}(?:\1[0-9]{3}){0,9}")
# 1.792e3, 8.320e+03: exact, read as the whole number they are (issue 11)
_SCIENTIFIC = re.compile(r"(?<![\w.])([0-9]+(?:\.[0-9]+)?)[eE]([+-]?[0-9]{1,3})(?![\w.])")
# 1.8k, ~79k, ≈8,300, approx. 8300: approximate, and the exact count is asked
_APPROXIMATE = re.compile(r"^[^0-9]*[~≈]|\b(?:approx(?:imately|\.)?|roughly|circa|ca\.)(?!\w)|"
                          r"[0-9]\s*(?:[kKM]|thousand|million)(?![\w'])", re.I)
APPROXIMATE = "it is approximate, and the exact number is asked"
_DASHES = re.compile(r"-{1,3}")
_BULLET = re.compile(r"^\s*-\s+(?=[0-9(])")
_ZERO_WORDS = frozenset({"zero", "no params", "no parameters"})


def parse_count(text: str) -> ParsedCount:
    """A number of parameters as a student wrote it; raises AnswerFormatError saying how to write it."""
    if isinstance(text, str):
        plain = text.strip()
        if _PLAIN.fullmatch(plain):  # the common case, kept fast
            return ParsedCount(int(plain), None, None)
    try:
        return _count(text)
    except _Unreadable as why:
        reason = f": {why}" if str(why) else ""
        raise AnswerFormatError(f"cannot read {_quote(text)} as a number of parameters{reason}; {COUNT_HINT}") from None


def _count(text) -> ParsedCount:
    if not isinstance(text, str) or not text.strip():
        raise _Unreadable("it is empty")
    if len(text) > MAX_TEXT:
        raise _Unreadable(f"too long ({len(text)} characters, at most {MAX_TEXT})")
    t = _normalize(text)
    if "{{" in t or "}}" in t:  # template code ({{ 7*7 }}) is not arithmetic to evaluate
        raise _Unreadable("'{{' and '}}' are not arithmetic")
    grouped = _GROUPED.fullmatch(t)
    if grouped:  # 1,792 and 9'248, kept fast
        return ParsedCount(_check(int(t.translate(_STRIP_SEPARATORS))), None, None)
    if _DASHES.fullmatch(t) or t.lower() in _ZERO_WORDS:
        return ParsedCount(0, None, None)
    if _approximate(t):
        raise _Unreadable(APPROXIMATE)
    t = t.replace("≈", "=").replace("~", "=")  # (3*3*3+1)*64 ≈ 1792: working, then its result
    if "e" in t or "E" in t:
        t = _SCIENTIFIC.sub(_exact, t)
    t = t.replace("->", "=").replace("=>", "=")
    runs = _runs(t)
    with_digits = [i for i, run in enumerate(runs) if _DIGIT.search(run)]
    if not with_digits:
        raise _Unreadable("")
    stated = [i for i in with_digits if "=" in runs[i] and _DIGIT.search(runs[i].rpartition("=")[2])]
    chosen = stated[-1] if stated else with_digits[0]
    if with_digits[-1] != chosen:
        raise _Unreadable("more than one number")
    return _stated_count(runs[chosen]) if stated else _plain_count(runs[chosen])


def _approximate(t: str) -> bool:
    """``~79k``, ``≈8,300``, ``1.8k``, ``approx. 8300`` (a remark in parentheses aside)."""
    if not any(c in t for c in "~≈kKM") and "appro" not in t and "ca." not in t and not (
            "rough" in t or "circa" in t or "thousand" in t or "million" in t):
        return False
    main = _drop_remarks(t, _breaks(t)) if "(" in t else t
    return _APPROXIMATE.search(main.replace("->", "").replace("=>", "")) is not None


def _exact(m: re.Match) -> str:
    """A number in scientific notation written out (1.792e3 -> 1792); 1.7925e3 stays a
    decimal (1792.5), which a count cannot be."""
    exponent = int(m.group(2))
    if exponent > MAX_DIGITS:
        raise _Unreadable(_TOO_LARGE)
    value = Fraction(m.group(1)) * Fraction(10) ** exponent
    if value.denominator == 1:
        return str(value.numerator)
    raise _Unreadable(f"counts are whole numbers, and this is {_show(value)}")


def _strip_run(run: str) -> str:
    """The arithmetic of a run without a leading bullet, a closing ')' of an earlier remark,
    an opening '(' of a later one, or the full stop of a sentence."""
    return _BULLET.sub("", run).lstrip(" \t\r\n)").rstrip(" \t\r\n(.,;")


def _plain_count(run: str) -> ParsedCount:
    core = _strip_run(run)
    if _DASHES.fullmatch(core):
        return ParsedCount(0, None, None)
    value, canonical, has_operator = _compile(core)
    return ParsedCount(_whole(value), canonical if has_operator else None, None)


def _stated_count(run: str) -> ParsedCount:
    """'(3*3*3+1)*64 = 1792': the stated result is the answer; the working is kept when it reads."""
    left, _, right = run.rpartition("=")
    value, _, _ = _compile(_strip_run(right))
    stated = _whole(value)
    for segment in left.split("="):
        segment = _strip_run(segment)
        if not _DIGIT.search(segment):
            continue
        try:
            _, canonical, has_operator = _compile(segment)
        except _Unreadable:
            continue  # working that does not read (names, a missing parenthesis) is not the answer
        if has_operator:
            return ParsedCount(stated, canonical, stated)
        break
    return ParsedCount(stated, None, None)


def _show(value: Fraction) -> str:
    """3/2 as 1.5 when it is a short decimal, else as a fraction."""
    if (value * 10 ** 6).denominator != 1:
        return str(value)
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def _whole(value) -> int:
    if isinstance(value, Fraction):
        if value.denominator != 1:
            raise _Unreadable(f"counts are whole numbers, and this is {_show(value)}")
        value = int(value)
    if value < 0:
        raise _Unreadable("a number of parameters cannot be negative")
    return value


# ---------------------------------------------------------------------------- shapes
_INT = r"[0-9]+"
# a size, or one that is not known (Keras prints None: a sequence of any length)
_DIM = r"(?:[0-9]+|none|null|\?)"
# spellings that are only ever the batch; a leading None (or ? in a tuple, as TensorFlow 1
# printed the batch) is the batch when the shape has one dimension more than the true one
# (see _without_batch)
_BATCH = r"(?:batch(?:_size)?|bs|n|b|-1)"
# One of the spellings, then prose that has no other number outside a parenthesised remark.
_SHAPE = re.compile(rf"""(?:
    (?P<seq>[(\[]\s*(?:{_BATCH}\s*,\s*)?(?P<items>{_DIM}(?:\s*,\s*{_DIM})*)?\s*,?\s*[)\]])
  | (?P<grouped>[1-9][0-9]{{0,2}}(?P<sep>[,'_. ])[0-9]{{3}}(?:(?P=sep)[0-9]{{3}})*)
  | (?:{_BATCH}\s*[x*]\s*)?(?P<times>{_DIM}(?:\s*(?:[x*]|by)\s*{_DIM})*)
  | (?P<commas>{_DIM}(?:\s*,\s*{_DIM})+)
  | (?P<numpy>\[\s*{_INT}(?:\s+{_INT})+\s*\])
  | (?P<maps>{_INT})\s*@\s*(?P<plane>{_INT}(?:\s*[x*]\s*{_INT})*)
  )(?:$|[^\w])[^0-9(\[]*(?:[(\[].*)?""", re.X | re.I | re.S)
_LABEL = re.compile(r"^[^\W\d_][\w .#/-]*:\s*")
_TORCH_SIZE = re.compile(r"^torch\.size\s*\((.*)\)$", re.I | re.S)
_DIGITS = re.compile(r"[0-9]+")
_DIMS = re.compile(r"[0-9]+|none|null|\?", re.I)
_PLAIN_TIMES = re.compile(r"[0-9]{1,12}(?:x[0-9]{1,12}){0,15}")


def parse_shape(text: str, expected_rank: int | None = None, *, layout: str | None = None) -> ParsedShape:
    """An output shape as a student wrote it; raises AnswerFormatError saying how to write it.

    ``expected_rank``: the true shape's number of dimensions (without the batch). A shape
    written with one more, whose first is 1 (``torch.Size([1, 64, 6, 6])``, ``[1, 516]``:
    what printing ``x.shape`` after one sample gives), is read without it, and so is a
    leading ``None`` (Keras' ``(None, 6, 6, 64)``, TensorFlow 1's ``(?, 6, 6, 64)``);
    elsewhere ``None``, ``null`` and ``?`` are a dimension that is not known (``(None, None,
    16)`` and ``?x16`` are (None, 16) for a sequence of any length), and a leading ``?`` in
    the ``?x16`` notation reports use is never the batch. ``-1``, ``batch`` and ``bs`` in
    front are always the batch. ``layout``: where to put the channels of a shape whose
    notation names them (``6@28x28``, LeNet's maps@height×width): ``channels_last`` gives
    (28, 28, 6); otherwise (6, 28, 28), as written.
    """
    if isinstance(text, str):
        plain = text.strip()
        if _PLAIN_TIMES.fullmatch(plain):  # 6x6x64 and 128, kept fast
            dims = tuple(map(int, plain.split("x")))
            return ParsedShape(_without_batch(dims, expected_rank), plain)
    try:
        dims = _shape(text, layout)
    except _Unreadable as why:
        reason = f": {why}" if str(why) else ""
        raise AnswerFormatError(f"cannot read {_quote(text)} as a shape{reason}; {SHAPE_HINT}") from None
    # ?x128 is how reports write an unknown size: its leading ? is never the batch
    batch = not _UNKNOWN_FIRST.match(_answer_part(_normalize(text)))
    return ParsedShape(_without_batch(dims, expected_rank, batch), text.strip())


_UNKNOWN_FIRST = re.compile(r"^(?:[^\W\d_][\w .#/-]*:\s*)?\?\s*(?:[x*]|by)", re.I)


def _without_batch(dims: tuple[int | None, ...], expected_rank: int | None,
                   batch: bool = True) -> tuple[int | None, ...]:
    """The dimensions without a leading batch of 1 or None when there is one more than the
    true rank; without a true rank, a leading None is the batch (as Keras prints it).
    ``batch=False``: a leading None is a size that is not known, never the batch."""
    first = dims[0] if dims else 0
    if not batch and first is None:
        return dims
    if expected_rank is None:
        return dims[1:] if len(dims) > 1 and first is None else dims
    if len(dims) == expected_rank + 1 and first in (1, None):
        return dims[1:]
    return dims


def _shape(text, layout: str | None = None) -> tuple[int | None, ...]:
    if not isinstance(text, str) or not text.strip():
        raise _Unreadable("it is empty")
    if len(text) > MAX_TEXT:
        raise _Unreadable(f"too long ({len(text)} characters, at most {MAX_TEXT})")
    t = _answer_part(_normalize(text))
    t = _LABEL.sub("", t, count=1).strip(" -")
    size = _TORCH_SIZE.match(t)
    if size:
        t = size.group(1).strip()
    m = _SHAPE.fullmatch(t)
    if not m:
        raise _Unreadable("")
    if m.group("grouped"):
        return (_dim(m.group("grouped").translate(_STRIP_SEPARATORS)),)
    if m.group("maps"):
        plane = tuple(_dim(d) for d in _DIGITS.findall(m.group("plane")))
        maps = _dim(m.group("maps"))
        return plane + (maps,) if layout == "channels_last" else (maps,) + plane
    dims = m.group("items") or m.group("times") or m.group("commas") or m.group("numpy")
    if not dims:
        raise _Unreadable("no dimensions")
    values = tuple(_dim(d) for d in _DIMS.findall(dims))
    if values == (None,) and not m.group("seq"):  # "None (no idea)": no shape; "(None,)" is one
        raise _Unreadable("")
    if len(values) > MAX_DIMS:
        raise _Unreadable(f"more than {MAX_DIMS} dimensions")
    return values


def _answer_part(t: str) -> str:
    """What follows the working: after the last arrow, else after the last '=' outside parentheses."""
    arrow = max(t.rfind("->"), t.rfind("=>"))
    if arrow >= 0:
        return t[arrow + 2:].strip()
    equals = t.rfind("=")
    while equals >= 0 and t.count("(", 0, equals) > t.count(")", 0, equals):
        equals = t.rfind("=", 0, equals)
    return t[equals + 1:].strip() if equals >= 0 else t


def _dim(digits: str) -> int | None:
    if not digits.isdigit():  # None, null or ?: a size that is not known
        return None
    if len(digits) > MAX_DIGITS or int(digits) >= LIMIT:
        raise _Unreadable("a dimension is too large")
    return int(digits)


# ---------------------------------------------------------------------------- blanks
_BLANK = re.compile(r"[\s?.…_]+|x+|todo|tbd|tba|none|null|nan|"
                    r"(?:your )?(?:answer|code)(?: here)?|fill (?:me )?in|fill in here|enter (?:your )?answer",
                    re.I)


def is_blank(text: str | None) -> bool:
    """Empty or a placeholder ("?", "...", "TODO", "YOUR ANSWER HERE", None): a missing answer.

    "-" is not blank: for a count it is zero, as torchinfo prints "--".
    """
    if text is None:
        return True
    t = _normalize(str(text)).strip(" #<>[]{}*`\"':")
    return not t or _BLANK.fullmatch(t) is not None
