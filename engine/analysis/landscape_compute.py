"""The Landscape map computed: the loss over a window of a plane (with torch), its contour
levels and lines. Runs in the engine process (named by
:data:`engine.analysis.landscape_map.LANDSCAPE_TASK`), on a thread of a view made on its own,
and in the headless ``--landscape`` export.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.analysis.landscape import loss_grid, make_plane
from engine.analysis.landscape_map import (
    CONTOUR_LEVELS,
    CONTOUR_RESOLUTION,
    SURFACE_RESOLUTION,
    LandscapeMap,
    LandscapeRequest,
    Window,
    grown_window,
)
from engine.analysis.plane import GRID_RESOLUTION, Plane, default_window, log_levels
from engine.config.loading import build_problem, load_dataset
from engine.config.settings import ExperimentConfig
from engine.core.tasks import TaskState
from engine.problems import Problem


def landscape_problem(config: ExperimentConfig) -> Problem:
    """The problem ``config`` trains, on its whole data in float64, as the grid evaluates it."""
    return build_problem(config, load_dataset(config.dataset).to(torch.float64))


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
    return LandscapeMap(type(problem), plane, grid, levels, contours, key, basis)


def landscape_task(state: TaskState, request: LandscapeRequest) -> LandscapeMap:
    """The map ``request`` asks for, as a task (it stops between its stages if asked)."""
    config = request.config
    problem = landscape_problem(config)
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
