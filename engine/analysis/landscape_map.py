"""What the Landscape view draws under the paths, computed in a task off the GUI thread: the
plane, the loss over a window of it, its log-spaced contour lines, and how the window grows.

Qt-free: :func:`landscape_task` runs in the window's engine process (or on a thread of its own),
and the headless ``--landscape`` export calls :func:`compute_map` directly. The map does not
depend on the learning rates or optimizers, so every panel of an experiment shares one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.analysis.landscape import (
    GRID_RESOLUTION,
    LossGrid,
    Plane,
    default_window,
    log_levels,
    loss_grid,
    make_plane,
    window_around,
)
from engine.config.loading import build_problem, load_dataset
from engine.config.settings import ExperimentConfig
from engine.core.tasks import TaskState
from engine.problems import Problem

SURFACE_RESOLUTION = 201  # a formula costs nothing per point: a finer map of a 2-D problem
CONTOUR_LEVELS = 24  # log-spaced levels whose lines the map draws
CONTOUR_RESOLUTION = 201  # points a side the lines follow at most (an SVG holds every segment)
WINDOW_MARGIN = 0.25  # a grown window holds the paths with this share of their extent around
GROWTH_LIMIT = 10.0  # a window grows to at most this many default windows (a diverging run
# would otherwise stretch it until the map is one colour)

Window = tuple[tuple[float, float], tuple[float, float]]


def map_key(config: ExperimentConfig) -> tuple:
    """The settings a map depends on: what the loss is and where θ₀ lies. Optimizers, rates,
    schedules, steps and batches leave it as it is."""
    return (
        config.problem,
        config.hidden,
        config.activation,
        config.dataset,
        config.seed,
        config.start,
        config.dtype,
    )


def landscape_problem(config: ExperimentConfig) -> Problem:
    """The problem ``config`` trains, on its whole data in float64, as the grid evaluates it."""
    return build_problem(config, load_dataset(config.dataset).to(torch.float64))


@dataclass(frozen=True, eq=False)
class LandscapeRequest:
    """What to compute: a map of ``config``'s problem on the plane ``basis`` through ``origin``
    (θ₀) over ``window``. With ``paths`` (runs, steps, P), a PCA plane is fitted to them and a
    missing window grows from the default to hold them; ``problem`` and ``plane`` given are
    reused (a window that grows keeps its plane)."""

    config: ExperimentConfig
    origin: np.ndarray
    basis: str = "hessian"
    paths: np.ndarray | None = None
    window: Window | None = None
    problem: Problem | None = None
    plane: Plane | None = None

    @property
    def key(self) -> tuple:
        return map_key(self.config)


@dataclass(frozen=True, eq=False)
class LandscapeMap:
    """A plane, the loss over a window of it, and what is drawn from that loss."""

    problem: Problem
    plane: Plane
    grid: LossGrid
    levels: np.ndarray  # contour levels, log-spaced, ascending (loss values)
    contours: np.ndarray  # (2N, 2): the contour lines as N segments, start and end rows
    key: tuple = ()  # map_key of the config it was made for
    basis: str = "hessian"  # asked for; a 2-D problem's plane is its own whatever was asked

    @property
    def window(self) -> Window:
        xs, ys = self.grid.xs, self.grid.ys
        return (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))

    @property
    def colour_range(self) -> tuple[float, float]:
        """log10 of the lowest and highest contour level: the colour bar's span."""
        low, high = np.log10(self.levels[0]), np.log10(self.levels[-1])
        return float(low), float(high if high > low else low + 1.0)

    def image(self) -> np.ndarray:
        """(m, n) log10 of the loss, held within the colour range (an overflow is its top)."""
        low, high = self.colour_range
        with np.errstate(divide="ignore"):
            values = np.log10(np.where(np.isnan(self.grid.loss), np.inf, self.grid.loss))
        return np.clip(values, low, high)

    def loss_at(self, point: tuple[float, float]) -> float:
        """The loss (whole data, float64) at a point of the plane; inf if it overflows."""
        row = torch.from_numpy(self.plane.points(np.asarray(point, dtype=np.float64)))[None]
        with torch.no_grad():
            value = float(self.problem.loss(row)[0])
        return value if np.isfinite(value) else float("inf")


def compute_map(
    problem: Problem,
    plane: Plane,
    window: Window | None = None,
    *,
    key: tuple = (),
    basis: str = "hessian",
    state: TaskState | None = None,
) -> LandscapeMap:
    """The loss of ``problem`` over ``window`` of ``plane`` (default: the plane's default
    window), its contour levels and lines. ``state`` lets a task stop between the stages."""
    window = window or default_window(problem, plane)
    resolution = SURFACE_RESOLUTION if problem.is_surface else GRID_RESOLUTION
    grid = loss_grid(problem, plane, *window, resolution=resolution)
    if state is not None:
        state.check()
    levels = log_levels(grid.loss, CONTOUR_LEVELS)
    every = max(1, (resolution - 1) // (CONTOUR_RESOLUTION - 1))  # lines need fewer points
    with np.errstate(divide="ignore"):
        logs = np.log10(np.maximum(grid.loss[::every, ::every], levels[0] / 10))
    xs, ys = grid.xs[::every], grid.ys[::every]
    contours = contour_segments(xs, ys, logs, np.log10(levels[1:-1]))
    return LandscapeMap(problem, plane, grid, levels, contours, key, basis)


def landscape_task(state: TaskState, request: LandscapeRequest) -> LandscapeMap:
    """The map ``request`` asks for, as a task (it stops between its stages if asked)."""
    config = request.config
    problem = request.problem or landscape_problem(config)
    plane = request.plane or make_plane(
        problem,
        np.asarray(request.origin, dtype=np.float64),
        request.basis,
        seed=config.seed,
        paths=request.paths,
    )
    state.check()
    window = request.window
    if window is None and request.paths is not None:
        default = default_window(problem, plane)
        coordinates = plane.coordinates(request.paths)
        window = grown_window(problem, plane, default, coordinates) or default
    return compute_map(problem, plane, window, key=request.key, basis=request.basis, state=state)


def grown_window(problem: Problem, plane: Plane, window: Window, coordinates: np.ndarray):
    """A window holding ``window`` and the finite points of ``coordinates`` (…, 2) with a margin,
    or None if they are inside already. Points beyond :data:`GROWTH_LIMIT` default windows are
    left out; a 2-D problem keeps its own window (the story is told there), so: None."""
    if problem.is_surface:
        return None
    (x0, x1), (y0, y1) = default_window(problem, plane)
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    points = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
    limit = GROWTH_LIMIT
    keep = (np.abs(points[:, 0] - cx) <= limit * hx) & (np.abs(points[:, 1] - cy) <= limit * hy)
    points = points[keep]
    (wx0, wx1), (wy0, wy1) = window
    outside = (
        (points[:, 0] < wx0) | (points[:, 0] > wx1) | (points[:, 1] < wy0) | (points[:, 1] > wy1)
    )
    if not outside.any():
        return None
    corners = np.array([[wx0, wy0], [wx1, wy1]])
    return window_around(np.vstack([points, corners]), margin=WINDOW_MARGIN)


# --- contour lines ---------------------------------------------------------------------------

# A cell's corners a, b, c, d are (x_j, y_i), (x_j+1, y_i), (x_j+1, y_i+1), (x_j, y_i+1); its
# edges 0: a–b, 1: b–c, 2: d–c, 3: a–d, each from its first corner to its second.
_EDGE_CORNERS = ((0, 1), (1, 2), (3, 2), (0, 3))


def contour_segments(
    xs: np.ndarray, ys: np.ndarray, values: np.ndarray, levels: np.ndarray
) -> np.ndarray:
    """Where ``values`` (m, n; rows go with ``ys``) crosses each level, as straight segments
    between the crossings on the edges of each grid cell (marching squares, linear along the
    edges; a saddle cell is split as its centre value says). Returns (2N, 2): each segment's
    start and end (x, y) on consecutive rows. Cells with a non-finite corner draw nothing."""
    v = np.asarray(values, dtype=np.float64)
    corners = np.stack([v[:-1, :-1], v[:-1, 1:], v[1:, 1:], v[1:, :-1]], axis=-1).reshape(-1, 4)
    x0, x1 = np.meshgrid(xs[:-1], ys[:-1])[0].ravel(), np.meshgrid(xs[1:], ys[:-1])[0].ravel()
    y0, y1 = np.meshgrid(xs[:-1], ys[:-1])[1].ravel(), np.meshgrid(xs[:-1], ys[1:])[1].ravel()
    position = np.stack(  # each corner's (x, y): (cells, 4, 2)
        [np.stack(pair, axis=-1) for pair in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))], axis=1
    )
    finite = np.isfinite(corners).all(axis=1)
    low = np.where(finite, corners.min(axis=1), np.inf)
    high = np.where(finite, corners.max(axis=1), -np.inf)
    first, second = (list(ends) for ends in zip(*_EDGE_CORNERS))
    out = []
    for level in np.atleast_1d(levels):
        cells = np.flatnonzero((low <= level) & (high > level))  # the few the level crosses
        values_, where = corners[cells], position[cells]
        above = values_ > level
        crossed = above[:, first] != above[:, second]  # (k, 4)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (level - values_[:, first]) / (values_[:, second] - values_[:, first])
        t = np.nan_to_num(t)[..., None]
        points = where[:, first] + t * (where[:, second] - where[:, first])  # (k, 4, 2)
        count = crossed.sum(axis=1)
        two = count == 2
        edges = np.nonzero(crossed[two])[1].reshape(-1, 2)
        out.append(points[two][np.arange(len(edges))[:, None], edges].reshape(-1, 2))
        four = count == 4
        if four.any():
            centre = values_[four].mean(axis=1) > level
            joined = centre == above[four][:, 0]  # a and c meet across the centre: cut b and d
            pairs = np.where(joined[:, None, None], [[0, 1], [2, 3]], [[0, 3], [1, 2]])
            out.append(points[four][np.arange(len(pairs))[:, None, None], pairs].reshape(-1, 2))
    return np.concatenate(out) if out else np.zeros((0, 2))
