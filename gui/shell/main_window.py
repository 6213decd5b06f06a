"""The main window: the panel grid and sweep in tabs, settings in docks, transport in a toolbar.

It builds the rooms, hands each what it uses and wires their signals, and owns none of their
state: the :class:`ExperimentModel` holds the settings (widgets edit it, the engine is told by
it), the :class:`ViewState` what is shown (actions edit it, views read it), the
:class:`EngineSession` what the engine reported.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QTabWidget

from engine.config.settings import ExperimentConfig
from engine.live.client import EngineProcess
from engine.live.messages import ExperimentStarted
from engine.live.protocol import SWEEP
from engine.live.worker import EngineWorker
from gui.editor.dock import OptimizerEditor
from gui.panels.grid import PanelGrid
from gui.plotting.pacing import TEXT_REFRESH_MS, RedrawPacer, speed_for_position
from gui.predict.mode import PredictMode
from gui.runs.inspector import InspectorPanel
from gui.runs.run_table import RunTable
from gui.settings.controls import ControlPanel
from gui.shell.actions._file import add_file_menus
from gui.shell.actions._help import add_help_menu
from gui.shell.actions._lessons import add_lessons_menu
from gui.shell.actions._optimizers import add_optimizers_menu
from gui.shell.actions._presets import add_presets_menu
from gui.shell.actions._run import Transport, add_run_menu
from gui.shell.actions._toolbar import add_transport_toolbar
from gui.shell.actions._view import add_view_menu
from gui.shell.docks import EDITOR_DOCK, INSPECTOR_DOCK, build_docks
from gui.shell.editor_link import EditorLink
from gui.shell.file_actions import FileActions
from gui.shell.landscape_tab import LandscapeTab
from gui.shell.lesson_actions import LESSON_DOCK, LessonActions
from gui.shell.resources import TITLE, icon_path
from gui.shell.status_lines import change_message, reference_message
from gui.shell.title import WindowTitle
from gui.shell.zoom import SETTINGS_DOCK, DockZoom
from gui.state.experiment_model import ConfigChange, ExperimentModel
from gui.state.saved_settings import (
    load_draft,
    remember_view,
    restore_geometry,
    restore_view,
    save_config,
    save_draft,
    save_geometry,
)
from gui.state.session import EngineSession
from gui.state.view_state import Quantity, Tab, ViewChange, ViewState
from gui.sweep.view import SweepView
from gui.timeline.branching import BranchCommands
from gui.timeline.view import TimelineBar, TimelineView, panels_page

if TYPE_CHECKING:
    from gui.landscape.view import LandscapeView

TABS = tuple(Tab)  # in the tab bar's order


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
        self.title = WindowTitle(self, TITLE)
        self.setWindowTitle(TITLE)
        self.setWindowIcon(QIcon(icon_path()))
        self.resize(1400, 900)

        self.model = ExperimentModel(config, self)
        self.view = ViewState(parent=self)
        restore_view(settings, self.view)
        remember_view(settings, self.view)
        self.session = EngineSession(self)
        self.engine = EngineWorker(self, engine_process)
        self.pacer = RedrawPacer(self._draw, self)
        timeline_bar = self._build_views()
        self._connect()
        # after the window connected its own slots: a new experiment reaches the views first
        self.timeline = TimelineView(self.view, self.session, self.engine, timeline_bar, self)
        self.predict = PredictMode(
            self.view,
            self.model,
            self.session,
            self.engine,
            self.grid,
            self.show_message,
            self.title.show_predict,
            TITLE,
        )
        self.branching = BranchCommands(
            self.model, self.view, self.session, self.timeline, self.show_message, self
        )
        self.files = FileActions(
            self,
            settings,
            model=self.model,
            view=self.view,
            session=self.session,
            grid=self.grid,
            landscape_tab=self.landscape_tab,
            sweep=self.sweep,
            score=lambda: self.predict.score,
            show_message=self.show_message,
            # late-bound: tests collect the dialogs' errors by replacing report_error
            report_error=lambda title, message: self.report_error(title, message),
        )
        self.lessons = LessonActions(  # after Predict mode: PageUp / PageDown are the lesson's
            self, settings, self.model, self.view, self.session, self.engine, self.grid
        )
        self._docks[LESSON_DOCK] = self.lessons.dock  # over Settings: the panels keep their room
        self.tabifyDockWidget(self._docks[SETTINGS_DOCK], self.lessons.dock)
        self.title.follow(self.lessons.player)
        self.lessons.message.connect(self.show_message)
        self._build_menus()
        self._connect_features()
        self.progress_label = QLabel("Starting the engine…")
        self.progress_label.setContentsMargins(16, 0, 0, 0)  # a long message stops short of it
        self.statusBar().addPermanentWidget(self.progress_label)
        self.dock_zoom = DockZoom(self.view, self, self.docks)
        self.dock_zoom.apply()
        self._apply_theme()

        self.text_timer = QTimer(self)
        self.text_timer.timeout.connect(self.refresh_text)
        self.text_timer.start(TEXT_REFRESH_MS)
        restore_geometry(settings, self)
        self.lessons.dock.hide()  # even if it was shown when the window closed: no lesson yet
        self.engine.set_speed(speed_for_position(self.view.speed))
        self.engine.configure(self.model.config, self.model.reference)

    def _build_views(self) -> TimelineBar:
        """The tabs in the middle and the docks at the side; returns the timeline's bar."""
        self.grid = PanelGrid(live=True, view=self.view)
        self.grid.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sweep = SweepView(runner=self.engine.runner(SWEEP))
        self.landscape_tab = LandscapeTab(self, self.session, self.view, self.engine, self.model)
        self.tabs = QTabWidget()
        timeline_bar = TimelineBar()
        self.tabs.addTab(panels_page(self.grid, timeline_bar), "Panels")
        self.tabs.addTab(self.landscape_tab, "Landscape")
        self.tabs.addTab(self.sweep, "Learning-rate sweep")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.setCurrentIndex(TABS.index(self.view.tab))
        self.setCentralWidget(self.tabs)
        self.controls = ControlPanel(self.model)
        self.run_table = RunTable()
        self.inspector = InspectorPanel(self.view)
        self.editor = OptimizerEditor(self.model, load_draft(self.settings))
        self._docks = build_docks(self, self.controls, self.run_table, self.inspector, self.editor)
        return timeline_bar

    @property
    def landscape(self) -> LandscapeView:
        """The Landscape tab's view (built after the window first paints, or now)."""
        return self.landscape_tab.view

    @property
    def docks(self) -> MappingProxyType[str, QDockWidget]:
        """The side docks by name: settings, runs, inspector, editor, lesson."""
        return MappingProxyType(self._docks)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        add_file_menus(bar, self, self.files, self.close)
        transport = Transport(self.toggle_play, self.step, self.reset, self.run_to_end)
        run = add_run_menu(
            bar,
            self,
            transport,
            model=self.model,
            view=self.view,
            session=self.session,
            timeline=self.timeline,
            branching=self.branching,
        )
        shown = add_view_menu(bar, self, self.view, self.docks, self.show_message)
        add_presets_menu(bar, self, self.model, self.show_message)
        edits = self.controls.written.edit_requested
        add_optimizers_menu(bar, self, self.docks[EDITOR_DOCK], self.editor, edits)
        add_lessons_menu(bar, self, self.lessons, self.lessons.player)
        add_help_menu(bar, self)
        add_transport_toolbar(self, self.view, run, shown)

    def _connect(self) -> None:
        """The engine, the session, the models and the views the window builds itself."""
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
        # paused, the landscape settles its paths into one still picture
        self.session.playing_changed.connect(lambda _playing: self.pacer.request())
        self.grid.run_clicked.connect(self._inspect_run)
        self.model.changed.connect(self._on_config_change)
        self.model.reference_changed.connect(self._on_reference_change)
        self.model.refused.connect(lambda reason: self.show_message(f"Not applied: {reason}"))
        self.tabs.currentChanged.connect(lambda index: self.view.update(tab=TABS[index]))
        events = self.view.events
        events.theme.connect(self._apply_theme)
        events.zoom.connect(self._apply_theme)
        events.tab.connect(self._on_tab_change)
        events.step.connect(lambda _step: self.refresh_now())
        events.speed.connect(lambda position: self.engine.set_speed(speed_for_position(position)))
        self.view.changed.connect(self._on_view_change)

    def _connect_features(self) -> None:
        self.run_table.branch_requested.connect(self.branching.branch_run)
        self.run_table.remove_requested.connect(self.branching.remove_branch)
        self.inspector.branch_requested.connect(self.branching.branch_run)
        self.editor.message.connect(self.show_message)
        self.editor_link = EditorLink(self.editor, self.session, self.engine)

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

    def refresh_now(self) -> None:
        """Redraw and refresh the text at once (the timers would within a fraction of a second)."""
        self.pacer.request()
        self.pacer.draw_now()
        self.refresh_text()

    # --- from the models, the engine and the views ---------------------------------------------

    @Slot()
    def _apply_theme(self, *_) -> None:
        """The chosen theme at the zoom on every plot (exports keep their own scale)."""
        theme = self.view.settings.zoomed_theme
        self.grid.apply_theme(theme)
        self.landscape_tab.apply_theme(theme)
        self.sweep.apply_theme(theme)
        self.predict.refresh()
        self.pacer.request()

    @Slot(object)
    def _on_view_change(self, change: ViewChange) -> None:
        if "quantity" in change.names or "log_y" in change.names:
            self.pacer.request()
        sharpness = [c.quantity is Quantity.SHARPNESS for c in (change.old, change.new)]
        if sharpness[0] != sharpness[1]:
            self._follow_sharpness(sharpness[1])

    def _follow_sharpness(self, on: bool) -> None:
        """The Sharpness view: the engine computes λ only while it is on, from now on."""
        self.engine.set_sharpness(on)
        if on and self.session.steps_taken and not self.session.done:
            self.show_message(
                f"Sharpness from step {self.session.steps_taken} on: earlier steps were not "
                "computed (press R to see it from step 0)"
            )

    @Slot(object)
    def _on_tab_change(self, tab: Tab) -> None:
        """The sweep tab computes (in its own thread) for the settings shown, once per change."""
        self.tabs.setCurrentIndex(TABS.index(tab))
        if tab is Tab.SWEEP:
            self.sweep.follow(self.model.config)
        self.pacer.request()  # a view shown again draws what arrived while it was hidden

    @Slot(object)
    def _on_config_change(self, change: ConfigChange) -> None:
        self.engine.configure(change.new, self.model.reference)
        if self.view.tab is Tab.SWEEP:
            self.sweep.follow(change.new)
        self.show_message(change_message(change, self.model.reference))

    @Slot(bool)
    def _on_reference_change(self, on: bool) -> None:
        self.engine.configure(self.model.config, on)
        self.show_message(reference_message(on))

    @Slot(object)
    def _on_experiment_start(self, started: ExperimentStarted) -> None:
        self.grid.start(started, self.session.history)
        self.run_table.start(started)
        self.inspector.start(started)
        self.predict.on_restart()
        self.pacer.request()
        self.refresh_text()

    @Slot(str)
    def _on_engine_failure(self, message: str) -> None:
        self.show_message(f"The engine stopped: {message}")

    @Slot(str)
    def _on_engine_death(self, what: str) -> None:
        """Said until the next message: the curves so far stay, R starts the engine again."""
        self.statusBar().showMessage(f"{what}. Press R to restart it with the same experiment.")
        self.refresh_text()

    @Slot(int)
    def _inspect_run(self, run: int) -> None:
        """A curve was clicked: follow its run in the inspector."""
        dock = self.docks[INSPECTOR_DOCK]
        dock.show()
        dock.raise_()
        self.view.update(run=run)

    def _draw(self) -> float:
        """One coalesced redraw; returns what painting cost besides (for the pacer)."""
        if self.session.started is None:
            return 0.0
        if self.view.tab is Tab.LANDSCAPE:  # a hidden view catches up when it is shown again
            self.landscape.redraw()
            return self.landscape.last_paint_ms
        if self.view.tab is Tab.PANELS:
            self.grid.redraw(self.session.latest)
        return self.grid.last_paint_ms

    @Slot()
    def refresh_text(self) -> None:
        if self.session.started is None:  # the engine process is still importing torch
            self.progress_label.setText("Starting the engine…")
            return
        text = self.timeline.status_text(self.session.latest)
        if self.engine.death is not None:  # its runs are not running: none of them moves now
            text = f"{text.split(' · ')[0]} · the engine stopped (R restarts it)"
        self.progress_label.setText(text)
        if self.session.latest is not None:
            self.run_table.show_update(self.timeline.shown_update(self.session.latest))
        self.landscape_tab.refresh_text()

    # --- lifetime ----------------------------------------------------------------------------

    def save_settings(self) -> None:
        """The geometry, the settings, an unsaved rule (the view's are saved as they change)."""
        save_geometry(self.settings, self.saveGeometry(), self.saveState())
        save_config(self.settings, self.model.config)
        save_draft(self.settings, self.editor.text if self.editor.modified else None)
        self.settings.sync()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.grid.setFocus()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.pacer.stop()
        self.text_timer.stop()
        self.save_settings()
        self.sweep.shutdown()
        self.landscape_tab.shutdown()
        self.engine.shutdown()
        super().closeEvent(event)
