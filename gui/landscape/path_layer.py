"""Every run's path segments on a landscape plot as one item, stroked as the runs' own curves
would stroke them.

Wide lines over a translucent halo are dear to stroke, and a frame changes only the ends of the
paths: :class:`gui.landscape.plot.LandscapePlot` keeps the segments that will not change in a
layer Qt paints once into a pixmap of device pixels and then copies, and the newest in a layer
above it that is stroked every paint.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.PlotCurveItem import arrayToLineSegments
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

NO_SEGMENTS = np.zeros((0, 2))
NO_SEGMENTS.flags.writeable = False


class LayerRun:
    """One run's segments ((2N, 2) start and end rows), its pens, and the shapes Qt strokes
    (made when first painted)."""

    def __init__(self, pen: QPen, halo: QPen):
        self.pen, self.halo = pen, halo
        self.segments = NO_SEGMENTS
        self.path: QPainterPath | None = None
        self.lines = None  # pyqtgraph's array of QLineF

    def set_segments(self, segments: np.ndarray) -> None:
        self.segments = segments
        self.path = self.lines = None

    def stroke(self, painter: QPainter, pen: QPen, as_lines: bool) -> None:
        """Draw the segments with ``pen`` as a PlotCurveItem with ``connect="pairs"`` would."""
        x, y = self.segments[:, 0], self.segments[:, 1]
        painter.setPen(pen)
        if as_lines:
            if self.lines is None:
                self.lines = arrayToLineSegments(x, y, connect="pairs", finiteCheck=False)
            painter.drawLines(*self.lines.drawargs())
        else:
            if self.path is None:
                self.path = pg.arrayToQPath(x, y, connect="pairs", finiteCheck=False)
            painter.drawPath(self.path)


class PathLayer(pg.GraphicsObject):
    """Segments of every run's path on one plot, run after run, each halo under its pen: what
    the runs' own curves would paint, in their order. ``cached``, it is painted from a
    device-pixel cache, so a frame copies pixels until :meth:`set_segments` changes something."""

    def __init__(self, cached: bool):
        super().__init__()
        if cached:
            self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.runs: dict[int, LayerRun] = {}
        self.vector = False
        self._bounds: QRectF | None = None

    def set_runs(self, pens: dict[int, tuple[QPen, QPen]]) -> None:
        """Runs (in drawing order) with their pen and halo, and no segments yet."""
        self.prepareGeometryChange()
        self.runs = {run: LayerRun(pen, halo) for run, (pen, halo) in pens.items()}
        self._changed()

    def set_pens(self, run: int, pen: QPen, halo: QPen) -> None:
        self.runs[run].pen, self.runs[run].halo = pen, halo
        self._changed()

    def segments(self, run: int) -> np.ndarray:
        """The segments drawn for ``run`` (read-only)."""
        return self.runs[run].segments

    def set_segments(self, segments: dict[int, np.ndarray]) -> None:
        """New segments for some runs; repainted at the next paint."""
        self.prepareGeometryChange()
        for run, rows in segments.items():
            rows = np.array(rows, dtype=np.float64)
            rows.flags.writeable = False
            self.runs[run].set_segments(rows)
        self._changed()

    def set_vector(self, on: bool) -> None:
        """Stroke every pen as one path (an SVG's one element per path and pen), or solid
        opaque pens segment by segment (faster on screen), as ``PlotCurveItem`` does."""
        self.vector = on
        self._changed()

    def _changed(self) -> None:
        self._bounds = None
        self.update()

    def _as_lines(self, pen: QPen, antialias: bool) -> bool:
        """``PlotCurveItem``'s "auto" segmented-line rule (separate lines would show their
        overlaps through a translucent or antialiased pen, and break a dash pattern)."""
        return (
            not self.vector
            and pen.widthF() > 1.0
            and pen.style() == Qt.PenStyle.SolidLine
            and pen.isSolid()
            and pen.color().alphaF() == 1.0
            and not antialias
        )

    # --- QGraphicsItem ---------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget=None) -> None:
        antialias = bool(pg.getConfigOption("antialias"))
        exporting = self._exportOpts is not False
        hint = self._exportOpts.get("antialias", True) if exporting else antialias
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, hint)
        for run in self.runs.values():
            if len(run.segments) == 0:
                continue
            for pen in (run.halo, run.pen):
                if pen.style() != Qt.PenStyle.NoPen:
                    run.stroke(painter, pen, self._as_lines(pen, antialias))

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        """The segments' bounds and the pens' reach around them, within the view (a cache
        pixmap is as big as this: a path clipped far outside must not make a huge one)."""
        if self._bounds is None:
            self._bounds = self._measure()
        return self._bounds

    def _measure(self) -> QRectF:
        drawn = [run.segments for run in self.runs.values() if len(run.segments)]
        if not drawn:
            return QRectF()
        rows = np.concatenate(drawn)
        rows = rows[np.isfinite(rows).all(axis=1)]
        if len(rows) == 0:
            return QRectF()
        low, high = rows.min(axis=0), rows.max(axis=0)
        widths = [pen.widthF() for run in self.runs.values() for pen in (run.pen, run.halo)]
        reach = max(widths) * 0.7072 + 1  # a square cap's corner, and a pixel to spare
        px, py = self.pixelVectors()
        dx = 0.0 if px is None else px.length() * reach
        dy = 0.0 if py is None else py.length() * reach
        rect = QRectF(QPointF(low[0] - dx, low[1] - dy), QPointF(high[0] + dx, high[1] + dy))
        view = self.viewRect()
        if view is not None:
            rect = rect.intersected(view.adjusted(-dx, -dy, dx, dy))
        return rect

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph's name)
        super().viewTransformChanged()
        self.prepareGeometryChange()
        self._bounds = None
