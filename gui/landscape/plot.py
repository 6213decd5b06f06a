"""One landscape plot: a learning rate's loss map, its marks, and every optimizer's path on it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

from engine.analysis.landscape_map import LandscapeMap
from engine.experiment.runs import RunKey
from gui.landscape.path_layer import PathLayer
from gui.landscape.path_segments import GrowingPath, clip_box
from gui.plotting.helpers import (
    add_head_dot,
    cached_brush,
    live_budget,
    point_font,
    style_head_dot,
)
from gui.plotting.palette import optimizer_colour, optimizer_line_style
from gui.plotting.themes import DEFAULT, Theme

LIVE_SEGMENTS = 64  # the least kept live before moving down into the cache (see live_budget)
HALO = "#000000"  # under every path, head and mark: they stand out on any colour of the map
MARK_FILL = "#ffffff"
CONTOUR_PEN = (255, 255, 255, 70)
MARKS = (("start", "s"), ("minimum", "star"), ("saddle point", "x"))


class LandscapePlot:
    """A ``PlotItem`` showing a :class:`LandscapeMap` (an image of log10 loss, the contour
    lines), the start, minima and saddle points, and one path with a head dot per run.

    Items are made when the plot starts an experiment; frames only ``setData`` them. The paths
    are two layers of every run's segments: ``settled_paths``, painted once into a cache, holds
    those that will not change; ``live_paths``, above it, the newest, until there are enough of
    them to move down. A frame strokes a few segments and copies the rest as pixels.
    """

    def __init__(self, plot: pg.PlotItem, cache_paths: bool = True):
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
        self.marks = {
            name: (StartMark if name == "start" else pg.ScatterPlotItem)(symbol=symbol)
            for name, symbol in MARKS
        }
        for mark in self.marks.values():
            mark.setZValue(15)
            mark.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # still, like the map
            plot.addItem(mark, ignoreBounds=True)
        self.settled_paths = PathLayer(cached=cache_paths)
        self.live_paths = PathLayer(cached=False)  # the newest segments, over the settled ones
        for z, layer in enumerate((self.settled_paths, self.live_paths)):
            layer.setZValue(5 + z)
            plot.addItem(layer, ignoreBounds=True)
        self.legend_samples: dict[int, pg.PlotCurveItem] = {}  # each run's pens (not in the plot)
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
        self._drawing: dict[int, tuple[np.ndarray, int]] = {}  # segments, rows that stay so
        self._pace = 0.0  # segment rows a redraw adds, on average

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
        for index in self.legend_samples:
            self._style_path(index)
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

    def _style_path(self, index: int) -> None:
        pen, halo = self.path_pens(self._optimizer_of[index])
        sample = self.legend_samples[index]
        sample.setPen(pen)
        sample.setShadowPen(halo)
        for layer in (self.settled_paths, self.live_paths):
            layer.set_pens(index, pen, halo)

    def _style_head(self, head: QGraphicsEllipseItem, optimizer_name: str) -> None:
        halo = pg.mkPen(HALO, width=1.5 * self.pen_scale)
        style_head_dot(head, self.theme.head_size + 2, optimizer_colour(optimizer_name), halo)

    # --- an experiment and its map -----------------------------------------------------------

    def start(self, lr: float, runs: list[RunKey]) -> None:
        """Empty paths for ``runs`` (the optimizers at this rate)."""
        self.lr = lr
        self._set_title()
        for head in self.heads.values():
            self.plot.removeItem(head)
        self._optimizer_of = {run.index: run.optimizer.name for run in runs}
        self.legend_samples, self.heads = {}, {}
        pens = {run.index: self.path_pens(run.optimizer.name) for run in runs}
        for layer in (self.settled_paths, self.live_paths):
            layer.set_runs(pens)
        for run in runs:
            self.legend_samples[run.index] = pg.PlotCurveItem()
            self._style_path(run.index)
            head = self.heads[run.index] = add_head_dot(self.plot)
            self._style_head(head, run.optimizer.name)
        self.invalidate()

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
        problem = landscape.problem
        self._mark("start", [start])
        self._mark("minimum", landscape.minima)
        self._mark("saddle point", problem.defaults.saddles if problem.is_surface else ())
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
        changed, added = [], 0
        for index, head in self.heads.items():
            count = int(counts[index]) if index < len(counts) else 0
            if self._drawn.get(index) == count:
                continue
            self._drawn[index] = count
            growing = self._growing.setdefault(index, GrowingPath(self.window))
            if count > 0:
                growing.extend(coordinates[index], count)
            else:
                growing.clear()
            before = self._drawing.get(index)
            self._drawing[index] = growing.segments()
            if before is not None:  # not the whole path again
                added += max(0, len(self._drawing[index][0]) - len(before[0]))
            changed.append(index)
            head.setVisible(count > 0)
            if count > 0:
                x, y = np.clip(coordinates[index, count - 1], low, high)
                head.setPos(float(x), float(y))
        self._pace = 0.8 * self._pace + 0.2 * added
        if changed:
            self._lay_out(changed, whole=False)

    def settle(self) -> None:
        """Every path whole into the cached layer, none live: for a still picture (an export,
        or runs that have all ended)."""
        self._lay_out([], whole=True)

    def _lay_out(self, changed: list[int], whole: bool) -> None:
        """Split each run's segments between the layers. The settled layer keeps what it holds
        while that is still the start of the run's path; once the live segments are many (or
        ``whole``), it takes every run's segments that stay as they are (or all of them)."""
        layer = self.settled_paths
        stale = [i for i in changed if not starts_with(self._drawing[i][0], layer.segments(i))]
        wanted = {i: len(drawn) if whole else stays for i, (drawn, stays) in self._drawing.items()}
        held = sum(len(layer.segments(i)) for i in wanted)
        movable = sum(max(0, n - len(layer.segments(i))) for i, n in wanted.items())
        budget = live_budget(held, self._pace, LIVE_SEGMENTS)  # in rows
        if stale or movable > budget or (whole and movable):
            moved = {
                i: self._drawing[i][0][:n]
                for i, n in wanted.items()
                if i in stale or len(layer.segments(i)) < n
            }
            layer.set_segments(moved)
            changed = [*changed, *(i for i in moved if i not in changed)]
        if changed:
            live = {i: self._drawing[i][0][len(layer.segments(i)) :] for i in changed}
            self.live_paths.set_segments(live)

    def invalidate(self) -> None:
        """Work every path out again, from its first step, at the next redraw (what is drawn
        stays until then: the settled layer keeps what is still the start of a path)."""
        self._drawn, self._growing, self._drawing = {}, {}, {}
        self._pace = 0.0

    def drawn_segments(self, run: int) -> np.ndarray:
        """What the plot shows of ``run``'s path: its settled segments, then its live ones, as
        (2N, 2) start and end rows (:func:`gui.landscape.path_segments.path_segments`)."""
        return np.concatenate([self.settled_paths.segments(run), self.live_paths.segments(run)])

    def set_vector_paths(self, on: bool) -> None:
        """Each path one polyline (for an SVG: a line per step bloats the file), or pyqtgraph's
        choice (separate segments: faster to paint wide lines on screen)."""
        for layer in (self.settled_paths, self.live_paths):
            layer.set_vector(on)

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


class StartMark(pg.ScatterPlotItem):
    """The start square, on a 2-D problem's map or the MLP's plane; ``dropped`` gives where it
    was dragged to and let go."""

    dropped = Signal(float, float)
    draggable = True

    def mouseDragEvent(self, event) -> None:  # noqa: N802 (pyqtgraph's name)
        if not self.draggable or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        if event.isStart() and not len(self.pointsAt(event.buttonDownPos())):
            event.ignore()
            return
        event.accept()
        where = event.pos()
        self.setData(x=[where.x()], y=[where.y()])
        if event.isFinish():
            self.dropped.emit(where.x(), where.y())


def starts_with(rows: np.ndarray, start: np.ndarray) -> bool:
    """``rows`` begin with the rows of ``start`` (NaN as NaN)."""
    return len(start) <= len(rows) and np.array_equal(rows[: len(start)], start, equal_nan=True)
