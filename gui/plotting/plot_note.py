"""A note centred on a plot's view box: what a plot says when it has nothing to draw, and why.

An empty plot with bare axes reads as "broken" on a projector; one line of text saying what
would fill it reads as a lesson. The note sits in the view box's own pixels, so panning or
zooming the data does not move it.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextOption

from gui.plotting.helpers import point_font

NOTE_FILL_ALPHA = 210  # of 255: lines behind the note stay visible without crossing its letters


class PlotNote(pg.TextItem):
    """Centred lines of text over ``plot``'s data area, hidden while it has no text."""

    def __init__(self, plot: pg.PlotItem):
        super().__init__(anchor=(0.5, 0.5))
        self._view = plot.vb
        self.setParentItem(self._view)  # the view box's pixels, not the data's coordinates
        self.setZValue(10)
        self.textItem.document().setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignCenter))
        self._view.sigResized.connect(self._centre)
        self.hide()

    @property
    def text(self) -> str:
        """The note shown ('' when hidden)."""
        return self.textItem.toPlainText() if self.isVisible() else ""

    def set_note(self, text: str, colour: str, background: str, points: int) -> None:
        """Show ``text`` (lines split at newlines) in ``colour`` at ``points``, on a translucent
        ``background`` that the plot's grid and lines show through dimmed; '' hides it."""
        self.setVisible(bool(text))
        fill = QColor(background)
        fill.setAlpha(NOTE_FILL_ALPHA)
        self.fill = pg.mkBrush(fill)
        self.setFont(point_font(points))
        self.setText(text, color=colour)
        self.textItem.setTextWidth(-1)  # measure the lines first, then centre them in that width
        self.textItem.setTextWidth(self.textItem.document().idealWidth())
        self.updateTextPos()
        self._centre()

    def _centre(self, *_) -> None:
        rect = self._view.rect()
        self.setPos(rect.center())
