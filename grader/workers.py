"""A small pool of worker processes for a class run.

Jobs go out one at a time to each worker over its own pipe, so the parent always knows which
job a worker holds. Results come back in job order. A worker that dies — killed by the
kernel's OOM killer, or by a crash in a library — loses only the job it held: that job is
retried once in a fresh worker (a job of several files, one file at a time), then reported
lost with the reason. Workers exit on their own when the parent process is gone, so a
``kill -9`` of the parent leaves no worker running.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Generic, Iterator, Sequence, TypeVar

J = TypeVar("J")   # one unit of work (a file)
R = TypeVar("R")   # what working on it gives

POLL_SECONDS = 1.0  # how often an idle worker checks that its parent is alive


@dataclass(frozen=True)
class Lost(Generic[J]):
    """A unit of work whose worker died twice while working on it."""

    unit: J
    reason: str


class WorkerError(Exception):
    """The work function raised: the run cannot go on (a broken template, say)."""


def run(units: Sequence[J], work: Callable[[Sequence[J]], list[R]], *, processes: int,
        init: Callable[..., None], initargs: tuple = (), chunk: int = 1) -> Iterator[tuple[J, R | Lost[J]]]:
    """Every unit with its result (or :class:`Lost`), in the order of ``units``.

    ``work`` takes a list of units and returns one result per unit; it runs in ``processes``
    worker processes, each set up once with ``init(*initargs)`` (in this process when
    ``processes`` is 1). An exception from ``work`` stops the run as a :class:`WorkerError`.
    """
    if processes <= 1:
        init(*initargs)
        for unit in units:
            yield unit, _call(work, [unit])[0]
        return
    jobs = [list(range(i, min(i + chunk, len(units)))) for i in range(0, len(units), chunk)]
    yield from _Pool(units, work, processes, init, initargs).results(jobs)


def _call(work: Callable[[Sequence[J]], list[R]], batch: Sequence[J]) -> list[R]:
    try:
        return work(batch)
    except Exception as exc:  # noqa: BLE001 - the pool's boundary: reported to the parent as one error
        raise WorkerError(f"{type(exc).__name__}: {exc}") from exc


def _worker(conn: Connection, work: Callable, init: Callable, initargs: tuple, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    init(*initargs)
    while True:
        if not conn.poll(POLL_SECONDS):
            if os.getppid() != parent:  # the parent is gone: nobody will read what we do
                return
            continue
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        try:
            conn.send(("ok", work(batch)))
        except Exception as exc:  # noqa: BLE001 - sent to the parent, which stops the run
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Pool(Generic[J, R]):
    def __init__(self, units: Sequence[J], work: Callable, processes: int, init: Callable, initargs: tuple):
        self.units = units
        self.work = work
        self.processes = processes
        self.init, self.initargs = init, initargs
        self.context = multiprocessing.get_context()
        self.workers: dict[Connection, tuple[Any, list[int] | None, int]] = {}  # conn -> (process, job, attempt)

    def _start(self) -> Connection:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(target=_worker, daemon=True,
                                       args=(child_end, self.work, self.init, self.initargs, os.getpid()))
        process.start()
        child_end.close()
        self.workers[parent_end] = (process, None, 0)
        return parent_end

    def results(self, jobs: list[list[int]]) -> Iterator[tuple[J, R | Lost[J]]]:
        queue: list[tuple[list[int], int]] = [(job, 0) for job in reversed(jobs)]  # popped from the end
        done: dict[int, R | Lost[J]] = {}
        following = 0
        try:
            while queue or any(job is not None for _, job, _ in self.workers.values()):
                while len(self.workers) < self.processes and queue:
                    self._start()
                for conn, (_, job, _) in list(self.workers.items()):
                    if job is None and queue:
                        self._give(conn, queue)
                ready = wait([*self.workers, *(p.sentinel for p, _, _ in self.workers.values())])
                for conn, (process, _, _) in list(self.workers.items()):
                    if conn in ready:
                        self._receive(conn, done)
                    if process.sentinel in ready or not process.is_alive():
                        process.join()
                        self._died(conn, queue, done)
                while following in done:
                    yield self.units[following], done.pop(following)
                    following += 1
        finally:
            self._stop()

    def _give(self, conn: Connection, queue: list[tuple[list[int], int]]) -> None:
        process, _, _ = self.workers[conn]
        job, attempt = queue.pop()
        try:
            conn.send([self.units[i] for i in job])
        except OSError:  # it died before it could take the job: the job goes back, untried
            queue.append((job, attempt))
            return
        self.workers[conn] = (process, job, attempt)

    def _receive(self, conn: Connection, done: dict[int, Any]) -> None:
        process, job, attempt = self.workers[conn]
        try:
            status, payload = conn.recv()
        except (EOFError, OSError):  # it died: its sentinel says so
            return
        if status == "error":
            raise WorkerError(payload)
        for i, result in zip(job or [], payload):
            done[i] = result
        self.workers[conn] = (process, None, 0)

    def _died(self, conn: Connection, queue: list[tuple[list[int], int]], done: dict[int, Any]) -> None:
        process, job, attempt = self.workers.pop(conn)
        conn.close()
        if not job:
            return
        if attempt == 0:  # once more, each unit on its own, in a fresh worker
            queue.extend(([i], 1) for i in reversed(job))
            return
        code = process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        for i in job:
            done[i] = Lost(self.units[i], f"the process grading it stopped twice ({how}); "
                                          "it may need more memory than the machine has")

    def _stop(self) -> None:
        for conn in self.workers:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        for conn, (process, _, _) in self.workers.items():
            process.join(timeout=2)
            if process.is_alive():
                process.terminate()
                process.join()
            conn.close()
        self.workers.clear()
