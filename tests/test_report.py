"""Feedback reports (grader.report): golden HTML and text, structure read with a real HTML5
parser, escaping of everything a submission can hold, and `reveal` in every output.

Golden files live in tests/golden/reports/; refresh them with GRADER_REFRESH_GOLDEN=1
after checking the difference (see golden() below).
"""
from __future__ import annotations

import dataclasses
import os
import re
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.answers import Identity
from grader.checking import CheckedResult
from grader.errors import GraderError
from grader.exercise import Grading, load_exercise
from grader.feedback import Note, Score, number, shape_text
from grader.report import (Templates, markdown_html, render_cell, render_report, render_summary, report_view,
                           templates_path)
from grader.result import Item, Result

from .conftest import EXERCISES, ROOT

html5lib = pytest.importorskip("html5lib", reason="html5lib (the test extra) parses the reports")

GOLDEN = Path(__file__).parent / "golden" / "reports"
REFRESH = os.environ.get("GRADER_REFRESH_GOLDEN") == "1"


def golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/golden/reports/NAME; GRADER_REFRESH_GOLDEN=1 rewrites it.

    The volatile part (the grader version) is normalised before comparing.
    """
    text = re.sub(r"grader \d+(?:\.\d+)+(?:\.?(?:dev|a|b|rc|post)\d*)?(?:\+[\w.]+)?", "grader VERSION", text)
    path = GOLDEN / name
    if REFRESH or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not REFRESH:
            pytest.fail(f"{path} did not exist and was written: check it and commit it")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from the golden file; if the change is intended, rerun with "
        "GRADER_REFRESH_GOLDEN=1 and review the diff")


# -- hand-built results on the origin notebook's exercise ----------------------------------

EXERCISE = load_exercise(EXERCISES / "cnn-8x8x3.yaml")


def with_reveal(reveal: str, instructions: str | None = None):
    exercise = dataclasses.replace(EXERCISE, grading=Grading(reveal=reveal))
    if instructions is not None:
        exercise = dataclasses.replace(exercise, instructions=instructions)
    return exercise


def _item(layer, quantity, answer, status, points, max_points=1, **kw) -> Item:
    """An item made by hand, with the expected value worked as the golden files show it."""
    solution = EXERCISE.solution
    if layer is None:
        expected = solution.total_params
        formula = " + ".join(number(x.params) for x in solution.layers if x.params) + f" = {number(expected)}"
    elif quantity == "output_shape":
        expected = solution.layer(layer).output_shape
        formula = shape_text(expected)
    else:
        solved = solution.layer(layer)
        expected = solved.params
        formula = f"{solved.formula} = {number(expected)}" if solved.params else "0"
    return Item(layer, quantity, answer, kw.pop("where", ""), None, status, F(points), F(max_points), expected,
                formula, **kw)


def partly_right() -> Result:
    """One of each verdict, two named mistakes, hostile answers among them."""
    items = [
        _item("conv1", "output_shape", "6x6x64", "correct", 1),
        _item("conv1", "params", "3*3*3*64 = 1728", "incorrect", 0, mistake="forgot_bias",
              mistake_title="Forgot the bias", working="3*3*3 * 64 = 1,728",
              explanation="A convolution learns one bias per filter, added after the weighted sum."),
        _item("pool1", "output_shape", "4x4x64", "incorrect", 0, mistake="pool_rounding",
              mistake_title="Pooling rounded up", working="ceil(6 / 2) = 4",
              explanation="Pooling with 'valid' padding drops the incomplete window: it rounds down."),
        _item("pool1", "params", "0", "correct", 1),
        _item("conv2", "output_shape", "4x4x128", "follow_through", 1,
              basis="your pool1 output shape 4x4x64", own_formula="4x4 -> 4x4x128"),
        _item("conv2", "params", "8,320", "correct", 1),
        _item("pool2", "output_shape", "<script>alert(1)</script>", "unreadable", 0,
              message="write a shape such as 6x6x64 or (None, 6, 6, 64)"),
        _item("pool2", "params", "0", "correct", 1),
        _item("flatten", "output_shape", None, "missing", 0),
        _item("flatten", "params", "{{ 7*7 }}", "unreadable", 0,
              message="write a whole number such as 1792, 1,792 or an expression such as (3*3+1)*8"),
        _item("fc", "output_shape", "516", "correct", 1),
        _item("fc", "params", "(128+1)*516 = 66,564", "correct", 1),
        _item("out", "output_shape", "5", "correct", 1),
        _item("out", "params", "(516+1)*5 = 2,588", "correct", 1,
              message="your working (516+1)*5 gives 2,585, not the 2,588 you wrote; 2,585 was graded"),
        _item(None, "total_params", "79,197", "incorrect", 0, 2, mistake="sum_mismatch",
              mistake_title="Total differs from your layers",
              explanation="The total is the sum of the layers' parameters.",
              working="your layers add up to 79,269"),
    ]
    return Result("cnn-8x8x3", "submissions/doejane_12345_98765_params.ipynb",
                  Identity("doejane", name="Jane Doe", canvas_id="12345", source="canvas"), EXERCISE.max_score,
                  items=tuple(items), notes=("Row 'dropout' does not match any layer of the exercise.",),
                  source="answers cell (Markdown table)")


def all_correct() -> Result:
    items = []
    for layer in EXERCISE.solution.layers:
        items.append(_item(layer.name, "output_shape", shape_text(layer.output_shape), "correct", 1))
        items.append(_item(layer.name, "params", number(layer.params), "correct", 1))
    items.append(_item(None, "total_params", "79261", "correct", 2, 2))
    return Result("cnn-8x8x3", "s1.yaml", Identity("s1", late=True), EXERCISE.max_score, items=tuple(items),
                  source="answer file (YAML)")


def all_wrong() -> Result:
    """Answers that share no digits pattern with the expected values (for the reveal tests)."""
    items = []
    for layer in EXERCISE.solution.layers:
        items.append(_item(layer.name, "output_shape", "9x9x9", "incorrect", 0, mistake="off_by_one",
                           mistake_title="Off by one", explanation="A window of k fits n - k + 1 times.",
                           working=f"{shape_text(layer.output_shape)} minus one"))
        items.append(_item(layer.name, "params", "4", "incorrect", 0, mistake="forgot_bias",
                           working=f"{number(layer.params)} less the bias"))
    items.append(_item(None, "total_params", "", "missing", 0, 2))
    return Result("cnn-8x8x3", "s2.ipynb", Identity("s2"), EXERCISE.max_score, items=tuple(items))


def unreadable_file() -> Result:
    return Result("cnn-8x8x3", "broken.ipynb", Identity("broken"), EXERCISE.max_score,
                  errors=("broken.ipynb:3: not a notebook: invalid JSON (Expecting ',' delimiter)",))


def parse(html: str):
    """Parse as a browser would; strict=True fails on any HTML5 parse error."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


# -- golden files -------------------------------------------------------------------------

CASES = {
    "partly-right": (partly_right, "answers"),
    "all-correct": (all_correct, "answers"),
    "partly-right-correctness": (partly_right, "correctness"),
    "partly-right-nothing": (partly_right, "nothing"),
    "unreadable-file": (unreadable_file, "answers"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_html_report_matches_golden(case):
    build, reveal = CASES[case]
    golden(f"{case}.html", render_report(build(), with_reveal(reveal)))


@pytest.mark.parametrize("case", sorted(CASES))
def test_text_summary_matches_golden(case):
    build, reveal = CASES[case]
    golden(f"{case}.txt", render_summary(build(), with_reveal(reveal)))


# -- structure ----------------------------------------------------------------------------

def test_report_has_a_row_group_per_layer_in_order_and_a_row_per_item():
    doc = parse(render_report(partly_right(), EXERCISE))
    groups = doc.findall(".//table[@class='gr-answers']/tbody")
    assert [g.get("data-layer") for g in groups] == [*EXERCISE.layer_names, "model"]
    rows = doc.findall(".//tr[@data-status]")
    assert [(r.get("data-quantity"), r.get("data-status")) for r in rows[:3]] == [
        ("output_shape", "correct"), ("params", "incorrect"), ("output_shape", "incorrect")]
    assert len(rows) == len(partly_right().items)
    for row in rows:
        verdict = next(text_of(s) for s in row.iter("span") if s.get("class", "").startswith("gr-verdict"))
        assert verdict.split(" ", 1)[1] in ("correct", "follow-through", "incorrect", "missing", "unreadable")


@pytest.mark.parametrize("status,symbol,word", [
    ("correct", "✓", "correct"), ("follow_through", "↪", "follow-through"), ("incorrect", "✗", "incorrect"),
    ("missing", "–", "missing"), ("unreadable", "?", "unreadable"),
])
def test_each_verdict_is_shown_by_symbol_and_word(status, symbol, word):
    doc = parse(render_report(partly_right(), EXERCISE))
    row = doc.find(f".//tr[@data-status='{status}']")
    assert f"{symbol} {word}" in text_of(row)


def test_report_is_self_contained():
    html = render_report(partly_right(), with_reveal("answers", "See [the notes](https://example.org/n) "
                                                              "and ![a diagram](https://example.org/d.png)."))
    doc = parse(html)
    assert doc.findall(".//script") == [] and doc.findall(".//link") == [] and doc.findall(".//img") == []
    assert [e.tag for e in doc.iter() if e.get("src") is not None] == []
    # the only hrefs are the instructor's links, which nothing fetches; the image became one
    assert sorted(a.get("href") for a in doc.iter("a")) == ["https://example.org/d.png", "https://example.org/n"]
    style = "".join(s.text for s in doc.iter("style"))
    assert "url(" not in style and "@import" not in style
    csp = doc.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")
    assert csp.startswith("default-src 'none'")


def test_report_shows_score_student_and_worked_formulas():
    doc = parse(render_report(partly_right(), EXERCISE))
    score = text_of(doc.find(".//div[@role='status']"))
    assert score.startswith("Score 9 / 16 56%")
    meta = text_of(doc.find(".//dl"))
    assert "doejane (Jane Doe)" in meta and "answers cell (Markdown table)" in meta
    expected = [text_of(td) for td in doc.iter("td") if td.get("class") == "gr-expected"]
    assert "(3*3*3 + 1) * 64 = 1,792" in expected
    assert "1,792 + 8,320 + 66,564 + 2,585 = 79,261" in expected
    assert "6x6x64" in expected


def test_a_warning_about_the_whole_submission_comes_first():
    result = dataclasses.replace(partly_right(), warnings=("labels match no layer of this exercise: graded by order",))
    html = render_report(result, EXERCISE)
    assert html.index("Read this first") < html.index("labels match no layer") < html.index('class="gr-answers"')
    assert "!! labels match no layer of this exercise: graded by order" in render_summary(result, EXERCISE)


def test_report_of_an_unreadable_file_says_why():
    doc = parse(render_report(unreadable_file(), EXERCISE))
    assert "invalid JSON (Expecting ',' delimiter)" in text_of(doc.find(".//section[@role='alert']"))
    assert doc.findall(".//table") == []


def test_print_and_plain_rendering_rules_exist():
    css = (templates_path() / "_style.css.j2").read_text()
    assert "@media print" in css
    # one stylesheet serves the page and the notebook cell: every rule is scoped to the report
    body = re.sub(r"\{#.*?#\}|/\*.*?\*/", "", css, flags=re.S)
    body = re.sub(r"@media[^{]*\{", "", body)
    selectors = re.findall(r"(?:^|})\s*([^{}@]+?)\s*\{", body)
    for group in selectors:
        for selector in group.split(","):
            assert selector.strip().startswith(".grader-report"), selector


# -- escaping -----------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "{% raw %}x",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "&amp; &lt;",
]


@pytest.mark.parametrize("answer", HOSTILE)
def test_answers_are_shown_as_text_never_as_markup(answer):
    result = partly_right()
    items = (dataclasses.replace(result.items[0], answer=answer, where=answer), *result.items[1:])
    result = dataclasses.replace(result, items=items, notes=(*result.notes, answer), identity=Identity(answer),
                                 submission=answer)
    html = render_report(result, EXERCISE)
    doc = parse(html)
    assert doc.findall(".//script") == [] and doc.findall(".//img") == []
    assert all(not name.startswith("on") for e in doc.iter() for name in e.attrib)
    first = doc.find(".//tr[@data-status]/td[@class='gr-answer']")
    assert text_of(first) == " ".join(answer.split())
    assert "49" not in text_of(doc.find(".//table"))
    summary = render_summary(result, EXERCISE)
    assert answer in summary and "&lt;" not in summary.replace("&amp; &lt;", "")


def test_control_characters_cannot_drive_the_terminal():
    result = partly_right()
    first = dataclasses.replace(result.items[0], answer="6x6\x1b[2J\x1b]0;pwned\x07x64\u202e")
    result = dataclasses.replace(result, items=(first, *result.items[1:]))
    summary = render_summary(result, EXERCISE)
    assert "\x1b" not in summary and "\x07" not in summary and "\u202e" not in summary
    assert "6x6\\x1b[2J\\x1b]0;pwned\\x07x64\\u202e" in summary
    assert "\x1b" not in render_report(result, EXERCISE)


def test_instructions_markdown_is_rendered_and_raw_html_escaped():
    html = str(markdown_html("Use **bold**, `code` and <b onclick=x>tags</b>.\n\n"
                             "[x](javascript:alert(1))\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
    doc = parse(f"<!doctype html><title>t</title>{html}")
    assert doc.find(".//strong").text == "bold" and doc.find(".//code").text == "code"
    assert doc.findall(".//b") == [] and "&lt;b onclick=x&gt;" in html
    assert all(not (a.get("href") or "").startswith("javascript") for a in doc.iter("a"))
    assert doc.find(".//table") is not None


# -- reveal -------------------------------------------------------------------------------

def expected_texts() -> list[str]:
    """Every way an expected value of the exercise could be written (long enough to grep)."""
    out = {"(3*3*3 + 1) * 64", "79,261", "79261"}
    for layer in EXERCISE.solution.layers:
        out |= {shape_text(layer.output_shape), layer.formula}
        if layer.params:
            out |= {number(layer.params), str(layer.params)}
    return sorted(t for t in out if len(t) >= 3)


@pytest.mark.parametrize("reveal", ["correctness", "nothing"])
def test_hidden_expected_values_appear_in_no_output(reveal):
    exercise = with_reveal(reveal, instructions="Work out every layer's output shape and parameters.")
    result = all_wrong()
    checked = CheckedResult(**{f.name: getattr(result, f.name) for f in dataclasses.fields(Result) if f.init},
                            spec=exercise)
    outputs = {"html": render_report(result, exercise), "text": render_summary(result, exercise),
               "cell": checked._repr_html_()}
    tokens = expected_texts()
    assert "1,792" in tokens and "6x6x64" in tokens
    for name, text in outputs.items():
        leaked = [t for t in tokens if t in text]
        assert leaked == [], f"{reveal}: {name} shows {leaked}"
        assert "Expected" not in text and "minus one" not in text and "less the bias" not in text
        if reveal == "nothing":
            assert "Off by one" not in text and "off_by_one" not in text


def test_reveal_correctness_keeps_verdicts_and_score():
    result = partly_right()
    view = report_view(result, with_reveal("correctness"))
    rows = [row for group in view["groups"] for row in group.rows]
    assert [r.word for r in rows[:3]] == ["correct", "incorrect", "incorrect"]
    assert view["score"].points == "9" and all(r.expected == r.formula == "" for r in rows)
    # how to write an unreadable value stays: it is about the format, not the answer
    assert rows[6].notes == (Note("message", "", "Write a shape such as 6x6x64 or (None, 6, 6, 64)."),)
    assert rows[1].notes == (Note("mistake", "Forgot the bias.",
                                  "A convolution learns one bias per filter, added after the weighted sum."),)


def test_reveal_nothing_is_a_receipt():
    view = report_view(partly_right(), with_reveal("nothing"))
    words = {row.word for group in view["groups"] for row in group.rows}
    assert words == {"received", "missing", "unreadable"}
    assert view["score"] == Score(shown=False, points="", max="16", percent="", full=False)
    summary = render_summary(partly_right(), with_reveal("nothing"))
    assert "Score: not shown" in summary and "correct" not in summary


# -- the environment ----------------------------------------------------------------------

def test_default_templates_are_found_in_the_checkout():
    assert templates_path() == ROOT / "templates"
    assert (templates_path() / "report.html.j2").is_file()


def test_environment_escapes_html_and_refuses_unknown_names():
    env = Templates().environment
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ nope }}").render()


def test_templates_dir_overrides_one_file_and_keeps_the_rest(tmp_path):
    (tmp_path / "summary.txt.j2").write_text("{{ student.id }} scored {{ score.points }}\n")
    assert render_summary(partly_right(), EXERCISE, tmp_path) == "doejane scored 9\n"
    assert "gr-answers" in render_report(partly_right(), EXERCISE, tmp_path)


def test_an_instructor_overrides_a_report_by_copying_one_file(tmp_path):
    body = (templates_path() / "_report_body.html.j2").read_text(encoding="utf-8")
    assert "<h2>Your answers</h2>" in body
    (tmp_path / "_report_body.html.j2").write_text(body.replace("<h2>Your answers</h2>", "<h2>Vos réponses</h2>"),
                                                  encoding="utf-8")
    html = render_report(partly_right(), EXERCISE, tmp_path)
    assert "<h2>Vos réponses</h2>" in html and "Your answers" not in html
    doc = parse(html)
    assert len(doc.findall(".//tr[@data-status]")) == len(partly_right().items)


@pytest.mark.parametrize("template,match", [
    ("{{ student.nickname }}", "unknown name"),
    ("{% if %}", "summary.txt.j2:1: template syntax"),
])
def test_a_broken_override_is_one_clear_error(tmp_path, template, match):
    (tmp_path / "summary.txt.j2").write_text(template)
    with pytest.raises(GraderError, match=match):
        render_summary(partly_right(), EXERCISE, tmp_path)


def test_a_missing_templates_folder_is_an_error(tmp_path):
    with pytest.raises(GraderError, match="no such folder of templates"):
        render_report(partly_right(), EXERCISE, tmp_path / "nope")


def test_notebook_cell_is_a_fragment_with_scoped_style():
    html = render_cell(partly_right(), EXERCISE)
    assert html.lstrip().startswith("<style>") and "<html" not in html and "<body" not in html
    assert '<article class="grader-report">' in html


# -- any answer text ------------------------------------------------------------------------

def _shown(text: str) -> str:
    """What a reader sees of an answer: controls spelled out, whitespace collapsed, clipped."""
    from grader.report import MAX_ANSWER_CHARS, neutralise
    text = text.strip()
    if len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS - 1] + "…"
    return " ".join(neutralise(text).split())


@settings(max_examples=60, deadline=None)
@given(answer=st.text(min_size=1, max_size=250).filter(str.strip))
def test_any_answer_renders_as_its_own_text(answer):
    result = partly_right()
    result = dataclasses.replace(result, items=(dataclasses.replace(result.items[0], answer=answer),
                                                *result.items[1:]))
    doc = html5lib.parse(render_report(result, EXERCISE), namespaceHTMLElements=False)
    cell = doc.find(".//tr[@data-status]/td[@class='gr-answer']")
    assert [e.tag for e in cell.iter()] == ["td", "code"]
    assert " ".join(text_of(cell).split()) == _shown(answer)
    assert len(doc.findall(".//tbody")) == len(EXERCISE.layers) + 1
