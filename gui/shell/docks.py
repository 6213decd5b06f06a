"""The window's side docks: Settings (scrolling) over Your optimizer, Runs over the Inspector,
all on the right, so the panels keep their room."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QWidget

from gui.shell.zoom import SETTINGS_DOCK, SETTINGS_DOCK_WIDTH

INSPECTOR_DOCK = "inspector"
EDITOR_DOCK = "editor"
RUNS_DOCK = "runs"


def build_docks(
    window: QMainWindow, controls: QWidget, runs: QWidget, inspector: QWidget, editor: QWidget
) -> dict[str, QDockWidget]:
    """The docks by name, added to ``window``: Settings and Runs raised, the editor hidden
    until New optimizer… shows and raises it."""
    scroll = QScrollArea()
    scroll.setWidget(controls)
    scroll.setWidgetResizable(True)
    scroll.setMinimumWidth(SETTINGS_DOCK_WIDTH)
    docks = {}
    for name, title, widget in (
        (SETTINGS_DOCK, "Settings", scroll),
        (RUNS_DOCK, "Runs", runs),
        (INSPECTOR_DOCK, "Inspector", inspector),
        (EDITOR_DOCK, "Your optimizer", editor),
    ):
        dock = docks[name] = QDockWidget(title, window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(docks[RUNS_DOCK], docks[INSPECTOR_DOCK])
    docks[RUNS_DOCK].raise_()
    window.tabifyDockWidget(docks[SETTINGS_DOCK], docks[EDITOR_DOCK])
    docks[SETTINGS_DOCK].raise_()
    docks[EDITOR_DOCK].hide()
    return docks
