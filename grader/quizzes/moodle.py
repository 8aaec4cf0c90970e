"""The exercise as one Moodle Cloze ("Embedded answers") question in Moodle XML.

One sub-question per asked item, in the key's order: ``{w:NUMERICAL:=1792:0~%0%1728:0#...}``
for counts (the named mistakes' values as 0% answers whose feedback explains the mistake),
``{w:SHORTANSWER:=6x6x64~=6 x 6 x 64~...}`` for shapes with every accepted spelling listed.
The syntax follows Moodle's own parser (question/type/multianswer/questiontype.php,
``qtype_multianswer_extract_question``): an answer ends at an unescaped ``~``, ``#`` or ``}``,
feedback at ``~`` or ``}``; both are HTML-entity-decoded once, then ``\\}`` and ``\\#`` unescaped.
The weights are whole numbers: fractional points are scaled by their common denominator.
"""
from __future__ import annotations

import html
import math
import xml.etree.ElementTree as ET
from fractions import Fraction

from ..exercise import Exercise
from ..feedback import QUIZ_HOW, QUIZ_INPUT, QUIZ_MODEL, framework_name, quantity_label, quiz_worked, shape_text
from ..key import AnswerKey, neutral_examples
from ..notebooks import model_code
from ..report import markdown_html
from .items import QuizItem, quiz_items

# Moodle's own default penalty for a wrong try in interactive mode (one third)
PENALTY = "0.3333333"


def moodle_xml(key: AnswerKey) -> str:
    """The Moodle XML file (one ``cloze`` question) of an exercise."""
    exercise = key.exercise
    items = quiz_items(key)
    quiz = ET.Element("quiz")
    question = ET.SubElement(quiz, "question", type="cloze")
    _text(ET.SubElement(question, "name"), f"{exercise.id}: {exercise.title}")
    _text(ET.SubElement(question, "questiontext", format="html"), question_html(exercise, items))
    _text(ET.SubElement(question, "generalfeedback", format="html"), _general_feedback(exercise, items))
    ET.SubElement(question, "penalty").text = PENALTY
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = exercise.id
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def _text(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "text").text = value


def question_html(exercise: Exercise, items: list[QuizItem]) -> str:
    """The question text: instructions, the model, and a table of blanks (one row per layer)."""
    scale = weight_scale(items)
    n, _, shape = neutral_examples(exercise)
    parts = [intro_html(exercise), f"<p>{html.escape(QUIZ_HOW.format(shape=shape_text(shape), count=n))}</p>"]
    layer_items = [item for item in items if item.layer is not None]
    quantities = list(dict.fromkeys(item.quantity for item in layer_items))
    if layer_items:
        head = "".join(f"<th>{html.escape(quantity_label(q))}</th>" for q in quantities)
        rows = []
        for layer in dict.fromkeys(item.layer for item in layer_items):
            cells = "".join(f"<td>{cloze(item, scale)}</td>" for item in layer_items if item.layer == layer)
            rows.append(f"<tr><td>{html.escape(layer)}</td><td>{html.escape(exercise.layer(layer).type)}</td>{cells}</tr>")
        parts.append(f"<table><thead><tr><th>layer</th><th>type</th>{head}</tr></thead>"
                     f"<tbody>{''.join(rows)}</tbody></table>")
    for item in items:
        if item.layer is None:
            parts.append(f"<p>{html.escape(item.label)}: {cloze(item, scale)}</p>")
    return "\n".join(parts)


def intro_html(exercise: Exercise) -> str:
    """Title, instructions, input and the model as code: the same in the Cloze and the Canvas quiz."""
    inputs = ", ".join(f"{name} {shape_text(shape)}" for name, shape in exercise.solution.inputs.items())
    return "\n".join(part for part in (
        f"<h3>{html.escape(exercise.title)} ({html.escape(framework_name(exercise.framework))})</h3>",
        str(markdown_html(exercise.instructions)),
        f"<p>{html.escape(QUIZ_INPUT.format(inputs=inputs))}</p>",
        f"<p>{html.escape(QUIZ_MODEL)}</p><pre><code>{html.escape(model_code(exercise))}</code></pre>",
    ) if part)


def weight_scale(items: list[QuizItem]) -> int:
    """What turns every item's points into whole Cloze weights."""
    return math.lcm(*(Fraction(item.points).denominator for item in items)) if items else 1


def cloze(item: QuizItem, scale: int = 1) -> str:
    """One sub-question: ``{weight:TYPE:=right~...~%0%wrong#feedback}``."""
    weight = int(item.points * scale)
    if item.numerical:
        answers = [f"={item.right[0]}:0"]
        answers += [f"%0%{s}:0#{_feedback(w.feedback)}" for w in item.wrong for s in w.spellings]
        return f"{{{weight}:NUMERICAL:{'~'.join(answers)}}}"
    answers = [f"={_answer(s)}" for s in item.right]
    answers += [f"%0%{_answer(s)}#{_feedback(w.feedback)}" for w in item.wrong for s in w.spellings]
    return f"{{{weight}:SHORTANSWER:{'~'.join(answers)}}}"


def _answer(text: str) -> str:
    """A short answer inside the Cloze: entity-decoded once by Moodle; ``}`` ``#`` ``~`` would end it."""
    for char in "~#}{*\\":  # '*' is SHORTANSWER's wildcard: never in a spelling
        if char in text:
            raise ValueError(f"a quiz answer cannot hold {char!r}: {text!r}")
    return html.escape(text, quote=False)


def _feedback(text: str) -> str:
    """Feedback inside the Cloze. Moodle decodes entities once and shows the result as HTML, so
    the text is escaped twice; ``~`` and ``}`` would end it, so they become entities too."""
    escaped = html.escape(html.escape(text, quote=False), quote=False)
    return escaped.replace("~", "&amp;#126;").replace("}", "&amp;#125;")


def _general_feedback(exercise: Exercise, items: list[QuizItem]) -> str:
    lines = [quiz_worked(item.label, item.formula, exercise.grading.reveal) for item in items]
    lines = [line for line in lines if line]
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>" if lines else ""
