"""The class overview as an instructor sees it: the sample class graded, index.html opened in
headless Chromium through Playwright; what is visible, that a report link works both ways,
that nothing is fetched, and that it prints. Skipped (with the reason) when Playwright or
Chromium is missing. GRADER_SCREENSHOTS=DIR keeps overview.png and report-from-batch.png.
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
