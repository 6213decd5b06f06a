"""The landscape's plots in the panels' grid (one per learning rate), one colour bar, the legend,
a caption naming the plane and how far the paths stray from it, and the hover readout."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal

from engine.analysis.landscape_map import LandscapeMap
from engine.analysis.plane import nearest_point
from engine.experiment.runs import RunKey
from engine.live.messages import ExperimentStarted
from gui.landscape.plot import MARKS, LandscapePlot
from gui.plotting.helpers import KeySample, point_font, to_pixel
from gui.plotting.loss_colours import decade_ticks, loss_colour_map
from gui.plotting.pacing import PacedView
from gui.plotting.palette import optimizer_colour
from gui.plotting.plot_grid import replace_plots
from gui.plotting.themes import DEFAULT, Theme
from gui.state.loss_history import LossHistory

COLOUR_BAR_LABEL = "loss (log scale)"
NEAR = 0.06  # a path point this close (a share of the view's width and height) is "nearest"


class LandscapeGrid(PacedView, pg.GraphicsLayoutWidget):
    """A :class:`LandscapePlot` per learning rate in :func:`gui.plotting.plot_grid.grid_shape`'s
    layout.

    :meth:`start` makes the plots' paths for an experiment, :meth:`set_map` draws the map every
    plot shares, :meth:`redraw` moves the paths on; ``caption`` says what the plane is. A still
    picture (an export) is made with ``cache_paths=False``: it is painted once, and a cache's
    pixmap could round a pixel of a long line differently from painting it directly.
    Shift+click on a map emits ``start_requested`` with the point clicked, Ctrl+Shift+click
    ``start_cleared``."""

    start_requested = Signal(float, float)
    start_cleared = Signal()

    def __init__(
        self,
        parent=None,
        theme: Theme = DEFAULT,
        footer: bool = False,
        cache_paths: bool = True,
    ):
        super().__init__(parent)
        self.cache_paths = cache_paths
        self.legend = pg.LegendItem(colCount=4, sampleType=KeySample)
        self._legend_entries: list[tuple[pg.GraphicsObject, str]] = []  # as last laid out
        self.addItem(self.legend, row=0, col=0, colspan=2)
        self.cells = self.addLayout(row=1, col=0)
        self.cells.setContentsMargins(0, 0, 0, 0)
        self.colour_bar = pg.ColorBarItem(
            colorMap=loss_colour_map(),
            label=COLOUR_BAR_LABEL,
            interactive=False,
            colorMapMenu=False,
            width=18,
        )
        self.addItem(self.colour_bar, row=1, col=1)
        self.caption = pg.LabelItem(justify="left")
        self.addItem(self.caption, row=2, col=0, colspan=2)
        self.footer = pg.LabelItem(justify="right") if footer else None
        if self.footer is not None:
            self.addItem(self.footer, row=3, col=0, colspan=2)
        self.plots: list[LandscapePlot] = []
        self.runs: list[RunKey] = []
        self._plot_runs: list[list[RunKey]] = []
        self.map: LandscapeMap | None = None
        self.coordinates: np.ndarray = np.zeros((0, 0, 2))
        self.counts: np.ndarray = np.zeros(0, dtype=np.int64)
        self._history: LossHistory | None = None
        self._initial: np.ndarray | None = None  # θ₀: the start mark
        self._caption = ""
        self._note = ""  # a line under the caption: the step's arrows' share of the plane
        self._caption_room = (0.0, 0.0)  # the caption's text width, and the most height it took
        self.scene().sigMouseMoved.connect(self._hover)
        self.scene().sigMouseClicked.connect(self._on_click)
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        self.theme, self.pen_scale = theme, pen_scale
        self.setBackground(theme.background)
        self.legend.setLabelTextColor(theme.foreground)
        self.legend.setLabelTextSize(f"{theme.legend_pt}pt")
        for plot in self.plots:
            plot.apply_theme(theme, pen_scale)
        bar_axes = [self.colour_bar.getAxis(name) for name in ("left", "right", "top", "bottom")]
        for axis in bar_axes:
            axis.setPen(pg.mkPen(theme.foreground, width=pen_scale))
            axis.setTextPen(pg.mkPen(theme.foreground))
        self.colour_bar.axis.setTickFont(point_font(theme.tick_pt))
        self.colour_bar.getAxis("left").setLabel(
            COLOUR_BAR_LABEL, color=theme.foreground, **{"font-size": f"{theme.label_pt}pt"}
        )
        self._fill_legend(restyled=True)
        self._caption_room = (0.0, 0.0)  # another size of text
        self.set_caption(self._caption)

    def start(self, started: ExperimentStarted, history: LossHistory | None = None) -> None:
        """Paths for a new experiment: plot j shows every optimizer at learning rate j."""
        self._history = history
        self._initial = started.initial_parameters
        self._caption_room = (0.0, 0.0)  # a new experiment's caption takes the room it needs
        self.runs = list(started.runs)
        lrs = started.config.learning_rates
        rebuilt = len(self.plots) != len(lrs)
        if rebuilt:
            self._build_plots(len(lrs))
        self._plot_runs = [[r for r in self.runs if r.lr_index == j] for j in range(len(lrs))]
        for plot, lr, runs in zip(self.plots, lrs, self._plot_runs):
            plot.start(lr, runs)
        self.counts = np.zeros(len(self.runs), dtype=np.int64)
        if rebuilt and self.map is not None and self._fits(self.map):
            self.set_map(self.map)  # the new plots show the map the old ones did (until the
            # view asks for the new experiment's; one of another problem's size cannot be drawn)
        self._fill_legend()

    def _fits(self, landscape: LandscapeMap) -> bool:
        """The map's plane is in the experiment's parameter space."""
        return self._initial is None or len(landscape.plane.origin) == len(self._initial)

    def _build_plots(self, count: int) -> None:
        old = [plot.plot for plot in self.plots]
        self.plots = replace_plots(self.cells, old, count, self._new_plot)
        self.colour_bar.setImageItem([plot.image for plot in self.plots])

    def _new_plot(self, item: pg.PlotItem) -> LandscapePlot:
        plot = LandscapePlot(item, cache_paths=self.cache_paths)
        plot.apply_theme(self.theme, self.pen_scale)
        plot.marks["start"].dropped.connect(lambda x, y: self._ask_start(plot, x, y))
        return plot

    def _fill_legend(self, restyled: bool = False) -> None:
        """Every optimizer once in its colour, then the marks the map shows. The same entries
        are laid out again only ``restyled``: refilled with every new map, the legend took
        4.4 ms of the frame a wider map arrived in."""
        entries = []
        if self.plots and self._plot_runs:
            first = self.plots[0]
            entries = [
                (first.legend_samples[r.index], r.optimizer.label) for r in self._plot_runs[0]
            ]
            entries += [
                (first.marks[name], name)
                for name, _ in MARKS
                if name == "start" or len(first.marks[name].data)
            ]
        if entries == self._legend_entries and not restyled:
            return
        self._legend_entries = entries
        self.legend.clear()
        for item, label in entries:
            self.legend.addItem(item, label)

    def set_map(self, landscape: LandscapeMap) -> None:
        """Draw ``landscape`` in every plot, with its colour range on the bar."""
        self.map = landscape
        plane = landscape.plane
        initial = self._initial if self._initial is not None else plane.origin
        start = tuple(float(v) for v in plane.coordinates(initial))
        image = landscape.image()
        for plot in self.plots:
            plot.show_map(landscape, image, start)
        low, high = landscape.colour_range
        self.colour_bar.setLevels((low, high))
        self.colour_bar.axis.setTicks([decade_ticks(low, high)])
        self._fill_legend()

    def redraw(self, coordinates: np.ndarray, counts: np.ndarray) -> None:
        """Every plot's paths from ``coordinates`` (runs, steps, 2), ``counts`` points each."""
        self.coordinates, self.counts = coordinates, counts
        for plot in self.plots:
            plot.redraw(coordinates, counts)

    def settle(self) -> None:
        """Every plot's paths whole into its cached layer: for a still picture."""
        for plot in self.plots:
            plot.settle()

    def invalidate(self) -> None:
        for plot in self.plots:
            plot.invalidate()

    def set_caption(self, text: str) -> None:
        self._caption = text
        shown = f"{text}<br>{self._note}" if self._note else text
        self.caption.setText(shown, color=self.theme.foreground, size=f"{self.theme.tick_pt}pt")
        self._wrap_caption()

    def set_note(self, text: str) -> None:
        """A line under the caption ("" for none)."""
        if text != self._note:
            self._note = text
            self.set_caption(self._caption)

    def _wrap_caption(self) -> None:
        """Wrap the caption to the widget's width (a label item otherwise widens the layout to
        its longest line, pushing the plots out of view), keeping the most lines it has had at
        that width for this experiment: the plots stay put when the note comes and goes with
        Play and Pause, or a wider map's caption wraps differently (each move re-laid every
        axis, 22–26 ms a frame)."""
        width = max(200, self.width() - 40)
        self.caption.item.setTextWidth(width)
        self.caption.updateMin()
        height = self.caption.itemRect().height()
        held_width, held = self._caption_room
        held = max(held, height) if held_width == width else height
        self._caption_room = (width, held)
        self.caption.setMinimumHeight(held)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        # not during the base class's __init__, nor once close() has cleared the scene
        if getattr(self, "caption", None) is not None and not getattr(self, "closed", False):
            self._wrap_caption()

    def set_footer(self, text: str) -> None:
        if self.footer is not None:
            self.footer.setText(text, color=self.theme.foreground, size=f"{self.theme.tick_pt}pt")

    # --- hover -----------------------------------------------------------------------------

    def readout_text(self, plot_index: int, point: tuple[float, float]) -> tuple[str, tuple]:
        """What hovering ``point`` of plot ``plot_index`` says: where, the loss there, and the
        run whose path passes nearest (with its step); and that nearest point (or None)."""
        landscape = self.map
        names = ("x", "y") if landscape is None else landscape.plane.axis_labels
        lines = [f"{names[0]} = {point[0]:.4g},  {names[1]} = {point[1]:.4g}"]
        if landscape is not None:
            x, y, loss = landscape.grid_point(point)  # the engine's exact value, not interpolated
            lines.append(f"loss {loss:.5g} at the grid point ({x:.4g}, {y:.4g})")
        runs = self._plot_runs[plot_index] if plot_index < len(self._plot_runs) else []
        nearest = self._nearest(plot_index, runs, point)
        if nearest is None:
            lines.append("no path nearby")
            return "\n".join(lines), None
        run, step = nearest
        loss = ""
        if self._history is not None and step < int(self._history.counts[run.index]):
            loss = f", loss {self._history.losses(run.index)[step]:.5g}"
        lines.append(f"nearest: {run.optimizer.label}, step {step}{loss}")
        return "\n".join(lines), tuple(self.coordinates[run.index, step])

    def _nearest(self, plot_index: int, runs: list[RunKey], point) -> tuple[RunKey, int] | None:
        if not runs or self.coordinates.size == 0:
            return None
        rows = [run.index for run in runs]
        coordinates = self.coordinates[rows].copy()
        for i, index in enumerate(rows):
            coordinates[i, int(self.counts[index]) :] = np.nan
        (x0, x1), (y0, y1) = self.plots[plot_index].window
        found = nearest_point(coordinates, point, scale=(x1 - x0, y1 - y0))
        if found is None or found[2] > NEAR:
            return None
        return runs[found[0]], found[1]

    def _hover(self, scene_pos: QPointF) -> None:
        for index, plot in enumerate(self.plots):
            if plot.contains(scene_pos):
                point = plot.to_plane(scene_pos)
                text, nearest = self.readout_text(index, point)
                plot.show_readout(point, text, nearest)
            else:
                plot.hide_readout()

    def _on_click(self, event) -> None:
        """Shift+click on a map: ``start_requested`` with the point, rounded to the pixel;
        Ctrl+Shift+click: ``start_cleared``."""
        modifiers = event.modifiers()
        if event.button() != Qt.MouseButton.LeftButton or not (
            modifiers & Qt.KeyboardModifier.ShiftModifier
        ):
            return
        for plot in self.plots:
            if plot.contains(event.scenePos()):
                if modifiers & Qt.KeyboardModifier.ControlModifier:
                    self.start_cleared.emit()
                else:
                    self._ask_start(plot, *plot.to_plane(event.scenePos()))
                event.accept()
                return

    def _ask_start(self, plot: LandscapePlot, x: float, y: float) -> None:
        width, height = plot.plot.getViewBox().viewPixelSize()
        self.start_requested.emit(to_pixel(x, width), to_pixel(y, height))

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        for plot in self.plots:
            plot.hide_readout()
        super().leaveEvent(event)


def coloured(name: str, text: str) -> str:
    """``text`` in ``name``'s optimizer colour, escaped, for a caption."""
    return f"<span style='color:{optimizer_colour(name)}'>{html.escape(text)}</span>"
