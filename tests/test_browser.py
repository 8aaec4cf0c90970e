"""A report as a student sees it: opened in headless Chromium through Playwright, checking
what is visible, that nothing is fetched, that it prints, and that it reads on a phone.
Skipped (with the reason) when Playwright or Chromium is missing. Set GRADER_SCREENSHOT=path.png
to keep a picture, GRADER_SCREENSHOTS=DIR to keep the phone and desktop ones too.
"""
from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from grader.report import render_report

from .test_report import EXERCISE, partly_right, with_reveal

pytestmark = pytest.mark.browser



@pytest.fixture
def page(browser, tmp_path):
    """The partly-right report opened from a file, with every request recorded."""
    path = tmp_path / "report.html"
    path.write_text(render_report(partly_right(), EXERCISE), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.requests = requests
    yield page
    page.close()


def test_report_shows_verdicts_score_and_formula(page):
    assert page.locator(".gr-score-value").inner_text().replace("\n", " ") == "9 / 16"
    rows = page.locator("tr.gr-item")
    assert rows.count() == len(partly_right().items)
    conv1 = rows.nth(1)
    assert conv1.locator(".gr-verdict").inner_text() == "✗ incorrect"
    assert conv1.locator(".gr-expected").inner_text() == "(3*3*3 + 1) * 64 = 1,792"
    for word in ("✓ correct", "↪ follow-through", "✗ incorrect", "– missing", "? unreadable"):
        assert page.get_by_text(word, exact=True).first.is_visible(), word
    assert page.get_by_text("Forgot the bias.").is_visible()


def test_hostile_answer_is_visible_text_and_nothing_ran(page):
    cell = page.locator("tr[data-status='unreadable'] td.gr-answer").first
    assert cell.inner_text() == "<script>alert(1)</script>"
    assert page.evaluate("document.scripts.length") == 0


def test_no_network_request_is_made(page):
    page.wait_for_load_state("networkidle")
    assert page.requests == [page.url]


def test_report_prints_on_few_pages(page, tmp_path):
    page.emulate_media(media="print")
    assert page.locator(".gr-verdict").first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and 1 <= len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) <= 3
    if os.environ.get("GRADER_SCREENSHOT"):
        page.emulate_media(media="screen")
        page.screenshot(path=os.environ["GRADER_SCREENSHOT"], full_page=True)


# -- on a phone (issue 10, item 8) ----------------------------------------------------------

LONG_ANSWER = "(3*3*3+1)*64=" + "1792" * 30            # no space to break at
LONG_FILE = "submissions/" + "doejane_12345_98765_" * 6 + "params_exercise_resubmitted.ipynb"


def long_report() -> object:
    """partly_right with a long unbreakable answer and a long file name."""
    result = partly_right()
    items = list(result.items)
    items[1] = dataclasses.replace(items[1], answer=LONG_ANSWER)
    return dataclasses.replace(result, submission=LONG_FILE, items=tuple(items))


def opened(browser, tmp_path, width: int, reveal: str = "answers"):
    path = tmp_path / f"report-{reveal}-{width}.html"
    path.write_text(render_report(long_report(), with_reveal(reveal)), encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(path.as_uri())
    return page


def screenshot(page, name: str) -> None:
    folder = os.environ.get("GRADER_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def right_edge(page) -> float:
    """The right edge of the widest thing on the page (a clipped or scrolled one counts too)."""
    return page.evaluate("Math.max(...Array.from(document.querySelectorAll('body *'), "
                         "e => e.getBoundingClientRect().right))")


@pytest.mark.parametrize("width", [320, 400, 600])
@pytest.mark.parametrize("reveal", ["answers", "correctness", "nothing"])
def test_a_phone_never_scrolls_sideways(browser, tmp_path, width, reveal):
    page = opened(browser, tmp_path, width, reveal)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert right_edge(page) <= width
    page.close()


def test_on_a_phone_each_item_is_a_labelled_block(browser, tmp_path):
    page = opened(browser, tmp_path, 400)
    row = page.locator("tr.gr-item[data-quantity='params']").first
    cells = row.locator("td")
    boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
    assert all(b["y"] < c["y"] for b, c in zip(boxes, boxes[1:]))          # one above the other
    assert len({round(b["x"]) for b in boxes}) == 1                          # in one column
    labels = [cells.nth(i).evaluate("e => getComputedStyle(e, '::before').content") for i in range(cells.count())]
    assert labels == ['"Asked" / ""', '"Your answer" / ""', '"Verdict" / ""', '"Expected" / ""', '"Points" / ""']
    layer = page.locator("tbody[data-layer='conv1'] th.gr-layer-name")
    assert layer.evaluate("e => getComputedStyle(e, '::before').content") == '"Layer" / ""'
    assert "conv1" in layer.inner_text()
    answer = row.locator("td.gr-answer")
    assert answer.inner_text() == LONG_ANSWER and answer.bounding_box()["height"] > 40      # it wraps
    assert page.locator("table.gr-answers thead").bounding_box()["width"] <= 1               # titles are labels now
    screenshot(page, "report-400.png")
    page.close()


def test_on_a_phone_screen_readers_still_get_a_table(browser, tmp_path):
    """The roles keep the table semantics when the CSS lays it out as blocks; the drawn labels
    have empty alternative text, so a cell is read once, under its column's header."""
    page = opened(browser, tmp_path, 400)
    tree = page.locator("table.gr-answers").aria_snapshot()
    assert tree.startswith("- table:")
    for title in ("Layer", "Asked", "Your answer", "Verdict", "Expected", "Points"):
        assert f'columnheader "{title}"' in tree
    assert 'rowheader "1 conv1' in tree
    assert '- cell "6x6x64"' in tree and "Your answer 6x6x64" not in tree
    page.close()


def test_on_a_desktop_the_table_stays_a_table(browser, tmp_path):
    page = opened(browser, tmp_path, 1100)
    row = page.locator("tr.gr-item[data-quantity='params']").first
    tops = {round(row.locator("td").nth(i).bounding_box()["y"]) for i in range(5)}
    assert len(tops) == 1                                                    # the cells side by side
    assert page.locator("table.gr-answers thead th").first.is_visible()
    assert row.locator("td.gr-answer").evaluate("e => getComputedStyle(e, '::before').content") == "none"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1100
    screenshot(page, "report-1100.png")
    page.close()


def test_printed_from_a_phone_the_table_stays_a_table(browser, tmp_path):
    page = opened(browser, tmp_path, 400)
    page.emulate_media(media="print")
    row = page.locator("tr.gr-item[data-quantity='params']").first
    assert len({round(row.locator("td").nth(i).bounding_box()["y"]) for i in range(5)}) == 1
    assert page.locator("table.gr-answers thead th").first.is_visible()
    page.close()
