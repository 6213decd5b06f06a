"""The main window: the panel grid and sweep in tabs, settings in docks, transport in a toolbar.

It wires the rooms together and owns none of their state: the :class:`ExperimentModel` holds
the settings (widgets edit it, the engine is told by it), the :class:`EngineSession` holds what
the engine reported, views read both.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
)

import engine
from engine.config.settings import ConfigError, ExperimentConfig
from engine.io.experiment_file import config_from_dict, config_to_dict
from engine.live.client import EngineProcess
from engine.live.messages import ExperimentStarted
from engine.live.protocol import LANDSCAPE, SWEEP
from engine.live.worker import EngineWorker
from gui.landscape.view import LandscapeView
from gui.panels.grid import PanelGrid
from gui.plotting.pacing import TEXT_REFRESH_MS, RedrawPacer, speed_for_position
from gui.plotting.themes import DEFAULT, THEMES, Theme
from gui.predict.mode import PredictMode
from gui.runs.inspector import InspectorPanel
from gui.runs.run_table import RunTable
from gui.settings.controls import ControlPanel
from gui.shell.file_actions import FileActions
from gui.shell.resources import icon_path
from gui.shell.window_actions import WindowActions
from gui.shell.zoom import Zoom
from gui.state.experiment_model import ConfigChange, ExperimentModel
from gui.state.session import EngineSession
from gui.sweep.view import SweepView
from gui.timeline.branching import BranchCommands, change_message
from gui.timeline.view import TimelineBar, TimelineView, panels_page

TITLE = "Optimizers from Scratch"
ARTICLE = (
    "“Optimizers from Scratch”, a DEV Community article (tiny MLP, SGD, Momentum, RMSprop, Adam)"
)


def load_config(settings: QSettings) -> ExperimentConfig | None:
    """The last settings, or None if there are none or they no longer make sense."""
    text = settings.value("experiment/config")
    if not text:
        return None
    try:
        return config_from_dict(json.loads(str(text)))
    except (ValueError, ConfigError):
        return None


class MainWindow(QMainWindow):
    def __init__(
        self,
        config: ExperimentConfig,
        settings: QSettings,
        engine_process: EngineProcess | None = None,
    ):
        """``engine_process``: the engine started early (see :func:`gui.shell.app.run_app`)."""
        super().__init__()
        self.settings = settings
        self.setWindowTitle(TITLE)
        self.setWindowIcon(QIcon(icon_path()))
        self.resize(1400, 900)
        self.theme = DEFAULT

        self.model = ExperimentModel(config, self)
        self.session = EngineSession(self)
        self.engine = EngineWorker(self, engine_process)

        self.grid = PanelGrid(live=True)
        self.grid.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sweep = SweepView(runner=self.engine.runner(SWEEP))
        self.landscape = LandscapeView(self.session, runner=self.engine.runner(LANDSCAPE))
        self.tabs = QTabWidget()
        timeline_bar = TimelineBar()
        self.tabs.addTab(panels_page(self.grid, timeline_bar), "Panels")
        self.tabs.addTab(self.landscape, "Landscape")
        self.tabs.addTab(self.sweep, "Learning-rate sweep")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.currentChanged.connect(self._on_tab_change)
        self.setCentralWidget(self.tabs)
        self.controls = ControlPanel(self.model)
        self.run_table = RunTable()
        self.inspector = InspectorPanel()
        self.docks = self._build_docks()
        self.files = FileActions(self)
        self.zoom = Zoom(self)
        self.zoom.apply()
        self.predict = PredictMode(self)
        self.commands = WindowActions(self)
        self.progress_label = QLabel("Starting the engine…")
        self.progress_label.setContentsMargins(16, 0, 0, 0)  # a long message stops short of it
        self.statusBar().addPermanentWidget(self.progress_label)

        engine_ = self.engine
        engine_.started.connect(self.session.on_started)
        engine_.progress.connect(self.session.on_progress)
        engine_.playing_changed.connect(self.session.on_playing_changed)
        engine_.failed.connect(self._on_engine_failure)
        engine_.died.connect(self._on_engine_death)
        engine_.inspected.connect(self.inspector.show_inspection)
        self.inspector.target_changed.connect(engine_.set_inspection)
        self.session.restarted.connect(self._on_experiment_start)
        self.session.advanced.connect(lambda _update: self.pacer.request())
        self.session.playing_changed.connect(self._on_playing_change)
        self.grid.run_clicked.connect(self._inspect_run)
        self.model.changed.connect(self._on_config_change)
        self.model.reference_changed.connect(self._on_reference_change)
        self.model.refused.connect(lambda reason: self.show_message(f"Not applied: {reason}"))
        self.timeline = TimelineView(self, timeline_bar)  # after the views it moves
        self.commands.run_menu.addSeparator()
        self.commands.run_menu.addActions(self.timeline.actions)
        self.branching = BranchCommands(self)
        self.commands.run_menu.addAction(self.branching.action)

        self.pacer = RedrawPacer(self._draw, self)
        self.text_timer = QTimer(self)
        self.text_timer.timeout.connect(self.refresh_text)
        self.text_timer.start(TEXT_REFRESH_MS)

        self._restore_view_settings()
        self.engine.set_speed(speed_for_position(self.commands.speed.value()))
        self.engine.configure(self.model.config, self.model.reference)

    def _build_docks(self) -> tuple[QDockWidget, QDockWidget, QDockWidget]:
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(330)
        docks = []
        for name, title, widget in (
            ("settings", "Settings", scroll),
            ("runs", "Runs", self.run_table),
            ("inspector", "Inspector", self.inspector),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            docks.append(dock)
        self.tabifyDockWidget(docks[1], docks[2])
        docks[1].raise_()
        return tuple(docks)

    # --- commands ----------------------------------------------------------------------------

    @Slot()
    def toggle_play(self) -> None:
        if self.session.playing:
            self.engine.pause()
        elif self.session.done:
            self.show_message("Every run has finished: press R to start again")
        else:
            self.engine.play()

    @Slot()
    def step(self) -> None:
        """One step of every run; while the timeline shows the past, one step on in it."""
        if self.timeline.scrubbed:
            self.timeline.forward()
        else:
            self.engine.step()

    @Slot()
    def reset(self) -> None:
        """Step 0; after the engine died, a new engine with the same experiment."""
        restart = self.engine.death is not None
        self.engine.reset()
        self.show_message("Engine restarted: step 0" if restart else "Reset to step 0")

    @Slot()
    def run_to_end(self) -> None:
        self.engine.run_to_end()

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def report_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)

    def set_theme(self, theme: Theme) -> None:
        """The look of the panels on screen (and the default for exports)."""
        self.theme = theme
        self.commands.show_theme(theme)
        self.grid.apply_theme(self.zoom.scaled(theme))
        self.landscape.apply_theme(self.zoom.scaled(theme))
        self.sweep.apply_theme(self.zoom.scaled(theme))
        self.predict.refresh()
        self.pacer.request()

    def set_log_y(self, on: bool) -> None:
        self.grid.set_log_y(on)
        self.pacer.request()

    def set_quantity(self, show_lr: bool) -> None:
        self.grid.set_quantity(show_lr)
        self.pacer.request()

    def set_sharpness(self, on: bool) -> None:
        """The Sharpness view: the engine computes λ only while it is on, from now on."""
        self.grid.set_sharpness(on)
        self.engine.set_sharpness(on)
        if on and self.session.steps_taken and not self.session.done:
            self.show_message(
                f"Sharpness from step {self.session.steps_taken} on: earlier steps were not "
                "computed (press R to see it from step 0)"
            )
        self.pacer.request()

    def refresh_now(self) -> None:
        """Redraw and refresh the text at once (the timers would within a fraction of a second)."""
        self.pacer.request()
        self.pacer.draw_now()
        self.refresh_text()

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {TITLE}",
            f"<b>{TITLE}</b> {engine.__version__}<br><br>Watch neural-network optimizers "
            f"train a tiny MLP, written from scratch on torch tensors.<br><br>"
            f"Reproduces and goes beyond {ARTICLE}.",
        )

    # --- from the model, the engine and the views ----------------------------------------------

    @Slot(object)
    def _on_config_change(self, change: ConfigChange) -> None:
        self.engine.configure(change.new, self.model.reference)
        if self.tabs.currentWidget() is self.sweep:
            self.sweep.follow(change.new)
        self.show_message(change_message(change, self.model.reference))

    @Slot(bool)
    def _on_reference_change(self, on: bool) -> None:
        self.engine.configure(self.model.config, on)
        self.show_message(
            "Reference on: torch.optim twins train beside each run (restarted at step 0)"
            if on
            else "Reference off (restarted at step 0)"
        )

    @Slot(object)
    def _on_experiment_start(self, started: ExperimentStarted) -> None:
        self.grid.start(started, self.session.history)
        self.grid.set_log_y(self.commands.log.isChecked())
        self.grid.set_quantity(self.commands.lr_view.isChecked())
        self.run_table.start(started)
        self.inspector.start(started)
        self.predict.on_restart()
        self.pacer.request()
        self.refresh_text()

    @Slot(bool)
    def _on_playing_change(self, playing: bool) -> None:
        self.commands.play.setText("Pause" if playing else "Play")
        self.pacer.request()  # paused: the landscape settles its paths into one still picture

    @Slot(str)
    def _on_engine_failure(self, message: str) -> None:
        self.show_message(f"The engine stopped: {message}")

    @Slot(str)
    def _on_engine_death(self, what: str) -> None:
        """Said until the next message: the curves so far stay, R starts the engine again."""
        self.statusBar().showMessage(f"{what}. Press R to restart it with the same experiment.")

    @Slot(int)
    def _on_tab_change(self, index: int) -> None:
        """The sweep tab computes (in the engine process) for the settings shown, once per
        change."""
        if self.tabs.widget(index) is self.sweep:
            self.sweep.follow(self.model.config)
        self.pacer.request()  # a view shown again draws what arrived while it was hidden

    @Slot(int)
    def _inspect_run(self, run: int) -> None:
        """A curve was clicked: follow its run in the inspector."""
        self.docks[2].show()
        self.docks[2].raise_()
        self.inspector.select_run(run)

    def _draw(self) -> float:
        """One coalesced redraw; returns what painting cost besides (for the pacer)."""
        if self.session.started is None:
            return 0.0
        shown = self.tabs.currentWidget()  # a hidden view catches up when it is shown again
        if shown is self.landscape:
            self.landscape.redraw()
            return self.landscape.grid.last_paint_ms
        if shown is not self.sweep:
            self.grid.redraw(self.session.latest)
        return self.grid.last_paint_ms

    @Slot()
    def refresh_text(self) -> None:
        if self.session.started is None:  # the engine process is still importing torch
            self.progress_label.setText("Starting the engine…")
            return
        self.progress_label.setText(self.timeline.status_text(self.session.latest))
        if self.session.latest is not None:
            self.run_table.show_update(self.timeline.shown_update(self.session.latest))
        self.landscape.refresh_text()

    # --- lifetime ----------------------------------------------------------------------------

    def _restore_view_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        position = self.settings.value("view/speed")
        if position is not None:
            self.commands.speed.setValue(int(position))
        self.commands.log.setChecked(self.settings.value("view/log_y", "false") == "true")
        self.grid.set_log_y(self.commands.log.isChecked())
        self.set_theme(THEMES.get(str(self.settings.value("view/theme", "")), DEFAULT))

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("experiment/config", json.dumps(config_to_dict(self.model.config)))
        self.settings.setValue("view/speed", self.commands.speed.value())
        log_y = self.commands.log.isChecked()
        self.settings.setValue("view/log_y", "true" if log_y else "false")
        self.settings.setValue("view/theme", self.theme.name)
        self.settings.sync()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.grid.setFocus()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.pacer.stop()
        self.text_timer.stop()
        self.save_settings()
        self.sweep.shutdown()
        self.landscape.shutdown()
        self.engine.shutdown()
        super().closeEvent(event)
