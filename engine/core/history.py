"""Every run's parameters at each recorded step, for drawing the paths runs take.

Column k of run r holds the parameters its loss k was computed at (the point before its k-th
update), so a path and its loss curve line up step for step. The buffer grows by doubling,
so memory follows the steps actually taken, not ``max_steps``.
"""

from __future__ import annotations

import numpy as np

INITIAL_CAPACITY = 256  # steps; 16 runs × 256 steps × 14 parameters × 8 bytes is 460 kB
PATH_BUDGET = 2**24  # numbers a recorded path may grow to: 64 MB in float32, 128 MB in float64


def paths_fit(runs: int, max_steps: int, size: int) -> bool:
    """Whether every path of ``runs`` runs of ``size`` parameters, at ``max_steps`` steps each,
    fits in :data:`PATH_BUDGET` (the article's 16 runs of 14 parameters fit about 75,000 steps)."""
    return runs * max_steps * size <= PATH_BUDGET


class ParameterHistory:
    """A (runs, capacity, P) array, NaN where nothing was recorded."""

    def __init__(self, runs: int, size: int, max_steps: int, dtype: np.dtype):
        self._max_steps = max_steps
        capacity = min(max_steps, INITIAL_CAPACITY)
        self._buffer = np.full((runs, capacity, size), np.nan, dtype=dtype)

    def record(self, rows: np.ndarray, columns: np.ndarray, params: np.ndarray) -> None:
        """Store ``params[rows]`` (the (runs, P) parameters now) at each row's column."""
        if rows.size == 0:
            return
        self._reserve(int(columns.max()) + 1)
        self._buffer[rows, columns] = params[rows]

    def copy_rows(self, other: ParameterHistory, rows: list[int], their_rows: list[int]) -> None:
        """``other``'s paths of ``their_rows`` as the paths of ``rows``."""
        steps = other._buffer.shape[1]
        self._reserve(steps)
        self._buffer[rows, :steps] = other._buffer[their_rows]

    def _reserve(self, needed: int) -> None:
        """Room for ``needed`` steps: the buffer at least doubles when it grows."""
        if needed <= self._buffer.shape[1]:
            return
        capacity = min(self._max_steps, max(needed, 2 * self._buffer.shape[1]))
        grown = np.full(
            (self._buffer.shape[0], capacity, self._buffer.shape[2]),
            np.nan,
            dtype=self._buffer.dtype,
        )
        grown[:, : self._buffer.shape[1]] = self._buffer
        self._buffer = grown

    def view(self, steps: int) -> np.ndarray:
        """A read-only view of the first ``steps`` columns: (runs, steps, P)."""
        view = self._buffer[:, :steps]
        view.flags.writeable = False
        return view
