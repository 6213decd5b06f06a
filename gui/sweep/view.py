"""The learning-rate sweep tab: final loss and steps to converge against the learning rate.

One curve per optimizer over 64 log-spaced learning rates (:mod:`engine.analysis.sweep`), computed
in a task on a runner (the window's engine process, or a thread of its own) and drawn by
:class:`~gui.sweep.plots.SweepPlots`; the panels' learning rates are dashed vertical lines.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.analysis.sweep import SWEEP_LRS, SWEEP_TASK, SweepResult, describe_sweep
from engine.config.settings import ExperimentConfig
from engine.live.remote import RemoteRunner
from engine.live.task_runner import TaskRunner
from gui.plotting.themes import DEFAULT, Theme
from gui.sweep.plots import SweepPlots


class SweepView(QWidget):
    """A status line over :class:`SweepPlots`; :meth:`compute` fills it from ``runner`` (the
    engine process's sweep service in the window; by default a thread of its own).

    The owner calls :meth:`shutdown` before the window goes (the worker thread must end first).
    """

    result_shown = Signal(object)  # SweepResult

    def __init__(
        self,
        parent: QWidget | None = None,
        theme: Theme = DEFAULT,
        runner: TaskRunner | RemoteRunner | None = None,
    ):
        super().__init__(parent)
        self.status = QLabel("No sweep computed yet.")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.addWidget(self.status)
        self._plots: SweepPlots | None = None
        self._theme, self._pen_scale = theme, 1.0
        self._requested: ExperimentConfig | None = None
        self.runner = runner or TaskRunner("sweep", self)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.reported.connect(self._on_progress)

    @property
    def plots(self) -> SweepPlots:
        """The plots, built when first shown or given a result: built with the window, while
        their tab was hidden, they took 50 ms of its start (of some 0.8 s)."""
        return self._built_plots()

    def _built_plots(self) -> SweepPlots:
        if self._plots is None:
            self._plots = SweepPlots(theme=self._theme)
            self._plots.apply_theme(self._theme, self._pen_scale)
            self._layout.addWidget(self._plots, 1)
        return self._plots

    @property
    def result(self) -> SweepResult | None:
        """What is shown, for exports."""
        return None if self._plots is None else self._plots.result

    @property
    def panel_lrs(self) -> tuple[float, ...]:
        return () if self._plots is None else self._plots.panel_lrs

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def apply_theme(self, theme: Theme, pen_scale: float = 1.0) -> None:
        self._theme, self._pen_scale = theme, pen_scale
        if self._plots is not None:
            self._plots.apply_theme(theme, pen_scale)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._built_plots()
        super().showEvent(event)

    def show_result(self, result: SweepResult, panel_lrs: tuple[float, ...] | None = None) -> None:
        self.plots.show_result(result, panel_lrs)
        self.result_shown.emit(result)

    def compute(self, config: ExperimentConfig, lrs=SWEEP_LRS) -> None:
        """Sweep ``config``'s optimizers; its learning rates are the panels' (marked)."""
        self._requested = config
        self.status.setText("Computing the sweep…")
        self.runner.start(SWEEP_TASK, config, lrs)

    def follow(self, config: ExperimentConfig) -> None:
        """Show the sweep of ``config``: computed once per new setting, not per look."""
        if config != self._requested:
            self.compute(config)

    def cancel(self) -> None:
        self.runner.cancel()
        self.status.setText("Sweep cancelled.")

    def shutdown(self) -> bool:
        """End the worker thread (and wait for it)."""
        return self.runner.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Shown on its own (not as a tab), closing it ends the worker thread."""
        self.shutdown()
        super().closeEvent(event)

    @Slot(object)
    def _on_finished(self, outcome: tuple[SweepResult, float]) -> None:
        result, seconds = outcome
        self.show_result(result)  # the panels' rates: the config's
        self.status.setText(describe_sweep(result, seconds))

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._requested = None  # the next look computes it again
        self.status.setText(f"The sweep failed: {message}")

    @Slot(object)
    def _on_progress(self, progress: tuple[int, int]) -> None:
        steps, max_steps = progress
        self.status.setText(f"Computing the sweep… step {steps} of {max_steps}")
