"""Reading answer files: a student's answers written as YAML or JSON (SPEC section 2).

The format, in YAML (JSON has the same structure)::

    student: s123                   # optional: who answered (--student and LMS names come first)
    late: true                      # optional: handed in late (grader serve writes it after --deadline)
    exercise: cnn-8x8x3             # optional: noted when it is not the exercise being graded
    layers:                         # one entry per layer, in order
      conv1: {output_shape: 6x6x64, params: 1792}
      pool1: {output_shape: [3, 3, 64], params: 0}
      conv2: {output_shape: (3, 3, 128), params: (1*1*64+1)*128}
    total_params: 79261

Also accepted:

- the layers at the top level, without ``layers:`` (``conv1: {params: 1792}``);
- one key per answer: ``conv1.params: 1792`` or ``conv1 output shape: 6x6x64``;
- a list of rows, at the top level or under ``layers``:
  ``- {layer: conv1, output_shape: 6x6x64, params: 1792}`` (``layer`` or ``name``; a row
  ``{layer: total, params: 79261}`` is the total);
- ``answers:`` in place of ``layers:``.

Quantity keys are spelled as in the exercise (``output_shape``, ``params``,
``trainable_params``, ``non_trainable_params``, ``macs``) or as people write them
(``shape``, ``output shape``, ``parameters``, ``Param #``: grader.readers.vocabulary);
model-wide answers are ``total_params`` (or ``total``), ``total_trainable_params``,
``total_non_trainable_params``. The document is read by :mod:`grader.readers.structured`,
with the rules of notebook cells (its docstring lists them): layers are matched by name,
else by order; a list is a shape (``[6, 6, 64]`` is read as ``(6, 6, 64)``); values are
kept as written (``8.320`` stays ``8.320``) for ``grader.values`` to parse; nothing in the
file is executed.
"""
from __future__ import annotations

from dataclasses import replace

from ..answers import Answers, Identity
from ..errors import SubmissionError
from ..exercise import Exercise
from .matching import assign_rows
from .structured import StructureProblem, Structured, load_json, load_yaml, walk

MAX_BYTES = 1_000_000  # an answer file is a few hundred bytes


def read_answer_file(data: bytes, shown: str, exercise: Exercise, identity: Identity,
                     suffix: str = ".yaml") -> Answers:
    """The answers in a YAML (``.yaml``/``.yml``) or JSON (``.json``) answer file."""
    text = _text(data, shown)
    kind = "JSON" if suffix == ".json" else "YAML"
    try:
        tree = load_json(text) if kind == "JSON" else load_yaml(text)
    except StructureProblem as exc:
        message = exc.message.replace("answers are far smaller", "an answer file is far smaller")
        raise SubmissionError(message, file=shown, line=exc.line) from None
    if tree is None:
        raise SubmissionError("the answer file is empty", file=shown)
    if not isinstance(tree, (dict, list)):
        raise SubmissionError("an answer file is a mapping such as 'layers: {conv1: {output_shape: "
                              "6x6x64, params: 1792}}' or a list of rows", file=shown,
                              line=getattr(tree, "line", None))
    found = walk(tree, exercise)
    answers = Answers(submission=shown, identity=identity, source=f"answer file ({kind})", notes=found.notes)
    _meta(found, answers, exercise)
    matched = assign_rows(exercise, found.rows)
    answers.values.update(matched.values)
    for quantity, raw in found.totals.items():
        answers.values.setdefault((None, quantity), raw)
    answers.notes.extend(matched.notes)
    answers.warnings.extend(matched.warnings)
    return answers


def _text(data: bytes, shown: str) -> str:
    if len(data) > MAX_BYTES:
        raise SubmissionError(f"the answer file is {len(data) / 1e6:.1f} MB; an answer file may be at "
                              f"most {MAX_BYTES / 1e6:g} MB", file=shown)
    if b"\x00" in data:
        raise SubmissionError("is a binary file, not a YAML or JSON answer file", file=shown)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SubmissionError("the answer file is not UTF-8 text; save it as UTF-8",
                              file=shown, line=line) from None


def _meta(found: Structured, answers: Answers, exercise: Exercise) -> None:
    """``student:`` names the student when nothing better does; ``exercise:`` is checked;
    ``late: true`` marks the submission late (it never clears an LMS's LATE marker)."""
    said = found.meta.get("exercise")
    if said and said.strip() != exercise.id:
        answers.notes.append(f"the file says exercise '{said.strip()}'; graded as '{exercise.id}'")
    if (found.meta.get("late") or "").strip().lower() in ("true", "yes") and not answers.identity.late:
        answers.identity = replace(answers.identity, late=True)
    student = (found.meta.get("student") or "").strip()
    identity = answers.identity
    if not student:
        return
    if identity.source == "file name":
        answers.identity = replace(identity, student=student, source="answer file")
    elif student != identity.student:
        answers.notes.append(f"the file says student '{student}'; graded as '{identity.student}' "
                             f"(from {identity.source})")

