"""The real window on a virtual X screen: a rule typed into the Your optimizer dock, saved with
Ctrl+S, and its curve drawn in every loss panel once Play is pressed.

Like the other real-window tests it runs the app and a screen grabber in subprocesses on their
own Xvfb display; without Xvfb and xdotool it is skipped (or fails when CI is set).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from gui.plotting.palette import optimizer_colour
from tests.xwindow import (
    BACKGROUND_TOLERANCE,
    COLOUR_TOLERANCE,
    CURVE_DEADLINE,
    MIN_CURVE_PIXELS,
    MIN_CURVE_ROWS,
    RealWindow,
    grab,
    quit,
    real_window,
    wait_alive,
    xdotool,
)

NAME = "Half SGD"  # its colour, purple, is none of the article's four
RULE = (
    f'name = "{NAME}"',
    "def update(params, grads, state, lr): return params - 0.5 * lr * grads, {}",
)
SAVE_DEADLINE = 20.0  # seconds for the saved rule's legend entry to be drawn


def test_a_rule_typed_and_saved_draws_its_curve_in_every_panel(tmp_path):
    with real_window(tmp_path) as real:
        _type_save_and_play(real, tmp_path)


def _type_save_and_play(real: RealWindow, tmp_path: Path) -> None:
    env, app, log, window, geometry = real.env, real.app, real.log, real.window, real.geometry
    _wait_for(lambda: _plot_area(grab(env, geometry, tmp_path / "start.png")), app, log)
    xdotool(env, "windowfocus", "--sync", window)
    _keys(env, window, "ctrl+n", "ctrl+a")
    for number, line in enumerate(RULE):
        if number:
            _keys(env, window, "Return")
        typed = xdotool(env, "type", "--window", window, "--delay", "20", line, timeout=60)
        assert typed.returncode == 0, f"xdotool type failed: {typed.stderr}"
    _keys(env, window, "ctrl+s")

    saved_png = tmp_path / "saved.png"
    saved = _wait_for(
        lambda: _with_legend_entry(grab(env, geometry, saved_png)), app, log, SAVE_DEADLINE
    )
    top, bottom, left, right = _plot_area(saved)
    xdotool(env, "mousemove", "--window", window, str(left + 5), str(bottom - 5))
    _keys(env, window, "click", "space", command="")  # the panels get the focus: Play
    played_png = tmp_path / "played.png"
    deadline = time.monotonic() + CURVE_DEADLINE
    while True:
        wait_alive(app, 0.5, log)
        failures = _panels_without_mine(saved, grab(env, geometry, played_png))
        if not failures or time.monotonic() > deadline:
            break
    assert not failures, (
        f"{NAME}'s curve is missing after Play:\n  "
        + "\n  ".join(failures)
        + f"\nscreenshots: {saved_png} (saved), {played_png} (played)\n"
        f"the app printed:\n{log.read_text()}"
    )
    quit(env, window, app, log)


def _keys(env, window: str, *keys: str, command: str = "key") -> None:
    for key in keys:
        if command:
            done = xdotool(env, command, "--window", window, key)
        else:  # a mouse click where the pointer is, or a key to the focused widget
            done = xdotool(env, *(("click", "1") if key == "click" else ("key", key)))
        assert done.returncode == 0, f"xdotool {key} failed: {done.stderr}"
        time.sleep(0.3)


def _wait_for(found, app, log: Path, seconds: float = 15.0):
    """``found()`` once it is not None, polling while the app lives."""
    deadline = time.monotonic() + seconds
    while (result := found()) is None:
        assert time.monotonic() < deadline, f"gave up waiting; the app printed:\n{log.read_text()}"
        wait_alive(app, 0.2, log)
    return result


def _mine(rgb: np.ndarray) -> np.ndarray:
    colour = np.array([int(optimizer_colour(NAME)[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(rgb - colour) <= COLOUR_TOLERANCE).all(axis=2)


def _plot_area(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the panels: the columns and rows mostly of the colour
    commonest at the window's centre (the docks are left and right of the panels)."""
    middle = rgb[:, rgb.shape[1] // 2 - 40 : rgb.shape[1] // 2 + 40].reshape(-1, 3)
    values, counts = np.unique(middle, axis=0, return_counts=True)
    plain = (np.abs(rgb - values[counts.argmax()]) <= BACKGROUND_TOLERANCE).all(axis=2)
    columns = np.flatnonzero(plain.mean(axis=0) > 0.5)
    if columns.size == 0:
        return None
    left, right = int(columns[0]), int(columns[-1]) + 1
    rows = np.flatnonzero(plain[:, left:right].mean(axis=1) > 0.5)
    if rows.size == 0 or right - left < 200 or rows[-1] - rows[0] < 200:
        return None
    return int(rows[0]), int(rows[-1]) + 1, left, right


def _with_legend_entry(rgb: np.ndarray) -> np.ndarray | None:
    """The shot once the panels show the saved rule's legend sample (in its colour)."""
    area = _plot_area(rgb)
    if area is None:
        return None
    top, bottom, left, right = area
    return rgb if _mine(rgb[top:bottom, left:right]).sum() > 5 else None


def _panels_without_mine(saved: np.ndarray, played: np.ndarray) -> list[str]:
    """The 2x2 panels where the rule's colour gained no curve between the two shots."""
    area = _plot_area(played)
    if area is None:
        return ["no plot area in the played shot"]
    top, bottom, left, right = area
    new = _mine(played) & ~_mine(saved)
    mid_y, mid_x = (top + bottom) // 2, (left + right) // 2
    failures = []
    for name, rows, columns in (
        ("top-left", slice(top, mid_y), slice(left, mid_x)),
        ("top-right", slice(top, mid_y), slice(mid_x, right)),
        ("bottom-left", slice(mid_y, bottom), slice(left, mid_x)),
        ("bottom-right", slice(mid_y, bottom), slice(mid_x, right)),
    ):
        panel = new[rows, columns]
        count, spanned = int(panel.sum()), int(panel.any(axis=1).sum())
        if count < MIN_CURVE_PIXELS or spanned < MIN_CURVE_ROWS:
            failures.append(f"{name} panel: {count} new pixels of its colour over {spanned} rows")
    return failures
