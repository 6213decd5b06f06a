"""Writing a lesson in the window: each "Add this as a step…" keeps the settings that changed
since the step before (the first step's, since the defaults), what the window shows, the step
the experiment reached and a text; "Save lesson…" writes the lesson, whole or not at all."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from engine.config.settings import ConfigError, ExperimentConfig
from engine.io.experiment_file import config_to_dict
from engine.lessons.format import Lesson
from engine.lessons.reading import lesson_from_dict, write_lesson
from gui.state.experiment_model import ExperimentModel
from gui.state.session import EngineSession
from gui.state.view_state import ViewState

if TYPE_CHECKING:
    from engine.experiment.runs import RunKey

DEFAULT_TITLE = "My lesson"


class LessonRecorder:
    """The lesson being written: its title and steps, as the lesson file will hold them."""

    def __init__(self, model: ExperimentModel, view: ViewState, session: EngineSession):
        self.model, self.view, self.session = model, view, session
        self.title = DEFAULT_TITLE
        self._steps: list[dict[str, Any]] = []
        self._last = ExperimentConfig()  # the settings the next step's go over

    def __len__(self) -> int:
        return len(self._steps)

    def add_step(self, text: str) -> None:
        """The window's state now as the next step, with ``text`` (``ConfigError`` if empty)."""
        if not text.strip():
            raise ConfigError("a step needs some text")
        config = self.model.config
        before, now = config_to_dict(self._last), config_to_dict(config)
        step: dict[str, Any] = {
            "settings": {key: value for key, value in now.items() if before.get(key) != value},
            "show": self._show(),
            "text": text,
        }
        if self.session.steps_taken:
            step["play"] = self.session.steps_taken
        self._steps.append(step)
        self._last = config

    def lesson(self) -> Lesson:
        """The lesson so far, read as a lesson file would be (``LessonError`` if it is not one)."""
        return lesson_from_dict({"title": self.title, "steps": list(self._steps)})

    def save(self, path: str | os.PathLike) -> Lesson:
        """Write the lesson to ``path`` (atomically); the lesson written."""
        if not self._steps:
            raise ConfigError("no steps yet: Lessons → Add this as a step… first")
        lesson = self.lesson()
        write_lesson(path, lesson)
        return lesson

    def _show(self) -> dict[str, Any]:
        view = self.view
        show: dict[str, Any] = {
            "tab": view.tab.value,
            "view": view.quantity.value,
            "log_y": view.log_y,
            "plane": view.plane,
            "landscape_3d": view.landscape_3d,
            "zoom": view.zoom,
            "run": self._run(),
        }
        if view.step is not None:
            show["step"] = view.step
        return show

    def _run(self) -> int | dict[str, Any]:
        """The followed run by optimizer and rate (a lesson outlives run numbers), or -1."""
        started, run = self.session.started, self.view.run
        if started is None or not 0 <= run < len(started.runs):
            return -1
        return run_reference(started.runs[run])


def run_reference(key: RunKey) -> dict[str, Any]:
    """A lesson's name for a run: its optimizer and rate, or its parent's and the branch step."""
    branch = key.branch
    if branch is None:
        return {"optimizer": key.optimizer.key, "lr": key.lr}
    return {"optimizer": branch.from_optimizer, "lr": branch.from_lr, "branch_step": branch.step}


class StepDialog(QDialog):
    """ "Add this as a step…": the lesson's title and the step's text (Markdown)."""

    def __init__(self, title: str, number: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Add step {number} to the lesson")
        self.title = QLineEdit(title)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("What the class should see here (Markdown; math as η, λ, ∇)")
        self.text.setMinimumSize(480, 160)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Lesson title", self.title)
        form.addRow("Step text", self.text)
        form.addRow(buttons)
