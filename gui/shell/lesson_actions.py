"""The Lessons menu's work: open a lesson (a file, or a built-in one) into the lesson dock, add
the window's state as a step of a lesson being written, save it, write the open lesson's
handout. A lesson that carries code is shown and asked about first, as an experiment file is;
a bad one is refused in one line with nothing applied."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QWidget

from engine.config.settings import ConfigError
from engine.lessons.format import Lesson
from engine.lessons.pictures import HANDOUT_TASK
from engine.lessons.reading import find_lesson
from engine.live.protocol import EXPORT
from engine.live.worker import EngineWorker
from gui.lessons.dock import LessonDock
from gui.lessons.keys import LessonKeys
from gui.lessons.player import LessonPlayer
from gui.lessons.recorder import LessonRecorder, StepDialog
from gui.plotting.themes import theme_named
from gui.shell.code_consent import run_code_allowed
from gui.state.experiment_model import ExperimentModel
from gui.state.saved_settings import FOLDER_KEY
from gui.state.session import EngineSession
from gui.state.view_state import ViewState

LESSON_FILES = "Lesson (*.json)"
HANDOUT_FILES = "PDF (*.pdf)"
LESSON_DOCK = "lesson"


class LessonActions(QObject):
    """The lesson player, its dock (on ``window``'s right, hidden until a lesson opens) and the
    lesson being written; opening, recording and saving lessons."""

    message = Signal(str)  # one line for the status bar (the player's too)
    handout_written = Signal(str)  # the PDF's path, once it is whole on disk

    def __init__(
        self,
        window: QMainWindow,
        settings: QSettings,
        model: ExperimentModel,
        view: ViewState,
        session: EngineSession,
        engine: EngineWorker,
        keys_from: QWidget,
    ):
        """``keys_from``: the widget whose other filters must let PageUp / PageDown through
        (the grid, under Predict mode's cards); made after those filters."""
        super().__init__(window)
        self.window, self.settings = window, settings
        self.player = LessonPlayer(model, view, session, engine, self)
        self.player.message.connect(self.message)
        LessonKeys(self.player, keys_from)
        self.dock = LessonDock(self.player, window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.recorder = LessonRecorder(model, view, session)
        self.handouts = engine.runner(EXPORT)  # walked in the engine's process: it has torch
        self.handouts.finished.connect(self._write_handout)
        self.handouts.failed.connect(lambda why: self.show_message(f"Handout not written: {why}"))
        self._handout: tuple[Lesson, str] | None = None  # the lesson and file being written

    def show_message(self, text: str) -> None:
        self.message.emit(text)

    def open_lesson_from(self, name_or_path: str | os.PathLike, trust: bool = False) -> bool:
        """Play a built-in lesson (by name) or a lesson file; one line and nothing applied if
        it cannot be read, or if it carries code the user chose not to run (a file's code is
        shown and asked about unless ``trust``; the app's own lessons are its own code)."""
        try:
            lesson = find_lesson(name_or_path)
        except ConfigError as err:
            self.show_message(f"Lesson not opened: {err}")
            return False
        return self.play(lesson, ask=not trust)

    def play(self, lesson: Lesson, ask: bool = True) -> bool:
        """Show ``lesson`` in the dock at its first step; code it carries runs only if the user
        says so (``ask``) when it is shown."""
        where = lesson.source or lesson.name
        consent = ask and lesson.asks_consent
        if consent and not run_code_allowed(where, lesson.code_optimizers, self.window):
            self.show_message(f"Did not open {where}: its code was not run")
            return False
        self.dock.show()
        self.dock.raise_()
        self.player.open(lesson)
        self.show_message(f"Lesson: {lesson.title}")
        return True

    def add_step_with(self, text: str, title: str | None = None) -> bool:
        """The window's state as the next step of the lesson being written."""
        if title is not None:
            self.recorder.title = title.strip() or self.recorder.title
        try:
            self.recorder.add_step(text)
        except ConfigError as err:
            self.show_message(f"Step not added: {err}")
            return False
        self.show_message(f"Added step {len(self.recorder)} to “{self.recorder.title}”")
        return True

    def save_lesson_to(self, path: str | os.PathLike) -> bool:
        try:
            self.recorder.save(path)
        except (ConfigError, OSError) as err:
            self.show_message(f"Lesson not saved: {err}")
            return False
        self.show_message(f"Saved the lesson ({len(self.recorder)} steps) to {path}")
        return True

    # --- asking the user -------------------------------------------------------------------

    @Slot()
    def open_lesson(self) -> None:
        path = self._ask_path("Open lesson", save=False)
        if path:
            self.open_lesson_from(path)

    @Slot()
    def add_step(self) -> None:
        dialog = StepDialog(self.recorder.title, len(self.recorder) + 1, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_step_with(dialog.text.toPlainText(), dialog.title.text())

    @Slot()
    def save_lesson(self) -> None:
        if not len(self.recorder):
            self.show_message("Lesson not saved: no steps yet (Lessons → Add this as a step…)")
            return
        path = self._ask_path("Save lesson", save=True)
        if path:
            self.save_lesson_to(path)

    @Slot()
    def export_handout(self) -> None:
        lesson = self.player.lesson
        if lesson is None:
            self.show_message("No handout: open a lesson first (Lessons → Open lesson…)")
            return
        path = self._ask_path("Export handout", save=True, files=HANDOUT_FILES)
        if path:
            self.export_handout_to(path)

    def export_handout_to(self, path: str | os.PathLike) -> None:
        """The open lesson's handout, a page a step, once the engine has walked it."""
        lesson = self.player.lesson
        self._handout = (lesson, str(path))
        self.handouts.start(HANDOUT_TASK, lesson)
        self.show_message(f"Writing the handout of “{lesson.title}”: {len(lesson)} steps…")

    @Slot(object)
    def _write_handout(self, pictures: object) -> None:
        if self._handout is None:
            return
        (lesson, path), self._handout = self._handout, None
        from gui.export.handout import HANDOUT_THEME, export_handout  # imported when first used

        try:
            export_handout(lesson, path, theme_named(HANDOUT_THEME), pictures)
        except (OSError, ValueError) as err:
            self.show_message(f"Handout not written: {err}")
            return
        self.show_message(f"Wrote {path}: “{lesson.title}”, {len(lesson)} steps, a page each")
        self.handout_written.emit(path)

    def _ask_path(self, title: str, save: bool, files: str = LESSON_FILES) -> str | None:
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = ask(self.window, title, self.settings.value(FOLDER_KEY, ""), files)
        if not path:
            return None
        suffix = ".pdf" if files == HANDOUT_FILES else ".json"
        if save and not path.lower().endswith(suffix):
            path += suffix
        self.settings.setValue(FOLDER_KEY, str(Path(path).parent))
        return path
