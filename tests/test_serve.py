"""``grader serve`` through Starlette's test client: every page, the API, tokens, the limit of
checks, the deadline, hostile inputs, and that what class mode stores grades the same with
``grader grade``. (Browser tests: tests/test_serve_browser.py.)"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import time
import warnings
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="starlette is not installed (extra 'serve')")
pytest.importorskip("httpx", reason="httpx is not installed (extra 'serve')")
html5lib = pytest.importorskip("html5lib", reason="html5lib (the test extra) parses the pages")

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its test client; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from grader.batch import Options, grade_class  # noqa: E402
from grader.checking import check  # noqa: E402
from grader.cli import main  # noqa: E402
from grader.report import templates_path  # noqa: E402
from grader.web import store  # noqa: E402
from grader.web.access import read_roster  # noqa: E402
from grader.web.app import create_app, prepare  # noqa: E402
from grader.web.config import Settings, deadline, period, period_text  # noqa: E402

from .conftest import EXERCISES  # noqa: E402

EXERCISE = "cnn-8x8x3"
#: the 8x8x3 CNN answered right but for conv1's bias: a total carried through from it
FORGOT_BIAS = {"conv1": ("6x6x64", "1728"), "pool1": ("3x3x64", "0"), "conv2": ("3x3x128", "8320"),
               "pool2": ("1x1x128", "0"), "flatten": ("128", "0"), "fc": ("516", "66564"), "out": ("5", "2585")}
FORGOT_BIAS_TOTAL = "79197"
ROSTER = "student,name,email,canvas_id\ns1,Ada Lovelace,ada@example.edu,1001\ns2,Alan Turing,alan@example.edu,1002\n"


def answer_body(layers=FORGOT_BIAS, total=FORGOT_BIAS_TOTAL) -> dict:
    return {"layers": {name: {"output_shape": shape, "params": params} for name, (shape, params) in layers.items()},
            "total_params": total}


def form_fields(page_html: str, layers=FORGOT_BIAS, total=FORGOT_BIAS_TOTAL) -> dict[str, str]:
    """The form's fields, filled by their screen-reader labels ("conv1 output shape")."""
    labels = dict((label, name) for name, label in re.findall(r'<label class="sv-label" for="(a\d+)">([^<]+)</label>',
                                                                page_html))
    fields = {"csrf": re.search(r'name="csrf" value="([^"]+)"', page_html)[1]}
    for name, (shape, params) in layers.items():
        fields[labels[f"{name} output shape"]] = shape
        fields[labels[f"{name} parameters"]] = params
    fields[labels["total parameters"]] = total
    return fields


def parse(html: str):
    """The page through html5lib in strict mode: malformed markup fails the test."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


@pytest.fixture
def folder(tmp_path) -> Path:
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    for name in ("cnn-8x8x3.yaml", "cnn-your-turn.yaml"):
        shutil.copy(EXERCISES / name, exercises / name)
    return exercises


@pytest.fixture
def practice(folder):
    return TestClient(create_app(Settings(exercises=str(folder))), base_url="http://testserver")


def class_settings(tmp_path, folder, **extra) -> Settings:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    settings = Settings(exercises=str(folder), data=str(tmp_path / "data"), roster=str(roster),
                        public_url="http://testserver", **extra)
    prepare(settings)
    return settings


def tokens(settings: Settings) -> dict[str, str]:
    with open(Path(settings.data) / "tokens.csv", encoding="utf-8") as fh:
        return {row["student"]: row["token"] for row in csv.DictReader(fh)}


def instructor_token(settings: Settings) -> str:
    return (Path(settings.data) / "instructor-token").read_text().strip()


def signed_in(settings: Settings, student: str | None) -> TestClient:
    """A browser that opened its personal link (the instructor's when ``student`` is None)."""
    client = TestClient(create_app(settings), base_url="http://testserver")
    token = tokens(settings)[student] if student else instructor_token(settings)
    response = client.get(("/?token=" if student else "/instructor?token=") + token, follow_redirects=False)
    assert response.status_code == 303 and "token" not in response.headers["location"]
    return client


# -- practice mode -----------------------------------------------------------------------------

def test_index_lists_the_exercises(practice):
    page = practice.get("/")
    assert page.status_code == 200
    parse(page.text)
    assert 'href="/exercises/cnn-8x8x3"' in page.text and 'href="/exercises/cnn-your-turn"' in page.text
    assert "Nothing you type is stored" in page.text


def test_the_form_has_one_labelled_input_per_asked_cell_in_order(practice):
    page = practice.get(f"/exercises/{EXERCISE}")
    assert page.status_code == 200
    parse(page.text)
    labels = re.findall(r'<label class="sv-label" for="(a\d+)">([^<]+)</label>', page.text)
    expected = [f"{layer} {q}" for layer in FORGOT_BIAS for q in ("output shape", "parameters")] + ["total parameters"]
    assert [label for _, label in labels] == expected
    inputs = re.findall(r'<input type="text" id="(a\d+)" name="(a\d+)" value="" placeholder="([^"]+)"', page.text)
    assert [i for i, _, _ in inputs] == [name for name, _ in labels]
    # placeholders show how to write a value with examples that are no value of this exercise
    assert {p for _, _, p in inputs} == {"e.g. 9x9x16", "e.g. 1,216"}
    assert "model = keras.Sequential" in page.text or "keras.Input" in page.text


def test_a_forgot_bias_check_names_the_mistake_and_keeps_every_value(practice):
    page = practice.get(f"/exercises/{EXERCISE}")
    fields = form_fields(page.text)
    answer = practice.post(f"/exercises/{EXERCISE}", data=fields)
    assert answer.status_code == 200
    parse(answer.text)
    assert 'data-mistake="forgot_bias"' in answer.text and "Forgot the bias." in answer.text
    assert 'data-status="follow_through"' in answer.text  # the total, right given conv1's 1728
    assert "Score 15 / 16 (94%)" in answer.text
    for name, value in fields.items():
        if name != "csrf":
            assert f'name="{name}" value="{value}"' in answer.text


def test_templates_overridden_as_for_grade_shape_the_feedback_and_the_pages(folder, tmp_path):
    """--templates: the same overrides as grader grade, for the feedback after a check and the
    form's own pages."""
    mine = tmp_path / "mine"
    mine.mkdir()
    body = (templates_path() / "_report_body.html.j2").read_text(encoding="utf-8")
    (mine / "_report_body.html.j2").write_text('<p id="course-note">Ask in office hours.</p>\n' + body,
                                               encoding="utf-8")
    index = (templates_path() / "serve_index.html.j2").read_text(encoding="utf-8")
    (mine / "serve_index.html.j2").write_text(index.replace("{% block content %}",
                                                            "{% block content %}<p id='welcome'>CS 231</p>", 1),
                                              encoding="utf-8")
    settings = Settings(exercises=str(folder), templates=str(mine))
    prepare(settings)
    client = TestClient(create_app(settings), base_url="http://testserver")
    assert "<p id='welcome'>CS 231</p>" in client.get("/").text
    page = client.get(f"/exercises/{EXERCISE}")
    assert 'id="course-note"' not in page.text                      # no feedback before a check
    answer = client.post(f"/exercises/{EXERCISE}", data=form_fields(page.text))
    assert '<p id="course-note">Ask in office hours.</p>' in answer.text and "Forgot the bias." in answer.text
    parse(answer.text)
    plain = TestClient(create_app(Settings(exercises=str(folder))), base_url="http://testserver")
    assert 'id="course-note"' not in plain.post(f"/exercises/{EXERCISE}", data=form_fields(page.text)).text


def test_a_template_override_that_does_not_compile_stops_the_start(folder, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "serve_index.html.j2").write_text("{% extends 'base.html.j2' %}\n{% block content %}{% if %}\n",
                                              encoding="utf-8")
    assert main(["serve", str(folder), "--templates", str(mine)]) == 2
    err = capsys.readouterr().err
    assert "serve_index.html.j2:2" in err and "template syntax" in err and "Traceback" not in err
    assert main(["serve", str(folder), "--templates", str(tmp_path / "nowhere")]) == 2
    assert "no such folder of templates" in capsys.readouterr().err


def test_an_unreadable_value_is_marked_next_to_its_cell(practice):
    page = practice.get(f"/exercises/{EXERCISE}")
    fields = form_fields(page.text, total="seventy thousand")
    answer = practice.post(f"/exercises/{EXERCISE}", data=fields)
    total = next(k for k, v in fields.items() if v == "seventy thousand")
    tag = re.search(rf'<input[^>]* id="{total}"[^>]*>', answer.text)[0]
    assert 'aria-invalid="true"' in tag and f'aria-describedby="{total}-mark hint"' in tag
    mark = re.search(rf'<p class="sv-mark gr-unreadable" id="{total}-mark">(.*?)</p>', answer.text)[1]
    assert "cannot read" in mark and "write it like" in mark
    assert len(re.findall(r'<input[^>]*aria-invalid="true"', answer.text)) == 1


def test_the_api_answers_what_grader_check_prints(practice, tmp_path):
    body = answer_body()
    reply = practice.post(f"/api/exercises/{EXERCISE}/check", json=body)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    file = tmp_path / "answers.json"
    file.write_text(json.dumps(body), encoding="utf-8")
    printed = check(EXERCISES / f"{EXERCISE}.yaml", file).to_json()
    got = reply.json()
    for key in ("exercise", "score", "max_score", "errors", "warnings", "gradable", "reveal", "source"):
        assert got[key] == printed[key], key
    strip = [{k: v for k, v in item.items() if k != "where"} for item in printed["items"]]
    assert [{k: v for k, v in item.items() if k != "where"} for item in got["items"]] == strip
    assert got["score"] == 15.0


@pytest.mark.parametrize("body, status", [
    (b"[1, 2, 3]", 200), (b'{"layers": 5}', 200), (b'{"layers": {"conv1": [1, {"a": null}]}}', 200),
    (b"not json", 200), (b'"just a string"', 200), (b"\xff\xfe", 200), (b"{" * 5000, 200),
])
def test_the_api_reads_wrong_json_types_without_failing(practice, body, status):
    reply = practice.post(f"/api/exercises/{EXERCISE}/check", content=body,
                          headers={"content-type": "application/json"})
    assert reply.status_code == status
    data = reply.json()
    assert set(data) >= {"exercise", "score", "items", "errors", "gradable"}
    if not data["gradable"]:
        assert data["score"] is None and data["errors"]


def test_huge_bodies_and_10000_fields_are_refused(practice):
    huge = practice.post(f"/api/exercises/{EXERCISE}/check", content=b"{" + b" " * 200_000 + b"}",
                         headers={"content-type": "application/json"})
    assert huge.status_code == 413 and "larger than" in huge.json()["error"]
    page = practice.get(f"/exercises/{EXERCISE}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    many = "&".join(f"f{i}=1" for i in range(10_000)) + f"&csrf={csrf}"
    refused = practice.post(f"/exercises/{EXERCISE}", content=many.encode(),
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 413
    assert "Traceback" not in refused.text and "<h1>Too large</h1>" in refused.text


def test_what_a_student_typed_is_escaped(practice):
    page = practice.get(f"/exercises/{EXERCISE}")
    fields = form_fields(page.text)
    first = next(k for k in fields if k != "csrf")
    fields[first] = '"><script>alert(1)</script>'
    answer = practice.post(f"/exercises/{EXERCISE}", data=fields)
    assert "<script>" not in answer.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text
    parse(answer.text)


def test_pages_carry_a_strict_content_security_policy(practice):
    page = practice.get(f"/exercises/{EXERCISE}")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy and "script-src" not in policy
    assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'", policy)
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    for header, value in (("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin"),
                          ("x-frame-options", "DENY"), ("cache-control", "no-store")):
        assert page.headers[header] == value
    api = practice.post(f"/api/exercises/{EXERCISE}/check", json=answer_body())
    assert api.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_form_without_its_csrf_token_or_from_another_site_is_refused(practice):
    page = practice.get(f"/exercises/{EXERCISE}")
    fields = form_fields(page.text)
    no_token = practice.post(f"/exercises/{EXERCISE}", data={**fields, "csrf": "forged-forged-forged"})
    assert no_token.status_code == 403 and "could not be sent" in no_token.text
    other_site = practice.post(f"/exercises/{EXERCISE}", data=fields, headers={"origin": "https://evil.example"})
    assert other_site.status_code == 403
    fresh = TestClient(practice.app, base_url="http://testserver")  # no cookie: the token alone is not enough
    assert fresh.post(f"/exercises/{EXERCISE}", data=fields).status_code == 403


def test_an_empty_form_asks_for_an_answer(practice):
    page = practice.get(f"/exercises/{EXERCISE}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    answer = practice.post(f"/exercises/{EXERCISE}", data={"csrf": csrf, "a0": "  "})
    assert answer.status_code == 200 and "Fill in at least one answer" in answer.text
    assert 'id="feedback"' not in answer.text


def test_errors_are_pages_without_tracebacks(practice, monkeypatch):
    missing = practice.get("/exercises/no-such-exercise")
    assert missing.status_code == 404 and "No exercise &#39;no-such-exercise&#39; here." in missing.text
    assert practice.put("/").status_code == 405
    assert practice.post(f"/api/exercises/{EXERCISE}/check", content=b"a=1",
                         headers={"content-type": "text/plain"}).status_code == 415
    from grader.web import pages

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(pages, "check_body", broken)
    client = TestClient(practice.app, base_url="http://testserver", raise_server_exceptions=False)
    reply = client.post(f"/api/exercises/{EXERCISE}/check", json=answer_body())
    assert reply.status_code == 500 and reply.json() == {"error": "internal server error"}
    monkeypatch.setattr(pages, "check_form", broken)
    page = client.get(f"/exercises/{EXERCISE}")
    reply = client.post(f"/exercises/{EXERCISE}", data=form_fields(page.text))
    assert reply.status_code == 500 and "Traceback" not in reply.text and "secret internals" not in reply.text


def test_practice_mode_has_no_instructor_pages(practice):
    assert practice.get("/instructor").status_code == 404


# -- class mode ------------------------------------------------------------------------------

def test_class_pages_and_api_need_a_token(tmp_path, folder):
    settings = class_settings(tmp_path, folder)
    client = TestClient(create_app(settings), base_url="http://testserver")
    assert client.get("/").status_code == 401
    assert client.get(f"/exercises/{EXERCISE}").status_code == 401
    reply = client.post(f"/api/exercises/{EXERCISE}/check", json=answer_body())
    assert reply.status_code == 401 and reply.headers["www-authenticate"] == "Bearer"
    bad = client.get("/?token=not-a-token", follow_redirects=False)
    assert bad.status_code == 401 and "not valid" in bad.text
    assert client.post(f"/api/exercises/{EXERCISE}/check", json=answer_body(),
                       headers={"authorization": "Bearer wrong"}).status_code == 401


def test_the_link_signs_a_student_in_and_leaves_the_address_bar(tmp_path, folder):
    settings = class_settings(tmp_path, folder)
    client = TestClient(create_app(settings), base_url="http://testserver")
    token = tokens(settings)["s1"]
    response = client.get(f"/exercises/{EXERCISE}?token={token}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/exercises/{EXERCISE}"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get(f"/exercises/{EXERCISE}")
    assert page.status_code == 200 and "Signed in as Ada Lovelace" in page.text and token not in page.text


def test_tokens_csv_has_a_link_per_student_and_keeps_tokens_on_restart(tmp_path, folder):
    settings = class_settings(tmp_path, folder)
    rows = list(csv.DictReader(open(Path(settings.data) / "tokens.csv", encoding="utf-8")))
    assert [r["student"] for r in rows] == ["s1", "s2"] and rows[0]["name"] == "Ada Lovelace"
    assert all(r["link"] == f"http://testserver/?token={r['token']}" and len(r["token"]) >= 40 for r in rows)
    assert rows[0]["token"] != rows[1]["token"]
    before = tokens(settings), instructor_token(settings)
    prepare(settings)
    assert (tokens(settings), instructor_token(settings)) == before
    assert (Path(settings.data) / "tokens.csv").stat().st_mode & 0o077 == 0


def test_a_class_submission_is_stored_and_grades_the_same_with_grader_grade(tmp_path, folder):
    settings = class_settings(tmp_path, folder)
    ada = signed_in(settings, "s1")
    page = ada.get(f"/exercises/{EXERCISE}")
    answer = ada.post(f"/exercises/{EXERCISE}", data=form_fields(page.text))
    assert "Score 15 / 16" in answer.text
    api = ada.post(f"/api/exercises/{EXERCISE}/check", json=answer_body(total="79261"),
                   headers={"authorization": "Bearer " + tokens(settings)["s2"]})
    assert api.status_code == 200 and api.json()["student"] == "s2" and api.json()["score"] == 15.0
    files = sorted((Path(settings.data) / "submissions" / EXERCISE).rglob("*.json"))
    assert [f.parent.name for f in files] == ["s1", "s2"]
    stored = json.loads(files[0].read_text(encoding="utf-8"))
    assert stored["student"] == "s1" and stored["layers"]["conv1"] == {"output_shape": "6x6x64", "params": "1728"}
    assert "late" not in stored
    # grader grade reads the stored files as they are, into the usual gradebook
    out = tmp_path / "graded"
    outcome = grade_class(str(folder / f"{EXERCISE}.yaml"), [str(Path(settings.data) / "submissions")],
                          Options(out=out, jobs=1))
    assert [(r.student, float(r.score)) for r in outcome.records] == [("s1", 15.0), ("s2", 15.0)]
    book = list(csv.DictReader(open(out / "gradebook.csv", encoding="utf-8")))
    assert [(r["student"], r["score"]) for r in book] == [("s1", "15.00"), ("s2", "15.00")]


def test_a_student_sees_only_their_own_latest_check(tmp_path, folder):
    settings = class_settings(tmp_path, folder)
    ada = signed_in(settings, "s1")
    page = ada.get(f"/exercises/{EXERCISE}")
    ada.post(f"/exercises/{EXERCISE}", data=form_fields(page.text))
    again = ada.get(f"/exercises/{EXERCISE}")
    assert 'value="1728"' in again.text and 'id="feedback"' in again.text  # her last check, shown again
    alan = signed_in(settings, "s2")
    his = alan.get(f"/exercises/{EXERCISE}")
    assert 'value="1728"' not in his.text and 'id="feedback"' not in his.text
    assert alan.get("/instructor").status_code == 401
    assert alan.get(f"/instructor/exercises/{EXERCISE}/students/s1").status_code == 401


def test_checks_are_limited_counting_only_readable_ones(tmp_path, folder):
    settings = class_settings(tmp_path, folder, max_checks=2, per=period("1d"), per_text=period_text("1d"))
    bearer = {"authorization": "Bearer " + tokens(settings)["s1"]}
    client = TestClient(create_app(settings), base_url="http://testserver")
    url = f"/api/exercises/{EXERCISE}/check"
    unreadable = client.post(url, content=b"not json", headers={**bearer, "content-type": "application/json"})
    assert unreadable.status_code == 200 and unreadable.json()["gradable"] is False
    assert unreadable.headers["x-checks-remaining"] == "2"
    first = client.post(url, json=answer_body(), headers=bearer)
    second = client.post(url, json=answer_body(), headers=bearer)
    assert (first.headers["x-checks-remaining"], second.headers["x-checks-remaining"]) == ("1", "0")
    third = client.post(url, json=answer_body(), headers=bearer)
    assert third.status_code == 429 and "all 2 checks of the last day" in third.json()["error"]
    assert int(third.headers["retry-after"]) > 86000
    # another exercise and another student have their own counts
    other = client.post("/api/exercises/cnn-your-turn/check", json={"layers": {}}, headers=bearer)
    assert other.status_code == 200
    db = sqlite3.connect(Path(settings.data) / store.DATABASE)
    assert db.execute("SELECT count(*) FROM submissions WHERE exercise=?", (EXERCISE,)).fetchone()[0] == 3
    assert store.stored_count(db) == 2 + 0  # the unreadable one has no answer file; the empty one neither
    ada = signed_in(settings, "s1")
    page = ada.get(f"/exercises/{EXERCISE}")
    assert "0 of 2 checks left in the last day" in page.text
    refused = ada.post(f"/exercises/{EXERCISE}", data=form_fields(page.text))
    assert refused.status_code == 429 and "all 2 checks" in refused.text
    assert 'value="1728"' in refused.text  # the values typed are kept


def test_after_the_deadline_checks_are_refused_or_marked_late(tmp_path, folder):
    past = time.time() - 60
    settings = class_settings(tmp_path, folder, deadline=past, deadline_text="then")
    bearer = {"authorization": "Bearer " + tokens(settings)["s1"]}
    client = TestClient(create_app(settings), base_url="http://testserver")
    refused = client.post(f"/api/exercises/{EXERCISE}/check", json=answer_body(), headers=bearer)
    assert refused.status_code == 403 and "deadline" in refused.json()["error"]
    ada = signed_in(settings, "s1")
    page = ada.get(f"/exercises/{EXERCISE}")
    assert ada.post(f"/exercises/{EXERCISE}", data=form_fields(page.text)).status_code == 403
    (tmp_path / "late").mkdir()
    late = class_settings(tmp_path / "late", folder, deadline=past, after_deadline="late")
    client = TestClient(create_app(late), base_url="http://testserver")
    reply = client.post(f"/api/exercises/{EXERCISE}/check", json=answer_body(),
                        headers={"authorization": "Bearer " + tokens(late)["s1"]})
    assert reply.status_code == 200
    teacher = signed_in(late, None)
    overview = teacher.get(f"/instructor/exercises/{EXERCISE}/")
    assert '<span data-count="late">1</span>' in overview.text
    # the stored answer file says so, and grader grade marks it late too
    stored = next((Path(late.data) / "submissions" / EXERCISE).rglob("*.json"))
    assert json.loads(stored.read_text(encoding="utf-8"))["late"] is True
    out = tmp_path / "graded"
    outcome = grade_class(str(folder / f"{EXERCISE}.yaml"), [str(Path(late.data) / "submissions")],
                          Options(out=out, jobs=1))
    assert [(r.student, r.identity.late) for r in outcome.records] == [("s1", True)]
    assert [row["late"] for row in csv.DictReader(open(out / "gradebook.csv", encoding="utf-8"))] == ["yes"]


def test_the_instructor_sees_the_class(tmp_path, folder):
    settings = class_settings(tmp_path, folder)
    for student, total in (("s1", FORGOT_BIAS_TOTAL), ("s1", "79261"), ("s2", "1")):
        TestClient(create_app(settings), base_url="http://testserver").post(
            f"/api/exercises/{EXERCISE}/check", json=answer_body(total=total),
            headers={"authorization": "Bearer " + tokens(settings)[student]})
    teacher = signed_in(settings, None)
    home = teacher.get("/instructor")
    assert home.status_code == 200 and '<span data-count="submissions">3</span>' in home.text
    assert teacher.get(f"/instructor/exercises/{EXERCISE}", follow_redirects=False).status_code == 308
    overview = teacher.get(f"/instructor/exercises/{EXERCISE}/")
    assert overview.status_code == 200
    parse(overview.text)
    assert '<strong data-count="submissions">3</strong>' in overview.text
    assert '<span data-count="superseded">1</span>' in overview.text
    assert 'href="submissions/1"' in overview.text and 'href="gradebook.csv"' in overview.text
    report = teacher.get(f"/instructor/exercises/{EXERCISE}/submissions/1")
    assert report.status_code == 200 and "Forgot the bias." in report.text and 'href="../"' in report.text
    latest = teacher.get(f"/instructor/exercises/{EXERCISE}/students/s1")
    assert "79261" in latest.text
    book = list(csv.DictReader(teacher.get(f"/instructor/exercises/{EXERCISE}/gradebook.csv").text.splitlines()))
    assert [(r["student"], r["status"]) for r in book] == [("s1", "superseded by submissions/cnn-8x8x3/s1/00000002.json"),
                                                           ("s1", "graded"), ("s2", "graded")]
    canvas = teacher.get(f"/instructor/exercises/{EXERCISE}/gradebook-canvas.csv").text.splitlines()
    assert canvas[2:] == ["Ada Lovelace,1001,,,,15.00", "Alan Turing,1002,,,,13.00"]
    assert teacher.get(f"/instructor/exercises/{EXERCISE}/gradebook-moodle.csv").status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(teacher.get("/instructor/submissions.zip").content))
    assert sorted(archive.namelist()) == [f"submissions/{EXERCISE}/s1/00000001.json",
                                          f"submissions/{EXERCISE}/s1/00000002.json",
                                          f"submissions/{EXERCISE}/s2/00000003.json"]
    assert teacher.get(f"/instructor/exercises/{EXERCISE}/nothing.csv").status_code == 404
    assert teacher.get(f"/instructor/exercises/{EXERCISE}/submissions/99").status_code == 404


def test_files_are_put_back_in_step_with_the_database_after_a_crash(tmp_path, folder):
    settings = class_settings(tmp_path, folder)
    client = TestClient(create_app(settings), base_url="http://testserver")
    client.post(f"/api/exercises/{EXERCISE}/check", json=answer_body(),
                headers={"authorization": "Bearer " + tokens(settings)["s1"]})
    data = Path(settings.data)
    stored = data / f"submissions/{EXERCISE}/s1/00000001.json"
    content = stored.read_bytes()
    stored.unlink()  # killed after the commit, before the file (cannot happen in this order, but)
    orphan = data / f"submissions/{EXERCISE}/s1/00000002.json"  # written, its transaction never committed
    orphan.write_text("{}")
    (data / f"submissions/{EXERCISE}/s1/.00000003.json.tmp").write_text("{")
    assert prepare(settings).repaired == (1, 2)
    assert stored.read_bytes() == content and not orphan.exists()


# -- settings and the command line -----------------------------------------------------------

@pytest.mark.parametrize("text, seconds, words", [
    ("1d", 86400, "day"), ("12h", 43200, "12 hours"), ("30m", 1800, "30 minutes"), ("1w", 604800, "week"),
    ("90s", 90, "90 seconds"),
])
def test_periods(text, seconds, words):
    assert period(text) == seconds and period_text(text) == words


@pytest.mark.parametrize("text", ["", "1", "day", "-1d", "0d", "1y"])
def test_bad_periods_are_refused(text):
    with pytest.raises(Exception, match="length of time"):
        period(text)


def test_deadlines_read_iso_times():
    assert deadline("2025-06-01T23:59+00:00") == 1748822340.0
    with pytest.raises(Exception, match="expected a time"):
        deadline("next friday")


@pytest.mark.parametrize("argv, message", [
    (["--data", "d"], "both --roster and --data"),
    (["--max-checks", "3"], "need class mode"),
    (["--roster", "missing.csv", "--data", "d"], "cannot read the roster"),
])
def test_serve_refuses_a_bad_invocation(argv, message, tmp_path, capsys, monkeypatch, folder):
    monkeypatch.chdir(tmp_path)
    assert main(["serve", str(folder), *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_roster_without_a_student_column_names_the_file(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n1,A\n")
    with pytest.raises(Exception, match="roster.csv:1: the roster's header has no 'student' column"):
        read_roster(roster)


def test_a_write_waits_for_another_workers_write_and_then_goes_on(tmp_path):
    """Two workers, one database: a write that finds the other's transaction open waits for it
    (polling, not SQLite's backoff of up to 100 ms a try) and fails only after its patience."""
    import threading

    store.connect(tmp_path).close()
    holder, waiter = store.connect(tmp_path), store.connect(tmp_path)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.05, lambda: holder.execute("COMMIT"))
    release.start()
    store.begin_writing(waiter)               # returns once the holder has committed
    assert waiter.in_transaction
    waiter.execute("COMMIT")
    release.join()
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == store.WRITE_PATIENCE * 1000
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        store.begin_writing(waiter, patience=0.05)
    assert not waiter.in_transaction
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == store.WRITE_PATIENCE * 1000
    holder.execute("ROLLBACK")
