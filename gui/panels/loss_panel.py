"""One loss panel: a learning rate's curves, heads, divergence marks and hover readout
(:mod:`gui.panels.hover`); the step the timeline went back to ("now": a line, with the heads
at it); with several seeds, one median curve per optimizer in its 10–90 % band, with one its
torch.optim twins (:mod:`gui.panels.seed_bands`)."""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsEllipseItem

from engine.config.settings import ARTICLE_LOSS_RANGE
from engine.experiment.runs import RunKey, RunStatus
from engine.live.messages import LossUpdate
from gui.panels.hover import HoverReadout, loss_lines
from gui.panels.rate_axis import RateAxis
from gui.panels.seed_bands import BandLayer, TwinCurves
from gui.panels.title import PanelTitle
from gui.plotting.decimation import GrowingBins
from gui.plotting.helpers import (
    LiveCurve,
    ReadableAxis,
    add_head_dot,
    cached_brush,
    cached_pen,
    point_font,
    same_status,
    style_head_dot,
)
from gui.plotting.palette import curve_pen, optimizer_colour, twin_pen
from gui.plotting.themes import DEFAULT, Theme
from gui.state.loss_history import LossHistory
from gui.state.view_state import Quantity, ViewState

Y_RANGE = ARTICLE_LOSS_RANGE  # the article's fixed y range
LOG_FLOOR = 1e-12  # non-positive losses are drawn here on a log axis, never dropped
FIRST_X_RANGE = 50
FOLLOW_AHEAD_S = 1.0  # a growing x range holds about this long of play more, at the pace seen
PACE_GAP_S = 0.5  # frames further apart than this (a pause) tell nothing of the pace
MAX_POINTS = 2048  # per curve and frame; longer curves are min/max decimated
MIN_COLUMNS = 512  # bins per curve at least (a bin per pixel column): 1,024 steps drawn whole


def followed_extent(extent: int, length: int, max_steps: int, ahead: float = 0.0) -> int:
    """A followed x range's new end once curves ``length`` steps long near ``extent``:
    doubled until it holds them with room to spare, and ``ahead`` steps more (to
    ``max_steps``)."""
    while (length >= 0.95 * extent or extent < length + ahead) and extent < max_steps:
        extent = min(extent * 2, max_steps)
    return extent


class LossPanel:
    """One learning rate: its curves, the heads of running curves, divergence markers, hover.

    Curves are ``LiveCurve``s fed with one or two points per pixel column (min/max decimation of
    the steps that arrived, :class:`GrowingBins`; at most MAX_POINTS), and on a log axis with
    log10 values, so a frame's ``setData`` and paint stay cheap. What it plots (loss or learning
    rate, log-y, the step shown) it reads from ``view``.
    """

    def __init__(self, plot: pg.PlotItem, view: ViewState):
        self.plot, self.view = plot, view
        plot.setAxisItems({"bottom": ReadableAxis("bottom"), "left": ReadableAxis("left")})
        plot.hideButtons()
        plot.setMenuEnabled(False)
        self.curves: dict[int, pg.PlotCurveItem] = {}
        self.heads: dict[int, QGraphicsEllipseItem] = {}
        self._optimizer_of: dict[int, str] = {}  # run index -> optimizer name, for its colour
        self._branches: dict[int, int] = {}  # run index -> its place among the branches
        self.seeds = 1
        self.lanes: list[RunKey] = []  # a curve each: every run, or each optimizer's first draw
        self._bins: dict[int, GrowingBins] = {}  # per lane, its curve's
        self.bands = BandLayer(plot)
        self._twins = TwinCurves(plot, MAX_POINTS)
        self._rows = np.zeros(0, dtype=np.intp)  # the runs drawn here, in history's rows
        self.diverged = pg.ScatterPlotItem(pxMode=True)
        self.diverged.setZValue(10)
        plot.addItem(self.diverged)
        self.hover = HoverReadout(plot)
        self.now_line = pg.InfiniteLine(angle=90, movable=False)
        self.now_line.setZValue(20)
        self.now_line.hide()
        plot.addItem(self.now_line, ignoreBounds=True)
        self.x_extent = FIRST_X_RANGE
        self.max_steps = FIRST_X_RANGE
        self._last_length = (0, 0.0)  # the curves' length at the last frame, and when
        self.rate_axis = RateAxis(plot)
        self.follow = True  # grow the x range with the curves until the user pans or zooms
        self.surface = False  # a 2-D problem: its loss is f(x, y), its scale its own
        self.y_top: float | None = None  # the loss axis' top: the article's 30, or fitted
        self.lr = 0.0
        self.title = PanelTitle(plot)
        self.theme, self.pen_scale = DEFAULT, 1.0
        self.on_click = lambda run_index: None  # set by the grid: a curve was clicked
        self.invalidate()
        plot.getViewBox().sigRangeChangedManually.connect(self._stop_following)

    @property
    def twins(self) -> dict[int, pg.PlotCurveItem]:
        """The torch.optim twins' curves by lane (see :class:`TwinCurves`)."""
        return self._twins.items

    @property
    def log_y(self) -> bool:
        return self.view.log_y

    @property
    def show_lr(self) -> bool:  # the learning rate over steps instead of the loss
        return self.view.quantity is Quantity.LEARNING_RATE

    @property
    def now(self) -> int | None:  # the step the timeline shows; None: the latest
        return self.view.step

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        """Axis, text and line styles; ``pen_scale`` widens every line for a sharper export."""
        self.theme, self.pen_scale = theme, pen_scale
        fg = theme.foreground
        for name in ("bottom", "left"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(fg, width=pen_scale * theme.scale))
            axis.setTextPen(pg.mkPen(fg))
            axis.setTickFont(point_font(theme.tick_pt))
        self._set_labels()
        self.plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
        self.title.theme = theme
        self.title.show()
        self.now_line.setPen(pg.mkPen(theme.foreground, width=1.5 * pen_scale))
        for index, curve in self.curves.items():
            curve.setPen(self._curve_pen(self._optimizer_of[index], index))
        for index, twin in self.twins.items():
            twin.setPen(self._twin_pen(self._optimizer_of[index]))
        for index, head in self.heads.items():
            self._style_head(head, self._optimizer_of[index])
        self.diverged.setSize(theme.head_size * 1.8)
        self.hover.set_font_points(theme.label_pt)
        self.invalidate()

    def _set_labels(self) -> None:
        label = {"color": self.theme.foreground, "font-size": f"{self.theme.label_pt}pt"}
        self.plot.setLabel("bottom", "step", **label)
        loss = "loss f(x, y)" if self.surface else "loss (MSE)"
        self.plot.setLabel("left", "learning rate" if self.show_lr else loss, **label)

    def _curve_pen(self, optimizer_name: str, run_index: int) -> QPen:
        width = self.theme.line_width * self.pen_scale
        return curve_pen(optimizer_name, width, self._branches.get(run_index))

    def _twin_pen(self, optimizer_name: str) -> QPen:
        return twin_pen(optimizer_name, (self.theme.line_width + 2) * self.pen_scale)

    def _style_head(self, head: QGraphicsEllipseItem, optimizer_name: str) -> None:
        ring = cached_pen(self.theme.background, self.theme.scale)
        style_head_dot(head, self.theme.head_size, optimizer_colour(optimizer_name), ring)

    def start(
        self,
        lr: float,
        runs: list[RunKey],
        max_steps: int,
        seeds: int = 1,
        start_loss: float = math.nan,
    ) -> None:
        """Items for ``runs``: a curve per run, or with several seeds a median curve and a band
        per optimizer (keyed by its first draw's run index). ``start_loss``, the loss where the
        runs start, fits a 2-D problem's axis before its first step (NaN: at its first data)."""
        self.lr = self.title.lr = lr
        self.title.show()
        for item in [*self.curves.values(), *self.heads.values()]:
            self.plot.removeItem(item)
        self._twins.clear()
        self.seeds = seeds
        self.y_top = loss_axis_top(np.array([start_loss])) if self.surface else Y_RANGE[1]
        self._set_labels()
        self.lanes = [run for run in runs if run.seed_index == 0]
        self._rows = np.array([run.index for run in runs], dtype=np.intp)  # lane by lane
        self._optimizer_of = {run.index: run.optimizer.name for run in self.lanes}
        forks = [run.index for run in self.lanes if run.branch is not None]
        self._branches = {index: place for place, index in enumerate(forks)}  # own dashes each
        self.curves, self.heads = {}, {}
        self._bins = {run.index: GrowingBins(MAX_POINTS // 2) for run in self.lanes}
        self.bands.start(self.lanes if seeds > 1 else [])
        for run in self.lanes:
            pen = self._curve_pen(run.optimizer.name, run.index)
            curve = LiveCurve(pen=pen, skipFiniteCheck=True)
            curve.setClickable(True, width=8)
            curve.sigClicked.connect(lambda _c, _e, index=run.index: self.on_click(index))
            self.plot.addItem(curve)
            self.curves[run.index] = curve
            self._twins.add(run.index, self._twin_pen(run.optimizer.name))
            head = self.heads[run.index] = add_head_dot(self.plot)
            self._style_head(head, run.optimizer.name)
        self.max_steps = max_steps
        self.diverged.clear()
        self.invalidate()
        self.follow = True
        self.x_extent = min(FIRST_X_RANGE, max_steps)
        self.show_default_view()

    def show_axes(self) -> None:
        """The axes, labels and default view for what the view state shows (loss or learning
        rate, log-y or not); the next redraw puts the curves on them."""
        self.plot.getAxis("left").setLogMode(False, self.log_y)  # tick labels; the data we log10
        self._set_labels()
        self.invalidate()
        self.show_default_view()

    def show_default_view(self) -> None:
        if self.show_lr:  # the rate axis is fitted to the rates at the next redraw
            self.plot.disableAutoRange()
            self.plot.setXRange(0, self.x_extent, padding=0.02)
            self.rate_axis.forget()
            self.rate_axis.expect(self.lr, self.log_y)
            return
        self.plot.disableAutoRange()
        low, high = Y_RANGE[0], self.y_top or Y_RANGE[1]
        if self.log_y:
            low, high = -3.0, math.log10(high)
        self.plot.setRange(xRange=(0, self.x_extent), yRange=(low, high), padding=0.04)

    def redraw(self, history: LossHistory, update: LossUpdate | None, runs: list[RunKey]) -> None:
        """``setData`` on the existing items whose data changed; nothing is created here."""
        rows = self._rows
        counts = history.counts[rows]
        status = None if update is None else history.status[rows]
        if (
            np.array_equal(counts, self._drawn)
            and same_status(status, self._drawn_statuses)
            and self.now == self._drawn_now
        ):
            return  # nothing new in this panel since the last frame
        if self.y_top is None and counts.size and counts.max() > 0:
            self._fit_top(history, rows[counts > 0])
        top = self._view_top()
        seeds = self.seeds
        width = int(self.plot.getViewBox().width())
        columns = min(MAX_POINTS // 2, max(MIN_COLUMNS, width))
        for k, lane in enumerate(self.lanes):
            group = lane.index // seeds
            length = int(counts[k * seeds : (k + 1) * seeds].max())
            values = self._lane_values(history, lane, group)
            shown, start = len(values), lane.start
            if self._drawn_lengths.get(lane.index) != length:
                part = slice(start, max(start, shown))  # a branch from its step on
                curve_bins = self._bins[lane.index]
                curve_bins.resize(columns)
                x, y = curve_bins.min_max(history.steps[part], values[part])
                self.curves[lane.index].setData(x, self._to_view(y))
                if seeds > 1:
                    self.bands.draw(lane.index, history, group, self.show_lr, self._to_view)
                else:
                    self._twins.draw(lane.index, history, shown, self.show_lr, self._to_view)
                self._drawn_lengths[lane.index] = length
            head = self.heads[lane.index]
            if self.now is not None:  # the timeline went back: heads where the runs were then
                there = start <= self.now < shown
                head.setVisible(there)
                if there:
                    head.setPos(self.now, float(self._to_view(values[self.now])))
                continue
            draws = slice(k * seeds, (k + 1) * seeds)
            moving = status is not None and shown > 0 and (status[draws] == RUNNING).any()
            head.setVisible(bool(moving))
            if moving:
                head.setPos(shown - 1, float(self._to_view(values[shown - 1])))
        marks = []
        blown = [] if status is None else np.flatnonzero((status == DIVERGED) & (counts > 0))
        for i in blown:
            run, count = runs[i], int(counts[i])
            values = history.lrs(run.index) if self.show_lr else history.losses(run.index)
            last = self._to_view(values[count - 1])
            off_chart = bool(last > top)  # ▲ at the top edge when it left the view
            marks.append(
                (
                    count - 1,
                    top if off_chart else float(last),
                    "t1" if off_chart else "x",
                    optimizer_colour(run.optimizer.name),
                )
            )
        if marks != self._drawn_marks:
            width = 2.5 * self.pen_scale * self.theme.scale
            self.diverged.setData(
                x=[m[0] for m in marks],
                y=[m[1] for m in marks],
                symbol=[m[2] for m in marks],
                brush=[cached_brush(m[3]) for m in marks],
                pen=[cached_pen(m[3], width) for m in marks],
            )
            self.diverged.setVisible(bool(marks))  # an empty scatter still costs its paint
            self._drawn_marks = marks
        self._drawn, self._drawn_statuses, self._drawn_now = counts, status, self.now
        self.grow_x(int(counts.max()) if counts.size else 0)
        if self.show_lr and self.follow:
            self.rate_axis.fit([history.lrs(lane.index) for lane in self.lanes], self.log_y)

    def _fit_top(self, history: LossHistory, rows: np.ndarray) -> None:
        """A 2-D problem's loss axis: from 0 to a little above its runs' loss at step 0 (its
        own scale: Rosenbrock starts at 409, the bowl at 33), once that loss has arrived."""
        first = np.array([history.losses(int(row))[0] for row in rows], dtype=np.float64)
        self.y_top = loss_axis_top(first) or Y_RANGE[1]
        if self.follow:
            self.show_default_view()

    def show_now(self) -> None:
        """A line at the step the timeline shows (the next redraw puts the heads there)."""
        step = self.now
        self.now_line.setVisible(step is not None)
        if step is not None:
            self.now_line.setPos(step)

    def _lane_values(self, history: LossHistory, lane: RunKey, group: int) -> np.ndarray:
        """What a lane's curve shows: its run's losses, or its draws' median; the learning rate
        of its (first) run in the learning-rate view."""
        if self.show_lr:
            return history.lrs(lane.index)
        if self.seeds > 1:
            return history.band(group)[1]
        return history.losses(lane.index)

    def invalidate(self) -> None:
        """Draw everything again at the next redraw (new axis mode, theme or data)."""
        self._drawn, self._drawn_statuses, self._drawn_marks = None, None, None
        self._drawn_now: int | None = None
        self._drawn_lengths: dict[int, int] = {}  # per lane, the steps its curve shows
        for bins in self._bins.values():  # the curves may be other data now (the lr view)
            bins.clear()
        self.bands.forget()

    def _to_view(self, values):
        """Data to view coordinates: log10 on a log axis, where a loss ≤ 0 sits at LOG_FLOOR."""
        return np.log10(np.maximum(values, LOG_FLOOR)) if self.log_y else values

    def _view_top(self) -> float:
        return self.plot.getViewBox().viewRange()[1][1]

    def grow_x(self, length: int, busy: bool = False) -> None:
        """Grow the x range when curves reach its end: doubled, and again until it holds the
        steps the pace since the last frame would add in FOLLOW_AHEAD_S. A growth re-lays
        every panel's ticks (22–49 ms a frame with the Sharpness view); at "max", doubling
        alone did it five times in the first 0.3 s. ``busy``: the y range moved this frame;
        a growth the curves do not need yet (they end within the range) waits a frame."""
        now = time.perf_counter()
        last_length, last_time = self._last_length
        self._last_length = (length, now)
        if not self.follow or length < 0.95 * self.x_extent or self.x_extent >= self.max_steps:
            return
        if busy and length <= self.x_extent:
            return
        gap = now - last_time
        pace = (length - last_length) / gap if 0 < gap <= PACE_GAP_S else 0.0
        ahead = max(pace, 0.0) * FOLLOW_AHEAD_S
        self.x_extent = followed_extent(self.x_extent, length, self.max_steps, ahead)
        self.plot.setXRange(0, self.x_extent, padding=0.02)

    def _stop_following(self, *_) -> None:
        self.follow = False

    # --- hover -----------------------------------------------------------------------------

    @property
    def readout(self) -> pg.TextItem:
        """The hover readout's text (hidden until the pointer is over the plot)."""
        return self.hover.text

    def show_readout(self, scene_pos: QPointF, history: LossHistory, runs: list[RunKey]) -> None:
        step = self.hover.step_at(scene_pos)
        self.hover.place(scene_pos, loss_lines(history, step, runs, self.lanes, self.seeds))


RUNNING, DIVERGED = RunStatus.RUNNING, RunStatus.DIVERGED


def loss_axis_top(first: np.ndarray) -> float | None:
    """A 2-D problem's loss axis top: 10 % above the highest finite, positive loss at step 0;
    None when there is none."""
    first = first[np.isfinite(first) & (first > 0)]
    return float(first.max()) * 1.1 if first.size else None
