"""A step, drawn: the followed run's next update as labelled arrows from its head on its
learning rate's map, while paused or scrubbing (issue 20).

The vectors come with the inspector's reading (:class:`engine.analysis.readings.StepVectors`),
so the arrows and the inspector's numbers are the same numbers. On a 2-D problem the map is the
parameter plane and an arrow is its vector; on the MLP's plane it is the vector's projection,
and a note under the caption says how much of each vector's length lies in the plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Slot

from engine.analysis.plane import Plane
from engine.analysis.readings import Inspection
from gui.landscape.grid import LandscapeGrid
from gui.plotting.helpers import point_font
from gui.plotting.palette import ARROW_COLOURS, optimizer_colour
from gui.state.session import EngineSession
from gui.state.view_state import ViewState

HEAD_PX = 16  # an arrow head's length and width on screen
GAP_PX = 4  # between an arrow's tip and its label
LABEL_FILL = (20, 20, 20, 200)  # dark behind coloured text: legible on either theme's map
OUTLINE = pg.mkPen(20, 20, 20, width=6)  # under each shaft: it stands out from paths and map
OUTLINE_THIN = pg.mkPen(20, 20, 20, width=1)


@dataclass(frozen=True)
class DrawnArrow:
    """One arrow as drawn: in the map's coordinates (``vector``: the plane's coordinates of the
    vector's projection; the vector itself on a 2-D problem), with the vector's length in
    parameter space (the inspector's |v|) and the share of that length in the plane, in %."""

    label: str
    role: str
    start: tuple[float, float]
    vector: tuple[float, float]
    length: float
    in_plane: float  # 100 on a 2-D problem's map (the plane is the parameters)

    @property
    def end(self) -> tuple[float, float]:
        return (self.start[0] + self.vector[0], self.start[1] + self.vector[1])


def drawn_arrows(inspection: Inspection, plane: Plane) -> tuple[DrawnArrow, ...]:
    """The reading's vectors projected on ``plane`` from the run's θ (none once it stopped)."""
    vectors = inspection.vectors
    if vectors is None or plane.origin.size != vectors.theta.size:
        return ()
    start = plane.coordinates(vectors.theta)
    exact = plane.kind == "parameters"
    return tuple(
        DrawnArrow(
            arrow.label,
            arrow.role,
            (float(start[0]), float(start[1])),
            tuple(float(c) for c in plane.direction(arrow.vector)),
            arrow.length,
            100.0 if exact else plane.share_in_plane(arrow.vector),
        )
        for arrow in vectors.arrows
    )


def plane_note(arrows: tuple[DrawnArrow, ...]) -> str:
    """The caption's line for the MLP: how much of each vector lies in the plane."""
    shares = ", ".join(
        f"{a.label} {a.in_plane:.1f} %" if math.isfinite(a.in_plane) else f"{a.label} (zero)"
        for a in arrows
    )
    return f"The step's arrows are its vectors projected on the plane. In the plane: {shares}"


class StepArrows(QObject):
    """The arrows on ``grid``: shown for the run and step the inspector shows, hidden while the
    experiment plays or the view state's ``step_arrows`` is off; ``shown`` is what is drawn."""

    def __init__(self, grid: LandscapeGrid, session: EngineSession, view: ViewState):
        super().__init__(grid)
        self.grid, self.session, self.view = grid, session, view
        self.plane: Plane | None = None
        self._inspection: Inspection | None = None
        self._items: list[tuple[pg.PlotCurveItem, pg.ArrowItem, pg.TextItem]] = []
        self._plot: pg.PlotItem | None = None
        # where the arrows start: θ_t, one step beyond the path's drawn head (a point joins the
        # path with its loss, measured as the next step is taken)
        self._base = pg.ScatterPlotItem(symbol="o", size=13, brush=None)
        self._base.setZValue(24)
        self.shown: tuple[DrawnArrow, ...] = ()
        session.restarted.connect(self._on_restart)
        session.playing_changed.connect(self.refresh)
        view.events.step.connect(self.refresh)
        view.events.run.connect(self.refresh)
        view.events.step_arrows.connect(self.refresh)

    @property
    def inspection(self) -> Inspection | None:
        """The reading last received (drawn if it is of the run and step shown)."""
        return self._inspection

    @Slot(object)
    def show_inspection(self, inspection: Inspection) -> None:
        self._inspection = inspection
        self.refresh()

    def set_plane(self, plane: Plane) -> None:
        """The map's plane (the arrows are drawn in its coordinates)."""
        self.plane = plane
        self.refresh()

    @Slot(object)
    def _on_restart(self, _started) -> None:
        self._inspection, self.plane = None, None
        self.refresh()

    @Slot()
    @Slot(object)
    def refresh(self, *_) -> None:
        """Draw the reading again (after a new theme or zoom, the labels' size)."""
        inspection, plot = self._inspection, self._target_plot()
        shown = ()
        if plot is not None and self.view.step_arrows and not self.session.playing:
            shown = drawn_arrows(inspection, self.plane)
        self.shown = shown
        self._attach(plot if shown else None)
        self._draw()
        exact = self.plane is not None and self.plane.kind == "parameters"
        self.grid.set_note("" if exact or not shown else plane_note(shown))

    def _target_plot(self) -> pg.PlotItem | None:
        """The followed run's plot, if the reading is of the run and step shown now."""
        inspection, runs = self._inspection, self.grid.runs
        if inspection is None or self.plane is None:
            return None
        run = inspection.snapshot.run
        if run.index != self.view.run or inspection.view_step != self.view.step:
            return None
        if run.index >= len(runs) or runs[run.index] != run or run.lr_index >= len(self.grid.plots):
            return None
        return self.grid.plots[run.lr_index].plot

    def _attach(self, plot: pg.PlotItem | None) -> None:
        """The items move to ``plot`` (None: out of every plot)."""
        if plot is self._plot:
            return
        if self._plot is not None:
            self._plot.vb.sigTransformChanged.disconnect(self._aim)
            for item in self._all_items():
                self._plot.removeItem(item)
        self._plot = plot
        if plot is not None:
            plot.vb.sigTransformChanged.connect(self._aim)
            for item in self._all_items():
                plot.addItem(item, ignoreBounds=True)

    def _all_items(self) -> list:
        return [self._base, *(item for item_set in self._items for item in item_set)]

    def _draw(self) -> None:
        while len(self._items) < len(self.shown):
            self._items.append(self._new_items())
        size = self.grid.theme.tick_pt + 2
        if self.shown:
            run = self._inspection.snapshot.run
            ring = pg.mkPen(optimizer_colour(run.optimizer.name), width=2.5)
            self._base.setData([self.shown[0].start[0]], [self.shown[0].start[1]], pen=ring)
        self._base.setVisible(bool(self.shown))
        for index, (shaft, head, text) in enumerate(self._items):
            visible = index < len(self.shown)
            for item in (shaft, head, text):
                item.setVisible(visible)
            if not visible:
                continue
            arrow = self.shown[index]
            colour = ARROW_COLOURS.get(arrow.role, "#BBBBBB")
            xs, ys = np.array([arrow.start, arrow.end]).T
            shaft.setData(xs, ys, pen=pg.mkPen(colour, width=3), shadowPen=OUTLINE)
            head.setStyle(pen=OUTLINE_THIN, brush=pg.mkBrush(colour))
            head.setPos(*arrow.end)
            text.setText(arrow.label, color=colour)
            text.setFont(point_font(size))
        self._aim()

    def _new_items(self) -> tuple[pg.PlotCurveItem, pg.ArrowItem, pg.TextItem]:
        shaft = pg.PlotCurveItem()
        head = pg.ArrowItem(headLen=HEAD_PX, headWidth=HEAD_PX, tailLen=None, pxMode=True)
        text = pg.TextItem(fill=pg.mkBrush(*LABEL_FILL))
        for z, item in enumerate((shaft, head, text)):
            item.setZValue(25 + z)
            if self._plot is not None:
                self._plot.addItem(item, ignoreBounds=True)
        return shaft, head, text

    @Slot()
    def _aim(self, *_) -> None:
        """Turn each head along its arrow as it looks on screen (the axes' scales differ), and
        place each label at its arrow's tip, moved down a line at a time off those placed."""
        if self._plot is None:
            return
        view_box = self._plot.vb
        placed: list[QRectF] = []
        for arrow, (_, head, text) in zip(self.shown, self._items):
            start = view_box.mapViewToScene(QPointF(*arrow.start))
            end = view_box.mapViewToScene(QPointF(*arrow.end))
            dx, dy = end.x() - start.x(), end.y() - start.y()
            head.setVisible(math.hypot(dx, dy) > 0.5)  # a step too short to see has no head
            head.setStyle(angle=math.degrees(math.atan2(-dy, -dx)))  # 0° points left
            size = text.textItem.boundingRect().size()
            left = end.x() + (GAP_PX if dx >= 0 else -GAP_PX - size.width())
            box = QRectF(QPointF(left, end.y() - size.height()), size)
            box.moveTo(inside(box, view_box.sceneBoundingRect()))  # an arrow off the map: its
            while any(box.intersects(other) for other in placed):  # label at the map's edge
                box.translate(0, size.height())
            placed.append(box)
            text.setAnchor((0, 0))
            text.setPos(view_box.mapSceneToView(box.topLeft()))


def inside(box: QRectF, bounds: QRectF) -> QPointF:
    """Where ``box``'s top-left goes for the box to lie within ``bounds`` (as near as it fits)."""
    x = min(max(box.left(), bounds.left()), bounds.right() - box.width())
    y = min(max(box.top(), bounds.top()), bounds.bottom() - box.height())
    return QPointF(x, y)
