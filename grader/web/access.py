"""Who may use a class-mode server: the roster, each student's token (``DIR/tokens.csv``) and
the instructor's (``DIR/instructor-token``).

Tokens are 32 random bytes (``secrets``), kept once written, so links pasted into an LMS
keep working when the server restarts. A token is looked up by its SHA-256 digest and the
digests are compared with ``hmac.compare_digest``: nothing about a token leaks through the
time a lookup takes, and the server never logs one.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping
from urllib.parse import quote

from ..answers import Identity
from ..csvfiles import read_csv
from ..errors import GraderError

TOKENS = "tokens.csv"
INSTRUCTOR_TOKEN = "instructor-token"
TOKEN_COLUMNS = ["student", "name", "token", "link"]
#: optional roster columns: the ids the Canvas and Moodle gradebooks are keyed by
LMS_COLUMNS = {"canvas_id": "canvas_id", "moodle_participant": "moodle_participant"}


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""
    canvas_id: str = ""
    moodle_participant: str = ""

    def identity(self, late: bool = False) -> Identity:
        return Identity(student=self.id, name=self.name or None, email=self.email or None,
                        canvas_id=self.canvas_id or None, moodle_participant=self.moodle_participant or None,
                        late=late, source="roster")


@dataclass(frozen=True)
class Who:
    """The holder of a token: a student, or the instructor (``student`` None)."""

    student: Student | None
    digest: bytes = b""

    @property
    def instructor(self) -> bool:
        return self.student is None


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True)
class Access:
    """The tokens of a class: digest -> holder. Immutable once the server runs."""

    holders: Mapping[bytes, Who]

    def who(self, token: str | None) -> Who | None:
        """The holder of ``token``, or None. The lookup is by digest (its time tells nothing
        about the token), then the digests are compared in constant time."""
        if not token or len(token) > 200:
            return None
        wanted = digest(token)
        found = self.holders.get(wanted)
        return found if found is not None and hmac.compare_digest(found.digest, wanted) else None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def read_roster(path: str | os.PathLike) -> list[Student]:
    """``student,name,email`` (a header row; ``name``, ``email`` and the LMS ids are optional)."""
    name = os.fspath(path)
    header, rows = read_csv(name, "the roster", "student,name,email")
    if "student" not in header:
        raise GraderError(f"the roster's header has no 'student' column (found: {', '.join(header)}); "
                          "expected 'student,name,email'", file=name, line=1)
    students: list[Student] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        sid = cells["student"]
        if not sid:
            raise GraderError("a row without a student id", file=name, line=number)
        if sid in seen:
            raise GraderError(f"student '{sid}' is listed twice (also on line {seen[sid]})", file=name, line=number)
        seen[sid] = number
        students.append(Student(id=sid, name=cells.get("name", ""), email=cells.get("email", ""),
                                canvas_id=cells.get("canvas_id", ""),
                                moodle_participant=cells.get("moodle_participant", "")))
    if not students:
        raise GraderError("the roster lists no student", file=name)
    return students


def link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/?token={quote(token)}"


def prepare_tokens(data: str | os.PathLike, students: list[Student], public_url: str) -> tuple[dict[str, str], str]:
    """Write ``DIR/tokens.csv`` and ``DIR/instructor-token`` (keeping the tokens already there)
    and return (student id -> token, the instructor's token). Both files are readable by
    their owner only."""
    folder = Path(data)
    known: dict[str, str] = {}
    tokens_file = folder / TOKENS
    if tokens_file.is_file():
        with open(tokens_file, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("student") and row.get("token"):
                    known[row["student"]] = row["token"]
    tokens = {s.id: known.get(s.id) or new_token() for s in students}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TOKEN_COLUMNS)
    for s in students:
        writer.writerow([s.id, s.name, tokens[s.id], link(public_url, tokens[s.id])])
    _write_private(tokens_file, out.getvalue())
    instructor_file = folder / INSTRUCTOR_TOKEN
    instructor = instructor_file.read_text(encoding="utf-8").strip() if instructor_file.is_file() else ""
    if not instructor:
        instructor = new_token()
        _write_private(instructor_file, instructor + "\n")
    return tokens, instructor


def read_tokens(data: str | os.PathLike, students: list[Student]) -> Access:
    """The Access of a class whose tokens :func:`prepare_tokens` wrote."""
    folder = Path(data)
    by_id = {s.id: s for s in students}
    holders: dict[bytes, Who] = {}
    with open(folder / TOKENS, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            student = by_id.get(row.get("student") or "")
            if student is not None and row.get("token"):
                holders[digest(row["token"])] = Who(student, digest(row["token"]))
    instructor = (folder / INSTRUCTOR_TOKEN).read_text(encoding="utf-8").strip()
    holders[digest(instructor)] = Who(None, digest(instructor))
    return Access(MappingProxyType(holders))


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)


# -- forms: CSRF ---------------------------------------------------------------------------

CSRF_COOKIE = "grader_csrf"
CSRF_FIELD = "csrf"


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(cookie: str | None, field: str | None) -> bool:
    """The double-submit check: the form's hidden field equals the cookie set with the page
    (a page of another site can send the cookie, never read it)."""
    if not cookie or not field:
        return False
    return hmac.compare_digest(cookie.encode("utf-8", "replace"), field.encode("utf-8", "replace"))
