"""Reading form and quiz exports: one :class:`Answers` per respondent (SPEC section 2).

Google Forms (CSV: ``Timestamp``, ``Email Address``, ``Score``, then one column per
question title), Microsoft Forms (XLSX: ``ID``, ``Start time``, ``Completion time``,
``Email``, ``Name``, then per question its title and, in quizzes, ``Points - <title>`` and
``Feedback - <title>``), Moodle's quiz "Responses" report (``Surname``/``Last name``,
``First name``, identity fields, ``State``, times, ``Grade/N``, then ``Question N`` /
``Response N`` / ``Right answer N``) and Canvas' quiz "Student Analysis" report (``name``,
``id``, ``sis_id``, ``section``..., ``submitted``, ``attempt``, then per question
``<question id>: <text>`` followed by its points column, then ``n correct``,
``n incorrect``, ``score``). Any other sheet with a header row works too.

The student is the first column named like student / id / username / email / name, taken
in that order of preference; answer columns are named ``<layer>.<quantity>`` or ``<layer>
<quantity>``, or by a question that names one layer and one quantity, or are mapped by the
exercise's ``form: {columns: {...}}``. When a student answered more than once, the last
submission (by its timestamp when the export has one) is graded and the others noted.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..answers import Answers, Identity, Key, RawAnswer
from ..errors import SubmissionError
from ..exercise import Exercise, LAYER_QUANTITIES, MODEL_QUANTITIES
from .vocabulary import lookup_of, normalize, question_key, quantity_of, total_of
from .quizreports import cloze_answers, is_cloze_column
from .sheets import parse_times, read_sheet

TOOLS = {"google": "Google Forms", "microsoft": "Microsoft Forms", "moodle": "Moodle quiz",
         "canvas": "Canvas quiz", "generic": "form"}

# Identity columns by preference (normalised titles; text in parentheses is dropped first)
_IDENTITY_GROUPS = (
    ("student", "studentid", "studentnumber", "studentno", "matriculationnumber", "matrikelnummer", "sisid",
     "sisuserid", "idnumber"),
    ("id", "userid", "user"),
    ("username", "login", "loginid", "sisloginid", "netid"),
    ("email", "emailaddress", "mail", "youremail", "youremailaddress"),
    ("name", "fullname", "studentname", "yourname", "respondent"),
)
_EMAILS = {"email", "emailaddress", "mail", "youremail", "youremailaddress"}
_NAMES = {"name", "fullname", "studentname", "yourname", "respondent"}

_META = {  # columns that are never answers, per tool (normalised titles)
    "google": {"timestamp", "score", "emailaddress"},
    "microsoft": {"id", "starttime", "completiontime", "lastmodifiedtime", "email", "name",
                  "totalpoints", "quizfeedback", "gradepostedtime"},
    "moodle": {"surname", "lastname", "firstname", "institution", "department", "state", "startedon",
               "started", "completed", "timetaken", "duration", "emailaddress", "idnumber", "username"},
    "canvas": {"name", "id", "sisid", "rootaccount", "section", "sectionid", "sectionsisid", "submitted",
               "attempt", "ncorrect", "nincorrect", "score"},
    "generic": {"timestamp", "score", "submitted", "completed", "date", "time", "grade", "points",
                "totalpoints"},
}
_META_PATTERNS = {
    "microsoft": re.compile(r"^(Points|Feedback) - ", re.I),
    "moodle": re.compile(r"^(Grade/|Q\. ?\d+ ?/|Question \d+$|Right answer \d+$)", re.I),
    "canvas": re.compile(r"^\d+(\.\d+)?$"),  # the points column after each question
}
_TIMES = {"google": ("timestamp",), "microsoft": ("lastmodifiedtime", "completiontime"),
          "moodle": ("completed",), "canvas": ("submitted",),
          "generic": ("timestamp", "submitted", "completed", "completiontime")}
_RESPONSE = re.compile(r"^Response (\d+)$", re.I)
_CANVAS_QUESTION = re.compile(r"^\d+:\s*")
_EXPECTED_NAMING = ("name answer columns '<layer>.<quantity>' or '<layer> <quantity>' (such as "
                    "'conv1.output_shape', 'conv1 params', 'total params'), or map the columns in the "
                    "exercise under 'form: {columns: {<column title>: <layer>.<quantity>}}'")


@dataclass
class _Plan:
    """Which column holds what, decided once from the header."""

    tool: str
    titles: list[str]
    answers: list[tuple[int, Key]] = field(default_factory=list)
    per_row: list[tuple[int, int]] = field(default_factory=list)  # Moodle (response, question text)
    cloze: list[int] = field(default_factory=list)                 # Moodle responses of grader export's Cloze
    students: list[int] = field(default_factory=list)              # by preference
    email: int | None = None
    names: list[int] = field(default_factory=list)                 # joined: "First name Surname"
    canvas_id: int | None = None
    times: list[int] = field(default_factory=list)
    attempt: int | None = None
    state: int | None = None
    notes: list[str] = field(default_factory=list)


def read_form(data: bytes, shown: str, exercise: Exercise, suffix: str = ".csv") -> list[Answers]:
    """One Answers per respondent row of a form export (CSV, TSV or XLSX bytes)."""
    sheet = read_sheet(data, shown, suffix)
    rows = sheet.rows
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise SubmissionError(f"the {sheet.kind} file has no header row", file=shown)
    titles = [title.strip() for title in rows[0]]
    body = [_pad(row, len(titles)) for row in rows[1:]]
    plan = plan_columns(titles, exercise, shown, body)
    answers = []
    for index, row in enumerate(body, start=2):
        if not any(cell.strip() for cell in row) or row[0].strip().lower() == "overall average":
            continue  # blank lines, and the average row of Moodle's on-screen report
        answers.append((index, _row_answers(plan, row, index, shown, exercise, sheet.notes), row))
    if not answers:
        raise SubmissionError(f"the {sheet.kind} file has a header but no respondent rows", file=shown)
    return keep_last(answers, plan)


def _pad(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width]


def detect_tool(titles: list[str]) -> str:
    """Which form tool wrote this header: google, microsoft, moodle, canvas or generic."""
    norms = [normalize(t) for t in titles]
    names = set(norms)
    if {"starttime", "completiontime"} <= names:
        return "microsoft"
    if {"section", "sectionid", "submitted", "ncorrect", "nincorrect", "score"} <= names:
        return "canvas"
    if "firstname" in names and names & {"surname", "lastname"} and (
            "state" in names or any(_RESPONSE.match(t) for t in titles)):
        return "moodle"
    if norms and norms[0] == "timestamp":
        return "google"
    return "generic"


def plan_columns(titles: list[str], exercise: Exercise, shown: str, body: list[list[str]]) -> _Plan:
    """The role of every column; SubmissionError when no column holds an answer."""
    plan = _Plan(tool=detect_tool(titles), titles=titles)
    mapped = _explicit_columns(titles, exercise, plan)
    meta, pattern = _META[plan.tool], _META_PATTERNS.get(plan.tool)
    question_cols = {int(m[1]): i for i, t in enumerate(titles) if (m := re.match(r"^Question (\d+)$", t))}
    for i, title in enumerate(titles):
        if i in mapped:
            plan.answers.append((i, mapped[i]))
            continue
        norm = _identity_norm(title)
        _record_role(plan, i, norm)
        if not title or norm in meta or (pattern and pattern.match(title)):
            continue
        response = _RESPONSE.match(title) if plan.tool == "moodle" else None
        if response:
            if is_cloze_column([row[i] for row in body]):
                plan.cloze.append(i)
            elif int(response[1]) in question_cols:
                plan.per_row.append((i, question_cols[int(response[1])]))
            continue
        key = question_key(_CANVAS_QUESTION.sub("", title) if plan.tool == "canvas" else title, exercise)
        if key and not _is_identity(norm):
            plan.answers.append((i, key))
    plan.students.sort(key=lambda i: _identity_rank(titles[i]))
    if not plan.answers and not plan.cloze and not _per_row_maps(plan, body, exercise):
        raise SubmissionError(_no_answers_message(plan), file=shown)
    return plan


def _identity_norm(title: str) -> str:
    return normalize(re.sub(r"\(.*?\)|\[.*?\]", "", title))


def _is_identity(norm: str) -> bool:
    return any(norm in group for group in _IDENTITY_GROUPS)


def _identity_rank(title: str) -> int:
    norm = _identity_norm(title)
    return next(rank for rank, group in enumerate(_IDENTITY_GROUPS) if norm in group)


def _record_role(plan: _Plan, i: int, norm: str) -> None:
    """Note a column that says who answered, or when (timestamps, attempts, Moodle's state)."""
    tool = plan.tool
    if norm in _TIMES[tool]:
        plan.times.append(i)
    if tool == "canvas" and norm == "attempt":
        plan.attempt = i
    if tool == "moodle" and norm == "state":
        plan.state = i
    if tool == "microsoft" and norm == "id":
        return  # Microsoft Forms' ID numbers the responses, it is not a student id
    if tool == "canvas" and norm == "id":
        plan.canvas_id = i
    if tool == "moodle" and norm in ("firstname", "surname", "lastname"):
        plan.names.append(i)
        plan.names.sort(key=lambda c: normalize(plan.titles[c]) != "firstname")
    if _is_identity(norm):
        plan.students.append(i)
        if norm in _EMAILS and plan.email is None:
            plan.email = i
        if norm in _NAMES and not plan.names:
            plan.names.append(i)


def _explicit_columns(titles: list[str], exercise: Exercise, plan: _Plan) -> dict[int, Key]:
    """Columns the exercise maps by title (``form: {columns: {...}}``), by index."""
    by_title = {t: i for i, t in enumerate(titles)}
    by_norm = {normalize(_CANVAS_QUESTION.sub("", t)): i for i, t in enumerate(titles)}
    out: dict[int, Key] = {}
    for title, target in exercise.form_columns.items():
        key = mapped_key(title, target, exercise)
        index = by_title.get(title.strip(), by_norm.get(normalize(title)))
        if index is None:
            plan.notes.append(f"the exercise maps form column '{title}', which this export does not have")
        else:
            out[index] = key
    return out


def mapped_key(title: str, target: str, exercise: Exercise) -> Key:
    """The key of an exercise's ``form: columns`` target ``<layer>.<quantity>`` or ``total_params``."""
    model = target if target in MODEL_QUANTITIES else total_of(target)
    if model and "." not in target:
        return (None, model)
    layer, _, quantity = target.rpartition(".")
    name = lookup_of(exercise).find(layer)
    quantity = quantity if quantity in LAYER_QUANTITIES else quantity_of(quantity)
    if name is None or quantity is None:
        raise SubmissionError(f"the exercise maps form column '{title}' to '{target}', which is not "
                              "'<layer>.<quantity>' with a layer of the exercise "
                              f"({', '.join(exercise.layer_names)}) or 'total_params'", file=exercise.path)
    return (name, quantity)


def _per_row_maps(plan: _Plan, body: list[list[str]], exercise: Exercise) -> bool:
    """Whether some Moodle question text names a layer and quantity in some row."""
    return any(question_key(row[q], exercise) for _, q in plan.per_row for row in body)


def _no_answers_message(plan: _Plan) -> str:
    shown = [t.replace("\n", " ") for t in plan.titles if t]
    shown = [t if len(t) <= 40 else t[:37] + "..." for t in shown]
    listed = ", ".join(f"'{t}'" for t in shown[:15]) + (", ..." if len(shown) > 15 else "")
    hint = ""
    if plan.tool == "moodle":
        hint = ("; Moodle's Responses report names answers 'Response N': download it with "
                "'Question text' shown, or map 'Response N' columns in the exercise")
    return f"no answer columns in this {TOOLS[plan.tool]} export (columns: {listed}); {_EXPECTED_NAMING}{hint}"


def _row_answers(plan: _Plan, row: list[str], index: int, shown: str, exercise: Exercise,
                 file_notes: list[str]) -> Answers:
    identity = _identity(plan, row, index)
    answers = Answers(submission=shown, identity=identity, source=f"{TOOLS[plan.tool]} row {index}",
                      notes=list(file_notes) + list(plan.notes))
    cells = list(plan.answers)
    for response, question in plan.per_row:
        key = question_key(row[question], exercise)
        if key:
            cells.append((response, key))
        elif row[response].strip():
            answers.notes.append(f"row {index}: the question of '{plan.titles[response]}' names no "
                                 "layer and quantity of the exercise; not graded")
    for column, key in cells:
        text = row[column].replace("\r\n", "\n").strip()  # a cell's line breaks, as CRLF files write them
        if not text:
            continue
        title = " ".join(plan.titles[column].split())
        title = title if len(title) <= 60 else title[:57] + "..."
        where = f"row {index}, column '{title}'"
        if key in answers.values:
            if answers.values[key].text != text:
                answers.notes.append(f"{where} answers {_key_text(key)} again; the first answer is graded")
            continue
        answers.values[key] = RawAnswer(text, where)
    for column in plan.cloze:
        for key, raw in cloze_answers(row[column], exercise, f"row {index}, column '{plan.titles[column]}'", shown):
            answers.values.setdefault(key, raw)
    if plan.state is not None and row[plan.state].strip() not in ("", "Finished"):
        answers.notes.append(f"row {index}: the attempt is '{row[plan.state].strip()}', not finished")
    return answers


def _key_text(key: Key) -> str:
    return key[1] if key[0] is None else f"{key[0]}.{key[1]}"


def _identity(plan: _Plan, row: list[str], index: int) -> Identity:
    def cell(i: int | None) -> str:
        text = row[i].strip() if i is not None else ""
        return "" if plan.tool == "microsoft" and text.lower() == "anonymous" else text

    name = " ".join(part for part in (cell(i) for i in plan.names) if part) or None
    email = cell(plan.email) or None
    student = next((text for text in (cell(i) for i in plan.students) if text), None)
    return Identity(student=student or name or f"row {index}", name=name, email=email,
                    canvas_id=cell(plan.canvas_id) or None, source="form")


def keep_last(answers: list[tuple[int, Answers, list[str]]], plan: _Plan) -> list[Answers]:
    """One Answers per student: the last submission, by timestamp when the export has one.

    ``answers`` holds (row number, Answers, the row's cells) in file order.
    """
    times = {c: parse_times([cells[c] for _, _, cells in answers]) for c in plan.times}
    order: dict[int, tuple] = {}
    groups: dict[str, list[int]] = {}
    by_row = {}
    for k, (index, found, cells) in enumerate(answers):
        stamp = max((times[c][k] for c in plan.times if times[c][k] is not None), default=None)
        attempt = _int(cells[plan.attempt]) if plan.attempt is not None else 0
        order[index] = (stamp is not None, stamp or dt.datetime.min, attempt, index)
        anonymous = found.identity.student == f"row {index}"
        groups.setdefault(f"\0{index}" if anonymous else found.identity.student.casefold(), []).append(index)
        by_row[index] = found
    kept = []
    for indexes in groups.values():
        best = max(indexes, key=order.__getitem__)
        if len(indexes) > 1:
            others = ", ".join(str(r) for r in indexes if r != best)
            by = "the latest timestamp" if order[best][0] else "the last row"
            by_row[best].notes.append(f"{by_row[best].identity.student} answered {len(indexes)} times; "
                                      f"row {best} is graded ({by}), row(s) {others} ignored")
        kept.append(best)
    return [by_row[index] for index in sorted(kept)]


def _int(text: str) -> int:
    text = text.strip()  # isdigit() is true of '²', which int() refuses; 4,300 digits are its limit
    return int(text) if text.isdecimal() and len(text) <= 18 else 0
