"""The 3-D view of the Landscape tab: a :class:`SurfaceCanvas` per learning rate in the panels'
grid under a legend, a caption under them, one camera for all; and the whole as one picture."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.analysis.landscape_map import LandscapeMap
from engine.experiment.runs import RunKey
from engine.live.messages import ExperimentStarted
from gui.plotting.helpers import point_font, to_pixel
from gui.plotting.loss_colours import decade_ticks, loss_colour_map
from gui.plotting.palette import optimizer_colour
from gui.plotting.plot_grid import grid_shape
from gui.plotting.themes import DEFAULT, Theme
from gui.state.loss_history import LossHistory
from gui.surface3d.camera import SharedCamera
from gui.surface3d.canvas import SurfaceCanvas
from gui.surface3d.geometry import Box, SurfaceMesh, surface_mesh

MARK_LOOKS = {"start": ("#ffffff", "#000000"), "minimum": ("#000000", "#ffffff")}  # fill, ring
MARKS_LEGEND = "white ball: the start · black ball ringed in white: a minimum"
ON_THE_SHEET = (
    "3-D: the height is the loss on the colour bar's log scale, and every path is drawn on the "
    "sheet, where it went."
)
OFF_THE_SHEET = (
    "3-D: a path's height is the loss the run really had, not the sheet's under its "
    "projection: where it floats above or sinks below the sheet, it has left the plane."
)
HANDLING = "Drag to turn, wheel to zoom, double-click to reset: every plot turns together."
PICTURE_CELL = (520, 420)  # a plot's size in a picture when it has none on screen
COLOUR_BAR_LABEL = "loss (log scale): colour and height"
COLOUR_BAR_WIDTH = 96  # pixels, the bar and its ticks and label


class SurfaceGrid(QWidget):
    """The 3-D plots: :meth:`start` makes their paths for an experiment, :meth:`set_map` lays
    the sheet, :meth:`redraw` moves the paths on; ``camera`` is the one they share. As on the
    2-D map, Shift+click on a sheet emits ``start_requested`` with the plane point it met,
    Ctrl+Shift+click ``start_cleared``."""

    start_requested = Signal(float, float)
    start_cleared = Signal()

    def __init__(self, parent: QWidget | None = None, theme: Theme = DEFAULT):
        super().__init__(parent)
        self.camera = SharedCamera(self)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the theme's, edge to edge
        self.legend = QLabel()
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.cells = QGridLayout()
        self.cells.setSpacing(6)
        self.bar_view = pg.GraphicsLayoutWidget()
        self.bar_view.setFixedWidth(COLOUR_BAR_WIDTH)
        self.colour_bar = pg.ColorBarItem(
            colorMap=loss_colour_map(), interactive=False, colorMapMenu=False, width=18
        )
        self.bar_view.addItem(self.colour_bar)
        middle = QHBoxLayout()
        middle.addLayout(self.cells, 1)
        middle.addWidget(self.bar_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addWidget(self.legend)
        layout.addLayout(middle, 1)
        layout.addWidget(self.caption)
        self.canvases: list[SurfaceCanvas] = []
        self.titles: list[QLabel] = []
        self.map: LandscapeMap | None = None
        self.mesh: SurfaceMesh | None = None
        self._plot_runs: list[list[RunKey]] = []
        self._lrs: tuple[float, ...] = ()
        self._history: LossHistory | None = None
        self._initial: np.ndarray | None = None
        self._drawn = np.zeros(0, dtype=np.int64)
        self._heads: dict[int, np.ndarray] = {}
        self._start_exact = False  # the start mark stands at the loss the runs had there
        self._caption = ""
        self.apply_theme(theme)

    @property
    def last_paint_ms(self) -> float:
        """What drawing every plot last cost (for the redraw pacer)."""
        return sum(canvas.last_paint_ms for canvas in self.canvases)

    # --- looks ---------------------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setStyleSheet(
            f"SurfaceGrid {{ background: {theme.background}; }} "
            f"QLabel {{ background: {theme.background}; color: {theme.foreground}; }}"
        )
        for canvas in self.canvases:
            canvas.set_look(theme.background, theme.foreground)
        self.bar_view.setBackground(theme.background)
        for name in ("left", "right", "top", "bottom"):
            axis = self.colour_bar.getAxis(name)
            axis.setPen(pg.mkPen(theme.foreground))
            axis.setTextPen(pg.mkPen(theme.foreground))
        self.colour_bar.axis.setTickFont(point_font(theme.tick_pt))
        self.colour_bar.getAxis("left").setLabel(
            COLOUR_BAR_LABEL, color=theme.foreground, **{"font-size": f"{theme.label_pt}pt"}
        )
        self._show_titles()
        self._fill_legend()
        self.set_caption(self._caption)

    def _show_titles(self) -> None:
        for title, lr in zip(self.titles, self._lrs):
            title.setText(f"<span style='font-size:{self.theme.title_pt}pt'>Learning rate: {lr:g}")

    def _fill_legend(self) -> None:
        runs = self._plot_runs[0] if self._plot_runs else []
        names = [
            f"<span style='color:{optimizer_colour(r.optimizer.name)}'>● "
            f"{html.escape(r.optimizer.label)}</span>"
            for r in runs
        ]
        self.legend.setText(
            f"<span style='font-size:{self.theme.legend_pt}pt'>"
            + " &nbsp; ".join([*names, html.escape(MARKS_LEGEND)])
            + "</span>"
        )

    def set_caption(self, text: str) -> None:
        """``text`` (the 2-D view's caption), then what the heights mean and how to turn it."""
        self._caption = text
        self.caption.setText(self._caption_html(HANDLING))

    def _caption_html(self, *more: str) -> str:
        """The caption, what the heights mean, then ``more``, at the theme's size."""
        surface = self.map is None or self.map.problem.is_surface
        heights = ON_THE_SHEET if surface else OFF_THE_SHEET
        text = "<br>".join(part for part in (self._caption, heights, *more) if part)
        return f"<span style='font-size:{self.theme.tick_pt}pt'>{text}</span>"

    # --- an experiment, its map and its paths --------------------------------------------------

    def start(self, started: ExperimentStarted, history: LossHistory | None = None) -> None:
        """Empty paths for a new experiment: plot j shows every optimizer at learning rate j."""
        self._history, self._initial = history, started.initial_parameters
        self._lrs = tuple(started.config.learning_rates)
        if len(self.canvases) != len(self._lrs):
            self._build(len(self._lrs))
        runs = list(started.runs)
        self._plot_runs = [[r for r in runs if r.lr_index == j] for j in range(len(self._lrs))]
        for canvas, plot_runs in zip(self.canvases, self._plot_runs):
            canvas.set_runs({r.index: optimizer_colour(r.optimizer.name) for r in plot_runs})
        self._drawn = np.full(len(runs), -1, dtype=np.int64)
        self._heads, self._start_exact = {}, False
        self._show_titles()
        self._fill_legend()
        if self.map is not None:
            self.set_map(self.map)

    def _build(self, count: int) -> None:
        for widget in [*self.canvases, *self.titles]:
            self.cells.removeWidget(widget)
            widget.deleteLater()
        columns = grid_shape(count)[1]
        self.canvases, self.titles = [], []
        for j in range(count):
            title = QLabel(alignment=Qt.AlignmentFlag.AlignHCenter)
            canvas = SurfaceCanvas(self.camera)
            canvas.set_look(self.theme.background, self.theme.foreground)
            canvas.start_picked.connect(self._ask_start)
            canvas.start_cleared.connect(self.start_cleared)
            row, column = 2 * (j // columns), j % columns
            self.cells.addWidget(title, row, column)
            self.cells.addWidget(canvas, row + 1, column)
            self.cells.setRowStretch(row + 1, 1)
            self.titles.append(title)
            self.canvases.append(canvas)

    def set_map(self, landscape: LandscapeMap) -> None:
        """Lay ``landscape`` as every plot's sheet; the marks on it; paths again on its scale."""
        self.map = landscape
        self.mesh = mesh = surface_mesh(landscape)
        for canvas in self.canvases:
            canvas.set_sheet(mesh, landscape.colour_range)
        low, high = landscape.colour_range
        self.colour_bar.setLevels((low, high))
        self.colour_bar.axis.setTicks([decade_ticks(low, high)])
        self._drawn[:] = -1
        self._place_marks()
        self.set_caption(self._caption)

    def _ask_start(self, x: float, y: float, pixel: float) -> None:
        """``start_requested`` with box point (x, y) in plane coordinates, rounded as the 2-D map
        rounds, to what a pixel (``pixel`` box units there) tells apart."""
        if self.map is None:
            return
        box = Box.of(self.map)
        point = box.plane_point(x, y)
        spans = [high - low for low, high in box.window]
        a, b = (to_pixel(v, pixel * span / 2) for v, span in zip(point, spans))
        self.start_requested.emit(a, b)

    def _place_marks(self) -> None:
        landscape, box = self.map, Box.of(self.map)
        plane = landscape.plane
        start = plane.coordinates(self._initial if self._initial is not None else plane.origin)
        first = self._first_loss()
        self._start_exact = first is not None
        start_loss = first if first is not None else landscape.grid_point(tuple(start))[2]
        minima = landscape.problem.defaults.minima if landscape.problem.is_surface else ()
        minima_losses = [landscape.grid_point(tuple(m))[2] for m in minima]
        points = {
            "start": self._points(box, np.reshape(start, (1, 2)), [start_loss]),
            "minimum": self._points(box, np.reshape(minima, (-1, 2)), minima_losses),
        }
        for canvas in self.canvases:
            for name, (fill, ring) in MARK_LOOKS.items():
                canvas.set_marks(name, points[name], fill, ring)

    def _points(self, box: Box, coordinates: np.ndarray, losses) -> np.ndarray:
        """Box points of plane ``coordinates``: on the sheet for a 2-D problem (the loss there
        is the surface's), at the ``losses`` they had for the MLP (off the plane, not the
        sheet's)."""
        if self.map.problem.is_surface:
            return box.on_sheet(self.mesh, coordinates)
        return box.points(coordinates, losses)

    def _first_loss(self) -> float | None:
        """The loss at θ₀: every run's first (they all start there)."""
        history = self._history
        if history is None or not history.counts.size or history.counts.max() == 0:
            return None
        return float(history.losses(int(history.counts.argmax()))[0])

    def redraw(self, coordinates: np.ndarray, counts: np.ndarray) -> None:
        """Paths of the runs whose count changed from ``coordinates`` (runs, steps, 2), at the
        heights of the losses they had."""
        if self.map is None or self._history is None:
            return
        box = Box.of(self.map)
        if not self._start_exact and self._first_loss() is not None:
            self._place_marks()  # at the loss the runs had at θ₀, not the nearest grid point's
        for canvas, plot_runs in zip(self.canvases, self._plot_runs):
            changed = False
            for run in plot_runs:
                index = run.index
                losses = self._history.losses(index) if index < len(counts) else np.zeros(0)
                count = min(int(counts[index]) if index < len(counts) else 0, len(losses))
                if self._drawn[index] == count:
                    continue
                self._drawn[index] = count
                points = self._points(box, coordinates[index, :count], losses[:count])
                canvas.set_path(index, points)
                if len(points):
                    self._heads[index] = points[-1]
                else:
                    self._heads.pop(index, None)
                changed = True
            if changed:
                canvas.set_heads(self._heads)

    # --- a picture -----------------------------------------------------------------------------

    def picture(
        self, scale: float = 1.0, size: tuple[int, int] | None = None, footer: str = ""
    ) -> QImage:
        """The legend, every plot with its title, the colour bar, the caption and ``footer``
        (right-aligned), ``size`` logical pixels (by default: the plots at their size on
        screen, or :data:`PICTURE_CELL` each when not shown), drawn at ``scale`` × that."""
        rows, columns = grid_shape(max(1, len(self.canvases)))
        title = 2.2 * self.theme.title_pt
        shown = bool(self.canvases) and self.canvases[0].width() > 50
        cell = (self.canvases[0].width(), self.canvases[0].height()) if shown else PICTURE_CELL
        width = size[0] if size else columns * cell[0] + COLOUR_BAR_WIDTH
        legend = self._document(self.legend.text(), width)
        below = self._caption_html()  # no "drag to turn" on paper
        if footer:
            size_pt = self.theme.tick_pt
            below += f"<p align='right' style='font-size:{size_pt}pt'>{html.escape(footer)}</p>"
        caption = self._document(below, width)
        if size is not None:
            texts = legend.size().height() + caption.size().height()
            cell = ((width - COLOUR_BAR_WIDTH) / columns, (size[1] - texts) / rows - title)
        cell_w, cell_h, title_h = (round(v * scale) for v in (*cell, title))
        plots_w, plots_h = columns * cell_w, rows * (title_h + cell_h)
        width = plots_w + round(COLOUR_BAR_WIDTH * scale)
        top = round(legend.size().height() * scale)
        height = top + plots_h + round(caption.size().height() * scale)
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(QColor(self.theme.background))
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_text(painter, legend, QPointF(0, 0), scale)
            self._paint_plots(painter, (cell_w, cell_h, title_h), top, columns, scale)
            bar = QRectF(plots_w, top, width - plots_w, plots_h)
            self.bar_view.scene().render(painter, bar, self.bar_view.sceneRect())
            self._paint_text(painter, caption, QPointF(0, top + plots_h), scale)
        finally:
            painter.end()
        return image

    def _paint_plots(self, painter: QPainter, sizes, top: int, columns: int, scale: float):
        cell_w, cell_h, title_h = sizes
        font = painter.font()
        font.setPointSizeF(self.theme.title_pt * scale)
        painter.setFont(font)
        painter.setPen(QColor(self.theme.foreground))
        for j, (canvas, lr) in enumerate(zip(self.canvases, self._lrs)):
            x, y = (j % columns) * cell_w, top + (j // columns) * (title_h + cell_h)
            title = f"Learning rate: {lr:g}"
            painter.drawText(QRectF(x, y, cell_w, title_h), Qt.AlignmentFlag.AlignCenter, title)
            painter.drawImage(QPointF(x, y + title_h), canvas.picture(cell_w, cell_h, scale))

    @staticmethod
    def _paint_text(painter: QPainter, document: QTextDocument, at: QPointF, scale: float):
        painter.save()
        painter.translate(at)
        painter.scale(scale, scale)
        document.drawContents(painter)
        painter.restore()

    def _document(self, text: str, width: float) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultStyleSheet(f"body {{ color: {self.theme.foreground}; }}")
        document.setHtml(f"<body style='color:{self.theme.foreground}'>{text}</body>")
        document.setTextWidth(width)
        return document
