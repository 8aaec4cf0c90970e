"""The class overview as an instructor sees it: the sample class graded, index.html opened in
headless Chromium through Playwright; what is visible, that a report link works both ways,
that nothing is fetched, that it prints, that it reads on a phone, and that its one script sorts
the tables and no other script runs. Skipped (with the reason) when Playwright or Chromium is
missing. GRADER_SCREENSHOTS=DIR keeps overview.png, overview-400.png and report-from-batch.png.
"""
from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import pytest

from grader.batch import Options, grade_class

from .conftest import EXERCISES, ROOT

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("graded")
    grade_class(str(EXERCISES / "cnn-8x8x3.yaml"), [str(ROOT / "samples" / "cnn-8x8x3")],
                Options(out=out, gradebook=("csv", "canvas")))
    return out


@pytest.fixture
def page(browser, graded):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((graded / "index.html").as_uri())
    page.requests = requests
    yield page
    page.close()


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("GRADER_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_what_the_instructor_sees(page, graded):
    results = json.loads((graded / "results.json").read_text(encoding="utf-8"))
    gradable = [r for r in results if r["gradable"]]
    # the first of andersonemma's two submissions is superseded by the later one: not counted
    scored = [r for r in gradable if r["submission"] != "andersonemma_40101_880100_params_exercise.ipynb"]
    mean = round(100 * sum(Fraction(r["score"]) / Fraction(r["max_score"]) for r in scored) / len(scored))
    assert page.title() == "Class overview — Parameters of a small CNN on 8x8 RGB images"
    head = page.locator("header.gr-head")
    assert head.is_visible()
    assert f"{len(results)}: {len(scored)} graded, 1 superseded by a later one, " \
           f"{len(results) - len(gradable)} could not be graded" in head.inner_text()
    assert page.locator(".ov-mean .gr-score-value").inner_text() == f"{mean}%"
    bars = page.locator("svg.ov-histogram g.ov-bar")
    assert bars.count() == 11
    counts = [int(bars.nth(i).locator("text.ov-bar-count").text_content()) for i in range(11)]
    assert sum(counts) == len(scored) and counts[-1] == sum(r["score"] == r["max_score"] for r in scored)
    for i in range(11):                                   # every bar's number is drawn, and legible
        box = bars.nth(i).locator("text.ov-bar-count").bounding_box()
        assert box and box["height"] >= 9 and box["width"] > 0
    stack = page.locator("tr[data-item='conv1 parameters'] svg.ov-stack")
    assert stack.bounding_box()["width"] > 100
    conv1 = [i for r in scored for i in r["items"] if (i["layer"], i["quantity"]) == ("conv1", "params")]
    credited = sum(i["status"] in ("correct", "follow_through") for i in conv1)
    row = page.locator("tr[data-item='conv1 parameters']").inner_text()
    assert f"{credited}/{len(scored)}" in row and "Forgot the bias" in row
    assert f"{sum(i['status'] == 'incorrect' for i in conv1)} incorrect" in row
    assert page.locator("section#ungradable").is_visible()
    assert page.locator("section#ungradable tbody tr").count() == len(results) - len(gradable)
    assert "the file is empty" in page.locator("section#ungradable").inner_text()
    _screenshot(page, "overview.png")


def test_the_table_of_contents_jumps(page):
    page.click("nav.ov-toc >> text=Not graded")
    assert page.url.endswith("#ungradable")
    assert page.locator("section#ungradable h2").is_visible()


def test_a_report_link_opens_the_report_and_leads_back(page, graded):
    page.click("tr[data-student='kowalskipiotr'] a.ov-report")
    assert page.url == (graded / "reports" / "kowalskipiotr.html").as_uri()
    assert page.locator(".gr-score-value").inner_text().replace("\n", " ").startswith("15")
    assert "Pooling rounded the wrong way" in page.locator("tbody[data-layer='pool2']").inner_text()
    assert "follow-through" in page.locator("tbody[data-layer='flatten']").inner_text()
    back = page.locator("nav.gr-classnav a")
    assert back.is_visible() and back.inner_text() == "← Class overview"
    _screenshot(page, "report-from-batch.png")
    back.click()
    assert page.url == (graded / "index.html").as_uri()


def test_nothing_is_fetched(page):
    page.click("tr[data-student='garciamaria'] a.ov-report")
    page.go_back()
    assert page.requests and all(url.startswith("file://") for url in page.requests), page.requests


def test_it_prints_without_the_navigation(page):
    page.emulate_media(media="print")
    assert not page.locator("nav.ov-toc").is_visible()
    assert page.locator("svg.ov-histogram").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


# -- on a phone (issue 10, item 8) ----------------------------------------------------------

def opened(browser, graded, width: int, **context):
    ctx = browser.new_context(viewport={"width": width, "height": 800}, **context)
    page = ctx.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto((graded / "index.html").as_uri())
    return page


@pytest.mark.parametrize("width", [320, 400, 1100, 1400])
def test_the_page_never_scrolls_sideways(browser, graded, width):
    page = opened(browser, graded, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for i in range(page.locator(".ov-scroll").count()):        # wide tables scroll in their own box
        box = page.locator(".ov-scroll").nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    if width >= 1100:                                           # and on a desktop they need not
        assert page.evaluate("Array.from(document.querySelectorAll('.ov-scroll'), "
                             "e => e.scrollWidth - e.clientWidth)") == [0] * page.locator(".ov-scroll").count()
    page.context.close()


def test_on_a_phone_the_grid_scrolls_in_its_box_and_keeps_the_names_in_view(browser, graded):
    page = opened(browser, graded, 400)
    box = page.locator("#grid .ov-scroll")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth + 100")
    name = page.locator("table.ov-grid tbody th").first
    left = name.bounding_box()["x"]
    box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    assert name.bounding_box()["x"] == pytest.approx(left, abs=3)   # the student's column stays (give or take the cell spacing)
    last = page.locator("table.ov-grid tbody tr").first.locator("td").last
    assert last.bounding_box()["x"] + last.bounding_box()["width"] <= 400     # and the score comes into view
    counts = page.locator("svg.ov-histogram text.ov-bar-count")
    assert all(counts.nth(i).bounding_box()["height"] >= 10 for i in range(counts.count()))   # still legible
    box.evaluate("e => { e.scrollLeft = 0; }")
    _screenshot(page, "overview-400.png")
    page.context.close()


# -- who failed what (issue 10, item 9) -------------------------------------------------------

def column_keys(page, table: str, column: int) -> list[str]:
    return page.evaluate("([t, c]) => Array.from(document.querySelector(t).tBodies[0].rows, "
                         "r => r.cells[c].getAttribute('data-key') ?? r.cells[c].textContent.trim())", [table, column])


def test_the_students_table_sorts_by_score_and_by_name(browser, graded):
    page = opened(browser, graded, 1100)
    score = page.locator("table.ov-students thead th").nth(1)
    score.locator("button").click()
    assert score.get_attribute("aria-sort") == "ascending" and "▲" in score.inner_text()
    keys = column_keys(page, "table.ov-students", 1)
    shares = [float(k) for k in keys if k]
    assert shares == sorted(shares) and keys[len(shares):] == [""] * 5        # the ungradable last
    score.locator("button").click()
    assert score.get_attribute("aria-sort") == "descending" and "▼" in score.inner_text()
    shares = [float(k) for k in column_keys(page, "table.ov-students", 1) if k]
    assert shares == sorted(shares, reverse=True)
    student = page.locator("table.ov-students thead th").first
    student.locator("button").click()
    assert score.get_attribute("aria-sort") is None and student.get_attribute("aria-sort") == "ascending"
    names = column_keys(page, "table.ov-students", 0)
    assert names == sorted(names)
    assert page.locator("table.ov-students tbody tr").count() == 34
    assert page.errors == []


def test_the_grid_sorts_by_an_item_to_gather_who_lost_it(browser, graded):
    page = opened(browser, graded, 1100)
    head = page.locator("table.ov-grid th[data-sort]", has=page.locator("abbr[title='conv1 parameters']"))
    column = int(head.get_attribute("data-sort"))
    before = column_keys(page, "table.ov-grid", column)
    for direction in ("ascending", "descending"):
        head.locator("button").click()
        assert head.get_attribute("aria-sort") == direction
        after = column_keys(page, "table.ov-grid", column)
        assert sorted(after) == sorted(before)
        runs = [k for i, k in enumerate(after) if i == 0 or after[i - 1] != k]
        assert len(runs) == len(set(after))                                  # each verdict in one run
    assert set(before) == {"✓ correct", "✗ incorrect", "? unreadable"}
    assert page.errors == []


def test_without_its_script_the_page_is_whole_and_claims_no_sort(browser, graded):
    page = opened(browser, graded, 1100, java_script_enabled=False)
    assert page.locator("th button").count() == 0 and page.locator("th[aria-sort]").count() == 0
    assert not any(arrow in page.locator("thead").first.inner_text() for arrow in "▲▼↕")
    rows = page.locator("table.ov-students tbody tr")
    assert rows.first.get_attribute("data-student") == "andersonemma" and rows.count() == 34
    assert page.locator("table.ov-grid").is_visible() and page.locator("#mistakes a").count() > 0
    page.context.close()


def test_a_script_other_than_its_own_is_blocked(browser, graded, tmp_path):
    html = (graded / "index.html").read_text(encoding="utf-8")
    (tmp_path / "index.html").write_text(html.replace("</body>", "<script>document.title = 'ran';</script></body>"),
                                         encoding="utf-8")
    page = opened(browser, tmp_path, 1100)
    assert page.title() != "ran"
    assert any("Content Security Policy" in e for e in page.errors)
    assert page.locator("table.ov-students th button").count() == 4          # its own still ran
    page.context.close()


def test_printed_on_a4_everything_fits_the_width_and_keeps_its_symbols(browser, graded):
    """A4 with the stylesheet's 1.5 cm margins is 18 cm, 680 CSS pixels: no table runs off it,
    no arrow is printed, and every grid cell still shows its verdict's symbol."""
    page = opened(browser, graded, 680)
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth") <= 680
    assert page.evaluate("Array.from(document.querySelectorAll('.ov-scroll'), e => e.scrollWidth - e.clientWidth)") \
        == [0] * page.locator(".ov-scroll").count()
    assert not page.locator(".ov-arrow").first.is_visible()
    cell = page.locator("table.ov-grid td.gr-incorrect").first
    assert cell.inner_text().startswith("✗") and cell.evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    page.context.close()


def test_the_histogram_has_a_colour_of_its_own(browser, graded):
    page = opened(browser, graded, 1100)
    fill = "e => getComputedStyle(e).fill"
    bars = {page.locator("svg.ov-histogram rect").nth(i).evaluate(fill)
            for i in range(page.locator("svg.ov-histogram rect").count())}
    verdicts = {page.locator(f"rect.ov-seg.gr-{status}").first.evaluate(fill)
                for status in ("correct", "follow_through", "incorrect", "missing", "unreadable")}
    assert len(verdicts) == 5 and bars and not bars & verdicts
    page.context.close()
