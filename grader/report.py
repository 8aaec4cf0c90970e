"""Feedback for one graded submission (SPEC section 5): a flat view of a Result, rendered
through the Jinja templates into a self-contained HTML report, a notebook cell or a
terminal summary. What ``reveal`` hides is dropped here, before any template sees it.
"""
from __future__ import annotations

import os
import re
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jinja2
from markupsafe import Markup

from . import __version__
from .errors import GraderError
from .exercise import Exercise
from .fragments import CachedFragments
from .mistakes import TITLES
from .result import Item, Result
from .tables import number, shape_text

#: status -> (symbol, word): verdicts are read from words and symbols, never colour alone.
VERDICTS = {
    "correct": ("✓", "correct"),
    "follow_through": ("↪", "follow-through"),
    "incorrect": ("✗", "incorrect"),
    "missing": ("–", "missing"),
    "unreadable": ("?", "unreadable"),
}
#: with ``reveal: nothing`` an answer that was read is only acknowledged.
RECEIVED = ("•", "received")
STATUS_HELP = {
    "correct": "right",
    "follow_through": "wrong only because of an earlier answer of yours, and right given it",
    "incorrect": "wrong",
    "missing": "no answer found",
    "unreadable": "an answer that could not be read; the note says how to write it",
}
QUANTITY_LABELS = {
    "output_shape": "output shape",
    "params": "parameters",
    "trainable_params": "trainable parameters",
    "non_trainable_params": "non-trainable parameters",
    "macs": "MACs",
    "total_params": "total parameters",
    "total_trainable_params": "total trainable parameters",
    "total_non_trainable_params": "total non-trainable parameters",
}
REVEAL_NOTES = {
    "answers": "",
    "correctness": "Your instructor shows which answers are right, not the expected values.",
    "nothing": "Your instructor shows no results for this exercise yet: this is a receipt of "
               "what was read from your submission.",
}
FRAMEWORKS = {"keras": "Keras", "pytorch": "PyTorch"}
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


def environment(templates_dir: str | os.PathLike | None = None) -> jinja2.Environment:
    """The one Jinja environment: files in ``templates_dir`` override the defaults one by one.

    Autoescape is on for every template except the plain-text ``*.txt.j2`` ones, where HTML
    entities would be wrong; control characters are neutralised in every output.
    """
    if templates_dir is None:
        return _environment(None)
    name = os.fspath(templates_dir)
    return _environment(_templates_folder(os.path.abspath(name), name))


@lru_cache(maxsize=8)
def _templates_folder(folder: str, shown: str) -> str:
    """``--templates DIR`` checked once, not once per report (a stat each); a missing folder
    raises (and so is not cached)."""
    if not os.path.isdir(folder):
        raise GraderError("no such folder of templates (--templates)", file=shown)
    return folder


@lru_cache(maxsize=8)
def _environment(templates_dir: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(templates_dir))
    loaders.append(jinja2.FileSystemLoader(str(templates_path())))
    env = _ViewEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=lambda name: not (name or "").endswith(TEMPLATE_SUFFIX_TEXT),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a run: no stat() per report
        # a plain dict of loaded templates, never cleaned: a report looks up five templates,
        # and the default LRU cache locks and reorders a deque on every lookup
        cache_size=-1,
        extensions=[CachedFragments],
    )
    env.filters["ljust"] = lambda value, width: str(value).ljust(width)
    env.filters["rjust"] = lambda value, width: str(value).rjust(width)
    env.globals["report_row"] = _report_row
    return env


class _ViewEnvironment(jinja2.Environment):
    """Views are plain dicts: ``row.points`` looks the key up first. (Jinja's own order, an
    attribute first, raises and catches an AttributeError for every value: a class of
    10,000 reports spent a third of its rendering there.)"""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


ROW_TEMPLATE = "_report_row.html.j2"
#: what the row template sees besides ``row``, ``group`` and ``first``
ROW_CONTEXT = ("show_expected", "show_points", "note_columns", "reveal")
_MAX_CACHED_ROWS = 8192


@jinja2.pass_context
def _report_row(context: Any, row: dict[str, Any], group: dict[str, Any], first: bool) -> Markup:
    """One item's rows of a report table, through ``_report_row.html.j2``. The students of a
    class write the same answers, so most rows recur across reports: each distinct row is
    rendered once per environment (keyed by everything the template sees) and reused."""
    values = context.__dict__.get("_row_context")
    if values is None:  # looked up once per report (a report's rows share its context)
        values = context.__dict__["_row_context"] = {name: context[name] for name in ROW_CONTEXT
                                                     if name in context}
        context.__dict__["_row_context_key"] = tuple(values.items())
    layer = _without_rows(group) if first else None
    key = (_view_key(row, "notes"), tuple(layer.items()) if first else None, context.__dict__["_row_context_key"])
    cache = context.environment.__dict__.setdefault("_rendered_rows", {})
    try:
        html = cache.get(key)
    except TypeError:  # a view holding other lists than the notes: rendered each time
        return _render_row(context, row, group, first, values)
    if html is None:
        if len(cache) >= _MAX_CACHED_ROWS:
            cache.clear()
        html = cache[key] = _render_row(context, row, group, first, values)
    return html


_report_row.context_names = ROW_CONTEXT  # all it reads of the context (see grader.fragments)


def _render_row(context: Any, row: dict[str, Any], group: dict[str, Any], first: bool,
                values: dict[str, Any]) -> Markup:
    template = context.environment.get_template(ROW_TEMPLATE)
    return Markup(template.render(row=row, group=_without_rows(group), first=first, **values))


def _without_rows(group: dict[str, Any]) -> dict[str, Any]:
    """The group as the row template sees it: its layer, not its other rows."""
    layer = dict(group)
    layer.pop("rows", None)
    return layer


def _view_key(view: dict[str, Any], listed: str) -> tuple:
    """A view as a hashable value (flat tuples hash fast), its list of dicts ``listed`` as tuples."""
    keys, values = tuple(view), tuple(view.values())
    if listed in view:
        i = keys.index(listed)
        parts = values[i]
        if isinstance(parts, list):
            parts = tuple(tuple(part.items()) if isinstance(part, dict) else part for part in parts)
            values = (*values[:i], parts, *values[i + 1:])
    return keys, values


# C0/C1 controls (but tab and newline) and the bidirectional overrides of "Trojan Source":
# a submission must not drive the terminal or reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _finalize(value: Any) -> Any:
    if type(value) is str and value.isprintable():  # the usual case: no control character at all
        return value
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", value)


def render(template: str, view: dict[str, Any], templates_dir: str | os.PathLike | None = None) -> str:
    """Render one template with a view; a missing or broken override is a GraderError."""
    try:
        return environment(templates_dir).get_template(template).render(view)
    except jinja2.TemplateNotFound as exc:
        raise GraderError(f"template '{exc.name}' not found",
                          file=os.fspath(templates_dir) if templates_dir is not None else None) from None
    except jinja2.TemplateSyntaxError as exc:
        raise GraderError(f"template syntax: {exc.message}", file=exc.filename, line=exc.lineno) from None
    except jinja2.UndefinedError as exc:
        raise GraderError(f"template uses an unknown name: {exc.message}", file=template) from None


def render_report(result: Result, exercise: Exercise, templates_dir: str | os.PathLike | None = None) -> str:
    """One self-contained HTML page of feedback for one submission."""
    return render("report.html.j2", report_view(result, exercise), templates_dir)


def render_cell(result: Result, exercise: Exercise, templates_dir: str | os.PathLike | None = None) -> str:
    """The same report as an HTML fragment for a notebook output (``_repr_html_``)."""
    return render("report_cell.html.j2", report_view(result, exercise), templates_dir)


def render_summary(result: Result, exercise: Exercise, templates_dir: str | os.PathLike | None = None) -> str:
    """The terminal summary of ``grader check``."""
    text = render("summary.txt.j2", report_view(result, exercise), templates_dir)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


# -- Markdown ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _markdown():
    # markdown-it-py: CommonMark with raw HTML off (so instructions cannot inject markup),
    # link targets checked against javascript:/data: URLs, tables on. Images become links:
    # a report must not fetch anything.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image(renderer, tokens, idx, options, env):
        token = tokens[idx]
        alt = renderer.renderInlineAsText(token.children or [], options, env) or "image"
        src = md.utils.escapeHtml(token.attrGet("src") or "")
        return f'<a href="{src}">[image: {md.utils.escapeHtml(alt)}]</a>'

    md.add_render_rule("image", image)
    return md


@lru_cache(maxsize=64)
def markdown_html(text: str) -> Markup:
    """Instructions (Markdown written by the instructor) as safe HTML (cached: every report
    of a class shows the same instructions)."""
    if not text.strip():
        return Markup("")
    return Markup(_markdown().render(text))


# -- the view ------------------------------------------------------------------------------

def points_text(value: Fraction | int | float) -> str:
    """``1``, ``0.5``, ``12.25``: points as people read them."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def value_text(value: Any) -> str:
    """An expected value as students write it: ``6x6x64``, ``1,792``."""
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return shape_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value)
    return str(value)


def _clip(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= MAX_ANSWER_CHARS else text[:MAX_ANSWER_CHARS - 1] + "…"


def _clip_left(text: str | None, width: int) -> str:
    """The end of a long answer: with working written first, the answer is what comes last."""
    text = " ".join((text or "").split())
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _mistake_title(code: str) -> str:
    return TITLES.get(code) or code.replace("_", " ").capitalize()


def _formula(item: Item, exercise: Exercise) -> str:
    """The worked expected value; the solution's own formula when grading gave none."""
    if item.formula:
        return item.formula
    solution = exercise.solution
    if solution is not None and item.layer is not None and item.quantity == "params":
        layer = solution.layer(item.layer)
        if layer.params == item.expected and layer.weights and layer.formula != str(layer.params):
            return f"{layer.formula} = {number(layer.params)}"
    if solution is not None and item.layer is None and item.quantity == "total_params" \
            and item.expected == solution.total_params:
        parts = [number(layer.params) for layer in solution.layers if layer.params]
        if len(parts) > 1:
            return " + ".join(parts) + " = " + number(solution.total_params)
    return value_text(item.expected)


_ROW_VIEWS: dict[tuple, dict[str, Any]] = {}


def _cached_row_view(item: Item, exercise: Exercise, reveal: str) -> dict[str, Any]:
    """:func:`row_view`, worked out once for the items that recur across a class (a copy:
    callers own their views). An item with a formula depends on nothing of the exercise."""
    if not item.formula:
        return row_view(item, exercise, reveal)
    points, most = item.points, item.max_points  # hashing a Fraction runs Python code; its two ints do not
    key = (reveal, item.layer, item.quantity, item.answer, item.where, item.status,
           (points.numerator, points.denominator) if type(points) is Fraction else points,
           (most.numerator, most.denominator) if type(most) is Fraction else most,
           item.expected, item.formula, item.mistake, item.mistake_title,
           item.explanation, item.working, item.basis, item.own_formula, item.message)
    row = _ROW_VIEWS.get(key)
    if row is None:
        if len(_ROW_VIEWS) >= _MAX_CACHED_ROWS:
            _ROW_VIEWS.clear()
        row = _ROW_VIEWS[key] = row_view(item, exercise, reveal)
    row = dict(row)
    if row["notes"]:
        row["notes"] = [dict(part) for part in row["notes"]]
    return row


def row_view(item: Item, exercise: Exercise, reveal: str) -> dict[str, Any]:
    """One asked item as the templates see it, with what ``reveal`` hides left empty
    (the policy of ``grader.result``: the same in the HTML, the text and the JSON)."""
    judged = reveal != "nothing" or item.status in ("missing", "unreadable")
    symbol, word = VERDICTS[item.status] if judged else RECEIVED
    explain = reveal == "answers"
    named = reveal != "nothing" and bool(item.mistake)
    notes = note_parts(item, reveal)
    return {
        "quantity": item.quantity,
        "label": QUANTITY_LABELS.get(item.quantity, item.quantity.replace("_", " ")),
        "answer": _clip(item.answer),
        "answer_short": _clip_left(item.answer, MAX_TEXT_ANSWER),
        "where": item.where,
        "status": item.status if judged else RECEIVED[1],
        "symbol": symbol,
        "word": word,
        "points": points_text(item.points) if reveal != "nothing" else "",
        "max_points": points_text(item.max_points),
        "expected": value_text(item.expected) if explain else "",
        "formula": _formula(item, exercise) if explain else "",
        "mistake": (item.mistake or "") if named else "",
        "notes": notes,
        "has_note": bool(notes),
    }


def note_parts(item: Item, reveal: str) -> list[dict[str, str]]:
    """The explanation under an item, as ``{kind, label, text}`` parts the templates lay out.

    ``correctness`` keeps the mistake's name and general explanation and what follow-through
    was based on; ``answers`` adds the student's mistaken working and the worked values;
    every level keeps how to write an unreadable value and a result that contradicts its
    own working (about the answer as written, never about the expected value).
    """
    parts: list[dict[str, str]] = []
    if item.status == "missing":
        return parts
    if reveal != "nothing" and item.mistake:
        title = item.mistake_title or _mistake_title(item.mistake)
        parts.append({"kind": "mistake", "label": f"{title}.", "text": item.explanation})
    if reveal == "answers" and item.working:
        parts.append({"kind": "working", "label": "Your working:", "text": item.working})
    if reveal != "nothing" and item.status == "follow_through":
        text = f"right given {item.basis or 'your earlier answers'}"
        if reveal == "answers" and item.own_formula:
            text += f": {item.own_formula}"
        parts.append({"kind": "follow_through", "label": "Follow-through:", "text": text})
    if item.message:
        parts.append({"kind": "message", "label": "", "text": _sentence(item.message)})
    return parts


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _groups(result: Result, exercise: Exercise, reveal: str) -> list[dict[str, Any]]:
    """Rows grouped by layer in the exercise's order, then the model-wide rows."""
    order = _layer_order(exercise)
    by_layer: dict[str | None, list[dict]] = {}
    for item in result.items:
        by_layer.setdefault(item.layer, []).append(_cached_row_view(item, exercise, reveal))
    groups = []
    for name in sorted(by_layer, key=lambda n: len(order) + 1 if n is None else order.get(n, len(order))):
        rows = by_layer[name]
        index = order.get(name) if name is not None else None
        groups.append({"name": "model" if name is None else name, "model": name is None,
                       "index": "" if index is None else str(index + 1),
                       "type": exercise.layers[index].type if index is not None else "",
                       "rows": rows, "span": len(rows) + sum([row["has_note"] for row in rows])})
    return groups


def _layer_order(exercise: Exercise) -> dict[str, int]:
    """Each layer's place in the exercise, worked out once per exercise (not per report)."""
    order = exercise.__dict__.get("_report_order")
    if order is None:
        order = exercise.__dict__["_report_order"] = {name: i for i, name in enumerate(exercise.layer_names)}
    return order


def _tally(rows: Iterable[dict]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    order = ["received", *VERDICTS]
    return [{"status": s, "symbol": (VERDICTS.get(s) or RECEIVED)[0], "word": (VERDICTS.get(s) or RECEIVED)[1],
             "count": counts[s]} for s in order if counts.get(s)]


def _score(result: Result, exercise: Exercise, reveal: str) -> dict[str, Any]:
    return _score_view(result.score, result.max_score or exercise.max_score, reveal != "nothing").copy()


@lru_cache(maxsize=4096)  # a class has few distinct scores, and Fraction arithmetic is slow (a copy is returned)
def _score_view(score: Fraction, maximum: Fraction, shown: bool) -> dict[str, Any]:
    percent = round(100 * score / maximum) if maximum else 0
    return {"shown": shown, "points": points_text(score) if shown else "",
            "max": points_text(maximum), "percent": f"{percent}%" if shown else "",
            "full": shown and bool(maximum) and score >= maximum}


def report_view(result: Result, exercise: Exercise) -> dict[str, Any]:
    """Everything a report template shows, as plain strings, lists and flags.

    ``exercise.grading.reveal`` is applied here: with ``correctness`` no expected value,
    formula or mistake is in the view; with ``nothing`` not even a verdict or a score.
    """
    reveal = exercise.grading.reveal
    groups = _groups(result, exercise, reveal)
    identity = result.identity
    rows = [row for group in groups for row in group["rows"]]
    legend = [{"symbol": VERDICTS[s][0], "word": VERDICTS[s][1], "help": STATUS_HELP[s]}
              for s in VERDICTS if reveal != "nothing" or s in ("missing", "unreadable")]
    if reveal == "nothing":
        legend.insert(0, {"symbol": RECEIVED[0], "word": RECEIVED[1], "help": "an answer was read"})
    return {
        "exercise": {
            "id": exercise.id, "title": exercise.title or exercise.id,
            "framework": FRAMEWORKS.get(exercise.framework, exercise.framework),
            "instructions": markdown_html(exercise.instructions or ""),
            "inputs": ", ".join(f"{name} {shape_text(shape)}" if len(exercise.inputs) > 1 else shape_text(shape)
                                for name, shape in exercise.inputs.items()),
            "variant": ", ".join(f"{k} = {v}" for k, v in exercise.variables.items()),
        },
        "student": {"id": identity.student, "name": identity.name or "", "late": identity.late,
                    "source": identity.source},
        "submission": {"path": result.submission, "source": result.source},
        "reveal": reveal,
        "reveal_note": REVEAL_NOTES[reveal],
        "show_expected": reveal == "answers",
        "show_points": reveal != "nothing",
        "verdict_heading": "status" if reveal == "nothing" else "verdict",
        "note_columns": 3 + (reveal == "answers") + (reveal != "nothing"),
        "score": _score(result, exercise, reveal),
        "tally": _tally(rows),
        "groups": groups,
        "gradable": result.gradable,
        "errors": list(result.errors),
        "notes": list(result.notes),
        "legend": legend,
        "text": _text_layout(groups),
        "version": __version__,
    }


def _text_layout(groups: list[dict]) -> dict[str, int]:
    """Column widths of the terminal summary (the template only pads)."""
    layer, label, answer, verdict, points = len("layer"), len("asked"), len("answer"), len("verdict"), len("points")
    for group in groups:  # one pass (a report is built for every submission; its widths too)
        layer = max(layer, len(group["name"]))
        for r in group["rows"]:
            label = max(label, len(r["label"]))
            answer = max(answer, len(r["answer_short"] or "(none)"))
            verdict = max(verdict, len(r["symbol"]) + len(r["word"]) + 1)
            points = max(points, len(r["points"]) + 1 + len(r["max_points"]))  # "points/max"
    return {"layer": layer, "label": label, "answer": answer, "verdict": verdict, "points": points}
