"""The class overview (``index.html``): a flat, logic-free view prepared here, rendered by
the ``overview.html.j2`` template. Charts are inline SVG whose geometry is computed here.
"""
from __future__ import annotations

import os
from collections import Counter
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterable, Sequence

from .exercise import Exercise
from .gradebook import Scored, item_columns

#: histogram bins: ten of 10 points each (0-9 % ... 90-99 %), then full marks on their own
BINS = 11
STATUS_ORDER = ("correct", "follow_through", "incorrect", "unreadable", "missing")
STATUS_WORDS = {"correct": "correct", "follow_through": "follow-through", "incorrect": "incorrect",
                "unreadable": "unreadable", "missing": "missing"}
STATUS_SYMBOLS = {"correct": "✓", "follow_through": "↪", "incorrect": "✗", "unreadable": "?", "missing": "–"}
QUANTITY_LABELS = {"output_shape": "output shape", "params": "parameters", "total_params": "total parameters",
                   "trainable_params": "trainable parameters", "non_trainable_params": "non-trainable parameters",
                   "macs": "MACs", "total_trainable_params": "total trainable parameters"}
FRAMEWORKS = {"keras": "Keras", "pytorch": "PyTorch"}
#: the histogram's drawing, in SVG user units
CHART = {"width": 640, "height": 150, "top": 22, "bottom": 34, "left": 8}


@lru_cache(maxsize=4096)  # a class has few distinct scores, and Fraction arithmetic is slow
def percent_shown(score: Fraction, maximum: Fraction) -> int:
    """The percent shown beside a score, rounded as the student's report rounds it."""
    return round(100 * Fraction(score) / Fraction(maximum)) if maximum else 0


@lru_cache(maxsize=4096)
def points_text(value: Fraction | int) -> str:
    """``15``, ``12.5``: points as people read them."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def mistake_title(code: str) -> tuple[str, str]:
    """(title, generic explanation) from the mistakes catalogue; the code itself if unknown."""
    try:
        from .mistakes import describe
        return describe(code)
    except (ImportError, KeyError):
        return code.replace("_", " ").capitalize(), ""


def item_label(layer: str | None, quantity: str) -> str:
    q = QUANTITY_LABELS.get(quantity, quantity.replace("_", " "))
    return f"{layer} {q}" if layer else q


def histogram(percents: Sequence[int]) -> dict[str, Any]:
    """Counts per bin and each bar's SVG geometry; every bar carries its count and range as text."""
    counts = [0] * BINS
    for p in percents:
        counts[min(max(p, 0) // 10, BINS - 2) if p < 100 else BINS - 1] += 1
    top = max(counts) or 1
    c = CHART
    plot = c["height"] - c["top"] - c["bottom"]
    slot = (c["width"] - c["left"]) / BINS
    base = c["top"] + plot
    bars = []
    for i, n in enumerate(counts):
        h = round(plot * n / top, 1)
        label = "100%" if i == BINS - 1 else f"{i * 10}–{i * 10 + 9}%"
        x = c["left"] + i * slot
        bars.append({"count": n, "label": label, "full": i == BINS - 1,
                     "x": round(x + 3, 1), "width": round(slot - 6, 1), "y": round(base - h, 1), "height": h,
                     "mid": round(x + slot / 2, 1), "count_y": round(base - h - 5, 1),
                     "label_y": round(base + 16, 1),
                     "title": f"{n} submission{'s' * (n != 1)} scored {label}"})
    return {"bars": bars, "width": c["width"], "height": c["height"], "base": base, "max": top,
            "axis_x1": c["left"], "axis_x2": c["width"]}


def _item_groups(exercise: Exercise, graded: Sequence[Scored]) -> list[dict[str, Any]]:
    """The item rows grouped by layer in the exercise's order, then the model-wide ones."""
    types = {layer.name: layer.type for layer in exercise.layers}
    groups: list[dict[str, Any]] = []
    for row in _item_rows(exercise, graded):
        if not groups or groups[-1]["layer"] != row["layer"]:
            groups.append({"layer": row["layer"], "type": types.get(row["layer"], ""), "model": not row["layer"],
                           "index": str(list(types).index(row["layer"]) + 1) if row["layer"] in types else "",
                           "rows": []})
        groups[-1]["rows"].append(row)
    return groups


def _item_rows(exercise: Exercise, graded: Sequence[Scored]) -> list[dict[str, Any]]:
    """Per asked item: how the class did, and a stacked bar (percent widths) with its counts."""
    columns = item_columns(exercise)
    tallies = _per_item(columns, ((i.layer, i.quantity, i.status) for r in graded for i in r.items))
    codes = _per_item(columns, ((i.layer, i.quantity, i.mistake) for r in graded for i in r.items if i.mistake))
    wrong = _per_item(columns, ((i.layer, i.quantity, " ".join(i.answer.split())[:40]) for r in graded
                                for i in r.items if i.status == "incorrect" and i.answer))
    n = len(graded)
    rows = []
    for key in columns:
        t = tallies[key]
        credited = t["correct"] + t["follow_through"]
        segments, x = [], 0.0
        for status in STATUS_ORDER:
            if t[status]:
                width = 100 * t[status] / n
                segments.append({"status": status, "word": STATUS_WORDS[status], "count": t[status],
                                 "x": round(x, 2), "width": round(width, 2)})
                x += width
        top_code = codes[key].most_common(1)
        top_wrong = wrong[key].most_common(1)
        rows.append({
            "layer": key[0] or "", "quantity": QUANTITY_LABELS.get(key[1], key[1].replace("_", " ")),
            "label": item_label(*key), "credited": credited, "of": n,
            "percent": f"{round(100 * credited / n)}%" if n else "–",
            "follow_through": t["follow_through"],
            "counts": [{"status": s, "word": STATUS_WORDS[s], "symbol": STATUS_SYMBOLS[s], "count": t[s]}
                       for s in STATUS_ORDER if t[s] and s not in ("correct", "follow_through")],
            "segments": segments,
            "mistake": mistake_title(top_code[0][0])[0] if top_code else "",
            "mistake_count": top_code[0][1] if top_code else 0,
            "wrong_answer": top_wrong[0][0] if top_wrong and top_wrong[0][1] > 1 else "",
            "wrong_count": top_wrong[0][1] if top_wrong else 0,
        })
    return rows


def _per_item(columns: Sequence[tuple], triples: Iterable[tuple]) -> dict[tuple, Counter]:
    """(layer, quantity, value) triples counted per item column, each Counter in the order
    the values first came (so most_common breaks ties as counting item by item would).
    (One C-level Counter over the whole class, then split: several times faster.)"""
    per: dict[tuple, Counter] = {key: Counter() for key in columns}
    for (layer, quantity, value), count in Counter(triples).items():
        counter = per.get((layer, quantity))
        if counter is not None:
            counter[value] = count
    return per


def _mistake_rows(graded: Sequence[Scored]) -> list[dict[str, Any]]:
    """Named mistakes, most frequent first: answers, students and the items they were made on."""
    answers: Counter = Counter()
    students: dict[str, set] = {}
    where: dict[str, Counter] = {}
    for index, r in enumerate(graded):
        for item in r.items:
            if item.mistake and item.status == "incorrect":
                answers[item.mistake] += 1
                students.setdefault(item.mistake, set()).add(index)
                where.setdefault(item.mistake, Counter())[item_label(item.layer, item.quantity)] += 1
    rows = []
    for code, count in sorted(answers.items(), key=lambda kv: (-len(students[kv[0]]), -kv[1], kv[0])):
        title, explanation = mistake_title(code)
        rows.append({"code": code, "title": title, "explanation": explanation, "answers": count,
                     "students": len(students[code]),
                     "where": [{"label": label, "count": k} for label, k in
                               sorted(where[code].items(), key=lambda kv: (-kv[1], kv[0]))]})
    return rows


def _student_row(r: Scored, report: str) -> dict[str, Any]:
    identity = r.identity
    statuses = Counter(item.status for item in r.items)
    gradable = r.gradable
    return {
        "student": identity.student, "name": identity.name or "", "submission": r.submission,
        "report": report, "late": identity.late, "gradable": gradable,
        "score": points_text(r.score) if gradable else "", "max_score": points_text(r.max_score),
        "percent": f"{percent_shown(r.score, r.max_score)}%" if gradable else "",
        "full": gradable and _full(r.score, r.max_score),
        "tally": [{"status": s, "word": STATUS_WORDS[s], "symbol": STATUS_SYMBOLS[s], "count": statuses[s]}
                  for s in STATUS_ORDER if statuses[s] and s != "correct"],
        "errors": list(r.errors),
        "source": r.source,
    }


def overview_view(exercise: Exercise, outcome: Any) -> dict[str, Any]:
    """Everything ``overview.html.j2`` shows, as strings, numbers, lists and flags.

    ``outcome`` is a :class:`grader.batch.Outcome` (results, report names, skipped files,
    warnings, files written). The overview is the instructor's: it shows everything,
    whatever the exercise's ``reveal``.
    """
    results: list[Scored] = outcome.results
    graded = [r for r in results if r.gradable]
    scores = Counter((r.score, r.max_score) for r in graded)  # a class has few distinct scores
    distinct = sorted((Fraction(score) / maximum, count) for (score, maximum), count in scores.items() if maximum)
    shares = [share for share, count in distinct for share in [share] * count]
    mean = sum((share * count for share, count in distinct), Fraction(0)) / len(shares) if shares else None
    median = (shares[len(shares) // 2] if len(shares) % 2 else
              (shares[len(shares) // 2 - 1] + shares[len(shares) // 2]) / 2) if shares else None
    students = [_student_row(r, outcome.reports.get(i, "")) for i, r in enumerate(results)]
    mistakes = _mistake_rows(graded)
    return {
        "exercise": {"id": exercise.id, "title": exercise.title or exercise.id,
                     "framework": FRAMEWORKS.get(exercise.framework, exercise.framework),
                     "max_score": points_text(exercise.max_score),
                     "variant_note": "Each student has their own variant of the numbers."
                     if exercise.variables else ""},
        "counts": {"submissions": len(results), "graded": len(graded), "ungradable": len(results) - len(graded),
                   "full_marks": sum(count for (score, maximum), count in scores.items() if _full(score, maximum)),
                   "late": sum(1 for r in results if r.identity.late),
                   "skipped": len(outcome.skipped), "mistakes": sum(m["answers"] for m in mistakes)},
        "stats": {"mean": _percent(mean), "median": _percent(median),
                  "lowest": _percent(shares[0] if shares else None),
                  "highest": _percent(shares[-1] if shares else None)},
        "histogram": histogram([percent for share, count in distinct for percent in [int(100 * share // 1)] * count]),
        "items": _item_groups(exercise, graded),
        "mistakes": mistakes,
        "students": students,
        "ungradable": [s for s in students if not s["gradable"]],
        "skipped": [{"path": p, "reason": why} for p, why in outcome.skipped],
        "warnings": list(outcome.warnings),
        "outputs": [{"name": name, "href": name if not name.endswith("/") else ""} for name in outcome.written
                    if name != "index.html"],
        "legend": [{"status": s, "word": STATUS_WORDS[s], "symbol": STATUS_SYMBOLS[s]} for s in STATUS_ORDER],
        "version": _version(),
    }


@lru_cache(maxsize=4096)
def _full(score: Fraction, maximum: Fraction) -> bool:
    return score >= maximum


def _percent(share: Fraction | None) -> str:
    return f"{round(100 * share)}%" if share is not None else "–"


def _version() -> str:
    from . import __version__
    return __version__


def render_overview(exercise: Exercise, outcome: Any, templates_dir: str | os.PathLike | None = None) -> str:
    """The class overview page: one self-contained HTML file (no scripts, no fetches)."""
    from .report import render
    return render("overview.html.j2", overview_view(exercise, outcome), templates_dir)
