"""Form exports read back to exactly the raw answers a person reads in the sheet (SPEC section 2).

Fixtures: tests/fixtures/forms/ (README.md there says which tool layout each follows;
make_fixtures.py writes the ones whose bytes matter: BOMs, code pages, UTF-16, XLSX).
"""
import codecs
import io
import sys
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from grader.errors import SubmissionError
from grader.exercise import load_exercise, load_exercise_text
from grader.readers.forms import detect_tool, read_form
from grader.readers.vocabulary import question_key, strict_key
from grader.readers.sheets import decode_text, parse_times, sniff_delimiter

from .conftest import EXERCISES, ROOT

FORMS = ROOT / "tests" / "fixtures" / "forms"
EXERCISE = load_exercise(EXERCISES / "cnn-8x8x3.yaml")

RIGHT = {"conv1.output_shape": "6x6x64", "conv1.params": "1792", "pool1.output_shape": "3x3x64",
         "pool1.params": "0", "conv2.output_shape": "3x3x128", "conv2.params": "8320",
         "pool2.output_shape": "1x1x128", "pool2.params": "0", "flatten.output_shape": "128",
         "flatten.params": "0", "fc.output_shape": "516", "fc.params": "66564", "out.output_shape": "5",
         "out.params": "2585", "total_params": "79261"}


def but(**changes):
    """RIGHT with some answers changed (``conv1__params="1728"``) or left out (None)."""
    out = dict(RIGHT)
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            out.pop(key)
        else:
            out[key] = value
    return out


def texts(answers):
    return {(q if layer is None else f"{layer}.{q}"): raw.text for (layer, q), raw in answers.values.items()}


GOOGLE_AHMED = {
    "conv1.output_shape": "(None, 6, 6, 64)", "conv1.params": "(3*3*3+1)*64", "pool1.output_shape": "3 x 3 x 64",
    "pool1.params": "-", "conv2.output_shape": "(3,3,128)", "conv2.params": "(1*1*64+1)*128 = 8320",
    "pool2.output_shape": "1x1x128", "pool2.params": "-", "flatten.output_shape": "128", "flatten.params": "-",
    "fc.output_shape": "516", "fc.params": "128*516+516", "out.output_shape": "5", "out.params": "516*5+5",
    "total_params": "79261"}
GOOGLE_LI = but(conv1__params="(3*3*3+1)*64\n= 1792", conv2__params="8192", fc__params=None, out__params="?",
                total_params="79,133")
GOOGLE = [  # student, name, email, source, values
    ("S0002", "Ahmed Khan", "ahmed.khan@example.edu", "Google Forms row 3", GOOGLE_AHMED),
    ("S0003", "Li Wei", "li.wei@example.edu", "Google Forms row 4", GOOGLE_LI),
    ("S0001", "Jane Doe", "jane.doe@example.edu", "Google Forms row 5", RIGHT),
]
CANVAS_AHMED = but(conv1__output_shape="(None, 6, 6, 64)", conv1__params="1,792", pool1__output_shape="3 x 3 x 64",
                   conv2__output_shape="(3, 3, 128)", fc__params="66,564", out__params="2,585", total_params="79,261")
MOODLE_AHMED = {
    "conv1.output_shape": "(None, 6, 6, 64)", "conv1.params": "(3*3*3+1)*64 = 1792",
    "pool1.output_shape": "3 x 3 x 64", "pool1.params": "-", "conv2.output_shape": "(3, 3, 128)",
    "conv2.params": "8,320", "pool2.output_shape": "1x1x128", "pool2.params": "-", "flatten.output_shape": "128",
    "flatten.params": "-", "fc.output_shape": "516", "fc.params": "66,564", "out.output_shape": "5",
    "out.params": "2,585", "total_params": "79,261"}

CASES = {
    "google_forms.csv": GOOGLE,
    "excel_unicode_text.tsv": GOOGLE,  # the same sheet saved by Excel as "Unicode text"
    "excel_semicolon_cp1252.csv": [
        ("4711", "Jürgen Müller", None, "form row 2",
         but(conv1__output_shape="6×6×64", conv1__params="1.792", pool1__output_shape="3×3×64",
             conv2__output_shape="3×3×128", conv2__params="8.320", pool2__output_shape="1×1×128",
             fc__params="66.564", out__params="2.585", total_params="79.261")),
        ("4712", "Zoë Ørsted", None, "form row 4", RIGHT)],
    "canvas_student_analysis.csv": [
        ("S0001", "Jane Doe", None, "Canvas quiz row 2", RIGHT),
        ("S0002", "Ahmed Khan", None, "Canvas quiz row 3", CANVAS_AHMED),
        ("12347", "Li Wei", None, "Canvas quiz row 4",
         but(conv1__params="1728", conv2__params="8192", fc__params=None, out__params="?", total_params="79,133"))],
    "microsoft_forms_quiz.xlsx": [
        ("jane.doe@example.edu", "Jane Doe", "jane.doe@example.edu", "Microsoft Forms row 2",
         but(conv1__params="1728", total_params="79,197")),
        ("ahmed.khan@example.edu", "Ahmed Khan", "ahmed.khan@example.edu", "Microsoft Forms row 3",
         but(conv1__output_shape="(6, 6, 64)", conv1__params="(3*3*3+1)*64", fc__params="66 564",
             out__params="2 585")),
        ("row 4", None, None, "Microsoft Forms row 4", {"conv1.output_shape": "6x6x64"})],
    "microsoft_forms_survey.xlsx": [
        ("jane.doe@example.edu", "Jane Doe", "jane.doe@example.edu", "Microsoft Forms row 2",
         {"conv1.output_shape": "6x6x64", "conv1.params": "1792", "total_params": "79261"})],
    "moodle_responses_qtext.csv": [
        ("ahmed.khan@example.edu", "Ahmed Khan", "ahmed.khan@example.edu", "Moodle quiz row 3", MOODLE_AHMED),
        ("li.wei@example.edu", "Li Wei", "li.wei@example.edu", "Moodle quiz row 4",
         {"conv1.output_shape": "6x6x64", "conv1.params": "1792", "pool1.output_shape": "3x3x64",
          "pool1.params": "0"}),
        ("jane.doe@example.edu", "Jane Doe", "jane.doe@example.edu", "Moodle quiz row 5", RIGHT)],
}


def read(name, exercise=EXERCISE):
    path = FORMS / name
    return read_form(path.read_bytes(), name, exercise, suffix=path.suffix)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_reads_back_to_the_answers_in_the_sheet(name):
    found = [(a.identity.student, a.identity.name, a.identity.email, a.source, texts(a)) for a in read(name)]
    assert found == CASES[name]
    for answers in read(name):
        assert answers.submission == name and answers.identity.source == "form"


def test_canvas_rows_carry_the_canvas_user_id():
    assert [a.identity.canvas_id for a in read("canvas_student_analysis.csv")] == ["12345", "12346", "12347"]


@pytest.mark.parametrize("name, student, kept, ignored, by", [
    ("google_forms.csv", "S0001", 5, "2", "the latest timestamp"),
    ("excel_unicode_text.tsv", "S0001", 5, "2", "the latest timestamp"),
    ("canvas_student_analysis.csv", "S0001", 2, "5", "the latest timestamp"),  # Canvas lists newest first
    ("microsoft_forms_survey.xlsx", "jane.doe@example.edu", 2, "3", "the latest timestamp"),  # edited later
    ("moodle_responses_qtext.csv", "jane.doe@example.edu", 5, "2", "the latest timestamp"),
])
def test_a_second_submission_keeps_the_latest_and_notes_the_others(name, student, kept, ignored, by):
    answers = next(a for a in read(name) if a.identity.student == student)
    assert answers.source.endswith(f"row {kept}")
    assert f"answered 2 times; row {kept} is graded ({by}), row(s) {ignored} ignored" in " ".join(answers.notes)


def test_without_timestamps_the_last_row_wins():
    data = b"Student,conv1 params\ns1,1728\ns2,1792\nS1,1792\n"
    answers = read_form(data, "f.csv", EXERCISE)
    assert [(a.identity.student, texts(a)) for a in answers] == [("s2", {"conv1.params": "1792"}),
                                                                   ("S1", {"conv1.params": "1792"})]
    assert "row 4 is graded (the last row), row(s) 2 ignored" in answers[1].notes[0]


def test_encoding_guesses_are_noted_on_every_row():
    for answers in read("excel_semicolon_cp1252.csv"):
        assert any("read as Windows-1252" in note for note in answers.notes)
    assert not any(a.notes for a in read("google_forms.csv") if a.identity.student != "S0001")


def test_each_answer_says_where_it_was_read():
    jane = read("google_forms.csv")[-1]
    assert jane.get("conv1", "params").where == "row 5, column 'conv1 - params'"
    assert jane.get(None, "total_params").where == "row 5, column 'Total number of parameters (all layers, e.g. 1,234)'"


def test_moodle_question_text_decides_per_row():
    """Ahmed's questions 1 and 2 came in the other order (a random question category)."""
    ahmed = read("moodle_responses_qtext.csv")[0]
    assert ahmed.get("conv1", "params").where == "row 3, column 'Response 1'"
    assert ahmed.get("conv1", "output_shape").where == "row 3, column 'Response 2'"
    assert "the attempt is 'In progress'" in " ".join(read("moodle_responses_qtext.csv")[1].notes)


MAPPED = (EXERCISES / "cnn-8x8x3.yaml").read_text() + "form:\n  columns:\n" + "".join(
    f"    'Response {n}': {key if '.' in key else 'total_params'}\n" for n, key in enumerate(RIGHT, start=1))


def test_moodle_responses_only_needs_the_exercise_mapping():
    with pytest.raises(SubmissionError, match=r"no answer columns in this Moodle quiz export .*'Response 1'.*"
                                              r"download it with 'Question text' shown"):
        read("moodle_responses.csv")
    exercise = load_exercise_text(MAPPED, "mapped.yaml")
    found = [(a.identity.student, a.identity.name, texts(a)) for a in read("moodle_responses.csv", exercise)]
    assert found == [("juergen.mueller@example.edu", "Jürgen Müller", RIGHT),
                     ("zoe.orsted@example.edu", "Zoë Ørsted", but(conv1__output_shape="8x8x64", conv1__params="640"))]


def test_mapping_wins_over_column_names_and_missing_mapped_columns_are_noted():
    text = (EXERCISES / "cnn-8x8x3.yaml").read_text() + (
        "form:\n  columns:\n    'conv1 params': conv2.params\n    'Q7 (fc)': fc.params\n")
    exercise = load_exercise_text(text, "mapped.yaml")
    answers = read_form(b"id,conv1 params\ns1,8320\n", "f.csv", exercise)[0]
    assert texts(answers) == {"conv2.params": "8320"}
    assert answers.notes == ["the exercise maps form column 'Q7 (fc)', which this export does not have"]


def test_mapping_to_an_unknown_layer_is_an_error_naming_the_exercise():
    text = (EXERCISES / "cnn-8x8x3.yaml").read_text() + "form:\n  columns:\n    'Q1': conv9.params\n"
    exercise = load_exercise_text(text, "mapped.yaml")
    with pytest.raises(SubmissionError, match=r"^mapped.yaml: the exercise maps form column 'Q1' to 'conv9.params'"):
        read_form(b"id,Q1\ns1,1\n", "f.csv", exercise)


# -- encodings and separators ---------------------------------------------------------------

GOOGLE_TEXT = (FORMS / "google_forms.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("label, data", [
    ("utf-8 with BOM", codecs.BOM_UTF8 + GOOGLE_TEXT.encode()),
    ("utf-16 BE with BOM", codecs.BOM_UTF16_BE + GOOGLE_TEXT.encode("utf-16-be")),
    ("utf-16 LE with BOM", codecs.BOM_UTF16_LE + GOOGLE_TEXT.encode("utf-16-le")),
    ("utf-16 LE without BOM", GOOGLE_TEXT.encode("utf-16-le")),
    ("CRLF line ends", GOOGLE_TEXT.replace("\n", "\r\n").encode()),
])
def test_encodings_read_the_same_answers(label, data):
    answers = read_form(data, "f.csv", EXERCISE)
    assert [(a.identity.student, texts(a)) for a in answers] == [(s, v) for s, _, _, _, v in GOOGLE]


@pytest.mark.parametrize("text, delimiter", [
    ("a,b,c\n1,2,3\n", ","),
    ("a;b;c\n1;2;3\n", ";"),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("conv1, shape;conv1, params;total\n6x6x64;1,792;79,261\n6x6x64;1792;79261\n", ";"),  # commas in titles
    ('"conv1; shape",conv1 params\n"6;6;64",1792\n', ","),
    ("single\nvalue\n", ","),
])
def test_the_separator_is_the_one_rows_agree_on(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_excel_sep_line_and_semicolons():
    data = "sep=;\r\nStudent;conv1 params;Total params\r\ns1;1.792;79.261\r\n".encode("cp1252")
    answers = read_form(data, "f.csv", EXERCISE)
    assert texts(answers[0]) == {"conv1.params": "1.792", "total_params": "79.261"}


@pytest.mark.parametrize("data, text, note", [
    ("Zoë;1×1".encode("cp1252"), "Zoë;1×1", "read as Windows-1252"),
    (b"Zo\xeb \x81", "Zoë \x81", "read as Latin-1"),  # 0x81 is not in cp1252
    ("Zoë Ørsted 6×6".encode() + b"\xff", "Zoë Ørsted 6×6\ufffd", "1 byte(s) are not valid UTF-8"),
    ("Zoë".encode(), "Zoë", None),
])
def test_decoding_falls_back_only_when_clearly_not_utf8(data, text, note):
    decoded, notes = decode_text(data, "f.csv")
    assert decoded == text
    assert (note in notes[0]) if note else notes == []


def test_tsv_suffix_means_tabs():
    answers = read_form(b"student\tconv1 params\ns1\t1,792\n", "f.tsv", EXERCISE, suffix=".tsv")
    assert texts(answers[0]) == {"conv1.params": "1,792"}


# -- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("data, suffix, message", [
    (b"\x00\x01\x02\xff" * 40, ".csv", r"^f: is a binary file, not a CSV text export$"),
    (b"student,conv1 params\n", ".csv", r"^f: the CSV file has a header but no respondent rows$"),
    (b"\n\n,,\n", ".csv", r"^f: the CSV file has no header row$"),
    (b"Timestamp,Email Address,Why?\n1,a@b,because\n", ".csv",
     r"^f: no answer columns in this Google Forms export \(columns: 'Timestamp', 'Email Address', 'Why\?'\); "
     r"name answer columns '<layer>.<quantity>'"),
    (b"student,name\ns1,Ann\n", ".csv", r"no answer columns in this form export"),
    (b"not a zip", ".xlsx", r"^f: is not an Excel workbook \(.xlsx files are ZIP archives\)"),
    (b"PK\x03\x04broken", ".xlsx", r"^f: is a damaged ZIP archive"),
    ('a,"b\n'.encode() + b"x" * 200_000 + b"\n", ".csv", r"^f:\d+: cannot read the CSV \(field larger than"),
])
def test_unreadable_forms_are_one_line_errors(data, suffix, message):
    with pytest.raises(SubmissionError, match=message):
        read_form(data, "f", EXERCISE, suffix=suffix)


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_that_is_not_a_workbook_is_refused():
    with pytest.raises(SubmissionError, match=r"is a ZIP archive but not an Excel workbook"):
        read_form(_zip({"word/document.xml": "<w/>"}), "f.xlsx", EXERCISE, suffix=".xlsx")
    with pytest.raises(SubmissionError, match=r"cannot read the Excel workbook"):
        read_form(_zip({"xl/workbook.xml": "<broken"}), "f.xlsx", EXERCISE, suffix=".xlsx")


def test_a_workbook_that_inflates_too_far_is_refused(monkeypatch):
    monkeypatch.setattr("grader.readers.sheets.XLSX_MAX_UNPACKED", 1000)
    with pytest.raises(SubmissionError, match=r"unpacks to more than 0.001 MB"):
        read("microsoft_forms_quiz.xlsx")


def test_a_workbook_saved_as_csv_is_read_with_a_note():
    data = (FORMS / "microsoft_forms_survey.xlsx").read_bytes()
    answers = read_form(data, "f.csv", EXERCISE, suffix=".csv")
    assert texts(answers[0])["conv1.params"] == "1792"
    assert "the file is an Excel workbook despite its '.csv' name; read as .xlsx" in answers[0].notes


def test_openpyxl_missing_is_a_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(SubmissionError, match=r"needs the optional package openpyxl \(pip install openpyxl\)"):
        read("microsoft_forms_quiz.xlsx")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.sampled_from(list('ab,;\t"\n\r x.é') + ["conv1 params", "Student", "Timestamp"]),
                          max_size=40).map(lambda parts: "".join(parts).encode())))
def test_any_bytes_give_answers_or_a_submission_error(data):
    try:
        answers = read_form(data, "f.csv", EXERCISE)
    except SubmissionError as exc:
        assert str(exc).startswith("f") and "\n" not in exc.message
    else:
        assert all(a.identity.student for a in answers)


# -- labels and tools -----------------------------------------------------------------------

@pytest.mark.parametrize("title, key", [
    ("conv1.output_shape", ("conv1", "output_shape")),
    ("Conv1 Output Shape", ("conv1", "output_shape")),
    ("conv1 - params", ("conv1", "params")),
    ("conv1 [Param #]", ("conv1", "params")),
    ("conv1_parameters", ("conv1", "params")),
    ("fc shape", ("fc", "output_shape")),
    ("out.trainable_params", ("out", "trainable_params")),
    ("total params", (None, "total_params")),
    ("Total_Params", (None, "total_params")),
    ("conv1", None),
    ("output shape", None),
    ("Email Address", None),
])
def test_strict_column_names(title, key):
    assert strict_key(title, EXERCISE) == key


@pytest.mark.parametrize("title, key", [
    ("What is the output shape of conv1?", ("conv1", "output_shape")),
    ("How many learnable parameters does conv2 have?", ("conv2", "params")),
    ("Number of parameters of the output layer (out)", ("out", "params")),
    ("What is the output of flatten?", ("flatten", "output_shape")),
    ("Size after pool2", ("pool2", "output_shape")),
    ("Total number of parameters\n(all layers, e.g. 1,234)", (None, "total_params")),
    ("Total trainable parameters", (None, "total_trainable_params")),
    ("Trainable parameters of fc", ("fc", "trainable_params")),
    ("Non-trainable parameters of fc", ("fc", "non_trainable_params")),
    ("Shapes of conv1 and conv2", None),          # two layers
    ("conv1: shape and parameters", None),        # two quantities
    ("Any comments?", None),
    ("What does add(2, 3) return?", None),
])
def test_question_titles(title, key):
    assert question_key(title, EXERCISE) == key


@pytest.mark.parametrize("header, tool", [
    ("Timestamp,Email Address,Score,conv1 params", "google"),
    ("ID,Start time,Completion time,Email,Name,conv1 params", "microsoft"),
    ("Surname,First name,Email address,State,Started on,Completed,Time taken,Grade/16.00,Response 1", "moodle"),
    ("Last name,First name,Email address,Response 1", "moodle"),
    ("name,id,sis_id,section,section_id,section_sis_id,submitted,attempt,1: q,1.0,n correct,n incorrect,score",
     "canvas"),
    ("student,conv1 params", "generic"),
])
def test_detect_tool(header, tool):
    assert detect_tool(header.split(",")) == tool


@pytest.mark.parametrize("texts_, expected", [
    (["2024/09/02 9:05:12 AM GMT+2", "2024/09/02 8:10:00 AM GMT+1"], ["2024-09-02 07:05:12", "2024-09-02 07:10:00"]),
    (["2024-09-02 08:40:03 UTC", ""], ["2024-09-02 08:40:03", None]),
    (["13/01/2024 10:00:00", "01/02/2024 10:00:00"], ["2024-01-13 10:00:00", "2024-02-01 10:00:00"]),  # day first
    (["01/02/2024 10:00:00", "01/13/2024 10:00:00"], ["2024-01-02 10:00:00", "2024-01-13 10:00:00"]),  # month first
    (["2 September 2024, 09:05 AM", "-"], ["2024-09-02 09:05:00", None]),
    (["yesterday", "2024-09-02 08:40:03"], [None, None]),
])
def test_timestamps_read_one_format_per_column(texts_, expected):
    assert [str(t) if t else None for t in parse_times(texts_)] == expected
