"""What a loss panel draws under its curves: with several seeds, the translucent 10–90 % bands
under its medians; with one, the torch.optim twins' curves under the runs they should hide.

A band is one filled path per optimizer, made once per experiment and given new data each frame,
so a frame costs one path per optimizer, never S curves.

A band is a single polygon, the low edge forward and the high edge back, built by
``pg.arrayToQPath`` straight from the arrays. ``pg.FillBetweenItem`` between two curves gives the
same picture but rebuilds it through Python polygon lists twice per frame: about 5 ms a band for
1,000 steps, which made 16 bands cost the window its frame rate (benchmarks/gui_responsiveness.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from engine.experiment.runs import RunKey
from gui.plotting.decimation import GrowingBins
from gui.plotting.helpers import LiveCurve, decimate
from gui.plotting.palette import optimizer_colour
from gui.state.loss_history import LossHistory

ToView = Callable[[np.ndarray], np.ndarray]  # data to view coordinates (log10 on a log axis)

BAND_ALPHA = 44  # of 255: the curves of other optimizers stay visible through a band
BAND_POINTS = 300  # per edge and frame: a band's outline needs less detail than a curve


class BandItem(QGraphicsPathItem):
    """A filled, unoutlined band between two edges given in view coordinates."""

    def __init__(self, colour: QColor):
        super().__init__()
        self.setBrush(colour)
        self.setPen(QPen(pg.mkPen(None)))
        self._edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def setData(self, x_low, low, x_high, high) -> None:  # noqa: N802 (pyqtgraph's name)
        """The band between (``x_low``, ``low``) and (``x_high``, ``high``); empty edges clear
        it."""
        self._edges = (x_low, low, x_high, high)
        if len(low) == 0 or len(high) == 0:
            self.setPath(QPainterPath())
            return
        x = np.concatenate([x_low, x_high[::-1]])
        y = np.concatenate([low, high[::-1]])
        path = pg.arrayToQPath(x.astype(np.float64), y.astype(np.float64), connect="all")
        path.closeSubpath()
        self.setPath(path)

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The (x_low, low, x_high, high) last drawn."""
        return self._edges


class BandLayer:
    """One band per lane (an optimizer's draws in this panel), keyed by the lane's run index,
    each edge min/max decimated to about BAND_POINTS by its own bins."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.items: dict[int, BandItem] = {}
        self._bins: dict[int, tuple[GrowingBins, GrowingBins]] = {}  # per lane: low, high edge

    def start(self, lanes: list[RunKey]) -> None:
        """Empty bands for ``lanes`` (none: the experiment has one seed)."""
        for item in self.items.values():
            self.plot.removeItem(item)
        self.items = {}
        self._bins = {
            lane.index: (GrowingBins(BAND_POINTS), GrowingBins(BAND_POINTS)) for lane in lanes
        }
        for lane in lanes:
            item = BandItem(band_colour(lane.optimizer.name))
            item.setZValue(-2)  # under every median
            self.plot.addItem(item, ignoreBounds=True)  # the medians set the ranges
            self.items[lane.index] = item

    def draw(
        self, lane: int, history: LossHistory, group: int, empty: bool, to_view: ToView
    ) -> None:
        """The band of ``lane``: its ``group``'s draws' 10–90 % of losses so far (``empty``: none,
        as in the learning-rate view)."""
        low, _, high = history.band(group)
        if empty:
            low, high = low[:0], high[:0]
        steps = history.steps[: len(low)]
        low_bins, high_bins = self._bins[lane]
        x_low, y_low = low_bins.edge(steps, low, upper=False)
        x_high, y_high = high_bins.edge(steps, high, upper=True)
        self.items[lane].setData(x_low, to_view(y_low), x_high, to_view(y_high))

    def forget(self) -> None:
        """Decimate every edge afresh at the next draw (new axis mode, theme or data)."""
        for bins in self._bins.values():
            for each in bins:
                each.clear()


class TwinCurves:
    """The torch.optim twins' loss curves, one per lane, keyed by the lane's run index: faint and
    dashed under the from-scratch curve they should hide, shown where a twin trained."""

    def __init__(self, plot: pg.PlotItem, max_points: int):
        self.plot, self.max_points = plot, max_points
        self.items: dict[int, pg.PlotCurveItem] = {}

    def clear(self) -> None:
        for item in self.items.values():
            self.plot.removeItem(item)
        self.items = {}

    def add(self, lane: int, pen: QPen) -> None:
        """A hidden twin curve for ``lane`` (its first draw's run index)."""
        twin = LiveCurve(pen=pen, skipFiniteCheck=True)
        twin.setZValue(-1)  # under the from-scratch curve it should hide
        twin.hide()
        self.plot.addItem(twin)
        self.items[lane] = twin

    def draw(
        self, lane: int, history: LossHistory, count: int, hidden: bool, to_view: ToView
    ) -> None:
        """The twin of ``lane`` over its run's first ``count`` steps, if it has a finite loss
        there and is not ``hidden`` (as in the learning-rate view)."""
        twin = self.items[lane]
        values = history.reference_losses(lane)
        shown = not hidden and count > 0 and bool(np.isfinite(values).any())
        twin.setVisible(shown)
        if shown:
            x, y = decimate(history.steps[:count], values, self.max_points)
            twin.setData(x, to_view(y))


def band_colour(optimizer_name: str) -> QColor:
    colour = QColor(optimizer_colour(optimizer_name))
    colour.setAlpha(BAND_ALPHA)
    return colour
