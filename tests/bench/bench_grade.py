"""Benchmark of ``grader grade``: a class of 10,000 notebooks, graded with reports and gradebooks.

    python tests/bench/bench_grade.py [--count 10000] [--jobs 2] [--keep DIR] [--profile FILE]
    python tests/bench/bench_grade.py --sizes 1000,10000,50000     # time and peak memory per class size

Generates the notebooks in a temporary folder (a realistic mix: right, partly right with
one of the typical mistakes carried through, mostly wrong, half-finished, unreadable
values; answers as a tagged Markdown table, the origin notebook's untagged table or a
printed Keras summary), grades them through ``grade_class`` (reports, results.json, the
plain and Canvas gradebooks, the overview), then measures the floor in the same run: the
same files read and a file of each report's size written, with the same parallelism.
Prints submissions per second and the ratio to the floor, and the peak resident memory of the
main process and of the largest worker. ``--sizes`` runs each class size in a fresh process and
prints one line per size (seconds, submissions/s, ms per submission — linear in the class size
when it stays flat — and peak memory). Not a test: speed is reported, never asserted.
``--profile`` grades with one process under cProfile and writes the stats.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from grader.batch import Options, grade_class  # noqa: E402

EXERCISE = ROOT / "exercises" / "cnn-8x8x3.yaml"
LAYERS = ["conv1", "pool1", "conv2", "pool2", "flatten", "fc", "out"]
CORRECT = {"conv1": ("6x6x64", 1792), "pool1": ("3x3x64", 0), "conv2": ("3x3x128", 8320),
           "pool2": ("1x1x128", 0), "flatten": ("128", 0), "fc": ("516", 66564), "out": ("5", 2585)}
# one typical mistake each, with what a student who makes it writes further down
MISTAKES = [
    {"conv1": ("6x6x64", 1728)},                                                    # forgot_bias
    {"conv1": ("6x6x64", 640), "conv2": ("3x3x128", 256)},                          # forgot_input_channels
    {"conv1": ("8x8x64", 1792), "pool1": ("4x4x64", 0), "conv2": ("4x4x128", 8320),
     "pool2": ("2x2x128", 0), "flatten": ("512", 0), "fc": ("516", 264708)},        # wrong_padding
    {"conv1": ("5x5x64", 1792), "pool1": ("2x2x64", 0), "conv2": ("2x2x128", 8320)},  # off_by_one
    {"pool2": ("2x2x128", 0), "flatten": ("512", 0), "fc": ("516", 264708)},        # pool_rounding
    {"pool1": ("64", 64), "pool2": ("1x1x128", 128)},                               # counted pool params
    {"fc": ("516", 66048), "out": ("5", 2580)},                                     # forgot_bias (dense)
]
INTRO = ("## YOUR TURN\n\nChange the input to 8 x 8 RGB images, use 3 x 3 filters with 64 feature maps in "
         "the first convolution, 1 x 1 filters with 128 maps in the second, 516 units in the dense layer "
         "and 5 labels. Fill in the table below.")
CODE = ("from keras import models, layers\n\nmodel = models.Sequential()\n"
        "model.add(layers.Conv2D(64, (3, 3), activation='relu', input_shape=(8, 8, 3)))\n"
        "model.add(layers.MaxPooling2D((2, 2)))\nmodel.add(layers.Conv2D(128, (1, 1), activation='relu'))\n"
        "model.add(layers.MaxPooling2D((2, 2)))\nmodel.add(layers.Flatten())\n"
        "model.add(layers.Dense(516, activation='relu'))\nmodel.add(layers.Dense(5, activation='softmax'))")


def answers_for(rng: random.Random) -> tuple[dict[str, tuple[str, object]], object]:
    """One student's answers: (layer -> (shape, params)), total."""
    kind = rng.random()
    rows: dict[str, tuple[str, object]] = dict(CORRECT)
    if kind < 0.40:                                   # all right
        pass
    elif kind < 0.75:                                 # one typical mistake, carried through
        rows.update(rng.choice(MISTAKES))
    elif kind < 0.85:                                 # mostly wrong
        for name in LAYERS:
            if rng.random() < 0.6:
                shape, params = rows[name]
                rows[name] = (shape if rng.random() < 0.5 else "3x3x3", int(params) + rng.randint(1, 999))
    elif kind < 0.93:                                 # stopped half-way
        cut = rng.randint(2, 6)
        rows = {k: v for k, v in rows.items() if LAYERS.index(k) < cut}
    else:                                             # unreadable values
        rows["conv1"] = ("six by six by 64", rows["conv1"][1])
        rows["fc"] = (rows["fc"][0], "a lot")
    total = sum(int(p) for _, p in rows.values() if str(p).isdigit()) if rows else ""
    if rng.random() < 0.05:
        total = int(total or 0) - 45                  # sum_mismatch
    return rows, total


def style(rng: random.Random, params: object) -> str:
    if not isinstance(params, int):
        return str(params)
    r = rng.random()
    return f"{params:,}" if r < 0.3 else f"{params}" if r < 0.9 else f"{params:_}"


def markdown_table(rows, total, rng) -> str:
    lines = ["| layer | output shape | params |", "|---|---|---|"]
    lines += [f"| {name} | {rows[name][0]} | {style(rng, rows[name][1])} |" if name in rows else f"| {name} | | |"
              for name in LAYERS]
    lines.append(f"| total | | {style(rng, total)} |")
    return "\n".join(lines)


def cell(kind: str, source: str, n: int, **extra) -> dict:
    out = {"cell_type": kind, "id": f"c{n}", "metadata": extra.pop("metadata", {}), "source": source}
    if kind == "code":
        out.update({"execution_count": n, "outputs": extra.pop("outputs", [])})
    return out


def notebook(rng: random.Random) -> dict:
    rows, total = answers_for(rng)
    table = markdown_table(rows, total, rng)
    tagged = rng.random() < 0.85
    cells = [cell("markdown", INTRO, 1), cell("code", CODE, 2),
             cell("markdown", table, 3, metadata={"tags": ["answers"]} if tagged else {})]
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def generate(folder: Path, count: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name = f"student{i:05d}_{100000 + i}_{900000 + i}_params_exercise.ipynb"
        path = folder / name
        path.write_text(json.dumps(notebook(rng), indent=1), encoding="utf-8")
        paths.append(path)
    return paths


# -- the floor: read each submission, write a file of its report's size ----------------------

def _floor_one(job: tuple[str, str, int]) -> int:
    source, target, size = job
    with open(source, "rb") as fh:
        fh.read()
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("x" * size)
    os.replace(tmp, target)
    return size


def cpu_seconds(who: int | None = None, kind: str = "both") -> float:
    """CPU time of this process and its finished children (or of ``who`` alone): the load of
    a shared machine changes it much less than it does the wall clock. ``kind``: user (the
    Python work), system (the kernel's: files) or both."""
    total = 0.0
    for usage in ((who,) if who is not None else (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)):
        used = resource.getrusage(usage)
        total += (used.ru_utime if kind != "system" else 0) + (used.ru_stime if kind != "user" else 0)
    return total


def floor(jobs: list[tuple[str, str, int]], workers: int) -> float:
    started = time.perf_counter()
    if workers <= 1:
        for job in jobs:
            _floor_one(job)
    else:
        chunk = max(1, min(32, len(jobs) // (workers * 16)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(_floor_one, jobs, chunksize=chunk):
                pass
    return time.perf_counter() - started


def peak_rss_mb(who: int) -> float:
    """Peak resident memory in MB of this process (RUSAGE_SELF) or of its largest finished child."""
    kb = resource.getrusage(who).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def sizes(counts: list[int], jobs: int) -> int:
    """Each class size graded in a fresh process: time, rate and peak memory per size."""
    print(f"{'submissions':>11} {'seconds':>8} {'per second':>11} {'ms each':>8} {'main MB':>8} {'worker MB':>9}")
    for count in counts:
        run = subprocess.run([sys.executable, __file__, "--count", str(count), "--jobs", str(jobs), "--json"],
                             capture_output=True, text=True, check=True)
        m = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"{count:>11,} {m['seconds']:>8.2f} {count / m['seconds']:>11,.0f} {1000 * m['seconds'] / count:>8.3f} "
              f"{m['main_mb']:>8.0f} {m['worker_mb']:>9.0f}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (reused when present)")
    parser.add_argument("--profile", metavar="FILE", help="grade in one process under cProfile, stats to FILE")
    parser.add_argument("--sizes", metavar="N,N,...", help="class sizes to run one after the other")
    parser.add_argument("--json", action="store_true", help="grade only, and print the figures as one JSON line")
    args = parser.parse_args(argv)
    if args.sizes:
        return sizes([int(n) for n in args.sizes.split(",")], args.jobs)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-grade-"))
    subs = work / "submissions"
    try:
        started = time.perf_counter()
        existing = sorted(subs.glob("*.ipynb")) if subs.is_dir() else []
        files = existing if len(existing) == args.count else generate(subs, args.count)
        if not args.json:
            print(f"{len(files):,} notebooks in {subs} ({time.perf_counter() - started:.1f} s to prepare, "
                  f"{sum(p.stat().st_size for p in files) / len(files) / 1024:.1f} KiB each)")

        out = work / "graded"
        shutil.rmtree(out, ignore_errors=True)
        options = Options(out=out, jobs=1 if args.profile else args.jobs, gradebook=("csv", "canvas"))
        if args.profile:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        started, cpu, parent = time.perf_counter(), cpu_seconds(), cpu_seconds(resource.RUSAGE_SELF)
        kernel = cpu_seconds(kind="system")
        outcome = grade_class(str(EXERCISE), [str(subs)], options)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        parent = cpu_seconds(resource.RUSAGE_SELF) - parent
        kernel = cpu_seconds(kind="system") - kernel
        if args.profile:
            profiler.disable()
            profiler.dump_stats(args.profile)
        records = outcome.records
        main_mb, worker_mb = peak_rss_mb(resource.RUSAGE_SELF), peak_rss_mb(resource.RUSAGE_CHILDREN)
        if args.json:
            print(json.dumps({"count": len(records), "seconds": seconds, "main_mb": main_mb, "worker_mb": worker_mb}))
            return 0
        graded = sum(1 for r in records if r.gradable)
        rate = len(records) / seconds
        print(f"graded   {len(records):,} submissions ({graded:,} gradable) in {seconds:.2f} s: "
              f"{rate:,.0f} submissions/s with {options.jobs} process(es); "
              f"{1000 * cpu / len(records):.2f} ms CPU each "
              f"({1000 * parent / len(records):.2f} ms of it in the main process, "
              f"{1000 * kernel / len(records):.2f} ms in the kernel)")
        print(f"         on {args.jobs} idle cores that CPU time would allow about "
              f"{len(records) / max(cpu / args.jobs, parent):,.0f} submissions/s")
        print(f"memory   peak {main_mb:.0f} MB in the main process, {worker_mb:.0f} MB in the largest worker")

        sizes_of = {i: (out / r.report).stat().st_size for i, r in enumerate(records)}
        floor_out = work / "floor"
        shutil.rmtree(floor_out, ignore_errors=True)
        floor_out.mkdir()
        jobs = [(str(files[i]), str(floor_out / f"{i}.html"), sizes_of[i]) for i in range(len(files))]
        cpu_floor, kernel_floor = cpu_seconds(), cpu_seconds(kind="system")
        base = floor(jobs, options.jobs)
        cpu_floor, kernel_floor = cpu_seconds() - cpu_floor, cpu_seconds(kind="system") - kernel_floor
        print(f"floor    {len(jobs):,} reads + report-sized writes in {base:.2f} s: "
              f"{len(jobs) / base:,.0f} files/s; {1000 * cpu_floor / len(jobs):.2f} ms CPU each "
              f"({1000 * kernel_floor / len(jobs):.2f} ms in the kernel)")
        print(f"ratio    {seconds / base:.2f}x the floor in wall time, {cpu / cpu_floor:.2f}x in CPU time "
              f"(goal: >= 1,000 submissions/s)")
        print(f"load     {os.getloadavg()[0]:.1f} (1-minute load average of a machine with {os.cpu_count()} cores)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
