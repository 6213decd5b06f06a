"""The inspector dock: one run's parameters, gradient and optimizer state at the current step,
and the next update of one chosen weight with the rule filled in with its numbers."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPoint, QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.readings import Inspection, SharpnessReading
from engine.live.messages import ExperimentStarted
from gui.plotting.palette import optimizer_colour
from gui.state.view_state import ViewState


class InspectorPanel(QWidget):
    """Pick a run (or click its curve) and a weight (click its row); numbers follow the run."""

    target_changed = Signal(int, int)  # run index, flat weight index
    branch_requested = Signal(int)  # "Branch from here…" on the followed run

    def __init__(self, view: ViewState, parent: QWidget | None = None):
        """``view``: the run followed (the boxes edit it) and the step the timeline shows (an
        inspection of another run or step is stale)."""
        super().__init__(parent)
        self.view = view
        layout = QVBoxLayout(self)
        chooser = QFormLayout()
        self.optimizer_box = QComboBox()
        self.lr_box = QComboBox()
        chooser.addRow("Optimizer", self.optimizer_box)
        chooser.addRow("Learning rate", self.lr_box)
        layout.addLayout(chooser)
        self.summary = QLabel("Pick a run, or click a curve.")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.rule = QLabel()
        self.breakdown = QLabel()
        self.vectors = QLabel()  # the next update as vectors: the Landscape's arrows
        self.vectors.setToolTip(
            "The run's next update as vectors in parameter space, as the Landscape tab draws "
            "them (paused or scrubbing): |v| is each one's length, (x, y) its components"
        )
        text = QWidget()
        text_layout = QVBoxLayout(text)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for label in (self.rule, self.breakdown, self.vectors):
            label.setFont(mono)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text_layout.addWidget(label)
        text_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(text)
        scroll.setWidgetResizable(True)
        splitter = QSplitter(Qt.Orientation.Vertical)  # the table above, the breakdown below
        splitter.addWidget(self.table)
        splitter.addWidget(scroll)
        splitter.setSizes([300, 300])
        layout.addWidget(splitter, 1)
        self.runs: list = []
        self.weight = 0
        self.optimizer_box.currentIndexChanged.connect(self._chosen)
        self.lr_box.currentIndexChanged.connect(self._chosen)
        self.table.currentCellChanged.connect(self._weight_chosen)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        view.events.run.connect(self._on_run_change)

    @property
    def run(self) -> int:
        """The followed run's index in the experiment, or -1."""
        i, j = self.optimizer_box.currentIndex(), self.lr_box.currentIndex()
        match = [r.index for r in self.runs if r.optimizer_index == i and r.lr_index == j]
        return match[0] if match else -1

    def start(self, started: ExperimentStarted) -> None:
        """A new experiment: keep following the same optimizer and rate where they still exist."""
        self.runs = list(started.runs)
        config = started.config
        for box, items in (
            (
                self.optimizer_box,
                [s.label for s in config.optimizers]
                + [r.label for r in self.runs if r.branch is not None],
            ),
            (self.lr_box, [f"{lr:g}" for lr in config.learning_rates]),
        ):
            keep = box.currentIndex()
            with QSignalBlocker(box):
                box.clear()
                box.addItems(items)
                box.setCurrentIndex(min(max(keep, 0), len(items) - 1))
        self._chosen()

    @Slot(int)
    def _on_run_change(self, run: int) -> None:
        if run != self.run and any(r.index == run for r in self.runs):
            self.select_run(run)

    def select_run(self, run: int) -> None:
        key = next(r for r in self.runs if r.index == run)
        with QSignalBlocker(self.optimizer_box):
            self.optimizer_box.setCurrentIndex(key.optimizer_index)
        self.lr_box.setCurrentIndex(key.lr_index)
        self._chosen()

    def _chosen(self) -> None:
        if self.run < 0:  # a branch has one rate, its parent's: go to it
            i = self.optimizer_box.currentIndex()
            branch = next((r for r in self.runs if r.optimizer_index == i), None)
            if branch is not None:
                with QSignalBlocker(self.lr_box):
                    self.lr_box.setCurrentIndex(branch.lr_index)
        self.view.update(run=self.run)
        self.target_changed.emit(self.run, self.weight)

    def context_menu(self) -> QMenu | None:
        """The menu for the followed run (None if it follows none)."""
        run = self.run
        if run < 0:
            return None
        menu = QMenu(self)
        action = menu.addAction("Branch from here…")
        action.setEnabled(self.runs[run].branch is None)
        action.triggered.connect(lambda: self.branch_requested.emit(run))
        return menu

    @Slot(QPoint)
    def _context_menu(self, position: QPoint) -> None:
        menu = self.context_menu()
        if menu is not None:
            menu.exec(self.mapToGlobal(position))
            menu.deleteLater()

    def _weight_chosen(self, row: int, *_) -> None:
        if row >= 0 and row != self.weight:
            self.weight = row
            self._chosen()

    def show_inspection(self, inspection: Inspection) -> None:
        snapshot = inspection.snapshot
        if snapshot.run.index != self.run or inspection.view_step != self.view.step:
            return  # for a run no longer chosen, or a step no longer shown
        run = snapshot.run
        colour = optimizer_colour(run.optimizer.name)
        self.summary.setText(
            f"<b style='color:{colour}'>{run.label}</b>, η = {run.lr:g} — "
            f"step {snapshot.step}, loss {snapshot.loss:.6g}, {snapshot.status.name.lower()}"
            + "".join(
                f", {name} = {value:g}"
                for name, value in snapshot.state.items()
                if not isinstance(value, dict)
            )
            + f"<br>curvature here: λ_max = {inspection.stability.lambda_max:.4g}, "
            f"2/λ = {inspection.stability.limit:.4g} "
            + f"(η is {_compared(run.lr, inspection.stability.limit)})"
            + (
                ""
                if inspection.sharpness is None
                else f"<br>edge of stability: {sharpness_text(inspection.sharpness)}"
            )
        )
        self.summary.setToolTip(
            "λ_max is the largest eigenvalue of the loss's Hessian (on all the data) at these "
            "parameters. Plain gradient descent with η > 2/λ overshoots along that direction; "
            "the bound is sharp near a minimum, only a guide far from one. The optimizer's "
            "stability threshold bounds λ (for an adaptive rule, the preconditioned λ of "
            "P^-1/2·H·P^-1/2, P what its next step divides by): 'at' is within 5 %."
        )
        self._fill_table(snapshot)
        self.rule.setText(run.optimizer.optimizer.rule)
        breakdown = inspection.breakdown
        self.breakdown.setText(
            "The run has stopped." if breakdown is None else "\n".join(breakdown.lines())
        )
        vectors = inspection.vectors
        self.vectors.setText(
            "" if vectors is None else "\n".join(["The step as vectors:", *vectors.lines()])
        )

    def _fill_table(self, snapshot) -> None:
        tensors = {"θ": snapshot.params, "g": snapshot.gradient}
        tensors.update({k: v for k, v in snapshot.state.items() if isinstance(v, dict)})
        columns = list(tensors)
        names = [
            f"{p}[{','.join(map(str, i))}]" if snapshot.params[p].size > 1 else p
            for p in snapshot.params
            for i in np.ndindex(*snapshot.params[p].shape)
        ]
        flat = {
            k: np.concatenate([v[p].reshape(-1) for p in snapshot.params])
            for k, v in tensors.items()
        }
        with QSignalBlocker(self.table):  # filling it is not the user choosing a weight
            self.table.setRowCount(len(names))
            self.table.setColumnCount(len(columns))
            self.table.setHorizontalHeaderLabels(columns)
            self.table.setVerticalHeaderLabels(names)
            for col, key in enumerate(columns):
                self._fill_column(col, flat[key])
            self.table.selectRow(self.weight)

    def _fill_column(self, col: int, values: np.ndarray) -> None:
        """One tensor's numbers down a column, shaded by size against its largest (a heat map)."""
        largest = float(np.nanmax(np.abs(values))) or 1.0
        for row, value in enumerate(map(float, values)):
            item = self.table.item(row, col)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(row, col, item)
            item.setText(f"{value:.4g}")
            shade = int(90 * min(abs(value) / largest, 1.0)) if np.isfinite(value) else 0
            base = QColor(213, 94, 0) if value < 0 else QColor(0, 114, 178)
            base.setAlpha(shade)
            item.setBackground(base)


def sharpness_text(reading: SharpnessReading) -> str:
    """``λ = 19.83, threshold 2/η = 20: at it (within 5 %)``, for the inspector."""
    name = "preconditioned λ" if reading.adaptive else "λ"
    value = reading.bounded
    text = f"{name} = " + (f"{value:.4g}" if math.isfinite(value) else "—")
    if not math.isfinite(reading.threshold):
        return f"{text}; {reading.rule}"
    text += f", threshold {reading.rule} = {reading.threshold:.4g}"
    position = reading.position
    if not position:
        return f"{text} (not computed: the run has stopped)"
    return f"{text}: {position} it" + (" (within 5 %)" if position == "at" else "")


def _compared(lr: float, limit: float) -> str:
    if math.isclose(lr, limit, rel_tol=1e-6):
        return "at it"
    return "above it" if lr > limit else "below it"
