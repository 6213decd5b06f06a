"""How often the window redraws and what its status line says.

Curves redraw on one coalescing timer whose interval follows what painting costs, so that
drawing never takes more than a share of the GUI thread; text (status line, tables) refreshes a
few times a second, which is as fast as anyone reads.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QGraphicsScene

from engine.experiment.runs import RunStatus
from engine.live.messages import LossUpdate

TEXT_REFRESH_MS = 250  # status line and table: a few times a second, not per frame
# at most 60 redraws a second, the display's rate (the engine computes in a process of its own)
MIN_REDRAW_MS, MAX_REDRAW_MS = 16, 100
PAINT_SHARE = 0.7  # the most of the GUI thread's time that redrawing may take: the rest is
# for input, which waits at most one frame (0.3 while the engine shared the thread's GIL, 0.5
# until the Sharpness view's 512 runs, 15 ms a frame, redrew only 33 times a second)
SPEED_STEPS = 61  # slider positions 0..60 are 10^(p/20): 1 to 1000 steps/s; 61 is "max"
DEFAULT_SPEED_POSITION = 40  # 100 steps/s: the article's 1,000 steps in ten seconds
STATUS_NAMES = {
    RunStatus.RUNNING: "running",
    RunStatus.CONVERGED: "converged",
    RunStatus.DIVERGED: "diverged",
    RunStatus.MAX_STEPS: "stopped at max",
    RunStatus.WAITING: "waiting",
    RunStatus.UNREACHED: "never started",
    RunStatus.ERROR: "stopped by an error",
}


def speed_for_position(position: int) -> float:
    """Steps a second at a speed slider position; ``inf`` at the top ("max")."""
    return math.inf if position >= SPEED_STEPS else 10 ** (position / 20)


def speed_text(position: int) -> str:
    speed = speed_for_position(position)
    return "max" if math.isinf(speed) else f"{speed:.3g} steps/s"


def status_line(update: LossUpdate | None) -> str:
    """``Step 12 · 3 running · 1 converged``, and ``done`` once every run has ended."""
    if update is None:
        return "Step 0 · ready"
    counts = np.bincount(update.summaries.status, minlength=len(STATUS_NAMES))
    parts = [f"Step {update.steps_taken}"]
    parts += [f"{n} {STATUS_NAMES[RunStatus(s)]}" for s, n in enumerate(counts) if n]
    if update.done:
        parts.append("done")
    return " · ".join(parts)


class PacedView:
    """Mixin for a graphics view the pacer watches: it remembers what its last paint cost, and
    its scene keeps no index of where its items are. Live curves change their bounds at every
    frame, and keeping Qt's index up to date cost more than it saved: without it a 512-run
    Sharpness frame's redraw and paint take 4–5 % less (``benchmarks/frame_cost.py``)."""

    last_paint_ms = 0.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        began = time.perf_counter()
        super().paintEvent(event)
        self.last_paint_ms = (time.perf_counter() - began) * 1000


class RedrawPacer(QObject):
    """Calls ``draw`` when something asked for a redraw, at most once per interval: one
    single-shot timer, started by a request for when the interval since the last redraw is over
    (so a redraw never waits for a tick that missed the data by a little).

    ``draw`` returns what painting took besides its own run time (ms); the interval then
    keeps redrawing to about PAINT_SHARE of the thread's time.
    """

    def __init__(self, draw: Callable[[], float], parent: QObject | None = None):
        super().__init__(parent)
        self._draw = draw
        self._dirty = False
        self._drawing = False
        self._stopped = False
        self._cost_ms = 10.0  # smoothed: one frame that waited for the GIL should not halve it
        self._due = 0.0  # perf_counter time from which the next redraw may come
        self._redraws = 0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)

    @property
    def redraws(self) -> int:
        """How many redraws have been made (for benchmarks)."""
        return self._redraws

    def request(self) -> None:
        """Something changed: draw it once the interval since the last redraw is over."""
        self._dirty = True
        if not self._drawing:
            self._schedule()

    def draw_now(self) -> None:
        """Draw what was requested at once, without waiting for the timer."""
        self._tick()

    def stop(self) -> None:
        self._stopped = True
        self.timer.stop()

    def _schedule(self) -> None:
        if self._dirty and not self._stopped and not self.timer.isActive():
            wait_ms = (self._due - time.perf_counter()) * 1000
            self.timer.start(max(0, math.ceil(wait_ms)))

    @Slot()
    def _tick(self) -> None:
        if not self._dirty or self._drawing:
            return
        self._dirty, self._drawing = False, True
        began = time.perf_counter()
        try:
            extra_ms = self._draw()
        finally:
            self._drawing = False
        cost_ms = (time.perf_counter() - began) * 1000 + extra_ms
        self._redraws += 1
        self._cost_ms = 0.8 * self._cost_ms + 0.2 * cost_ms
        interval_ms = min(max(self._cost_ms / PAINT_SHARE, MIN_REDRAW_MS), MAX_REDRAW_MS)
        self._due = began + interval_ms / 1000
        self._schedule()  # what was asked for while drawing
