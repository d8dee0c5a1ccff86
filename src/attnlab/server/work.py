"""Work, bounded: one model capture at a time, a short queue per model, then 503 with Retry-After;
and `HeavyGate`, at most a few map computations at a time (overviews, pooled tiles, lse, page data).

Why one at a time for the whole process, not per model: the capture records into a process-wide
recorder (`models.capture.recording`), so two forward passes in parallel threads would mix their
layers; on a 2-core CPU a second pass in parallel would not finish sooner anyway. Each model may have
`queue` jobs waiting behind the running one; the next gets `Busy` (answered 503 + Retry-After).

A job that a client stopped waiting for (it went away) is cancelled while it still waits; one that
has started runs to its end (a forward pass cannot be interrupted safely) and its trace is kept, so
asking again finds it. Jobs for the same trace id are shared: the second asker waits for the first.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from .messages import ServerError

T = TypeVar("T")


class Busy(ServerError):
    """A queue is full (503); `retry_after` says when to try again, in seconds."""

    status = 503

    def __init__(self, key: str, retry_after: int, **fields: Any) -> None:
        super().__init__(key, **fields)
        self.retry_after = retry_after


class Job:
    """One unit of model work and what it is doing now."""

    def __init__(self, key: str, model: str, fn: Callable[[Job], Any]) -> None:
        self.key = key  # what it makes (a trace id, or a trace id + "/stats"): equal keys share a job
        self.model = model  # the model whose queue it waits in
        self.fn = fn  # runs in the worker thread; reports through job.say()
        self.future: concurrent.futures.Future = concurrent.futures.Future()
        self.state = "queued"  # queued | running | done | failed | cancelled
        self.message = ""  # what it is doing, for progress
        self.started = self.finished = 0.0  # time.monotonic() stamps
        self.waiters = 0  # requests waiting on it; the last to leave a queued job cancels it
        self.progress: Callable[[], dict[str, Any]] | None = None  # extra live numbers (layers captured)

    def say(self, message: str, progress: Callable[[], dict[str, Any]] | None = None) -> None:
        self.message, self.progress = message, progress

    def snapshot(self) -> dict[str, Any]:
        out = {"state": self.state, "message": self.message}
        if self.started:
            out["elapsed_s"] = round((self.finished or time.monotonic()) - self.started, 2)
        if self.progress is not None and self.state == "running":
            out.update(self.progress())
        return out


class Worker:
    """One thread running jobs in order; per-model queue limits (see the module docstring)."""

    def __init__(self, queue: int) -> None:
        self.queue = queue  # jobs that may wait per model behind the running one
        self._jobs: deque[Job] = deque()
        self._by_key: dict[str, Job] = {}
        self._running: Job | None = None
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="attnlab-model-worker", daemon=True)
        self._thread.start()

    def submit(self, key: str, model: str, fn: Callable[[Job], Any]) -> Job:
        """The job making `key` (an existing one if queued or running), counted as one more waiter."""
        with self._cv:
            job = self._by_key.get(key)
            if job is None:
                waiting = sum(1 for j in self._jobs if j.model == model)
                if waiting >= self.queue:
                    raise Busy("srv_queue_full", self.retry_after(), model=model, waiting=waiting)
                job = Job(key, model, fn)
                self._jobs.append(job)
                self._by_key[key] = job
                self._cv.notify()
            job.waiters += 1
            return job

    def leave(self, job: Job) -> None:
        """A waiter went away (or got its answer); the last one leaving a queued job cancels it."""
        with self._cv:
            job.waiters -= 1
            if job.waiters <= 0 and job.state == "queued":
                job.state = "cancelled"
                self._jobs.remove(job)
                self._by_key.pop(job.key, None)
                job.future.cancel()

    def position(self, job: Job) -> int:
        """0: running; n: n-th in the queue (of all models); -1: finished."""
        with self._cv:
            if job is self._running:
                return 0
            try:
                return list(self._jobs).index(job) + 1
            except ValueError:
                return -1

    def retry_after(self) -> int:
        """Seconds worth waiting before asking again: what the running job has been taking, at least 2."""
        running = self._running
        return max(2, min(120, int(time.monotonic() - running.started) + 2 if running else 2))

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._jobs:
                    self._cv.wait()
                job = self._jobs.popleft()
                job.state, job.started, self._running = "running", time.monotonic(), job
            try:
                result = job.fn(job)
            except BaseException as e:  # handed to the waiter, which answers 4xx (or 500 for a bug)
                job.state = "failed"
                job.future.set_exception(e)
            else:
                job.state = "done"
                job.future.set_result(result)
            finally:
                job.finished = time.monotonic()
                with self._cv:
                    self._running = None
                    self._by_key.pop(job.key, None)


class HeavyGate:
    """Computations over a whole head (an overview, a pooled tile, lse, page data): at most `running` at a
    time in worker threads; when `waiting` more already wait, the next gets Busy (503 + Retry-After).

    Why here and not in the routes: the count is state every request shares, like the model queue;
    a route only asks the gate to run its call.
    """

    def __init__(self, running: int = 2, waiting: int = 8) -> None:
        self.limit = waiting  # computations that may wait for a slot before Busy
        self._slots = threading.BoundedSemaphore(running)  # computations running now
        self._waiting = 0  # computations waiting for a slot
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in a thread once a slot is free; Busy when too many already wait."""
        with self._lock:
            if self._waiting >= self.limit:
                raise Busy("srv_maps_busy", 2, waiting=self._waiting)
            self._waiting += 1

        def run() -> T:
            with self._slots:
                with self._lock:
                    self._waiting -= 1
                return fn(*args)

        return await asyncio.to_thread(run)  # a cancelled request still runs `run` to its end: counts stay right
