"""The main window: the panel grid in the centre, settings in a dock, transport in a toolbar."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSlider,
    QTabWidget,
    QToolBar,
    QWidget,
)

import engine
from engine.config import ConfigError, ExperimentConfig
from engine.config_io import (
    config_from_dict,
    config_to_dict,
    read_config_file,
    write_config_file,
)
from engine.experiment import RunStatus
from engine.progress import ExperimentStarted, LossUpdate
from gui.controls import ControlPanel
from gui.engine_client import EngineClient
from gui.export_dialogs import AnimationExportDialog, FigureExportDialog
from gui.exports import default_frame_every, export_csv, export_gif, export_png, export_svg
from gui.figure import Figure, FigureState
from gui.history import LossHistory
from gui.inspector import InspectorPanel
from gui.panels import PanelGrid
from gui.resources import icon_path
from gui.run_table import RunTable
from gui.sweep_export import export_sweep
from gui.sweep_view import SweepView
from gui.themes import DEFAULT, THEMES, Theme

TITLE = "Optimizers from Scratch"
ARTICLE = (
    "“Optimizers from Scratch”, a DEV Community article (tiny MLP, SGD, Momentum, RMSprop, Adam)"
)
SPEED_STEPS = 61  # slider positions 0..60 are 10^(p/20): 1 to 1000 steps/s; 61 is "max"
DEFAULT_SPEED_POSITION = 40  # 100 steps/s: the article's 1,000 steps in ten seconds
TEXT_REFRESH_MS = 250  # status line and table: a few times a second, not per frame
# at most 40 redraws a second: smooth, and the engine thread gets the GIL more often
MIN_REDRAW_MS, MAX_REDRAW_MS = 25, 100
PAINT_SHARE = 0.33  # the most of the GUI thread's time that redrawing may take


def speed_for_position(position: int) -> float:
    return math.inf if position >= SPEED_STEPS else 10 ** (position / 20)


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
    def __init__(self, config: ExperimentConfig, settings: QSettings):
        super().__init__()
        self.settings = settings
        self.setWindowTitle(TITLE)
        self.setWindowIcon(QIcon(icon_path()))
        self.resize(1400, 900)

        self.history = LossHistory()
        self._swept_config: ExperimentConfig | None = None
        self.theme = DEFAULT
        self._generation = 0
        self._latest: LossUpdate | None = None
        self._started: ExperimentStarted | None = None
        self._dirty = False
        self._playing = False

        self.grid = PanelGrid(live=True)
        self.grid.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sweep = SweepView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.grid, "Panels")
        self.tabs.addTab(self.sweep, "Learning-rate sweep")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        self.controls = ControlPanel(config)
        self.run_table = RunTable()
        self.inspector = InspectorPanel()
        self._build_docks()
        self._build_actions()
        self._build_status_bar()

        self.client = EngineClient(config, self)
        self.client.started.connect(self._on_started)
        self.client.progress.connect(self._on_progress)
        self.client.playing_changed.connect(self._on_playing_changed)
        self.client.failed.connect(self._on_failed)
        self.client.inspected.connect(self.inspector.show_inspection)
        self.inspector.target_changed.connect(self.client.set_inspection)
        self.grid.run_clicked.connect(self._inspect_run)
        self.controls.config_changed.connect(self._on_config_changed)
        self.controls.refused.connect(lambda reason: self.show_message(f"Not applied: {reason}"))

        self.redraw_timer = QTimer(self)
        self.redraw_timer.timeout.connect(self._redraw)
        self.redraw_timer.start(MIN_REDRAW_MS)
        self.text_timer = QTimer(self)
        self.text_timer.timeout.connect(self._refresh_text)
        self.text_timer.start(TEXT_REFRESH_MS)
        self.redraws = 0
        self._redraw_cost = 10.0  # ms, smoothed: what a redraw (setData and paint) costs

        self._restore_view_settings()
        self.client.set_speed.emit(speed_for_position(self.speed.value()))

    # --- building ----------------------------------------------------------------------------

    def _build_docks(self) -> None:
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(330)
        settings_dock = QDockWidget("Settings", self)
        settings_dock.setObjectName("settings")
        settings_dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, settings_dock)
        runs_dock = QDockWidget("Runs", self)
        runs_dock.setObjectName("runs")
        runs_dock.setWidget(self.run_table)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, runs_dock)
        inspector_dock = QDockWidget("Inspector", self)
        inspector_dock.setObjectName("inspector")
        inspector_dock.setWidget(self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, inspector_dock)
        self.tabifyDockWidget(runs_dock, inspector_dock)
        runs_dock.raise_()
        self._docks = (settings_dock, runs_dock, inspector_dock)

    def _action(self, text: str, shortcut: str | None, slot, tip: str) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.play_action = self._action("Play", "Space", self.toggle_play, "Play or pause")
        self.step_action = self._action(
            "Step", "Right", self.client_step, "One step of every unfinished run"
        )
        self.reset_action = self._action("Reset", "R", self.reset, "Back to step 0")
        self.run_to_end_action = self._action(
            "Run to end", "Ctrl+E", self.run_to_end, "Train every run to the end at full speed"
        )
        self.quit_action = self._action("Quit", "Ctrl+Q", self.close, "Quit")
        self.log_action = self._action(
            "Log y axis", "L", self._toggle_log, "Loss on a logarithmic axis"
        )
        self.log_action.setCheckable(True)
        self.lr_action = self._action(
            "Learning rate",
            None,
            self._toggle_quantity,
            "Show the learning rate each step used, not the loss",
        )
        self.lr_action.setCheckable(True)
        self.reference_action = self._action(
            "Reference",
            None,
            self._toggle_reference,
            "Train torch.optim twins beside the runs that have one (dotted curves) and show "
            "the largest parameter difference in the Runs table",
        )
        self.reference_action.setCheckable(True)
        self.about_action = self._action("About", None, self.show_about, "About this app")
        self.open_action = self._action(
            "Open experiment…", "Ctrl+O", self.open_experiment, "Settings from an experiment file"
        )
        self.save_action = self._action(
            "Save experiment…", "Ctrl+Shift+S", self.save_experiment, "Every setting to a JSON file"
        )
        self.export_figure_action = self._action(
            "Export figure…", "Ctrl+S", self.ask_export_figure, "PNG or SVG"
        )
        self.export_animation_action = self._action(
            "Export animation…", None, self.ask_export_animation, "Animated GIF"
        )
        self.export_data_action = self._action(
            "Export data…", None, self.ask_export_data, "CSV: optimizer,lr,step,loss"
        )
        self.export_sweep_action = self._action(
            "Export sweep…", None, self.ask_export_sweep, "The sweep as PNG, SVG or CSV"
        )
        self.copy_action = self._action(
            "Copy figure", "Ctrl+C", self.copy_figure, "The figure to the clipboard, at 2×"
        )

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for group in (
            (self.open_action, self.save_action),
            (
                self.export_figure_action,
                self.export_animation_action,
                self.export_data_action,
                self.export_sweep_action,
            ),
            (self.quit_action,),
        ):
            file_menu.addActions(list(group))
            file_menu.addSeparator()
        menu.addMenu("&Edit").addAction(self.copy_action)
        run_menu = menu.addMenu("&Run")
        for action in (
            self.play_action,
            self.step_action,
            self.reset_action,
            self.run_to_end_action,
        ):
            run_menu.addAction(action)
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.log_action)
        view_menu.addAction(self.lr_action)
        run_menu.addAction(self.reference_action)
        theme_menu = view_menu.addMenu("Theme")
        self.theme_actions = QActionGroup(self)
        for theme in THEMES.values():
            action = QAction(theme.title, self, checkable=True)
            action.setData(theme.name)
            action.setChecked(theme is DEFAULT)
            action.triggered.connect(lambda _=False, t=theme: self.set_theme(t))
            self.theme_actions.addAction(action)
            theme_menu.addAction(action)
        for dock in self._docks:
            view_menu.addAction(dock.toggleViewAction())
        menu.addMenu("&Help").addAction(self.about_action)

        toolbar = QToolBar("Transport", self)
        toolbar.setObjectName("transport")
        toolbar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for action in (
            self.play_action,
            self.step_action,
            self.reset_action,
            self.run_to_end_action,
        ):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Speed "))
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, SPEED_STEPS)
        self.speed.setValue(DEFAULT_SPEED_POSITION)
        self.speed.setFixedWidth(220)
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys belong to Step
        self.speed.setToolTip("from 1 step a second to as fast as the machine goes")
        self.speed.valueChanged.connect(self._on_speed)
        toolbar.addWidget(self.speed)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(110)
        toolbar.addWidget(self.speed_label)
        toolbar.addSeparator()
        toolbar.addAction(self.log_action)
        toolbar.addAction(self.lr_action)
        toolbar.addAction(self.reference_action)
        self.addToolBar(toolbar)
        for widget in toolbar.findChildren(QWidget):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._show_speed(self.speed.value())

    def _build_status_bar(self) -> None:
        self.progress_label = QLabel("Step 0")
        self.statusBar().addPermanentWidget(self.progress_label)

    # --- commands ----------------------------------------------------------------------------

    @Slot()
    def toggle_play(self) -> None:
        if self._playing:
            self.client.pause.emit()
        elif self._latest is not None and self._latest.done:
            self.show_message("Every run has finished: press R to start again")
        else:
            self.client.play.emit()

    @Slot()
    def client_step(self) -> None:
        self.client.step.emit()

    @Slot()
    def reset(self) -> None:
        self.client.reset.emit()
        self.show_message("Reset to step 0")

    @Slot()
    def run_to_end(self) -> None:
        self.client.run_to_end.emit()

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    @Slot(object)
    def _on_config_changed(self, config: ExperimentConfig) -> None:
        self.client.configure.emit(config)
        if self.tabs.currentWidget() is self.sweep:
            self._update_sweep()
        self.show_message("Settings changed: the experiment restarted at step 0")

    @Slot(int)
    def _on_speed(self, position: int) -> None:
        self._show_speed(position)
        self.client.set_speed.emit(speed_for_position(position))

    def _show_speed(self, position: int) -> None:
        speed = speed_for_position(position)
        self.speed_label.setText("max" if math.isinf(speed) else f"{speed:.3g} steps/s")

    @Slot(int)
    def _tab_changed(self, index: int) -> None:
        """The sweep tab computes (in its own thread) for the settings shown, once per change."""
        if self.tabs.widget(index) is self.sweep:
            self._update_sweep()

    def _update_sweep(self) -> None:
        config = self.controls.config
        if self._swept_config != config:
            self._swept_config = config
            self.sweep.compute(config)

    @Slot()
    def ask_export_sweep(self) -> None:
        if self.sweep.result is None:
            self.tabs.setCurrentWidget(self.sweep)
            self.show_message("The sweep is computing: export it once it is shown")
            return
        filters = "PNG image (*.png);;SVG image (*.svg);;CSV (*.csv)"
        path = self._ask_path("Export sweep", filters, ".png")
        if path:
            self.export_sweep(path)

    def export_sweep(self, path: str, scale: int = 2) -> bool:
        """The sweep as PNG, SVG or CSV, by the file's extension."""
        result, lrs = self.sweep.result, self.sweep.panel_lrs
        if result is None:
            return False
        return self._export(
            "sweep", path, lambda: export_sweep(path, result, lrs, self.theme, scale)
        )

    @Slot(int)
    def _inspect_run(self, run: int) -> None:
        """A curve was clicked: follow its run in the inspector."""
        self._docks[2].show()
        self._docks[2].raise_()
        self.inspector.select_run(run)

    @Slot()
    def _toggle_quantity(self) -> None:
        self.grid.set_quantity(self.lr_action.isChecked())
        self._dirty = True

    @Slot()
    def _toggle_reference(self) -> None:
        on = self.reference_action.isChecked()
        self.client.set_reference.emit(on)
        self.show_message(
            "Reference on: torch.optim twins train beside each run (restarted at step 0)"
            if on
            else "Reference off (restarted at step 0)"
        )

    @Slot()
    def _toggle_log(self) -> None:
        self.grid.set_log_y(self.log_action.isChecked())
        self._dirty = True

    def set_theme(self, theme: Theme) -> None:
        """The look of the panels on screen (and the default for exports)."""
        self.theme = theme
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == theme.name)
        self.grid.apply_theme(theme)
        self.sweep.apply_theme(theme)
        self._dirty = True

    # --- files -------------------------------------------------------------------------------

    def report_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)

    def figure_state(self) -> FigureState | None:
        """What the panels show now, for an export; None (and a message) before any step."""
        if self._started is None or self._latest is None or self.history.length == 0:
            self.show_message("Nothing to export yet: press Play or Step first")
            return None
        views = tuple(
            tuple(tuple(r) for r in panel.plot.getViewBox().viewRange())
            for panel in self.grid.panels
        )
        return FigureState(
            self._started, self.history.as_update(self._latest), self.log_action.isChecked(), views
        )

    def _export(self, what: str, path: str, write) -> bool:
        try:
            write()
        except (OSError, ValueError) as err:
            self.report_error(f"Could not export the {what}", str(err))
            return False
        self.show_message(f"Exported the {what} to {path}")
        return True

    def export_figure(self, path: str, scale: int = 2, theme: Theme | None = None) -> bool:
        """PNG or SVG by the file's extension."""
        state = self.figure_state()
        if state is None:
            return False
        theme = theme or self.theme
        if path.lower().endswith(".svg"):
            return self._export("figure", path, lambda: export_svg(path, state, theme))
        return self._export("figure", path, lambda: export_png(path, state, theme, scale))

    def export_animation(
        self, path: str, every: int, fps: float, theme: Theme | None = None
    ) -> bool:
        state = self.figure_state()
        if state is None:
            return False
        theme = theme or self.theme
        return self._export("animation", path, lambda: export_gif(path, state, theme, every, fps))

    def export_data(self, path: str) -> bool:
        state = self.figure_state()
        return state is not None and self._export("data", path, lambda: export_csv(path, state))

    def save_experiment_to(self, path: str) -> bool:
        try:
            write_config_file(path, self.controls.config)
        except OSError as err:
            self.report_error("Could not save the experiment", str(err))
            return False
        self.show_message(f"Saved the experiment to {path}")
        return True

    def open_experiment_from(self, path: str) -> bool:
        """Apply every setting of the file, or none of them."""
        try:
            config = read_config_file(path)
        except ConfigError as err:
            self.report_error("Could not open the experiment", str(err))
            return False
        self.controls.show_config(config)
        self.client.configure.emit(config)
        self.show_message(f"Opened {path}: the experiment restarted at step 0")
        return True

    def _ask_path(self, title: str, filters: str, suffix: str, save: bool = True) -> str | None:
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = ask(self, title, self.settings.value("files/folder", ""), filters)
        if not path:
            return None
        if save and not path.lower().endswith(suffix):
            path += suffix
        self.settings.setValue("files/folder", str(Path(path).parent))
        return path

    @Slot()
    def ask_export_figure(self) -> None:
        if self.figure_state() is None:
            return
        dialog = FigureExportDialog(self.theme, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        suffix = "." + dialog.format
        filters = "PNG image (*.png)" if dialog.format == "png" else "SVG image (*.svg)"
        path = self._ask_path("Export figure", filters, suffix)
        if path:
            self.export_figure(path, dialog.scale, dialog.theme)

    @Slot()
    def ask_export_animation(self) -> None:
        state = self.figure_state()
        if state is None:
            return
        steps = state.update.steps_taken
        dialog = AnimationExportDialog(self.theme, steps, default_frame_every(steps), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        path = self._ask_path("Export animation", "Animated GIF (*.gif)", ".gif")
        if path:
            self.export_animation(path, dialog.every, dialog.fps, dialog.theme)

    @Slot()
    def ask_export_data(self) -> None:
        if self.figure_state() is None:
            return
        path = self._ask_path("Export data", "CSV (*.csv)", ".csv")
        if path:
            self.export_data(path)

    @Slot()
    def save_experiment(self) -> None:
        path = self._ask_path("Save experiment", "Experiment (*.json)", ".json")
        if path:
            self.save_experiment_to(path)

    @Slot()
    def open_experiment(self) -> None:
        path = self._ask_path("Open experiment", "Experiment (*.json)", ".json", save=False)
        if path:
            self.open_experiment_from(path)

    @Slot()
    def copy_figure(self) -> None:
        state = self.figure_state()
        if state is None:
            return
        with Figure(state, self.theme, scale=2) as figure:
            QApplication.clipboard().setImage(figure.image())
        self.show_message("Copied the figure (2×) to the clipboard")

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {TITLE}",
            f"<b>{TITLE}</b> {engine.__version__}<br><br>Watch neural-network optimizers "
            f"train a tiny MLP, written from scratch on torch tensors.<br><br>"
            f"Reproduces and goes beyond {ARTICLE}.",
        )

    # --- results from the engine ----------------------------------------------------------

    @Slot(object)
    def _on_started(self, started: ExperimentStarted) -> None:
        self._generation = started.generation
        self._started = started
        self._latest = None
        self.history.clear(len(started.runs), started.config.dtype)
        self.grid.start(started, self.history)
        self.grid.set_log_y(self.log_action.isChecked())
        self.grid.set_quantity(self.lr_action.isChecked())
        self.run_table.start(started)
        self.inspector.start(started)
        self.controls.show_config(started.config)
        self._dirty = True
        self._refresh_text()

    @Slot(object)
    def _on_progress(self, update: LossUpdate) -> None:
        if update.generation != self._generation:
            return  # from an experiment that has since been reset or reconfigured
        self.history.apply(update)
        self._latest = update
        self._dirty = True

    @Slot(bool)
    def _on_playing_changed(self, playing: bool) -> None:
        self._playing = playing
        self.play_action.setText("Pause" if playing else "Play")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.show_message(f"The engine stopped: {message}")

    # --- drawing -----------------------------------------------------------------------------

    @Slot()
    def _redraw(self) -> None:
        """One coalesced redraw; its interval follows what redrawing costs, so that it takes
        at most PAINT_SHARE of the GUI thread's time."""
        if not self._dirty or self._started is None:
            return
        self._dirty = False
        began = time.perf_counter()
        self.grid.redraw(self._latest)
        cost_ms = (time.perf_counter() - began) * 1000 + self.grid.last_paint_ms
        self.redraws += 1
        # a smoothed cost: one frame that waited for the engine's GIL should not halve the rate
        self._redraw_cost = 0.8 * self._redraw_cost + 0.2 * cost_ms
        interval = int(min(max(self._redraw_cost / PAINT_SHARE, MIN_REDRAW_MS), MAX_REDRAW_MS))
        if abs(interval - self.redraw_timer.interval()) > 4:
            self.redraw_timer.setInterval(interval)

    @Slot()
    def _refresh_text(self) -> None:
        update = self._latest
        if update is None:
            self.progress_label.setText("Step 0 · ready")
            return
        counts: dict[RunStatus, int] = {}
        for summary in update.summaries:
            counts[summary.status] = counts.get(summary.status, 0) + 1
        parts = [f"Step {update.steps_taken}"]
        names = {
            RunStatus.RUNNING: "running",
            RunStatus.CONVERGED: "converged",
            RunStatus.DIVERGED: "diverged",
            RunStatus.MAX_STEPS: "stopped at max",
        }
        parts += [f"{n} {names[s]}" for s, n in sorted(counts.items())]
        if update.done:
            parts.append("done")
        self.progress_label.setText(" · ".join(parts))
        self.run_table.show_update(update)

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
            self.speed.setValue(int(position))
        self.log_action.setChecked(self.settings.value("view/log_y", "false") == "true")
        self.grid.set_log_y(self.log_action.isChecked())
        self.set_theme(THEMES.get(str(self.settings.value("view/theme", "")), DEFAULT))

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue(
            "experiment/config", json.dumps(config_to_dict(self.controls.config))
        )
        self.settings.setValue("view/speed", self.speed.value())
        self.settings.setValue("view/log_y", "true" if self.log_action.isChecked() else "false")
        self.settings.setValue("view/theme", self.theme.name)
        self.settings.sync()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.grid.setFocus()

    def closeEvent(self, event) -> None:
        self.redraw_timer.stop()
        self.text_timer.stop()
        self.save_settings()
        self.sweep.shutdown()
        self.client.shutdown()
        super().closeEvent(event)
