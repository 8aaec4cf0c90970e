"""Micro benchmark of grader.values: parse 100,000 typical answer values.

    python tests/bench/bench_values.py [--count 100000] [--repeat 3]

Prints the time per value for each kind of value a class hands in (plain numbers,
separators, worked arithmetic, the origin notebook's rows with prose, shapes in every
spelling) and for the whole mix. Not a test: speed is reported, never asserted.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from grader.errors import AnswerFormatError  # noqa: E402
from grader.values import is_blank, parse_count, parse_shape  # noqa: E402

CASES = {
    "count plain": (parse_count, ["1792", "0", "66564", "2585", "79261"]),
    "count separators": (parse_count, ["1,792", "9'248", "1 792", "1.792", "--", "205\u2019056"]),
    "count arithmetic": (parse_count, ["(3*3*3+1)*64", "(3x3x3+1)x64", "(3 \u00b7 3 \u00b7 3 + 1) \u00d7 64",
                                       "(128+1)*516 = 66,564", "(5* 5* 1+1)* 32 = 832"]),
    "count with prose": (parse_count, [
        "(5* 5* 1+1)* 32   =     832 ((shape of width of the filter * shape of height of the filter+1) "
        "* number of filters)",
        "So in your network, you have a total of 832 + 9'248 + 205'056 + 2'570 = 217'706 learnable parameters.",
        "Total params: 79,261 (309.61 KB)", "Total: 79,261", "1792 params"]),
    "count unreadable": (parse_count, ["six", "1.5", "1792 or 1728", "(3*3*3+1*64"]),
    "shape plain": (parse_shape, ["6x6x64", "128", "32x24x24", "1x28x28"]),
    "shape spelled": (parse_shape, ["(None, 6, 6, 64)", "6 \u00d7 6 \u00d7 64", "[6,6,64]", "(128,)",
                                    "(28-(5-1))=24 -> 32x24x24", "6 X 6 X 64"]),
    "blank check": (is_blank, ["", "?", "TODO", "1792", "6x6x64", "YOUR ANSWER HERE"]),
}


def run(fn, values: list[str], count: int) -> float:
    """Seconds to call fn on `count` values cycling through `values`."""
    batch = (values * (count // len(values) + 1))[:count]
    start = time.perf_counter()
    for text in batch:
        try:
            fn(text)
        except AnswerFormatError:
            pass
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"{'values':<18} {'per value':>10} {'per 100,000':>12}")
    for label, (fn, values) in CASES.items():
        best = min(run(fn, values, args.count) for _ in range(args.repeat))
        print(f"{label:<18} {best / args.count * 1e6:>8.2f}us {best:>11.3f}s")

    # A class's worth of answers: mostly plain numbers and shapes, some working and prose.
    weights = {"count plain": 6, "shape plain": 6, "count separators": 3, "shape spelled": 3}
    mix = [(f, v) for label, (f, values) in CASES.items() for v in values for _ in range(weights.get(label, 1))]
    batch = (mix * (args.count // len(mix) + 1))[:args.count]

    def mixed() -> float:
        start = time.perf_counter()
        for fn, text in batch:
            try:
                fn(text)
            except AnswerFormatError:
                pass
        return time.perf_counter() - start

    best = min(mixed() for _ in range(args.repeat))
    print(f"{'typical mix':<18} {best / args.count * 1e6:>8.2f}us {best:>11.3f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
