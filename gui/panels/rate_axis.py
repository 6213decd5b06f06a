"""The learning-rate view's y axis, fitted to the rates drawn: a constant rate is a flat line,
which pyqtgraph's autorange would centre in a span of any size at all."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg


class RateAxis:
    """Fits a panel's y range from 0 to above its highest rate (on log y, around them),
    looking only at the steps it has not seen yet."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.forget()

    def forget(self) -> None:
        """Start over: a new experiment, or the view switched to rates."""
        self.bounds: tuple[float, float] | None = None
        self.span: tuple[float, float] | None = None
        self._seen = 0  # the steps already looked at

    def expect(self, lr: float, log_y: bool) -> None:
        """Before any step is known: the axis around ``lr``, the panel's rate, which a schedule
        moves from (the view switched to before Play kept the previous view's range)."""
        if lr > 0 and self.bounds is None:
            self.span = rate_axis((lr, lr), log_y)
            self.plot.setYRange(*self.span, padding=0)

    def fit(self, rates: list[np.ndarray], log_y: bool) -> None:
        """Take the new steps of ``rates`` (each a run's rate per step) into the range."""
        new = [r[self._seen :] for r in rates]
        self._seen = max((len(r) for r in rates), default=0)
        self.bounds = rate_bounds(new, self.bounds)
        if self.bounds is not None and rate_axis(self.bounds, log_y) != self.span:
            self.span = rate_axis(self.bounds, log_y)
            self.plot.setYRange(*self.span, padding=0)


def rate_bounds(
    rates: list[np.ndarray], known: tuple[float, float] | None
) -> tuple[float, float] | None:
    """The lowest and highest positive rate in ``rates`` and ``known`` (the bounds so far, so
    that only new steps need looking at); None while there is none."""
    values = np.concatenate([r[np.isfinite(r) & (r > 0)] for r in rates] or [np.zeros(0)])
    if values.size:
        low, high = float(values.min()), float(values.max())
        return (min(low, known[0]), max(high, known[1])) if known else (low, high)
    return known


def rate_axis(bounds: tuple[float, float], log_y: bool) -> tuple[float, float]:
    """The learning-rate axis for rates within ``bounds``: 0 to 15 % above the highest, or on
    log y (log10 values) half a decade beyond both."""
    low, high = bounds
    if log_y:
        return math.log10(low) - 0.5, math.log10(high) + 0.5
    return 0.0, high * 1.15
