"""``grader serve`` in real Chromium against a real uvicorn server in class mode: a student
makes the forgot-bias mistake, reads it, fixes it; keyboard only; a 400-px phone; the
instructor sees the submission. Screenshots go to GRADER_SCREENSHOTS (a folder) when set."""
from __future__ import annotations

import csv
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="starlette is not installed (extra 'serve')")
uvicorn = pytest.importorskip("uvicorn", reason="uvicorn is not installed (extra 'serve')")

from grader.web.app import create_app, prepare  # noqa: E402
from grader.web.config import Settings  # noqa: E402

from .conftest import EXERCISES  # noqa: E402
from .test_serve import FORGOT_BIAS, FORGOT_BIAS_TOTAL, ROSTER  # noqa: E402

pytestmark = pytest.mark.browser
EXERCISE = "cnn-8x8x3"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A class-mode server on 127.0.0.1 in a thread: (base URL, settings)."""
    root = tmp_path_factory.mktemp("serve")
    (root / "exercises").mkdir()
    shutil.copy(EXERCISES / f"{EXERCISE}.yaml", root / "exercises")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(exercises=str(root / "exercises"), data=str(root / "data"), roster=str(root / "roster.csv"),
                        public_url=base, max_checks=10)
    prepare(settings)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield base, settings
    server.should_exit = True
    thread.join(10)


def _link(settings: Settings, student: str) -> str:
    with open(Path(settings.data) / "tokens.csv", encoding="utf-8") as fh:
        return next(row["link"] for row in csv.DictReader(fh) if row["student"] == student)


def _shot(page, name: str) -> None:
    folder = os.environ.get("GRADER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _fill(page, layers, total) -> None:
    for name, (shape, params) in layers.items():
        page.get_by_label(f"{name} output shape", exact=True).fill(shape)
        page.get_by_label(f"{name} parameters", exact=True).fill(params)
    page.get_by_label("total parameters", exact=True).fill(total)


def test_a_student_reads_the_forgot_bias_mistake_then_fixes_it(browser, site):
    base, settings = site
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(_link(settings, "s1"))
    assert page.url == f"{base}/" and "token" not in page.url
    page.get_by_role("link", name="Parameters of a small CNN on 8x8 RGB images").click()
    _fill(page, FORGOT_BIAS, FORGOT_BIAS_TOTAL)
    page.get_by_role("button", name="Hand in and check").click()
    page.wait_for_selector("#feedback")
    _shot(page, "serve-forgot-bias")
    assert page.get_by_role("status").first.inner_text().startswith("Score 15 / 16")
    conv1 = page.locator("tbody[data-layer='conv1'] tr[data-quantity='params']")
    assert conv1.get_attribute("data-mistake") == "forgot_bias"
    assert page.get_by_text("Forgot the bias.").is_visible()
    total = page.locator("tbody.gr-model tr[data-quantity='total_params']")
    assert total.get_attribute("data-status") == "follow_through"
    assert page.locator("#a1-mark").inner_text() == "✗ incorrect"
    assert page.get_by_label("conv1 parameters", exact=True).input_value() == "1728"  # kept
    # the fix
    page.get_by_label("conv1 parameters", exact=True).fill("(3*3*3 + 1)*64")
    page.get_by_label("total parameters", exact=True).fill("79,261")
    page.get_by_role("button", name="Hand in and check").click()
    page.wait_for_selector("#feedback")
    _shot(page, "serve-full-marks")
    assert page.get_by_role("status").first.inner_text().startswith("Score 16 / 16 (100%, full marks)")
    assert page.locator("#feedback tr.gr-item:not([data-status='correct'])").count() == 0
    assert page.evaluate("document.scripts.length") == 0
    assert all(url.startswith(base) for url in requests)
    page.close()


def test_keyboard_alone_fills_and_sends_the_form(browser, site):
    base, settings = site
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(_link(settings, "s2"))
    page.goto(f"{base}/exercises/{EXERCISE}")
    order = []
    for _ in range(40):  # Tab from the top of the page to the first input
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "INPUT":
            break
    values = [v for layer in FORGOT_BIAS.values() for v in layer] + [FORGOT_BIAS_TOTAL]
    for value in values:
        order.append(page.evaluate("document.activeElement.id"))
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    assert order == [f"a{i}" for i in range(len(values))]  # the exercise's order
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    focus = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focus != "none"  # the focused button is visibly marked
    page.keyboard.press("Enter")
    page.wait_for_selector("#feedback")
    assert page.get_by_role("status").first.inner_text().startswith("Score 15 / 16")
    page.close()


def test_a_400_px_phone_never_scrolls_sideways(browser, site):
    base, settings = site
    page = browser.new_page(viewport={"width": 400, "height": 800}, is_mobile=True, has_touch=True)
    page.goto(_link(settings, "s1"))
    for path in ("/", f"/exercises/{EXERCISE}"):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 400, path
    page.get_by_label("conv1 parameters", exact=True).fill("1728")
    page.get_by_label("total parameters", exact=True).fill("not a number")
    page.get_by_role("button", name="Hand in and check").click()
    page.wait_for_selector("#feedback")
    _shot(page, "serve-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert page.get_by_label("conv1 parameters", exact=True).is_visible()
    total = page.get_by_label("total parameters", exact=True)
    assert total.get_attribute("aria-invalid") == "true"
    assert "cannot read" in page.locator("#" + total.get_attribute("id") + "-mark").inner_text()
    page.close()


def test_the_instructor_sees_the_submission_in_the_overview(browser, site):
    base, settings = site
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(_link(settings, "s2"))
    page.goto(f"{base}/exercises/{EXERCISE}")
    _fill(page, FORGOT_BIAS, FORGOT_BIAS_TOTAL)
    page.get_by_role("button", name="Hand in and check").click()
    page.wait_for_selector("#feedback")
    page.close()
    teacher = browser.new_page(viewport={"width": 1100, "height": 900})
    token = (Path(settings.data) / "instructor-token").read_text().strip()
    teacher.goto(f"{base}/instructor?token={token}")
    assert teacher.url == f"{base}/instructor"
    teacher.get_by_role("link", name="Parameters of a small CNN on 8x8 RGB images").click()
    _shot(teacher, "serve-overview")
    assert teacher.url == f"{base}/instructor/exercises/{EXERCISE}/"
    row = teacher.locator("#students tbody tr", has_text="s2").last
    assert row.is_visible()
    row.get_by_role("link", name="report").click()
    assert teacher.get_by_text("Forgot the bias.").first.is_visible()
    assert "s2 (Alan Turing)" in teacher.locator(".gr-meta").inner_text()
    teacher.close()
