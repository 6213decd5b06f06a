"""The 3-D landscape's parts that need no OpenGL: where things stand in its box, the sheet's
colours, the shared camera, the remembered toggle, and the toggle greyed out where Qt has no
OpenGL (this process: the offscreen platform). Drawing is tested under Xvfb
(``test_surface3d_window.py``)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings

from engine.analysis.landscape_map import LandscapeMap
from engine.analysis.plane import LossGrid, Plane
from engine.problems.surfaces import Rosenbrock
from gui.landscape.view import LandscapeView
from gui.state.saved_settings import remember_view, restore_view
from gui.state.session import EngineSession
from gui.state.view_state import ViewState
from gui.surface3d.camera import Camera, SharedCamera
from gui.surface3d.geometry import (
    HEIGHT,
    LIFT,
    Box,
    SurfaceMesh,
    _thinned,
    ray_hit,
    surface_mesh,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NO_DISPLAY_KEYS = ("DISPLAY", "WAYLAND_DISPLAY")


def rosenbrock_map(side: int = 201) -> LandscapeMap:
    xs, ys = np.linspace(-2.0, 2.0, side), np.linspace(-1.0, 3.0, side)
    loss = (1 - xs[None, :]) ** 2 + 100 * (ys[:, None] - xs[None, :] ** 2) ** 2  # rows: y
    plane = Plane(np.zeros(2), np.eye(2), "parameters", "the parameters", ("x", "y"))
    grid = LossGrid(plane, xs, ys, loss)
    levels = np.geomspace(1e-3, loss.max(), 24)
    return LandscapeMap(Rosenbrock, plane, grid, levels, np.zeros((0, 2)))


def test_a_point_stands_at_its_log_loss_in_the_box():
    box = Box(((-2.0, 2.0), (-1.0, 3.0)), (-3.0, 3.0))
    points = box.points(np.array([[-2.0, -1.0], [0.0, 1.0], [9.0, -9.0]]), [1.0, 1e-6, 1e6])
    # x, y: the window's corners at ±1, its middle at 0, a point outside held at the edge
    assert points[:, :2].tolist() == [[-1.0, -1.0], [0.0, 0.0], [1.0, -1.0]]
    # z: log10 loss from the range's bottom, as a share of it, held within it; lifted
    expected = HEIGHT * np.array([(0 + 3) / 6, 0.0, 1.0]) + LIFT
    assert points[:, 2] == pytest.approx(expected, abs=1e-6)


def test_points_without_a_position_or_loss_are_left_out_and_an_overflow_is_the_top():
    box = Box(((0.0, 1.0), (0.0, 1.0)), (0.0, 2.0))
    points = box.points(np.array([[0.5, 0.5], [np.nan, 0.5], [0.5, 0.5]]), [np.inf, 1.0, np.nan])
    assert len(points) == 1 and points[0, 2] == pytest.approx(HEIGHT + LIFT)


def test_the_sheet_is_the_maps_log_loss_in_the_2d_maps_colours():
    landscape = rosenbrock_map()
    mesh = surface_mesh(landscape, side=101)
    kept = np.arange(0, 201, 2)
    assert mesh.x.shape == (101,) and mesh.y.shape == (101,) and mesh.z.shape == (101, 101)
    low, high = landscape.colour_range
    with np.errstate(divide="ignore"):  # the minimum's loss is 0: the bottom of the range
        logs = np.log10(landscape.grid.loss[np.ix_(kept, kept)])
    logs = np.clip(logs, low, high).T  # x first
    assert mesh.z == pytest.approx(HEIGHT * (logs - low) / (high - low), abs=1e-6)
    viridis = pg.colormap.get("viridis").map((logs - low).ravel() / (high - low), mode="float")
    assert mesh.colours.reshape(-1, 4) == pytest.approx(viridis, abs=1e-6)
    assert mesh.x[0] == -1.0 and mesh.x[-1] == 1.0 and mesh.y[-1] == 1.0


@pytest.mark.parametrize(("count", "side", "first_steps"), [(201, 101, 2), (50, 101, 1), (7, 3, 3)])
def test_a_thinned_sheet_keeps_its_edges(count, side, first_steps):
    kept = _thinned(count, side)
    assert kept[0] == 0 and kept[-1] == count - 1 and len(kept) <= side + 1
    assert kept[1] - kept[0] == first_steps


def test_the_shared_camera_says_each_change_once_and_is_held_within_its_limits(qtbot):
    camera = SharedCamera()
    seen = []
    camera.changed.connect(seen.append)
    camera.set(Camera(azimuth=-30.0, elevation=120.0, distance=0.1))
    camera.set(Camera(azimuth=330.0, elevation=90.0, distance=1.5))  # the same, held
    assert seen == [Camera(azimuth=330.0, elevation=90.0, distance=1.5)]
    camera.reset()
    assert camera.camera == Camera() and len(seen) == 2
    assert math.isclose(Camera().held().azimuth, Camera().azimuth)


def test_the_3d_toggle_is_remembered(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    view = ViewState()
    remember_view(settings, view)
    view.update(landscape_3d=True)
    settings.sync()
    restored = ViewState()
    restore_view(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), restored)
    assert restored.landscape_3d


def test_without_opengl_the_toggle_is_greyed_out_with_the_reason_and_the_map_stays(qtbot):
    view = ViewState()
    landscape = LandscapeView(EngineSession(), view)
    qtbot.addWidget(landscape)
    assert not landscape.toggle_3d.isEnabled()
    assert "OpenGL" in landscape.toggle_3d.toolTip()
    assert "offscreen" in landscape.toggle_3d.toolTip()
    view.update(landscape_3d=True)  # a remembered 3-D view, on a machine without OpenGL
    assert landscape.stack.currentWidget() is landscape.grid and landscape.surface is None
    assert not landscape.toggle_3d.isChecked()
    landscape.shutdown()


def test_a_2d_problems_path_lies_on_the_drawn_sheet():
    landscape = rosenbrock_map(side=21)
    mesh = surface_mesh(landscape)
    box = Box.of(landscape)
    # on the sheet's own points: its heights; halfway between four: their mean
    corner = box.on_sheet(mesh, np.array([[landscape.grid.xs[3], landscape.grid.ys[5]]]))
    assert corner[0, 2] == pytest.approx(mesh.z[3, 5] + LIFT, abs=1e-6)
    x = (landscape.grid.xs[3] + landscape.grid.xs[4]) / 2
    y = (landscape.grid.ys[5] + landscape.grid.ys[6]) / 2
    middle = box.on_sheet(mesh, np.array([[x, y], [np.nan, 0.0]]))
    assert len(middle) == 1
    assert middle[0, 2] == pytest.approx(mesh.z[3:5, 5:7].mean() + LIFT, abs=1e-6)


def test_a_ray_meets_the_sheet_where_it_first_crosses_it():
    # a tilted flat sheet z = 0.3 + 0.2·x: the crossing of a slanted ray is known exactly
    side = np.linspace(-1.0, 1.0, 11, dtype=np.float32)
    z = np.repeat((0.3 + 0.2 * side)[:, None], 11, axis=1).astype(np.float32)
    tilted = SurfaceMesh(side, side, z, np.zeros((11, 11, 4), np.float32))
    origin, direction = np.array([-2.0, 0.5, 2.0]), np.array([1.0, -0.25, -1.0])
    t = (2.0 - 0.3 - 0.2 * -2.0) / (1.0 + 0.2)  # 2 − t = 0.3 + 0.2·(−2 + t)
    hit = ray_hit(tilted, origin, direction)
    np.testing.assert_allclose(hit, origin + t * direction, atol=1e-9)
    assert ray_hit(tilted, origin, -direction) is None  # away from the box
    assert ray_hit(tilted, np.array([0.0, 0.0, 2.0]), np.array([1.0, 0.0, 0.0])) is None  # above
    # straight down onto Rosenbrock's sheet: the drawn height at that point
    landscape = rosenbrock_map(side=41)
    mesh, box = surface_mesh(landscape), Box.of(landscape)
    below = box.on_sheet(mesh, np.array([[0.5, 1.0]]), lift=0.0)[0]
    hit = ray_hit(mesh, np.array([below[0], below[1], 3.0]), np.array([0.0, 0.0, -1.0]))
    np.testing.assert_allclose(hit, below, atol=1e-6)
    assert box.plane_point(hit[0], hit[1]) == pytest.approx((0.5, 1.0), abs=1e-6)


def headless(*flags: str, display: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if display or k not in NO_DISPLAY_KEYS}
    return subprocess.run(
        [sys.executable, "main.py", *flags],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("flags", "display", "said"),
    [
        (("--landscape", "x.png", "--view", "3d"), False, "needs a display"),
        (("--landscape", "x.svg", "--view", "3d"), True, "saves .png or .gif"),
        (("--csv", "x.csv", "--png", "x.png", "--view", "3d"), True, "add --landscape"),
        (("--landscape", "x.png", "--azimuth", "30"), True, "add --view 3d"),
        (("--landscape", "x.gif", "--animate", "paths"), True, "add --view 3d"),
        (("--landscape", "x.png", "--view", "3d", "--animate", "paths"), True, "for an animated"),
        (("--landscape", "x.gif", "--view", "3d", "--animate", "grow"), True, "invalid choice"),
    ],
)
def test_a_3d_landscape_that_cannot_be_drawn_is_refused_in_one_line(tmp_path, flags, display, said):
    flags = tuple(str(tmp_path / f) if f.startswith("x.") else f for f in flags)
    done = headless(*flags, display=display)
    assert done.returncode == 2
    assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing trained for
