"""The translucent 10–90 % bands a loss panel draws under its medians when an experiment trains
several seeds: one filled path per optimizer, made once per experiment and given new data each
frame, so a frame costs one path per optimizer, never S curves.

A band is a single polygon, the low edge forward and the high edge back, built by
``pg.arrayToQPath`` straight from the arrays. ``pg.FillBetweenItem`` between two curves gives the
same picture but rebuilds it through Python polygon lists twice per frame: about 5 ms a band for
1,000 steps, which made 16 bands cost the window its frame rate (benchmarks/gui_responsiveness.py).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from engine.experiment.runs import RunKey
from gui.plotting.palette import optimizer_colour

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
    """One band per lane (an optimizer's draws in this panel), keyed by the lane's run index."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.items: dict[int, BandItem] = {}

    def start(self, lanes: list[RunKey]) -> None:
        """Empty bands for ``lanes`` (none: the experiment has one seed)."""
        for item in self.items.values():
            self.plot.removeItem(item)
        self.items = {}
        for lane in lanes:
            item = BandItem(band_colour(lane.optimizer.name))
            item.setZValue(-2)  # under every median
            self.plot.addItem(item, ignoreBounds=True)  # the medians set the ranges
            self.items[lane.index] = item

    def draw(self, lane: int, x_low, low, x_high, high) -> None:
        """The band of ``lane`` between ``low`` and ``high`` (view coordinates)."""
        self.items[lane].setData(x_low, low, x_high, high)


def band_colour(optimizer_name: str) -> QColor:
    colour = QColor(optimizer_colour(optimizer_name))
    colour.setAlpha(BAND_ALPHA)
    return colour
