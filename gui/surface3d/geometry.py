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
