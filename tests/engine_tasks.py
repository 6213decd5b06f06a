"""Tasks the tests send to the engine process (pickled by name: module-level functions).

``slowed`` registers, in whichever process runs it, a problem whose gradient waits: the bowl,
each step held up by ``seconds`` once :func:`hold_steps` says so. Tests run both tasks on the
engine's live service, and register the problem in their own process too (a config names it).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import torch

from engine.core.tasks import TaskState
from engine.problems import PROBLEMS
from engine.problems.surfaces import Bowl

_held = threading.Event()  # set: a step waits until released (never, within a test)
_delay: dict = {"seconds": 0.0, "marker": None}  # and a file a held step creates as it begins


class HeldBowl(Bowl):
    """The elongated bowl, whose every step waits ``_delay`` seconds while ``_held`` is set."""

    name = "held-bowl"

    def loss_and_gradient(self, flat: torch.Tensor, data=None):
        if _held.is_set():
            if _delay["marker"] is not None:
                Path(_delay["marker"]).touch()
            threading.Event().wait(_delay["seconds"])
        return super().loss_and_gradient(flat, data)


def register_held_bowl(state: TaskState | None = None) -> int:
    """Make the held bowl a known problem here; returns this process's id."""
    PROBLEMS[HeldBowl.name] = HeldBowl
    return os.getpid()


def hold_steps(state: TaskState, seconds: float, marker: str | None = None) -> None:
    """From now on every step of the held bowl takes ``seconds`` more; with ``marker``, each
    held step first creates that file (a test then knows a step is under way)."""
    _delay["seconds"] = seconds
    _delay["marker"] = marker
    _held.set()


def block(state: TaskState, seconds: float) -> None:
    """A computation that does not look at its stop requests for ``seconds``."""
    threading.Event().wait(seconds)


def crash(state: TaskState) -> None:
    """End the process as a crash would: no goodbye, exit code 3."""
    os._exit(3)


def limit_memory(state: TaskState, available: int) -> None:
    """Make the engine process believe the machine has ``available`` bytes of memory left."""
    from engine.experiment import memory

    memory.available_memory = lambda: available
