"""Load benchmark of ``grader serve``: simulated students posting checks to a real server.

    python tests/bench/bench_serve.py [--students 200] [--seconds 30] [--workers 2] [--mode class|practice]

Starts ``grader serve`` (class mode: a roster of --students, a data folder; practice mode:
nothing stored) with --workers processes on 127.0.0.1, then runs --students concurrent
clients, each on its own keep-alive connection, posting ``POST /api/exercises/<id>/check``
for --seconds at --rate checks a second in all (answers of three kinds: right, forgot-bias,
half unreadable), then the same clients asking ``GET /`` as fast as it answers, for a third
of that time, as the baseline of the same server (the ratio compares the checks' rate with
it, so run with --rate 0 for the ratio of the two capacities). Prints
checks/s, p50/p99 latency, errors, the ratio to GET /, the machine's load, and in class
mode whether the stored submissions (database rows with a file, and files on disk) equal
the accepted checks. Not a test: speed is reported, never asserted. Only 127.0.0.1 is used.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = "cnn-8x8x3"
RIGHT = {"conv1": ("6x6x64", "1792"), "pool1": ("3x3x64", "0"), "conv2": ("3x3x128", "8320"),
         "pool2": ("1x1x128", "0"), "flatten": ("128", "0"), "fc": ("516", "66564"), "out": ("5", "2585")}


def bodies() -> list[bytes]:
    def body(layers: dict, total: str) -> bytes:
        return json.dumps({"layers": {k: {"output_shape": s, "params": p} for k, (s, p) in layers.items()},
                           "total_params": total}).encode()
    forgot = {**RIGHT, "conv1": ("6x6x64", "1728")}
    half = {k: (s, "?" if i % 2 else p) for i, (k, (s, p)) in enumerate(RIGHT.items())}
    return [body(RIGHT, "79,261"), body(forgot, "79197"), body(half, "lots")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, args: argparse.Namespace, port: int) -> tuple[subprocess.Popen, dict[str, str]]:
    exercises = folder / "exercises"
    exercises.mkdir()
    shutil.copy(ROOT / "exercises" / f"{EXERCISE}.yaml", exercises)
    command = [sys.executable, "-m", "grader", "serve", str(exercises), "--port", str(port),
               "--workers", str(args.workers)]
    if args.mode == "class":
        roster = folder / "roster.csv"
        roster.write_text("student,name,email\n" + "".join(f"s{i:04d},Student {i},s{i}@example.edu\n"
                                                           for i in range(args.students)))
        command += ["--roster", str(roster), "--data", str(folder / "data")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server did not start:\n{server.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.2)
    tokens: dict[str, str] = {}
    if args.mode == "class":
        with open(folder / "data" / "tokens.csv", encoding="utf-8") as fh:
            tokens = {row["student"]: row["token"] for row in csv.DictReader(fh)}
    time.sleep(1.0)  # every worker up
    return server, tokens


async def client(port: int, requests: list[bytes], start: float, interval: float, stop: float,
                 latencies: list[float], counts: dict) -> None:
    """One student on one keep-alive connection, opened when they arrive (``start``: the
    students arrive spread over one interval, as a class does, not as one burst of connections
    that the first worker to wake would take): a request every ``interval`` seconds from
    ``start`` (at once when the last reply came late; interval 0: no pause) until ``stop``."""
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while True:
            due = start + n * interval
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
            if time.perf_counter() >= stop:
                break
            started = time.perf_counter()
            writer.write(requests[n % len(requests)])
            n += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            counts[status] = counts.get(status, 0) + 1
            if b"connection: close" in head.lower():
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except (ConnectionError, asyncio.IncompleteReadError) as exc:
        counts[type(exc).__name__] = counts.get(type(exc).__name__, 0) + 1
    finally:
        writer.close()


def request(method: str, path: str, token: str | None, body: bytes = b"") -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    if body or method == "POST":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def phase(port: int, per_client: list[list[bytes]], seconds: float, rate: float) -> tuple[list[float], dict, float]:
    """Every client at once; ``rate`` requests a second in all (0: as fast as replies come)."""
    latencies: list[float] = []
    counts: dict = {}
    started = time.perf_counter()
    stop = started + seconds
    n = len(per_client)
    interval = n / rate if rate else 0.0
    await asyncio.gather(*(client(port, reqs, started + i * interval / n, interval, stop, latencies, counts)
                           for i, reqs in enumerate(per_client)))
    return latencies, counts, time.perf_counter() - started


def report(name: str, latencies: list[float], counts: dict, seconds: float) -> float:
    ok = counts.get(200, 0)
    errors = sum(v for k, v in counts.items() if k != 200)
    rate = ok / seconds
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(f"{name:>12}: {rate:8,.0f}/s  p50 {cuts[49] * 1000:6.1f} ms  p99 {cuts[98] * 1000:6.1f} ms  "
          f"{ok:,} ok, {errors} errors {dict((k, v) for k, v in counts.items() if k != 200) or ''}")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200, help="concurrent simulated students (default 200)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the checks phase (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--mode", choices=("class", "practice"), default="class")
    parser.add_argument("--rate", type=float, default=600.0,
                        help="checks a second asked of the server, spread over the students (default 600, "
                             "each student every students/rate seconds); 0: each student posts again as soon "
                             "as the reply comes (saturation: latency is then students / throughput)")
    args = parser.parse_args()
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        folder = Path(tmp)
        server, tokens = start_server(folder, args, port)
        try:
            load_before = os.getloadavg()
            ids = [f"s{i:04d}" for i in range(args.students)]
            kinds = bodies()
            check_path = f"/api/exercises/{EXERCISE}/check"
            checks = [[request("POST", check_path, tokens.get(s), kinds[(i + k) % 3]) for k in range(3)]
                      for i, s in enumerate(ids)]
            pages = [[request("GET", "/", tokens.get(s))] for s in ids]
            print(f"grader serve, {args.mode} mode, {args.workers} workers, {args.students} students, "
                  f"{os.cpu_count()} cores; load average before {load_before[0]:.2f}")
            print(f"asked: {args.rate:,.0f} checks/s" if args.rate else "asked: as many checks as the server answers")
            lat, counts, secs = asyncio.run(phase(port, checks, args.seconds, args.rate))
            load_during = os.getloadavg()
            checks_rate = report("checks", lat, counts, secs)
            lat2, counts2, secs2 = asyncio.run(phase(port, pages, max(5.0, args.seconds / 3), 0))
            page_rate = report("GET /", lat2, counts2, secs2)
            print(f"checks / GET /: {checks_rate / page_rate:.2f}; load average after the checks "
                  f"{load_during[0]:.2f} (1 min), {load_during[1]:.2f} (5 min)")
            if args.mode == "class":
                db = sqlite3.connect(folder / "data" / "grader.sqlite")
                rows = db.execute("SELECT count(*) FROM submissions WHERE file != ''").fetchone()[0]
                files = sum(1 for _ in (folder / "data" / "submissions").rglob("*.json"))
                accepted = counts.get(200, 0)
                print(f"stored: {rows:,} rows with a file, {files:,} files; accepted {accepted:,}: "
                      + ("equal" if rows == files == accepted else "DIFFERENT"))
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
