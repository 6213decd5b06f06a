"""The projector view: the view state's zoom (View → Zoom in / Zoom out / Reset zoom) scales every
font, line and marker of the plots and the docks' text together, from 75 % to 300 %, remembered
between launches.

The zoom is how big things are; the theme (Default, Presentation) stays the choice of colours and
base sizes: the window draws the theme at the zoom, and exports keep their own scale. This module
sizes the docks; the plots take the zoom with their theme.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget

from gui.state.view_state import ViewState

SETTINGS_DOCK = "settings"  # the dock whose width follows the zoom
SETTINGS_DOCK_WIDTH = 330  # the Settings dock's narrowest at 100 %
DOCK_GROWTH = 1.5  # it widens with the zoom up to this much (then scrolls), leaving the panels room
DOCK_SHARE = 0.35  # the most of the window's width a zoom leaves the side docks: the room looks
# at the panels (at 200 % the docks' own size took 875 of 1,400 pixels)


class DockZoom(QObject):
    """The docks' (and status bar's) text at the view state's zoom, and the side docks no wider
    than DOCK_SHARE of ``host``, the main window they are docked in."""

    def __init__(self, view: ViewState, host: QMainWindow, docks: Mapping[str, QDockWidget]):
        super().__init__(host)
        self.view, self.host, self.docks = view, host, docks
        self._base_font = QFont(QApplication.font())
        view.events.zoom.connect(self._on_zoom_change)

    @property
    def factor(self) -> float:
        return self.view.zoom / 100

    @Slot(int)
    def _on_zoom_change(self, _percent: int) -> None:
        self.apply()

    def apply(self) -> None:
        """The docks' text (and the Settings dock's width) at this zoom; then, once the window
        has laid them out, docks no wider than DOCK_SHARE of it."""
        font = QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * self.factor)
        for dock in self.docks.values():
            _set_font(dock, font)
        _set_font(self.host.statusBar(), font)
        self.fit_docks()
        QTimer.singleShot(0, self.fit_docks)  # again once the window has its size

    @Slot()
    def fit_docks(self) -> None:
        """The Settings dock as wide as the zoom wants, and every side dock wider than
        DOCK_SHARE of the window narrowed to that (they scroll)."""
        room = max(SETTINGS_DOCK_WIDTH, round(self.host.width() * DOCK_SHARE))
        wanted = round(SETTINGS_DOCK_WIDTH * min(self.factor, DOCK_GROWTH))
        self.docks[SETTINGS_DOCK].widget().setMinimumWidth(min(wanted, room))
        wide = [
            dock
            for dock in self.docks.values()
            if dock.isVisible() and not dock.isFloating() and dock.width() > room
        ]
        if wide:
            self.host.resizeDocks(wide, [room] * len(wide), Qt.Orientation.Horizontal)


def _set_font(widget: QWidget, font: QFont) -> None:
    """``font``'s size on ``widget`` and every widget in it, each keeping its own family and
    style: a widget under a style sheet (the optimizer boxes) does not inherit its parent's."""
    for each in (widget, *widget.findChildren(QWidget)):
        own = QFont(each.font())
        own.setPointSizeF(font.pointSizeF())
        each.setFont(own)
