"""Shared test setup: Qt offscreen, and no test may leave a QThread or a child process running."""

from __future__ import annotations

import multiprocessing
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

PATIENT_WAIT_MS = 60_000  # a wait's default: the state comes, on a busy machine later


def _patient_waits() -> None:
    """pytest-qt's waits give up after 5 s by default: on a 2-core machine busy with other work
    an engine process takes longer than that to start. A wait still ends when its state
    arrives; only a test that is failing waits longer."""
    from pytestqt.qtbot import QtBot

    for name in ("waitUntil", "waitSignal", "waitSignals", "waitExposed", "waitActive"):
        defaults = getattr(QtBot, name).__kwdefaults__ or {}
        if defaults.get("timeout") == 5000:
            defaults["timeout"] = PATIENT_WAIT_MS


_patient_waits()


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


@pytest.fixture(autouse=True)
def no_dangling_processes():
    """Fail a test that leaves a child process running (an engine process it did not end)."""
    yield
    left = multiprocessing.active_children()
    for child in left:
        child.kill()
        child.join()
    if left:
        pytest.fail(f"test left {len(left)} child process(es) running: {left}")


def _still_running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is gone, so is the thread
        return False


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window with the article's experiment (see :mod:`tests.windows`)."""
    from tests.windows import open_main_window, temporary_settings

    return open_main_window(qtbot, temporary_settings(tmp_path))
