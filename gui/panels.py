"""The 2×2 grid of loss panels: one per learning rate, one curve per optimizer, one legend."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QPen

from engine.experiment import RunKey, RunStatus
from engine.progress import ExperimentStarted, LossUpdate
from gui.history import LossHistory
from gui.palette import optimizer_colour
from gui.themes import DEFAULT, Theme

Y_RANGE = (0.0, 30.0)  # the article's fixed y range
LOG_FLOOR = 1e-12  # non-positive losses are drawn here on a log axis, never dropped
FIRST_X_RANGE = 50


class LossPanel:
    """One learning rate: its curves, the heads of running curves, divergence markers, hover."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        plot.hideButtons()
        plot.setMenuEnabled(False)
        self.curves: dict[int, pg.PlotDataItem] = {}
        self._optimizer_of: dict[int, str] = {}  # run index -> optimizer name, for its colour
        self.heads = pg.ScatterPlotItem(pxMode=True)
        self.diverged = pg.ScatterPlotItem(pxMode=True)
        for item in (self.heads, self.diverged):
            item.setZValue(10)
            plot.addItem(item)
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
        self.readout = pg.TextItem(color="#eeeeee", fill=pg.mkBrush(20, 20, 20, 210))
        for item in (self.cursor, self.readout):
            item.setZValue(20)
            item.hide()
            plot.addItem(item, ignoreBounds=True)
        self.x_extent = FIRST_X_RANGE
        self.follow = True  # grow the x range with the curves until the user pans or zooms
        self.log_y = False
        self.lr = 0.0
        self.theme, self.pen_scale = DEFAULT, 1.0
        plot.getViewBox().sigRangeChangedManually.connect(self._stop_following)

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        """Axis, text and line styles; ``pen_scale`` widens every line for a sharper export."""
        self.theme, self.pen_scale = theme, pen_scale
        fg = theme.foreground
        for name in ("bottom", "left"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(fg, width=pen_scale))
            axis.setTextPen(pg.mkPen(fg))
            axis.setTickFont(_font(theme.tick_pt))
        label = {"color": fg, "font-size": f"{theme.label_pt}pt"}
        self.plot.setLabel("bottom", "step", **label)
        self.plot.setLabel("left", "loss (MSE)", **label)
        self.plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
        self._set_title()
        for index, curve in self.curves.items():
            curve.setPen(self._curve_pen(self._optimizer_of[index]))
        self.heads.setSize(theme.head_size)
        self.heads.setPen(pg.mkPen(theme.background, width=pen_scale))
        self.diverged.setSize(theme.head_size * 1.8)

    def _set_title(self) -> None:
        self.plot.setTitle(
            f"Learning rate: {self.lr:g}",
            color=self.theme.foreground,
            size=f"{self.theme.title_pt}pt",
        )

    def _curve_pen(self, optimizer_name: str) -> QPen:
        width = self.theme.line_width * self.pen_scale
        return pg.mkPen(optimizer_colour(optimizer_name), width=width)

    def start(self, lr: float, runs: list[RunKey], max_steps: int) -> None:
        self.lr = lr
        self._set_title()
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.curves = {}
        self._optimizer_of = {run.index: run.optimizer.name for run in runs}
        for run in runs:
            pen = self._curve_pen(run.optimizer.name)
            curve = self.plot.plot(pen=pen, name=run.optimizer.label)
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            curve.setSkipFiniteCheck(True)
            self.curves[run.index] = curve
        self.max_steps = max_steps
        self.heads.clear()
        self.diverged.clear()
        self.follow = True
        self.x_extent = min(FIRST_X_RANGE, max_steps)
        self.show_default_view()

    def set_log_y(self, log_y: bool) -> None:
        self.log_y = log_y
        self.plot.setLogMode(y=log_y)
        self.show_default_view()

    def show_default_view(self) -> None:
        low, high = Y_RANGE
        if self.log_y:
            low, high = -3.0, math.log10(high)
        self.plot.setRange(xRange=(0, self.x_extent), yRange=(low, high), padding=0.04)

    def redraw(self, history: LossHistory, update: LossUpdate | None, runs: list[RunKey]) -> None:
        """``setData`` on the existing items; nothing is created or removed here."""
        heads_x, heads_y, heads_brush = [], [], []
        marks_x, marks_y, marks_symbol, marks_brush = [], [], [], []
        top = self._view_top()
        for run in runs:
            count = int(history.counts[run.index])
            y = history.losses(run.index)
            if self.log_y:
                y = np.maximum(y, LOG_FLOOR)
            self.curves[run.index].setData(history.steps[:count], y)
            if not count or update is None:
                continue
            status = update.summaries[run.index].status
            colour = optimizer_colour(run.optimizer.name)
            last = float(y[-1])
            if status is RunStatus.RUNNING:
                heads_x.append(count - 1)
                heads_y.append(self._to_view(last))
                heads_brush.append(pg.mkBrush(colour))
            elif status is RunStatus.DIVERGED:
                off_chart = self._to_view(last) > top
                marks_x.append(count - 1)
                marks_y.append(top if off_chart else self._to_view(last))
                marks_symbol.append("t1" if off_chart else "x")  # ▲ when it left the view
                marks_brush.append(pg.mkBrush(colour))
        self.heads.setData(x=heads_x, y=heads_y, brush=heads_brush)
        width = 2.5 * self.pen_scale
        self.diverged.setData(
            x=marks_x,
            y=marks_y,
            symbol=marks_symbol,
            brush=marks_brush,
            pen=[pg.mkPen(b.color(), width=width) for b in marks_brush],
        )
        self._grow_x(max(int(history.counts[run.index]) for run in runs))

    def _to_view(self, value: float) -> float:
        return math.log10(max(value, LOG_FLOOR)) if self.log_y else value

    def _view_top(self) -> float:
        return self.plot.getViewBox().viewRange()[1][1]

    def _grow_x(self, length: int) -> None:
        """Double the x range when curves reach its end: re-laying ticks every frame is costly."""
        if not self.follow or length < 0.95 * self.x_extent or self.x_extent >= self.max_steps:
            return
        while length >= 0.95 * self.x_extent and self.x_extent < self.max_steps:
            self.x_extent = min(self.x_extent * 2, self.max_steps)
        self.plot.setXRange(0, self.x_extent, padding=0.02)

    def _stop_following(self, *_) -> None:
        self.follow = False

    # --- hover -----------------------------------------------------------------------------

    def contains(self, scene_pos: QPointF) -> bool:
        return self.plot.getViewBox().sceneBoundingRect().contains(scene_pos)

    def show_readout(self, scene_pos: QPointF, history: LossHistory, runs: list[RunKey]) -> None:
        point = self.plot.getViewBox().mapSceneToView(scene_pos)
        step = int(round(point.x()))
        lines = [f"step {step}"]
        for run in runs:
            count = int(history.counts[run.index])
            value = history.losses(run.index)[step] if 0 <= step < count else None
            lines.append(f"{run.optimizer.label}: " + ("—" if value is None else f"{value:.5g}"))
        self.cursor.setPos(step)
        self.readout.setText("\n".join(lines))
        x_range = self.plot.getViewBox().viewRange()[0]
        right_half = point.x() > (x_range[0] + x_range[1]) / 2
        self.readout.setAnchor((1, 0) if right_half else (0, 0))
        self.readout.setPos(point.x(), point.y())
        self.cursor.show()
        self.readout.show()

    def hide_readout(self) -> None:
        self.cursor.hide()
        self.readout.hide()


class PanelGrid(pg.GraphicsLayoutWidget):
    """A legend row over a 2×2 grid of :class:`LossPanel` (one per learning rate, row-major),
    and, for exported figures, a footer naming the settings."""

    def __init__(self, parent=None, theme: Theme = DEFAULT, footer: bool = False):
        super().__init__(parent)
        self.legend = pg.LegendItem(colCount=4)
        self.addItem(self.legend, row=0, col=0, colspan=2)
        self.panels = [LossPanel(self.addPlot(row=1 + i // 2, col=i % 2)) for i in range(4)]
        self.footer = pg.LabelItem(justify="right") if footer else None
        if self.footer is not None:
            self.addItem(self.footer, row=3, col=0, colspan=2)
        self.runs: list[RunKey] = []
        self._panel_runs: list[list[RunKey]] = [[] for _ in self.panels]
        self.scene().sigMouseMoved.connect(self._hover)
        self._history: LossHistory | None = None
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        self.theme, self.pen_scale = theme, pen_scale
        self.setBackground(theme.background)
        self.legend.setLabelTextColor(theme.foreground)
        self.legend.setLabelTextSize(f"{theme.legend_pt}pt")
        for panel in self.panels:
            panel.apply_theme(theme, pen_scale)
        self._fill_legend()

    def set_footer(self, text: str) -> None:
        if self.footer is not None:
            self.footer.setText(text, color=self.theme.foreground, size=f"{self.theme.tick_pt}pt")

    def _fill_legend(self) -> None:
        """One legend for all panels: every optimizer once, in its colour."""
        self.legend.clear()
        for run in self._panel_runs[0]:
            self.legend.addItem(self.panels[0].curves[run.index], run.optimizer.label)

    def start(self, started: ExperimentStarted, history: LossHistory) -> None:
        """Curves for a new experiment: panel j shows every optimizer at learning rate j."""
        self._history = history
        self.runs = list(started.runs)
        self.legend.clear()
        lrs = started.config.learning_rates
        for j, panel in enumerate(self.panels):
            visible = j < len(lrs)
            panel.plot.setVisible(visible)
            runs = [r for r in self.runs if r.lr_index == j] if visible else []
            self._panel_runs[j] = runs
            if visible:
                panel.start(lrs[j], runs, started.config.max_steps)
        self._fill_legend()

    def redraw(self, update: LossUpdate | None) -> None:
        for panel, runs in zip(self.panels, self._panel_runs):
            if runs:
                panel.redraw(self._history, update, runs)

    def set_log_y(self, log_y: bool) -> None:
        """Switch every panel's y axis; the next redraw puts the curves on it."""
        for panel in self.panels:
            panel.set_log_y(log_y)

    def _hover(self, scene_pos: QPointF) -> None:
        for panel, runs in zip(self.panels, self._panel_runs):
            if runs and self._history is not None and panel.contains(scene_pos):
                panel.show_readout(scene_pos, self._history, runs)
            else:
                panel.hide_readout()

    def leaveEvent(self, event) -> None:
        for panel in self.panels:
            panel.hide_readout()
        super().leaveEvent(event)


def _font(points: int) -> QFont:
    font = QFont()
    font.setPointSize(points)
    return font
