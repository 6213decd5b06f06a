"""Every run's parameters at each recorded step, for drawing the paths runs take.

Column k of run r holds the parameters its loss k was computed at (the point before its k-th
update), so a path and its loss curve line up step for step. The buffer grows by doubling
(:class:`~engine.core.growing.GrowingArray`), so memory follows the steps actually taken, not
``max_steps``.
"""

from __future__ import annotations

import numpy as np

from engine.core.growing import GrowingArray

PATH_BUDGET = 2**24  # numbers a recorded path may grow to: 64 MB in float32, 128 MB in float64


def paths_fit(runs: int, max_steps: int, size: int) -> bool:
    """Whether every path of ``runs`` runs of ``size`` parameters, at ``max_steps`` steps each,
    fits in :data:`PATH_BUDGET` (the article's 16 runs of 14 parameters fit about 75,000 steps)."""
    return runs * max_steps * size <= PATH_BUDGET


class ParameterHistory:
    """A (runs, capacity, P) array, NaN where nothing was recorded."""

    def __init__(self, runs: int, size: int, max_steps: int, dtype: np.dtype):
        self._buffer = GrowingArray((runs,), (size,), dtype=dtype, limit=max_steps)

    def record(self, rows: np.ndarray, columns: np.ndarray, params: np.ndarray) -> None:
        """Store ``params[rows]`` (the (runs, P) parameters now) at each row's column."""
        if rows.size == 0:
            return
        self._buffer.reserve(int(columns.max()) + 1)
        self._buffer.array[rows, columns] = params[rows]

    def copy_rows(self, other: ParameterHistory, rows: list[int], their_rows: list[int]) -> None:
        """``other``'s paths of ``their_rows`` as the paths of ``rows``."""
        self._buffer.copy_rows(other._buffer, rows, their_rows)

    @property
    def nbytes(self) -> int:
        """Memory the paths hold."""
        return self._buffer.nbytes

    def view(self, steps: int) -> np.ndarray:
        """A read-only view of the first ``steps`` columns: (runs, steps, P)."""
        return self._buffer.view(steps)
