"""A small table of every run's state: optimizers down, learning rates across, then a row per
branch (in its parent's column); with several seeds, how many of each cell's draws converged,
stalled and blew up. Its context menu branches a run, or removes a branch."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
)

from engine.experiment.runs import RunStatus
from engine.experiment.seeds import group_status, median_band, seed_outcomes
from engine.live.messages import ExperimentStarted, LossUpdate
from gui.plotting.palette import optimizer_colour

STATUS_COLOURS = {
    RunStatus.RUNNING: None,
    RunStatus.CONVERGED: "#009E73",
    RunStatus.DIVERGED: "#D55E00",
    RunStatus.MAX_STEPS: "#E69F00",
    RunStatus.WAITING: "#888888",
    RunStatus.UNREACHED: "#888888",
}


def short_status(status: RunStatus, step: int | None, steps: int) -> str:
    if status is RunStatus.CONVERGED:
        return f"converged @ {step}"
    if status is RunStatus.DIVERGED:
        return f"diverged @ {step}"
    if status is RunStatus.MAX_STEPS:
        return f"max steps ({steps})"
    if status is RunStatus.WAITING:
        return "waits for its step"
    if status is RunStatus.UNREACHED:
        return "never started"
    return "running" if steps else "ready"


class RunTable(QTableWidget):
    branch_requested = Signal(int)  # "Branch from here…" on a run's cell: its index
    remove_requested = Signal(int)  # "Remove this branch" on a branch's cell

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.runs: list = []
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.notes: tuple[str | None, ...] | None = None
        self.seeds = 1

    def start(self, started: ExperimentStarted) -> None:
        self.notes = started.reference_notes
        self.runs = list(started.runs)
        config = started.config
        self.clearContents()
        self.seeds = config.seeds
        self.setRowCount(len(config.optimizers) + len(config.branches))
        self.setColumnCount(len(config.learning_rates))
        self.setHorizontalHeaderLabels([f"η = {lr:g}" for lr in config.learning_rates])
        for i, spec in enumerate(config.optimizers):
            header = QTableWidgetItem(spec.label)
            header.setForeground(QColor(optimizer_colour(spec.name)))
            self.setVerticalHeaderItem(i, header)
        for run in started.runs[len(started.runs) - len(config.branches) :]:
            header = QTableWidgetItem(run.label)  # what the branch changed
            header.setForeground(QColor(optimizer_colour(run.optimizer.name)))
            self.setVerticalHeaderItem(run.optimizer_index, header)
        for run in started.runs:
            self.setItem(run.optimizer_index, run.lr_index, QTableWidgetItem("ready"))

    def show_update(self, update: LossUpdate) -> None:
        if self.seeds > 1:
            self._show_draws(update)
            return
        for summary in update.summaries:
            run = summary.run
            item = self.item(run.optimizer_index, run.lr_index)
            if item is None:
                continue
            text = short_status(summary.status, summary.status_step, summary.steps)
            loss = "—" if summary.final_loss is None else f"{summary.final_loss:.6g}"
            tip = f"{run.label}, η = {run.lr:g}: {summary.describe()}, loss {loss}"
            if self.notes is not None:
                note = self.notes[run.index]
                if note is None and update.reference_diff is not None:
                    diff = update.reference_diff[run.index]
                    text += f"\nΔ torch {diff:.1e}"
                    tip += (
                        f"\nlargest parameter difference from its torch.optim twin so far: "
                        f"{diff:.2e} (relative)"
                    )
                else:
                    text += "\nno torch twin"
                    tip += f"\n{note}"
            item.setText(text)
            item.setToolTip(tip)
            colour = STATUS_COLOURS[summary.status]
            item.setForeground(QColor(colour) if colour else self.palette().text().color())

    def run_at(self, row: int, column: int) -> int:
        """The index of the run shown in a cell, or -1."""
        return next(
            (r.index for r in self.runs if (r.optimizer_index, r.lr_index) == (row, column)), -1
        )

    def context_menu(self, position: QPoint) -> QMenu | None:
        """The menu of the cell at ``position`` (viewport coordinates), None off the runs."""
        item = self.itemAt(position)
        run = -1 if item is None else self.run_at(item.row(), item.column())
        if run < 0:
            return None
        menu = QMenu(self)
        branch = menu.addAction("Branch from here…")
        branch.triggered.connect(lambda: self.branch_requested.emit(run))
        if self.runs[run].branch is not None:
            branch.setEnabled(False)  # a branch of a branch: not yet
            remove = menu.addAction("Remove this branch")
            remove.triggered.connect(lambda: self.remove_requested.emit(run))
        return menu

    @Slot(QPoint)
    def _context_menu(self, position: QPoint) -> None:
        menu = self.context_menu(position)
        if menu is not None:
            menu.exec(self.viewport().mapToGlobal(position))
            menu.deleteLater()

    def _show_draws(self, update: LossUpdate) -> None:
        """Per cell, how its draws stand ('3 conv · 1 stall · 0 blew up'), coloured by the
        commonest outcome once every draw has ended; the tip adds the median final loss."""
        seeds = self.seeds
        status = update.summaries.status
        final = np.where(status == RunStatus.DIVERGED, np.nan, update.summaries.final)
        outcomes = seed_outcomes(status, seeds)
        overall = group_status(status, seeds)
        median = median_band(final, seeds)[1]
        for group, run in enumerate(update.summaries.runs[::seeds]):
            item = self.item(run.optimizer_index, run.lr_index)
            if item is None:
                continue
            text = outcomes.text(group) if update.steps_taken else "ready"
            loss = "—" if np.isnan(median[group]) else f"{median[group]:.6g}"
            item.setText(text)
            item.setToolTip(
                f"{run.optimizer.label}, η = {run.lr:g}, seeds {run.seed}–{run.seed + seeds - 1}: "
                f"{text}; median final loss of the draws that did not blow up {loss}"
            )
            colour = STATUS_COLOURS[RunStatus(int(overall[group]))]
            item.setForeground(QColor(colour) if colour else self.palette().text().color())
