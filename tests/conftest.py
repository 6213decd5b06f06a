"""Shared test setup: Qt offscreen, and no test may leave a QThread running."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def no_dangling_qthreads(request, monkeypatch):
    """Fail a test that starts a QThread and leaves it running (as napari's fixture does)."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from PySide6.QtCore import QThread

    started: list[QThread] = []
    original_start = QThread.start

    def recording_start(thread, *args):
        started.append(thread)
        return original_start(thread, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    running = [t for t in started if _still_running(t)]
    if running:
        for thread in running:
            thread.quit()
            thread.wait(2000)
        pytest.fail(f"test left {len(running)} QThread(s) running")


def _still_running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is gone, so is the thread
        return False


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window with the article's experiment, its settings in a temporary file, and
    error dialogs collected in ``window.errors`` instead of shown."""
    from PySide6.QtCore import QSettings

    from engine.config import ExperimentConfig
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ExperimentConfig(), settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.session.started is not None)
    window.errors = []
    window.report_error = lambda title, message: window.errors.append(message)
    return window
