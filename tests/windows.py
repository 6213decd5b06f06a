"""The main window as the window tests open it: settings in a temporary file, shown, its first
experiment built, and error dialogs collected in ``window.errors`` instead of shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit

from engine.config.settings import ExperimentConfig
from gui.shell.main_window import MainWindow


def temporary_settings(folder: Path) -> QSettings:
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def open_main_window(
    qtbot,
    settings: QSettings,
    config: ExperimentConfig | None = None,
    speed: int | None = None,
) -> MainWindow:
    """A shown window of ``config`` (the article's by default) once the engine has built it;
    ``speed`` a speed-slider position."""
    window = MainWindow(config or ExperimentConfig(), settings)
    qtbot.addWidget(window)
    if speed is not None:
        window.view.update(speed=speed)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.session.started is not None)
    window.errors = []
    window.report_error = lambda title, message: window.errors.append(message)
    return window


def open_landscape_window(
    qtbot, settings: QSettings, config: ExperimentConfig | None = None
) -> MainWindow:
    """:func:`open_main_window` on the Landscape tab, once its first map is drawn."""
    window = open_main_window(qtbot, settings, config)
    window.tabs.setCurrentWidget(window.landscape_tab)
    qtbot.waitUntil(lambda: window.landscape.map is not None, timeout=30_000)
    return window


def action(window: MainWindow, name: str) -> QAction:
    """The window's action called ``name`` (its object name: "play", "log_y", …)."""
    found = window.findChild(QAction, name)
    assert found is not None, f"no action {name!r}"
    return found


def commit_text(field, text: str) -> None:
    """As a user does: ``text`` in place of the field's (a NumberField or a WholeNumberBox),
    then Enter."""
    edit = field if isinstance(field, QLineEdit) else field.lineEdit()
    edit.setText(text)
    field.editingFinished.emit()
