"""A report as a student sees it: opened in headless Chromium through Playwright, checking
what is visible, that nothing is fetched, and that it prints. Skipped (with the reason)
when Playwright or Chromium is missing. Set GRADER_SCREENSHOT=path.png to keep a picture.
"""
from __future__ import annotations

import os
import re

import pytest

from grader.report import render_report

from .test_report import EXERCISE, partly_right

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
