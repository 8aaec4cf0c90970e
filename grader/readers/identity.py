"""Who handed a file in: ``--student``, the LMS download name, Gradescope metadata, or the stem.

Canvas "Download Submissions" names files ``<sortablename>_[LATE_]<userid>_<attachmentid>_<name>``
(anonymous grading: ``[LATE_]anon_<id>_<attachmentid>_<name>``; text and URL entries
``<sortablename>_<userid>_text.html``). Moodle "Download all submissions" puts each
participant in ``Full Name_<participant id>_assignsubmission_file/`` (3.1-4.0 with a trailing
``_``) or prefixes flat names the same way; blind marking writes ``Participant_<id>``.
Gradescope copies the submission to ``/autograder/submission/`` beside
``/autograder/submission_metadata.json``. Samples: ``shared/formats/*_listing.txt``.
"""
from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from ..answers import Identity
from .surrogates import clean_text

METADATA_NAME = "submission_metadata.json"
_METADATA_MAX_BYTES = 1_000_000

# Canvas lower-cases the sortable name and keeps only word characters ("Doe, Jane" -> doejane)
_CANVAS = re.compile(r"^(?P<sortable>(?:(?![A-Z])\w)+?)_(?:(?P<late>LATE|late)_)?(?P<user>\d+)_"
                     r"(?:\d{3,}_.+|(?:text|link)\.html)$")  # attachment ids are long: "lab_3_2.py" is no download
_CANVAS_ANON = re.compile(r"^(?:(?P<late>LATE|late)_)?anon_(?P<anon>[A-Za-z0-9]+)_"
                          r"(?:\d{3,}_.+|(?:text|link)\.html)$")
_MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
_MOODLE_FLAT = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_.+$")
_ASSIGNSUBMISSION = "_assignsubmission_"  # in every Moodle folder name: a cheap test before splitting a path


def identify(path: str | os.PathLike, student: str | None = None,
             metadata: Mapping[str, Any] | None = None, seen: dict[str, dict | None] | None = None) -> Identity:
    """The identity of the file at ``path``; ``student`` (``--student``) wins over what is found.

    ``metadata`` is Gradescope's ``submission_metadata.json`` already loaded; without it the
    file is looked for beside ``path`` and in the parent folders up to ``autograder`` (once
    per folder when ``seen``, a run's record of the folders looked at, is given).
    """
    # Gradescope's metadata names the submitter for certain; a file name only suggests one
    if metadata is None:
        metadata = find_gradescope_metadata(path, seen)
    found = from_gradescope(metadata) if metadata is not None else None
    if found is None:
        found = from_lms_name(path)
    if found is None:
        found = Identity(student=Path(os.fspath(path)).stem, source="file name")
    if student:
        found = replace(found, student=student, source="--student")
    if found.name and clean_text(found.name) != found.name or clean_text(found.student) != found.student:
        # a file name that is not UTF-8: its undecodable bytes cannot go into reports
        found = replace(found, student=clean_text(found.student), name=found.name and clean_text(found.name))
    return found


def from_lms_name(path: str | os.PathLike) -> Identity | None:
    """The Canvas or Moodle identity in a download's file or folder names, or None."""
    name = os.fspath(path)
    base = os.path.basename(name)
    parts: tuple[str, ...] = ()
    if not base or base in (".", "..") or _ASSIGNSUBMISSION in name:  # only then are the folders read
        parts = Path(name).parts
        if not parts:
            return None
        base = parts[-1]
    match = _CANVAS_ANON.match(base)
    if match:
        return Identity(student=f"anon_{match['anon']}", late=bool(match["late"]), source="canvas")
    for folder in reversed(parts[:-1]):  # the nearest Moodle folder: files may sit in sub/dir/
        match = _MOODLE_FOLDER.match(folder)
        if match:
            return _moodle(match)
    match = _MOODLE_FLAT.match(base)
    if match:
        return _moodle(match)
    match = _CANVAS.match(base)
    if match:
        return Identity(student=match["sortable"], canvas_id=match["user"], late=bool(match["late"]),
                        source="canvas")
    return None


def _moodle(match: re.Match) -> Identity:
    name, participant = match["name"], match["id"]
    if name == "Participant":  # blind marking hides the name
        return Identity(student=f"Participant {participant}", moodle_participant=participant,
                        source="moodle")
    return Identity(student=name, name=name, moodle_participant=participant, source="moodle")


def find_gradescope_metadata(path: str | os.PathLike, seen: dict[str, dict | None] | None = None) -> dict | None:
    """Gradescope's metadata beside the file, or in a parent folder up to ``autograder``.

    Folders above the file are searched only inside an ``autograder`` folder, so a stray
    metadata file elsewhere on disk is never taken for this submission's. ``seen`` keeps what
    was found per folder: a class in one folder is looked up with one stat, not one per file.
    """
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if seen is not None and folder in seen:
        return seen[folder]
    candidates = [folder]
    if "autograder" in folder:  # a cheap test first: most files are nowhere near Gradescope's folders
        parent = Path(folder)
        if "autograder" in parent.parts:
            for above in parent.parents:
                candidates.append(str(above))
                if above.name == "autograder":
                    break
    found = None
    for candidate in candidates:
        found = _load_metadata(os.path.join(candidate, METADATA_NAME))
        if found is not None:
            break
    if seen is not None:
        seen[folder] = found
    return found


def _load_metadata(file: str) -> dict | None:
    """The parsed file, or None when it is absent or unusable (not the student's fault)."""
    try:
        info = os.stat(file)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _METADATA_MAX_BYTES:
            return None
        with open(file, encoding="utf-8-sig") as fh:
            data = json.loads(fh.read())
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def from_gradescope(metadata: Mapping[str, Any]) -> Identity | None:
    """The first user of a Gradescope submission (``users[0]``: ``id``, ``email``, ``name``)."""
    users = metadata.get("users") if isinstance(metadata, Mapping) else None
    if not isinstance(users, list) or not users or not isinstance(users[0], Mapping):
        return None
    user = users[0]
    text = {key: str(user[key]).strip() if user.get(key) not in (None, "") else None
            for key in ("id", "email", "name")}
    student = text["email"] or text["id"] or text["name"]
    if not student:
        return None
    return Identity(student=student, name=text["name"], email=text["email"], gradescope_id=text["id"],
                    source="gradescope")
