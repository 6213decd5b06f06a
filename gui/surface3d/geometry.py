"""Where things stand in the 3-D box: the plane's window spread over x, y ∈ [−1, 1] and the log10
loss, held within the map's colour range, as the height z ∈ [0, HEIGHT]. Plain numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.analysis.landscape_map import LandscapeMap, Window
from gui.plotting.loss_colours import loss_colours

HEIGHT = 1.0  # the box's height, in the units of its half-width
MESH_SIDE = 101  # points a side the sheet is drawn with at most (a finer map is thinned)
LIFT = 0.008  # paths and marks sit this far above the sheet, so that it does not hide them


@dataclass(frozen=True)
class Box:
    """The map's window and colour range, and the 3-D box they are drawn in."""

    window: Window
    colour_range: tuple[float, float]  # log10 of the loss at the bottom and top

    @classmethod
    def of(cls, landscape: LandscapeMap) -> Box:
        return cls(landscape.window, landscape.colour_range)

    def along(self, axis: int, values: np.ndarray) -> np.ndarray:
        """Plane coordinates along ``axis`` (0: x, 1: y) in the box, held at the window's edges
        (as the 2-D plot holds a head that left it)."""
        low, high = self.window[axis]
        held = np.clip(np.asarray(values, dtype=np.float64), low, high)
        return 2.0 * (held - low) / (high - low) - 1.0

    def plane_point(self, x: float, y: float) -> tuple[float, float]:
        """The plane coordinates of box point (x, y): ``along``'s inverse inside the window."""
        (x0, x1), (y0, y1) = self.window
        return x0 + (x + 1.0) / 2.0 * (x1 - x0), y0 + (y + 1.0) / 2.0 * (y1 - y0)

    def xy(self, points: np.ndarray) -> np.ndarray:
        """Plane coordinates (…, 2) in the box."""
        points = np.asarray(points)
        return np.stack([self.along(0, points[..., 0]), self.along(1, points[..., 1])], axis=-1)

    def height(self, loss: np.ndarray) -> np.ndarray:
        """Losses as heights: log10, held within the colour range (NaN and +inf at the top)."""
        values = np.asarray(loss, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log10(np.where(np.isnan(values), np.inf, values))
        return self.log_height(logs)

    def log_height(self, log_loss: np.ndarray) -> np.ndarray:
        low, high = self.colour_range
        return HEIGHT * (np.clip(log_loss, low, high) - low) / (high - low)

    def on_sheet(self, mesh: SurfaceMesh, coordinates: np.ndarray, lift: float = LIFT):
        """(n, 3) box points of plane ``coordinates`` (n, 2) on the drawn ``mesh``, ``lift``
        above it (a 2-D problem's path: its loss is the surface's); rows not finite are left
        out."""
        coordinates = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
        xy = self.xy(coordinates[np.isfinite(coordinates).all(axis=1)])
        z = sheet_heights(mesh, xy) + lift
        return np.column_stack([xy, z]).astype(np.float32)

    def points(self, coordinates: np.ndarray, losses: np.ndarray, lift: float = LIFT):
        """(n, 3) box points of plane ``coordinates`` (n, 2) at ``losses`` (n,), ``lift``
        above; rows where either is not finite are left out."""
        coordinates = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
        losses = np.asarray(losses, dtype=np.float64).reshape(-1)
        keep = np.isfinite(coordinates).all(axis=1) & ~np.isnan(losses)
        xy = self.xy(coordinates[keep])
        z = self.height(losses[keep]) + lift
        return np.column_stack([xy, z]).astype(np.float32)


@dataclass(frozen=True)
class SurfaceMesh:
    """The sheet: box x (n,), y (m,), heights (n, m) and their colours (n, m, 4), x first as
    ``GLSurfacePlotItem`` wants them."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    colours: np.ndarray


def surface_mesh(landscape: LandscapeMap, side: int = MESH_SIDE) -> SurfaceMesh:
    """The map as a sheet of at most ``side`` points a side (every k-th grid point, the last
    kept), coloured as the 2-D map is: the same colour map over the same clipped log10 loss."""
    grid, box = landscape.grid, Box.of(landscape)
    rows, columns = _thinned(len(grid.ys), side), _thinned(len(grid.xs), side)
    image = landscape.image()[np.ix_(rows, columns)].T  # log10 loss, (x, y)
    return SurfaceMesh(
        x=box.along(0, grid.xs[columns]).astype(np.float32),
        y=box.along(1, grid.ys[rows]).astype(np.float32),
        z=box.log_height(image).astype(np.float32),
        colours=loss_colours(image, landscape.colour_range).astype(np.float32),
    )


def _thinned(count: int, side: int) -> np.ndarray:
    """Indices of every k-th of ``count`` points (k so that at most ``side`` remain), the last
    one always among them."""
    step = max(1, -(-(count - 1) // (side - 1)))
    indices = np.arange(0, count, step)
    return indices if indices[-1] == count - 1 else np.append(indices, count - 1)


def sheet_heights(mesh: SurfaceMesh, xy: np.ndarray) -> np.ndarray:
    """The drawn sheet's heights at box points ``xy`` (n, 2): bilinear between its points."""
    fx = np.interp(xy[:, 0], mesh.x, np.arange(len(mesh.x)))
    fy = np.interp(xy[:, 1], mesh.y, np.arange(len(mesh.y)))
    i = np.clip(np.floor(fx).astype(np.int64), 0, len(mesh.x) - 2)
    j = np.clip(np.floor(fy).astype(np.int64), 0, len(mesh.y) - 2)
    tx, ty, z = fx - i, fy - j, mesh.z.astype(np.float64)
    return (
        (1 - tx) * (1 - ty) * z[i, j]
        + tx * (1 - ty) * z[i + 1, j]
        + (1 - tx) * ty * z[i, j + 1]
        + tx * ty * z[i + 1, j + 1]
    )


MARCH_STEPS = 1024  # samples along a ray inside the box, before bisecting the first crossing
BISECTIONS = 48


def ray_hit(mesh: SurfaceMesh, origin: np.ndarray, direction: np.ndarray) -> np.ndarray | None:
    """The first box point (3,) where the ray ``origin`` + t·``direction`` (t ≥ 0) meets the
    drawn sheet, or None if it misses: marched in :data:`MARCH_STEPS` samples through the box
    that holds the sheet, then the first change of side bisected."""
    origin = np.asarray(origin, dtype=np.float64)
    direction = np.asarray(direction, dtype=np.float64)
    heights = (float(mesh.z.min()), float(mesh.z.max()))
    span = _inside(origin, direction, ((-1.0, 1.0), (-1.0, 1.0), heights))
    if span is None:
        return None
    ts = np.linspace(*span, MARCH_STEPS)
    above = _above(mesh, origin, direction, ts)
    crossed = np.flatnonzero(above[1:] != above[0])
    if not crossed.size:
        return None
    low, high = ts[crossed[0]], ts[crossed[0] + 1]
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        if _above(mesh, origin, direction, np.array([middle]))[0] == above[0]:
            low = middle
        else:
            high = middle
    return origin + (low + high) / 2 * direction


def _inside(origin: np.ndarray, direction: np.ndarray, bounds) -> tuple[float, float] | None:
    """The ray's t (≥ 0) while it is within ``bounds`` (per axis, low and high), widened by a
    hair so that a sheet on a face of the box is inside; None if it never is."""
    low, high = 0.0, np.inf
    for axis, (lower, upper) in enumerate(bounds):
        lower, upper = lower - 1e-9, upper + 1e-9
        if direction[axis] == 0:
            if not lower <= origin[axis] <= upper:
                return None
            continue
        ends = sorted(
            ((lower - origin[axis]) / direction[axis], (upper - origin[axis]) / direction[axis])
        )
        low, high = max(low, ends[0]), min(high, ends[1])
    return (low, high) if low < high else None


def _above(mesh: SurfaceMesh, origin, direction, ts: np.ndarray) -> np.ndarray:
    points = origin + ts[:, None] * direction
    return points[:, 2] > sheet_heights(mesh, np.clip(points[:, :2], -1.0, 1.0))
