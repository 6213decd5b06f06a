"""Driving the real window on a virtual X screen, for the real-window tests: an Xvfb display,
main.py started in it, xdotool for keys and windows, screen grabs and what their pixels show.

Everything Qt runs in subprocesses (the app and a one-shot screen grabber), so a test process
never creates a QApplication. Without Xvfb and xdotool a test is skipped, or fails under CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.processes import PROJECT_ROOT, run_python

TITLE = "Optimizers from Scratch"
SCREEN = "1600x1000x24"
DISPLAY_NUMBERS = range(150, 200)
CURVE_COLOURS = np.array(
    [(0x56, 0xB4, 0xE9), (0xE6, 0x9F, 0x00), (0x00, 0x9E, 0x73), (0xD5, 0x5E, 0x00)],
    dtype=np.int16,
)
COLOUR_TOLERANCE = 40  # per channel: anti-aliased curve pixels are blended with the background
BACKGROUND_TOLERANCE = 8  # per channel, around the plot background colour
MOSTLY_PLAIN = 0.995  # a plot area with fewer other pixels has no panels drawn in it yet
MIN_CURVE_PIXELS = 30  # per panel
MIN_CURVE_ROWS = 5  # a curve is more than a legend's one-pixel-high line sample
PLAY_SECONDS = 3.0  # at the default 100 steps/s
CURVE_DEADLINE = 20.0  # a slow machine gets this long after Play before the panels must show
APT_HINT = (
    "apt-get install -y xvfb xdotool libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxcb-cursor0"
)

GRAB_SCRIPT = """\
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(["shot", "-platform", "xcb"])
x, y, w, h = map(int, sys.argv[2:6])
if not QGuiApplication.primaryScreen().grabWindow(0, x, y, w, h).save(sys.argv[1]):
    sys.exit("could not write " + sys.argv[1])
"""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_tools() -> None:
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed; the real-window test needs them ({APT_HINT})"
    if in_ci():
        pytest.fail(f"CI is set but {message}", pytrace=False)
    pytest.skip(message)


def x_env(display: str, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",  # conftest.py put offscreen into this process's environment
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        PYTHONUNBUFFERED="1",
    )
    return env


def xdotool(env: dict[str, str], *args: str, timeout: float = 10) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def xvfb(tmp_path: Path) -> Iterator[str]:
    """A fresh Xvfb display (":N") that accepts connections; stopped afterwards."""
    log = tmp_path / "xvfb.log"
    for number in DISPLAY_NUMBERS:
        if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        display = f":{number}"
        with log.open("w") as out:
            server = subprocess.Popen(
                ["Xvfb", display, "-screen", "0", SCREEN, "-nolisten", "tcp", "-noreset"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        env = {**os.environ, "DISPLAY": display}
        deadline = time.monotonic() + 10
        ready = False
        while server.poll() is None and time.monotonic() < deadline:
            if xdotool(env, "getdisplaygeometry", timeout=5).returncode == 0:
                ready = server.poll() is None  # not some other server that won the race
                break
            time.sleep(0.05)
        if ready:
            try:
                yield display
            finally:
                stop(server)
            return
        stop(server)  # display taken meanwhile, or too slow: try the next number
    pytest.fail(f"could not start Xvfb on any of :150..:199; last log:\n{log.read_text()}")


def grab(env: dict[str, str], geometry: dict[str, int], path: Path) -> np.ndarray:
    """Screenshot of the window's area (a separate Qt process) as an (h, w, 3) int16 RGB array."""
    args = [str(geometry[key]) for key in ("X", "Y", "WIDTH", "HEIGHT")]
    done = run_python(GRAB_SCRIPT, str(path), *args, env=env, timeout=30)
    assert done.returncode == 0, f"screen grab failed:\n{done.stdout}{done.stderr}"
    return load_rgb(path)


def load_rgb(path: Path) -> np.ndarray:
    from PySide6.QtGui import QImage  # only an image decoder here: no QGuiApplication needed

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    assert not image.isNull(), f"could not read {path}"
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return rows[:, : width * 3].reshape(height, width, 3).astype(np.int16)


def background(rgb: np.ndarray) -> np.ndarray:
    """The plot background: the commonest colour in the window's left half (the plot grid;
    the docks are on the right). Found, not assumed: the theme decides it (black-ish now)."""
    left = rgb[:, : rgb.shape[1] // 2].reshape(-1, 3)
    packed = (left[:, 0].astype(np.int64) << 16) | (left[:, 1] << 8) | left[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    commonest = int(values[counts.argmax()])
    return np.array([commonest >> 16, (commonest >> 8) & 255, commonest & 255], dtype=np.int16)


def plot_box(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the plot area (the rows and columns mostly of the
    background colour), or None if the window shows no such area beside other widgets yet, or
    an empty one (no titles or axes: the engine process has not announced the experiment)."""
    plain = (np.abs(rgb - background(rgb)) <= BACKGROUND_TOLERANCE).all(axis=2)
    columns = np.flatnonzero(plain.mean(axis=0) > 0.5)
    if columns.size == 0:
        return None
    left, right = int(columns[0]), int(columns[-1]) + 1
    rows = np.flatnonzero(plain[:, left:right].mean(axis=1) > 0.5)
    if rows.size == 0:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    if bottom - top < 200 or right - left < 200 or right - left > 0.95 * rgb.shape[1]:
        return None  # too small, or the whole window: not painted yet (no dock beside it)
    if plain[top:bottom, left:right].mean() > MOSTLY_PLAIN:
        return None  # no panels drawn in it yet
    return top, bottom, left, right


def curve_pixels(rgb: np.ndarray) -> np.ndarray:
    """Mask of the pixels within the tolerance of one of the optimizer colours."""
    mask = np.zeros(rgb.shape[:2], dtype=bool)
    for colour in CURVE_COLOURS:
        mask |= (np.abs(rgb - colour) <= COLOUR_TOLERANCE).all(axis=2)
    return mask


def panels_without_curves(
    before: np.ndarray, after: np.ndarray, box: tuple[int, int, int, int]
) -> list[str]:
    """Which of the 2x2 panels gained no curve between the two shots, with what was found.

    Only pixels that are curve-coloured now and were not before Play count: the legend's
    line samples sit in the plot area too and have the same colours.
    """
    top, bottom, left, right = box
    new = curve_pixels(after) & ~curve_pixels(before)
    mid_y, mid_x = (top + bottom) // 2, (left + right) // 2
    quadrants = {
        "top-left": (slice(top, mid_y), slice(left, mid_x)),
        "top-right": (slice(top, mid_y), slice(mid_x, right)),
        "bottom-left": (slice(mid_y, bottom), slice(left, mid_x)),
        "bottom-right": (slice(mid_y, bottom), slice(mid_x, right)),
    }
    failures = []
    for name, (rows, columns) in quadrants.items():
        panel = new[rows, columns]
        count, spanned = int(panel.sum()), int(panel.any(axis=1).sum())
        if count < MIN_CURVE_PIXELS or spanned < MIN_CURVE_ROWS:
            failures.append(
                f"{name} panel: {count} new curve-coloured pixels over {spanned} rows "
                f"(need >= {MIN_CURVE_PIXELS} over >= {MIN_CURVE_ROWS})"
            )
    return failures


def wait_alive(app: subprocess.Popen, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert app.poll() is None, f"the app exited ({app.returncode}):\n{log.read_text()}"
        time.sleep(0.1)


def start(env: dict[str, str], log: Path, args: tuple[str, ...] = ()) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "main.py", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def find_window(env: dict[str, str], app: subprocess.Popen, log: Path) -> tuple[str, dict]:
    """The app's window id and geometry; polled rather than `search --sync`, so that a crash
    at start fails at once."""
    deadline = time.monotonic() + 30
    window = ""
    while not window:
        assert app.poll() is None, f"the app exited ({app.returncode}):\n{log.read_text()}"
        assert time.monotonic() < deadline, (
            f"no visible window titled {TITLE!r} within 30 s; the app printed:\n{log.read_text()}"
        )
        found = xdotool(env, "search", "--onlyvisible", "--name", TITLE)
        window = found.stdout.split()[0] if found.stdout.split() else ""
        if not window:
            time.sleep(0.2)
    shell = xdotool(env, "getwindowgeometry", "--shell", window).stdout
    geometry = {
        key: int(value)
        for key, value in (line.split("=", 1) for line in shell.split())
        if key in ("X", "Y", "WIDTH", "HEIGHT")
    }
    assert len(geometry) == 4, f"unexpected xdotool geometry output: {shell!r}"
    return window, geometry


def steady_shot(env, geometry, path: Path, log: Path) -> tuple[np.ndarray, tuple]:
    """A shot once the window has painted: a plot area, and two equal shots in a row."""
    deadline = time.monotonic() + 15
    shot = None
    while True:
        previous, shot = shot, grab(env, geometry, path)
        box = plot_box(shot)
        if box is not None and previous is not None and np.array_equal(previous, shot):
            return shot, box
        assert time.monotonic() < deadline, (
            f"the window showed no steady plot area within 15 s (plot area: {box}); "
            f"screenshot: {path}\nthe app printed:\n{log.read_text()}"
        )
        time.sleep(0.1)


def quit(env, window: str, app: subprocess.Popen, log: Path) -> None:
    """Ctrl+Q ends the app with code 0, no traceback and no thread left behind."""
    xdotool(env, "windowfocus", "--sync", window)
    xdotool(env, "key", "--window", window, "ctrl+q")
    try:
        code = app.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the app still runs 10 s after Ctrl+Q; it printed:\n{log.read_text()}")
    output = log.read_text()
    assert code == 0, f"the app exited with code {code} after Ctrl+Q:\n{output}"
    for bad in ("QThread: Destroyed", "Traceback"):
        assert bad not in output, f"the app printed {bad!r}:\n{output}"


@dataclass(frozen=True)
class RealWindow:
    """main.py running on a virtual X screen: its environment (a fresh home), the process, the
    log it prints to, its window's id and geometry."""

    env: dict[str, str]
    home: Path
    app: subprocess.Popen
    log: Path
    window: str
    geometry: dict[str, int]


@contextmanager
def real_window(tmp_path: Path, args: tuple[str, ...] = ()) -> Iterator[RealWindow]:
    """main.py (with ``args``) started with a fresh home on a fresh Xvfb display, once its
    window shows; the test skipped without Xvfb and xdotool (failed under CI), the app stopped
    afterwards."""
    require_tools()
    with xvfb(tmp_path) as display:
        home = tmp_path / "home"
        (home / ".config").mkdir(parents=True)
        env = x_env(display, home)
        log = tmp_path / "app.log"
        app = start(env, log, args)
        try:
            window, geometry = find_window(env, app, log)
            yield RealWindow(env, home, app, log, window, geometry)
        finally:
            stop(app)
