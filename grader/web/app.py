"""``grader serve``: the web form as a Starlette application, run by uvicorn.

:func:`prepare` runs once in the command's process (checks the exercises and the roster,
writes the tokens, puts the files back in step with the database); each worker process
then builds its own :class:`~grader.web.http.Server` with :func:`create_app` — exercises
and answer keys loaded once, one database connection — and only reads it afterwards.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import GraderError
from ..report import Templates
from . import instructor, pages, store
from .access import TOKENS, link, prepare_tokens, read_roster, read_tokens
from .catalog import load_catalog
from .config import ENVIRONMENT, Settings
from .http import SecurityHeaders, Server, error_page, json_reply, server_of

log = logging.getLogger("grader.serve")

_TITLES = {400: "Bad request", 401: "Not signed in", 403: "Refused", 404: "Not found",
           405: "Method not allowed", 413: "Too large", 415: "Unsupported content type", 429: "Too many checks"}


def routes() -> list[Route]:
    return [
        Route("/", pages.index, methods=["GET"]),
        Route("/exercises/{exercise}", pages.exercise_page, methods=["GET"]),
        Route("/exercises/{exercise}", pages.exercise_check, methods=["POST"]),
        Route("/api/exercises/{exercise}/check", pages.api_check, methods=["POST"]),
        Route("/instructor", instructor.home, methods=["GET"]),
        Route("/instructor/" + instructor.ARCHIVE, instructor.archive, methods=["GET"]),
        Route("/instructor/exercises/{exercise}", instructor.overview, methods=["GET"]),
        Route("/instructor/exercises/{exercise}/", instructor.overview, methods=["GET"]),
        Route("/instructor/exercises/{exercise}/" + instructor.ARCHIVE, instructor.archive, methods=["GET"]),
        Route("/instructor/exercises/{exercise}/submissions/{number}", instructor.submission_report,
              methods=["GET"]),
        Route("/instructor/exercises/{exercise}/students/{student}", instructor.student_report, methods=["GET"]),
        Route("/instructor/exercises/{exercise}/{name}", instructor.gradebook, methods=["GET"]),
    ]


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = _TITLES.get(exc.status_code, "Error")
    if request.url.path.startswith("/api/"):
        return json_reply({"error": exc.detail}, exc.status_code, exc.headers)
    return error_page(server_of(request), exc.status_code, title, _sentence(exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    """Never a traceback: the log has it (without the request's headers, which carry tokens)."""
    log.error("internal error on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    message = "Something went wrong on the server. Your answers were not lost if you can go back; please try again."
    if request.url.path.startswith("/api/"):
        return json_reply({"error": "internal server error"}, 500)
    return error_page(server_of(request), 500, "Server error", message)


def _sentence(text: str) -> str:
    text = str(text or "").strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


def build_server(settings: Settings) -> Server:
    """The state of one worker process."""
    templates = Templates(settings.templates)
    if not settings.class_mode:
        return Server(settings, load_catalog(settings.exercises), templates)
    assert settings.roster is not None and settings.data is not None
    students = read_roster(settings.roster)
    catalog = load_catalog(settings.exercises, [s.id for s in students])
    return Server(settings, catalog, templates, access=read_tokens(settings.data, students),
                  roster=MappingProxyType({s.id: s for s in students}), db=store.connect(settings.data))


def create_app(settings: Settings) -> Starlette:
    server = build_server(settings)
    app = Starlette(routes=routes(), middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={HTTPException: http_error, Exception: server_error})
    app.state.server = server
    return app


def app_from_environment() -> Starlette:
    """The factory uvicorn's worker processes call (``grader.web.app:app_from_environment``)."""
    return create_app(Settings.from_environment())


@dataclass(frozen=True)
class Prepared:
    exercises: int
    students: int = 0
    instructor_link: str = ""
    tokens_file: str = ""
    repaired: tuple[int, int] = (0, 0)


def prepare(settings: Settings) -> Prepared:
    """Check everything once before any worker starts: the exercises (every variant the
    roster needs), the roster; write tokens.csv and the instructor token; repair the
    submission files after a crash; compile the template overrides. Raises GraderError with
    the file at fault."""
    Templates(settings.templates).check()
    if not settings.class_mode:
        catalog = load_catalog(settings.exercises)
        return Prepared(exercises=len(catalog.entries))
    assert settings.roster is not None and settings.data is not None
    students = read_roster(settings.roster)
    catalog = load_catalog(settings.exercises, [s.id for s in students])
    data = Path(settings.data)
    try:
        data.mkdir(parents=True, exist_ok=True)
        _, instructor_token = prepare_tokens(data, students, settings.public_url)
        db = store.connect(data)
        try:
            repaired = store.reconcile(db, data)
        finally:
            db.close()
    except OSError as exc:
        raise GraderError(f"cannot write the data folder: {exc.strerror or exc}", file=str(data)) from None
    return Prepared(exercises=len(catalog.entries), students=len(students),
                    instructor_link=link(settings.public_url, instructor_token).replace("/?", "/instructor?"),
                    tokens_file=str(data / TOKENS), repaired=repaired)


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve until interrupted. Access logs are off: links carry tokens."""
    import uvicorn

    options: dict[str, Any] = {"host": host, "port": port, "access_log": False, "server_header": False,
                               "log_level": "warning", "timeout_graceful_shutdown": 5}
    if workers > 1:
        os.environ[ENVIRONMENT] = settings.to_environment()  # inherited by the worker processes
        uvicorn.run("grader.web.app:app_from_environment", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)
