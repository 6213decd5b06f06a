"""The grid of loss panels: one per learning rate, one curve per optimizer, one legend.

What it shows (loss, learning rate or sharpness; log-y; the step the timeline shows) it reads
from a :class:`ViewState`, the window's or, for an exported figure, one of its own.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtWidgets import QGraphicsItem

from engine.experiment.runs import RunKey
from engine.live.messages import ExperimentStarted, LossUpdate
from engine.problems import DEFAULT_PROBLEM
from gui.panels.loss_panel import LossPanel
from gui.panels.sharpness_layer import (
    THRESHOLD_NOTE,
    SharpnessLayer,
    legend_label,
    threshold_sample,
)
from gui.plotting.helpers import KeySample
from gui.plotting.legend_fit import fit_legend
from gui.plotting.pacing import PacedView
from gui.plotting.plot_grid import grid_shape, replace_plots
from gui.plotting.themes import DEFAULT, Theme
from gui.state.loss_history import LossHistory
from gui.state.view_state import Quantity, ViewState

TITLE_MARGIN = 90  # of a panel's width, what its left axis and the gaps take (at 100 %)


class PanelGrid(PacedView, pg.GraphicsLayoutWidget):
    """A legend row over a grid of :class:`LossPanel`, one per learning rate in reading order
    (see :func:`grid_shape`), and, for exported figures, a footer naming the settings."""

    run_clicked = Signal(int)  # a curve was clicked: the run's index

    def __init__(
        self,
        parent=None,
        theme: Theme = DEFAULT,
        footer: bool = False,
        live: bool = False,
        view: ViewState | None = None,
    ):
        super().__init__(parent)
        self.live = live
        self.view = view if view is not None else ViewState(parent=self)
        self.legend = pg.LegendItem(colCount=4, sampleType=KeySample)
        self.band_sample = pg.PlotDataItem([0.0], [0.0], pen=None, fillLevel=0.0)
        self.addItem(self.legend, row=0, col=0)
        self.cells = self.addLayout(row=1, col=0)  # the panels; rebuilt when their count changes
        self.cells.setContentsMargins(0, 0, 0, 0)
        self.panels: list[LossPanel] = []
        self.layers: list[SharpnessLayer] = []  # one per panel
        self.footer = pg.LabelItem(justify="right") if footer else None
        if self.footer is not None:
            self.addItem(self.footer, row=2, col=0)
        self.runs: list[RunKey] = []
        self._panel_runs: list[list[RunKey]] = []
        self.scene().sigMouseMoved.connect(self._hover)
        self._history: LossHistory | None = None
        self.view.events.log_y.connect(self._on_log_y_change)
        self.view.events.quantity.connect(self._on_quantity_change)
        self.view.events.step.connect(self._on_step_change)
        self.apply_theme(theme)

    @property
    def show_sharpness(self) -> bool:
        """Each panel's SharpnessLayer instead of its losses."""
        return self.view.quantity is Quantity.SHARPNESS

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        self.theme, self.pen_scale = theme, pen_scale
        self.setBackground(theme.background)
        self.legend.setLabelTextColor(theme.foreground)
        self.legend.setLabelTextSize(f"{theme.legend_pt}pt")
        for panel, layer in zip(self.panels, self.layers):
            panel.apply_theme(theme, pen_scale)
            layer.apply_theme(theme, pen_scale)
        self._fill_legend()
        self.fit_layout()

    def fit_layout(self) -> None:
        """Titles on two lines where one line would not fit a panel, all in the form that fits
        every panel (at 200 % one panel read "Learning rate: 1" beside three "η = 0.01"), and
        as many legend columns as fit across: at a projector's zoom neither may widen the grid
        past the view."""
        if not self.panels:
            return
        columns = grid_shape(len(self.panels))[1]
        room = self.width() / columns - TITLE_MARGIN * self.theme.scale
        forms = ("wrap", "short") if columns > 2 else ("line", "wrap", "short")
        fits = (f for f in forms if all(p.title.width(f) <= room for p in self.panels))
        form = next(fits, forms[-1])
        for panel in self.panels:
            panel.title.set_form(form)
        fit_legend(self.legend, self.width() - 20)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if getattr(self, "panels", None) and not getattr(self, "closed", False):
            self.fit_layout()  # pyqtgraph resizes before __init__ is done, and in close()

    def set_footer(self, text: str) -> None:
        if self.footer is not None:
            self.footer.setText(text, color=self.theme.foreground, size=f"{self.theme.tick_pt}pt")

    def _fill_legend(self) -> None:
        """One legend for all panels: every optimizer once, in its colour (in the sharpness
        view, with what its curve shows, and a dashed sample for the thresholds; with several
        seeds, what the bands are), then each branch (dashed, in its own optimizer's colour) by
        what it changed."""
        self.legend.clear()
        first = self.panels[0] if self._panel_runs else None
        for run in first.lanes if first is not None else []:
            if run.branch is not None:
                continue
            if self.show_sharpness:
                self.legend.addItem(
                    self.layers[0].curves[run.index], legend_label(run, self.layers[0].declared)
                )
            else:
                self.legend.addItem(first.curves[run.index], run.optimizer.label)
        for panel, runs in zip(self.panels, self._panel_runs):
            for run in runs:
                if run.branch is not None and not self.show_sharpness:
                    self.legend.addItem(panel.curves[run.index], run.label)
        if self.show_sharpness and self._panel_runs:
            self.legend.addItem(threshold_sample(self.theme, self.pen_scale), THRESHOLD_NOTE)
        if first is not None and first.seeds > 1:
            self.band_sample.setFillBrush(pg.mkBrush(self.theme.foreground + "44"))
            self.legend.addItem(self.band_sample, f"median, 10–90 % of {first.seeds} seeds")

    def start(self, started: ExperimentStarted, history: LossHistory) -> None:
        """Curves for a new experiment: panel j shows every optimizer at learning rate j."""
        self._history = history
        self.runs = list(started.runs)
        self.legend.clear()
        lrs = started.config.learning_rates
        if len(self.panels) != len(lrs):
            self._build_panels(len(lrs))
        self._panel_runs = [[r for r in self.runs if r.lr_index == j] for j in range(len(lrs))]
        # the limit at the initial parameters: with several seeds, each draw has its own
        limit = (
            None
            if started.stability is None or started.config.seeds > 1
            else started.stability.limit
        )
        for panel, layer, lr, runs in zip(self.panels, self.layers, lrs, self._panel_runs):
            panel.title.limit = limit
            panel.surface = started.config.problem != DEFAULT_PROBLEM
            panel.start(
                lr, runs, started.config.max_steps, started.config.seeds, started.start_loss
            )
            layer.start(runs, started.config.max_steps, started.declared_thresholds)
            layer.show(self.show_sharpness)
        self._fill_legend()
        self.fit_layout()

    def _build_panels(self, count: int) -> None:
        """``count`` new panels laid out as :func:`grid_shape` says; the old ones are deleted."""
        old = [panel.plot for panel in self.panels]
        self.panels = replace_plots(self.cells, old, count, self._new_panel)
        self.layers = [SharpnessLayer(panel, cached=self.live) for panel in self.panels]

    def _new_panel(self, plot: pg.PlotItem) -> LossPanel:
        """A panel on ``plot`` with the grid's theme and modes."""
        panel = LossPanel(plot, self.view)
        panel.on_click = self.run_clicked.emit
        if self.live:  # axes and grid change only when a range does: paint them from a cache
            for name in ("bottom", "left"):
                plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        panel.apply_theme(self.theme, self.pen_scale)
        panel.show_axes()
        panel.show_now()
        return panel

    def redraw(self, update: LossUpdate | None) -> None:
        for panel, layer, runs in zip(self.panels, self.layers, self._panel_runs):
            if self.show_sharpness:
                layer.redraw(self._history)
            else:
                panel.redraw(self._history, update, runs)

    def _on_step_change(self, _step: int | None) -> None:
        """Every panel shows the runs at the step the timeline went back to, or at their
        latest; the next redraw moves the heads."""
        for panel in self.panels:
            panel.show_now()

    def _on_log_y_change(self, _log_y: bool) -> None:
        """Every panel's y axis; the next redraw puts the curves on it. The sharpness view
        keeps its own axes."""
        for panel in self.panels:
            panel.show_axes()
        if self.show_sharpness:
            for layer in self.layers:
                layer.show(True)

    def _on_quantity_change(self, quantity: Quantity) -> None:
        """Losses, learning rates, or each run's sharpness and threshold; the next redraw fills
        them in."""
        sharpness = quantity is Quantity.SHARPNESS
        for panel, layer in zip(self.panels, self.layers):
            if layer.shown != sharpness:
                layer.show(sharpness)  # turned off, it gives the panel its own axes back
            elif not sharpness:
                panel.show_axes()
        self._fill_legend()
        self.fit_layout()  # the view's longer legend entries wrap: the grid stays in view

    def _hover(self, scene_pos: QPointF) -> None:
        for panel, layer, runs in zip(self.panels, self.layers, self._panel_runs):
            if self._history is not None and panel.hover.contains(scene_pos):
                if self.show_sharpness:
                    layer.show_readout(scene_pos, self._history)
                else:
                    panel.show_readout(scene_pos, self._history, runs)
            else:
                panel.hover.hide()

    def leaveEvent(self, event) -> None:
        for panel in self.panels:
            panel.hover.hide()
        super().leaveEvent(event)
