"""The instructor's pages of a class-mode server (the instructor token): the exercises with
their counts, each exercise's live class overview (the same page as ``grader grade``'s
index.html), every stored submission's report, the gradebooks and the submissions as a ZIP.
"""
from __future__ import annotations

import io
import time
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Iterable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..batch import supersede
from ..gradebook import GradebookOptions, canvas_rows, moodle_rows, plain_rows, write_csv
from ..overview import ClassRun, overview_view
from ..record import Record
from ..report import report_view
from . import store
from .catalog import Entry
from .http import Server, error_page, html_page, login, nav_view, server_of, who_is
from .submission import read_and_grade

GRADEBOOKS = {"gradebook.csv": "csv", "gradebook-canvas.csv": "canvas", "gradebook-moodle.csv": "moodle"}
ARCHIVE = "submissions.zip"


def _instructor(request: Request) -> tuple[Server, Response | None]:
    server = server_of(request)
    if not server.class_mode:
        return server, error_page(server, 404, "No instructor pages here",
                                  "This server runs in practice mode (no --roster and --data): it stores nothing.")
    redirect = login(request, server)
    if redirect is not None:
        return server, redirect
    who = who_is(request, server)
    if who is None or not who.instructor:
        return server, error_page(server, 401, "For the instructor only",
                                  "These pages need the instructor's link (printed when the server started; the "
                                  "token is in the data folder's instructor-token file).")
    return server, None


def _entry(server: Server, request: Request) -> Entry:
    entry = server.catalog.get(request.path_params["exercise"])
    if entry is None:
        raise HTTPException(404, f"no exercise '{request.path_params['exercise']}' here")
    return entry


async def home(request: Request) -> Response:
    server, refusal = _instructor(request)
    if refusal is not None:
        return refusal
    assert server.db is not None and server.roster is not None
    counts = store.counts(server.db)
    rows = [{"id": e.id, "title": e.title, "framework": e.framework, "href": f"/instructor/exercises/{e.id}/",
             "submissions": counts.get(e.id, (0, 0))[0], "students": counts.get(e.id, (0, 0))[1]}
            for e in server.catalog.entries.values()]
    settings = server.settings
    return html_page(server, "serve_instructor.html.j2", {
        "nav": nav_view(server, who_is(request, server)), "exercises": rows, "roster": len(server.roster),
        "archive": f"/instructor/{ARCHIVE}", "data": settings.data,
        "limits": (f"{settings.max_checks} checks per student and exercise per {settings.per_text}"
                   if settings.max_checks is not None else ""),
        "deadline": settings.deadline_text})


def _records(server: Server, entry: Entry) -> list[Record]:
    assert server.db is not None
    return supersede([_with_report(stored) for stored in store.all_of(server.db, entry.id)])


def _with_report(stored: store.Stored) -> Record:
    return replace(stored.record, report=f"submissions/{stored.id}")


async def overview(request: Request) -> Response:
    server, refusal = _instructor(request)
    if refusal is not None:
        return refusal
    entry = _entry(server, request)
    if not request.url.path.endswith("/"):  # the overview's links are relative to its folder
        return RedirectResponse(request.url.path + "/", status_code=308)
    run = ClassRun(written=[*GRADEBOOKS, ARCHIVE])
    view = overview_view(entry.variant(None).exercise, _records(server, entry), run)
    return html_page(server, "overview.html.j2", view)


async def submission_report(request: Request) -> Response:
    server, refusal = _instructor(request)
    if refusal is not None:
        return refusal
    entry = _entry(server, request)
    assert server.db is not None and server.roster is not None
    try:
        stored = store.get(server.db, int(request.path_params["number"]))
    except ValueError:
        stored = None
    if stored is None or stored.exercise != entry.id:
        raise HTTPException(404, "no such submission")
    return _report(server, entry, stored)


async def student_report(request: Request) -> Response:
    """The latest report of one student."""
    server, refusal = _instructor(request)
    if refusal is not None:
        return refusal
    entry = _entry(server, request)
    assert server.db is not None
    stored = store.latest(server.db, entry.id, request.path_params["student"])
    if stored is None:
        raise HTTPException(404, "this student has handed nothing in for this exercise")
    return _report(server, entry, stored)


def _report(server: Server, entry: Entry, stored: store.Stored) -> Response:
    assert server.roster is not None
    student = server.roster.get(stored.student)
    variant = entry.variant(stored.student)
    identity = student.identity(stored.late) if student else stored.record.identity
    result = read_and_grade(variant, stored.answers, stored.file, identity)
    view = report_view(result, variant.exercise, dict(variant.page))
    view["overview"] = {"href": "../"}
    return html_page(server, "class_report.html.j2", view)


async def gradebook(request: Request) -> Response:
    server, refusal = _instructor(request)
    if refusal is not None:
        return refusal
    entry = _entry(server, request)
    name = request.path_params["name"]
    fmt = GRADEBOOKS.get(name)
    if fmt is None:
        raise HTTPException(404, f"no file '{name}' here")
    records = _records(server, entry)
    exercise = entry.variant(None).exercise
    options = GradebookOptions(graded_at=datetime.now().replace(microsecond=0))
    left_out: list[str] = []
    rows = (plain_rows(records, exercise) if fmt == "csv" else canvas_rows(records, exercise, options, left_out)
            if fmt == "canvas" else moodle_rows(records, exercise, options, left_out))
    out = io.StringIO()
    write_csv(out, rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{entry.id}-{name}"'})


async def archive(request: Request) -> Response:
    """Every stored answer file (of one exercise, or all), as ``grader grade`` reads them."""
    server, refusal = _instructor(request)
    if refusal is not None:
        return refusal
    assert server.db is not None and server.settings.data is not None
    entries: Iterable[Entry] = ([_entry(server, request)] if "exercise" in request.path_params
                                else server.catalog.entries.values())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in entries:
            for stored in store.all_of(server.db, entry.id):
                if stored.file:
                    when = time.localtime(stored.at)[:6]
                    zf.writestr(zipfile.ZipInfo(stored.file, date_time=when), stored.answers)
    name = f"{Path(server.settings.data).name or 'class'}-{ARCHIVE}"
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{name}"'})
