"""The File and Edit menus' work: ask where, then export, save or open, with one message each.

Reads the experiment's settings from the model, what the panels show from the view state, the
session and the grid; a failure is reported in one line (a dialog) and leaves no file behind.
The exports (and with them the Landscape tab's drawing) are imported as they are first used:
importing them cost the window about 50 ms of CPU before its first paint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Slot
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QWidget

from engine.config.settings import ConfigError
from engine.experiment.predictions import Score
from engine.io.experiment_file import read_experiment_file, write_config_file
from engine.live.messages import LossUpdate, update_at_step
from gui.panels.grid import PanelGrid
from gui.plotting.themes import Theme
from gui.shell.code_consent import run_code_allowed
from gui.shell.landscape_tab import LandscapeTab
from gui.state.experiment_model import ExperimentModel
from gui.state.saved_settings import FOLDER_KEY
from gui.state.session import EngineSession
from gui.state.view_state import Tab, ViewState
from gui.sweep.view import SweepView

if TYPE_CHECKING:
    from gui.export.figure import FigureState
    from gui.export.landscape import LandscapeState
    from gui.landscape.view import LandscapeView


class FileActions(QObject):
    """Exports (figure, animation, data, landscape, sweep), the clipboard, and experiment
    files. ``dialog_parent`` parents the dialogs; ``score`` is Predict mode's score so far."""

    def __init__(
        self,
        dialog_parent: QWidget,
        settings: QSettings,
        *,
        model: ExperimentModel,
        view: ViewState,
        session: EngineSession,
        grid: PanelGrid,
        landscape_tab: LandscapeTab,
        sweep: SweepView,
        score: Callable[[], Score | None],
        show_message: Callable[[str], None],
        report_error: Callable[[str, str], None],
    ):
        super().__init__(dialog_parent)
        self.dialog_parent, self.settings = dialog_parent, settings
        self.model, self.view, self.session = model, view, session
        self.grid, self.landscape_tab, self.sweep = grid, landscape_tab, sweep
        self.score, self.show_message, self.report_error = score, show_message, report_error

    @property
    def landscape(self) -> LandscapeView:
        """The Landscape tab's view (built now if it was not)."""
        return self.landscape_tab.view

    def figure_state(self) -> FigureState | None:
        """What the panels show now, for an export; None (and a message) before any step."""
        session, view = self.session, self.view
        if session.started is None or session.latest is None or session.history.length == 0:
            self.show_message("Nothing to export yet: press Play or Step first")
            return None
        views = tuple(
            tuple(tuple(r) for r in panel.plot.getViewBox().viewRange())
            for panel in self.grid.panels
        )
        from gui.export.figure import FigureState

        return FigureState(
            session.started,
            self._as_shown(session.history.as_update(session.latest)),
            view.log_y,
            views,
            quantity=view.quantity,
            predictions=self.model.predictions if view.predict else None,
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
        theme = theme or self.view.theme
        from gui.export.writers import export_png, export_svg

        if path.lower().endswith(".svg"):
            return self._export("figure", path, lambda: export_svg(path, state, theme))
        return self._export("figure", path, lambda: export_png(path, state, theme, scale))

    def export_animation(
        self, path: str, every: int, fps: float, theme: Theme | None = None
    ) -> bool:
        state = self.figure_state()
        if state is None:
            return False
        theme = theme or self.view.theme
        from gui.export.writers import export_gif

        return self._export("animation", path, lambda: export_gif(path, state, theme, every, fps))

    def export_data(self, path: str) -> bool:
        from gui.export.writers import export_csv

        state = self.figure_state()
        return state is not None and self._export("data", path, lambda: export_csv(path, state))

    def export_sweep(self, path: str, scale: int = 2) -> bool:
        """The sweep as PNG, SVG or CSV, by the file's extension."""
        result, lrs = self.sweep.result, self.sweep.panel_lrs
        if result is None:
            return False
        theme = self.view.theme
        from gui.export.sweep import export_sweep

        return self._export("sweep", path, lambda: export_sweep(path, result, lrs, theme, scale))

    def landscape_state(self) -> LandscapeState | None:
        """What the Landscape tab shows now; None (and a message) before its map or a step."""
        landscape, session = self.landscape, self.session
        if landscape.map is None or session.started is None or session.latest is None:
            self.show_message("Nothing to export yet: press Play or Step first")
            return None
        update = session.history.as_update(session.latest)
        from gui.export.landscape import window_state

        state = window_state(session.started, update, landscape.map, landscape.paths)
        return replace(state, update=self._as_shown(state.update))

    def _as_shown(self, update: LossUpdate) -> LossUpdate:
        """``update`` (from step 0) as the timeline shows it: at a step scrubbed back to, the
        runs with their losses up to that step's (the one the heads sit on)."""
        step = self.view.step
        if step is None:
            return update
        return replace(update_at_step(update, step + 1), steps_taken=step)

    def export_landscape(
        self,
        path: str,
        scale: int = 2,
        theme: Theme | None = None,
        every: int = 1,
        fps=10.0,
        animation: str = "turn",
    ) -> bool:
        """PNG, SVG or GIF of the Landscape tab, by the file's extension; of its 3-D view (PNG,
        or a GIF of ``animation``: turning around, or the paths growing) from its camera when
        that is shown."""
        state = self.landscape_state()
        if state is None:
            return False
        theme = theme or self.view.theme
        if self.landscape.showing_3d:
            from gui.export.landscape3d import export_landscape_3d

            camera = self.landscape.surface.camera.camera
            return self._export(
                "landscape",
                path,
                lambda: export_landscape_3d(
                    path, state, theme, scale, camera, animation, every, fps
                ),
            )
        from gui.export.landscape import export_landscape

        return self._export(
            "landscape", path, lambda: export_landscape(path, state, theme, scale, every, fps)
        )

    @Slot()
    def ask_export_landscape(self) -> None:
        state = self.landscape_state()
        if state is None:
            return
        from gui.export.landscape import LandscapeExportDialog
        from gui.export.landscape3d import Landscape3DExportDialog
        from gui.export.writers import default_frame_every

        steps = state.update.steps_taken
        if self.landscape.showing_3d:
            dialog = Landscape3DExportDialog(self.view.theme, steps, self.dialog_parent)
        else:
            dialog = LandscapeExportDialog(
                self.view.theme, steps, default_frame_every(steps), self.dialog_parent
            )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        titles = {"png": "PNG image", "svg": "SVG image", "gif": "Animated GIF"}
        filters = f"{titles[dialog.format]} (*.{dialog.format})"
        path = self._ask_path("Export landscape", filters, "." + dialog.format)
        if path and self.landscape.showing_3d:
            every, fps, animation = dialog.every, dialog.fps, dialog.animation
            self.export_landscape(path, dialog.scale, dialog.theme, every, fps, animation)
        elif path:
            self.export_landscape(path, dialog.scale, dialog.theme, dialog.every, dialog.fps)

    def save_experiment_to(self, path: str) -> bool:
        model = self.model
        try:
            write_config_file(
                path, model.config, model.predictions, self.score(), reference=model.reference
            )
        except OSError as err:
            self.report_error("Could not save the experiment", str(err))
            return False
        self.show_message(f"Saved the experiment to {path}")
        return True

    def open_experiment_from(self, path: str) -> bool:
        """Apply every setting of the file (and its predictions, and its reference switch if it
        has one), or none of them."""
        try:
            opened = read_experiment_file(path)
        except ConfigError as err:
            self.report_error("Could not open the experiment", str(err))
            return False
        if opened.carries_code and not run_code_allowed(
            path, opened.code_optimizers, self.dialog_parent
        ):
            self.show_message(f"Did not open {path}: its code was not run")
            return False
        model = self.model
        refusals: list[str] = []
        model.refused.connect(refusals.append)
        try:
            applied = model.open_experiment(opened)
        finally:
            model.refused.disconnect(refusals.append)
        if not applied:
            self.report_error("Could not open the experiment", "; ".join(refusals))
            return False
        self.show_message(f"Opened {path}: the experiment restarted at step 0")
        return True

    # --- asking the user -------------------------------------------------------------------

    def _ask_path(self, title: str, filters: str, suffix: str, save: bool = True) -> str | None:
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        folder = self.settings.value(FOLDER_KEY, "")
        path, _ = ask(self.dialog_parent, title, folder, filters)
        if not path:
            return None
        if save and not path.lower().endswith(suffix):
            path += suffix
        self.settings.setValue(FOLDER_KEY, str(Path(path).parent))
        return path

    @Slot()
    def ask_export_figure(self) -> None:
        if self.figure_state() is None:
            return
        from gui.export.dialogs import FigureExportDialog

        dialog = FigureExportDialog(self.view.theme, self.dialog_parent)
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
        from gui.export.dialogs import AnimationExportDialog
        from gui.export.writers import default_frame_every

        steps = state.update.steps_taken
        every = default_frame_every(steps)
        dialog = AnimationExportDialog(self.view.theme, steps, every, self.dialog_parent)
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
    def ask_export_sweep(self) -> None:
        if self.sweep.result is None:
            self.view.update(tab=Tab.SWEEP)
            self.show_message("The sweep is computing: export it once it is shown")
            return
        filters = "PNG image (*.png);;SVG image (*.svg);;CSV (*.csv)"
        path = self._ask_path("Export sweep", filters, ".png")
        if path:
            self.export_sweep(path)

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
        from gui.export.figure import Figure

        with Figure(state, self.view.theme, scale=2) as figure:
            QApplication.clipboard().setImage(figure.image())
        self.show_message("Copied the figure (2×) to the clipboard")
