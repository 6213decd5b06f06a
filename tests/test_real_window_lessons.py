"""The real window on a virtual X screen walks every built-in lesson (an app each, started with
--lesson NAME) from its first step to its last with PageDown, a presenter's remote's key: the
title bar says which step is shown once it is done, and the settings the window saves on
quitting are the lesson's last step's."""

from __future__ import annotations

import json
import time

import pytest

from engine.io.experiment_file import config_to_dict
from engine.lessons.reading import builtin_lessons, find_lesson
from tests.xwindow import (
    RealWindow,
    grab,
    quit,
    real_window,
    wait_alive,
    xdotool,
)

STEP_DEADLINE = 20.0  # seconds a step may take to apply and play on a slow, shared machine


def test_real_window_walks_every_builtin_lesson_with_pagedown(tmp_path):
    for name in builtin_lessons():  # an app each: Qt's own file dialog types racily
        lesson = find_lesson(name)
        (tmp_path / name).mkdir()
        with real_window(tmp_path / name, ("--lesson", name)) as real:
            _walk(real, lesson)
            quit(real.env, _window(real), real.app, real.log)
        assert _saved_config(real) == json.loads(
            json.dumps(config_to_dict(lesson.steps[-1].config_after))
        )


def _saved_config(real: RealWindow) -> dict:
    """The settings the window saved on quitting."""
    from PySide6.QtCore import QSettings  # reads the INI file; no application needed

    (saved,) = (real.home / ".config" / "OptimizersFromScratch").glob("*.conf")
    return json.loads(
        str(QSettings(str(saved), QSettings.Format.IniFormat).value("experiment/config"))
    )


def _walk(real: RealWindow, lesson) -> None:
    """PageDown from step 1 to the last, each press once the step before is done; a Predict
    step waits for the class, and one more PageDown plays it."""
    for number, step in enumerate(lesson.steps, start=1):
        if number > 1:
            _key(real, "Next")  # X's name for PageDown
        if step.predict:
            _wait_for_title(real, f"— Lesson {number} of {len(lesson)} \\(predict, then Next\\)$")
            _key(real, "Next")
        _wait_for_title(real, f"— Lesson {number} of {len(lesson)}$")


def _window(real: RealWindow) -> str:
    """The main window's X id now: showing the 3-D view makes Qt create its window anew (an
    OpenGL-capable one), so the id found at start may be gone."""
    found = xdotool(real.env, "search", "--onlyvisible", "--name", "^Optimizers from Scratch")
    ids = found.stdout.split()
    assert ids, f"the main window is gone; the app printed:\n{real.log.read_text()}"
    return ids[0]


def _key(real: RealWindow, key: str) -> None:
    window = _window(real)
    xdotool(real.env, "windowfocus", "--sync", window)
    done = xdotool(real.env, "key", "--window", window, key)
    assert done.returncode == 0, f"xdotool key {key} failed: {done.stderr}"


def _wait_for_title(real: RealWindow, title: str) -> None:
    """The title bar matches ``title`` (a regular expression): a step shown, done playing."""
    deadline = time.monotonic() + STEP_DEADLINE
    while not xdotool(real.env, "search", "--name", title).stdout.split():
        if time.monotonic() > deadline:
            shot = real.home.parent / "lesson.png"
            grab(real.env, {"X": 0, "Y": 0, "WIDTH": 1600, "HEIGHT": 1000}, shot)
            pytest.fail(
                f"the title never said {title!r}; screenshot: {shot}\n"
                f"the app printed:\n{real.log.read_text()}"
            )
        wait_alive(real.app, 0.2, real.log)
