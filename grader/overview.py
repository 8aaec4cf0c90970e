"""The class overview (``index.html``): a flat, logic-free view prepared here, rendered by
the ``overview.html.j2`` template. Charts are inline SVG whose geometry is computed here.
"""
from __future__ import annotations

import statistics
from collections import Counter
from fractions import Fraction
from typing import Any

from .exercise import Exercise
from .gradebook import decimal, item_columns

BINS = 10
STATUS_ORDER = ("correct", "follow_through", "incorrect", "unreadable", "missing")
STATUS_WORDS = {"correct": "correct", "follow_through": "follow-through", "incorrect": "incorrect",
                "unreadable": "unreadable", "missing": "missing"}


def _mistake_titles() -> dict[str, str]:
    try:
        from .mistakes import titles
    except ImportError:  # the catalogue is optional for the overview: fall back to the codes
        return {}
    return titles()


def _label(layer: str | None, quantity: str) -> str:
    q = quantity.replace("_", " ")
    return f"{layer} · {q}" if layer else q


def histogram(percents: list[float]) -> dict[str, Any]:
    """Ten bins of 10 %; 100 % falls in the last one. Bar geometry for a 300x120 SVG."""
    counts = [0] * BINS
    for p in percents:
        counts[min(int(p // (100 / BINS)), BINS - 1)] += 1
    top = max(counts) or 1
    width, height, gap = 300, 110, 4
    bar = width / BINS
    bars = []
    for i, n in enumerate(counts):
        h = round(height * n / top, 1)
        lo = i * 100 // BINS
        bars.append({"x": round(i * bar + gap / 2, 1), "y": round(height - h, 1), "width": round(bar - gap, 1),
                     "height": h, "count": n, "label": f"{lo}–{lo + 100 // BINS}%",
                     "text_x": round(i * bar + bar / 2, 1), "text_y": round(height - h - 3, 1)})
    return {"bars": bars, "width": width, "height": height, "max": top}


def overview_view(exercise: Exercise, outcome: Any) -> dict[str, Any]:
    results = outcome.results
    graded = [r for r in results if r.gradable]
    percents = [float(100 * r.score / r.max_score) for r in graded if r.max_score]
    columns = item_columns(exercise)
    tallies: dict[tuple, Counter] = {c: Counter() for c in columns}
    mistakes: Counter = Counter()
    mistake_items: dict[str, Counter] = {}
    for r in graded:
        for item in r.items:
            key = (item.layer, item.quantity)
            if key in tallies:
                tallies[key][item.status] += 1
            if item.mistake:
                mistakes[item.mistake] += 1
                mistake_items.setdefault(item.mistake, Counter())[_label(item.layer, item.quantity)] += 1
    n = len(graded) or 1
    items = []
    for key in columns:
        t = tallies[key]
        segments, x = [], 0.0
        for status in STATUS_ORDER:
            share = 100 * t[status] / n
            if t[status]:
                segments.append({"status": status, "word": STATUS_WORDS[status], "count": t[status],
                                 "x": round(x, 2), "width": round(share, 2)})
            x += share
        items.append({"label": _label(*key), "correct": t["correct"] + t["follow_through"],
                      "percent": round(100 * (t["correct"] + t["follow_through"]) / n), "segments": segments,
                      "incorrect": t["incorrect"], "missing": t["missing"], "unreadable": t["unreadable"]})
    titles = _mistake_titles()
    common = [{"code": code, "title": titles.get(code, code.replace("_", " ")), "count": count,
               "where": ", ".join(f"{label} ({k})" for label, k in mistake_items[code].most_common(3))}
              for code, count in mistakes.most_common()]
    students = []
    for index, r in enumerate(results):
        students.append({
            "student": r.identity.student, "name": r.identity.name or "", "submission": r.submission,
            "report": outcome.reports.get(index, ""), "late": r.identity.late, "gradable": r.gradable,
            "score": decimal(r.score) if r.gradable else "", "max_score": decimal(r.max_score),
            "percent": round(float(100 * r.score / r.max_score)) if r.gradable and r.max_score else None,
            "errors": "; ".join(r.errors),
            "wrong": sum(1 for i in r.items if i.status in ("incorrect", "unreadable", "missing")),
        })
    mean = statistics.fmean(percents) if percents else None
    return {
        "exercise": {"id": exercise.id, "title": exercise.title, "framework": exercise.framework,
                     "max_score": decimal(exercise.max_score)},
        "counts": {"submissions": len(results), "graded": len(graded),
                   "ungradable": len(results) - len(graded),
                   "full_marks": sum(1 for r in graded if r.score == r.max_score)},
        "stats": {"mean": f"{mean:.0f}%" if mean is not None else "–",
                  "median": f"{statistics.median(percents):.0f}%" if percents else "–",
                  "mean_points": decimal(sum((r.score for r in graded), Fraction(0)) / len(graded))
                  if graded else "–"},
        "histogram": histogram(percents),
        "items": items,
        "mistakes": common,
        "students": students,
        "ungradable": [s for s in students if not s["gradable"]],
        "skipped": [{"path": p, "reason": why} for p, why in outcome.skipped],
        "warnings": list(outcome.warnings),
        "outputs": list(outcome.written),
        "status_words": [{"status": s, "word": STATUS_WORDS[s]} for s in STATUS_ORDER],
    }


def render_overview(exercise: Exercise, outcome: Any, templates_dir: str | None = None) -> str:
    from .report import environment
    env = environment(templates_dir)
    return env.get_template("overview.html.j2").render(**overview_view(exercise, outcome))
