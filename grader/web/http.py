"""What every page and the API share: the server's state for one worker process, who is
asking (token in the link, a cookie or ``Authorization: Bearer``), bodies read within a
size limit, and responses with strict security headers.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlencode, urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..report import Templates
from ..version import __version__
from .access import CSRF_COOKIE, Access, Student, Who, new_csrf
from .catalog import Catalog
from .config import Settings

TOKEN_COOKIE = "grader_token"
TOKEN_COOKIE_DAYS = 120
#: every response: no framing, no sniffing, no referrer to other sites, nothing cached. (Not
#: no-referrer: Chromium then sends "Origin: null" with the form, which the origin check refuses.)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
#: the policy of everything but HTML pages (whose styles are allowed by their hashes)
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@dataclass(frozen=True)
class Server:
    """One worker process's state: read-only but for the database connection."""

    settings: Settings
    catalog: Catalog
    templates: Templates
    access: Access | None = None                        # class mode
    roster: Mapping[str, Student] | None = None         # class mode: by student id
    db: sqlite3.Connection | None = None                # class mode

    @property
    def class_mode(self) -> bool:
        return self.access is not None


def server_of(request: Request) -> Server:
    return request.app.state.server


class SecurityHeaders:
    """ASGI middleware: the headers above on every response, and a strict default CSP."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DEFAULT_CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- responses -----------------------------------------------------------------------------

def page_csp(html: str) -> str:
    """The Content-Security-Policy of one HTML page: no script, no fetch, no frame; its inline
    stylesheets allowed by their SHA-256 (never by 'unsafe-inline'); forms post to this site."""
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(m.encode("utf-8")).digest()).decode() + "'"
                      for m in _STYLE.findall(html))
    styles = hashes or "'none'"
    return (f"default-src 'none'; style-src {styles}; img-src data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def html_page(server: Server, template: str, view: dict[str, Any], status: int = 200,
              headers: Mapping[str, str] | None = None) -> Response:
    view.setdefault("version", __version__)
    text = server.templates.render(template, view)
    response = Response(text, status_code=status, media_type="text/html; charset=utf-8", headers=dict(headers or {}))
    response.headers["content-security-policy"] = page_csp(text)
    return response


def json_reply(value: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status_code=status, media_type="application/json",
                    headers=dict(headers or {}))


def error_page(server: Server, status: int, title: str, message: str) -> Response:
    return html_page(server, "serve_error.html.j2",
                     {"error": {"status": status, "title": title, "message": message},
                      "nav": nav_view(server, None)}, status=status)


def nav_view(server: Server, who: Who | None) -> dict[str, Any]:
    """The bar at the top of every page: where you are and who you are."""
    return {"class_mode": server.class_mode,
            "student": (who.student.name or who.student.id) if who and who.student else "",
            "instructor": bool(who and who.instructor)}


# -- reading requests ----------------------------------------------------------------------

async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past ``limit`` bytes (announced or sent)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise HTTPException(413, f"the request is larger than {limit:,} bytes")
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise HTTPException(413, f"the request is larger than {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def who_is(request: Request, server: Server, cookie: bool = True) -> Who | None:
    """The holder of the request's token (Bearer header, else the cookie), or None."""
    if server.access is None:
        return None
    token = bearer(request) or (request.cookies.get(TOKEN_COOKIE) if cookie else None)
    return server.access.who(token)


def login(request: Request, server: Server) -> Response | None:
    """A link with ``?token=``: the token goes into a cookie and the browser is sent on to the
    same page without it (so it stays out of the address bar and of later links)."""
    token = request.query_params.get("token")
    if token is None or server.access is None:
        return None
    who = server.access.who(token)
    if who is None:
        return error_page(server, 401, "This link is not valid",
                          "The link has no valid token. Use the personal link your instructor gave you, "
                          "as it is, or ask your instructor for it again.")
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(TOKEN_COOKIE, token, max_age=TOKEN_COOKIE_DAYS * 86400, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


def needs_login(server: Server) -> Response:
    return error_page(server, 401, "Please open your personal link",
                      "This class's pages need the personal link your instructor gave you (in the course's "
                      "learning platform). Open it once in this browser; it keeps you signed in.")


def csrf_token(request: Request) -> tuple[str, bool]:
    """The form's CSRF token: the browser's cookie, or a new one (True: set the cookie)."""
    token = request.cookies.get(CSRF_COOKIE)
    if token and 16 <= len(token) <= 64:
        return token, False
    return new_csrf(), True


def set_csrf_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def same_origin(request: Request, settings: Settings) -> bool:
    """A form post comes from this site: its Origin (when the browser sends one) names this
    host, or the public address the links use."""
    origin = request.headers.get("origin")
    if origin is None:  # only old browsers post without one; the CSRF token still has to match
        return True
    host = urlsplit(origin).netloc.lower()
    allowed = {request.headers.get("host", "").lower()}
    if settings.public_url:
        allowed.add(urlsplit(settings.public_url).netloc.lower())
    return host in allowed
