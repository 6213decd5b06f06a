"""Start the window: check for a display, set up the application, restore the last settings."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.config.settings import ExperimentConfig
    from engine.live.client import EngineProcess

APP_ID = "optimizers-from-scratch"
SIGNAL_POLL_MS = 200  # how soon Ctrl+C or SIGTERM closes the window at the latest


def display_problem() -> str | None:
    """Why Qt could not open a window here, in one line, or None if it probably can."""
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    from engine.io.cli import PROG

    return (
        "no display found (DISPLAY and WAYLAND_DISPLAY are unset); to train and export "
        f"without a window, give an output flag, e.g. {PROG} --csv losses.csv"
    )


def start_engine_early() -> EngineProcess | None:
    """The window's engine process, started before anything heavy is imported (None without a
    display): it imports torch, a second or more, on another core while this process imports
    Qt and builds the window. Only for a launch that surely opens the window: a headless run
    must stay one process."""
    if display_problem():
        return None
    from engine.live.client import EngineProcess

    return EngineProcess()


def run_app(args: argparse.Namespace, engine: EngineProcess | None = None) -> int:
    """Run the window until it closes; ``engine``: one :func:`start_engine_early` started."""
    from engine.config.settings import ConfigError
    from engine.core.data import DatasetError
    from engine.io.cli import config_from_args, fail

    problem = display_problem()
    if problem:
        return fail(problem)
    if engine is None:
        from engine.live.client import EngineProcess

        engine = EngineProcess()  # it imports torch and the engine while the window builds

    from PySide6.QtCore import QEvent, QSettings
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from gui.shell.main_window import MainWindow
    from gui.shell.resources import TITLE, icon_path
    from gui.state.saved_settings import load_config
    from gui.surface3d.support import share_gl_contexts

    share_gl_contexts()  # before the QApplication exists
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("OptimizersFromScratch")
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(TITLE)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(icon_path()))
    settings = QSettings()
    try:
        config = config_from_args(args, base=load_config(settings))
        config = _with_readable_data(config, from_flags=args.data is not None)
        lesson = _lesson(args)
    except (ConfigError, DatasetError) as err:
        engine.stop()
        return fail(str(err))
    window = MainWindow(config, settings, engine)
    window.show()
    if lesson is not None:  # it waits for the engine's first experiment, as any edit does
        window.lessons.play(lesson, ask=not args.trust)  # a built-in's code is ours
    _close_on_signals(window)
    code = app.exec()
    window.deleteLater()  # Qt deletes the window now, not Python's shutdown in whatever order
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return code


def _close_on_signals(window) -> None:
    """Ctrl+C in the terminal and SIGTERM close the window as its close button does: settings
    saved, the engine process ended. Python runs signal handlers between bytecodes only, so a
    timer lets it in while Qt's event loop waits."""
    from PySide6.QtCore import QTimer

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: QTimer.singleShot(0, window.close))
    poll = QTimer(window)  # the window owns it
    poll.timeout.connect(lambda: None)
    poll.start(SIGNAL_POLL_MS)


def _lesson(args: argparse.Namespace):
    """The lesson ``--lesson`` names (a file or a built-in), read now: a bad one stops here, in
    one line, before the window opens; None without the flag."""
    name = getattr(args, "lesson", None)
    if name is None:
        return None
    from engine.lessons.reading import find_lesson

    return find_lesson(name)


def _with_readable_data(config: ExperimentConfig, from_flags: bool) -> ExperimentConfig:
    """Read the data file now: a bad --data file stops here in one line; a remembered file
    that has since gone is replaced by the article's data rather than stopping the app."""
    from engine.config.loading import check_dataset
    from engine.config.settings import DatasetSpec
    from engine.core.data import DatasetError

    try:
        check_dataset(config.dataset)
    except DatasetError:
        if from_flags:
            raise
        return config.with_changes(dataset=DatasetSpec())
    return config
