"""Feedback for one graded submission (SPEC section 5): a flat view of a Result, rendered
through the Jinja templates into a self-contained HTML report, a notebook cell or a
terminal summary.

The view holds only what :mod:`grader.feedback` lets the student see under the exercise's
``reveal``: the templates cannot show what is not in it.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

import jinja2
from markupsafe import Markup

from .errors import GraderError
from .exercise import Exercise
from .feedback import (NOT_GRADED_HELP, REVEAL_NOTES, Note, framework_name, legend, points_text, score, shape_text, shown,
                       tally, value_text)
from .result import Result
from .version import __version__

MAX_ANSWER_CHARS = 200
MAX_TEXT_ANSWER = 28  # the terminal summary shows the end of longer answers
TEMPLATE_SUFFIX_TEXT = ".txt.j2"


# -- templates -----------------------------------------------------------------------------

def templates_path() -> Path:
    """The default templates: ``grader/templates`` in an installed wheel, else the
    repository's top-level ``templates/`` (a source checkout)."""
    package = Path(__file__).resolve().parent / "templates"
    if package.is_dir():
        return package
    return Path(__file__).resolve().parent.parent / "templates"


# C0/C1 controls (but tab and newline) and the bidirectional overrides of "Trojan Source":
# a submission must not drive the terminal or reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def neutralise(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``), in every output."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def _finalize(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup) and not value.isprintable():
        return neutralise(value)
    return value


def csp_hash(script: str) -> str:
    """The Content-Security-Policy source that allows exactly one inline script: ``sha256-...``
    of its text, with line ends as the browser's parser leaves them (CR LF and CR become LF)."""
    text = str(script).replace("\r\n", "\n").replace("\r", "\n")
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


class Templates:
    """The Jinja templates of a run: the defaults, each overridden by a file of the same name
    in ``folder`` (``--templates DIR``). One environment: autoescape on for every template but
    the plain-text ``*.txt.j2`` ones (where HTML entities would be wrong), StrictUndefined,
    and control characters neutralised in every output."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = os.fspath(folder) if folder is not None else None
        loaders: list[jinja2.BaseLoader] = []
        if self.folder is not None:
            if not os.path.isdir(self.folder):
                raise GraderError("no such folder of templates (--templates)", file=self.folder)
            loaders.append(jinja2.FileSystemLoader(self.folder))
        loaders.append(jinja2.FileSystemLoader(str(templates_path())))
        self.environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=lambda name: not (name or "").endswith(TEMPLATE_SUFFIX_TEXT),
            undefined=jinja2.StrictUndefined,
            finalize=_finalize,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            auto_reload=False,  # templates do not change during a run
        )
        self.environment.filters["ljust"] = lambda value, width: str(value).ljust(width)
        self.environment.filters["rjust"] = lambda value, width: str(value).rjust(width)
        self.environment.filters["csp_hash"] = csp_hash

    def render(self, template: str, view: dict[str, Any]) -> str:
        """Render one template with a view; a missing or broken override is a GraderError."""
        with self._errors(template):
            return self.environment.get_template(template).render(view)

    def stream(self, template: str, view: dict[str, Any], fh: IO[str]) -> None:
        """Render one template into a file piece by piece (a class overview can be large)."""
        with self._errors(template):
            fh.writelines(self.environment.get_template(template).generate(view))

    def check(self) -> None:
        """Compile every override now, so that a broken one is reported before it is needed
        (``grader serve`` checks them on start)."""
        if self.folder is None:
            return
        for name in jinja2.FileSystemLoader(self.folder).list_templates():
            if name.endswith(".j2"):
                with self._errors(name):
                    self.environment.get_template(name)

    @contextmanager
    def _errors(self, template: str) -> Iterator[None]:
        try:
            yield
        except jinja2.TemplateNotFound as exc:
            raise GraderError(f"template '{exc.name}' not found", file=self.folder) from None
        except jinja2.TemplateSyntaxError as exc:
            raise GraderError(f"template syntax: {exc.message}", file=exc.filename, line=exc.lineno) from None
        except jinja2.UndefinedError as exc:
            raise GraderError(f"template uses an unknown name: {exc.message}", file=template) from None


def templates_for(templates: Templates | str | os.PathLike | None) -> Templates:
    """A :class:`Templates`, from one or from a folder of overrides (None: the defaults)."""
    return templates if isinstance(templates, Templates) else Templates(templates)


def render_report(result: Result, exercise: Exercise, templates: Templates | str | os.PathLike | None = None) -> str:
    """One self-contained HTML page of feedback for one submission."""
    return templates_for(templates).render("report.html.j2", report_view(result, exercise))


def render_cell(result: Result, exercise: Exercise, templates: Templates | str | os.PathLike | None = None) -> str:
    """The same report as an HTML fragment for a notebook output (``_repr_html_``)."""
    return templates_for(templates).render("report_cell.html.j2", report_view(result, exercise))


def render_summary(result: Result, exercise: Exercise, templates: Templates | str | os.PathLike | None = None) -> str:
    """The terminal summary of ``grader check``."""
    text = templates_for(templates).render("summary.txt.j2", report_view(result, exercise))
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


# -- Markdown ------------------------------------------------------------------------------

def markdown_html(text: str) -> Markup:
    """Instructions (Markdown written by the instructor) as safe HTML.

    markdown-it-py: CommonMark with raw HTML off (so instructions cannot inject markup),
    link targets checked against javascript:/data: URLs, tables on. Images become links:
    a report must not fetch anything.
    """
    if not text.strip():
        return Markup("")
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image(renderer, tokens, idx, options, env):
        token = tokens[idx]
        alt = renderer.renderInlineAsText(token.children or [], options, env) or "image"
        src = md.utils.escapeHtml(token.attrGet("src") or "")
        return f'<a href="{src}">[image: {md.utils.escapeHtml(alt)}]</a>'

    md.add_render_rule("image", image)
    return Markup(md.render(text))


# -- the view ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One asked item of a report, as the templates see it."""

    quantity: str
    label: str
    answer: str             # clipped to MAX_ANSWER_CHARS
    answer_short: str       # the end of a long answer, for the terminal
    where: str
    status: str
    symbol: str
    word: str
    points: str             # "" when hidden
    max_points: str
    expected: str           # "" when hidden
    formula: str            # "" when hidden
    mistake: str            # the code; "" when hidden or none
    notes: tuple[Note, ...]

    @property
    def has_note(self) -> bool:
        return bool(self.notes)


@dataclass(frozen=True)
class Group:
    """The rows of one layer (or of the whole model: ``model`` true, ``name`` "model")."""

    name: str
    model: bool
    index: str
    type: str
    rows: tuple[Row, ...]

    @property
    def span(self) -> int:
        return len(self.rows) + sum(row.has_note for row in self.rows)


def exercise_view(exercise: Exercise) -> dict[str, Any]:
    """The exercise as a report shows it: the same for every submission of a class."""
    return {
        "id": exercise.id, "title": exercise.title or exercise.id,
        "framework": framework_name(exercise.framework),
        "instructions": markdown_html(exercise.instructions or ""),
        "inputs": ", ".join(f"{name} {shape_text(shape)}" if len(exercise.inputs) > 1 else shape_text(shape)
                            for name, shape in exercise.inputs.items()),
        "variant": ", ".join(f"{k} = {v}" for k, v in exercise.variables.items()),
    }


def report_view(result: Result, exercise: Exercise, page: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything a report template shows, as plain strings, lists and flags, cut to what the
    exercise's ``reveal`` allows. ``page`` is :func:`exercise_view` of the exercise, when the
    caller has it already (a class run works it out once)."""
    reveal = exercise.grading.reveal
    groups = _groups(result, exercise, reveal)
    identity = result.identity
    rows = [row for group in groups for row in group.rows]
    return {
        "exercise": page if page is not None else exercise_view(exercise),
        "student": {"id": identity.student, "name": identity.name or "", "late": identity.late,
                    "source": identity.source},
        "submission": {"path": result.submission, "source": result.source},
        "reveal": reveal,
        "reveal_note": REVEAL_NOTES[reveal],
        "show_expected": reveal == "answers",
        "show_points": reveal != "nothing",
        "verdict_heading": "status" if reveal == "nothing" else "verdict",
        "note_columns": 3 + (reveal == "answers") + (reveal != "nothing"),
        "score": score(result, reveal),
        "tally": [{"status": status, "symbol": verdict.symbol, "word": verdict.word, "count": n}
                  for status, verdict, n in tally(row.status for row in rows)],
        "groups": groups,
        "gradable": result.gradable,
        "not_graded_help": NOT_GRADED_HELP,
        "errors": list(result.errors),
        "warnings": list(result.warnings),
        "notes": list(result.notes),
        "legend": [{"symbol": verdict.symbol, "word": verdict.word, "help": verdict.help}
                   for _, verdict in legend(reveal)],
        "text": _text_layout(groups),
        "version": __version__,
    }


def _row(item, reveal: str) -> Row:
    seen = shown(item, reveal)
    return Row(quantity=item.quantity, label=seen.label, answer=_clip(item.answer),
               answer_short=_clip_left(item.answer, MAX_TEXT_ANSWER), where=item.where, status=seen.status,
               symbol=seen.verdict.symbol, word=seen.verdict.word,
               points=points_text(item.points) if reveal != "nothing" else "",
               max_points=points_text(item.max_points),
               expected=value_text(seen.expected), formula=seen.formula or "", mistake=seen.mistake or "",
               notes=seen.notes)


def _groups(result: Result, exercise: Exercise, reveal: str) -> list[Group]:
    """Rows grouped by layer in the exercise's order, then the model-wide rows."""
    order = {name: i for i, name in enumerate(exercise.layer_names)}
    by_layer: dict[str | None, list[Row]] = {}
    for item in result.items:
        by_layer.setdefault(item.layer, []).append(_row(item, reveal))
    groups = []
    for name in sorted(by_layer, key=lambda n: len(order) + 1 if n is None else order.get(n, len(order))):
        index = order.get(name) if name is not None else None
        groups.append(Group(name="model" if name is None else name, model=name is None,
                            index="" if index is None else str(index + 1),
                            type=exercise.layers[index].type if index is not None else "",
                            rows=tuple(by_layer[name])))
    return groups


def _clip(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= MAX_ANSWER_CHARS else text[:MAX_ANSWER_CHARS - 1] + "…"


def _clip_left(text: str | None, width: int) -> str:
    """The end of a long answer: with working written first, the answer is what comes last."""
    text = " ".join((text or "").split())
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _text_layout(groups: list[Group]) -> dict[str, int]:
    """Column widths of the terminal summary (the template only pads)."""
    rows = [row for group in groups for row in group.rows]
    return {
        "layer": max([len("layer"), *(len(group.name) for group in groups)]),
        "label": max([len("asked"), *(len(r.label) for r in rows)]),
        "answer": max([len("answer"), *(len(r.answer_short or "(none)") for r in rows)]),
        "verdict": max([len("verdict"), *(len(r.symbol) + len(r.word) + 1 for r in rows)]),
        "points": max([len("points"), *(len(r.points) + 1 + len(r.max_points) for r in rows)]),
    }
