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

from engine.analysis.readings import threshold_at, threshold_position
from engine.experiment.runs import RunKey
from gui.panels.loss_panel import MAX_POINTS, LossPanel
from gui.panels.threshold_labels import ThresholdLabels
from gui.plotting.helpers import LiveCurve, decimate
from gui.plotting.palette import optimizer_colour, optimizer_line_style
from gui.plotting.themes import Theme
from gui.state.loss_history import LossHistory

THRESHOLD_DASHES = [5.0, 3.0]  # in pen widths: longer, sparser than any curve's dashes
THRESHOLD_WIDTH = 2.5  # times a curve's width: the curve can be seen running along it
THRESHOLD_ALPHA = 110  # of 255
SAMPLE_LENGTH = 20  # pixels: the line pyqtgraph's legend draws as an item's sample
FIRST_Y_RANGE = (0.0, 2.0)  # log10: λ from 1 to 100 until there is something to fit
Y_STEP = 0.5  # the y range grows in half decades: re-laying the axis every frame is costly
THRESHOLD_NOTE = "dashed: each run's stability threshold"


def is_adaptive(run: RunKey) -> bool:
    """The run's threshold bounds its preconditioned sharpness."""
    return run.optimizer.optimizer.preconditioned


def quantity(run: RunKey) -> str:
    return "preconditioned λ" if is_adaptive(run) else "λ"


def legend_label(run: RunKey) -> str:
    """``SGD: λ``, ``Adam: preconditioned λ``, ``Lion: λ, no known threshold``."""
    known = np.isfinite(threshold_at(run.optimizer, run.lr))
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


class SharpnessLayer:
    """λ curves and threshold lines for one :class:`LossPanel`'s runs, shown instead of its
    losses while ``shown``; the panel keeps its x range, cursor and readout."""

    def __init__(self, panel: LossPanel):
        self.panel = panel
        self.shown = False
        self.curves: dict[int, pg.PlotCurveItem] = {}
        self.thresholds: dict[int, pg.PlotCurveItem] = {}  # hidden where none is known
        self.labels = ThresholdLabels(panel.plot)  # whose each threshold is, at its end
        self.runs: list[RunKey] = []
        self.max_steps = 1
        self.theme, self.pen_scale = panel.theme, panel.pen_scale
        self._drawn: dict[int, int] = {}
        self._every: int | None = None
        self._thresholds_drawn: dict[int, object] = {}
        self.y_range = FIRST_Y_RANGE  # log10 bounds shown while the panel follows its curves
        self._fitted = False  # the y range has been fitted to data once
        view = panel.plot.getViewBox()
        view.sigRangeChanged.connect(self._place_labels)  # labels sit where lines leave it
        view.sigResized.connect(self._place_labels)  # and are laid out in pixels

    def start(self, runs: list[RunKey], max_steps: int) -> None:
        """Items for a new experiment's runs (the old ones go)."""
        plot = self.panel.plot
        for item in [*self.curves.values(), *self.thresholds.values()]:
            plot.removeItem(item)
        self.runs, self.max_steps = list(runs), max_steps
        self.curves, self.thresholds = {}, {}
        for run in runs:
            curve = LiveCurve(skipFiniteCheck=True)
            curve.setClickable(True, width=8)
            curve.sigClicked.connect(lambda _c, _e, index=run.index: self.panel.on_click(index))
            line = LiveCurve(skipFiniteCheck=True)
            line.setZValue(-2)
            for item in (curve, line):
                item.setVisible(self.shown)
                plot.addItem(item)
            self.curves[run.index], self.thresholds[run.index] = curve, line
        self._drawn, self._every, self._thresholds_drawn = {}, None, {}
        self.y_range, self._fitted = FIRST_Y_RANGE, False
        self.apply_theme(self.theme, self.pen_scale)

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        self.theme, self.pen_scale = theme, pen_scale
        width = theme.line_width * pen_scale
        for run in self.runs:
            name = run.optimizer.name
            pen = pg.mkPen(optimizer_colour(name), width=width)
            pen.setStyle(optimizer_line_style(name))
            self.curves[run.index].setPen(pen)
            self.thresholds[run.index].setPen(threshold_pen(name, theme, pen_scale))
        self.labels.apply_theme(theme)
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
        self._drawn, self._thresholds_drawn = {}, {}
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
        return f"2/η = {2 / self.panel.lr:.3g}" if self.panel.lr > 0 else None

    def _set_axes(self) -> None:
        label = {"color": self.theme.foreground, "font-size": f"{self.theme.label_pt}pt"}
        plot = self.panel.plot
        plot.getAxis("left").setLogMode(False, True)  # tick labels; the data we log10
        plot.setLabel("left", "sharpness (log scale)", **label)
        plot.setLabel("bottom", every_text(self._every), **label)

    def _set_step_label(self) -> None:
        """The x axis says k; a new label re-lays the axis, so only when the text changes."""
        if self.panel.plot.getAxis("bottom").labelText != every_text(self._every):
            self._set_axes()

    def redraw(self, history: LossHistory) -> None:
        """``setData`` on the items whose runs have new steps."""
        counts = {run.index: int(history.counts[run.index]) for run in self.runs}
        if history.sharpness_every != self._every:
            self._every = history.sharpness_every
            self._set_step_label()
        if counts == self._drawn:
            return
        for run in self.runs:
            count = counts[run.index]
            if self._drawn.get(run.index) == count:
                continue
            values = self.values(history, run)
            kept = values > 0  # computed (NaN is not) and drawable on a log axis
            x, y = decimate(history.steps[:count][kept], values[kept], MAX_POINTS)
            self.curves[run.index].setData(x, np.log10(y))
            self._draw_threshold(run, history.lrs(run.index))
        self._drawn = counts
        self.panel.grow_x(max(counts.values(), default=0))
        self._grow_y()
        self._place_labels()

    def _grow_y(self) -> None:
        """Widen the y range, in half decades, to what the curves and lines now span."""
        if not self.panel.follow:
            return
        low, high = (np.inf, -np.inf) if not self._fitted else self.y_range
        for item in [*self.curves.values(), *self.thresholds.values()]:
            y = item.getData()[1]
            if item.isVisible() and y is not None and len(y):
                low, high = min(low, float(np.min(y))), max(high, float(np.max(y)))
        if not np.isfinite(low):
            return
        self._fitted = True
        grown = (np.floor(low / Y_STEP) * Y_STEP, np.ceil(high / Y_STEP) * Y_STEP)
        if grown != self.y_range:
            self.y_range = grown
            self.panel.plot.setYRange(*grown, padding=0.02)

    def _draw_threshold(self, run: RunKey, lrs: np.ndarray) -> None:
        """The threshold at the rate each step used (it moves with a schedule), drawn on to
        the last step; before any step, at the run's own rate."""
        line = self.thresholds[run.index]
        values = threshold_at(run.optimizer, lrs if len(lrs) else np.array([run.lr]))
        known = bool(np.isfinite(values).all()) and bool((values > 0).all())
        line.setVisible(self.shown and known)
        constant = known and bool(np.all(values == values[0]))
        drawn = float(values[0]) if constant else len(values)
        if not known or self._thresholds_drawn.get(run.index) == drawn:
            return
        self._thresholds_drawn[run.index] = drawn
        if constant:
            x, y = np.array([0.0, self.max_steps]), values[[0, 0]]
        else:
            x = np.append(np.arange(len(values), dtype=float), self.max_steps)
            x, y = decimate(x, np.append(values, values[-1]), MAX_POINTS)
        line.setData(x, np.log10(y))

    def _place_labels(self, *_) -> None:
        """Each shown threshold named at its end (see :class:`ThresholdLabels`)."""
        lines = []
        for run in self.runs if self.shown else ():
            line = self.thresholds[run.index]
            x, y = line.getData()
            if line.isVisible() and x is not None:
                lines.append((run.label, optimizer_colour(run.optimizer.name), x, y))
        self.labels.place(lines)

    def _show_thresholds(self) -> None:
        for run in self.runs:
            known = bool(np.isfinite(threshold_at(run.optimizer, run.lr)))
            self.thresholds[run.index].setVisible(known)

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
            threshold = float(threshold_at(run.optimizer, history.lrs(run.index)[at]))
            if np.isfinite(threshold):
                position = threshold_position(float(values[at]), threshold)
                text += f", threshold {threshold:.4g}: {position}"
            else:
                text += ", no known threshold"
            lines.append(text)
        return lines

    def show_readout(self, scene_pos: QPointF, history: LossHistory) -> None:
        self.panel.place_readout(
            scene_pos, self.readout_lines(history, self.panel.step_at(scene_pos))
        )
