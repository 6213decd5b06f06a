"""The learning-rate sweep tab: final loss and steps to converge against the learning rate.

One curve per optimizer over 64 log-spaced learning rates (:mod:`engine.sweep`), computed in a
worker thread by :class:`SweepRunner`; the panels' learning rates are dashed vertical lines.
The same plots, drawn offscreen, give the PNG and SVG exports (as :mod:`gui.figure` does for the
panels), and :func:`export_sweep` writes PNG, SVG or CSV by the file's extension.
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import (
    QCoreApplication,
    QMetaObject,
    QObject,
    Qt,
    QThread,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPen
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

import engine
from engine.config import ExperimentConfig
from engine.config_io import config_to_dict
from engine.files import OutputError, atomic_write, check_writable
from engine.sweep import SWEEP_LRS, SweepCancelled, SweepResult, run_sweep, write_sweep_csv
from gui.figure import delete_now, encode_image, render_scene
from gui.palette import optimizer_colour, optimizer_line_style
from gui.panels import Y_RANGE, point_font
from gui.themes import DEFAULT, Theme

FIGURE_SIZE = (1280, 800)  # logical pixels of a 1× export, as the panels' figure
SCALES = (1, 2, 3)
SETTINGS_KEY = "optimizers-from-scratch"  # PNG text chunk carrying the settings
PROGRESS_INTERVAL = 0.1  # seconds between progress reports from the worker
SYMBOLS = ("o", "s", "t", "d", "t1", "p", "h", "star")  # by optimizer order: overlaps stay legible
ITEM_SAMPLE_WIDTH, LEGEND_GAP = 20, 30  # a legend entry's sample, and room between columns
LABEL_ROW = 0.93  # the panels' learning rates are labelled this high up the final-loss plot


class LearningRateAxis(pg.AxisItem):
    """A log axis that labels 10⁻³ as 0.001 and 10¹ as 10, as the panels' titles do."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        return [f"{10.0**v * scale:g}" for v in values]


class SweepPlots(pg.GraphicsLayoutWidget):
    """A legend over two plots sharing a log learning-rate axis: final loss (log y) and steps
    to converge; the panels' learning rates as dashed vertical lines; an optional footer.

    Diverged runs have no final loss worth drawing (their last one may be 1e30): each
    optimizer's get a row of ✕ above the curves instead (see :func:`off_chart_runs`).
    """

    def __init__(self, parent=None, theme: Theme = DEFAULT, footer: bool = False):
        super().__init__(parent)
        self.legend = pg.LegendItem(colCount=4)
        self.addItem(self.legend, row=0, col=0)
        self.loss_plot = self.addPlot(
            row=1,
            col=0,
            axisItems={"bottom": LearningRateAxis("bottom"), "left": LearningRateAxis("left")},
        )
        self.steps_plot = self.addPlot(
            row=2, col=0, axisItems={"bottom": LearningRateAxis("bottom")}
        )
        self.loss_plot.setLogMode(x=True, y=True)
        self.steps_plot.setLogMode(x=True, y=False)
        self.steps_plot.setXLink(self.loss_plot)
        for plot in self.plots:
            plot.hideButtons()
            plot.setMenuEnabled(False)
        self.footer = pg.LabelItem(justify="right") if footer else None
        if self.footer is not None:
            self.addItem(self.footer, row=3, col=0)
        self.result: SweepResult | None = None
        self.panel_lrs: tuple[float, ...] = ()
        self.loss_curves: list[pg.PlotDataItem] = []  # per optimizer, x = lr, y = final loss
        self.steps_curves: list[pg.PlotDataItem] = []  # per optimizer, y = steps to converge
        self.diverged_marks: list[pg.PlotDataItem] = []  # per optimizer, its row of ✕
        self.loss_markers: list[pg.InfiniteLine] = []  # at the panels' rates, labelled
        self.steps_markers: list[pg.InfiniteLine] = []
        # legend samples, one point each and never plotted: a legend draws its symbol from an
        # item's scatter, which stays unstyled while the item has no points
        self.samples: list[pg.PlotDataItem] = []
        self.diverged_sample = pg.PlotDataItem([0.0], [0.0], pen=None, symbol="x")
        self.marker_sample = pg.PlotDataItem([0.0], [0.0])
        self.stop_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            label="stop loss",
            labelOpts={"position": 0.005, "anchors": [(0, 1), (0, 1)]},
        )
        self.stop_line.hide()
        self.loss_plot.addItem(self.stop_line, ignoreBounds=True)
        self.apply_theme(theme)

    @property
    def plots(self) -> tuple[pg.PlotItem, pg.PlotItem]:
        return self.loss_plot, self.steps_plot

    # --- look ------------------------------------------------------------------------------

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        """Axis, text, line and symbol styles; ``pen_scale`` widens lines for a sharp export."""
        self.theme, self.pen_scale = theme, pen_scale
        fg = theme.foreground
        self.setBackground(theme.background)
        label = {"color": fg, "font-size": f"{theme.label_pt}pt"}
        titles = ("Final loss", "Steps to converge")
        y_labels = ("final loss (MSE)", "steps to converge")
        for plot, title, y_label in zip(self.plots, titles, y_labels):
            for name in ("bottom", "left"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(fg, width=pen_scale))
                axis.setTextPen(pg.mkPen(fg))
                axis.setTickFont(point_font(theme.tick_pt))
            plot.setLabel("bottom", "learning rate", **label)
            plot.setLabel("left", y_label, **label)
            plot.setTitle(title, color=fg, size=f"{theme.title_pt}pt")
            plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)
        self.legend.setLabelTextColor(fg)
        self.legend.setLabelTextSize(f"{theme.legend_pt}pt")
        self._align_axes()
        self._style_items()
        self._fill_legend()

    def _align_axes(self) -> None:
        """Give both left axes the width the widest tick needs, so the linked x axes (and the
        learning-rate lines) line up."""
        widest = str(self.result.config.max_steps) if self.result is not None else "1000"
        ticks = QFontMetrics(point_font(self.theme.tick_pt)).horizontalAdvance(widest)
        label = QFontMetrics(point_font(self.theme.label_pt)).height()
        for plot in self.plots:
            plot.getAxis("left").setWidth(ticks + label + 16)

    def _style_items(self) -> None:
        """Symbols are sized in logical pixels (an export's pixel ratio scales them); lines
        are cosmetic, so their widths take ``pen_scale``."""
        theme, scale = self.theme, self.pen_scale
        size = theme.head_size * 0.75
        outline = max(1.0, theme.line_width / 2)
        names = self.result.names if self.result is not None else ()
        for i, name in enumerate(names):
            colour = optimizer_colour(name)
            pen = pg.mkPen(colour, width=theme.line_width * scale)
            pen.setStyle(optimizer_line_style(name))
            fill = pg.mkBrush(_translucent(colour, 110))
            symbol = SYMBOLS[i % len(SYMBOLS)]
            for curve in (self.loss_curves[i], self.steps_curves[i], self.samples[i]):
                curve.setPen(pen)
                curve.setSymbol(symbol)
                curve.setSymbolSize(size)
                curve.setSymbolBrush(fill)
                curve.setSymbolPen(pg.mkPen(colour, width=outline))
            marks = self.diverged_marks[i]
            marks.setSymbolSize(size * 1.3)
            marks.setSymbolBrush(pg.mkBrush(colour))
            marks.setSymbolPen(pg.mkPen(colour, width=1))
        self.diverged_sample.setSymbolSize(size * 1.3)
        self.diverged_sample.setSymbolBrush(pg.mkBrush(theme.foreground))
        self.diverged_sample.setSymbolPen(pg.mkPen(theme.foreground, width=1))
        marker_pen = pg.mkPen(
            _translucent(theme.foreground, 170), width=max(1.0, theme.line_width / 2) * scale
        )
        marker_pen.setStyle(Qt.PenStyle.DashLine)
        for line in self.loss_markers + self.steps_markers:
            line.setPen(marker_pen)
        self.marker_sample.setPen(marker_pen)
        for line in self.loss_markers:
            self._style_label(line)
        stop_pen = QPen(marker_pen)
        stop_pen.setStyle(Qt.PenStyle.DotLine)
        self.stop_line.setPen(stop_pen)
        self._style_label(self.stop_line)

    def _style_label(self, line: pg.InfiniteLine) -> None:
        line.label.setColor(self.theme.foreground)
        line.label.setFont(point_font(self.theme.tick_pt))
        line.label.fill = pg.mkBrush(_translucent(self.theme.background, 200))
        line.label.update()

    def _fill_legend(self) -> None:
        self.legend.clear()
        if self.result is None:
            return
        entries = list(zip(self.samples, self.result.labels))
        off_chart = off_chart_runs(self.result)
        if off_chart.any():
            high = (off_chart & ~self.result.diverged).any()
            text = f"diverged or loss > {loss_ceiling(self.result):g}" if high else "diverged"
            entries.append((self.diverged_sample, text))
        if self.loss_markers:
            entries.append((self.marker_sample, "panels' learning rates"))
        self.legend.setColumnCount(1)
        for item, label in entries:
            self.legend.addItem(item, label)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """As many legend columns (up to 6) as fit across the widget: a wider legend would widen
        the whole layout past the figure's edge."""
        widths = [ITEM_SAMPLE_WIDTH + label.minimumWidth() for _, label in self.legend.items]
        available = self.width() - 20
        columns = min(len(widths), 6)
        while columns > 1:
            per_column = [max(widths[c::columns]) for c in range(columns)]
            if sum(per_column) + LEGEND_GAP * columns <= available:
                break
            columns -= 1
        self.legend.setColumnCount(max(columns, 1))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        # pyqtgraph resizes before __init__ is done, and again in close(), its scene cleared
        legend = getattr(self, "legend", None)
        if legend is not None and legend.items and not getattr(self, "closed", False):
            self._fit_legend()

    def set_footer(self, text: str) -> None:
        if self.footer is not None:
            self.footer.setText(text, color=self.theme.foreground, size=f"{self.theme.tick_pt}pt")

    # --- data ------------------------------------------------------------------------------

    def show_result(self, result: SweepResult, panel_lrs: tuple[float, ...] | None = None) -> None:
        """Draw ``result``; ``panel_lrs`` (default: the result's config's) get dashed lines."""
        self.result = result
        self.panel_lrs = tuple(result.config.learning_rates if panel_lrs is None else panel_lrs)
        self._clear()
        lrs = result.lrs
        loss, steps, off_chart = loss_curve_data(result), result.steps, off_chart_runs(result)
        low, top, unit = _loss_extent(loss, result.config.stop_loss)
        rows = 0  # the ✕ rows of the optimizers that diverge somewhere, bottom to top
        for i in range(len(result.names)):
            self.loss_curves.append(self.loss_plot.plot(*_drawable(lrs, loss[i])))
            self.steps_curves.append(self.steps_plot.plot(*_drawable(lrs, steps[i])))
            self.samples.append(pg.PlotDataItem([0.0], [0.0]))
            where = off_chart[i]
            row = top + unit * (1.5 + 1.2 * rows)
            rows += bool(where.any())
            self.diverged_marks.append(
                self.loss_plot.plot(
                    lrs[where], np.full(int(where.sum()), 10.0**row), pen=None, symbol="x"
                )
            )
        for lr in self.panel_lrs:
            at = math.log10(lr)  # lines take view coordinates: log10 on a log axis
            loss_line = pg.InfiniteLine(
                pos=at,
                angle=90,
                movable=False,
                label=f"{lr:g}",
                labelOpts={"position": LABEL_ROW, "anchors": [(-0.1, 0.5), (-0.1, 0.5)]},
            )
            steps_line = pg.InfiniteLine(pos=at, angle=90, movable=False)
            self.loss_plot.addItem(loss_line, ignoreBounds=True)
            self.steps_plot.addItem(steps_line, ignoreBounds=True)
            self.loss_markers.append(loss_line)
            self.steps_markers.append(steps_line)
        stop_loss = result.config.stop_loss
        self.stop_line.setVisible(stop_loss > 0)
        if stop_loss > 0:
            self.stop_line.setValue(math.log10(stop_loss))
            self.stop_line.label.setFormat(f"stop loss {stop_loss:g}")
        # room above the curves for the ✕ rows, then for the learning-rate labels
        high = top + unit * (1.5 + 1.2 * rows + 2.0) if rows else top + unit * 2.5
        self.loss_plot.setXRange(math.log10(lrs.min()), math.log10(lrs.max()), padding=0.03)
        self.loss_plot.setYRange(low, high, padding=0.03)
        self.steps_plot.setYRange(0, result.config.max_steps, padding=0.04)
        self._align_axes()
        self._style_items()
        self._fill_legend()

    def _clear(self) -> None:
        for plot, items in (
            (self.loss_plot, self.loss_curves + self.diverged_marks + self.loss_markers),
            (self.steps_plot, self.steps_curves + self.steps_markers),
        ):
            for item in items:
                plot.removeItem(item)
        self.loss_curves, self.steps_curves, self.diverged_marks = [], [], []
        self.loss_markers, self.steps_markers, self.samples = [], [], []


def _drawable(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points as they are (NaN breaks the curve), or none when not one is finite: an
    all-NaN scatter makes pyqtgraph warn."""
    return (x, y) if np.isfinite(y).any() else (x[:0], y[:0])


def _loss_extent(loss: np.ndarray, stop_loss: float) -> tuple[float, float, float]:
    """log10 of the lowest and highest loss drawn (and of the stop loss), and a step of a
    twelfth of that span (at least a decade's) to lay out what goes above the curves."""
    shown = loss[np.isfinite(loss)]
    values = [*shown.tolist(), *([stop_loss] if stop_loss > 0 else [])] or [1.0]
    low, top = math.log10(min(values)), math.log10(max(values))
    return low, top, max(top - low, 1.0) / 12


def loss_ceiling(result: SweepResult) -> float:
    """The highest final loss drawn on the curves: ten times the loss at step 0 (the panels'
    fixed y range when that is unknown), or ten times the stop loss if higher. A run that ends
    above it blew up, whatever its status says."""
    start = result.initial_loss if math.isfinite(result.initial_loss) else Y_RANGE[1] / 10
    return max(10 * start, 10 * result.config.stop_loss)


def off_chart_runs(result: SweepResult) -> np.ndarray:
    """(optimizers, lrs) bool: runs drawn as a ✕ above the curves instead of on them: those that
    diverged, and those that ended above :func:`loss_ceiling` (in float64 a run can blow up to
    1e307 without overflowing)."""
    with np.errstate(invalid="ignore"):
        return result.diverged | (result.final_loss.astype(np.float64) > loss_ceiling(result))


def loss_curve_data(result: SweepResult) -> np.ndarray:
    """Final losses as drawn (float64): NaN where a run is off the chart (it gets a ✕ instead)
    or where a log axis cannot show it (≤ 0)."""
    loss = result.final_loss.astype(np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(off_chart_runs(result) | ~(loss > 0), np.nan, loss)


def sweep_footer(result: SweepResult) -> str:
    config, lrs = result.config, result.lrs
    return (
        f"Optimizers from Scratch · learning-rate sweep: {len(lrs)} rates from {lrs.min():g} "
        f"to {lrs.max():g} · seed {config.seed} · hidden units {config.hidden} · "
        f"stop loss {config.stop_loss:g} · max steps {config.max_steps}"
    )


def describe_sweep(result: SweepResult, seconds: float) -> str:
    """'64 learning rates × 4 optimizers in 7.1 s'."""
    n = len(result.names)
    return (
        f"{len(result.lrs)} learning rates × {n} optimizer{'s' if n != 1 else ''} "
        f"in {seconds:.1f} s"
    )


# --- computing in a thread -------------------------------------------------------------------


class SweepWorker(QObject):
    """Runs :func:`run_sweep` in its thread; lives there (``moveToThread``) and has no parent.

    ``latest`` is written by the GUI thread: a computation whose generation is no longer the
    latest stops after its current step.
    """

    finished = Signal(int, object, float)  # generation, SweepResult, seconds
    failed = Signal(int, str)
    progress = Signal(int, int, int)  # generation, steps taken, max steps

    def __init__(self):
        super().__init__()
        self.latest = 0

    @Slot(int, object, object)
    def compute(self, generation: int, config: ExperimentConfig, lrs: object) -> None:
        if generation != self.latest:
            return  # superseded before it began
        began = last_report = time.perf_counter()

        def report(steps: int, max_steps: int) -> None:
            nonlocal last_report
            now = time.perf_counter()
            if now - last_report >= PROGRESS_INTERVAL:
                last_report = now
                self.progress.emit(generation, steps, max_steps)

        try:
            result = run_sweep(
                config, lrs, should_stop=lambda: self.latest != generation, progress=report
            )
        except SweepCancelled:
            return
        except Exception as err:  # a bad setting or torch running out of memory: say so
            self.failed.emit(generation, str(err) or type(err).__name__)
            return
        self.finished.emit(generation, result, time.perf_counter() - began)

    @Slot()
    def shutdown(self) -> None:
        """Hand the object back to the main thread before its thread ends."""
        self.moveToThread(QCoreApplication.instance().thread())


class SweepRunner(QObject):
    """Computes sweeps in a worker thread (started on the first :meth:`compute`); results come
    back queued and are re-emitted here, in the GUI thread, for the latest request only."""

    finished = Signal(object, float)  # SweepResult, seconds
    failed = Signal(str)
    progress = Signal(int, int)  # steps taken, max steps
    _request = Signal(int, object, object)  # to the worker: generation, config, lrs

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("sweep")
        self._worker = SweepWorker()
        self._generation = 0
        self._busy = False
        self._request.connect(self._worker.compute, Qt.ConnectionType.QueuedConnection)
        self._worker.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._worker.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._worker.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        # Safety nets for an owner that forgets stop(): a running QThread must never be deleted.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        self.destroyed.connect(functools.partial(_stop_thread, self._thread, self._worker))

    @property
    def busy(self) -> bool:
        """A computation was asked for and has not delivered yet."""
        return self._busy

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def compute(self, config: ExperimentConfig, lrs=SWEEP_LRS) -> int:
        """Start computing (dropping any computation under way); returns its generation."""
        self._generation += 1
        self._worker.latest = self._generation
        if not self._thread.isRunning():
            if self._worker.thread() is not self._thread:
                self._worker.moveToThread(self._thread)
            self._thread.start()
        self._busy = True
        self._request.emit(self._generation, config, np.array(lrs, dtype=np.float64))
        return self._generation

    def cancel(self) -> None:
        """Drop the computation under way (it stops within a step); the thread stays."""
        self._generation += 1
        self._worker.latest = self._generation
        self._busy = False

    def stop(self) -> bool:
        """Cancel, end the thread and wait for it; safe to call twice or before any compute."""
        self.cancel()
        if not self._thread.isRunning():
            return True
        QMetaObject.invokeMethod(
            self._worker, "shutdown", Qt.ConnectionType.BlockingQueuedConnection
        )
        self._thread.quit()
        return self._thread.wait()

    @Slot(int, object, float)
    def _on_finished(self, generation: int, result: SweepResult, seconds: float) -> None:
        if generation == self._generation:
            self._busy = False
            self.finished.emit(result, seconds)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._busy = False
            self.failed.emit(message)

    @Slot(int, int, int)
    def _on_progress(self, generation: int, steps: int, max_steps: int) -> None:
        if generation == self._generation:
            self.progress.emit(steps, max_steps)


def _stop_thread(thread: QThread, worker: SweepWorker, *_) -> None:
    """End ``thread`` when its runner is deleted without ``stop()`` (only the GUI thread calls)."""
    try:
        worker.latest = -1
        if thread.isRunning():
            thread.quit()
            thread.wait()
    except RuntimeError:  # already gone
        pass


# --- the tab ---------------------------------------------------------------------------------


class SweepView(QWidget):
    """A status line over :class:`SweepPlots`; :meth:`compute` fills it from a worker thread.

    The owner calls :meth:`shutdown` before the window goes (the worker thread must end first).
    """

    result_shown = Signal(object)  # SweepResult

    def __init__(self, parent: QWidget | None = None, theme: Theme = DEFAULT):
        super().__init__(parent)
        self.status = QLabel("No sweep computed yet.")
        self.plots = SweepPlots(theme=theme)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.plots, 1)
        self.runner = SweepRunner(self)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.progress.connect(self._on_progress)

    @property
    def result(self) -> SweepResult | None:
        """What is shown, for exports."""
        return self.plots.result

    @property
    def panel_lrs(self) -> tuple[float, ...]:
        return self.plots.panel_lrs

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        self.plots.apply_theme(theme, pen_scale)

    def show_result(self, result: SweepResult, panel_lrs: tuple[float, ...] | None = None) -> None:
        self.plots.show_result(result, panel_lrs)
        self.result_shown.emit(result)

    def compute(self, config: ExperimentConfig, lrs=SWEEP_LRS) -> None:
        """Sweep ``config``'s optimizers; its learning rates are the panels' (marked)."""
        self.status.setText("Computing the sweep…")
        self.runner.compute(config, lrs)

    def cancel(self) -> None:
        self.runner.cancel()
        self.status.setText("Sweep cancelled.")

    def shutdown(self) -> bool:
        """End the worker thread (and wait for it)."""
        return self.runner.stop()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Shown on its own (not as a tab), closing it ends the worker thread."""
        self.shutdown()
        super().closeEvent(event)

    @Slot(object, float)
    def _on_finished(self, result: SweepResult, seconds: float) -> None:
        self.show_result(result)  # the panels' rates: the config's
        self.status.setText(describe_sweep(result, seconds))

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.status.setText(f"The sweep failed: {message}")

    @Slot(int, int)
    def _on_progress(self, steps: int, max_steps: int) -> None:
        self.status.setText(f"Computing the sweep… step {steps} of {max_steps}")


# --- exports ---------------------------------------------------------------------------------


class _OffscreenPlots:
    """:class:`SweepPlots` drawn offscreen at a fixed logical size, deleted on exit."""

    def __init__(self, result, panel_lrs, theme: Theme, scale: int):
        if scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(map(str, SCALES))}, not {scale}")
        QApplication.instance() or QApplication([])
        self.plots = SweepPlots(theme=theme, footer=True)
        self.plots.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.plots.resize(*FIGURE_SIZE)
        self.plots.apply_theme(theme, pen_scale=scale)
        self.plots.show_result(result, panel_lrs)
        self.plots.set_footer(sweep_footer(result))
        self.plots.show()
        QCoreApplication.processEvents()

    def __enter__(self) -> SweepPlots:
        return self.plots

    def __exit__(self, *_) -> None:
        delete_now(self.plots)


def sweep_image(
    result: SweepResult, panel_lrs: tuple[float, ...] | None, theme: Theme, scale: int = 1
) -> QImage:
    """The sweep at ``FIGURE_SIZE`` × ``scale`` pixels: text and lines grow with the scale."""
    with _OffscreenPlots(result, panel_lrs, theme, scale) as plots:
        return render_scene(plots, theme.background, scale)


def sweep_png_bytes(
    result: SweepResult, panel_lrs: tuple[float, ...] | None, theme: Theme, scale: int = 1
) -> bytes:
    image = sweep_image(result, panel_lrs, theme, scale)
    image.setText(SETTINGS_KEY, _settings_text(result, theme))
    return encode_image(image, "PNG")


def sweep_svg_bytes(
    result: SweepResult, panel_lrs: tuple[float, ...] | None, theme: Theme
) -> bytes:
    with _OffscreenPlots(result, panel_lrs, theme, 1) as plots:
        exporter = pyqtgraph.exporters.SVGExporter(plots.scene())
        return bytes(exporter.export(toBytes=True))


SWEEP_SUFFIXES = (".png", ".svg", ".csv")


def export_sweep(
    path: str | os.PathLike,
    result: SweepResult,
    panel_lrs: tuple[float, ...] | None,
    theme: Theme,
    scale: int = 2,
) -> None:
    """Write the sweep as PNG (at ``scale``), SVG or CSV, chosen by ``path``'s extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in SWEEP_SUFFIXES:
        raise OutputError(f"cannot write {path}: the sweep is saved as .png, .svg or .csv")
    check_writable(path)
    if suffix == ".csv":
        atomic_write(path, lambda handle: write_sweep_csv(result, handle))
        return
    if suffix == ".png":
        data = sweep_png_bytes(result, panel_lrs, theme, scale)
    else:
        data = sweep_svg_bytes(result, panel_lrs, theme)
    atomic_write(path, lambda handle: handle.write(data), binary=True)


def _settings_text(result: SweepResult, theme: Theme) -> str:
    lrs = result.lrs
    return json.dumps(
        {
            "settings": config_to_dict(result.config),
            "sweep": {"lr_min": float(lrs.min()), "lr_max": float(lrs.max()), "count": len(lrs)},
            "theme": theme.name,
            "app": f"Optimizers from Scratch {engine.__version__}",
        }
    )


def _translucent(colour: str, alpha: int) -> QColor:
    result = QColor(colour)
    result.setAlpha(alpha)
    return result
