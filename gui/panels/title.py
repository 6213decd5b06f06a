"""A loss panel's title: its learning rate and the stability limit 2/λ₀ at the initial
parameters (or what another view says there), on one line or wrapped so that panels fit abreast."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from gui.plotting.helpers import plain_number, point_font
from gui.plotting.themes import DEFAULT, Theme

TITLE_ROW = 30  # pixels pyqtgraph gives a title row


class PanelTitle:
    """The title row of one panel's ``plot``; set ``lr``, ``limit`` and ``theme``, then
    :meth:`show`."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.lr = 0.0
        self.limit: float | None = None  # 2/λ at the initial parameters
        self.note: str | None = None  # said instead of that limit
        self.form = "line"
        self.theme: Theme = DEFAULT

    def lines(self, form: str) -> list[str]:
        """The title as ``form`` lays it out: "line" (one line), "wrap" (the limit on a second
        line, so that three panels fit abreast) or "short" (η for "Learning rate", wrapped:
        for a projector's zoom)."""
        rate = f"η = {self.lr:g}" if form == "short" else f"Learning rate: {self.lr:g}"
        limit = [] if self.limit is None else [f"2/λ₀ = {plain_number(self.limit)}"]
        if self.note is not None:
            limit = [self.note]
        return [rate, *limit] if form != "line" else ["   ·   ".join([rate, *limit])]

    def show(self) -> None:
        lines = self.lines(self.form)
        wrapped = len(lines) > 1
        text = f"<div align='center'>{'<br>'.join(lines)}</div>" if wrapped else lines[0]
        label = self.plot.titleLabel
        label.item.setTextWidth(-1)  # as wide as the new text, to measure it
        self.plot.setTitle(text, color=self.theme.foreground, size=f"{self.theme.title_pt}pt")
        if wrapped:  # a text width makes Qt centre the lines; pyqtgraph fixes one line
            label.item.setTextWidth(label.item.document().idealWidth())
        height = label.itemRect().height()
        if wrapped or height > TITLE_ROW:  # pyqtgraph's row is 30 px, too low when zoomed
            label.setMaximumHeight(height)
            self.plot.layout.setRowFixedHeight(0, height)

    def width(self, form: str) -> float:
        """How wide the title's widest line is in ``form``, in pixels."""
        metrics = QFontMetricsF(point_font(self.theme.title_pt))
        return max(metrics.horizontalAdvance(line) for line in self.lines(form))

    def set_form(self, form: str) -> None:
        if form != self.form:
            self.form = form
            self.show()

    def set_note(self, note: str | None) -> None:
        """What the title says after the learning rate (None: 2/λ₀)."""
        self.note = note
        self.show()
