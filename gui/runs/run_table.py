"""A small table of every run's state, readable in a side dock at a projector's zoom.

The longer of the two lists runs down it: optimizers down and learning rates across, or, with
more rates than optimizers, a row per rate (in the panels' order) and a column per optimizer;
then a row per branch, its cell under its parent's. Columns are as wide as their words need
(text wraps, nothing is cut) and share out the room that is left; where even that does not fit,
the table scrolls. With several seeds a cell counts how many of its draws converged, stalled
and blew up. Its context menu branches a run, or removes a branch."""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
)

from engine.config.settings import start_text
from engine.experiment.runs import RunKey, RunStatus
from engine.experiment.seeds import group_status, median_band, seed_outcomes
from engine.live.messages import ExperimentStarted, LossUpdate
from engine.optimizers.user_code import CodeFailure
from gui.plotting.palette import optimizer_colour

STATUS_COLOURS = {
    RunStatus.RUNNING: None,
    RunStatus.CONVERGED: "#009E73",
    RunStatus.DIVERGED: "#D55E00",
    RunStatus.MAX_STEPS: "#E69F00",
    RunStatus.WAITING: "#888888",
    RunStatus.UNREACHED: "#888888",
    RunStatus.ERROR: "#CC0000",
}


def short_status(
    status: RunStatus, step: int | None, steps: int, failure: CodeFailure | None = None
) -> str:
    """What a cell says; "@ 384" is held together (a no-break space) where the text wraps. A
    run its optimizer's code stopped says why: "error at step 3: NameError: …"."""
    if status is RunStatus.ERROR:
        return failure.describe() if failure else f"error at step {step}"
    if status is RunStatus.CONVERGED:
        return f"converged @\N{NO-BREAK SPACE}{step}"
    if status is RunStatus.DIVERGED:
        return f"diverged @\N{NO-BREAK SPACE}{step}"
    if status is RunStatus.MAX_STEPS:
        return f"max steps ({steps})"
    if status is RunStatus.WAITING:
        return "waits for its step"
    if status is RunStatus.UNREACHED:
        return "never started"
    return "running" if steps else "ready"


BREAKS = re.compile("[ \n]")  # where a cell's text may wrap (not at a no-break space)
TEXT_SLACK = 2  # pixels beyond the measured text: rounding, so no cell elides its last letter


def column_widths(lines: list[int], words: list[int], room: int) -> list[int]:
    """Column widths in pixels from what each column needs for its text on whole ``lines``
    and wrapped at its ``words``: whole lines if every column fits ``room`` so, else wrapped
    (wider than ``room`` still: the table scrolls); the room left over is shared out evenly."""
    widths = lines if sum(lines) <= room else words
    extra = max(0, room - sum(widths))
    share, rest = divmod(extra, max(len(widths), 1))
    return [width + share + (column < rest) for column, width in enumerate(widths)]


def _header(text: str, colour: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if colour is not None:
        item.setForeground(QColor(colour))
    return item


class RunTable(QTableWidget):
    branch_requested = Signal(int)  # "Branch from here…" on a run's cell: its index
    remove_requested = Signal(int)  # "Remove this branch" on a branch's cell

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.runs: list[RunKey] = []
        self.rates_down = False  # a row per learning rate, a column per optimizer
        self._cells: dict[int, tuple[int, int]] = {}  # run index -> (row, column)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.notes: tuple[str | None, ...] | None = None
        self.seeds = 1
        self.start_note = ""  # where the runs start, for the cells' tips, if it was chosen
        self._refit = QTimer(self, singleShot=True, interval=0)  # once the headers' font is set
        self._refit.timeout.connect(self.fit_columns)

    def start(self, started: ExperimentStarted) -> None:
        self.notes = started.reference_notes
        self.runs = list(started.runs)
        config = started.config
        self.seeds = config.seeds
        where = start_text(config)
        self.start_note = f"\nstarts at {where}" if where else ""
        self.setToolTip(self.start_note.strip())
        self.rates_down = len(config.learning_rates) > len(config.optimizers)
        rates = [_header(f"η = {lr:g}") for lr in config.learning_rates]
        optimizers = [_header(s.label, optimizer_colour(s.name)) for s in config.optimizers]
        down, across = (rates, optimizers) if self.rates_down else (optimizers, rates)
        base_rows = len(down)
        branches = [run for run in self.runs if run.branch is not None]
        down += [_header(run.label, optimizer_colour(run.optimizer.name)) for run in branches]
        self.clearContents()
        self.setRowCount(len(down))
        self.setColumnCount(len(across))
        for row, header in enumerate(down):
            self.setVerticalHeaderItem(row, header)
        for column, header in enumerate(across):
            self.setHorizontalHeaderItem(column, header)
        self._cells = {}
        for run in self.runs:  # the optimizers' runs first, then the branches of some of them
            if run.branch is not None:  # its optimizer_index counts on after the optimizers
                row = base_rows + run.optimizer_index - len(config.optimizers)
                self._cells[run.index] = (row, self._cells[run.parent][1])
            elif self.rates_down:
                self._cells[run.index] = (run.lr_index, run.optimizer_index)
            else:
                self._cells[run.index] = (run.optimizer_index, run.lr_index)
        for row, column in self._cells.values():
            self.setItem(row, column, QTableWidgetItem("ready"))
        self.fit_columns()

    def cell(self, run: int) -> QTableWidgetItem | None:
        """The cell that shows run ``run`` (and the other draws of it, with several seeds)."""
        place = self._cells.get(run)
        return None if place is None else self.item(*place)

    def fit_columns(self) -> None:
        """Every column as wide as its header and its cells' words need (see
        :func:`column_widths`); rows grow to the wrapped text."""
        needs = [self._text_widths(column) for column in range(self.columnCount())]
        room = self.viewport().width()
        widths = column_widths([n[0] for n in needs], [n[1] for n in needs], room)
        header = self.horizontalHeader()
        for column, width in enumerate(widths):
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def _text_widths(self, column: int) -> tuple[int, int]:
        """The width ``column`` needs for its header and its cells' text on whole lines, and
        with the cells' text wrapped at its words."""
        metrics = self.fontMetrics()
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self)
        padding = 2 * (margin + 1) + 1 + TEXT_SLACK  # a cell's text margins and its grid line
        texts = [item.text() for row in range(self.rowCount()) if (item := self.item(row, column))]
        lines = [metrics.horizontalAdvance(line) for text in texts for line in text.split("\n")]
        words = [metrics.horizontalAdvance(word) for text in texts for word in BREAKS.split(text)]
        header = self.horizontalHeader().sectionSizeHint(column)
        line, word = max(lines, default=0) + padding, max(words, default=0) + padding
        return max(header, line), max(header, word)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize:
            self.fit_columns()  # the dock was resized, or a scroll bar came or went
        return super().viewportEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.FontChange:
            self._refit.start()  # the zoom sets the headers' font after the table's
        super().changeEvent(event)

    def show_update(self, update: LossUpdate) -> None:
        if self.seeds > 1:
            self._show_draws(update)
            return
        for summary in update.summaries:
            run = summary.run
            item = self.cell(run.index)
            if item is None:
                continue
            text = short_status(summary.status, summary.status_step, summary.steps, summary.failure)
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
            item.setToolTip(tip + self.start_note)
            colour = STATUS_COLOURS[summary.status]
            item.setForeground(QColor(colour) if colour else self.palette().text().color())
        self.fit_columns()

    def run_at(self, row: int, column: int) -> int:
        """The index of the run shown in a cell, or -1."""
        return next((run for run, place in self._cells.items() if place == (row, column)), -1)

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
            item = self.cell(run.index)
            if item is None:
                continue
            text = outcomes.text(group) if update.steps_taken else "ready"
            loss = "—" if np.isnan(median[group]) else f"{median[group]:.6g}"
            item.setText(text)
            item.setToolTip(
                f"{run.optimizer.label}, η = {run.lr:g}, seeds {run.seed}–{run.seed + seeds - 1}: "
                f"{text}; median final loss of the draws that did not blow up {loss}"
                + self.start_note
            )
            colour = STATUS_COLOURS[RunStatus(int(overall[group]))]
            item.setForeground(QColor(colour) if colour else self.palette().text().color())
        self.fit_columns()
