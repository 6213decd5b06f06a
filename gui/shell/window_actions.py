"""The window's commands: actions with their keys, the menus, and the transport toolbar."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QSlider, QToolBar, QWidget

from engine.config.presets import PRESETS
from engine.config.settings import ConfigError
from gui.plotting.pacing import DEFAULT_SPEED_POSITION, SPEED_STEPS, speed_for_position, speed_text
from gui.plotting.themes import DEFAULT, THEMES, Theme

if TYPE_CHECKING:
    from gui.shell.main_window import MainWindow


class WindowActions(QObject):
    """Every action of the window (``play``, ``step``, ``log``, …), in menus and a toolbar."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        files = window.files
        self.play = self._action("Play", "Space", window.toggle_play, "Play or pause")
        self.step = self._action("Step", "Right", window.step, "One step of every unfinished run")
        self.reset = self._action("Reset", "R", window.reset, "Back to step 0")
        self.run_to_end = self._action(
            "Run to end", "Ctrl+E", window.run_to_end, "Train every run to the end at full speed"
        )
        self.quit = self._action("Quit", "Ctrl+Q", window.close, "Quit")
        self.log = self._toggle("Log y axis", "L", window.set_log_y, "Loss on a logarithmic axis")
        self.lr_view = self._toggle(
            "Learning rate",
            None,
            window.set_quantity,
            "Show the learning rate each step used, not the loss",
        )
        self.sharpness_view = self._toggle(
            "Sharpness",
            None,
            window.set_sharpness,
            "Each run's sharpness λ (preconditioned λ for adaptive rules) on a log axis, with "
            "its stability threshold dashed; computed only while this view is on",
        )
        self.views = QActionGroup(self)  # loss (neither checked), learning rate or sharpness
        self.views.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.views.addAction(self.lr_view)
        self.views.addAction(self.sharpness_view)
        self.presets = {name: self._preset_action(name) for name in PRESETS}
        self.reference = self._toggle(
            "Reference",
            None,
            window.model.set_reference,
            "Train torch.optim twins beside the runs that have one (dotted curves) and show "
            "the largest parameter difference in the Runs table",
        )
        self.about = self._action("About", None, window.show_about, "About this app")
        self.open = self._action(
            "Open experiment…", "Ctrl+O", files.open_experiment, "Settings from an experiment file"
        )
        self.save = self._action(
            "Save experiment…", "Ctrl+Shift+S", files.save_experiment, "Every setting to a file"
        )
        self.export_figure = self._action(
            "Export figure…", "Ctrl+S", files.ask_export_figure, "PNG or SVG"
        )
        self.export_animation = self._action(
            "Export animation…", None, files.ask_export_animation, "Animated GIF"
        )
        self.export_data = self._action(
            "Export data…", None, files.ask_export_data, "CSV: optimizer,lr,step,loss"
        )
        self.export_landscape = self._action(
            "Export landscape…",
            None,
            files.ask_export_landscape,
            "The Landscape tab as PNG, SVG or an animated GIF",
        )
        self.export_sweep = self._action(
            "Export sweep…", None, files.ask_export_sweep, "The sweep as PNG, SVG or CSV"
        )
        self.copy = self._action(
            "Copy figure", "Ctrl+C", files.copy_figure, "The figure to the clipboard, at 2×"
        )
        self.themes = QActionGroup(self)
        self._build_menus()
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed_label = QLabel()
        self._build_toolbar()

    def _action(self, text: str, shortcut: str | None, slot: Callable | None, tip: str) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        if slot is not None:
            action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _toggle(self, text: str, shortcut: str | None, slot: Callable, tip: str) -> QAction:
        """A checkable action; ``slot`` gets the new state however it changes."""
        action = self._action(text, shortcut, None, tip)
        action.setCheckable(True)
        action.toggled.connect(slot)
        return action

    def _build_menus(self) -> None:
        menu = self.window.menuBar()
        file_menu = menu.addMenu("&File")
        for group in (
            (self.open, self.save),
            (
                self.export_figure,
                self.export_animation,
                self.export_data,
                self.export_landscape,
                self.export_sweep,
            ),
            (self.quit,),
        ):
            file_menu.addActions(list(group))
            file_menu.addSeparator()
        menu.addMenu("&Edit").addAction(self.copy)
        run_menu = self.run_menu = menu.addMenu("&Run")
        run_menu.addActions([self.play, self.step, self.reset, self.run_to_end, self.reference])
        run_menu.addAction(self.window.predict.action)
        view_menu = menu.addMenu("&View")
        view_menu.addActions([self.log, self.lr_view, self.sharpness_view])
        for number, title in enumerate(("panels", "landscape", "sweep"), start=1):
            view_menu.addAction(
                self._action(
                    f"Show the {title}",
                    f"Ctrl+{number}",
                    lambda _=False, tab=number - 1: self.window.tabs.setCurrentIndex(tab),
                    f"Switch to the {title} tab",
                )
            )
        theme_menu = view_menu.addMenu("Theme")
        for theme in THEMES.values():
            action = QAction(theme.title, self.window, checkable=True)
            action.setData(theme.name)
            action.setChecked(theme is DEFAULT)
            action.triggered.connect(lambda _=False, t=theme: self.window.set_theme(t))
            self.themes.addAction(action)
            theme_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addActions(list(self.window.zoom.actions))
        view_menu.addSeparator()
        for dock in self.window.docks:
            view_menu.addAction(dock.toggleViewAction())
        preset_menu = menu.addMenu("&Presets")
        preset_menu.setToolTipsVisible(True)
        preset_menu.addActions(list(self.presets.values()))
        menu.addMenu("&Help").addAction(self.about)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Transport", self.window)
        toolbar.setObjectName("transport")
        toolbar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        toolbar.addActions([self.play, self.step, self.reset, self.run_to_end])
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Speed "))
        self.speed.setRange(0, SPEED_STEPS)
        self.speed.setValue(DEFAULT_SPEED_POSITION)
        self.speed.setFixedWidth(220)
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys belong to Step
        self.speed.setToolTip("from 1 step a second to as fast as the machine goes")
        self.speed.valueChanged.connect(self._on_speed_change)
        toolbar.addWidget(self.speed)
        self.speed_label.setMinimumWidth(110)
        self.speed_label.setText(speed_text(self.speed.value()))
        toolbar.addWidget(self.speed_label)
        toolbar.addSeparator()
        toolbar.addActions(
            [
                self.log,
                self.lr_view,
                self.sharpness_view,
                self.reference,
                self.window.predict.action,
            ]
        )
        self.window.addToolBar(toolbar)
        for widget in toolbar.findChildren(QWidget):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def _preset_action(self, name: str) -> QAction:
        preset = PRESETS[name]
        action = self._action(preset.title, None, None, preset.description)
        action.triggered.connect(lambda _=False: self.apply_preset(name))
        return action

    def apply_preset(self, name: str) -> bool:
        """The preset's settings over the current ones, as one edit of the model."""
        model = self.window.model
        try:
            config = PRESETS[name].apply(model.config)
        except ConfigError as err:
            model.refused.emit(str(err))
            return False
        applied = model.set_config(config)
        if applied:
            self.window.show_message(f"Preset: {PRESETS[name].title} (restarted at step 0)")
        return applied

    def show_theme(self, theme: Theme) -> None:
        for action in self.themes.actions():
            action.setChecked(action.data() == theme.name)

    @Slot(int)
    def _on_speed_change(self, position: int) -> None:
        self.speed_label.setText(speed_text(position))
        self.window.engine.set_speed(speed_for_position(position))
