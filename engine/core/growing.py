"""An array that grows along its step axis as steps are written, NaN where nothing was.

Records of an experiment (losses, rates, sharpness, paths) are written one step at a time up to
``max_steps``; allocating all of them up front would make memory follow the steps allowed (a
million) rather than the steps taken. The step axis doubles when it grows, so the copies cost
O(1) per step amortised. Numpy only: the window imports it too.
"""

from __future__ import annotations

import numpy as np

INITIAL_CAPACITY = 256  # steps; 16 runs × 256 steps × 14 parameters × 8 bytes is 460 kB


class GrowingArray:
    """A ``(*lead, capacity, *trail)`` array filled with ``fill``; :meth:`reserve` makes room.

    The owner writes into :attr:`array` after reserving the steps it writes; the step axis never
    grows past ``limit`` (a run records at most ``max_steps`` losses) unless a write needs it."""

    def __init__(
        self,
        lead: tuple[int, ...],
        trail: tuple[int, ...] = (),
        *,
        dtype: np.dtype | type | str = np.float64,
        fill: object = np.nan,
        capacity: int = INITIAL_CAPACITY,
        limit: int | None = None,
    ):
        self._lead, self._trail, self._fill, self._limit = lead, trail, fill, limit
        capacity = capacity if limit is None else min(capacity, limit)
        self.array = np.full((*lead, capacity, *trail), fill, dtype=dtype)

    @property
    def capacity(self) -> int:
        """Steps there is room for now."""
        return self.array.shape[len(self._lead)]

    @property
    def nbytes(self) -> int:
        """Memory the buffer holds (all of its capacity)."""
        return self.array.nbytes

    def reserve(self, steps: int) -> None:
        """Room for ``steps`` steps: the capacity doubles until it holds them (to ``limit``)."""
        capacity = self.capacity
        if steps <= capacity:
            return
        grown = max(capacity, 1)
        while grown < steps:
            grown *= 2
        if self._limit is not None:
            grown = max(steps, min(grown, self._limit))
        array = np.empty((*self._lead, grown, *self._trail), dtype=self.array.dtype)
        old = (slice(None),) * len(self._lead) + (slice(0, capacity),)
        new = (slice(None),) * len(self._lead) + (slice(capacity, None),)
        array[old] = self.array
        array[new] = self._fill
        self.array = array

    def view(self, steps: int) -> np.ndarray:
        """A read-only view of the first ``steps`` steps (growing to them if need be)."""
        self.reserve(steps)
        view = self.array[(slice(None),) * len(self._lead) + (slice(0, steps),)]
        view.flags.writeable = False
        return view

    def copy_rows(self, other: GrowingArray, rows: list[int], their_rows: list[int]) -> None:
        """``other``'s ``their_rows`` (along the first axis) as ``rows``, every step of them
        (for a step axis that is the second)."""
        steps = other.capacity
        self.reserve(steps)
        self.array[rows, :steps] = other.array[their_rows]
        self.array[rows, steps:] = self._fill
