"""What the window and the engine process say to each other: plain frozen dataclasses, pickled.

Commands go to a *service* of the engine process (``"live"``, ``"landscape"``, ``"sweep"``,
``"check"``: a student's rule against a built-in):
each service runs its tasks one at a time on a thread of its own, numbered by the window
(``generation``), as :class:`engine.live.task_runner.TaskRunner` runs them in a thread. Replies name
the service and the task they come from. Payloads are numpy arrays and frozen dataclasses,
never tensors nor anything holding them (a map carries its problem's class, not an instance):
unpickling one would import torch in the window. Tasks the window starts are named
(:class:`engine.core.tasks.TaskName`), so that naming one imports nothing of torch either.

Every message is pickled with the standard :mod:`pickle` (protocol 5) into one ``send_bytes``
of a ``multiprocessing`` pipe: ``benchmarks/transport.py`` measured that, at 512 runs, cheaper
than shared memory for the 60-a-second updates once each update leaves out the run keys, which
the window has from the experiment's announcement (:meth:`LossUpdate.with_runs`). Imports
nothing of the engine, so that the window can start the engine process before it imports torch.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

LIVE, LANDSCAPE, SWEEP, CHECK, EXPORT = "live", "landscape", "sweep", "check", "export"
SERVICES = (LIVE, LANDSCAPE, SWEEP, CHECK, EXPORT)

Work = Callable[..., object] | str  # a module-level function, or a method of the service's host


# --- to the engine -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submit:
    """Run ``work(state, *args)`` on ``service``'s thread after its unfinished tasks, which are
    first interrupted (``interrupt``) or cancelled too (``cancel``: their reports dropped)."""

    service: str
    generation: int
    work: Work
    args: tuple = field(default=())
    interrupt: bool = True
    cancel: bool = False


@dataclass(frozen=True)
class Stop:
    """Interrupt (or cancel) every unfinished task of ``service``."""

    service: str
    cancel: bool = False


@dataclass(frozen=True)
class Assign:
    """Set ``service``'s host's attribute ``name`` now, between two chunks of its running task
    (the live session's speed, followed run, viewed step, sharpness; one immutable value)."""

    service: str
    name: str
    value: Any


@dataclass(frozen=True)
class Quit:
    """End the engine process."""


# --- to the window -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The engine process is up and reading commands."""

    pid: int
    threads: int  # torch's thread count when it started


@dataclass(frozen=True)
class Began:
    """A task has begun on its service's thread (the ones before it have ended)."""

    service: str
    generation: int


@dataclass(frozen=True)
class Reported:
    service: str
    generation: int
    payload: Any


@dataclass(frozen=True)
class Finished:
    service: str
    generation: int
    result: Any


@dataclass(frozen=True)
class Failed:
    service: str
    generation: int
    message: str


# --- the wire ----------------------------------------------------------------------------------


def send(connection: Connection, message: object) -> None:
    connection.send_bytes(pickle.dumps(message, protocol=5))


def receive(connection: Connection) -> object:
    """The next message; ``EOFError`` once the other end has gone."""
    return pickle.loads(connection.recv_bytes())
