"""The real window on a virtual X screen when its engine process dies: SIGKILL it mid-play; the
window stays up, keeps its curves, says so in its status line, and R brings a new engine with
the same experiment. SIGTERM then ends the window and the engine."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np

from tests.processes import wait_gone
from tests.xwindow import (
    BACKGROUND_TOLERANCE,
    RealWindow,
    grab,
    panels_without_curves,
    real_window,
    steady_shot,
    wait_alive,
    xdotool,
)

STATUS_ROWS = 28  # the status bar: the bottom rows of the window
CHANGED_STATUS_PIXELS = 40  # a line of text written there


def engine_of(app: subprocess.Popen, other_than: int | None = None, seconds: float = 60) -> int:
    """The pid of the app's engine process (a child that multiprocessing spawned; not its
    resource tracker)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert app.poll() is None, f"the app exited ({app.returncode})"
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == other_than:
                continue
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue
            if parent == app.pid and b"spawn_main" in command and not gone_or_zombie(entry):
                return int(entry.name)
        time.sleep(0.1)
    raise AssertionError(f"no engine process under the app within {seconds:g} s")


def gone_or_zombie(entry: Path) -> bool:
    try:
        return "\nState:\tZ" in (entry / "status").read_text()
    except OSError:
        return True


def panels_until(curves: bool, env, app, geometry, blank, box, path: Path, log: Path) -> None:
    """Wait until every panel shows a curve (``curves``) or none (cleared) against ``blank``."""
    deadline = time.monotonic() + 60
    while True:
        failures = panels_without_curves(blank, grab(env, geometry, path), box)
        if len(failures) == (0 if curves else 4):
            return
        assert time.monotonic() < deadline, f"{failures}; screenshot {path}\n{log.read_text()}"
        wait_alive(app, 0.3, log)


def test_real_window_survives_a_killed_engine_and_restarts_it_with_r(tmp_path):
    long_play = ("--max-steps", "20000", "--stop-loss", "0")  # mid-play when the engine is killed
    with real_window(tmp_path, long_play) as real:
        _kill_and_restart(real, tmp_path)


def _kill_and_restart(real: RealWindow, tmp_path: Path) -> None:
    env, app, log, window, geometry = real.env, real.app, real.log, real.window, real.geometry
    engine = engine_of(app)
    blank, box = steady_shot(env, geometry, tmp_path / "blank.png", log)
    xdotool(env, "windowfocus", "--sync", window)
    xdotool(env, "key", "--window", window, "space")
    panels_until(True, env, app, geometry, blank, box, tmp_path / "playing.png", log)

    os.kill(engine, signal.SIGKILL)
    assert wait_gone(engine)
    wait_alive(app, 1.0, log)
    after, _ = steady_shot(env, geometry, tmp_path / "after-kill.png", log)
    assert not panels_without_curves(blank, after, box), "the curves went with the engine"
    message = (slice(after.shape[0] - STATUS_ROWS, None), slice(0, after.shape[1] // 2))
    written = (np.abs(after[message] - blank[message]) > BACKGROUND_TOLERANCE).any(axis=2)
    assert written.sum() >= CHANGED_STATUS_PIXELS, "the status line says nothing of it"

    xdotool(env, "windowfocus", "--sync", window)
    xdotool(env, "key", "--window", window, "r")
    engine = engine_of(app, other_than=engine)
    panels_until(False, env, app, geometry, blank, box, tmp_path / "restarted.png", log)
    xdotool(env, "windowfocus", "--sync", window)
    xdotool(env, "key", "--window", window, "space")
    panels_until(True, env, app, geometry, blank, box, tmp_path / "replaying.png", log)

    app.send_signal(signal.SIGTERM)
    assert app.wait(timeout=10) == 0, log.read_text()
    assert wait_gone(engine, seconds=2.0), "the engine outlived the window"
    assert "Traceback" not in log.read_text(), log.read_text()
