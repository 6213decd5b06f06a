"""Branching in the window: "Branch from here…" (the runs table's and the inspector's context
menus, and the key B) asks the dialog, then edits the experiment's settings; the model is the
one owner of the branches, as of every setting, and the engine makes them from its past."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QDialog, QWidget

from engine.config.settings import ConfigError
from engine.experiment.branches import branch_refusal, check_branch_count
from gui.state.experiment_model import ExperimentModel
from gui.state.session import EngineSession
from gui.state.view_state import ViewState
from gui.timeline.branch_dialog import BranchDialog
from gui.timeline.view import TimelineView


class BranchCommands(QObject):
    """Branch a run at the step the timeline shows, or remove a branch."""

    def __init__(
        self,
        model: ExperimentModel,
        view: ViewState,
        session: EngineSession,
        timeline: TimelineView,
        show_message: Callable[[str], None],
        dialog_parent: QWidget,
    ):
        super().__init__(dialog_parent)
        self.model, self.view, self.session, self.timeline = model, view, session, timeline
        self.show_message = show_message
        self.dialog_parent = dialog_parent

    @Slot()
    def branch_followed(self) -> None:
        """Branch the run the inspector follows."""
        run = self.view.run
        if run < 0:
            self.show_message("Pick a run in the Inspector (or click a curve) to branch")
            return
        self.branch_run(run)

    def refusal(self, run: int, step: int) -> str:
        """Why run ``run`` cannot be branched at ``step`` now ('' if it can)."""
        session, config = self.session, self.model.config
        if session.started is None or session.latest is None:
            return "nothing has trained yet: press Play or Step first"
        try:
            check_branch_count(config)
        except ConfigError as err:
            return str(err)
        return branch_refusal(session.latest.summaries[run], step)

    def last_step(self, run: int) -> int:
        """The furthest step a branch of ``run`` can start at: where it stopped, or the
        step before it diverged (or its code failed), or the furthest step reached."""
        summary = self.session.latest.summaries[run]
        furthest = self.session.steps_taken
        if summary.status_step is None:
            return min(furthest, self.model.config.max_steps - 1)
        return summary.status_step - (1 if summary.status.name in ("DIVERGED", "ERROR") else 0)

    @Slot(int)
    def branch_run(self, run: int) -> None:
        """Ask for a branch of ``run`` at the step shown; add it if the dialog is accepted."""
        step = self.timeline.step
        refused = self.refusal(run, step)
        if refused:
            self.show_message(f"Cannot branch: {refused}")
            return
        key = self.session.started.runs[run]
        config = self.model.config
        dialog = BranchDialog(key, step, self.last_step(run), config, self.dialog_parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.model.update(branches=(*config.branches, dialog.branch()))

    @Slot(int)
    def remove_branch(self, run: int) -> None:
        branch = self.session.started.runs[run].branch
        config = self.model.config
        if branch is not None:
            self.model.update(branches=tuple(b for b in config.branches if b != branch))
