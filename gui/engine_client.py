"""The window's handle on the engine thread: commands out as queued signals, results back in."""

from __future__ import annotations

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Signal

from engine.config import ExperimentConfig
from engine.worker import EngineWorker


class EngineClient(QObject):
    """Starts an :class:`EngineWorker` in a QThread and re-emits its results in the GUI thread."""

    # results, delivered (queued) in the thread this client lives in
    started = Signal(object)
    progress = Signal(object)
    playing_changed = Signal(bool)
    failed = Signal(str)
    inspected = Signal(object)

    # commands, delivered (queued) in the worker thread
    configure = Signal(object)
    play = Signal()
    pause = Signal()
    step = Signal()
    reset = Signal()
    run_to_end = Signal()
    set_speed = Signal(float)
    set_reference = Signal(bool)
    set_inspection = Signal(int, int)

    def __init__(self, config: ExperimentConfig, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("engine")
        self._worker = EngineWorker(config)
        self._worker.moveToThread(self._thread)
        w = self._worker
        for command, slot in (
            (self.configure, w.configure),
            (self.play, w.play),
            (self.pause, w.pause),
            (self.step, w.step_once),
            (self.reset, w.reset),
            (self.run_to_end, w.run_to_end),
            (self.set_speed, w.set_speed),
            (self.set_reference, w.set_reference),
            (self.set_inspection, w.set_inspection),
        ):
            command.connect(slot, Qt.ConnectionType.QueuedConnection)
        for result, signal in (
            (w.started, self.started),
            (w.progress, self.progress),
            (w.playing_changed, self.playing_changed),
            (w.failed, self.failed),
            (w.inspected, self.inspected),
        ):
            result.connect(signal, Qt.ConnectionType.QueuedConnection)
        self._thread.started.connect(w.begin)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop the worker's timer in its thread, end the thread, and wait for it."""
        if not self._thread.isRunning():
            return True
        QMetaObject.invokeMethod(
            self._worker, "shutdown", Qt.ConnectionType.BlockingQueuedConnection
        )
        self._thread.quit()
        return self._thread.wait(timeout_ms)
