"""A loss panel's hover readout: a dashed line at the step under the pointer and, beside it,
what each curve reads there (a run's loss, or an optimizer's median and 10–90 % band). The
Sharpness layer places its own lines in the same readout."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

from engine.experiment.runs import RunKey
from gui.plotting.helpers import band_text, point_font
from gui.state.loss_history import LossHistory


class HoverReadout:
    """The cursor line and text box of one plot, hidden until :meth:`place` shows them."""

    def __init__(self, plot: pg.PlotItem):
        self._view_box = plot.getViewBox()
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
        self.text = pg.TextItem(color="#eeeeee", fill=pg.mkBrush(20, 20, 20, 210))
        for item in (self.cursor, self.text):
            item.setZValue(20)
            item.hide()
            plot.addItem(item, ignoreBounds=True)

    def set_font_points(self, points: float) -> None:
        self.text.textItem.setFont(point_font(points))

    def contains(self, scene_pos: QPointF) -> bool:
        """Whether ``scene_pos`` lies over the plot's view."""
        return self._view_box.sceneBoundingRect().contains(scene_pos)

    def step_at(self, scene_pos: QPointF) -> int:
        """The step under a point of the scene."""
        return int(round(self._view_box.mapSceneToView(scene_pos).x()))

    def place(self, scene_pos: QPointF, lines: list[str]) -> None:
        """The cursor at the step under ``scene_pos`` and ``lines`` beside it, on the side of
        the view with more room."""
        point = self._view_box.mapSceneToView(scene_pos)
        self.cursor.setPos(int(round(point.x())))
        self.text.setText("\n".join(lines))
        x_range = self._view_box.viewRange()[0]
        right_half = point.x() > (x_range[0] + x_range[1]) / 2
        self.text.setAnchor((1, 0) if right_half else (0, 0))
        self.text.setPos(point.x(), point.y())
        self.cursor.show()
        self.text.show()

    def hide(self) -> None:
        self.cursor.hide()
        self.text.hide()


def loss_lines(
    history: LossHistory, step: int, runs: list[RunKey], lanes: list[RunKey], seeds: int
) -> list[str]:
    """The readout at ``step``: each of ``runs``' loss, or with several seeds each lane's
    median and band over its ``seeds`` draws instead; "—" where a curve has no value there."""
    if seeds > 1:
        lines = [f"step {step} · median [10–90 %] of {seeds} seeds"]
        for lane in lanes:
            band = history.band_at(lane.index // seeds, step)
            text = "—" if band is None else band_text(*band, seeds)
            lines.append(f"{lane.optimizer.label}: {text}")
        return lines
    lines = [f"step {step}"]
    for run in runs:
        count = int(history.counts[run.index])
        value = history.losses(run.index)[step] if 0 <= step < count else None
        if value is not None and not math.isfinite(value):
            value = None  # a branch before its step
        lines.append(f"{run.label}: " + ("—" if value is None else f"{value:.5g}"))
    return lines
