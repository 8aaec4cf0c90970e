"""Benchmark of the engine: solving VGG16 and generated models of growing depth.

    python tests/bench/bench_solve.py [--repeat 5]

Prints, in one run: the time to load + solve VGG16 and a 1,000-layer model; the same
models built in real Keras 3 with ``count_params()`` (when Keras is installed) and the
ratio; and the cost per layer for 125 to 2,000 layers, which must stay flat (linear
growth). Not a test: speed is reported, never asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "torch")

from grader.exercise import load_exercise, load_exercise_text  # noqa: E402


def deep_model(n_layers: int) -> str:
    """A valid Keras model of ``n_layers`` layers: blocks of Dense, BatchNormalization, Dropout."""
    lines = ["id: deep", "framework: keras", "input_shape: [64]", "layers:"]
    kinds = ("{type: Dense, units: 64}", "{type: BatchNormalization}", "{type: Dropout, rate: 0.1}")
    for i in range(n_layers):
        lines.append(f"  - {kinds[i % 3]}")
    return "\n".join(lines) + "\n"


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def keras_time(exercise, repeat: int) -> float | None:
    try:
        from grader.frameworks.keras import build_keras_model
        import keras  # noqa: F401
    except ImportError:
        return None
    sys.setrecursionlimit(20_000)  # Keras walks a functional graph recursively, a level per layer
    return best_of(lambda: build_keras_model(exercise).count_params(), max(1, repeat // 2))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    vgg_path = ROOT / "exercises" / "vgg16.yaml"
    deep_text = deep_model(1000)
    cases = []
    if vgg_path.exists():
        cases.append(("VGG16", lambda: load_exercise(vgg_path)))
    cases.append(("1,000 layers", lambda: load_exercise_text(deep_text, "deep")))

    print(f"{'model':<14} {'grader':>10} {'keras':>10} {'keras/grader':>13}")
    for label, load in cases:
        ours = best_of(load, args.repeat)
        theirs = keras_time(load(), args.repeat)
        ratio = f"{theirs / ours:>12.1f}x" if theirs else "   (no keras)"
        theirs_text = f"{theirs * 1e3:>8.1f}ms" if theirs else "         -"
        print(f"{label:<14} {ours * 1e3:>8.2f}ms {theirs_text} {ratio}")

    print("\nlinearity: cost per layer should stay flat as the model grows")
    print(f"{'layers':>7} {'total':>10} {'per layer':>11}")
    per_layer = []
    for n in (125, 250, 500, 1000, 2000):
        text = deep_model(n)
        t = best_of(lambda text=text: load_exercise_text(text, "deep"), args.repeat)
        per_layer.append(t / n)
        print(f"{n:>7} {t * 1e3:>8.2f}ms {t / n * 1e6:>9.1f}us")
    spread = max(per_layer) / statistics.median(per_layer)
    print(f"largest per-layer cost / median: {spread:.2f} (about 1 means linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
