"""Reading answer values: every spelling of SPEC section 2 and the origin notebook's rows."""
from fractions import Fraction

import pytest

from grader.errors import AnswerFormatError
from grader.exercise import load_exercise
from grader.feedback import shape_text
from grader.values import (LIMIT, MAX_DEPTH, MAX_EXPRESSION, ParsedCount, ParsedShape, evaluate,
                           is_blank, parse_count, parse_shape)

from .conftest import EXERCISES, ORIGIN

# (text, value, expression, stated)
COUNTS = [
    ("1792", 1792, None, None),
    ("  1792\n", 1792, None, None),
    ("1,792", 1792, None, None),
    ("1'792", 1792, None, None),
    ("1\u2019792", 1792, None, None),              # typographic apostrophe (Swiss style)
    ("1 792", 1792, None, None),
    ("1\u00a0792", 1792, None, None),              # non-breaking space
    ("1\u2009792", 1792, None, None),              # thin space
    ("1\u202f792", 1792, None, None),              # narrow no-break space (French)
    ("1_792", 1792, None, None),
    ("1.792", 1792, None, None),                   # a dot before exactly three digits separates thousands
    ("12.345.678", 12345678, None, None),
    ("1,234,567", 1234567, None, None),
    ("0", 0, None, None),
    ("-", 0, None, None),
    ("--", 0, None, None),                         # torchinfo
    ("\u2014", 0, None, None),                     # em dash
    ("\u2013", 0, None, None),                     # en dash
    ("zero", 0, None, None),
    ("(3*3*3+1)*64", 1792, "(3*3*3+1)*64", None),
    ("(3\u00b73\u00b73 + 1) \u00d7 64", 1792, "(3*3*3+1)*64", None),
    ("(3x3x3+1)x64", 1792, "(3*3*3+1)*64", None),
    ("(3X3X3+1)X64", 1792, "(3*3*3+1)*64", None),
    ("(3 * 3 * 3 + 1) * 64", 1792, "(3*3*3+1)*64", None),
    ("3*3*3*64 + 64", 1792, "3*3*3*64+64", None),
    ("(8-3+1)*(8-3+1)*64", 2304, "(8-3+1)*(8-3+1)*64", None),
    ("7168/4", 1792, "7168/4", None),
    ("(5* 5* 1+1)* 32 = 832", 832, "(5*5*1+1)*32", 832),
    ("(3*3*3+1)*64 = 1792", 1792, "(3*3*3+1)*64", 1792),
    ("(3*3*3+1)*64 = 1,792", 1792, "(3*3*3+1)*64", 1792),
    ("(3*3*3+1)*64 -> 1792", 1792, "(3*3*3+1)*64", 1792),
    ("(3*3*3+1)*64 \u2192 1792", 1792, "(3*3*3+1)*64", 1792),
    ("(3*3*3+1)*64 \u2248 1792", 1792, "(3*3*3+1)*64", 1792),
    ("(128+1)*516 = 66,564", 66564, "(128+1)*516", 66564),
    ("(3*3*3+1)*64 = 28*64 = 1792", 1792, "(3*3*3+1)*64", 1792),
    ("= 217'706 learnable parameters", 217706, None, None),
    ("params = 1792", 1792, None, None),
    ("Total: 79,261", 79261, None, None),
    ("total params: 79,261", 79261, None, None),
    ("Total params: 79,261 (309.61 KB)", 79261, None, None),     # Keras 3 summary line
    ("Trainable params: 1,792", 1792, None, None),
    ("1792 params", 1792, None, None),
    ("1,792 learnable parameters.", 1792, None, None),
    ("1792 (1728 without the bias)", 1792, None, None),
    ("1792 (n=5)", 1792, None, None),
    ("n*m*(l+1)*k = (3*3*3+1)*64 = 1792", 1792, "(3*3*3+1)*64", 1792),  # symbolic working is not the answer
    ("(w*h*c + 1)*k = 1792", 1792, None, None),
    ("- (5* 5* 1+1)* 32 = 832", 832, "(5*5*1+1)*32", 832),    # a Markdown bullet, not a minus
    ("- 1792", 1792, None, None),
    ("**1,792**", 1792, None, None),
    ("`1792`", 1792, None, None),
    ("'1792'", 1792, None, None),
    ("$(3 \\times 3 \\times 3 + 1) \\times 64 = 1792$", 1792, "(3*3*3+1)*64", 1792),
    ("$(3 \\cdot 3 \\cdot 3 + 1) \\cdot 64$", 1792, "(3*3*3+1)*64", None),
    ("$1{,}792$", 1792, None, None),
    ("1\\,792", 1792, None, None),
    ("\uff11\uff17\uff19\uff12", 1792, None, None),              # full-width digits
    ("(3\u22173\u22173+1)\u221764", 1792, "(3*3*3+1)*64", None),
    ("(8\u22123+1)*64", 384, "(8-3+1)*64", None),                # U+2212 minus sign
    ("2*0.5*1792", 1792, "2*0.5*1792", None),
    ("1792.0", 1792, None, None),
    ("(1792)", 1792, None, None),
    ("conv1: 1792", 1792, None, None),
]

# The origin notebook's worked rows, as a reader hands the cells over.
ORIGIN_COUNTS = [
    ("(5* 5* 1+1)* 32   =     832 ((shape of width of the filter * shape of height of the filter+1) "
     "* number of filters)", 832, "(5*5*1+1)*32", 832),
    ("(3* 3 * 32+1)* 32  =   9'248 ((shape of width of filter * shape of height filte * previous "
     "output r+1) * number of filters)", 9248, "(3*3*32+1)*32", 9248),
    ("(32* 5* 5+1)* 256 = 205'056  ((current layer n*previous layer n)+1)", 205056, "(32*5*5+1)*256", 205056),
    ("(256+1)*10     =   2'570", 2570, "(256+1)*10", 2570),
    ("0", 0, None, None),
    ("So in your network, you have a total of 832 + 9'248 + 205'056 + 2'570 = 217'706 learnable parameters.",
     217706, "832+9248+205056+2570", 217706),
    ("1792", 1792, None, None),      # the Keras summary column of the YOUR TURN variant
    ("66564", 66564, None, None),
]


@pytest.mark.parametrize("text, value, expression, stated", COUNTS + ORIGIN_COUNTS)
def test_parse_count(text, value, expression, stated):
    parsed = parse_count(text)
    assert parsed == ParsedCount(value, expression, stated)
    assert type(parsed.value) is int
    assert not parsed.mismatch


@pytest.mark.parametrize("text, value, expression, stated, expected_value", [
    ("(3*3*3+1)*64 = 1728", 1728, "(3*3*3+1)*64", 1728, 1792),
    ("(3*3*3)*64 = 1792", 1792, "(3*3*3)*64", 1792, 1728),
    ("832 + 9248 = 10000", 10000, "832+9248", 10000, 10080),
    ("(3*3*3+1)/5 = 6", 6, "(3*3*3+1)/5", 6, Fraction(28, 5)),
])
def test_a_stated_result_that_disagrees_is_the_answer_and_reported(text, value, expression, stated,
                                                                    expected_value):
    parsed = parse_count(text)
    assert parsed == (value, expression, stated)
    assert parsed.mismatch
    assert evaluate(parsed.expression) == expected_value


def test_mismatch_is_false_without_working():
    assert not ParsedCount(1792, None, None).mismatch
    assert not ParsedCount(1792, "(3*3*3+1)*64", None).mismatch
    assert ParsedCount(1792, "(3*3*3+1)*65", 1792).mismatch


def test_the_origin_notebook_rows_are_in_the_origin_notebook():
    """Guard the table above against drift: every origin row is quoted from the notebook."""
    notebook = " ".join(ORIGIN.read_text(encoding="utf-8").split())
    for text, *_ in ORIGIN_COUNTS[:4] + ORIGIN_COUNTS[5:6]:
        assert " ".join(text.split()) in notebook


COUNT_ERRORS = [
    ("", r"cannot read '' as a number of parameters: it is empty; write it like 1792, 1,792"),
    ("six", r"cannot read 'six' as a number of parameters; write it like 1792, 1,792 or \(3\*3\*3 \+ 1\)\*64"),
    ("1.5", r"counts are whole numbers, and this is 1\.5"),
    ("1,5", r"unexpected ','"),
    ("5/2", r"counts are whole numbers, and this is 2\.5"),
    ("1/3", r"counts are whole numbers, and this is 1/3"),
    ("-5", r"cannot be negative"),
    ("1/0", r"division by zero"),
    ("1792 or 1728", r"more than one number"),
    ("1792 1728 4", r"an operator is missing between two numbers or parentheses"),
    ("3 by 3", r"more than one number"),
    ("(3*3*3+1*64", r"unbalanced parentheses"),
    ("(3*3*3+1))*64", r"unbalanced parentheses"),
    ("3*3*", r"it ends where a number is expected"),
    ("2(3+1)", r"an operator is missing"),
    ("(3*3*3+1)(64)", r"an operator is missing"),
    ("2**10", r"'\*' where a number is expected"),
    ("2^10", r"unexpected '\^' \(powers are written out: 3\*3, not 3\^2\)"),
    ("1e300", r"numbers must stay below 10\*\*30"),
    ("abs(-5)", r"cannot read 'abs\(-5\)'"),
    ("__import__('os')", r"cannot read"),
    ("9" * 31, r"numbers must stay below 10\*\*30"),
    ("10**15", r"'\*' where a number is expected"),
    ("9" * 16 + "*" + "9" * 16, r"numbers must stay below 10\*\*30"),
    ("(" * 21 + "1" + ")" * 21, rf"parentheses nested more than {MAX_DEPTH} deep"),
    ("1+" * 200 + "1", rf"too long \(401 characters, at most {MAX_EXPRESSION}\)"),
    ("1 " * 600, r"too long \(1200 characters, at most 1000\)"),
    ("(3*3*3+1)*64 = ", r"it ends where a number is expected|cannot read"),
    ("= 1792 or 1728", r"more than one number"),
    ("n/a", r"cannot read 'n/a'"),
    ("1,792.5", r"unexpected '\.'"),
    ("line one\nline two 3 4", r"^cannot read 'line one line two 3 4'"),   # messages stay on one line
]


@pytest.mark.parametrize("text, message", COUNT_ERRORS)
def test_parse_count_errors_say_how_to_write_it(text, message):
    with pytest.raises(AnswerFormatError, match=message) as caught:
        parse_count(text)
    assert "write it like 1792, 1,792 or (3*3*3 + 1)*64" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_long_text_is_cut_in_messages():
    with pytest.raises(AnswerFormatError) as caught:
        parse_count("these words are not a number " * 10)
    assert len(str(caught.value)) < 160
    assert "...'" in str(caught.value)


SHAPES = [
    ("6x6x64", (6, 6, 64)),
    ("6 x 6 x 64", (6, 6, 64)),
    ("6 \u00d7 6 \u00d7 64", (6, 6, 64)),
    ("6 X 6 X 64", (6, 6, 64)),
    ("6*6*64", (6, 6, 64)),
    ("6\u00b76\u00b764", (6, 6, 64)),
    ("(6, 6, 64)", (6, 6, 64)),
    ("(6,6,64)", (6, 6, 64)),
    ("(None, 6, 6, 64)", (6, 6, 64)),
    ("(none, 6, 6, 64)", (6, 6, 64)),
    ("(?, 6, 6, 64)", (6, 6, 64)),                 # TensorFlow 1 prints the batch as ?
    ("[6,6,64]", (6, 6, 64)),
    ("[None, 6, 6, 64]", (6, 6, 64)),
    ("6,6,64", (6, 6, 64)),
    ("64x6x6", (64, 6, 6)),                        # channels first stays as written
    ("128", (128,)),
    ("(None, 128)", (128,)),
    ("(128,)", (128,)),
    ("[128]", (128,)),
    ("1,152", (1152,)),                            # a count-like flatten size, not (1, 152)
    ("1 152", (1152,)),
    ("(1,152)", (1, 152)),                         # in parentheses it is a tuple
    ("128,128,3", (128, 128, 3)),
    ("[1, 64, 6, 6]", (1, 64, 6, 6)),              # torchinfo: the leading 1 is kept; grading decides
    ("torch.Size([64, 6, 6])", (64, 6, 6)),
    ("None x 6 x 6 x 64", (6, 6, 64)),
    ("(28-(5-1))=24 -> 32x24x24", (32, 24, 24)),   # the origin notebook's working
    ("(12-(3-1))=10 -> 32x10x10", (32, 10, 10)),
    ("(28-(5-1))=24 \u2192 32x24x24", (32, 24, 24)),
    ("24 => 24x24x32", (24, 24, 32)),
    ("8-3+1 = 6", (6,)),
    ("5*5*32 = 800", (800,)),                      # the last '=' gives the answer
    ("6x6x64 (=2304)", (6, 6, 64)),                # an '=' inside a remark is not working
    ("Output shape: (None, 6, 6, 64)", (6, 6, 64)),
    ("conv1: 6x6x64", (6, 6, 64)),
    ("6x6x64 (channels last)", (6, 6, 64)),
    ("6x6x64 feature maps", (6, 6, 64)),
    ("128 units", (128,)),
    ("**6x6x64**", (6, 6, 64)),
    ("`(None, 6, 6, 64)`", (6, 6, 64)),
    ("$6 \\times 6 \\times 64$", (6, 6, 64)),
    ("0x0x64", (0, 0, 64)),                        # readable, and wrong: grading says so
    ("1x28x28", (1, 28, 28)),                      # origin notebook, input row
    ("32x5x5", (32, 5, 5)),
    ("  - 32x12x12  ", (32, 12, 12)),              # origin notebook cell between separators
]


@pytest.mark.parametrize("text, dims", SHAPES)
def test_parse_shape(text, dims):
    parsed = parse_shape(text)
    assert parsed == ParsedShape(dims, text.strip())
    assert all(type(d) is int for d in parsed.dims)


SHAPE_ERRORS = [
    ("six by six", r"^cannot read 'six by six' as a shape; write it like 6x6x64 or \(6, 6, 64\)$"),
    ("", r"it is empty"),
    ("6 6 64", r"cannot read '6 6 64' as a shape"),
    ("()", r"no dimensions"),
    ("None (not sure)", r"cannot read"),         # a lone unknown is no shape; "(None,)" is one
    ("batch x None", r"cannot read"),
    ("6x6x64x", r"cannot read"),
    ("6x6x64, 12", r"cannot read"),
    ("6.5x6.5x64", r"cannot read"),
    ("-2x-2x64", r"cannot read"),
    ("[(None, 6), (None, 3)]", r"cannot read"),
    ("9" * 31, r"a dimension is too large"),
    ("x".join(["2"] * 17), r"more than 16 dimensions"),
    ("6x6x64 or 64x6x6", r"cannot read"),
    ("-", r"cannot read '-' as a shape"),
]


# Unknown dimensions (issue 10, item 10): None, null and ? are a size that is not known; a
# leading one is the batch when the shape has one dimension more than the true rank.
UNKNOWN_SHAPES = [
    ("?x16", 2, (None, 16)),
    ("Nonex16", 2, (None, 16)),
    ("None x 16", 2, (None, 16)),
    ("null x 16", 2, (None, 16)),
    ("(None, 16)", 2, (None, 16)),
    ("(None, None, 16)", 2, (None, 16)),           # Keras' summary of a sequence of any length
    ("[None, None, 16]", 2, (None, 16)),
    ("None, 16", 2, (None, 16)),
    ("batch x None x 16", 2, (None, 16)),          # a batch word is the batch, the None a size
    ("(batch, None, 16)", 2, (None, 16)),
    ("(?, ?, 16)", 2, (None, 16)),                 # TensorFlow 1
    ("16x?", 2, (16, None)),
    ("? x ? x 3", 3, (None, None, 3)),
    ("Output shape: (None, None, 16)", 2, (None, 16)),
    ("? x 16 (any length)", 2, (None, 16)),
    ("(?,)", 1, (None,)),                          # how a report writes one unknown dimension
    ("(None,)", 1, (None,)),
    ("(None, None)", 1, (None,)),
    ("None x 16", 1, (16,)),                       # the batch, when the true shape has one dimension
    ("(None, 16)", 1, (16,)),
    ("(?, 16)", 1, (16,)),                         # TensorFlow 1's batch
    ("?x16", 1, (None, 16)),                       # how reports write an unknown size: never the batch
    ("Output: ? x 16", 1, (None, 16)),
    ("?x6x6x64", None, (None, 6, 6, 64)),
    ("(None, 6, 6, 64)", 3, (6, 6, 64)),
    ("(None, 6, 6, 64)", 4, (None, 6, 6, 64)),
    ("(None, 6, 6, 64)", None, (6, 6, 64)),        # without a true rank a leading None is the batch
    ("(None, None, 64)", None, (None, 64)),
    ("(None,)", None, (None,)),
]


@pytest.mark.parametrize("text, rank, dims", UNKNOWN_SHAPES)
def test_parse_shape_unknown_dimensions(text, rank, dims):
    assert parse_shape(text, rank).dims == dims


@pytest.mark.parametrize("shape", [(None, 16), (None, None, 3), (16, None), (None,), (None, 6, 6, 64)])
def test_shapes_with_unknown_dimensions_read_back_as_written(shape):
    text = shape_text(shape)
    assert not is_blank(text)
    assert parse_shape(text, len(shape)).dims == shape


@pytest.mark.parametrize("text, message", SHAPE_ERRORS)
def test_parse_shape_errors_say_how_to_write_it(text, message):
    with pytest.raises(AnswerFormatError, match=message) as caught:
        parse_shape(text)
    assert str(caught.value).endswith("write it like 6x6x64 or (6, 6, 64)")


@pytest.mark.parametrize("text, blank", [
    (None, True), ("", True), ("   ", True), ("?", True), ("???", True), ("...", True), ("\u2026", True),
    ("TODO", True), ("todo", True), ("TBD", True), ("YOUR ANSWER HERE", True), ("# YOUR ANSWER HERE", True),
    ("your answer", True), ("<your answer>", True), ("[YOUR CODE HERE]", True), ("___", True),
    ("None", True), ("null", True), ("nan", True), ("NaN", True), ("xxx", True), ("**?**", True),
    ("-", False), ("--", False), ("0", False), ("1792", False), ("6x6x64", False), ("n/a", False),
    ("(None, 6, 6, 64)", False), ("x64", False),
])
def test_is_blank(text, blank):
    assert is_blank(text) is blank


@pytest.mark.parametrize("expression, value", [
    ("(3*3*3+1)*64", 1792),
    ("(3 \u00d7 3 \u00d7 3 + 1) \u00b7 64", 1792),
    ("1/3 + 1/6", Fraction(1, 2)),
    ("2.5*2", 5),
    ("-(2+3)", -5),
    ("2 - -3", 5),
    ("--4", 4),
    ("+4", 4),
    ("10 - 2 - 3", 5),           # left-associative
    ("64 / 4 / 2", 8),
    ("2 + 3 * 4", 14),           # precedence
    ("(2 + 3) x 4", 20),
    ("1,792 + 1'000", 2792),
    ("(" * MAX_DEPTH + "7" + ")" * MAX_DEPTH, 7),
    ("9" * 30, LIMIT - 1),
])
def test_evaluate(expression, value):
    result = evaluate(expression)
    assert isinstance(result, Fraction)
    assert result == value


@pytest.mark.parametrize("expression, message", [
    ("", r"no number"),
    ("2**3", r"'\*' where a number is expected"),
    ("pow(2, 3)", r"unexpected 'p'"),
    ("1 = 1", r"unexpected '='"),
    ("(1", r"unbalanced parentheses"),
    ("1)", r"unbalanced parentheses"),
    ("1/(2-2)", r"division by zero"),
    ("9" * 30 + " + 1", r"numbers must stay below 10\*\*30"),
    ("0." + "0" * 30 + "1", r"numbers must stay below"),
    ("(" * (MAX_DEPTH + 1) + "7" + ")" * (MAX_DEPTH + 1), r"nested more than 20 deep"),
    ("(" * 5000, r"too long"),
])
def test_evaluate_errors(expression, message):
    with pytest.raises(AnswerFormatError, match=message) as caught:
        evaluate(expression)
    assert "use numbers, + - * / x and parentheses" in str(caught.value)


def _solutions():
    for path in sorted(EXERCISES.glob("*.yaml")):
        for layer in load_exercise(path).solution.layers:
            yield pytest.param(layer, id=f"{path.stem}:{layer.name}")


@pytest.mark.parametrize("layer", list(_solutions()))
def test_the_engines_own_answers_read_back(layer):
    """What the engine prints as worked answers (checked against Keras/PyTorch) reads back exactly."""
    if layer.formula:
        assert evaluate(layer.formula) == layer.params
        parsed = parse_count(f"{layer.formula} = {layer.params:,}")
        assert (parsed.value, parsed.mismatch) == (layer.params, False)
        assert parsed.stated == (layer.params if parsed.expression else None)
    assert parse_count(f"{layer.params:,}").value == layer.params
    shape = tuple(layer.output_shape)
    assert parse_shape(shape_text(shape), len(shape)).dims == shape  # with the rank, as grading reads it
    assert parse_shape(str((None, *shape)), len(shape)).dims == shape
    if None not in shape:
        assert parse_shape("x".join(map(str, shape))).dims == shape
        assert parse_shape(str((None, *shape))).dims == shape


@pytest.mark.parametrize("text", ["{{ 7*7 }}", "{{6x6x64}}", "{{ 1792 }}"])
def test_template_braces_are_never_evaluated(text):
    with pytest.raises(AnswerFormatError, match="not arithmetic|as a shape"):
        parse_count(text)
    with pytest.raises(AnswerFormatError):
        parse_shape(text)


# -- issue 11: what students write outside a template --------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1.792e3", 1792), ("8.320e+03", 8320), ("6.6564e4", 66564), ("1e3", 1000), ("7.9261E4", 79261),
    ("(3*3*3+1)*64 = 1.792e3", 1792),
    ("**66,564** ✔️", 66564), ("79 261 ✅", 79261), ("1792 (≈1.8k)", 1792), ("(3*3*3+1)*64 ≈ 1792", 1792),
    ("1" + "0" * 15, 10 ** 15), ("123,456,789,012,345,678", 123456789012345678),  # issue 9: counts of 10**15 and more
])
def test_counts_students_write(text, value):
    assert parse_count(text).value == value


@pytest.mark.parametrize("text, message", [
    ("1.8k", "it is approximate, and the exact number is asked"),
    ("~66.6k", "it is approximate"), ("≈8,300", "it is approximate"), ("~79k", "it is approximate"),
    ("approx. 8300", "it is approximate"), ("66.5 thousand", "it is approximate"),
    ("1.7925e3", "counts are whole numbers, and this is 1792.5"),
    ("1" * 5000, "too long"), ("1" * 31, "numbers must stay below 10\\*\\*30"),
])
def test_approximate_and_impossible_counts_are_unreadable_never_another_number(text, message):
    with pytest.raises(AnswerFormatError, match=message):
        parse_count(text)


@pytest.mark.parametrize("text, rank, dims", [
    ("torch.Size([1, 64, 6, 6])", 3, (64, 6, 6)), ("(1, 64, 6, 6)", 3, (64, 6, 6)), ("[1, 516]", 1, (516,)),
    ("1x6x6x64", 3, (6, 6, 64)), ("(-1, 64, 6, 6)", 3, (64, 6, 6)), ("(-1, 64, 6, 6)", None, (64, 6, 6)),
    ("(1, 64, 6, 6)", None, (1, 64, 6, 6)),   # without the true rank a leading 1 is a dimension
    ("(1, 6, 64)", 3, (1, 6, 64)),            # as many dimensions as the truth: no batch
    ("3 by 3 by 64", None, (3, 3, 64)), ("[3 3 128]", None, (3, 3, 128)), ("[ 1  1 128]", 3, (1, 1, 128)),
    ("6@28×28", None, (6, 28, 28)), ("16 @ 10x10", None, (16, 10, 10)), ("6x6x64 ✔️", None, (6, 6, 64)),
])
def test_shapes_students_write(text, rank, dims):
    assert parse_shape(text, rank).dims == dims


def test_maps_at_height_by_width_names_the_channels():
    assert parse_shape("6@28×28", layout="channels_last").dims == (28, 28, 6)
    assert parse_shape("6@28×28", layout="channels_first").dims == (6, 28, 28)
