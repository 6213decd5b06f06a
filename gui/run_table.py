"""A small table of every run's state: optimizers down, learning rates across; with several
seeds, how many of each cell's draws converged, stalled and blew up."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from engine.experiment import RunStatus
from engine.progress import ExperimentStarted, LossUpdate
from engine.seeds import group_status, median_band, seed_outcomes
from gui.palette import optimizer_colour

STATUS_COLOURS = {
    RunStatus.RUNNING: None,
    RunStatus.CONVERGED: "#009E73",
    RunStatus.DIVERGED: "#D55E00",
    RunStatus.MAX_STEPS: "#E69F00",
}


def short_status(status: RunStatus, step: int | None, steps: int) -> str:
    if status is RunStatus.CONVERGED:
        return f"converged @ {step}"
    if status is RunStatus.DIVERGED:
        return f"diverged @ {step}"
    if status is RunStatus.MAX_STEPS:
        return f"max steps ({steps})"
    return "running" if steps else "ready"


class RunTable(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.notes: tuple[str | None, ...] | None = None
        self.seeds = 1

    def start(self, started: ExperimentStarted) -> None:
        self.notes = started.reference_notes
        config = started.config
        self.seeds = config.seeds
        self.setRowCount(len(config.optimizers))
        self.setColumnCount(len(config.learning_rates))
        self.setHorizontalHeaderLabels([f"η = {lr:g}" for lr in config.learning_rates])
        for i, spec in enumerate(config.optimizers):
            header = QTableWidgetItem(spec.label)
            header.setForeground(QColor(optimizer_colour(spec.name)))
            self.setVerticalHeaderItem(i, header)
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
            tip = f"{run.optimizer.label}, η = {run.lr:g}: {summary.describe()}, loss {loss}"
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
