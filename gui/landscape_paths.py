"""The window's copy of every run's path, and where it lies on the landscape's plane.

The engine sends the parameters of each new loss column (``LossUpdate.paths``); they are kept in
one (runs, capacity, P) buffer that grows by doubling, and projected onto the current plane as
they arrive, so a frame projects only the new columns (a new plane projects everything again).
"""

from __future__ import annotations

import numpy as np

from engine.landscape import Plane, off_plane_distance
from engine.progress import LossUpdate

INITIAL_CAPACITY = 256


class PathHistory:
    """Parameters per run and step (NaN where a run recorded nothing), and their coordinates."""

    def __init__(self) -> None:
        self.clear(0, 0)

    def clear(self, runs: int, size: int) -> None:
        self._parameters = np.full((runs, INITIAL_CAPACITY, size), np.nan)
        self._coordinates = np.full((runs, INITIAL_CAPACITY, 2), np.nan)
        self.counts = np.zeros(runs, dtype=np.int64)
        self.recorded = False  # the engine sent paths (it does unless they are too big)
        self._plane: Plane | None = None
        self._projected = 0  # columns whose coordinates are on ``_plane``

    @property
    def length(self) -> int:
        """Steps recorded by the longest run."""
        return int(self.counts.max()) if self.counts.size else 0

    @property
    def parameters(self) -> np.ndarray:
        """(runs, length, P): a read-only view."""
        view = self._parameters[:, : self.length]
        view.flags.writeable = False
        return view

    def apply(self, update: LossUpdate) -> None:
        """Take the paths of ``update``'s columns (nothing if it carries none)."""
        if update.paths is None:
            return
        self.recorded = True
        self._reserve(update.end)
        self._parameters[:, update.start : update.end] = update.paths
        self.counts = update.counts.copy()
        self._projected = min(self._projected, update.start)

    def coordinates(self, plane: Plane) -> np.ndarray:
        """(runs, length, 2) on ``plane`` (a read-only view); projects what is new since the
        last call for the same plane, everything for another."""
        if plane is not self._plane:
            self._plane, self._projected = plane, 0
        end = self.length
        if self._projected < end:
            block = self._parameters[:, self._projected : end]
            self._coordinates[:, self._projected : end] = plane.coordinates(block)
            self._projected = end
        view = self._coordinates[:, :end]
        view.flags.writeable = False
        return view

    def off_plane(self, plane: Plane) -> np.ndarray:
        """Per run, the mean distance of its path from ``plane`` over the path's length."""
        return off_plane_distance(plane, self.parameters)

    def _reserve(self, size: int) -> None:
        capacity = self._parameters.shape[1]
        if size <= capacity:
            return
        while capacity < size:
            capacity *= 2
        runs, old, width = self._parameters.shape
        parameters = np.full((runs, capacity, width), np.nan)
        parameters[:, :old] = self._parameters
        coordinates = np.full((runs, capacity, 2), np.nan)
        coordinates[:, :old] = self._coordinates
        self._parameters, self._coordinates = parameters, coordinates
