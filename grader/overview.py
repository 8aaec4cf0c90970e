"""The class overview (``index.html``): a flat, logic-free view prepared here from the records
of a class run, rendered by the ``overview.html.j2`` template. Charts are inline SVG whose
geometry is computed here. The overview is the instructor's: it shows everything, whatever
the exercise's ``reveal``. Statistics count each student once: a submission superseded by a
later one of the same student, and one that could not be graded, are listed but not counted.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import islice
from typing import Any, Iterator, Sequence

from .exercise import Exercise
from .feedback import (VERDICTS, framework_name, item_label, percent, points_text, quantity_label,
                       quantity_short_label)
from .mistakes import describe
from .record import Record, item_columns
from .result import STATUSES
from .version import __version__

#: statuses that lose an item's points (follow-through is credited)
LOST = ("incorrect", "missing", "unreadable")
#: histogram bins: ten of 10 points each (0-9 % ... 90-99 %), then full marks on their own
BINS = 11
#: the histogram's drawing, in SVG user units
CHART = {"width": 640, "height": 150, "top": 22, "bottom": 34, "left": 8}
#: the student x item grid shows every submission that counts up to this many; a larger class
#: shows those with something to look into (not all correct), the first this many of them
GRID_ROWS = 500
#: names listed per mistake; the rest are counted ("and 812 more"), each in the students table
MADE_BY_NAMES = 50


@dataclass
class ClassRun:
    """What a class run found and wrote, besides the records: for the overview."""

    skipped: list[tuple[str, str]] = field(default_factory=list)   # (path, reason): not submissions
    warnings: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)                # output files, relative to --out


def mistake_title(code: str) -> tuple[str, str]:
    """(title, generic explanation) from the mistakes catalogue; the code itself if unknown."""
    try:
        return describe(code)
    except KeyError:
        return code.replace("_", " ").capitalize(), ""


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


def _counts(status_counts: Counter, skip: Sequence[str] = ()) -> list[dict[str, Any]]:
    return [{"status": s, "word": VERDICTS[s].word, "symbol": VERDICTS[s].symbol, "count": status_counts[s]}
            for s in STATUSES if status_counts[s] and s not in skip]


def _item_rows(exercise: Exercise, counted: Sequence[Record]) -> list[dict[str, Any]]:
    """Per asked item: how the class did, and a stacked bar (percent widths) with its counts."""
    types = {layer.name: layer.type for layer in exercise.layers}
    index = {name: str(i + 1) for i, name in enumerate(types)}
    n = len(counted)
    groups: list[dict[str, Any]] = []
    for col, (layer, quantity) in enumerate(item_columns(exercise)):
        statuses = Counter(r.statuses[col] for r in counted)
        codes = Counter(r.mistakes[col] for r in counted if r.mistakes[col])
        wrong = Counter(r.wrong[col] for r in counted if r.wrong[col])
        credited = statuses["correct"] + statuses["follow_through"]
        segments, x = [], 0.0
        for status in STATUSES:
            if statuses[status]:
                width = 100 * statuses[status] / n
                segments.append({"status": status, "word": VERDICTS[status].word, "count": statuses[status],
                                 "x": round(x, 2), "width": round(width, 2)})
                x += width
        top_code, top_wrong = codes.most_common(1), wrong.most_common(1)
        row = {
            "layer": layer or "", "quantity": quantity_label(quantity), "label": item_label(layer, quantity),
            "credited": credited, "of": n, "percent": f"{round(100 * credited / n)}%" if n else "–",
            "follow_through": statuses["follow_through"],
            "counts": _counts(statuses, skip=("correct", "follow_through")),
            "segments": segments,
            "mistake": mistake_title(top_code[0][0])[0] if top_code else "",
            "mistake_count": top_code[0][1] if top_code else 0,
            "wrong_answer": top_wrong[0][0] if top_wrong and top_wrong[0][1] > 1 else "",
            "wrong_count": top_wrong[0][1] if top_wrong else 0,
        }
        if not groups or groups[-1]["layer"] != row["layer"]:
            groups.append({"layer": row["layer"], "type": types.get(layer, "") if layer else "",
                           "model": layer is None, "index": index.get(layer, "") if layer else "", "rows": []})
        groups[-1]["rows"].append(row)
    return groups


def _mistake_rows(labels: Sequence[str], counted: Sequence[Record]) -> list[dict[str, Any]]:
    """Named mistakes, most frequent first: answers, students, the items they were made on, and
    who made them (listed as the page is written: see :class:`MadeBy`)."""
    answers: Counter = Counter()
    students: Counter = Counter()
    where: dict[str, Counter] = {}
    for r in counted:
        for code in _mistakes_of(r):
            students[code] += 1
        for col, code in enumerate(r.mistakes):
            if code and r.statuses[col] == "incorrect":
                answers[code] += 1
                where.setdefault(code, Counter())[labels[col]] += 1
    rows = []
    for code, count in sorted(answers.items(), key=lambda kv: (-students[kv[0]], -kv[1], kv[0])):
        title, explanation = mistake_title(code)
        rows.append({"code": code, "title": title, "explanation": explanation, "answers": count,
                     "students": students[code], "made_by": MadeBy(counted, code, MADE_BY_NAMES),
                     "made_by_more": max(0, students[code] - MADE_BY_NAMES),
                     "where": [{"label": label, "count": k} for label, k in
                               sorted(where[code].items(), key=lambda kv: (-kv[1], kv[0]))]})
    return rows


def _mistakes_of(r: Record) -> set[str]:
    """The named mistakes of one submission's incorrect answers."""
    return {code for code, status in zip(r.mistakes, r.statuses) if code and status == "incorrect"}


class MadeBy:
    """The students who made one mistake, each with a link to their report: found in the records
    as the page is written, so a mistake made by 20,000 students holds no list of them."""

    def __init__(self, records: Sequence[Record], code: str, limit: int):
        self.records, self.code, self.limit = records, code, limit

    def __iter__(self) -> Iterator[dict[str, str]]:
        made = (r for r in self.records if self.code in _mistakes_of(r))
        return ({"student": r.student, "report": r.report, "submission": r.submission}
                for r in islice(made, self.limit))


def _lost(r: Record, labels: Sequence[str]) -> list[dict[str, str]]:
    """The items a submission lost points on, in exercise order, each with why: the mistake's
    title (lower-cased to sit in brackets), the verdict of an answer missing or unreadable, or
    nothing for a wrong answer that matches no known mistake."""
    lost = []
    for label, status, code in zip(labels, r.statuses, r.mistakes):
        if status == "incorrect":
            title = mistake_title(code)[0] if code else ""
            why = title[:1].lower() + title[1:]
        elif status in LOST:
            why = VERDICTS[status].word
        else:
            continue
        lost.append({"label": label, "status": status, "why": why})
    return lost


def _student_row(r: Record, labels: Sequence[str]) -> dict[str, Any]:
    identity = r.identity
    return {
        "student": identity.student, "name": identity.name or "", "submission": r.submission,
        "report": r.report, "late": identity.late, "gradable": r.has_grade, "superseded_by": r.superseded_by,
        "score": points_text(r.score) if r.has_grade else "", "max_score": points_text(r.max_score),
        "share": f"{float(Fraction(r.score) / r.max_score):.4f}" if r.has_grade and r.max_score else "",
        "percent": f"{percent(r.score, r.max_score)}%" if r.has_grade else "",
        "full": r.has_grade and r.score >= r.max_score, "adjustments": list(r.adjustments),
        "tally": _counts(Counter(r.statuses), skip=("correct",)),
        "lost": _lost(r, labels) if r.gradable else [],
        "errors": list(r.errors), "warnings": list(r.warnings),
        "source": r.source,
    }


class StudentRows:
    """The students table's rows, each made as the page is written: a class of 50,000 keeps
    its records, never 50,000 rows of the page besides them."""

    def __init__(self, records: Sequence[Record], labels: Sequence[str]):
        self.records, self.labels = records, labels

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (_student_row(r, self.labels) for r in self.records)


def _grid_head(exercise: Exercise) -> list[dict[str, Any]]:
    """The grid's column heads: one group per layer (then the whole model), a short word per
    item, and each item's place among a row's cells (the student's name is cell 0)."""
    groups: list[dict[str, Any]] = []
    for column, (layer, quantity) in enumerate(item_columns(exercise), start=1):
        if not groups or groups[-1]["layer"] != (layer or ""):
            groups.append({"layer": layer or "", "model": layer is None, "heads": []})
        groups[-1]["heads"].append({"short": quantity_short_label(quantity), "label": item_label(layer, quantity),
                                    "column": column})
    return groups


def _grid_cell(status: str | None, code: str | None, label: str) -> dict[str, str]:
    if status is None:   # an item this submission has no answer slot for
        return {"status": "absent", "symbol": "", "word": "not asked", "title": label}
    why = f" ({mistake_title(code)[0]})" if code and status == "incorrect" else ""
    verdict = VERDICTS[status]
    # a tooltip where there is something to look into: a class of 50,000 has many correct cells
    title = f"{label}: {verdict.word}{why}" if status != "correct" else ""
    return {"status": status, "symbol": verdict.symbol, "word": verdict.word, "title": title}


def _grid_records(records: Sequence[Record]) -> tuple[list[Record], dict[str, int]]:
    """The grid's rows and what was left out of it: every submission up to ``GRID_ROWS``; in a
    larger class, those not all correct, the first ``GRID_ROWS`` of them."""
    if len(records) <= GRID_ROWS:
        return list(records), {"all_correct": 0, "more": 0}
    looked_into = [r for r in records if any(s not in ("correct", None) for s in r.statuses)]
    return looked_into[:GRID_ROWS], {"all_correct": len(records) - len(looked_into),
                                     "more": max(0, len(looked_into) - GRID_ROWS)}


class GridRows:
    """The student x item grid's rows, made as the page is written."""

    def __init__(self, records: Sequence[Record], labels: Sequence[str]):
        self.records, self.labels = records, labels

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for r in self.records:
            yield {"student": r.student, "report": r.report, "submission": r.submission,
                   "score": points_text(r.score), "max_score": points_text(r.max_score),
                   "share": f"{float(Fraction(r.score) / r.max_score):.4f}" if r.max_score else "",
                   "cells": [_grid_cell(status, code, label)
                             for status, code, label in zip(r.statuses, r.mistakes, self.labels)]}


def overview_view(exercise: Exercise, records: Sequence[Record], run: ClassRun) -> dict[str, Any]:
    """Everything ``overview.html.j2`` shows, as strings, numbers, lists and flags."""
    counted = [r for r in records if r.counted]
    shares = sorted(Fraction(r.score) / r.max_score for r in counted if r.max_score)
    mean = sum(shares, Fraction(0)) / len(shares) if shares else None
    median = (shares[len(shares) // 2] if len(shares) % 2 else
              (shares[len(shares) // 2 - 1] + shares[len(shares) // 2]) / 2) if shares else None
    labels = [item_label(layer, quantity) for layer, quantity in item_columns(exercise)]
    mistakes = _mistake_rows(labels, [r for r in counted if r.gradable])
    ungradable = sum(1 for r in records if not r.has_grade)
    grid_rows, left_out = _grid_records([r for r in counted if r.gradable])
    return {
        "exercise": {"id": exercise.id, "title": exercise.title or exercise.id,
                     "framework": framework_name(exercise.framework),
                     "max_score": points_text(exercise.max_score),
                     "variant_note": "Each student has their own variant of the numbers."
                     if exercise.variables else ""},
        "counts": {"submissions": len(records), "graded": len(counted), "ungradable": ungradable,
                   "superseded": sum(1 for r in records if r.has_grade and r.superseded_by),
                   "adjusted": sum(1 for r in records if r.adjustments),
                   "full_marks": sum(1 for r in counted if r.score >= r.max_score),
                   "late": sum(1 for r in records if r.identity.late and not r.superseded_by),
                   "skipped": len(run.skipped), "mistakes": sum(m["answers"] for m in mistakes)},
        "stats": {"mean": _percent(mean), "median": _percent(median),
                  "lowest": _percent(shares[0] if shares else None),
                  "highest": _percent(shares[-1] if shares else None)},
        "histogram": histogram([int(100 * share // 1) for share in shares]),
        "items": _item_rows(exercise, [r for r in counted if r.gradable]),
        "mistakes": mistakes,
        "grid": {"head": _grid_head(exercise), "rows": GridRows(grid_rows, labels),
                 "score_column": len(labels) + 1, "left_out": left_out},
        "students": StudentRows(records, labels),
        "ungradable": [_student_row(r, labels) for r in records if not r.has_grade],
        "skipped": [{"path": p, "reason": why} for p, why in run.skipped],
        "warnings": list(run.warnings),
        "outputs": [{"name": name, "href": name if not name.endswith("/") else ""} for name in run.written
                    if name != "index.html"],
        "legend": [{"status": s, "word": VERDICTS[s].word, "symbol": VERDICTS[s].symbol} for s in STATUSES],
        "version": __version__,
    }


def _percent(share: Fraction | None) -> str:
    return f"{round(100 * share)}%" if share is not None else "–"
