"""What a task running in a worker thread sees of its runner: stop requests and a way to report.

Qt-free, so that the work itself (a sweep, the live experiment's play loop) is plain Python that
tests can run directly; :class:`engine.live.task_runner.TaskRunner` hosts it in a thread of the
window's process, :mod:`engine.live.process` in the engine's. The split follows Orange3's
``TaskState``: the runner asks, the task checks cooperatively between two steps.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass


class TaskCancelled(Exception):
    """Raised by :meth:`TaskState.check` when the runner asked the task to stop."""


class TaskState:
    """One task's side of the conversation with its runner (thread-safe).

    ``interrupt`` asks the task to stop at its next check and keeps what it reported (a paused
    play loop); ``cancel`` also tells the runner to drop its reports (a sweep whose settings
    changed). Either wakes a task sleeping in :meth:`wait`.
    """

    def __init__(self, generation: int = 0, report: Callable[[object], None] | None = None):
        self.generation = generation
        self._report = report or (lambda payload: None)
        self._stop = threading.Event()
        self._cancelled = False

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def cancelled(self) -> bool:
        """Stopped and disowned: the runner drops whatever this task still reports."""
        return self._cancelled

    def interrupt(self) -> None:
        self._stop.set()

    def cancel(self) -> None:
        self._cancelled = True
        self._stop.set()

    def check(self) -> None:
        """Raise :class:`TaskCancelled` if the task was asked to stop."""
        if self._stop.is_set():
            raise TaskCancelled

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once on a stop request; True if one came."""
        return self._stop.wait(max(0.0, seconds))

    def report(self, payload: object) -> None:
        """Send a partial result to the runner's owner (delivered in the owner's thread)."""
        if not self._cancelled:
            self._report(payload)


@dataclass(frozen=True)
class TaskName:
    """A module-level task function named by its module and name. The window names the engine's
    tasks so without importing their modules (and torch); calling it imports the module, which
    happens in the engine process (or in a thread of a view made on its own)."""

    module: str
    name: str

    def __call__(self, state: TaskState, *args: object) -> object:
        return getattr(importlib.import_module(self.module), self.name)(state, *args)
