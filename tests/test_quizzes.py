"""`grader export`: the Moodle Cloze and the Canvas QTI quiz parse back to the exercise's items
(the Cloze with Moodle's own parser, re-implemented here from
question/type/multianswer/questiontype.php), and their reports grade like any form."""
from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.checking import check
from grader.cli import main
from grader.errors import GraderError
from grader.exercise import load_exercise, load_exercise_text
from grader.feedback import shape_text
from grader.key import answer_key
from grader.layouts import accepted_forms
from grader.quizzes import canvas_qti, moodle_xml, quiz_items
from grader.quizzes.moodle import weight_scale
from grader.readers.quizreports import cloze_keys, cloze_parts
from grader.values import parse_shape

from .conftest import EXERCISES, ROOT

LMS = ROOT / "tests" / "fixtures" / "lms"
CNN = EXERCISES / "cnn-8x8x3.yaml"
PLAIN_EXERCISES = sorted(p for p in EXERCISES.glob("*.yaml") if "variables:" not in p.read_text(encoding="utf-8"))

# -- Moodle's Cloze parser, from qtype_multianswer_extract_question ------------------------------
# (PHP's variable-width lookbehind (?<!\\|&|&amp;) written as three lookbehinds)
FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
TYPES = r"NUMERICAL|NM|MULTICHOICE|MC|SHORTANSWER_C|SAC|MWC|SHORTANSWER|SA|MW"
ANSWER_REGEX = re.compile(rf"\{{([0-9]*):({TYPES}):({ALTERNATIVE}(~{ALTERNATIVE})*)\}}", re.S)
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = re.compile(rf"^({NUMBER})(:{NUMBER})?$", re.S)


@dataclass
class Sub:
    weight: int
    qtype: str
    answers: list[tuple[float, str, str]]  # (fraction, answer, feedback) as Moodle stores them


def moodle_subquestions(text: str) -> list[Sub]:
    subs = []
    while (match := ANSWER_REGEX.search(text)) is not None:
        weight = int(match[1] or 1)
        remaining, answers = match[3], []
        while (alt := re.search("~?" + ALTERNATIVE, remaining, re.S)) is not None:
            fraction = 1.0 if alt[1] == "=" else 0.01 * float(alt[2].replace(",", ".")) if alt[2] else 0.0
            feedback = html.unescape(alt[5]).replace("\\}", "}").replace("\\#", "#") if alt[4] else ""
            if match[2] in ("NUMERICAL", "NM") and (number := NUMERICAL_ALTERNATIVE.match(alt[3])):
                answer = number[1]
            else:
                answer = html.unescape(alt[3]).replace("\\}", "}").replace("\\#", "#")
            answers.append((fraction, answer, feedback))
            remaining = remaining.split(alt[0], 1)[1]
        subs.append(Sub(weight, match[2], answers))
        text = text.replace(match[0], f"{{#{len(subs)}}}", 1)
    return subs


def cloze_of(path_or_key) -> tuple[ET.Element, list[Sub]]:
    key = path_or_key if not isinstance(path_or_key, Path) else answer_key(load_exercise(path_or_key))
    root = ET.fromstring(moodle_xml(key))
    question = root.find("question")
    return question, moodle_subquestions(question.find("questiontext/text").text)


# -- the Cloze ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PLAIN_EXERCISES, ids=lambda p: p.stem)
def test_the_cloze_parses_back_to_the_exercise_items(path):
    key = answer_key(load_exercise(path))
    question, subs = cloze_of(key)
    assert question.get("type") == "cloze" and question.find("idnumber").text == key.exercise.id
    assert len(subs) == len(key.items) == len(cloze_keys(key.exercise))
    assert [(e.layer, e.quantity) for e in key.items] == cloze_keys(key.exercise)
    scale = weight_scale(quiz_items(key))
    for expected, sub in zip(key.items, subs):
        right = [a for f, a, _ in sub.answers if f == 1.0]
        assert sub.weight == expected.points * scale
        if expected.quantity == "output_shape":
            assert sub.qtype == "SHORTANSWER"
            forms = accepted_forms(key.true_shapes[expected.layer], key.layouts[expected.layer],
                                   key.exercise.grading.layouts)
            rank = len(key.true_shapes[expected.layer])  # grading reads a shape with the true rank
            assert all(parse_shape(a, rank).dims in forms for a in right)      # every spelling grader accepts
            assert {f for f in forms} <= {parse_shape(a, rank).dims for a in right}
            assert not any("*" in a for _, a, _ in sub.answers)          # no wildcard
            assert right[0] == shape_text(expected.value)
        else:
            assert sub.qtype == "NUMERICAL"
            assert right == [str(expected.value)]
        for fraction, answer, feedback in sub.answers:
            if fraction == 0.0:  # a named mistake: another value, with its explanation
                assert answer not in right and feedback.startswith("Not correct (")


def test_mistakes_are_zero_percent_answers_with_their_explanation():
    _, subs = cloze_of(CNN)
    conv1_params = {a: f for fraction, a, f in subs[1].answers if fraction == 0.0}
    assert conv1_params["1728"] == ("Not correct (forgot the bias). Every filter or unit also has one bias: add 1 "
                                    "to the weights of each output before multiplying by the number of outputs. "
                                    "This is what you probably computed: 3*3*3 * 64 = 1,728.")
    assert "Forgot the input channels".lower() in conv1_params["640"]
    total = {a: f for fraction, a, f in subs[14].answers if fraction == 0.0}
    assert "forgot the bias" in total["78548"]
    # the shape working holds '/' and quotes, which Moodle shows as text after its decoding
    pool1 = {a: f for fraction, a, f in subs[2].answers if fraction == 0.0}
    assert "(6 - 2)/1 + 1 = 5 → 5x5x64" in pool1["5x5x64"] and "ignored the stride" in pool1["5x5x64"]


def test_general_feedback_shows_the_worked_values_as_reveal_allows(tmp_path):
    question, _ = cloze_of(CNN)
    assert "conv1 parameters: (3*3*3 + 1) * 64 = 1,792" in question.find("generalfeedback/text").text
    for reveal, worked, wrong, probably in (("correctness", False, True, False), ("nothing", False, False, False)):
        text = CNN.read_text(encoding="utf-8").replace("reveal: answers", f"reveal: {reveal}")
        question, subs = cloze_of(answer_key(load_exercise_text(text, "cnn.yaml")))
        feedback = [f for sub in subs for fraction, _, f in sub.answers if fraction == 0.0]
        assert ("1,792" in (question.find("generalfeedback/text").text or "")) is worked
        assert bool(feedback) is wrong
        assert any("probably computed" in f for f in feedback) is probably


def test_fractional_points_become_whole_weights():
    text = CNN.read_text(encoding="utf-8").replace("  output_shape: 1\n", "  output_shape: 0.5\n")
    assert "output_shape: 0.5" in text
    _, subs = cloze_of(answer_key(load_exercise_text(text, "cnn.yaml")))
    assert [s.weight for s in subs[:2]] == [1, 2] and subs[-1].weight == 4


def test_an_exercise_with_variables_cannot_be_a_quiz():
    with pytest.raises(GraderError, match="per-student variables"):
        moodle_xml(answer_key(load_exercise(EXERCISES / "cnn-your-turn.yaml")))


# -- the Moodle responses report --------------------------------------------------------------------

MOODLE_HEADER = ["Surname", "First name", "Email address", "State", "Started on", "Completed", "Time taken",
                 "Grade/16.00", "Response 1"]


def moodle_report(tmp_path: Path, rows: list[tuple[str, list[str]]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MOODLE_HEADER)
    for n, (name, parts) in enumerate(rows):
        response = "; ".join(f"part {i}: {p}" for i, p in enumerate(parts, 1))
        writer.writerow([name, "Student", f"s{n}@example.edu", "Finished", "2 September 2024, 9:01 AM",
                         "2 September 2024, 9:12 AM", "11 mins", "16.00", response])
    path = tmp_path / "responses.csv"
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def right_answers(subs: list[Sub]) -> list[str]:
    """What Moodle's "Right answer" shows: each part's first answer of 100%."""
    return [next(a for f, a, _ in sub.answers if f == 1.0) for sub in subs]


def test_the_clozes_own_right_answers_grade_full_marks(tmp_path):
    _, subs = cloze_of(CNN)
    report = moodle_report(tmp_path, [("Doe", right_answers(subs))])
    result = check(CNN, report)
    assert result.full_marks and result.score == 16
    assert [i.status for i in result.items] == ["correct"] * 15
    assert result.items[1].where == "row 2, column 'Response 1', part 2"


def test_a_forgot_bias_value_from_the_cloze_names_the_mistake(tmp_path):
    _, subs = cloze_of(CNN)
    answers = right_answers(subs)
    answers[1] = next(a for f, a, fb in subs[1].answers if f == 0.0 and "forgot the bias" in fb)
    result = check(CNN, moodle_report(tmp_path, [("Doe", answers)]))
    item = result.items[1]
    assert (item.answer, item.status, item.mistake) == ("1728", "incorrect", "forgot_bias")
    assert result.items[-1].status == "correct" and result.score == 15


def test_the_moodle_fixture_agrees_with_the_exported_cloze_and_grades():
    _, subs = cloze_of(CNN)
    with open(LMS / "moodle_cloze_responses.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert cloze_parts(rows[0]["Right answer 1"]) == right_answers(subs)
    assert rows[0]["Question 1"].count("_____") == len(subs)
    results = {r.student: r for r in (check(CNN, LMS / "moodle_cloze_responses.csv", student=who)
                                      for who in ("jane.doe@example.edu", "ahmed.khan@example.edu",
                                                  "zoe.orsted@example.edu", "li.wei@example.edu"))}
    assert results["jane.doe@example.edu"].score == 16
    khan = results["ahmed.khan@example.edu"]
    assert [i.mistake for i in khan.items if i.status == "incorrect"] == ["forgot_bias"] * 4
    assert khan.items[-1].status == "follow_through"
    assert results["zoe.orsted@example.edu"].score == 16          # other spellings, read by grader
    wei = results["li.wei@example.edu"]
    assert [i.status for i in wei.items].count("missing") == 11
    assert any("not finished" in note for note in wei.notes)


def test_a_cloze_of_another_exercise_is_refused_with_the_reason(tmp_path):
    report = moodle_report(tmp_path, [("Doe", ["6x6x64", "1792", "3x3x64"])])
    result = check(CNN, report)
    assert not result.gradable and "holds a Cloze response of 3 parts" in result.errors[0]
    assert "asks 15 answers" in result.errors[0]


def test_parts_split_only_at_the_next_part():
    assert cloze_parts("part 1: (6; 6); part 2: ; part 3: 12") == ["(6; 6)", "", "12"]
    assert cloze_parts("partie 1 : 6x6x64; partie 2 : 1792") == ["6x6x64", "1792"]
    assert cloze_parts("6x6x64") == []


# -- the Canvas QTI package ------------------------------------------------------------------------

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CANVAS = "{http://canvas.instructure.com/xsd/cccv1p0}"
MANIFEST = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def qti_items(data: bytes) -> tuple[list[dict], ET.Element]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter(f"{MANIFEST}file")]
    assert set(hrefs) == set(archive.namelist()) - {"imsmanifest.xml"}
    quiz_file = next(h for h in hrefs if not h.endswith("assessment_meta.xml"))
    meta = ET.fromstring(archive.read(next(h for h in hrefs if h.endswith("assessment_meta.xml"))))
    items = []
    for item in ET.fromstring(archive.read(quiz_file)).iter(f"{QTI}item"):
        fields = {f.find(f"{QTI}fieldlabel").text: f.find(f"{QTI}fieldentry").text
                  for f in item.iter(f"{QTI}qtimetadatafield")}
        right = [c for c in item.iter(f"{QTI}respcondition") if c.find(f"{QTI}setvar") is not None]
        assert len(right) == 1 and right[0].find(f"{QTI}setvar").text == "100"
        feedback = {f.get("ident"): re.sub(r"<[^>]+>", "\n", f.find(f".//{QTI}mattext").text).strip()
                    for f in item.iter(f"{QTI}itemfeedback")}
        items.append({"ident": item.get("ident"), "type": fields["question_type"],
                      "points": float(fields["points_possible"]),
                      "text": re.sub(r"<[^>]+>", "", item.find(f".//{QTI}mattext").text),
                      "right": [v.text for v in right[0].iter(f"{QTI}varequal")], "feedback": feedback})
    return items, meta


@pytest.mark.parametrize("path", PLAIN_EXERCISES, ids=lambda p: p.stem)
def test_the_qti_quiz_parses_back_to_the_exercise_items(path):
    key = answer_key(load_exercise(path))
    items, meta = qti_items(canvas_qti(key))
    assert len(items) == len(key.items)
    assert float(meta.find(f"{CANVAS}points_possible").text) == key.max_score
    for expected, item in zip(key.items, items):
        assert item["points"] == expected.points
        if expected.quantity == "output_shape":
            assert item["type"] == "short_answer_question"
            rank = len(key.true_shapes[expected.layer])
            assert {parse_shape(a, rank).dims for a in item["right"]} == set(
                accepted_forms(key.true_shapes[expected.layer], key.layouts[expected.layer],
                               key.exercise.grading.layouts))
        else:
            assert item["type"] == "numerical_question" and set(item["right"]) == {str(expected.value)}


def test_the_qti_quiz_puts_the_mistakes_in_the_wrong_answer_comment():
    items, meta = qti_items(canvas_qti(answer_key(load_exercise(CNN))))
    wrong = items[1]["feedback"]["general_incorrect_fb"]
    assert "If you answered 1,728: Not correct (forgot the bias)." in wrong
    assert items[1]["feedback"]["general_fb"] == "conv1 parameters: (3*3*3 + 1) * 64 = 1,792"
    assert meta.find(f"{CANVAS}show_correct_answers").text == "true"
    assert "layers.Conv2D(filters=64" in meta.find(f"{CANVAS}description").text


def test_the_qti_package_is_the_same_every_time():
    key = answer_key(load_exercise(CNN))
    assert canvas_qti(key) == canvas_qti(key)


def student_analysis(tmp_path: Path, items: list[dict], rows: list[tuple[str, list[str]]]) -> Path:
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"]
    for n, item in enumerate(items):
        header += [f"{9001 + n}: {item['text']}", f"{item['points']:.1f}"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header + ["n correct", "n incorrect", "score"])
    for n, (name, answers) in enumerate(rows):
        cells = [c for a, item in zip(answers, items) for c in (a, f"{item['points']:.1f}")]
        writer.writerow([name, str(12345 + n), "", "Section 01", "501", "", "2024-09-02 08:40:03 UTC", "1",
                         *cells, "15", "0", "16.0"])
    path = tmp_path / "student_analysis.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_canvas_report_of_the_qti_quiz_grades_with_named_mistakes(tmp_path):
    items, _ = qti_items(canvas_qti(answer_key(load_exercise(CNN))))
    right = [item["right"][0] for item in items]
    bias = list(right)
    bias[1] = "1728"
    report = student_analysis(tmp_path, items, [("Jane Doe", right), ("Ahmed Khan", bias)])
    assert check(CNN, report, student="Jane Doe").full_marks
    khan = check(CNN, report, student="Ahmed Khan")
    assert (khan.items[1].mistake, khan.items[-1].status, khan.score) == ("forgot_bias", "correct", 15)


def test_the_canvas_fixture_grades():
    report = LMS / "canvas_qti_student_analysis.csv"
    items, _ = qti_items(canvas_qti(answer_key(load_exercise(CNN))))
    with open(report, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert [h.split(": ", 1)[1] for h in header if re.match(r"^\d+: ", h)] == [i["text"] for i in items]
    assert check(CNN, report, student="Jane Doe").score == 16
    khan = check(CNN, report, student="Ahmed Khan")
    assert [i.mistake for i in khan.items if i.status == "incorrect"] == ["forgot_bias"] * 4
    assert check(CNN, report, student="Zoë Ørsted").score == 16


# -- the command ------------------------------------------------------------------------------------

def test_export_writes_both_files(tmp_path, capsys):
    xml, qti = tmp_path / "quiz.xml", tmp_path / "quiz.zip"
    assert main(["export", str(CNN), "--moodle-xml", str(xml), "--canvas-qti", str(qti)]) == 0
    assert len(moodle_subquestions(ET.parse(xml).find("question/questiontext/text").text)) == 15
    assert len(qti_items(qti.read_bytes())[0]) == 15
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    ([], "--moodle-xml FILE and/or --canvas-qti"),
    (["--canvas-qti", "quiz.xml"], "ends in .zip"),
])
def test_export_refuses_a_bad_invocation(tmp_path, capsys, args, message):
    assert main(["export", str(CNN), *args]) == 2
    assert message in capsys.readouterr().err
