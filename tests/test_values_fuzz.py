"""Property tests of grader.values: any text gives a well-formed value or AnswerFormatError,
and the evaluator agrees with a reference computed from generated expression trees.

Examples per test come from GRADER_FUZZ_EXAMPLES (default sized for CI, about 20 s in all):
    GRADER_FUZZ_EXAMPLES=100000 python -m pytest -q tests/test_values_fuzz.py
"""
import os
from fractions import Fraction

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from grader.errors import AnswerFormatError
from grader.values import (LIMIT, MAX_DEPTH, MAX_DIMS, MAX_EXPRESSION, ParsedCount, ParsedShape, evaluate,
                           is_blank, parse_count, parse_shape)

EXAMPLES = int(os.environ.get("GRADER_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 1000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# ------------------------------------------------------------------ texts to throw at the parsers
FRAGMENTS = ["(", ")", "[", "]", "None", "none", "?", ",", ", ", "=", "->", "=>", "\u2192", "x", "X", "\u00d7",
             "\u00b7", "*", "/", "+", "-", "--", "\u2014", "\u2212", " ", "\u00a0", "\u2009", "'", "\u2019", "_",
             ".", "0", "1", "3", "6", "64", "128", "1,792", "1'792", "1 792", "1.792", "9" * 16, "0.5",
             "(3*3*3+1)*64", "6x6x64", "(None, 6, 6, 64)", "Total:", "params", "learnable parameters",
             "(shape of width+1)", "$", "\\times", "\\cdot", "{,}", "\\,", "**", "`", "\"", "TODO", "...",
             "torch.Size(", "\n", "\t", "^", "%", "e", "\u0663", "\uff11", "\u00b2", "\ufeff", "\u200b"]
fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
arithmetic_text = st.text(alphabet="0123456789+-*/x\u00d7\u00b7()=,'._ \u2192>N", max_size=300)
unicode_text = st.text(max_size=400)
deep_text = st.tuples(st.integers(0, 1200), st.integers(0, 1200),
                      st.sampled_from(["1", "3*3", "6x6x64", "None, 6", "-"])).map(
    lambda t: "(" * t[0] + t[2] + ")" * t[1])
huge_text = st.integers(-10 ** 60, 10 ** 60).flatmap(
    lambda n: st.sampled_from([str(n), f"{n:,}", f"{n:_}", f"{n:,}".replace(",", "'"),
                               f"{n:,}".replace(",", "."), f"{n:,}".replace(",", " ")]))
any_text = st.one_of(unicode_text, arithmetic_text, fragment_text, deep_text, huge_text)


def check_count(text: str) -> ParsedCount | None:
    """parse_count returns a well-formed ParsedCount or raises AnswerFormatError, nothing else."""
    try:
        parsed = parse_count(text)
    except AnswerFormatError as error:
        message = str(error)
        assert message.startswith("cannot read ") and "\n" not in message
        assert message.endswith("write it like 1792, 1,792 or (3*3*3 + 1)*64")
        return None
    assert type(parsed) is ParsedCount
    assert type(parsed.value) is int and 0 <= parsed.value < LIMIT
    assert parsed.expression is None or type(parsed.expression) is str
    assert isinstance(parsed.mismatch, bool)
    if parsed.stated is not None:
        assert parsed.expression is not None and parsed.stated == parsed.value
    if parsed.expression is not None:
        worked = evaluate(parsed.expression)  # the canonical spelling reads back
        assert parsed.mismatch == (parsed.stated is not None and worked != parsed.stated)
        if parsed.stated is None:
            assert worked == parsed.value
    return parsed


def check_shape(text: str) -> ParsedShape | None:
    try:
        parsed = parse_shape(text)
    except AnswerFormatError as error:
        message = str(error)
        assert message.startswith("cannot read ") and "\n" not in message
        assert message.endswith("write it like 6x6x64 or (6, 6, 64)")
        return None
    assert type(parsed) is ParsedShape
    assert type(parsed.dims) is tuple and 1 <= len(parsed.dims) <= MAX_DIMS
    # None: a size that is not known (a sequence's length: (None, None, 64))
    assert all(d is None or type(d) is int and 0 <= d < LIMIT for d in parsed.dims)
    assert parsed.text == text.strip()
    return parsed


@FUZZ
@given(any_text)
def test_any_text_reads_as_a_count_or_fails_cleanly(text):
    check_count(text)


@FUZZ
@given(any_text)
@example("NONEXNONE")          # found by the 100,000-example run: sizes that are not known
def test_any_text_reads_as_a_shape_or_fails_cleanly(text):
    check_shape(text)


@FUZZ
@given(any_text)
def test_evaluate_and_is_blank_on_any_text(text):
    assert type(is_blank(text)) is bool
    try:
        value = evaluate(text)
    except AnswerFormatError as error:
        assert "\n" not in str(error) and str(error).endswith("use numbers, + - * / x and parentheses")
    else:
        assert type(value) is Fraction and abs(value.numerator) < LIMIT and value.denominator < LIMIT
    if is_blank(text):  # a placeholder is never also a value
        assert check_count(text) is None and check_shape(text) is None


# ------------------------------------------------------------------ expression trees with a reference value
class Bound(Exception):
    """The reference's own verdict that the evaluator must refuse the expression."""


def bounded(value: Fraction) -> Fraction:
    if abs(value.numerator) >= LIMIT or value.denominator >= LIMIT:
        raise Bound
    return value


def number_text(draw, n: int) -> str:
    if n < 1000:
        return str(n)
    sep = draw(st.sampled_from(["", ",", "'", "_", ".", " ", "\u00a0", "\u2009", "\u2019"]))
    return f"{n:,}".replace(",", sep)


SPELLINGS = {"+": ["+"], "-": ["-", "\u2212", "\u2013"], "*": ["*", "x", "X", "\u00d7", "\u00b7", "\u2217"],
             "/": ["/", "\u00f7"]}
SPACES = ["", "", " ", "  ", "\u00a0", "\u2009"]


@st.composite
def expression(draw, budget=6):
    """(text, reference value or Bound, nesting depth of the text) built from a random tree."""
    kind = draw(st.sampled_from(["num", "num", "num", "neg", "bin", "bin", "bin", "paren"]) if budget > 0
                else st.just("num"))
    if kind == "num":
        if draw(st.integers(0, 9)) == 0:  # a decimal, never with three digits (that is a thousands separator)
            whole, digits = draw(st.integers(0, 999)), draw(st.sampled_from([1, 2, 4]))
            frac = draw(st.integers(0, 10 ** digits - 1))
            text = f"{whole}.{frac:0{digits}d}"
            return text, Fraction(text), 0, 3
        n = draw(st.one_of(st.integers(0, 100), st.integers(0, 10 ** 7), st.integers(0, 10 ** 16)))
        value = n if n < LIMIT else Bound
        return number_text(draw, n), value, 0, 3
    if kind == "paren":
        text, value, depth, _ = draw(expression(budget - 1))
        return f"({text})", value, depth + 1, 3
    if kind == "neg":
        text, value, depth, prec = draw(expression(budget - 1))
        if prec < 3:
            text, depth = f"({text})", depth + 1
        sign = draw(st.sampled_from(SPELLINGS["-"]))
        return sign + text, (value if value is Bound else -value), depth, 3
    op = draw(st.sampled_from("+-*/"))
    prec = 1 if op in "+-" else 2
    left, lv, ld, lp = draw(expression(budget - 1))
    right, rv, rd, rp = draw(expression(budget - 1))
    if lp < prec:
        left, ld = f"({left})", ld + 1
    if rp <= prec:  # left-associative: a right operand of the same precedence needs parentheses
        right, rd = f"({right})", rd + 1
    space = draw(st.sampled_from(SPACES))
    text = f"{left}{space}{draw(st.sampled_from(SPELLINGS[op]))}{draw(st.sampled_from(SPACES))}{right}"
    return text, apply(op, lv, rv), max(ld, rd), prec


def apply(op, left, right):
    if left is Bound or right is Bound:
        return Bound
    try:
        if op == "+":
            return bounded(Fraction(left) + right)
        if op == "-":
            return bounded(Fraction(left) - right)
        if op == "*":
            return bounded(Fraction(left) * right)
        if right == 0:
            return Bound
        return bounded(Fraction(left) / right)
    except Bound:
        return Bound


def reference(tree):
    text, value, depth, _ = tree
    if value is Bound or depth > MAX_DEPTH or len(text) > MAX_EXPRESSION:
        return Bound
    return Fraction(value)


@FUZZ
@given(expression())
def test_evaluate_agrees_with_the_tree(tree):
    expected = reference(tree)
    if expected is Bound:
        try:
            evaluate(tree[0])
        except AnswerFormatError:
            return
        raise AssertionError(f"{tree[0]!r} should be refused")
    assert evaluate(tree[0]) == expected


@FUZZ
@given(expression(), st.sampled_from([None, 0, 1, -1, 64]))
def test_counts_agree_with_the_tree(tree, offset):
    text, expected = tree[0], reference(tree)
    assume(not text.lstrip().startswith(("-", "\u2212", "\u2013")))  # '- 3' may be a Markdown bullet
    whole = expected is not Bound and expected.denominator == 1 and 0 <= expected < LIMIT
    if offset is None:
        parsed = check_count(text)
        assert (parsed is not None) == whole
        if whole:
            assert parsed.value == expected
        return
    stated = (int(expected) if whole else 1792) + offset
    assume(0 <= stated < LIMIT)
    parsed = check_count(f"{text} = {stated:,} parameters")
    assert parsed is not None and parsed.value == stated
    if expected is not Bound:
        assert parsed.expression is not None or not any(c in text for c in "+-*/x\u00d7\u00b7\u2217\u00f7\u2212\u2013X")
        assert parsed.mismatch == (parsed.expression is not None and expected != stated)


@st.composite
def shape_text(draw):
    dims = draw(st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=6))
    items = [str(d) for d in dims]
    style = draw(st.sampled_from(["x", "times", "tuple", "none", "list", "torch", "commas", "arrow", "label"]))
    sep = draw(st.sampled_from(SPACES))
    if style == "x":
        text = f"{sep}{draw(st.sampled_from(['x', 'X', '*']))}{sep}".join(items)
    elif style == "times":
        text = " \u00d7 ".join(items)
    elif style == "tuple":
        text = f"({', '.join(items)}{',' if len(items) == 1 else ''})"
    elif style == "none":
        text = f"(None, {', '.join(items)})"
    elif style == "list":
        text = f"[{draw(st.sampled_from(['', 'None, ']))}{','.join(items)}]"
    elif style == "torch":
        text = f"torch.Size([{', '.join(items)}])"
    elif style == "commas":
        text = ", ".join(items)   # with spaces: '1,152' alone is a thousands-grouped size
    elif style == "arrow":
        text = f"({draw(st.integers(1, 99))}-(5-1))={draw(st.integers(1, 99))} -> {'x'.join(items)}"
    else:
        text = f"Output shape: {'x'.join(items)} (channels last)"
    return text, tuple(dims)


@FUZZ
@given(shape_text())
def test_shapes_read_back_in_every_spelling(case):
    text, dims = case
    parsed = check_shape(text)
    assert parsed is not None and parsed.dims == dims


@FUZZ
@given(st.integers(0, LIMIT - 1), st.sampled_from(["", ",", "'", "_", ".", " ", "\u00a0", "\u2009", "\u2019"]),
       st.sampled_from(["{}", " {} ", "{} params", "Total: {}", "= {} learnable parameters", "**{}**", "`{}`"]))
def test_counts_read_back_in_every_spelling(n, sep, frame):
    text = frame.format(f"{n:,}".replace(",", sep))
    parsed = check_count(text)
    assert parsed is not None and parsed.value == n
