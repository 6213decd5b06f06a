"""One landscape plot: a learning rate's loss map, its marks, and every optimizer's path on it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

from engine.experiment import RunKey
from engine.landscape_map import LandscapeMap
from gui.palette import optimizer_colour, optimizer_line_style
from gui.path_segments import GrowingPath, clip_box
from gui.plot_helpers import LiveCurve, add_head_dot, cached_brush, point_font, style_head_dot
from gui.themes import DEFAULT, Theme

HALO = "#000000"  # under every path, head and mark: they stand out on any colour of the map
MARK_FILL = "#ffffff"
CONTOUR_PEN = (255, 255, 255, 70)
MARKS = (("start", "s"), ("minimum", "star"), ("saddle point", "x"))


class LandscapePlot:
    """A ``PlotItem`` showing a :class:`LandscapeMap` (an image of log10 loss, the contour
    lines), the start, minima and saddle points, and one path with a head dot per run.

    Items are made when the plot starts an experiment; frames only ``setData`` them.
    """

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem()
        self.image.setZValue(-20)
        plot.addItem(self.image)
        self.contours = pg.PlotCurveItem(connect="pairs", skipFiniteCheck=True)
        self.contours.setZValue(-10)
        plot.addItem(self.contours)
        for still in (self.image, self.contours):  # repainted only when the map or size changes
            still.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.marks = {name: pg.ScatterPlotItem(symbol=symbol) for name, symbol in MARKS}
        for mark in self.marks.values():
            mark.setZValue(15)
            mark.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # still, like the map
            plot.addItem(mark, ignoreBounds=True)
        self.paths: dict[int, pg.PlotCurveItem] = {}
        self.heads: dict[int, QGraphicsEllipseItem] = {}
        self._optimizer_of: dict[int, str] = {}
        self.nearest = pg.ScatterPlotItem(symbol="o", brush=None)
        self.readout = pg.TextItem(color="#eeeeee", fill=pg.mkBrush(20, 20, 20, 215))
        for item in (self.nearest, self.readout):
            item.setZValue(30)
            item.hide()
            plot.addItem(item, ignoreBounds=True)
        self.lr = 0.0
        self.axis_labels = ("x", "y")
        self.window = ((-1.0, 1.0), (-1.0, 1.0))
        self.theme, self.pen_scale = DEFAULT, 1.0
        self._drawn: dict[int, int] = {}  # the count each run was last drawn at
        self._growing: dict[int, GrowingPath] = {}

    # --- looks -----------------------------------------------------------------------------

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        self.theme, self.pen_scale = theme, pen_scale
        fg = theme.foreground
        for name in ("bottom", "left"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(fg, width=pen_scale))
            axis.setTextPen(pg.mkPen(fg))
            axis.setTickFont(point_font(theme.tick_pt))
        self._set_title()
        self.set_axis_labels(self.axis_labels)
        self.contours.setPen(pg.mkPen(CONTOUR_PEN, width=pen_scale))
        size = self.mark_size
        for name, mark in self.marks.items():
            mark.setSize(size * 1.4 if name == "minimum" else size)  # a star looks smaller
            mark.setPen(pg.mkPen(HALO, width=1.5 * pen_scale))
            mark.setBrush(cached_brush(MARK_FILL))
        self.nearest.setSize(size + 6)
        self.nearest.setPen(pg.mkPen("#ffffff", width=2 * pen_scale))
        for index, path in self.paths.items():
            self._style_path(path, self._optimizer_of[index])
        for index, head in self.heads.items():
            self._style_head(head, self._optimizer_of[index])

    @property
    def mark_size(self) -> float:
        return self.theme.head_size + 6

    def _set_title(self) -> None:
        self.plot.setTitle(
            f"Learning rate: {self.lr:g}",
            color=self.theme.foreground,
            size=f"{self.theme.title_pt}pt",
        )

    def set_axis_labels(self, labels: tuple[str, str]) -> None:
        self.axis_labels = labels
        style = {"color": self.theme.foreground, "font-size": f"{self.theme.label_pt}pt"}
        self.plot.setLabel("bottom", labels[0], **style)
        self.plot.setLabel("left", labels[1], **style)

    def path_pens(self, optimizer_name: str) -> tuple[QPen, QPen]:
        """The path's pen in the optimizer's colour and style, and the dark halo under it."""
        width = max(2.0, 1.6 * self.theme.line_width) * self.pen_scale
        pen = pg.mkPen(optimizer_colour(optimizer_name), width=width)
        pen.setStyle(optimizer_line_style(optimizer_name))
        halo = QColor(HALO)
        halo.setAlpha(190)
        return pen, pg.mkPen(halo, width=width + 2.5 * self.pen_scale)

    def _style_path(self, path: pg.PlotCurveItem, optimizer_name: str) -> None:
        pen, halo = self.path_pens(optimizer_name)
        path.setPen(pen)
        path.setShadowPen(halo)

    def _style_head(self, head: QGraphicsEllipseItem, optimizer_name: str) -> None:
        halo = pg.mkPen(HALO, width=1.5 * self.pen_scale)
        style_head_dot(head, self.theme.head_size + 2, optimizer_colour(optimizer_name), halo)

    # --- an experiment and its map -----------------------------------------------------------

    def start(self, lr: float, runs: list[RunKey]) -> None:
        """Empty paths for ``runs`` (the optimizers at this rate)."""
        self.lr = lr
        self._set_title()
        for item in [*self.paths.values(), *self.heads.values()]:
            self.plot.removeItem(item)
        self._optimizer_of = {run.index: run.optimizer.name for run in runs}
        self.paths, self.heads = {}, {}
        self.invalidate()
        for run in runs:
            path = LiveCurve(connect="pairs", skipFiniteCheck=True)
            path.setZValue(5)
            self._style_path(path, run.optimizer.name)
            self.plot.addItem(path, ignoreBounds=True)
            self.paths[run.index] = path
            head = self.heads[run.index] = add_head_dot(self.plot)
            self._style_head(head, run.optimizer.name)

    def show_map(self, landscape: LandscapeMap, image: np.ndarray, start: tuple[float, float]):
        """The map (``image``: log10 loss, rows along y) over its window, its contour lines,
        and the start, minima and saddles (in plane coordinates; a surface's are its own)."""
        grid = landscape.grid
        xs, ys = grid.xs, grid.ys
        dx, dy = (xs[-1] - xs[0]) / (len(xs) - 1), (ys[-1] - ys[0]) / (len(ys) - 1)
        self.image.setImage(image.T, autoLevels=False)  # ImageItem's first axis is x
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, len(xs) * dx, len(ys) * dy))
        segments = landscape.contours
        self.contours.setData(segments[:, 0], segments[:, 1])
        defaults = landscape.problem.defaults
        surface = landscape.problem.is_surface
        self._mark("start", [start])
        self._mark("minimum", defaults.minima if surface else ())
        self._mark("saddle point", defaults.saddles if surface else ())
        self.window = landscape.window
        self.plot.setRange(xRange=self.window[0], yRange=self.window[1], padding=0)
        self.set_axis_labels(landscape.plane.axis_labels)
        self.invalidate()

    def _mark(self, name: str, points) -> None:
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        self.marks[name].setData(x=points[:, 0], y=points[:, 1])

    # --- a frame ---------------------------------------------------------------------------

    def redraw(self, coordinates: np.ndarray, counts: np.ndarray) -> None:
        """Move on the paths whose count changed: ``coordinates`` (runs, steps, 2), every step
        before a count as at the last redraw (a new window or experiment starts them again)."""
        low, high = clip_box(self.window)
        for index, path in self.paths.items():
            count = int(counts[index]) if index < len(counts) else 0
            if self._drawn.get(index) == count:
                continue
            self._drawn[index] = count
            head = self.heads[index]
            head.setVisible(count > 0)
            growing = self._growing.setdefault(index, GrowingPath(self.window))
            if count == 0:
                growing.clear()
                path.setData([], [])
                continue
            growing.extend(coordinates[index], count)
            segments = growing.segments()[0]
            path.setData(segments[:, 0], segments[:, 1])
            x, y = np.clip(coordinates[index, count - 1], low, high)
            head.setPos(float(x), float(y))

    def invalidate(self) -> None:
        """Draw every path again, from its first step, at the next redraw."""
        self._drawn, self._growing = {}, {}

    def set_vector_paths(self, on: bool) -> None:
        """Each path one polyline (for an SVG: a line per step bloats the file), or pyqtgraph's
        choice (separate segments: faster to paint wide lines on screen)."""
        for path in self.paths.values():
            path.setSegmentedLineMode("off" if on else "auto")

    # --- hover -----------------------------------------------------------------------------

    def contains(self, scene_pos: QPointF) -> bool:
        return self.plot.getViewBox().sceneBoundingRect().contains(scene_pos)

    def to_plane(self, scene_pos: QPointF) -> tuple[float, float]:
        point = self.plot.getViewBox().mapSceneToView(scene_pos)
        return point.x(), point.y()

    def show_readout(self, point: tuple[float, float], text: str, nearest=None) -> None:
        """``text`` in a box at ``point``, on the side with room; a ring at ``nearest``."""
        (x0, x1), (y0, y1) = self.window
        right, top = point[0] > (x0 + x1) / 2, point[1] > (y0 + y1) / 2
        self.readout.setText(text)
        self.readout.setAnchor((1 if right else 0, 0 if top else 1))
        self.readout.setPos(*point)
        self.readout.show()
        if nearest is None:
            self.nearest.hide()
        else:
            self.nearest.setData(x=[nearest[0]], y=[nearest[1]])
            self.nearest.show()

    def hide_readout(self) -> None:
        self.readout.hide()
        self.nearest.hide()
