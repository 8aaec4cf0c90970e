"""Fuzzing every reader through its public entry point (issue 9): whatever a file holds,
``read_path`` (and the answer-file and form readers under it) returns Answers or raises a
GraderError with one located line, and what it says about the file stays bounded.

The inputs are structure-aware mutations of real files (the fixtures and samples): JSON
trees of notebooks with nodes replaced, nbformat 3 conversions, model summaries with their
numbers and rules edited, YAML answer files with hostile scalars and tags, form exports
with hostile cells, headers and encodings, workbooks with edited sheet XML. File names are
drawn from the LMS patterns too, so identity and the one-student rule are fuzzed with them.

Examples per test: GRADER_FUZZ_EXAMPLES (default 300); the dedicated run is
``GRADER_FUZZ_EXAMPLES=100000 python -m pytest tests/test_fuzz_readers.py tests/test_fuzz_exercise.py``.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grader import limits
from grader.answers import Answers
from grader.errors import GraderError
from grader.exercise import QUANTITIES, load_exercise
from grader.readers import read_path
from grader.readers.summary import find_summaries

from .conftest import EXERCISES, ROOT

CNN = load_exercise(EXERCISES / "cnn-8x8x3.yaml")
FIXTURES = ROOT / "tests" / "fixtures"
FUZZ = settings(max_examples=int(os.environ.get("GRADER_FUZZ_EXAMPLES", "300")), deadline=None,
                suppress_health_check=list(HealthCheck), database=None)
WORK = Path(tempfile.mkdtemp(prefix="grader-fuzz-"))  # one file per reader, rewritten per example


def corpus(*patterns: str) -> list[bytes]:
    files = sorted({p for pattern in patterns for p in ROOT.glob(pattern)})
    assert files, patterns
    return [p.read_bytes() for p in files]


def parsed(files: list[bytes]) -> list[bytes]:
    """The files of a corpus that are JSON (the broken fixtures are mutated as bytes elsewhere)."""
    def is_json(data: bytes) -> bool:
        try:
            json.loads(data)
        except ValueError:
            return False
        return True
    return [data for data in files if is_json(data)]


def one_of(files: list[bytes]) -> st.SearchStrategy[bytes]:
    """One file of a corpus, drawn by its index (a failure then shows a number, not the file)."""
    return st.integers(0, len(files) - 1).map(lambda index: files[index])


NOTEBOOKS = corpus("tests/fixtures/notebooks/*.ipynb", "samples/cnn-8x8x3/*.ipynb", "tests/fixtures/hostile/*.ipynb")
SUMMARIES = corpus("tests/fixtures/summaries/*.ipynb")
YAML_FILES = corpus("tests/fixtures/answerfiles/*.yaml", "samples/cnn-8x8x3/*.yaml")
JSON_FILES = corpus("tests/fixtures/answerfiles/*.json", "samples/cnn-8x8x3/*.json")
CSV_FILES = corpus("tests/fixtures/forms/*.csv", "samples/cnn-8x8x3-form/*.csv", "tests/fixtures/shared/formats/google_forms.csv")
TSV_FILES = corpus("tests/fixtures/forms/*.tsv")
XLSX_FILES = corpus("tests/fixtures/forms/*.xlsx")

# -- hostile values ------------------------------------------------------------------------------

BIG = "\x01BIG{}\x01"  # a JSON number too long for Python's int(): written in after json.dumps
HOSTILE_TEXTS = [
    "", " ", "0", "-1", "1" * 5000, "9" * 4301, "1e308", "1.0e+308", "-1e309", ".inf", ".nan", "nan", "inf",
    "2024-02-30", "2024-13-45", "0001-01-01 00:00:00 GMT+5", "9999-12-31T23:59:59-05:00", "2024/09/02 9:05:12 AM GMT+99",
    "!!int ''", '!!int ""', "!!bool maybe", "!!float abc", "!!timestamp abc", "!!binary xx", "!!set {a}",
    "!!python/object/apply:os.system [ls]", "&a [*a, *a]", "*nope", "<<: *x", "{<<: [1]}", "? [a]", "²", "٣",
    "\x1b[31mred", "\u202eevil", "=1+2", "Bob\r=2+3", "x" * 20_000, "(" * 500, "[" * 200, "{" * 200,
    "6x6x64", "(None, 6, 6, 64)", "1,792", "(3*3*3+1)*64 = 1792", "--", "total", "Total params: 79,261",
    "\t", "\n", "\r\n", '"', "'", "|", ",", ";", "#", "%", "@", "`", "\x00", "\ufeff", "\udcff",
    "answers", "id", "Timestamp", "attempt", "submitted", "State", "Response 1", "Question 1", "Email", "Student",
    "Finished", "anonymous", "conv1", "conv1 params", "conv1.output_shape", "total_params", "Layer (type)",
]
TEXT = st.sampled_from(HOSTILE_TEXTS) | st.text(max_size=30) | st.integers(-2 ** 80, 2 ** 80).map(str)
JSON_LEAF = (st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats() | TEXT
             | st.sampled_from([4300, 4301, 5000]).map(BIG.format))
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.sampled_from(["cells", "source", "outputs", "text", "data",
                                                             "metadata", "tags", "level", "cell_type", "input",
                                                             "worksheets", "output_type", "text/plain"]) | TEXT,
                                            inner, max_size=4), max_leaves=10)
NAMES = st.sampled_from(["s1{}", "doejane_12345_98765_lab{}", "LATE_anon_Xy9Zq_98780_hw{}",
                         "Jane Doe_1234567_assignsubmission_file/hw{}", "Jane Doe_1234567_assignsubmission_file_hw{}",
                         "doejane_12345_98765_x_1234567_assignsubmission_file_y{}", "autograder/submission/hw{}",
                         "..{}"])


def dumps(tree: object) -> bytes:
    text = json.dumps(tree, ensure_ascii=False)
    text = re.sub(r'"\\u0001BIG(\d+)\\u0001"', lambda m: "9" * int(m[1]), text)
    return text.encode("utf-8", "surrogatepass")


# -- the contract ----------------------------------------------------------------------------------

def read(name: str, data: bytes) -> list[Answers] | None:
    """read_path on ``data`` written under ``name``: Answers within the limits, or one GraderError line."""
    path = WORK / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.startswith("autograder/"):
        (WORK / "autograder" / "submission_metadata.json").write_text(
            '{"users": [{"email": "ann@example.com", "id": 7}]}')
    path.write_bytes(data)
    try:
        found = read_path(path, CNN)
    except GraderError as exc:
        text = str(exc)
        assert "\n" not in text and len(exc.message) <= 2_100, text[:300]
        assert exc.file == str(path)
        event("refused: " + " ".join(exc.message.split()[:3]))  # --hypothesis-show-statistics
        return None
    event(f"read: {len(found)} submission(s)" if len(found) < 3 else "read: 3+ submissions")
    assert isinstance(found, list) and found
    for answers in found:
        assert isinstance(answers, Answers) and answers.identity.student
        assert len(answers.notes) <= limits.MAX_NOTES + 1 and len(answers.errors) <= limits.MAX_NOTES + 1
        assert all(len(text) <= limits.MAX_NOTE + 40 for text in answers.notes + answers.errors)
        assert len(answers.identity.student) <= limits.MAX_NAME + 40
        for (layer, quantity), raw in answers.values.items():
            assert quantity in QUANTITIES and (layer is None or layer in CNN.layer_names)
            assert isinstance(raw.text, str) and len(raw.where) <= limits.MAX_WHERE + 40
    return found


# -- JSON trees: notebooks and JSON answer files ----------------------------------------------------

def _paths(tree: object, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(tree, dict):
        for key, value in tree.items():
            out += _paths(value, here + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            out += _paths(value, here + (index,))
    return out


def _set(tree: object, path: tuple, value: object) -> object:
    if not path:
        return value
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return tree


_DELETE = object()


def _to_v3(nb: dict, levels: list) -> dict:
    """The notebook as nbformat 3 worksheets, with headings of the drawn levels."""
    cells = []
    for cell in nb.get("cells", []) if isinstance(nb.get("cells"), list) else []:
        if not isinstance(cell, dict):
            cells.append(cell)
            continue
        cell = dict(cell)
        if cell.get("cell_type") == "code":
            cell["input"] = cell.pop("source", "")
        cells.append(cell)
    for level in levels:
        cells.insert(0, {"cell_type": "heading", "level": level, "source": "Answers", "metadata": {}})
    return {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": cells, "metadata": {}}]}


@st.composite
def mutated_json(draw, files: list[bytes], v3: bool = True) -> bytes:
    tree = json.loads(draw(one_of(files)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "replace", "delete", "wrap", "duplicate"] + (["v3"] if v3 else [])))
        if op == "v3" and isinstance(tree, dict):
            levels = draw(st.lists(st.integers(-3, 9) | st.sampled_from([2 ** 70, 8_000_000_000, "2", 2.5, None]),
                                   max_size=2))
            tree = _to_v3(tree, levels)
            continue
        path = draw(st.sampled_from(_paths(tree)))
        if op == "delete" and path:
            tree = _set(tree, path, _DELETE)
        elif op == "wrap":
            tree = _set(tree, path, [_get(tree, path)] if draw(st.booleans()) else {"x": _get(tree, path)})
        elif op == "duplicate" and path and isinstance(_get(tree, path[:-1]), list):
            _get(tree, path[:-1]).extend([_get(tree, path)] * draw(st.integers(1, 50)))
        else:
            tree = _set(tree, path, draw(JSON_VALUE))
    return dumps(tree)


def _get(tree: object, path: tuple) -> object:
    for step in path:
        tree = tree[step]
    return tree


@FUZZ
@given(mutated_json(parsed(NOTEBOOKS)), NAMES)
def test_notebooks(data, name):
    read(name.format(".ipynb"), data)


@FUZZ
@given(mutated_json(parsed(JSON_FILES), v3=False), NAMES)
def test_json_answer_files(data, name):
    read(name.format(".json"), data)


# -- text: summaries in notebooks' outputs, YAML answer files --------------------------------------

_TOKEN = re.compile(r"[^\s:,{}\[\]|│┃()'\"]+")


@st.composite
def mutated_lines(draw, text: str) -> str:
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["token", "token", "token", "insert", "delete", "duplicate", "truncate", "widen"]))
        lines = lines or [""]
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if op == "token" and _TOKEN.search(line):
            matches = list(_TOKEN.finditer(line))
            m = matches[draw(st.integers(0, len(matches) - 1))]
            lines[i] = line[:m.start()] + draw(TEXT) + line[m.end():]
        elif op == "insert":
            indent = " " * draw(st.integers(0, 6))
            lines.insert(i, indent + draw(TEXT) + draw(st.sampled_from(["", ": ", ": " + draw(TEXT)])))
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines[i:i] = [line] * draw(st.integers(1, 200))
        elif op == "truncate":
            lines = lines[:i] + [line[:draw(st.integers(0, len(line)))]]
        elif op == "widen":
            lines[i] = line + " " * draw(st.integers(0, 300)) + draw(TEXT)
    return "\n".join(lines)


def _summary_outputs(nb: dict) -> list[tuple]:
    return [path for path in _paths(nb) if "outputs" in path and isinstance(_get(nb, path), str)
            and ("Param" in _get(nb, path) or "params" in _get(nb, path) or "─" in _get(nb, path))]


@st.composite
def mutated_summary(draw) -> bytes:
    nb = json.loads(draw(one_of(SUMMARIES)))
    places = _summary_outputs(nb)
    for path in draw(st.lists(st.sampled_from(places), min_size=1, max_size=3)) if places else []:
        _set(nb, path, draw(mutated_lines(_get(nb, path))))
    return dumps(nb)


@FUZZ
@given(mutated_summary(), NAMES)
def test_summaries(data, name):
    read(name.format(".ipynb"), data)


@FUZZ
@given(one_of(SUMMARIES).flatmap(lambda nb: mutated_lines(
    "\n".join(_get(json.loads(nb), p) for p in _summary_outputs(json.loads(nb))))))
def test_summary_text(text):
    for summary in find_summaries(text, "cell 3"):  # the parser itself: rows or nothing, never an exception
        assert all(isinstance(row.label, str) for row in summary.rows)


@FUZZ
@given(one_of(YAML_FILES).flatmap(lambda data: mutated_lines(data.decode("utf-8"))), NAMES)
def test_yaml_answer_files(text, name):
    read(name.format(".yaml"), text.encode("utf-8", "surrogatepass"))


# -- forms: CSV and TSV -----------------------------------------------------------------------------

def _rows(data: bytes) -> list[list[str]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    delimiter = "\t" if text.count("\t") > text.count(",") else ";" if text.count(";") > text.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


CSV_ROWS = [_rows(data) for data in CSV_FILES]
TSV_ROWS = [_rows(data) for data in TSV_FILES] + CSV_ROWS


@st.composite
def mutated_rows(draw, sheets: list[list[list[str]]]) -> list[list[str]]:
    rows = [list(row) for row in sheets[draw(st.integers(0, len(sheets) - 1))]] or [[""]]
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["cell", "cell", "cell", "header", "row", "drop_row", "column", "drop_column"]))
        r = draw(st.integers(0, len(rows) - 1))
        row = rows[r] or [""]
        c = draw(st.integers(0, len(row) - 1))
        if op == "cell":
            row[c] = draw(TEXT)
            rows[r] = row
        elif op == "header":
            rows[0] = rows[0] or [""]
            rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(TEXT)
        elif op == "row":
            rows.insert(r, list(row) if draw(st.booleans()) else [draw(TEXT) for _ in row])
        elif op == "drop_row" and len(rows) > 1:
            del rows[r]
        elif op == "column":
            for each in rows:
                each.insert(min(c, len(each)), draw(TEXT))
        elif op == "drop_column":
            for each in rows:
                del each[c:c + 1]
    return rows


@st.composite
def form_bytes(draw, tsv: bool = False) -> bytes:
    rows = draw(mutated_rows(TSV_ROWS if tsv else CSV_ROWS))
    delimiter = "\t" if tsv else draw(st.sampled_from([",", ";", "\t"]))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\r\n", "\n"]))).writerows(rows)
    text = buffer.getvalue()
    if draw(st.booleans()) and not tsv:
        text = f"sep={delimiter}\n" + text
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]))
    data = text.encode(encoding, "replace") if encoding != "utf-8" else text.encode(encoding, "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # sometimes a byte-level edit on top
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=6)) + data[at + draw(st.integers(0, 4)):]
    return data


@FUZZ
@given(form_bytes(), NAMES)
def test_csv_forms(data, name):
    read(name.format(".csv"), data)


@FUZZ
@given(form_bytes(tsv=True), NAMES)
def test_tsv_forms(data, name):
    read(name.format(".tsv"), data)


# -- forms: XLSX, edited at the sheet's XML ---------------------------------------------------------

_CELL = re.compile(r"<c [^>]*?(?:/>|>.*?</c>)", re.S)
CELL_XML = st.one_of(
    TEXT.map(lambda t: f'<c r="{{ref}}" t="inlineStr"><is><t>{escape(_xml_text(t))}</t></is></c>'),
    st.sampled_from(["1e308", "9" * 5000, "-0", "NaN", "1e-400", "45000", "2958466", "-700000", "x", ""]).map(
        lambda v: f'<c r="{{ref}}" s="{{style}}"><v>{v}</v></c>'),
    st.sampled_from(["0", "999", "-1", "x"]).map(lambda v: f'<c r="{{ref}}" t="s"><v>{v}</v></c>'),
    st.sampled_from(["0", "1", "2", "x"]).map(lambda v: f'<c r="{{ref}}" t="b"><v>{v}</v></c>'),
    st.sampled_from(["2024-02-30", "9999-12-31T23:59:59", "x", ""]).map(lambda v: f'<c r="{{ref}}" t="d"><v>{v}</v></c>'),
    st.sampled_from(["#DIV/0!", "#N/A"]).map(lambda v: f'<c r="{{ref}}" t="e"><v>{v}</v></c>'),
)
REFS = st.sampled_from(["A1", "B2", "XFD1", "A1048576", "XFD1048576", "BZZ3", "ZZZZ1", "A0", "", "1A", "A99999999"])


def _xml_text(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or " " <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd")


@st.composite
def mutated_workbook(draw) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(draw(one_of(XLSX_FILES))))
    sheet = source.read("xl/worksheets/sheet1.xml").decode("utf-8")
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["cell", "cell", "cell", "dimension", "drop_dimension", "ref"]))
        cells = list(_CELL.finditer(sheet))
        if op == "cell" and cells:
            m = cells[draw(st.integers(0, len(cells) - 1))]
            ref = re.search(r'r="([^"]*)"', m[0])
            new = draw(CELL_XML).replace("{ref}", ref[1] if ref else "A1").replace("{style}", str(draw(st.integers(0, 1))))
            sheet = sheet[:m.start()] + new + sheet[m.end():]
        elif op == "dimension":
            sheet = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{draw(REFS)}"', sheet)
        elif op == "drop_dimension":
            sheet = re.sub(r"<dimension [^>]*/>", "", sheet)
        elif op == "ref" and cells:
            m = cells[draw(st.integers(0, len(cells) - 1))]
            sheet = sheet[:m.start()] + re.sub(r'r="[^"]*"', f'r="{draw(REFS)}"', m[0], count=1) + sheet[m.end():]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, sheet if item.filename == "xl/worksheets/sheet1.xml" else source.read(item))
    data = out.getvalue()
    if draw(st.integers(0, 9)) == 0:  # a damaged archive now and then
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at + draw(st.integers(0, 8)):]
    return data


@FUZZ
@given(mutated_workbook(), NAMES)
def test_xlsx_forms(data, name):
    read(name.format(".xlsx"), data)
