"""One panel's Sharpness view: every run's λ over steps on a log axis (the preconditioned λ for
adaptive rules, whose threshold bounds that one) and its stability threshold in the run's
colour, but broad, faint and in long dashes, named at its end: a curve that reaches its
threshold stays visible on it. It shares the panel's plot and hides the loss curves while it
is shown."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPen

from engine.analysis.readings import DeclaredThresholds, threshold_at, threshold_position
from engine.experiment.runs import RunKey
from gui.panels.half_decades import HalfDecades
from gui.panels.lane_points import LanePoints
from gui.panels.loss_panel import MAX_POINTS, LossPanel
from gui.panels.sharpness_lanes import LaneThresholds, Line, joined, lanes_of, same_line
from gui.panels.threshold_labels import ThresholdLabels
from gui.plotting.cached_curve import CachedCurve
from gui.plotting.helpers import LiveCurve, plain_number
from gui.plotting.palette import optimizer_colour, optimizer_line_style
from gui.plotting.themes import Theme
from gui.state.loss_history import LossHistory

THRESHOLD_DASHES = [5.0, 3.0]  # in pen widths: longer, sparser than any curve's dashes
THRESHOLD_WIDTH = 2.5  # times a curve's width: the curve can be seen running along it
THRESHOLD_ALPHA = 110  # of 255
SAMPLE_LENGTH = 20  # pixels: the line pyqtgraph's legend draws as an item's sample
CACHED_POINTS = 4096  # a lane's settled points painted from a cache beyond this (measured)
THRESHOLD_NOTE = "dashed: each run's stability threshold"


def is_adaptive(run: RunKey) -> bool:
    """The run's threshold bounds its preconditioned sharpness."""
    return run.optimizer.optimizer.preconditioned


def quantity(run: RunKey) -> str:
    return "preconditioned λ" if is_adaptive(run) else "λ"


def legend_label(run: RunKey, declared: DeclaredThresholds | None = None) -> str:
    """``SGD: λ``, ``Adam: preconditioned λ``, ``Lion: λ, no known threshold``."""
    known = np.isfinite(threshold_at(run.optimizer, run.lr, declared))
    return f"{run.optimizer.label}: {quantity(run)}" + ("" if known else ", no known threshold")


def every_text(every: int | None) -> str:
    """What the x axis says about how often λ is computed."""
    if every is None:
        return "step"
    return "step (λ at every step)" if every == 1 else f"step (λ every {every} steps)"


def threshold_pen(optimizer_name: str, theme: Theme, pen_scale: float = 1.0) -> QPen:
    """The optimizer's colour, faint, in broad long dashes: unlike any curve (solid, dashed, or
    a branch's dashes), so a λ that lies on its threshold is seen as two lines."""
    colour = QColor(optimizer_colour(optimizer_name))
    colour.setAlpha(THRESHOLD_ALPHA)
    pen = pg.mkPen(colour, width=THRESHOLD_WIDTH * theme.line_width * pen_scale)
    pen.setDashPattern(THRESHOLD_DASHES)
    return pen


def threshold_sample(theme: Theme, pen_scale: float = 1.0) -> pg.PlotDataItem:
    """A grey line in the thresholds' dashes for the legend, saying what they are; no wider
    than lets two dashes show in the legend's short sample."""
    pen = threshold_pen("", theme, pen_scale)
    pen.setColor(QColor(theme.foreground))
    pen.setWidthF(min(pen.widthF(), SAMPLE_LENGTH / 2 / sum(THRESHOLD_DASHES)))
    return pg.PlotDataItem(pen=pen)


def one_or_many(connect: np.ndarray) -> np.ndarray | str:
    """pyqtgraph's fast path for a single line ("all": a polygon), else where lines join."""
    return "all" if np.count_nonzero(~connect) <= 1 else connect


class SharpnessLayer:
    """λ curves and threshold lines for one :class:`LossPanel`'s runs, shown instead of its
    losses while ``shown``; the panel keeps its x range, cursor and readout. Each lane (the
    draws of one optimizer at the panel's rate) is one curve item and one threshold item, keyed
    by the lane's first run's index (:mod:`gui.panels.sharpness_lanes`). A lane's curve strokes
    its newest points; its settled ones are an item below the curves, shown and hidden with it
    (:mod:`gui.panels.lane_points`), painted from a pixmap cache when ``cached`` (a live window,
    not an export)."""

    def __init__(self, panel: LossPanel, cached: bool = False):
        self.panel = panel
        self.cached = cached
        self.shown = False
        self.curves: dict[int, pg.PlotCurveItem] = {}  # the live points
        self.settled: dict[int, pg.PlotCurveItem] = {}
        self.thresholds: dict[int, pg.PlotCurveItem] = {}  # hidden where none is known
        self.labels = ThresholdLabels(panel.plot)  # whose each threshold is, at its end
        self.runs: list[RunKey] = []
        self.lanes: list[list[RunKey]] = []
        self.max_steps = 1
        self.theme, self.pen_scale = panel.theme, panel.pen_scale
        self._rows = np.zeros(0, dtype=np.intp)  # the runs' rows in the history, lane by lane
        self._drawn: np.ndarray | None = None  # the counts the curves were drawn at
        self._every: int | None = None
        self._rewrites = 0  # the history's, when last drawn
        self._limits: dict[int, LaneThresholds] = {}
        self._lines: dict[int, list[Line]] = {}  # per lane, its threshold lines as drawn
        self._points: dict[int, LanePoints] = {}
        self._placed: tuple | None = None  # what the labels were placed for
        self._y = HalfDecades()  # log10 bounds shown while the panel follows its curves
        view = panel.plot.getViewBox()
        view.sigRangeChanged.connect(self._place_labels)  # labels sit where lines leave it
        view.sigResized.connect(self._place_labels)  # and are laid out in pixels

    def start(
        self, runs: list[RunKey], max_steps: int, declared: DeclaredThresholds | None = None
    ) -> None:
        """Items for a new experiment's runs (the old ones go); ``declared``: the thresholds
        students' files declare, as the engine computed them."""
        plot = self.panel.plot
        for item in [*self.curves.values(), *self.settled.values(), *self.thresholds.values()]:
            plot.removeItem(item)
        self.runs, self.max_steps = list(runs), max_steps
        self.declared = dict(declared or {})
        self.lanes = lanes_of(self.runs)
        self._rows = np.array([run.index for lane in self.lanes for run in lane], dtype=np.intp)
        self.curves, self.thresholds, self._limits = {}, {}, {}
        self.settled, self._points = {}, {}
        for lane in self.lanes:
            key = lane[0].index
            curve = LiveCurve(skipFiniteCheck=True)
            settled = CachedCurve(skipFiniteCheck=True)
            settled.setZValue(-1)  # under every lane's newest points
            curve.visibleChanged.connect(lambda c=curve, s=settled: s.setVisible(c.isVisible()))
            for item in (curve, settled):
                item.setClickable(True, width=8)
                item.sigClicked.connect(lambda _c, event, key=key: self._on_click(key, event))
            self.settled[key] = settled
            rows = np.array([run.index for run in lane], dtype=np.intp)
            self._points[key] = LanePoints(rows, is_adaptive(lane[0]), MAX_POINTS)
            line = LiveCurve(skipFiniteCheck=True)
            line.setZValue(-2)
            for item in (curve, settled, line):
                item.setVisible(self.shown)
                plot.addItem(item)
            self.curves[key], self.thresholds[key] = curve, line
            self._limits[key] = LaneThresholds(lane, max_steps, MAX_POINTS, self.declared)
        self._forget_drawn()
        self._every, self._rewrites = None, 0
        self._y.reset()
        self.apply_theme(self.theme, self.pen_scale)

    def _forget_drawn(self) -> None:
        """Draw every lane again at the next redraw."""
        self._drawn, self._placed = None, None
        self._lines = {}
        for points in self._points.values():
            points.clear()

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        self.theme, self.pen_scale = theme, pen_scale
        width = theme.line_width * pen_scale
        for lane in self.lanes:
            name = lane[0].optimizer.name
            pen = pg.mkPen(optimizer_colour(name), width=width)
            pen.setStyle(optimizer_line_style(name))
            self.curves[lane[0].index].setPen(pen)
            self.settled[lane[0].index].setPen(pen)
            self.thresholds[lane[0].index].setPen(threshold_pen(name, theme, pen_scale))
        self.labels.apply_theme(theme)
        self._placed = None
        if self.shown:
            self._set_axes()
            self._place_labels()

    def show(self, on: bool) -> None:
        """Sharpness (``on``) or the panel's own curves; the axes follow."""
        self.shown = on
        panel = self.panel
        for curve in panel.curves.values():
            curve.setVisible(not on)
        for item in [*panel.twins.values(), *panel.heads.values()]:
            item.setVisible(False)  # the panel's next redraw shows those it should
        panel.diverged.setVisible(not on)
        for item in self.curves.values():
            item.setVisible(on)
        self._forget_drawn()
        panel.title.set_note(self._title_note() if on else None)
        if on:
            self._set_axes()
            panel.plot.disableAutoRange()
            panel.plot.setRange(xRange=(0, panel.x_extent), yRange=self.y_range, padding=0.02)
            self._show_thresholds()
        else:
            for item in self.thresholds.values():
                item.setVisible(False)
            panel.show_axes()  # the panel's axis, labels and view, as the view state has them
        self._place_labels()
        panel.invalidate()

    def _title_note(self) -> str | None:
        """Gradient descent's threshold at the panel's rate, the line the class watches."""
        return f"2/η = {plain_number(2 / self.panel.lr)}" if self.panel.lr > 0 else None

    def _set_axes(self) -> None:
        plot = self.panel.plot
        plot.getAxis("left").setLogMode(False, True)  # tick labels; the data we log10
        plot.setLabel("left", "sharpness (log scale)", **self._label_style())
        plot.setLabel("bottom", every_text(self._every), **self._label_style())

    def _set_step_label(self) -> None:
        """The x axis says k; a new label re-lays that axis, so only when the text changes
        (the left one stays: re-laying both axes of every panel made a frame 8–10 ms longer)."""
        text = every_text(self._every)
        if self.panel.plot.getAxis("bottom").labelText != text:
            self.panel.plot.setLabel("bottom", text, **self._label_style())

    def _label_style(self) -> dict[str, str]:
        return {"color": self.theme.foreground, "font-size": f"{self.theme.label_pt}pt"}

    def redraw(self, history: LossHistory) -> None:
        """``setData`` on the items of the lanes whose runs have new steps."""
        counts = history.counts[self._rows]
        if history.rewrites != self._rewrites:  # steps drawn were written again
            self._rewrites = history.rewrites
            self._forget_drawn()
        if history.sharpness_every != self._every:
            self._every = history.sharpness_every
            self._set_step_label()
        drawn = self._drawn
        if drawn is not None and np.array_equal(counts, drawn):
            return
        first, changed = 0, []
        for lane in self.lanes:
            lane_counts = slice(first, first + len(lane))
            first += len(lane)
            if drawn is None or not np.array_equal(counts[lane_counts], drawn[lane_counts]):
                changed.append(lane)
        for lane in changed:
            if self._points[lane[0].index].extend(history):
                self._show_settled(lane[0].index)  # gone: the history went back
        settled = self._settle_due(history)
        for lane in self.lanes:
            if lane in changed or lane[0].index in settled:
                self._draw_lane(lane, history)
        self._drawn = counts
        moved_y = self._grow_y()  # then x, when the curves need it now (see grow_x)
        self.panel.grow_x(int(counts.max()) if counts.size else 0, busy=moved_y)
        self._place_labels()

    def _settle_due(self, history: LossHistory) -> list[int]:
        """Settle the lanes with nothing settled yet, and of the others the one most over its
        budget: one a frame, so that lanes growing alike do not repaint their caches at once.
        The keys of the lanes settled."""
        due = {key: points.due for key, points in self._points.items()}
        most = max(due, key=due.__getitem__, default=None)
        settled = [key for key in due if due[key] == np.inf or (key == most and due[key] > 1)]
        for key in settled:
            self._points[key].settle(history)
            self._show_settled(key)
        return settled

    def _show_settled(self, key: int) -> None:
        x, y, connect, _ = self._points[key].settled
        self.settled[key].setData(x, y, connect=one_or_many(connect))
        self.settled[key].set_cached(self.cached and len(x) > CACHED_POINTS)

    def _draw_lane(self, lane: list[RunKey], history: LossHistory) -> None:
        """The lane's newest points (each joined to the next of its own draw) and its
        threshold lines."""
        key = lane[0].index
        x, y, connect = self._points[key].live()
        self.curves[key].setData(x, y, connect=one_or_many(connect))
        self._draw_thresholds(key, self._limits[key].lines(history))

    def _draw_thresholds(self, key: int, lines: list[Line]) -> None:
        """The threshold at the rate each step used (it moves with a schedule), drawn on to
        the last step; before any step, at the run's own rate; hidden where none is known."""
        item = self.thresholds[key]
        item.setVisible(self.shown and bool(lines))
        drawn = self._lines.get(key)
        if drawn is lines:
            return
        if drawn is not None and len(drawn) == len(lines) and all(map(same_line, drawn, lines)):
            return  # the lines drawn stay, and with them the labels' layout
        self._lines[key] = lines
        x, y, connect, _ = joined(lines)
        item.setData(x, y, connect=one_or_many(connect))

    def _grow_y(self) -> bool:
        """Widen the y range to what the curves and lines now span; True if it moved."""
        items = [*self.curves.values(), *self.settled.values(), *self.thresholds.values()]
        if not self.panel.follow or not self._y.widen(items):
            return False
        self.panel.plot.setYRange(*self.y_range, padding=0.02)
        return True

    @property
    def y_range(self) -> tuple[float, float]:
        """The λ axis' log10 bounds while the panel follows its curves."""
        return self._y.range

    def _place_labels(self, *_) -> None:
        """Each shown threshold named at its end (see :class:`ThresholdLabels`), laid out
        again only when a line, the view's range or its size changed."""
        view = self.panel.plot.getViewBox()
        lines = []
        for lane in self.lanes if self.shown else ():
            if self.thresholds[lane[0].index].isVisible():
                colour = optimizer_colour(lane[0].optimizer.name)
                for x, y in self._lines.get(lane[0].index, ()):
                    lines.append((lane[0].label, colour, x, y))
        placed = (
            [(name, id(x), id(y)) for name, _, x, y in lines],
            tuple(np.ravel(view.viewRange())),
            (view.width(), view.height()),
        )
        if placed == self._placed:
            return
        self._placed = placed
        self.labels.place(lines)

    def _show_thresholds(self) -> None:
        for lane in self.lanes:
            known = any(
                np.isfinite(threshold_at(run.optimizer, run.lr, self.declared)) for run in lane
            )
            self.thresholds[lane[0].index].setVisible(known)

    def _on_click(self, key: int, event) -> None:
        """A lane's curve was clicked: inspect the draw whose point is nearest the click."""
        lane = next(lane for lane in self.lanes if lane[0].index == key)
        x, y, _, owner = self._points[key].points()
        if event is None or not len(owner) or len(lane) == 1:
            self.panel.on_click(key)
            return
        width, height = self.panel.plot.getViewBox().viewPixelSize()
        where = event.pos()
        pixels = ((x - where.x()) / width) ** 2 + ((y - where.y()) / height) ** 2
        self.panel.on_click(lane[int(owner[int(np.argmin(pixels))])].index)

    def lane_points(self, key: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every point the lane keyed ``key`` draws (settled, then live), draw by draw: x, y
        (log10 λ) and where each point joins the next (read-only copies)."""
        x, y, connect, _ = self._points[key].points()
        return x, y, connect

    @staticmethod
    def values(history: LossHistory, run: RunKey) -> np.ndarray:
        """What the run's curve draws: preconditioned λ for an adaptive rule, else λ."""
        if is_adaptive(run):
            return history.preconditioned(run.index)
        return history.sharpness(run.index)

    # --- hover ---------------------------------------------------------------------------

    def readout_lines(self, history: LossHistory, step: int) -> list[str]:
        """Per run, its value at ``step`` (or the last one computed before it), its threshold
        at the rate that step used, and where the one sits against the other."""
        lines = [f"step {step}"]
        for run in self.runs:
            count = int(history.counts[run.index])
            values = self.values(history, run)[: min(step, count - 1) + 1] if step >= 0 else []
            computed = np.flatnonzero(np.isfinite(values))
            name = f"{run.optimizer.label}: {quantity(run)}"
            if not computed.size:
                lines.append(f"{name} not computed at or before this step")
                continue
            at = int(computed[-1])
            text = f"{name} = {values[at]:.4g}" + ("" if at == step else f" (at step {at})")
            threshold = float(
                threshold_at(run.optimizer, history.lrs(run.index)[at], self.declared)
            )
            if np.isfinite(threshold):
                position = threshold_position(float(values[at]), threshold)
                text += f", threshold {threshold:.4g}: {position}"
            else:
                text += ", no known threshold"
            lines.append(text)
        return lines

    def show_readout(self, scene_pos: QPointF, history: LossHistory) -> None:
        hover = self.panel.hover
        hover.place(scene_pos, self.readout_lines(history, hover.step_at(scene_pos)))
