"""The projector view: View → Zoom in / Zoom out / Reset zoom scale every font, line and marker of
the plots and the docks' text together, from 75 % to 300 %, remembered between launches.

The zoom is how big things are; the theme (Default, Presentation) stays the choice of colours and
base sizes: the window draws ``zoom.scaled(theme)``, and exports keep their own scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from gui.plotting.themes import Theme

if TYPE_CHECKING:
    from gui.shell.main_window import MainWindow

ZOOM_STEPS = (75, 100, 125, 150, 200, 250, 300)  # percent
SETTINGS_KEY = "view/zoom"
SETTINGS_DOCK_WIDTH = 330  # the Settings dock's narrowest at 100 %
DOCK_GROWTH = 1.5  # it widens with the zoom up to this much (then scrolls), leaving the panels room
DOCK_SHARE = 0.35  # the most of the window's width a zoom leaves the side docks: the room looks
# at the panels (at 200 % the docks' own size took 875 of 1,400 pixels)


def next_zoom(percent: int, direction: int) -> int:
    """The step after (``direction`` 1) or before (−1) ``percent``, held at the ends."""
    if direction > 0:
        return next((p for p in ZOOM_STEPS if p > percent), ZOOM_STEPS[-1])
    return next((p for p in reversed(ZOOM_STEPS) if p < percent), ZOOM_STEPS[0])


class Zoom(QObject):
    """The window's zoom: its actions, the percent, and applying it to the docks' text (the
    plots take it through :meth:`scaled` when the window applies its theme)."""

    changed = Signal(int)  # percent

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self._percent = 100
        self._base_font = QFont(QApplication.font())
        self.zoom_in = self._action(
            "Zoom in", ("Ctrl+=", "Ctrl++"), lambda: self.step(1), "Larger text and lines"
        )
        self.zoom_out = self._action(
            "Zoom out", ("Ctrl+-",), lambda: self.step(-1), "Smaller text and lines"
        )
        self.reset = self._action("Reset zoom", ("Ctrl+0",), lambda: self.set_percent(100), "100 %")
        self.actions = (self.zoom_in, self.zoom_out, self.reset)
        saved = window.settings.value(SETTINGS_KEY)
        try:
            restored = int(saved) if saved is not None else 100
        except (TypeError, ValueError):
            restored = 100
        self._percent = restored if restored in ZOOM_STEPS else 100

    def _action(self, text: str, keys: tuple[str, ...], slot, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setToolTip(f"{tip} ({keys[0]})")
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    @property
    def percent(self) -> int:
        return self._percent

    @property
    def factor(self) -> float:
        return self._percent / 100

    def scaled(self, theme: Theme) -> Theme:
        """``theme`` at this zoom."""
        return theme.scaled(self.factor)

    @Slot()
    def step(self, direction: int) -> None:
        self.set_percent(next_zoom(self._percent, direction))

    def set_percent(self, percent: int) -> None:
        """Zoom to ``percent`` (one of ZOOM_STEPS): plots, docks and the saved setting."""
        if percent not in ZOOM_STEPS:
            raise ValueError(f"zoom must be one of {ZOOM_STEPS}, not {percent}")
        self._percent = percent
        self.window.settings.setValue(SETTINGS_KEY, percent)
        self.apply()
        self.window.set_theme(self.window.theme)  # the plots, at the new zoom
        self.window.show_message(f"Zoom {percent} %")
        self.changed.emit(percent)

    def apply(self) -> None:
        """The docks' text (and the Settings dock's width) at this zoom; then, once the window
        has laid them out, docks no wider than DOCK_SHARE of it."""
        font = QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * self.factor)
        for dock in self.window.docks:
            _set_font(dock, font)
        _set_font(self.window.statusBar(), font)
        self.fit_docks()
        QTimer.singleShot(0, self.fit_docks)  # again once the window has its size

    @Slot()
    def fit_docks(self) -> None:
        """The Settings dock as wide as the zoom wants, and every side dock wider than
        DOCK_SHARE of the window narrowed to that (they scroll)."""
        room = self._room()
        wanted = round(SETTINGS_DOCK_WIDTH * min(self.factor, DOCK_GROWTH))
        self.window.docks[0].widget().setMinimumWidth(min(wanted, room))
        wide = [
            dock
            for dock in self.window.docks
            if dock.isVisible() and not dock.isFloating() and dock.width() > room
        ]
        if wide:
            self.window.resizeDocks(wide, [room] * len(wide), Qt.Orientation.Horizontal)

    def _room(self) -> int:
        return max(SETTINGS_DOCK_WIDTH, round(self.window.width() * DOCK_SHARE))


def _set_font(widget: QWidget, font: QFont) -> None:
    """``font``'s size on ``widget`` and every widget in it, each keeping its own family and
    style: a widget under a style sheet (the optimizer boxes) does not inherit its parent's."""
    for each in (widget, *widget.findChildren(QWidget)):
        own = QFont(each.font())
        own.setPointSizeF(font.pointSizeF())
        each.setFont(own)
