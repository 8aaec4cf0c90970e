"""Benchmark of the notebook reader against a plain ``json.load`` of the same files.

    python tests/bench/bench_read.py [--count 10000] [--repeat 3]

Writes ``--count`` typical student notebooks to a temporary folder — a class's mix of the
notebook ``grader notebook`` hands out, filled in (6 in 11 also ran the model cell, so a
Keras 3 summary is printed under it; 2 in 11 did not), answers as a Python dict, the
origin notebook with the student's own table, and summaries only (1 in 11 each) — then times, in the same run and alternately,
reading every file with ``json.load`` and with ``read_notebook``, and prints both and the
ratio (the goal is under 3x). Not a test: speed is reported, never asserted.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from grader.answers import Identity  # noqa: E402
from grader.exercise import load_exercise  # noqa: E402
from grader.notebooks import student_notebook  # noqa: E402
from grader.readers.notebook import read_notebook  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def _summary_outputs() -> list:
    nb = json.loads((FIXTURES / "summaries" / "keras3-cnn-8x8x3.ipynb").read_text(encoding="utf-8"))
    return nb["cells"][-1]["outputs"]


def templates(exercise) -> list[tuple[int, str]]:
    """(weight, notebook JSON text) for each kind of submission in a class."""
    import nbformat

    solution = exercise.solution
    table = ["| layer | output shape | params |", "|---|---|---:|"]
    table += [f"| {layer.name} | {'x'.join(map(str, layer.output_shape))} | {layer.params} |"
              for layer in solution.layers]
    table.append(f"| **total** |  | {solution.total_params:,} |")
    filled = student_notebook(exercise)  # as handed out, then filled in by the student
    filled.cells[-1].source = "\n".join(table)
    with_summary = nbformat.from_dict(json.loads(nbformat.writes(filled)))  # ... who also ran the model
    model = next(c for c in with_summary.cells if c.cell_type == "code")
    model.source += "\nmodel.summary()"
    model.outputs = [nbformat.from_dict(o) for o in _summary_outputs()]
    model.execution_count = 1
    corpus = {name: (FIXTURES / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
              for name in ("tagged-python", "untagged-origin", "summary-keras3")}
    return [(2, nbformat.writes(filled)), (6, nbformat.writes(with_summary)), (1, corpus["tagged-python"]),
            (1, corpus["untagged-origin"]), (1, corpus["summary-keras3"])]


def write_class(folder: Path, count: int, exercise, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    kinds = templates(exercise)
    weights = [w for w, _ in kinds]
    paths = []
    for n in range(count):
        _, text = rng.choices(kinds, weights)[0]
        answer = str(rng.randint(2000, 2999))  # each student answers the output layer differently
        text = text.replace("2,585", f"{answer[0]},{answer[1:]}").replace("2585", answer)
        path = folder / f"student{n:05d}.ipynb"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def time_json(paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb") as fh:
            json.load(fh)
    return time.perf_counter() - start


def time_reader(paths: list[Path], exercise) -> float:
    who = Identity("bench")
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb") as fh:
            answers = read_notebook(fh.read(), path.name, exercise, who)
        if not answers.values:
            raise SystemExit(f"{path.name}: nothing read ({answers.errors})")
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    exercise = load_exercise(ROOT / "exercises" / "cnn-8x8x3.yaml")
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp:
        paths = write_class(Path(tmp), args.count, exercise)
        size = sum(p.stat().st_size for p in paths)
        print(f"{len(paths):,} notebooks, {size / 1e6:.1f} MB in all")
        time_reader(paths[:50], exercise)  # imports and warm caches out of the timing
        plain, ours = [], []
        for _ in range(args.repeat):
            plain.append(time_json(paths))
            ours.append(time_reader(paths, exercise))
        best_plain, best_ours = min(plain), min(ours)
        print(f"json.load:     {best_plain:7.3f} s  ({best_plain / len(paths) * 1e6:6.0f} us a notebook)")
        print(f"read_notebook: {best_ours:7.3f} s  ({best_ours / len(paths) * 1e6:6.0f} us a notebook)")
        print(f"ratio: {best_ours / best_plain:.2f}x (goal: under 3x; best of {args.repeat} runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
