"""The engine process's tie to the window, set up before it imports torch: its priority, its
watch on its parent, its way out. Torch-free, so that it holds from the process's first moment
(importing torch takes a second or more, longer on a busy machine)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

PARENT_POLL = 0.25  # seconds between two looks at whether the window's process is still there
NICENESS = 5  # the engine yields the CPU to the window when both want it: on two busy cores
# the window then redrew 46-48 times a second (p99 lateness 13-18 ms) instead of 16-37 (22-152),
# and the engine stepped as fast (benchmarks/gui_responsiveness.py, four runs each); set first,
# so that it holds while both processes import


def hold(parent_pid: int) -> None:
    """Ignore Ctrl+C (the window answers it, then ends us), run at :data:`NICENESS` and end
    once ``parent_pid`` is no longer the parent (it was killed: nobody closed the pipe)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):  # POSIX; Windows keeps the normal priority
        with contextlib.suppress(OSError):
            os.nice(NICENESS)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL)
    exit_now()


def exit_now() -> None:
    """End now: the service threads may be inside a step, and nothing of theirs needs saving."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # closed, or None
            stream.flush()
    os._exit(0)
