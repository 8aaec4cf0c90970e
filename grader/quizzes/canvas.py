"""The exercise as a Canvas classic quiz: a QTI 1.2 package (``imsmanifest.xml``, the
assessment and its ``assessment_meta.xml``) for *Settings › Import Course Content › QTI .zip*.

One question per asked item, in the key's order: ``numerical_question`` for counts,
``short_answer_question`` for shapes with every accepted spelling as an answer. The question
text is the item's label (``conv1 output shape``): Canvas' "Student Analysis" report heads
each column ``<question id>: <question text>``, which the form reader maps back to the item.
The instructions and the model are the quiz's description.

Canvas' importer gives every answer of these two question types the weight 100
(``qti_exporter``'s ``NumericInteraction`` and ``ExtendedTextInteraction``): a mistake's value
listed as an answer would be marked right. So the named mistakes go into each question's
wrong-answer comment, each value with its explanation. Identifiers are derived from the
exercise id, so the same exercise always gives the same package.
"""
from __future__ import annotations

import hashlib
import html
import io
import xml.etree.ElementTree as ET
import zipfile

from ..feedback import quiz_wrong_list, quiz_worked
from ..key import AnswerKey
from .items import QuizItem, quiz_items, value_shown
from .moodle import intro_html

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
#: a fixed time for the zip members: the same exercise gives the same bytes
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def ident(*parts: str) -> str:
    """A Canvas-style identifier ("g" and 32 hex digits) derived from ``parts``."""
    return "g" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def canvas_qti(key: AnswerKey) -> bytes:
    """The QTI .zip of an exercise."""
    exercise = key.exercise
    items = quiz_items(key)
    quiz_id = ident(exercise.id, "quiz")
    files = {
        "imsmanifest.xml": manifest(exercise.id, quiz_id),
        f"{quiz_id}/{quiz_id}.xml": assessment(key, items, quiz_id),
        f"{quiz_id}/assessment_meta.xml": assessment_meta(key, items, quiz_id),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    return out.getvalue()


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def manifest(exercise_id: str, quiz_id: str) -> str:
    meta_id = ident(exercise_id, "meta")
    root = ET.Element("manifest", {"identifier": ident(exercise_id, "manifest"), "xmlns": MANIFEST_NS})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    quiz = _sub(resources, "resource", identifier=quiz_id, type="imsqti_xmlv1p2")
    _sub(quiz, "file", href=f"{quiz_id}/{quiz_id}.xml")
    _sub(quiz, "dependency", identifierref=meta_id)
    meta = _sub(resources, "resource", identifier=meta_id, href=f"{quiz_id}/assessment_meta.xml",
                type="associatedcontent/imscc_xmlv1p1/learning-application-resource")
    _sub(meta, "file", href=f"{quiz_id}/assessment_meta.xml")
    return _xml(root)


def assessment_meta(key: AnswerKey, items: list[QuizItem], quiz_id: str) -> str:
    """Canvas' quiz settings: title, description, points; results and answers as ``reveal`` says."""
    exercise = key.exercise
    reveal = exercise.grading.reveal
    root = ET.Element("quiz", {"identifier": quiz_id, "xmlns": CANVAS_NS})
    _sub(root, "title", exercise.title)
    _sub(root, "description", intro_html(exercise))
    _sub(root, "shuffle_answers", "false")
    _sub(root, "scoring_policy", "keep_latest")
    _sub(root, "hide_results", "always" if reveal == "nothing" else "")
    _sub(root, "quiz_type", "assignment")
    _sub(root, "points_possible", _points(sum(item.points for item in items)))
    _sub(root, "show_correct_answers", "true" if reveal == "answers" else "false")
    _sub(root, "one_question_at_a_time", "false")
    _sub(root, "cant_go_back", "false")
    _sub(root, "available", "false")
    return _xml(root)


def _points(value) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value)}.0"


def assessment(key: AnswerKey, items: list[QuizItem], quiz_id: str) -> str:
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    test = _sub(root, "assessment", ident=quiz_id, title=key.exercise.title)
    meta = _sub(test, "qtimetadata")
    field = _sub(meta, "qtimetadatafield")
    _sub(field, "fieldlabel", "cc_maxattempts")
    _sub(field, "fieldentry", "1")
    section = _sub(test, "section", ident="root_section")
    for item in items:
        _item(section, item, key.exercise.id, key.exercise.grading.reveal)
    return _xml(root)


def _item(section: ET.Element, item: QuizItem, exercise_id: str, reveal: str) -> None:
    item_id = ident(exercise_id, item.label)
    node = _sub(section, "item", ident=item_id, title=item.label)
    meta = _sub(_sub(node, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", "numerical_question" if item.numerical else "short_answer_question"),
                         ("points_possible", _points(item.points)),
                         ("assessment_question_identifierref", ident(exercise_id, item.label, "bank"))):
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)
    presentation = _sub(node, "presentation")
    _sub(_sub(presentation, "material"), "mattext", f"<p>{html.escape(item.label)}</p>", texttype="text/html")
    response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
    fib = _sub(response, "render_fib", **({"fibtype": "Decimal"} if item.numerical else {}))
    _sub(fib, "response_label", ident="answer1", **({} if item.numerical else {"rshuffle": "No"}))

    processing = _sub(node, "resprocessing")
    _sub(_sub(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    worked = quiz_worked(item.label, item.formula, reveal)
    wrong = quiz_wrong_list([(value_shown(item, w.spellings[0]), w.feedback) for w in item.wrong if w.feedback])
    if worked:
        _feedback_condition(processing, "general_fb")
    right = _sub(processing, "respcondition", **{"continue": "No"})
    condition = _sub(right, "conditionvar")
    if item.numerical:  # Canvas writes an exact answer as equal-or-within-a-zero-margin
        either = _sub(condition, "or")
        _sub(either, "varequal", item.right[0], respident="response1")
        within = _sub(either, "and")
        _sub(within, "vargte", item.right[0], respident="response1")
        _sub(within, "varlte", item.right[0], respident="response1")
    else:
        for spelling in item.right:
            _sub(condition, "varequal", spelling, respident="response1")
    _sub(right, "setvar", "100", action="Set", varname="SCORE")
    if wrong:
        _feedback_condition(processing, "general_incorrect_fb")
    for name, text in (("general_fb", worked), ("general_incorrect_fb", wrong)):
        if text:
            feedback = _sub(node, "itemfeedback", ident=name)
            html_text = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
            _sub(_sub(_sub(feedback, "flow_mat"), "material"), "mattext", html_text, texttype="text/html")


def _feedback_condition(processing: ET.Element, name: str) -> None:
    condition = _sub(processing, "respcondition", **{"continue": "Yes"})
    _sub(_sub(condition, "conditionvar"), "other")
    _sub(condition, "displayfeedback", feedbacktype="Response", linkrefid=name)
