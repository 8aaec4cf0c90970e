"""The class overview (index.html), read back with html5lib, a real HTML5 parser: every count,
bar and table row checked against results.json; links resolve; nothing is fetched; all text
from submissions is escaped.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import tracemalloc
from collections import Counter
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from grader.answers import Identity
from grader.batch import Options, grade_class
from grader.exercise import load_exercise
from grader.mistakes import describe
from grader import overview
from grader.overview import BINS, ClassRun, histogram, overview_view
from grader.record import Record, item_columns
from grader.report import Templates, templates_path

from .conftest import EXERCISES, ROOT

html5lib = pytest.importorskip("html5lib", reason="html5lib (the test extra) parses the overview")

EXERCISE = str(EXERCISES / "cnn-8x8x3.yaml")
SAMPLES = ROOT / "samples" / "cnn-8x8x3"
HOSTILE = "<img src=x onerror=alert(1)>&amp;"
# a later submission of the same Canvas user (-1) supersedes this one: listed, but counted nowhere
SUPERSEDED = "andersonemma_40101_880100_params_exercise.ipynb"


def counted(results):
    return [r for r in results if r["gradable"] and r["submission"] != SUPERSEDED]


def parse(path: Path):
    return parse_text(path.read_text(encoding="utf-8"))


def parse_text(page: str):
    """html5lib in strict mode: a parse error (malformed markup) fails the test. SVG elements
    lose their namespace here so that ``iter("rect")`` finds them."""
    root = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]
    return root


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The sample class, plus a hostile file name and a hostile form export."""
    folder = tmp_path_factory.mktemp("class") / "class"
    shutil.copytree(SAMPLES, folder)
    shutil.copy(SAMPLES / "rossimarco_40118_880117_params_exercise.ipynb", folder / f"{HOSTILE}.ipynb")
    (folder / "form.csv").write_text(
        "Student ID,Full name,conv1 - output shape,conv1 - params\n"
        "\"<script>alert(1)</script>\",\"<b>Bold</b> & co\",\"<i>6x6x64</i>\",1728\n", encoding="utf-8")
    (folder / "readme.txt").write_text("<a href='https://example.com'>not a submission</a>")
    out = tmp_path_factory.mktemp("out")
    outcome = grade_class(EXERCISE, [str(folder)], Options(out=out, gradebook=("csv", "canvas")))
    return out, outcome


@pytest.fixture(scope="module")
def doc(graded):
    return parse(graded[0] / "index.html")


@pytest.fixture(scope="module")
def results(graded):
    return json.loads((graded[0] / "results.json").read_text(encoding="utf-8"))


def test_counts(doc, results):
    counts = {el.get("data-count"): int(text(el)) for el in doc.iter() if el.get("data-count") and el.tag == "span"
              or el.tag == "strong" and el.get("data-count")}
    gradable = counted(results)
    assert counts["submissions"] == len(results) == 36
    assert counts["graded"] == len(gradable) == 30      # the form's respondent answered conv1 only
    assert counts["superseded"] == 1
    assert counts["ungradable"] == 5
    assert counts["full_marks"] == sum(r["score"] == r["max_score"] for r in gradable) == 13
    assert counts["late"] == 1
    assert counts["skipped"] == 1


def test_histogram_bars_show_their_numbers(doc, results):
    svg = next(el for el in doc.iter("svg") if "ov-histogram" in el.get("class", ""))
    bars = [g for g in svg.iter("g") if "ov-bar" in g.get("class", "")]
    assert len(bars) == BINS
    expected = Counter()
    for r in counted(results):
        if r["gradable"]:
            share = Fraction(r["score"]) / Fraction(r["max_score"])
            expected["100%" if share == 1 else f"{int(share * 10) * 10}–{int(share * 10) * 10 + 9}%"] += 1
    tallest = max(expected.values())
    for bar in bars:
        label, count = bar.get("data-range"), int(bar.get("data-count"))
        assert count == expected.get(label, 0)
        texts = [text(t) for t in bar.iter("text")]
        assert texts == [str(count), label]                      # the number and the range, as words
        assert text(bar.find("title")).startswith(f"{count} submission")
        rects = list(bar.iter("rect"))
        if count:
            assert float(rects[0].get("height")) == pytest.approx(94 * count / tallest, abs=0.1)
        else:
            assert rects == []
    assert sum(int(b.get("data-count")) for b in bars) == 30


def test_every_item_across_the_class(doc, results):
    rows = {row.get("data-item"): row for row in doc.iter("tr") if row.get("data-item")}
    assert len(rows) == 15
    gradable = counted(results)
    for (layer, quantity), n in Counter((i["layer"], i["quantity"]) for r in gradable for i in r["items"]).items():
        label = f"{layer} {'output shape' if quantity == 'output_shape' else 'parameters'}" if layer \
            else "total parameters"
        credited = sum(i["status"] in ("correct", "follow_through") for r in gradable for i in r["items"]
                       if (i["layer"], i["quantity"]) == (layer, quantity))
        row = rows[label]
        assert int(row.get("data-credited")) == credited
        assert f"{credited}/{n}" in text(row) and f"{round(100 * credited / n)}%" in text(row)
        segments = [rect for rect in row.iter("rect") if "ov-seg" in rect.get("class", "")]
        assert sum(float(s.get("width")) for s in segments) == pytest.approx(100, abs=0.05)
        for status in ("incorrect", "missing", "unreadable"):
            k = sum(i["status"] == status for r in gradable for i in r["items"]
                    if (i["layer"], i["quantity"]) == (layer, quantity))
            assert (f"{k} {status}" in text(row)) == bool(k)
    conv1 = text(rows["conv1 parameters"])
    assert "Forgot the bias" in conv1 and "often: 1728 (3)" in conv1


def test_the_most_common_mistakes(doc, results):
    table = next(t for t in doc.iter("table") if "ov-mistakes" in t.get("class", ""))
    shown = [(row.get("data-mistake"), int(row.find("td[@data-students]").text),
              int(row.find("td[@data-answers]").text)) for row in table.iter("tr") if row.get("data-mistake")]
    answers, students = Counter(), {}
    for r in counted(results):
        for i in r["items"]:
            if i["mistake"] and i["status"] == "incorrect":
                answers[i["mistake"]] += 1
                students.setdefault(i["mistake"], set()).add(r["submission"])
    assert {code: (s, a) for code, s, a in shown} == {c: (len(students[c]), answers[c]) for c in answers}
    assert shown[0][0] == "forgot_bias" and shown[0][1:] == (5, 9)
    assert [s for _, s, _ in shown] == sorted((s for _, s, _ in shown), reverse=True)
    forgot = text(next(row for row in table.iter("tr") if row.get("data-mistake") == "forgot_bias"))
    assert "Forgot the bias" in forgot and "conv1 parameters (3)" in forgot


def test_students_table_links_each_report(doc, results, graded):
    out = graded[0]
    table = next(t for t in doc.iter("table") if "ov-students" in t.get("class", ""))
    rows = [row for row in table.iter("tr") if row.get("data-student") is not None]
    assert [row.get("data-student") for row in rows] == [r["student"] for r in results]
    for row, result in zip(rows, results):
        link = row.find(".//a")
        assert link.get("href") == result["report"] and (out / link.get("href")).is_file()
        if result["gradable"]:
            assert f"{result['score']:g}/16" in text(row)
            assert ("superseded by andersonemma_40101_880201_params_exercise-1.ipynb" in text(row)) \
                == (result["submission"] == SUPERSEDED)
        else:
            assert "not graded" in text(row) and result["errors"][0][:40] in text(row)
    late = next(row for row in rows if row.get("data-student") == "zieglermax")
    assert "late" in text(late)


def test_ungradable_and_skipped_lists(doc, results):
    section = doc.find(".//section[@id='ungradable']")
    listed = {row.get("data-student"): text(row) for row in section.iter("tr") if row.get("data-student")}
    for r in results:
        if not r["gradable"]:
            assert r["errors"][0] in listed[r["student"]]
    assert len(listed) == 5
    skipped = text(doc.find(".//section[@id='skipped']"))
    assert "readme.txt" in skipped and "not a submission (.txt file)" in skipped


def test_warnings_name_the_gradebook_rows_left_out(doc):
    warnings = text(doc.find(".//section[@id='warnings']"))
    assert "gradebook-canvas.csv: left out form.csv: no Canvas user id in the file name" in warnings
    assert "andersonemma" not in warnings  # a resubmission is no warning: the students table marks it


def test_every_link_resolves(doc, graded):
    out = graded[0]
    ids = {el.get("id") for el in doc.iter() if el.get("id")}
    for a in doc.iter("a"):
        href = a.get("href")
        if href.startswith("#"):
            assert href[1:] in ids
        else:
            assert not urlparse(href).scheme and (out / unquote(href)).exists(), href
    for report in (out / "reports").iterdir():
        back = [a for a in parse(report).iter("a") if a.get("rel") == "up"]
        assert [a.get("href") for a in back] == ["../index.html"] and "Class overview" in text(back[0])


def test_submission_text_is_escaped(doc, graded):
    html = (graded[0] / "index.html").read_text(encoding="utf-8")
    assert [sort_script() in (s.text or "") for s in doc.iter("script")] == [True]   # ours, and only ours
    assert not list(doc.iter("img")) and not list(doc.iter("i"))
    bolds = [b for b in doc.iter("b")]
    assert bolds == []
    page = text(doc)
    assert f"{HOSTILE}.ipynb" in page and "<script>alert(1)</script>" in page and "<b>Bold</b> & co" in page
    assert "onerror=alert(1)&gt;&amp;amp;" in html      # escaped once, and only once
    assert "<i>6x6x64</i>" not in html


def test_nothing_is_fetched(doc, graded):
    html = (graded[0] / "index.html").read_text(encoding="utf-8")
    csp = next(m for m in doc.iter("meta") if m.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp.get("content")
    for tag in ("link", "iframe", "object", "embed", "img", "image", "use"):
        assert not list(doc.iter(tag)), tag
    assert [s.get("src") for s in doc.iter("script")] == [None]
    for el in doc.iter():
        for attr in ("src", "srcset", "xlink:href", "data"):
            assert el.get(attr) is None
    for a in doc.iter("a"):
        assert not urlparse(a.get("href")).scheme
    assert not re.search(r"url\(|@import", html)


def test_the_page_prints(graded):
    html = (graded[0] / "index.html").read_text(encoding="utf-8")
    assert "@media print" in html and ".grader-overview .ov-toc" in html


# -- who lost what (issue 10, item 9) ---------------------------------------------------------

LABELS = {"output_shape": "output shape", "params": "parameters", "total_params": "total parameters"}
SYMBOLS = {"correct": "✓", "follow_through": "↪", "incorrect": "✗", "missing": "–", "unreadable": "?"}
WORDS = {"correct": "correct", "follow_through": "follow-through", "incorrect": "incorrect", "missing": "missing",
         "unreadable": "unreadable"}


def label(item) -> str:
    return f"{item['layer']} {LABELS[item['quantity']]}" if item["layer"] else LABELS[item["quantity"]]


def lost_text(item) -> str:
    """How the students table names an item lost, worked out here from results.json."""
    if item["status"] == "incorrect" and item["mistake"]:
        title = describe(item["mistake"])[0]
        return f"{label(item)} ({title[0].lower()}{title[1:]})"
    return label(item) if item["status"] == "incorrect" else f"{label(item)} ({WORDS[item['status']]})"


def table(doc, cls):
    return next(t for t in doc.iter("table") if cls in t.get("class", "").split())


def test_each_student_lists_the_items_they_lost(doc, results):
    rows = [row for row in table(doc, "ov-students").iter("tr") if row.get("data-student") is not None]
    assert len(rows) == len(results)
    for row, result in zip(rows, results):
        if not result["gradable"]:
            continue
        cell = next(td for td in row.iter("td") if "ov-lost" in td.get("class", "").split())
        items = [text(span) for span in cell.iter("span") if span.get("class") == "ov-lost-item"]
        assert items == [lost_text(i) for i in result["items"] if i["status"] in ("incorrect", "missing", "unreadable")]
    by_student = {row.get("data-student"): text(row) for row in rows}
    assert "conv1 parameters (forgot the bias), conv2 parameters (forgot the bias), fc parameters (forgot the " \
           "bias), out parameters (forgot the bias)" in by_student["garciamaria"]
    assert "conv1 output shape (unreadable), conv1 parameters (unreadable)" in by_student["rossimarco"]
    assert "total parameters (missing)" in by_student["quinnaoife"]
    assert "conv1 parameters" in by_student["nguyenlinh"]                       # wrong, no named mistake
    assert "none" in by_student["brownliam"]


def test_the_students_table_says_what_each_column_is(doc):
    heads = [text(th) for th in table(doc, "ov-students").find("thead").iter("th")]
    assert heads == ["Student", "Score", "Percent", "Late", "Items lost", "Answers not marked correct", "Report"]


def test_each_mistake_names_who_made_it_with_a_link_to_their_report(doc, results, graded):
    made_by: dict[str, list[str]] = {}
    reports = {r["student"]: r["report"] for r in counted(results)}
    for r in counted(results):
        for code in dict.fromkeys(i["mistake"] for i in r["items"] if i["mistake"] and i["status"] == "incorrect"):
            made_by.setdefault(code, []).append(r["student"])
    rows = [row for row in table(doc, "ov-mistakes").iter("tr") if row.get("data-mistake")]
    assert {row.get("data-mistake") for row in rows} == set(made_by)
    for row in rows:
        cell = next(td for td in row.iter("td") if td.get("class") == "ov-made-by")
        links = list(cell.iter("a"))
        assert [text(a) for a in links] == made_by[row.get("data-mistake")]
        assert int(row.find("td[@data-students]").text) == len(links)
        for a in links:
            assert a.get("href") == reports[text(a)] and (graded[0] / a.get("href")).is_file()
    forgot = next(row for row in rows if row.get("data-mistake") == "forgot_bias")
    assert "garciamaria" in text(forgot) and "zieglermax" in text(forgot)


def test_the_grid_shows_every_student_and_item_by_symbol_and_word(doc, results):
    grid = table(doc, "ov-grid")
    heads = [th for th in grid.find("thead").iter("th") if "ov-item-head" in th.get("class", "")]
    abbrs = [th.find("abbr") for th in heads]
    columns = [(i["layer"], i["quantity"]) for i in counted(results)[0]["items"]]
    assert [a.get("title") for a in abbrs] == [label({"layer": lay, "quantity": q}) for lay, q in columns]
    assert [text(a) for a in abbrs] == ["shape", "params"] * 7 + ["params"]
    groups = [text(th) for th in grid.find("thead").iter("th") if "ov-group" in th.get("class", "")]
    assert groups == ["conv1", "pool1", "conv2", "pool2", "flatten", "fc", "out", "Whole model"]
    rows = [row for row in grid.find("tbody").iter("tr")]
    assert [row.get("data-student") for row in rows] == [r["student"] for r in counted(results)]
    for row, result in zip(rows, counted(results)):
        cells = [td for td in row.iter("td") if "ov-cell" in td.get("class", "")]
        items = {(i["layer"], i["quantity"]): i for i in result["items"]}
        assert len(cells) == len(columns)
        for cell, column in zip(cells, columns):
            item = items[column]
            assert f"gr-{item['status']}" in cell.get("class").split()
            assert text(cell) == f"{SYMBOLS[item['status']]} {WORDS[item['status']]}"   # never colour alone
            if item["status"] == "correct":
                assert cell.get("title") is None                       # a tooltip only where to look
            else:
                assert cell.get("title").startswith(f"{label(item)}: {WORDS[item['status']]}")
            if item["status"] == "incorrect" and item["mistake"]:
                assert describe(item["mistake"])[0] in cell.get("title")
        assert text(row.find("th")) == result["student"] and row.find("th/a").get("href") == result["report"]
        assert text(row.findall("td")[-1]) == f"{result['score']:g}/16"


def sort_script() -> str:
    return (templates_path() / "_overview_sort.js.j2").read_text(encoding="utf-8").strip()


def test_the_one_script_is_allowed_by_its_hash_and_nothing_else_may_run(doc, graded):
    scripts = list(doc.iter("script"))
    assert len(scripts) == 1 and scripts[0].text.strip() == sort_script()
    digest = base64.b64encode(hashlib.sha256(scripts[0].text.encode("utf-8")).digest()).decode()
    csp = next(m for m in doc.iter("meta") if m.get("http-equiv") == "Content-Security-Policy").get("content")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == f"'sha256-{digest}'"                  # exactly this script
    assert "unsafe" not in csp.replace("style-src 'unsafe-inline'", "")
    assert all(not name.startswith("on") for el in doc.iter() for name in el.attrib)   # no inline handlers


def test_reports_stay_script_free(graded):
    for report in (graded[0] / "reports").iterdir():
        page = parse(report)
        csp = next(m for m in page.iter("meta") if m.get("http-equiv") == "Content-Security-Policy").get("content")
        assert not list(page.iter("script")) and "script-src" not in csp and csp.startswith("default-src 'none'")


def test_headers_that_sort_carry_no_arrow_until_the_script_makes_them_buttons(doc):
    """The page is in the submissions' order: no header claims a sort or shows an arrow until the
    script (tests/test_browser_overview.py) turns it into a button."""
    for th in doc.iter("th"):
        assert th.get("aria-sort") is None and not set(text(th)) & set("▲▼↕"), text(th)
    for t in doc.iter("table"):
        sortable = [th for th in t.iter("th") if th.get("data-sort") is not None]
        assert (t.get("data-sortable") is not None) == bool(sortable), t.get("class")
        body_row = next(iter(t.find("tbody")), None)
        for th in sortable:                                 # each points at a cell of the body's rows
            assert 0 <= int(th.get("data-sort")) < len(list(body_row)), (t.get("class"), text(th))


def test_the_histogram_does_not_use_a_verdict_colour():
    css = (templates_path() / "_overview_style.css.j2").read_text(encoding="utf-8")
    fills = re.findall(r"\.ov-histogram[^{]*rect \{ fill: ([^;]+);", css)
    assert fills and not any("--gr-" in fill for fill in fills), fills


# -- memory: a class of 50,000 -----------------------------------------------------------------

def synthetic_records(exercise, n: int) -> list[Record]:
    """n graded records with every status and a few mistakes, as a class run keeps them."""
    columns = item_columns(exercise)
    statuses = ("correct", "follow_through", "incorrect", "missing", "unreadable")
    codes = ("forgot_bias", "off_by_one", None)
    records = []
    for k in range(n):
        st = tuple(statuses[(k + c) % 5] for c in range(len(columns)))
        records.append(Record(
            submission=f"student{k:05d}_params_exercise.ipynb", identity=Identity(student=f"student{k:05d}"),
            gradable=True, score=Fraction(sum(s == "correct" for s in st)), max_score=Fraction(len(columns)),
            errors=(), warnings=(), source="answers cell", statuses=st,
            mistakes=tuple(codes[(k + c) % 3] if s == "incorrect" else None for c, s in enumerate(st)),
            wrong=tuple("1728" if s == "incorrect" else None for s in st), comment="", report=f"reports/s{k}.html"))
    return records


class Sink:
    """A file to stream into that counts what it was given, and keeps it if asked (``text``)."""

    def __init__(self, keep: bool = True):
        self.chars, self.keep, self.pieces = 0, keep, []

    def writelines(self, pieces):
        for piece in pieces:
            self.chars += len(piece)
            if self.keep:
                self.pieces.append(piece)

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def peak_while_written(exercise, records) -> tuple[int, int]:
    """Peak memory allocated while the overview is written (its view made before), and its size."""
    templates = Templates()
    view = overview_view(exercise, records, ClassRun())
    templates.stream("overview.html.j2", overview_view(exercise, records[:3], ClassRun()), Sink(keep=False))
    sink = Sink(keep=False)
    tracemalloc.start()
    try:
        templates.stream("overview.html.j2", view, sink)
        return tracemalloc.get_traced_memory()[1], sink.chars
    finally:
        tracemalloc.stop()


def test_writing_the_overview_holds_no_row_per_student(monkeypatch):
    """The students table, the grid and the who-made-it lists are made as the page is written:
    writing a class ten times larger takes no more memory, although the page is ten times longer."""
    monkeypatch.setattr(overview, "GRID_ROWS", 10**6)          # no class is too large for the grid
    monkeypatch.setattr(overview, "MADE_BY_NAMES", 10**6)
    exercise = load_exercise(EXERCISE)
    small, small_chars = peak_while_written(exercise, synthetic_records(exercise, 300))
    large, large_chars = peak_while_written(exercise, synthetic_records(exercise, 3000))
    assert large_chars > 9 * small_chars
    assert large < 1.5 * small + 200_000, (small, large)


def all_correct(record: Record) -> Record:
    return replace(record, statuses=("correct",) * len(record.statuses), mistakes=(None,) * len(record.statuses),
                   score=record.max_score)


@pytest.mark.parametrize("n, every_third_all_correct, rows, all_correct_left_out, more", [
    (500, True, 500, 0, 0),        # up to GRID_ROWS: every submission, all-correct ones too
    (501, True, 334, 167, 0),      # larger: only those with something to look into
    (1200, False, 500, 0, 700),    # and of those, the first GRID_ROWS
    (1800, True, 500, 600, 700),
    (600, None, 0, 600, 0),        # every one all correct: nothing to look into
])
def test_a_large_class_grid_keeps_what_there_is_to_look_into(n, every_third_all_correct, rows,
                                                             all_correct_left_out, more):
    exercise = load_exercise(EXERCISE)
    records = [all_correct(r) if every_third_all_correct is None or every_third_all_correct and k % 3 == 0 else r
               for k, r in enumerate(synthetic_records(exercise, n))]
    out = Sink()
    Templates().stream("overview.html.j2", overview_view(exercise, records, ClassRun()), out)
    page = parse_text(out.text)
    if not rows:
        assert not [t for t in page.iter("table") if "ov-grid" in t.get("class", "")]
        grid = next(s for s in page.iter("section") if s.get("id") == "grid")
        assert f"Every one of the {n} graded submissions has every item correct." in text(grid)
        return
    grid_rows = list(table(page, "ov-grid").find("tbody").iter("tr"))
    assert len(grid_rows) == rows
    shown = [row.get("data-student") for row in grid_rows]
    expected = [r.student for r in records if not every_third_all_correct or n <= 500 or
                any(s != "correct" for s in r.statuses)][:rows]
    assert shown == expected
    note = [text(p) for p in page.iter("p") if p.get("class") == "ov-note"]
    if all_correct_left_out or more:
        assert len(note) == 1
        assert (f"leaves out the {all_correct_left_out} submissions with every item correct" in note[0]) \
            == bool(all_correct_left_out)
        other = "the other " if all_correct_left_out else ""
        assert (f"shows the first {rows} of {other}{rows + more}." in note[0]) == bool(more)
    else:
        assert not note
    assert len(list(table(page, "ov-students").find("tbody").iter("tr"))) == n   # every student, always


def test_a_mistake_made_by_many_lists_the_first_names_and_counts_the_rest():
    exercise = load_exercise(EXERCISE)
    records = synthetic_records(exercise, 600)
    out = Sink()
    Templates().stream("overview.html.j2", overview_view(exercise, records, ClassRun()), out)
    page = parse_text(out.text)
    for row in (r for r in table(page, "ov-mistakes").iter("tr") if r.get("data-mistake")):
        code = row.get("data-mistake")
        made = [r.student for r in records
                if any(c == code and s == "incorrect" for c, s in zip(r.mistakes, r.statuses))]
        assert int(row.find("td[@data-students]").text) == len(made) > overview.MADE_BY_NAMES
        cell = next(td for td in row.iter("td") if td.get("class") == "ov-made-by")
        assert [text(a) for a in cell.iter("a")] == made[:overview.MADE_BY_NAMES]
        assert f"and {len(made) - overview.MADE_BY_NAMES} more" in text(cell)


@pytest.mark.parametrize("percents, counts", [
    ([], [0] * 11),
    ([0, 9, 10, 19], [2, 2] + [0] * 9),
    ([89, 90, 99], [0] * 8 + [1, 2, 0]),
    ([100, 100, 99], [0] * 9 + [1, 2]),
])
def test_histogram_bins(percents, counts):
    chart = histogram(percents)
    assert [bar["count"] for bar in chart["bars"]] == counts
    assert chart["bars"][-1]["label"] == "100%" and chart["bars"][0]["label"] == "0–9%"
    tallest = max(counts) or 1
    for bar in chart["bars"]:
        assert bar["height"] == pytest.approx(94 * bar["count"] / tallest, abs=0.1)
        assert bar["y"] + bar["height"] == pytest.approx(chart["base"])
