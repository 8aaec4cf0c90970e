"""Quizzes for courses without Python (``grader export``): the exercise as one Moodle Cloze
question (:mod:`.moodle`) or a Canvas classic quiz in QTI 1.2 (:mod:`.canvas`), both built
from the answer key's items (:mod:`.items`). The quiz reports come back through the form
reader (``grader.readers.quizreports``) and are graded like any other form.
"""
from .canvas import canvas_qti
from .items import QuizItem, quiz_items
from .moodle import moodle_xml

__all__ = ["QuizItem", "canvas_qti", "moodle_xml", "quiz_items"]
