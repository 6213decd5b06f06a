"""A Sharpness panel's λ axis range while it follows its curves: log10 bounds in half decades,
widened (never narrowed) to what the panel's items draw. Re-laying an axis costs a frame
1.5–2 ms, so the range moves in steps, and each item's span is read once per new data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

FIRST_RANGE = (0.0, 2.0)  # log10: λ from 1 to 100 until there is something to fit
STEP = 0.5  # half a decade
NO_SPAN = (np.inf, -np.inf)  # the y span of an item with nothing to draw


class HalfDecades:
    """The range; :meth:`widen` takes in the items' data as it changes."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Back to :data:`FIRST_RANGE`, fitted to nothing (a new experiment's items)."""
        self.range = FIRST_RANGE
        self._fitted = False
        self._spans: dict[pg.PlotCurveItem, tuple[np.ndarray | None, float, float]] = {}

    def widen(self, items: list[pg.PlotCurveItem]) -> bool:
        """Widen the range to what the visible ``items`` draw; True if it moved."""
        low, high = self.range if self._fitted else NO_SPAN
        for item in items:
            if item.isVisible():
                span_low, span_high = self._span(item)
                low, high = min(low, span_low), max(high, span_high)
        if not np.isfinite(low):
            return False
        self._fitted = True
        grown = (np.floor(low / STEP) * STEP, np.ceil(high / STEP) * STEP)
        if grown == self.range:
            return False
        self.range = grown
        return True

    def _span(self, item: pg.PlotCurveItem) -> tuple[float, float]:
        """The lowest and highest y ``item`` draws, worked out again only when it was given
        other data: a lane's settled points stay for many frames."""
        y = item.getData()[1]
        known = self._spans.get(item)
        if known is not None and known[0] is y:
            return known[1], known[2]
        low, high = (float(np.min(y)), float(np.max(y))) if y is not None and len(y) else NO_SPAN
        self._spans[item] = (y, low, high)
        return low, high
