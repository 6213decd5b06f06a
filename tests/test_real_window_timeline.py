"""The real window on a virtual X screen: play, go back with the keyboard, branch a run through
the dialog, quit. The branch the window saves on quitting says where the keys went."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.xwindow import (
    RealWindow,
    quit,
    real_window,
    steady_shot,
    wait_alive,
    xdotool,
)


def test_real_window_scrubs_with_the_keyboard_and_branches_through_the_dialog(tmp_path):
    with real_window(tmp_path) as real:
        _scrub_and_branch(real, tmp_path)


def _keys(env: dict[str, str], window: str, *keys: str, pause: float = 0.15) -> None:
    for key in keys:
        xdotool(env, "windowfocus", "--sync", window)
        done = xdotool(env, "key", key)
        assert done.returncode == 0, f"xdotool key {key} failed: {done.stderr}"
        time.sleep(pause)


def _scrub_and_branch(real: RealWindow, tmp_path: Path) -> None:
    env, app, log, window, geometry = real.env, real.app, real.log, real.window, real.geometry
    steady_shot(env, geometry, tmp_path / "started.png", log)  # the panels are drawn
    _keys(env, window, "space")  # Play: about a hundred steps a second
    wait_alive(app, 1.5, log)
    _keys(env, window, "space")  # Pause
    wait_alive(app, 0.5, log)
    # step 0, five on (in the past: Right trains nothing there), two back: step 3
    _keys(env, window, "Home", "Right", "Right", "Right", "Right", "Right", "Left", "Left")
    _keys(env, window, "b", pause=1.0)  # Branch from here… for the followed run
    dialog = xdotool(env, "search", "--onlyvisible", "--name", "Branch from here")
    assert dialog.stdout.split(), f"the branch dialog did not open:\n{log.read_text()}"
    xdotool(env, "type", "--delay", "50", "0.5")  # into the learning rate, selected
    xdotool(env, "key", "Return")
    wait_alive(app, 2.0, log)

    quit(env, window, app, log)

    from PySide6.QtCore import QSettings  # reads the INI file; no application needed

    (saved,) = list((real.home / ".config").rglob("*.conf"))
    config = json.loads(
        str(QSettings(str(saved), QSettings.Format.IniFormat).value("experiment/config"))
    )
    assert config["branches"] == [{"from": {"optimizer": "sgd", "lr": 0.001}, "step": 3, "lr": 0.5}]
