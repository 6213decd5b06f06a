"""A plane through parameter space and what is read off it without torch: points and their
coordinates, the loss grid's values, contour levels, windows, paths' distances from the plane.

The window's process draws and reads these; :mod:`engine.analysis.landscape` makes the planes
and computes the grid (with torch) in the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.problems import Problem

BASES = ("hessian", "pca", "random")
GRID_RESOLUTION = 101


@dataclass(frozen=True, eq=False)
class Plane:
    """The points ``origin + a·basis[0] + b·basis[1]`` of parameter space; (a, b) are its
    coordinates. Arrays are float64 and read-only."""

    origin: np.ndarray  # (P,)
    basis: np.ndarray  # (2, P)
    kind: str  # "parameters" (a 2-D problem), or one of BASES
    description: str  # what the view says the plane is
    axis_labels: tuple[str, str]

    def __post_init__(self) -> None:
        for name in ("origin", "basis"):
            array = np.array(getattr(self, name), dtype=np.float64)  # a copy of its own
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    @property
    def orthonormal(self) -> bool:
        return bool(np.allclose(self.basis @ self.basis.T, np.eye(2), rtol=0, atol=1e-12))

    def coordinates(self, points: np.ndarray) -> np.ndarray:
        """(…, P) parameters -> (…, 2): where the closest point of the plane sits (least
        squares; for an orthonormal basis, the dot products with the two directions)."""
        return self.direction(np.asarray(points, dtype=np.float64) - self.origin)

    def points(self, coordinates: np.ndarray) -> np.ndarray:
        """(…, 2) plane coordinates -> (…, P) parameters."""
        return self.origin + np.asarray(coordinates, dtype=np.float64) @ self.basis

    def direction(self, vector: np.ndarray) -> np.ndarray:
        """(…, P) displacements -> (…, 2): the plane's coordinates of their projections."""
        dots = np.asarray(vector, dtype=np.float64) @ self.basis.T
        return dots if self.orthonormal else dots @ np.linalg.inv(self.basis @ self.basis.T)

    def share_in_plane(self, vector: np.ndarray) -> float:
        """How much of ``vector`` lies in the plane: its projection's length over its own, in
        % (0 to 100; NaN for the zero vector)."""
        vector = np.asarray(vector, dtype=np.float64)
        length = np.linalg.norm(vector)
        if length == 0:
            return np.nan
        shadow = self.direction(vector) @ self.basis
        return float(min(100.0, 100.0 * np.linalg.norm(shadow) / length))

    def distance(self, points: np.ndarray) -> np.ndarray:
        """(…, P) -> (…,): each point's Euclidean distance from the plane."""
        offsets = np.asarray(points, dtype=np.float64) - self.origin
        return np.linalg.norm(offsets - self.coordinates(points) @ self.basis, axis=-1)


def default_window(
    problem: type[Problem] | Problem, plane: Plane
) -> tuple[tuple[float, float], ...]:
    """The (x, y) ranges a view of ``plane`` starts with: the problem's display defaults, except
    on a random plane, whose units are whole filter-normalised directions (each about as long
    as θ₀'s weights): there (−1, 1) in both, as Li et al. draw."""
    if plane.kind == "random":
        return (-1.0, 1.0), (-1.0, 1.0)
    return problem.defaults.x_range, problem.defaults.y_range


@dataclass(frozen=True, eq=False)
class LossGrid:
    """The loss at ``plane.points((xs[j], ys[i]))`` in ``loss[i, j]`` (rows go with y, as an
    image's do); +inf where it overflowed. Arrays are float64 and read-only."""

    plane: Plane
    xs: np.ndarray  # (n,)
    ys: np.ndarray  # (m,)
    loss: np.ndarray  # (m, n)

    def __post_init__(self) -> None:
        for array in (self.xs, self.ys, self.loss):
            array.flags.writeable = False

    def parameters(self, i: int, j: int) -> np.ndarray:
        """The (P,) parameters of grid point (row i, column j)."""
        return self.plane.points(np.array([self.xs[j], self.ys[i]]))


def log_levels(loss: np.ndarray, count: int = 20, span: float = 1e-9) -> np.ndarray:
    """``count`` contour levels spaced evenly on a log scale from the smallest positive finite
    loss (but no lower than ``span`` × the largest, so one exact zero does not eat the
    levels) to the largest."""
    values = np.asarray(loss, dtype=np.float64)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return np.zeros(1)
    high = float(values.max())
    low = max(float(values.min()), high * span)
    return np.geomspace(low, high, count) if high > low else np.array([high])


# --- paths on the plane ------------------------------------------------------------------


def project_paths(plane: Plane, paths: np.ndarray) -> np.ndarray:
    """(runs, steps, P) parameter paths -> (runs, steps, 2) plane coordinates; NaN stays NaN."""
    return plane.coordinates(paths)


def off_plane_distance(plane: Plane, paths: np.ndarray) -> np.ndarray:
    """Per run, the mean distance of its path from the plane over the path's length: with
    points θ₀…θₙ (the finite rows of ``paths``, (runs, steps, P)), distances dₖ from the plane
    and segment lengths Lₖ = |θₖ₊₁ − θₖ|, Σ Lₖ (dₖ + dₖ₊₁)/2 / Σ Lₖ. A path that has not moved
    gets its first point's distance; one with no point, NaN. Zero for a 2-D problem's plane."""
    out = np.full(len(paths), np.nan)
    for run, path in enumerate(np.asarray(paths, dtype=np.float64)):
        points = path[np.isfinite(path).all(axis=1)]
        if len(points) == 0:
            continue
        distances = plane.distance(points)
        lengths = np.linalg.norm(np.diff(points, axis=0), axis=1)
        total = float(lengths.sum())
        if total > 0:
            out[run] = float(lengths @ (distances[:-1] + distances[1:]) / 2) / total
        else:
            out[run] = float(distances[0])
    return out


def nearest_point(
    coordinates: np.ndarray, point: tuple[float, float], scale: tuple[float, float] = (1.0, 1.0)
) -> tuple[int, int, float] | None:
    """Which run's recorded point lies nearest ``point`` on the plane: (run, step, distance)
    for (runs, steps, 2) ``coordinates``; distances are measured in units of ``scale`` per
    axis (the view's width and height make it what the eye sees). None if there is no point."""
    scaled = (np.asarray(coordinates, dtype=np.float64) - point) / np.asarray(scale)
    distances = np.linalg.norm(scaled, axis=-1)
    distances[~np.isfinite(distances)] = np.inf
    if distances.size == 0 or not np.isfinite(distances).any():
        return None
    run, step = np.unravel_index(int(np.argmin(distances)), distances.shape)
    return int(run), int(step), float(distances[run, step])


def window_around(
    coordinates: np.ndarray, margin: float = 0.1, least: float = 1e-3
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The (x, y) ranges holding the origin and every finite point of ``coordinates`` (…, 2),
    widened by ``margin`` of their extent on each side (and to at least ``least``)."""
    points = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
    points = np.vstack([points[np.isfinite(points).all(axis=1)], np.zeros((1, 2))])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((high - low) * margin, least)
    return (float(low[0] - pad[0]), float(high[0] + pad[0])), (
        float(low[1] - pad[1]),
        float(high[1] + pad[1]),
    )
