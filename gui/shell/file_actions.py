"""The File and Edit menus' work: ask where, then export, save or open, with one message each.

Reads the experiment's settings from the model and what the panels show from the session and
the grid; a failure is reported in one line (a dialog) and leaves no file behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from engine.config.settings import ConfigError
from engine.io.experiment_file import read_experiment_file, write_config_file
from gui.export.dialogs import AnimationExportDialog, FigureExportDialog
from gui.export.figure import Figure, FigureState
from gui.export.landscape import (
    LandscapeExportDialog,
    LandscapeState,
    export_landscape,
    window_state,
)
from gui.export.sweep import export_sweep
from gui.export.writers import default_frame_every, export_csv, export_gif, export_png, export_svg
from gui.plotting.themes import Theme

if TYPE_CHECKING:
    from gui.shell.main_window import MainWindow


class FileActions(QObject):
    """Exports (figure, animation, data, sweep), the clipboard, and experiment files."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window

    def figure_state(self) -> FigureState | None:
        """What the panels show now, for an export; None (and a message) before any step."""
        session = self.window.session
        if session.started is None or session.latest is None or session.history.length == 0:
            self.window.show_message("Nothing to export yet: press Play or Step first")
            return None
        grid = self.window.grid
        views = tuple(
            tuple(tuple(r) for r in panel.plot.getViewBox().viewRange()) for panel in grid.panels
        )
        update = session.history.as_update(session.latest)
        commands = self.window.commands
        predict = self.window.predict
        return FigureState(
            session.started,
            update,
            commands.log.isChecked(),
            views,
            sharpness=commands.sharpness_view.isChecked(),
            predictions=self.window.model.predictions if predict.active else None,
        )

    def _export(self, what: str, path: str, write) -> bool:
        try:
            write()
        except (OSError, ValueError) as err:
            self.window.report_error(f"Could not export the {what}", str(err))
            return False
        self.window.show_message(f"Exported the {what} to {path}")
        return True

    def export_figure(self, path: str, scale: int = 2, theme: Theme | None = None) -> bool:
        """PNG or SVG by the file's extension."""
        state = self.figure_state()
        if state is None:
            return False
        theme = theme or self.window.theme
        if path.lower().endswith(".svg"):
            return self._export("figure", path, lambda: export_svg(path, state, theme))
        return self._export("figure", path, lambda: export_png(path, state, theme, scale))

    def export_animation(
        self, path: str, every: int, fps: float, theme: Theme | None = None
    ) -> bool:
        state = self.figure_state()
        if state is None:
            return False
        theme = theme or self.window.theme
        return self._export("animation", path, lambda: export_gif(path, state, theme, every, fps))

    def export_data(self, path: str) -> bool:
        state = self.figure_state()
        return state is not None and self._export("data", path, lambda: export_csv(path, state))

    def export_sweep(self, path: str, scale: int = 2) -> bool:
        """The sweep as PNG, SVG or CSV, by the file's extension."""
        sweep = self.window.sweep
        result, lrs = sweep.result, sweep.panel_lrs
        if result is None:
            return False
        theme = self.window.theme
        return self._export("sweep", path, lambda: export_sweep(path, result, lrs, theme, scale))

    def landscape_state(self) -> LandscapeState | None:
        """What the Landscape tab shows now; None (and a message) before its map or a step."""
        view, session = self.window.landscape, self.window.session
        if view.map is None or session.started is None or session.latest is None:
            self.window.show_message("Nothing to export yet: press Play or Step first")
            return None
        update = session.history.as_update(session.latest)
        return window_state(session.started, update, view.map, view.paths)

    def export_landscape(
        self, path: str, scale: int = 2, theme: Theme | None = None, every: int = 1, fps=10.0
    ) -> bool:
        """PNG, SVG or GIF of the Landscape tab, by the file's extension."""
        state = self.landscape_state()
        if state is None:
            return False
        theme = theme or self.window.theme
        return self._export(
            "landscape", path, lambda: export_landscape(path, state, theme, scale, every, fps)
        )

    @Slot()
    def ask_export_landscape(self) -> None:
        state = self.landscape_state()
        if state is None:
            return
        steps = state.update.steps_taken
        dialog = LandscapeExportDialog(
            self.window.theme, steps, default_frame_every(steps), self.window
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        titles = {"png": "PNG image", "svg": "SVG image", "gif": "Animated GIF"}
        filters = f"{titles[dialog.format]} (*.{dialog.format})"
        path = self._ask_path("Export landscape", filters, "." + dialog.format)
        if path:
            self.export_landscape(path, dialog.scale, dialog.theme, dialog.every, dialog.fps)

    def save_experiment_to(self, path: str) -> bool:
        try:
            model, predict = self.window.model, self.window.predict
            write_config_file(path, model.config, model.predictions, predict.score)
        except OSError as err:
            self.window.report_error("Could not save the experiment", str(err))
            return False
        self.window.show_message(f"Saved the experiment to {path}")
        return True

    def open_experiment_from(self, path: str) -> bool:
        """Apply every setting of the file (and its predictions), or none of them."""
        try:
            config, predictions = read_experiment_file(path)
        except ConfigError as err:
            self.window.report_error("Could not open the experiment", str(err))
            return False
        refusals: list[str] = []
        self.window.model.refused.connect(refusals.append)
        try:
            applied = self.window.model.set_config(config)
        finally:
            self.window.model.refused.disconnect(refusals.append)
        if not applied:
            self.window.report_error("Could not open the experiment", "; ".join(refusals))
            return False
        if predictions is not None:
            self.window.model.set_predictions(predictions)
        self.window.show_message(f"Opened {path}: the experiment restarted at step 0")
        return True

    # --- asking the user -------------------------------------------------------------------

    def _ask_path(self, title: str, filters: str, suffix: str, save: bool = True) -> str | None:
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        settings = self.window.settings
        path, _ = ask(self.window, title, settings.value("files/folder", ""), filters)
        if not path:
            return None
        if save and not path.lower().endswith(suffix):
            path += suffix
        settings.setValue("files/folder", str(Path(path).parent))
        return path

    @Slot()
    def ask_export_figure(self) -> None:
        if self.figure_state() is None:
            return
        dialog = FigureExportDialog(self.window.theme, self.window)
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
        theme = self.window.theme
        dialog = AnimationExportDialog(theme, steps, default_frame_every(steps), self.window)
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
        if self.window.sweep.result is None:
            self.window.tabs.setCurrentWidget(self.window.sweep)
            self.window.show_message("The sweep is computing: export it once it is shown")
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
        with Figure(state, self.window.theme, scale=2) as figure:
            QApplication.clipboard().setImage(figure.image())
        self.window.show_message("Copied the figure (2×) to the clipboard")
