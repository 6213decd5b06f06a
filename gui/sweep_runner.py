"""Sweeps computed in a worker thread: :class:`SweepRunner` hands :func:`run_sweep` to a
:class:`SweepWorker` living in its own ``QThread`` and re-emits the latest request's outcome."""

from __future__ import annotations

import functools
import time

import numpy as np
from PySide6.QtCore import (
    QCoreApplication,
    QMetaObject,
    QObject,
    Qt,
    QThread,
    Signal,
    Slot,
)

from engine.config import ExperimentConfig
from engine.sweep import SWEEP_LRS, SweepCancelled, SweepResult, run_sweep

PROGRESS_INTERVAL = 0.1  # seconds between progress reports from the worker


class SweepWorker(QObject):
    """Runs :func:`run_sweep` in its thread; lives there (``moveToThread``) and has no parent.

    ``latest`` is written by the GUI thread: a computation whose generation is no longer the
    latest stops after its current step.
    """

    finished = Signal(int, object, float)  # generation, SweepResult, seconds
    failed = Signal(int, str)
    progress = Signal(int, int, int)  # generation, steps taken, max steps

    def __init__(self):
        super().__init__()
        self.latest = 0

    @Slot(int, object, object)
    def compute(self, generation: int, config: ExperimentConfig, lrs: object) -> None:
        if generation != self.latest:
            return  # superseded before it began
        began = last_report = time.perf_counter()

        def report(steps: int, max_steps: int) -> None:
            nonlocal last_report
            now = time.perf_counter()
            if now - last_report >= PROGRESS_INTERVAL:
                last_report = now
                self.progress.emit(generation, steps, max_steps)

        try:
            result = run_sweep(
                config, lrs, should_stop=lambda: self.latest != generation, progress=report
            )
        except SweepCancelled:
            return
        except Exception as err:  # a bad setting or torch running out of memory: say so
            self.failed.emit(generation, str(err) or type(err).__name__)
            return
        self.finished.emit(generation, result, time.perf_counter() - began)

    @Slot()
    def shutdown(self) -> None:
        """Hand the object back to the main thread before its thread ends."""
        self.moveToThread(QCoreApplication.instance().thread())


class SweepRunner(QObject):
    """Computes sweeps in a worker thread (started on the first :meth:`compute`); results come
    back queued and are re-emitted here, in the GUI thread, for the latest request only."""

    finished = Signal(object, float)  # SweepResult, seconds
    failed = Signal(str)
    progress = Signal(int, int)  # steps taken, max steps
    _request = Signal(int, object, object)  # to the worker: generation, config, lrs

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("sweep")
        self._worker = SweepWorker()
        self._generation = 0
        self._busy = False
        self._request.connect(self._worker.compute, Qt.ConnectionType.QueuedConnection)
        self._worker.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._worker.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._worker.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        # Safety nets for an owner that forgets stop(): a running QThread must never be deleted.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        self.destroyed.connect(functools.partial(_stop_thread, self._thread, self._worker))

    @property
    def busy(self) -> bool:
        """A computation was asked for and has not delivered yet."""
        return self._busy

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def compute(self, config: ExperimentConfig, lrs=SWEEP_LRS) -> int:
        """Start computing (dropping any computation under way); returns its generation."""
        self._generation += 1
        self._worker.latest = self._generation
        if not self._thread.isRunning():
            if self._worker.thread() is not self._thread:
                self._worker.moveToThread(self._thread)
            self._thread.start()
        self._busy = True
        self._request.emit(self._generation, config, np.array(lrs, dtype=np.float64))
        return self._generation

    def cancel(self) -> None:
        """Drop the computation under way (it stops within a step); the thread stays."""
        self._generation += 1
        self._worker.latest = self._generation
        self._busy = False

    def stop(self) -> bool:
        """Cancel, end the thread and wait for it; safe to call twice or before any compute."""
        self.cancel()
        if not self._thread.isRunning():
            return True
        QMetaObject.invokeMethod(
            self._worker, "shutdown", Qt.ConnectionType.BlockingQueuedConnection
        )
        self._thread.quit()
        return self._thread.wait()

    @Slot(int, object, float)
    def _on_finished(self, generation: int, result: SweepResult, seconds: float) -> None:
        if generation == self._generation:
            self._busy = False
            self.finished.emit(result, seconds)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._busy = False
            self.failed.emit(message)

    @Slot(int, int, int)
    def _on_progress(self, generation: int, steps: int, max_steps: int) -> None:
        if generation == self._generation:
            self.progress.emit(steps, max_steps)


def _stop_thread(thread: QThread, worker: SweepWorker, *_) -> None:
    """End ``thread`` when its runner is deleted without ``stop()`` (only the GUI thread calls)."""
    try:
        worker.latest = -1
        if thread.isRunning():
            thread.quit()
            thread.wait()
    except RuntimeError:  # already gone
        pass
