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

from ..answers import Answers, Identity
from ..errors import SubmissionError, clip
from .surrogates import clean_text

METADATA_NAME = "submission_metadata.json"
_METADATA_MAX_BYTES = 1_000_000

# Canvas lower-cases the sortable name and keeps only word characters ("Doe, Jane" -> doejane)
# attachment ids are long: "lab_3_2.py" is no download
_CANVAS = re.compile(r"^(?P<sortable>(?:(?![A-Z])\w)+?)_(?:(?P<late>LATE|late)_)?(?P<user>\d+)_"
                     r"(?:(?P<attachment>\d{3,})_.+|(?:text|link)\.html)$")
_CANVAS_ANON = re.compile(r"^(?:(?P<late>LATE|late)_)?anon_(?P<anon>[A-Za-z0-9]+)_"
                          r"(?:\d{3,}_.+|(?:text|link)\.html)$")
_MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_[a-z]+_?$")
_MOODLE_FLAT = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_[a-z]+_.+$")
_ASSIGNSUBMISSION = "_assignsubmission_"  # in every Moodle folder name: a cheap test before splitting a path


def identify(path: str | os.PathLike, student: str | None = None,
             metadata: Mapping[str, Any] | None = None, seen: dict[str, dict | None] | None = None) -> Identity:
    """The identity of the file at ``path``; ``student`` (``--student``) wins over what is found.

    ``metadata`` is Gradescope's ``submission_metadata.json`` already loaded; without it the
    file is looked for as :func:`find_gradescope_metadata` says (once per folder when
    ``seen``, a run's record of the folders looked at, is given).
    """
    # Gradescope's own metadata names the submitter for certain; a file name only suggests one.
    # Outside /autograder a metadata file beside the file is only a hint: in an LMS download a
    # student can upload one into their own folder, so the LMS's name for the file comes first.
    given = metadata is not None
    if metadata is None:
        metadata = find_gradescope_metadata(path, seen)
    gradescope = from_gradescope(metadata) if metadata is not None else None
    if gradescope is not None and (given or autograder_root(path) is not None):
        found = gradescope
    else:
        found = (from_lms_name(path) or gradescope
                 or Identity(student=Path(os.fspath(path)).stem, source="file name"))
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
    canvas = _CANVAS.match(base)
    # Canvas puts its prefix before the student's own file name, which may hold anything, even
    # "_1234567_assignsubmission_file_": that is Moodle's only where it follows the prefix's ids
    if canvas and not (canvas["attachment"] and base.startswith(_ASSIGNSUBMISSION, canvas.end("attachment"))):
        return Identity(student=canvas["sortable"], canvas_id=canvas["user"], canvas_attachment=canvas["attachment"],
                        late=bool(canvas["late"]), source="canvas")
    match = _MOODLE_FLAT.match(base)
    if match:
        return _moodle(match)
    return None


def _moodle(match: re.Match) -> Identity:
    name, participant = match["name"], match["id"]
    if name == "Participant":  # blind marking hides the name
        return Identity(student=f"Participant {participant}", moodle_participant=participant,
                        source="moodle")
    return Identity(student=name, name=name, moodle_participant=participant, source="moodle")


def find_gradescope_metadata(path: str | os.PathLike, seen: dict[str, dict | None] | None = None) -> dict | None:
    """Gradescope's metadata for the file at ``path``, or None.

    Inside an ``autograder`` folder only ``autograder/submission_metadata.json`` counts (the
    outermost such folder: Gradescope's own): a ``submission_metadata.json`` a student uploads
    beside the notebook, into ``autograder/submission/``, is not read (issue 9). Elsewhere
    the file beside the submission is read (``grader check`` on a downloaded submission).
    ``seen`` keeps what was found per folder: a class in one folder is looked up with one
    stat, not one per file.
    """
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if seen is not None and folder in seen:
        return seen[folder]
    root = autograder_root(path)
    found = _load_metadata(os.path.join(root if root is not None else folder, METADATA_NAME))
    if seen is not None:
        seen[folder] = found
    return found


def autograder_root(path: str | os.PathLike) -> str | None:
    """The outermost folder named ``autograder`` above ``path`` (Gradescope's), or None."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if "autograder" not in folder:  # a cheap test first: most files are nowhere near Gradescope's folders
        return None
    parts = Path(folder).parts
    if "autograder" not in parts:
        return None
    return str(Path(*parts[:parts.index("autograder") + 1]))


def _load_metadata(file: str) -> dict | None:
    """The parsed file, or None when it is absent or unusable (not the student's fault)."""
    return _read_metadata(file)[0]


def _read_metadata(file: str) -> tuple[dict | None, str | None]:
    """The parsed file and, when it is there but unusable, why (None when it is absent)."""
    try:
        info = os.stat(file)
        if not stat.S_ISREG(info.st_mode):
            return None, "it is not a regular file"
        if info.st_size > _METADATA_MAX_BYTES:
            return None, f"it is over {_METADATA_MAX_BYTES / 1e6:g} MB"
        with open(file, encoding="utf-8-sig") as fh:
            data = json.loads(fh.read())
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"it cannot be read: {exc.strerror or exc}"
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "it is not JSON"
    return (data, None) if isinstance(data, dict) else (None, "it is not a JSON object")


def metadata_problem(path: str | os.PathLike) -> str | None:
    """Why Gradescope's own metadata was not used for the file at ``path`` although it is there
    (issue 9: nothing found is skipped silently), or None."""
    root = autograder_root(path)
    if root is None:
        return None
    data, problem = _read_metadata(os.path.join(root, METADATA_NAME))
    if problem is None and data is not None and from_gradescope(data) is None:
        problem = "it names no user"
    return f"Gradescope's {METADATA_NAME} was not used ({problem}); the student is named from the file" \
        if problem else None


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


#: identities that come from the LMS (file names, Gradescope's metadata), not from the file's content
LMS_SOURCES = ("canvas", "moodle", "gradescope")
_LMS_NAMES = {"canvas": "Canvas", "moodle": "Moodle", "gradescope": "Gradescope"}
_ROW = re.compile(r"row \d+")  # a form row without an identity column is named by its number


def speaks_for(owner: Identity, found: list[Answers], shown: str) -> Answers:
    """The one submission of a form export handed in through an LMS by ``owner`` (issue 9).

    A file in an LMS download speaks only for the student the LMS names: it is graded as
    ``owner`` and must hold one respondent; rows that claim other students (several rows, or
    another Canvas user id) make the file refused for ``owner``, never merged into the class.
    """
    lms = _LMS_NAMES[owner.source]
    who = f"{owner.student} (from its {lms} {'metadata' if owner.source == 'gradescope' else 'file name'})"
    if len(found) > 1:
        names = ", ".join(clip(answers.identity.student, 40) for answers in found[:5])
        raise SubmissionError(f"a file handed in through {lms} speaks only for {who}, but this form export "
                              f"holds {len(found)} respondents ({names}{', ...' if len(found) > 5 else ''}); "
                              "it is not graded. Grade a class's form export on its own, outside the "
                              "LMS download", file=shown)
    answers = found[0]
    claimed = answers.identity
    if claimed.canvas_id and claimed.canvas_id != owner.canvas_id:
        raise SubmissionError(f"a file handed in through {lms} speaks only for {who}, but its row claims "
                              f"Canvas user {clip(claimed.canvas_id, 40)}; it is not graded", file=shown)
    said = [text for text in (claimed.student, claimed.email, claimed.name) if text and not _ROW.fullmatch(text)]
    if said and owner.student not in said:
        answers.notes.append(f"the form row says student '{clip(said[0], 40)}'; graded as {who}")
    answers.identity = owner
    return answers
