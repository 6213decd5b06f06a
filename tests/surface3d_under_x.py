"""The 3-D landscape in the real window under X with OpenGL: not collected by itself (Qt's
offscreen platform has no OpenGL); ``test_surface3d_window.py`` runs it under Xvfb."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QVector3D
from PySide6.QtWidgets import QApplication

from engine.config.problem_switch import config_for_problem
from engine.config.settings import ExperimentConfig
from gui.export.landscape3d import TURN_FRAMES
from gui.export.offscreen import SETTINGS_KEY
from gui.plotting.palette import optimizer_colour
from gui.state.view_state import Tab
from gui.surface3d.camera import Camera
from gui.surface3d.geometry import Box
from gui.surface3d.support import share_gl_contexts, unavailable_reason
from tests.windows import open_main_window, temporary_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
share_gl_contexts()  # as the app does, before pytest-qt makes the QApplication

BACKGROUND_TOLERANCE = 12  # per channel
MIN_DRAWN = 0.08  # of a plot's pixels: a sheet (the floor's outline alone is about 1 %)
ON_THE_MAP = 0.9  # of the drawn pixels: the colour map's colours (lit), the rest paths and marks
COLOUR_TOLERANCE = 14.0  # RGB distance from the nearest lit colour of the map


def open_3d(qtbot, tmp_path):
    """The window with Rosenbrock's experiment, its Landscape tab shown in 3-D."""
    reason = unavailable_reason()
    assert reason is None, reason
    config = config_for_problem("rosenbrock", ExperimentConfig())
    window = open_main_window(qtbot, temporary_settings(tmp_path), config)
    window.view.update(tab=Tab.LANDSCAPE, landscape_3d=True)
    view = window.landscape
    qtbot.waitUntil(lambda: view.map is not None and view.showing_3d, timeout=30_000)
    qtbot.waitUntil(lambda: view.surface.canvases[0].sheet.visible())
    return window


@pytest.fixture
def window3d(qtbot, tmp_path):
    return open_3d(qtbot, tmp_path)


def test_opengl_loads_when_the_3d_view_is_first_shown_and_torch_never(qtbot, tmp_path):
    """The first test in this process: nothing has shown the 3-D view before it."""
    assert "pyqtgraph.opengl" not in sys.modules
    window = open_main_window(qtbot, temporary_settings(tmp_path))
    assert "pyqtgraph.opengl" not in sys.modules  # the window starts as fast as before
    window.view.update(tab=Tab.LANDSCAPE, landscape_3d=True)
    assert "pyqtgraph.opengl" in sys.modules and window.landscape.showing_3d
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=60_000)
    assert "torch" not in sys.modules


def pixels(canvas) -> np.ndarray:
    """The plot drawn at its size, (h, w, 3) RGB."""
    image = canvas.picture(canvas.width(), canvas.height())
    bgra = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4)
    return bgra[..., 2::-1].astype(np.int16)


def drawn(rgb: np.ndarray, background: str) -> np.ndarray:
    colour = np.array([int(background[i : i + 2], 16) for i in (1, 3, 5)])
    return np.abs(rgb - colour).max(axis=-1) > BACKGROUND_TOLERANCE


def off_the_map(rgb: np.ndarray) -> np.ndarray:
    """Per pixel (n, 3), its distance from the nearest k × (a colour of the map), k ∈ [0.5, 1]:
    the sheet's lighting scales a colour, it never changes its hue."""
    table = pg.colormap.get("viridis").getLookupTable(nPts=512, alpha=False).astype(np.float64)
    pixels_ = rgb.astype(np.float64)
    k = np.clip(pixels_ @ table.T / (table**2).sum(axis=1), 0.5, 1.0)  # (n, 512)
    residual = pixels_[:, None, :] - k[..., None] * table[None]
    return np.sqrt((residual**2).sum(axis=-1)).min(axis=1)


def test_the_3d_view_draws_the_sheet_in_the_colour_maps_colours(window3d):
    canvas = window3d.landscape.surface.canvases[0]
    rgb = pixels(canvas)
    mask = drawn(rgb, window3d.view.settings.zoomed_theme.background)
    assert mask.mean() > MIN_DRAWN
    distances = off_the_map(rgb[mask][::7])
    assert (distances < COLOUR_TOLERANCE).mean() > ON_THE_MAP


def test_the_heads_move_while_playing(window3d, qtbot):
    canvas = window3d.landscape.surface.canvases[0]
    window3d.toggle_play()
    qtbot.waitUntil(lambda: len(canvas.heads[1].pos) > 0, timeout=20_000)
    first, before = canvas.heads[1].pos.copy(), pixels(canvas)
    qtbot.waitUntil(
        lambda: (
            canvas.heads[1].pos.shape == first.shape and not np.allclose(canvas.heads[1].pos, first)
        ),
        timeout=20_000,
    )
    window3d.toggle_play()
    qtbot.waitUntil(lambda: not window3d.session.playing)
    assert (pixels(canvas) != before).any()


def drag(widget, start: QPointF, end: QPointF) -> None:
    """A left-button drag from ``start`` to ``end``, as the mouse sends it."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for kind, at, button, buttons in (
        (QEvent.Type.MouseButtonPress, start, left, left),
        (QEvent.Type.MouseMove, (start + end) / 2, none, left),
        (QEvent.Type.MouseMove, end, none, left),
        (QEvent.Type.MouseButtonRelease, end, left, none),
    ):
        event = QMouseEvent(kind, at, widget.mapToGlobal(at), button, buttons, Qt.NoModifier)
        QApplication.sendEvent(widget, event)


def test_turning_one_plot_turns_them_all_and_a_double_click_resets(window3d):
    surface = window3d.landscape.surface
    first, last = surface.canvases[0], surface.canvases[-1]
    assert len(surface.canvases) > 1
    before = surface.camera.camera
    seen = pixels(last)
    drag(first, QPointF(100, 100), QPointF(160, 80))
    after = surface.camera.camera
    assert after.azimuth != before.azimuth and after.elevation != before.elevation
    for canvas in surface.canvases:
        assert canvas.opts["azimuth"] == after.azimuth
        assert canvas.opts["elevation"] == after.elevation
    assert (pixels(last) != seen).any()
    event = QMouseEvent(
        QEvent.Type.MouseButtonDblClick,
        QPointF(50, 50),
        last.mapToGlobal(QPointF(50, 50)),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.NoModifier,
    )
    QApplication.sendEvent(last, event)
    assert surface.camera.camera == before
    assert first.opts["azimuth"] == before.azimuth


def shift_click(widget, at: QPointF, modifiers=Qt.KeyboardModifier.ShiftModifier) -> None:
    """A Shift+click at ``at`` (a fraction of a pixel where it falls), as the mouse sends it."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, left),
        (QEvent.Type.MouseButtonRelease, none),
    ):
        event = QMouseEvent(kind, at, widget.mapToGlobal(at), left, buttons, modifiers)
        QApplication.sendEvent(widget, event)


def on_screen(canvas, point: np.ndarray) -> QPointF:
    """Where box ``point`` is drawn in ``canvas``: its projection and view matrices, as GL
    applies them, to the widget's pixels."""
    viewport = (0, 0, canvas.width(), canvas.height())
    matrix = canvas.projectionMatrix(viewport, viewport) * canvas.viewMatrix()
    ndc = matrix.map(QVector3D(*map(float, point)))
    return QPointF((ndc.x() + 1) / 2 * canvas.width(), (1 - ndc.y()) / 2 * canvas.height())


@pytest.mark.parametrize(("problem", "point"), [("rosenbrock", (0.5, 1.0)), ("mlp", (0.5, -1.0))])
def test_shift_click_on_the_sheet_starts_every_run_at_that_point(qtbot, tmp_path, problem, point):
    """The pixel where the sheet's point above (a, b) is drawn, Shift+clicked, starts the runs
    there: a 2-D problem at (a, b) itself, the MLP at θ₀ + a·v₁ + b·v₂; Ctrl+Shift+click goes
    back to the problem's own start."""
    config = config_for_problem(problem, ExperimentConfig())
    window = open_main_window(qtbot, temporary_settings(tmp_path), config)
    window.view.update(tab=Tab.LANDSCAPE, landscape_3d=True)
    view = window.landscape
    qtbot.waitUntil(lambda: view.map is not None and view.showing_3d, timeout=30_000)
    surface = view.surface
    qtbot.waitUntil(lambda: surface.canvases[0].sheet.visible())
    surface.camera.set(Camera(azimuth=250.0, elevation=60.0))
    canvas = surface.canvases[0]
    target = Box.of(view.map).on_sheet(surface.mesh, np.array([point]), lift=0.0)[0]
    generation = window.session.generation
    shift_click(canvas, on_screen(canvas, target))
    if problem == "rosenbrock":
        assert window.model.config.start == point
    else:
        chosen = window.model.config.start_parameters
        assert (chosen.plane, chosen.a, chosen.b) == ("hessian", *point)
        expected = view.map.plane.points(np.array(point)).astype(np.float32)
        np.testing.assert_array_equal(np.float32(chosen.values), expected)
    qtbot.waitUntil(lambda: window.session.generation > generation, timeout=30_000)
    both = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
    shift_click(canvas, QPointF(5, 5), both)
    assert window.model.config == config


def read_png(path) -> tuple[np.ndarray, dict]:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(np.int16), dict(image.text)


def test_file_export_draws_the_3d_view_from_its_camera(window3d, qtbot, tmp_path):
    surface = window3d.landscape.surface
    surface.camera.set(replace(surface.camera.camera, azimuth=200.0, elevation=45.0))
    window3d.run_to_end()
    qtbot.waitUntil(lambda: window3d.session.done, timeout=60_000)
    path = tmp_path / "surface.png"
    assert window3d.files.export_landscape(str(path), scale=2), window3d.errors
    rgb, text = read_png(path)
    assert rgb.shape == (1600, 2560, 3)
    settings = json.loads(text[SETTINGS_KEY])
    assert settings["view"] == "landscape 3d"
    assert (settings["azimuth"], settings["elevation"]) == (200.0, 45.0)
    mask = drawn(rgb, window3d.view.theme.background)
    assert mask.mean() > MIN_DRAWN

    gif = tmp_path / "growing.gif"
    assert window3d.files.export_landscape(str(gif), every=100, animation="paths")
    steps = window3d.session.steps_taken
    with Image.open(gif) as animation:  # steps 1, 101, …, and the last
        assert animation.n_frames == len(range(1, steps + 1, 100)) + ((steps - 1) % 100 != 0)
        settings = json.loads(animation.info["comment"])
    assert (settings["animation"], settings["azimuth"]) == ("paths", 200.0)


def test_the_command_line_draws_the_3d_view_as_png_and_gif(tmp_path):
    png, gif = tmp_path / "r.png", tmp_path / "r.gif"
    for path in (png, gif):
        done = subprocess.run(
            [sys.executable, "main.py", "--problem", "rosenbrock", "--max-steps", "40"]
            + ["--landscape", str(path), "--view", "3d", "--azimuth", "250", "--elevation", "40"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    rgb, text = read_png(png)
    assert rgb.shape == (800, 1280, 3) and json.loads(text[SETTINGS_KEY])["azimuth"] == 250.0
    with Image.open(gif) as animation:
        assert animation.n_frames == TURN_FRAMES
        assert json.loads(animation.info["comment"])["animation"] == "turn"


GROWN_STEPS = 130  # a frame every ceil(130 / 60) = 3 steps: steps 1, 4, …, 130
GROWN_FRAMES = 44
HELD_MS = 2000  # the last frame, the whole paths, stays this long
MIN_GROWTH = 1000  # more pixels of Momentum's colour in the last frame than in the first


def colour_count(animation, frame: int, colour: str) -> int:
    """Pixels of ``frame`` within the GIF palette's reach of ``colour``."""
    animation.seek(frame)
    rgb = np.asarray(animation.convert("RGB")).astype(np.int16)
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=-1) <= 30).sum())


def test_the_command_line_grows_the_paths_in_a_3d_gif(tmp_path):
    gif = tmp_path / "growing.gif"
    done = subprocess.run(
        [sys.executable, "main.py", "--problem", "rosenbrock", "--max-steps", str(GROWN_STEPS)]
        + ["--landscape", str(gif), "--view", "3d", "--animate", "paths"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    momentum = optimizer_colour("momentum")
    with Image.open(gif) as animation:
        assert animation.n_frames == GROWN_FRAMES
        assert json.loads(animation.info["comment"])["animation"] == "paths"
        first = colour_count(animation, 0, momentum)
        last = colour_count(animation, GROWN_FRAMES - 1, momentum)
        assert animation.info["duration"] == HELD_MS
    assert last > first + MIN_GROWTH, (first, last)
