"""The window's copy of every run's path, and where it lies on the landscape's plane.

The engine sends the parameters of each new loss column (``LossUpdate.paths``); they are kept in
one (runs, capacity, P) buffer that grows by doubling (:class:`engine.core.growing.GrowingArray`),
and projected onto the current plane as they arrive, so a frame projects only the new columns (a
new plane projects everything again).
"""

from __future__ import annotations

import numpy as np

from engine.analysis.plane import Plane
from engine.core.growing import INITIAL_CAPACITY, GrowingArray
from engine.live.messages import LossUpdate

RESERVE_BYTES = 64 * 2**20  # what a new experiment's paths may take up front


class PathHistory:
    """Parameters per run and step (NaN where a run recorded nothing), and their coordinates."""

    def __init__(self) -> None:
        self.revision = 0  # changes when recorded steps change: what was seen of them is not
        self.clear(0, 0)

    def clear(self, runs: int, size: int, max_steps: int = 0) -> None:
        """No paths of ``runs`` runs of ``size`` parameters; room for ``max_steps`` steps at
        once when that takes at most RESERVE_BYTES (doubling 16 runs' paths at 2,048 steps
        copied 3.7 MB and held a frame up by about 10 ms)."""
        per_step = max(runs * (size + 2) * 8, 1)
        capacity = max(INITIAL_CAPACITY, min(max_steps, RESERVE_BYTES // per_step))
        self._parameters = GrowingArray((runs,), (size,), capacity=capacity)
        self._coordinates = GrowingArray((runs,), (2,), capacity=capacity)
        self.counts = np.zeros(runs, dtype=np.int64)
        self.revision += 1
        self.recorded = False  # the engine sent paths (it does unless they are too big)
        self._plane: Plane | None = None
        self._projected = 0  # columns whose coordinates are on ``_plane``
        self._off: OffPlaneSums | None = None

    @property
    def length(self) -> int:
        """Steps recorded by the longest run."""
        return int(self.counts.max()) if self.counts.size else 0

    @property
    def parameters(self) -> np.ndarray:
        """(runs, length, P): a read-only view."""
        return self._parameters.view(self.length)

    def apply(self, update: LossUpdate) -> None:
        """Take the paths of ``update``'s columns (nothing if it carries none)."""
        if update.paths is None:
            return
        self.recorded = True
        if update.start < self.length:
            self.revision += 1  # steps recorded before are written again
        self._parameters.reserve(update.end)
        self._parameters.array[:, update.start : update.end] = update.paths
        self.counts = update.counts.copy()
        self._projected = min(self._projected, update.start)
        if self._off is not None and update.start < self._off.upto:
            self._off = None  # columns it summed were sent again

    def coordinates(self, plane: Plane) -> np.ndarray:
        """(runs, length, 2) on ``plane`` (a read-only view); projects what is new since the
        last call for the same plane, everything for another."""
        if plane is not self._plane:
            self._plane, self._projected = plane, 0
        end = self.length
        if self._projected < end:
            block = self._parameters.array[:, self._projected : end]
            self._coordinates.reserve(end)
            self._coordinates.array[:, self._projected : end] = plane.coordinates(block)
            self._projected = end
        return self._coordinates.view(end)

    def off_plane(self, plane: Plane) -> np.ndarray:
        """Per run, the mean distance of its path from ``plane`` over the path's length
        (:func:`engine.analysis.landscape.off_plane_distance`), summed on from the steps already
        seen:
        over the whole path it took 13 ms four times a second."""
        if self._off is None or self._off.plane is not plane:
            self._off = OffPlaneSums(plane, len(self.counts))
        return self._off.add(self._parameters.array[:, : self.length])


class OffPlaneSums:
    """Running sums of :func:`engine.analysis.landscape.off_plane_distance` for paths that only
    grow:
    per run Σ Lₖ (dₖ + dₖ₊₁)/2 and Σ Lₖ over the finite points seen, its first distance and its
    last point (where the next segment starts)."""

    def __init__(self, plane: Plane, runs: int):
        self.plane = plane
        self.upto = 0  # columns summed
        self.weighted = np.zeros(runs)
        self.length = np.zeros(runs)
        self.first = np.full(runs, np.nan)
        self.last: list[tuple[np.ndarray, float] | None] = [None] * runs

    def add(self, parameters: np.ndarray) -> np.ndarray:
        """Take in the columns of ``parameters`` (runs, steps, P) not yet seen; the means."""
        for run, path in enumerate(parameters[:, self.upto :]):
            points = path[np.isfinite(path).all(axis=1)]
            if len(points) == 0:
                continue
            distances = self.plane.distance(points)
            if self.last[run] is None:
                self.first[run] = distances[0]
            else:
                point, distance = self.last[run]
                points = np.vstack([point, points])
                distances = np.concatenate([[distance], distances])
            lengths = np.linalg.norm(np.diff(points, axis=0), axis=1)
            self.weighted[run] += lengths @ (distances[:-1] + distances[1:]) / 2
            self.length[run] += lengths.sum()
            self.last[run] = (points[-1], float(distances[-1]))
        self.upto = parameters.shape[1]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.length > 0, self.weighted / self.length, self.first)
