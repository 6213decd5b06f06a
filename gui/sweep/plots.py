"""The sweep's plots: final loss and steps to converge against a log learning-rate axis.

One curve per optimizer (:mod:`engine.analysis.sweep` shapes the values), a row of ✕ for the runs
off
the chart, and a dashed, labelled line at each panel's learning rate. With several seeds the
curve is the median final loss, in a translucent band from the 10th to the 90th percentile. The tab
(:mod:`gui.sweep.view`) shows them live; :mod:`gui.export.sweep` draws them offscreen for files.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QPen

from engine.analysis.sweep import (
    SweepResult,
    band_curve_data,
    loss_ceiling,
    loss_curve_data,
    off_chart_runs,
    steps_plot_note,
)
from gui.plotting.helpers import point_font
from gui.plotting.legend_fit import fit_legend
from gui.plotting.palette import optimizer_colour, optimizer_line_style
from gui.plotting.plot_note import PlotNote
from gui.plotting.themes import DEFAULT, Theme

SYMBOLS = ("o", "s", "t", "d", "t1", "p", "h", "star")  # by optimizer order: overlaps stay legible
LABEL_ROW = 0.93  # the panels' learning rates are labelled this high up the final-loss plot
RIGHT_OF, LEFT_OF = (-0.1, 0.5), (1.1, 0.5)  # label anchors: a tenth of its width off the line
LABEL_GAP = 2  # pixels at least between two labels


class LearningRateAxis(pg.AxisItem):
    """A log axis that labels 10⁻³ as 0.001 and 10¹ as 10, as the panels' titles do."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        return [f"{10.0**v * scale:g}" for v in values]


class SweepPlots(pg.GraphicsLayoutWidget):
    """A legend over two plots sharing a log learning-rate axis: final loss (log y) and steps
    to converge; the panels' learning rates as dashed vertical lines; an optional footer.
    A steps plot with no point to draw says why in its middle (:func:`steps_plot_note`).

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
        self.bands: list[pg.FillBetweenItem] = []  # per optimizer with several seeds
        self._band_edges: list[pg.PlotDataItem] = []  # the bands' invisible low and high lines
        self.loss_markers: list[pg.InfiniteLine] = []  # at the panels' rates, labelled
        self.steps_markers: list[pg.InfiniteLine] = []
        # legend samples, one point each and never plotted: a legend draws its symbol from an
        # item's scatter, which stays unstyled while the item has no points
        self.samples: list[pg.PlotDataItem] = []
        self.diverged_sample = pg.PlotDataItem([0.0], [0.0], pen=None, symbol="x")
        self.marker_sample = pg.PlotDataItem([0.0], [0.0])
        self.band_sample = pg.PlotDataItem([0.0], [0.0], pen=None, fillLevel=0.0)
        self.stop_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            label="stop loss",
            labelOpts={"position": 0.005, "anchors": [(0, 1), (0, 1)]},
        )
        self.stop_line.hide()
        self.loss_plot.addItem(self.stop_line, ignoreBounds=True)
        self.steps_note = PlotNote(self.steps_plot)  # why no run has a step to draw
        self._label_rows = 0
        self._loss_range = (0.0, 1.0)  # the y range show_result chose, before room for labels
        self._ranged_by_user = False  # panned or zoomed since show_result: keep the user's range
        view = self.loss_plot.vb
        view.sigResized.connect(self._place_labels)
        view.sigXRangeChanged.connect(self._follow_x_range)
        for plot in self.plots:
            plot.vb.sigRangeChangedManually.connect(self._note_user_range)
        self.apply_theme(theme)

    @property
    def plots(self) -> tuple[pg.PlotItem, pg.PlotItem]:
        return self.loss_plot, self.steps_plot

    @property
    def label_rows(self) -> int:
        """Rows the learning-rate labels in view take (see :meth:`_place_labels`)."""
        return self._label_rows

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
                axis.setPen(pg.mkPen(fg, width=pen_scale * theme.scale))
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
        self._place_labels()

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
            if self.bands:
                self.bands[i].setBrush(pg.mkBrush(_translucent(colour, 60)))
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
        self.band_sample.setFillBrush(pg.mkBrush(_translucent(theme.foreground, 60)))
        for line in self.loss_markers:
            self._style_label(line)
        stop_pen = QPen(marker_pen)
        stop_pen.setStyle(Qt.PenStyle.DotLine)
        self.stop_line.setPen(stop_pen)
        self._style_label(self.stop_line)
        note = steps_plot_note(self.result) if self.result is not None else ""
        self.steps_note.set_note(note, theme.foreground, theme.background, theme.label_pt)

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
        if self.bands:
            entries.append((self.band_sample, f"10–90 % of {self.result.seeds} seeds"))
        if self.loss_markers:
            entries.append((self.marker_sample, "panels' learning rates"))
        self.legend.setColumnCount(1)
        for item, label in entries:
            self.legend.addItem(item, label)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """As many legend columns (up to 6) as fit across the widget: a wider legend would widen
        the whole layout past the figure's edge."""
        fit_legend(self.legend, self.width() - 20)

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
        """Draw ``result``; each distinct rate of ``panel_lrs`` (default: the result's config's)
        gets a dashed, labelled line, and the x axis reaches every one of them."""
        self.result = result
        self.panel_lrs = tuple(result.config.learning_rates if panel_lrs is None else panel_lrs)
        self._clear()
        lrs = result.lrs
        loss, steps, off_chart = loss_curve_data(result), result.steps, off_chart_runs(result)
        low, top, unit = _loss_extent(loss, result.config.stop_loss)
        rows = 0  # the ✕ rows of the optimizers that diverge somewhere, bottom to top
        band = band_curve_data(result)
        for i in range(len(result.names)):
            if band is not None:
                self._add_band(lrs, band[0][i], band[1][i])
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
        for lr in dict.fromkeys(self.panel_lrs):
            at = math.log10(lr)  # lines take view coordinates: log10 on a log axis
            loss_line = pg.InfiniteLine(
                pos=at,
                angle=90,
                movable=False,
                label=f"{lr:g}",
                labelOpts={"position": LABEL_ROW, "anchors": [RIGHT_OF, RIGHT_OF]},
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
        shown = [*lrs.tolist(), *self.panel_lrs]
        self.loss_plot.setXRange(math.log10(min(shown)), math.log10(max(shown)), padding=0.03)
        self._loss_range, self._ranged_by_user = (low, high), False
        self.loss_plot.setYRange(low, high, padding=0.03)
        self.steps_plot.setYRange(0, result.config.max_steps, padding=0.04)
        self._align_axes()
        self._style_items()
        self._fill_legend()
        self._place_labels()

    def _add_band(self, lrs: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
        """A translucent fill between two unpainted lines, under the median's curve."""
        edges = [self.loss_plot.plot(*_drawable(lrs, values), pen=None) for values in (low, high)]
        for edge in edges:
            edge.setPen(None)
        band = pg.FillBetweenItem(*edges)
        band.setZValue(-5)
        self.loss_plot.addItem(band)
        self._band_edges += edges
        self.bands.append(band)

    def _note_user_range(self, *_) -> None:
        self._ranged_by_user = True

    def _follow_x_range(self, *_) -> None:
        """Panning or zooming moves the lines: lay the labels out again, leaving the y range
        alone (it may be the user's, who is told only after the range changed)."""
        self._place_labels(make_room=False)

    def _place_labels(self, *_, make_room: bool = True) -> None:
        """Lay the learning-rate labels out so that each shows whole: beside its line (right of
        it, or left of it where the plot's edge is near), in the topmost row where it overlaps
        no other label. With ``make_room``, and unless the user has panned or zoomed, the loss
        axis grows to keep the rows clear of the curves."""
        view = self.loss_plot.vb
        width, height = view.width(), view.height()
        if not self.loss_markers or width <= 0 or height <= 0:
            self._label_rows = 0
            return
        (x0, x1), _ = view.viewRange()
        spans = []  # (left, right, line) in pixels across the plot, for the lines in view
        for line in self.loss_markers:
            x = (line.value() - x0) / (x1 - x0) * width
            text_width = line.label.boundingRect().width()  # in pixels, whatever the zoom
            right_of = x + 1.1 * text_width <= width
            line.label.anchors = [RIGHT_OF, RIGHT_OF] if right_of else [LEFT_OF, LEFT_OF]
            left = x + 0.1 * text_width if right_of else x - 1.1 * text_width
            if 0 <= x <= width:
                spans.append((left, left + text_width, line))
        tallest = max(line.label.boundingRect().height() for line in self.loss_markers)
        row_step = (tallest + LABEL_GAP) / height
        row_ends: list[float] = []  # per row, the right edge of its last label
        for left, right, line in sorted(spans, key=lambda span: span[0]):
            row = next(
                (r for r, end in enumerate(row_ends) if end + LABEL_GAP <= left), len(row_ends)
            )
            if row == len(row_ends):
                row_ends.append(right)
            else:
                row_ends[row] = right
            line.label.setPosition(LABEL_ROW - row * row_step)
        self._label_rows = len(row_ends)
        if make_room and not self._ranged_by_user:
            # shrink what lies below the first row of labels to below the last one
            first_row_bottom = LABEL_ROW - row_step / 2
            last_row_bottom = first_row_bottom - max(self._label_rows - 1, 0) * row_step
            shrink = max(last_row_bottom, 0.2) / first_row_bottom
            low, high = self._loss_range
            self.loss_plot.setYRange(low, low + (high - low) / shrink, padding=0.03)

    def _clear(self) -> None:
        for plot, items in (
            (
                self.loss_plot,
                self.loss_curves
                + self.diverged_marks
                + self.loss_markers
                + self.bands
                + self._band_edges,
            ),
            (self.steps_plot, self.steps_curves + self.steps_markers),
        ):
            for item in items:
                plot.removeItem(item)
        self.loss_curves, self.steps_curves, self.diverged_marks = [], [], []
        self.bands, self._band_edges = [], []
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


def _translucent(colour: str, alpha: int) -> QColor:
    result = QColor(colour)
    result.setAlpha(alpha)
    return result
