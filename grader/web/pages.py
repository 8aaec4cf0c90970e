"""The students' side: the list of exercises, each exercise's form with its feedback, and
the API ``POST /api/exercises/<id>/check`` (an answer file's JSON in, ``check --format
json`` out). In class mode every check is stored (:mod:`grader.web.store`); in practice
mode nothing is.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..answers import Identity
from ..feedback import points_text, quantity_label, result_json, shown
from ..record import item_columns, record_of
from ..report import report_view
from ..result import Result
from . import store
from .access import CSRF_FIELD, Who, csrf_ok
from .catalog import Entry, Variant
from .config import deadline_shown
from .http import (Server, csrf_token, error_page, html_page, json_reply, login, needs_login, nav_view, read_body,
                   same_origin, server_of, set_csrf_cookie, who_is)
from .submission import Checked, check_body, check_form, form_values, read_and_grade, typed_values

PRACTICE = Identity(student="practice", source="web form")
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Asker:
    """Who a page is for: a student of the class, the instructor trying the form, or anyone
    (practice mode). Only a student's checks are stored."""

    who: Who | None

    @property
    def student(self):
        return self.who.student if self.who else None

    def identity(self, late: bool = False) -> Identity:
        student = self.student
        return student.identity(late) if student else PRACTICE


def _asker(request: Request, server: Server, *, follow_link: bool = False) -> Asker | Response:
    """Who asks, or the response that comes instead: the redirect that stores a link's token
    (``follow_link``, for pages opened from a link) or the page asking for a personal link."""
    if follow_link:
        redirect = login(request, server)
        if redirect is not None:
            return redirect
    if not server.class_mode:
        return Asker(None)
    who = who_is(request, server)
    return Asker(who) if who is not None else needs_login(server)


# -- the list of exercises -----------------------------------------------------------------

async def index(request: Request) -> Response:
    server = server_of(request)
    asker = _asker(request, server, follow_link=True)
    if isinstance(asker, Response):
        return asker
    rows = []
    for entry in server.catalog.entries.values():
        latest = _latest(server, entry, asker)
        rows.append({"id": entry.id, "title": entry.title, "framework": entry.framework,
                     "href": f"/exercises/{entry.id}",
                     "score": f"{points_text(latest.record.score)} / {points_text(latest.record.max_score)}"
                     if latest and latest.record.gradable and entry.variant(None).exercise.grading.reveal != "nothing"
                     else "handed in" if latest else ""})
    return html_page(server, "serve_index.html.j2", {
        "nav": nav_view(server, asker.who), "exercises": rows, "class_mode": server.class_mode,
        "student": asker.student.id if asker.student else ""})


def _latest(server: Server, entry: Entry, asker: Asker) -> store.Stored | None:
    if server.db is None or asker.student is None:
        return None
    return store.latest(server.db, entry.id, asker.student.id)


# -- one exercise: the form and its feedback -----------------------------------------------

def _entry(server: Server, exercise_id: str) -> Entry:
    entry = server.catalog.get(exercise_id)
    if entry is None:
        raise HTTPException(404, f"no exercise '{exercise_id}' here")
    return entry


async def exercise_page(request: Request) -> Response:
    server = server_of(request)
    asker = _asker(request, server, follow_link=True)
    if isinstance(asker, Response):
        return asker
    entry = _entry(server, request.path_params["exercise"])
    variant = entry.variant(asker.student.id if asker.student else None)
    result, values = None, {}
    latest = _latest(server, entry, asker)
    if latest is not None:  # the student's last check, shown again with its feedback
        result = read_and_grade(variant, latest.answers, latest.file, asker.identity(latest.late))
        values = typed_values(variant, result)
    return _render(request, server, entry, variant, asker, values, result, [])


async def exercise_check(request: Request) -> Response:
    server = server_of(request)
    asker = _asker(request, server)
    if isinstance(asker, Response):
        return asker
    entry = _entry(server, request.path_params["exercise"])
    variant = entry.variant(asker.student.id if asker.student else None)
    if (request.headers.get("content-type") or "").split(";")[0].strip().lower() != FORM_TYPE:
        raise HTTPException(415, "the form is sent as application/x-www-form-urlencoded")
    body = await read_body(request, server.settings.max_body)
    try:
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True,
                                max_num_fields=len(variant.cells) + 8))
    except ValueError:
        raise HTTPException(413, "the form has more fields than this exercise asks") from None
    if not same_origin(request, server.settings) or not csrf_ok(request.cookies.get("grader_csrf"),
                                                                 fields.get(CSRF_FIELD)):
        return error_page(server, 403, "The form could not be sent",
                          "The form was out of date or came from another site. Reload the exercise's page "
                          "(your browser must accept cookies from this site) and check again.")
    values = form_values(variant, fields)
    if not any(v.strip() for v in values.values()):
        return _render(request, server, entry, variant, asker, values, None,
                       [_notice("error", "Fill in at least one answer, then check.")])
    late, refusal = _deadline(server)
    if refusal and asker.student:
        return _render(request, server, entry, variant, asker, values, None, [_notice("error", refusal)], status=403)
    shown_as = "web form"
    checked = check_form(variant, values, asker.identity(late), shown_as,
                         asker.student.id if asker.student else None)
    notices = []
    if asker.student:
        try:
            _save(server, entry, asker, checked, late, "form")
        except store.LimitReached as exc:
            return _render(request, server, entry, variant, asker, values, None,
                           [_notice("error", _limit_text(server, exc))], status=429)
        if late:
            notices.append(_notice("warning", "Handed in after the deadline: your instructor sees it marked late."))
    return _render(request, server, entry, variant, asker, values, checked.result, notices)


def _save(server: Server, entry: Entry, asker: Asker, checked: Checked, late: bool, via: str) -> store.Stored:
    assert server.db is not None and server.settings.data is not None and asker.student is not None
    result = checked.result
    settings = server.settings
    return store.add(server.db, settings.data, exercise=entry.id, student=asker.student.id, late=late,
                     readable=result.gradable and checked.answer_file is not None, via=via,
                     answers=checked.answer_file or b"",
                     record=record_of(result, item_columns(entry.variant(None).exercise)),
                     store_file=result.gradable and checked.answer_file is not None,
                     limit=settings.max_checks, per=settings.per)


def _deadline(server: Server) -> tuple[bool, str]:
    """(late, why refused): after ``--deadline`` a check is refused, or marked late."""
    settings = server.settings
    if settings.deadline is None or time.time() <= settings.deadline:
        return False, ""
    if settings.after_deadline == "late":
        return True, ""
    return False, f"The deadline ({deadline_shown(settings.deadline)}) has passed: no more checks are taken."


def _limit_text(server: Server, exc: store.LimitReached) -> str:
    retry = time.strftime("%Y-%m-%d %H:%M", time.localtime(exc.retry_at))
    return (f"You have used all {server.settings.max_checks} checks of the last {server.settings.per_text}; "
            f"the next one is possible from {retry}. Your last check and its feedback are kept.")


def _notice(kind: str, text: str) -> dict[str, str]:
    return {"kind": kind, "text": text}


def _render(request: Request, server: Server, entry: Entry, variant: Variant, asker: Asker, values: dict[str, str],
            result: Result | None, notices: list[dict[str, str]], status: int = 200) -> Response:
    csrf, new = csrf_token(request)
    view: dict[str, Any] = {}
    if result is not None:
        view.update(report_view(result, variant.exercise, dict(variant.page)))
        # the exercise is shown above the form: the feedback under it does not repeat it
        view["exercise"] = {**variant.page, "instructions": "", "inputs": ""}
    view.update({
        "nav": nav_view(server, asker.who),
        "task": variant.page,
        "checked": result is not None,
        "form": _form_view(server, entry, variant, asker, values, result, csrf, notices),
    })
    response = html_page(server, "serve_exercise.html.j2", view, status=status)
    if new:
        set_csrf_cookie(response, request, csrf)
    return response


def _form_view(server: Server, entry: Entry, variant: Variant, asker: Asker, values: dict[str, str],
               result: Result | None, csrf: str, notices: list[dict[str, str]]) -> dict[str, Any]:
    reveal = variant.exercise.grading.reveal
    items = {(i.layer, i.quantity): i for i in result.items} if result is not None else {}
    columns = list(variant.exercise.asked_layer_quantities)
    cells = {}
    for cell in variant.cells:
        item = items.get((cell.layer, cell.quantity))
        seen = shown(item, reveal) if item is not None else None
        cells[(cell.layer, cell.quantity)] = {
            "name": cell.name, "label": cell.label, "placeholder": cell.placeholder,
            "value": values.get(cell.name, ""),
            "status": seen.status if seen else "", "symbol": seen.verdict.symbol if seen else "",
            "word": seen.verdict.word if seen else "",
            "invalid": bool(item and item.status == "unreadable"),
            "message": item.message if item is not None and item.status == "unreadable" else "",
        }
    rows = [{"index": i + 1, "name": layer.name, "type": layer.type,
             "cells": [cells.get((layer.name, q)) for q in columns]}
            for i, layer in enumerate(variant.exercise.layers)]
    limit = _remaining(server, entry, asker)
    if limit:
        notices = [*notices, _notice("info", limit)]
    settings = server.settings
    if settings.deadline is not None and asker.student:
        notices = [*notices, _notice("info", f"Deadline: {deadline_shown(settings.deadline)}"
                                     + (" (later checks are marked late)." if settings.after_deadline == "late" else "."))]
    return {
        "action": f"/exercises/{entry.id}", "csrf": csrf, "csrf_field": CSRF_FIELD, "hint": variant.hint,
        "code": variant.code, "columns": [quantity_label(q) for q in columns], "rows": rows,
        "totals": [cells[(None, q)] | {"heading": quantity_label(q)} for q in variant.exercise.asked_totals],
        "notices": notices, "stores": bool(asker.student),
        "button": "Hand in and check" if asker.student else "Check my answers",
    }


def _remaining(server: Server, entry: Entry, asker: Asker) -> str:
    settings = server.settings
    if settings.max_checks is None or server.db is None or asker.student is None:
        return ""
    left = max(0, settings.max_checks - store.used(server.db, entry.id, asker.student.id, settings.per))
    return f"{left} of {settings.max_checks} checks left in the last {settings.per_text} (unreadable ones are not counted)."


# -- the API -------------------------------------------------------------------------------

async def api_check(request: Request) -> Response:
    """``POST /api/exercises/<id>/check``: the body is an answer file's JSON; the reply is the
    ``check --format json`` object (in class mode with ``Authorization: Bearer TOKEN``)."""
    server = server_of(request)
    who = None
    if server.class_mode:
        who = who_is(request, server, cookie=False)  # no cookie: another site's page cannot post here as you
        if who is None:
            return json_reply({"error": "this class's API needs 'Authorization: Bearer TOKEN' (the token of "
                                        "your personal link)"}, 401, {"www-authenticate": "Bearer"})
    asker = Asker(who)
    entry = _entry(server, request.path_params["exercise"])
    variant = entry.variant(asker.student.id if asker.student else None)
    kind = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if kind != "application/json":
        raise HTTPException(415, "the body is an answer file's JSON: Content-Type: application/json")
    body = await read_body(request, server.settings.max_body)
    late, refusal = _deadline(server)
    if refusal and asker.student:
        return json_reply({"error": refusal}, 403)
    checked = check_body(variant, body, asker.identity(late), "request body", asker.student.id if asker.student else None)
    headers = {}
    if asker.student:
        try:
            _save(server, entry, asker, checked, late, "api")
        except store.LimitReached as exc:
            return json_reply({"error": _limit_text(server, exc)}, 429,
                              {"retry-after": str(max(1, int(exc.retry_at - time.time())))})
        settings = server.settings
        if settings.max_checks is not None:
            assert server.db is not None
            headers["x-checks-remaining"] = str(max(0, settings.max_checks - store.used(
                server.db, entry.id, asker.student.id, settings.per)))
    return json_reply(result_json(checked.result), headers=headers)
