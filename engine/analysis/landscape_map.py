"""What the Landscape view draws under the paths: the plane, the loss over a window of it, its
log-spaced contour lines, and how the window grows. Plain values, no torch and no Qt: the
window's process holds them; :mod:`engine.analysis.landscape_compute` computes them, in the
engine process (:data:`LANDSCAPE_TASK`), on a thread of a view of its own, or headless. The map
does not depend on the learning rates or optimizers, so every panel of an experiment shares one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.analysis.plane import LossGrid, Plane, default_window, window_around
from engine.config.settings import ExperimentConfig
from engine.core.tasks import TaskName
from engine.problems import Problem

SURFACE_RESOLUTION = 201  # a formula costs nothing per point: a finer map of a 2-D problem
CONTOUR_LEVELS = 24  # log-spaced levels whose lines the map draws
CONTOUR_RESOLUTION = 201  # points a side the lines follow at most (an SVG holds every segment)
WINDOW_MARGIN = 0.25  # a grown window holds the paths with this share of their extent around
GROWTH_LIMIT = 10.0  # a window grows to at most this many default windows (a diverging run
# would otherwise stretch it until the map is one colour)

LANDSCAPE_TASK = TaskName("engine.analysis.landscape_compute", "landscape_task")  # named so
# that the window asks for a map without importing torch

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
        config.function,
    )


@dataclass(frozen=True, eq=False)
class LandscapeRequest:
    """What to compute: a map of ``config``'s problem on the plane ``basis`` through ``origin``
    (θ₀) over ``window``. With ``paths`` (runs, steps, P), a PCA plane is fitted to them and a
    missing window grows from the default to hold them; a ``plane`` given is reused (a window
    that grows keeps its plane)."""

    config: ExperimentConfig
    origin: np.ndarray
    basis: str = "hessian"
    paths: np.ndarray | None = None
    window: Window | None = None
    plane: Plane | None = None

    @property
    def key(self) -> tuple:
        return map_key(self.config)


@dataclass(frozen=True, eq=False)
class LandscapeMap:
    """A plane, the loss over a window of it, and what is drawn from that loss. ``problem`` is
    the problem's class (its name, formula, display defaults, is_surface), not an instance: an
    instance holds tensors, and unpickling one in the window would load torch."""

    problem: type[Problem]
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
    def minima(self) -> tuple[tuple[float, float], ...]:
        """The minima the map marks: a 2-D problem's own, or, for one whose minima are not
        known (a typed f), the lowest finite point of the grid; none on the MLP's planes."""
        if not self.problem.is_surface:
            return ()
        if self.problem.defaults.minima:
            return self.problem.defaults.minima
        loss = np.where(np.isfinite(self.grid.loss), self.grid.loss, np.nan)
        if np.isnan(loss).all():
            return ()
        i, j = np.unravel_index(np.nanargmin(loss), loss.shape)
        return ((float(self.grid.xs[j]), float(self.grid.ys[i])),)

    @property
    def colour_range(self) -> tuple[float, float]:
        """log10 of the lowest and highest contour level: the colour bar's span."""
        low, high = np.log10(self.levels[0]), np.log10(self.levels[-1])
        return float(low), float(high if high > low else low + 1.0)

    def image(self) -> np.ndarray:
        """(m, n) log10 of the loss, held within the colour range (an overflow is its top)."""
        low, high = self.colour_range
        loss = np.where(np.isnan(self.grid.loss), np.inf, self.grid.loss)
        with np.errstate(divide="ignore"):  # a loss ≤ 0 (a typed f can go there): the lowest
            values = np.log10(np.maximum(loss, 0.0))
        return np.clip(values, low, high)

    def grid_point(self, point: tuple[float, float]) -> tuple[float, float, float]:
        """The grid point nearest ``point`` and the loss there, (x, y, loss): computed exactly by
        the engine (whole data, float64; inf where it overflowed), not interpolated."""
        xs, ys = self.grid.xs, self.grid.ys
        j = int(np.abs(xs - point[0]).argmin())
        i = int(np.abs(ys - point[1]).argmin())
        return float(xs[j]), float(ys[i]), float(self.grid.loss[i, j])


def grown_window(
    problem: type[Problem] | Problem, plane: Plane, window: Window, coordinates: np.ndarray
):
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
