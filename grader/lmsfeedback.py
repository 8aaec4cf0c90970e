"""Every student's report back to the LMS in one upload: ``grade ... --feedback-zip canvas|moodle``
writes ``feedback-canvas.zip`` or ``feedback-moodle.zip``, named so that the LMS attaches each
report to its student.

- Canvas, *Upload Submissions* on the assignment: Canvas splits each file's base name on ``_``
  and takes the first two all-digit fields as the user id and the id of an attachment of that
  user's current submission. A report is named ``<name>_<user id>_<attachment id>_feedback.html``
  from the student's download name (the name keeps only its letters, so that no digits come
  before the ids).
- Moodle, *Upload multiple feedback files in a zip*: a folder per participant, named as the
  download names it, ``<Full Name>_<participant id>_assignsubmission_file/feedback.html``
  (Moodle splits a folder's name on ``_``: a name's own underscores become spaces).

Submissions the LMS could not match — no LMS ids in the name (anonymous grading, text entries,
form exports), or an earlier submission a later one supersedes — are left out, each with the
reason. The zip is the same bytes for the same reports (fixed times, sorted names).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Sequence

from .record import Record

FORMATS = ("canvas", "moodle")
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def canvas_entries(records: Sequence[Record]) -> tuple[list[tuple[str, str]], list[str]]:
    """(name in the zip, report) for every student Canvas can match, and who is left out."""
    entries, left_out = [], []
    for r in records:
        identity = r.identity
        if r.superseded_by:
            left_out.append(f"{r.submission}: superseded by {r.superseded_by} (Canvas holds the later one)")
        elif not identity.canvas_id or not identity.canvas_attachment:
            why = "anonymous grading hides the user id" if identity.student.startswith("anon_") else \
                "no Canvas user and attachment ids in the file name"
            left_out.append(f"{r.submission}: {why}")
        elif r.report:
            name = re.sub(r"[^A-Za-z]", "", identity.student) or "student"
            entries.append((f"{name}_{identity.canvas_id}_{identity.canvas_attachment}_feedback.html", r.report))
    return entries, left_out


def moodle_entries(records: Sequence[Record]) -> tuple[list[tuple[str, str]], list[str]]:
    entries, left_out = [], []
    for r in records:
        identity = r.identity
        if r.superseded_by:
            left_out.append(f"{r.submission}: superseded by {r.superseded_by}")
        elif not identity.moodle_participant:
            left_out.append(f"{r.submission}: no Moodle participant id in the file name")
        elif r.report:
            name = (identity.name or "Participant").replace("_", " ").replace("/", " ").strip() or "Participant"
            entries.append((f"{name}_{identity.moodle_participant}_assignsubmission_file/feedback.html", r.report))
    return entries, left_out


def write_feedback_zip(path: Path, entries: Sequence[tuple[str, str]], reports: Path) -> None:
    """The zip of reports (``reports`` is the folder the report names are relative to)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, report in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (reports / report).read_bytes())
