"""An array that grows along its step axis as steps are written, NaN where nothing was.

Records of an experiment (losses, rates, sharpness, paths) are written one step at a time up to
``max_steps``; allocating all of them up front would make memory follow the steps allowed (a
million) rather than the steps taken. The step axis doubles when it grows, so the copies cost
O(1) per step amortised; an owner that says what it wrote (:meth:`GrowingArray.written`) has
the doubled buffer made a little at a time beforehand, so no single write pays for the whole
copy. Numpy only: the window imports it too.
"""

from __future__ import annotations

import numpy as np

INITIAL_CAPACITY = 256  # steps; 16 runs × 256 steps × 14 parameters × 8 bytes is 460 kB
AHEAD_FROM = 0.75  # the share of the capacity written before the doubled buffer is begun
AHEAD_WORK = 8  # steps copied or filled into it per step written: 2 capacities in a quarter


class GrowingArray:
    """A ``(*lead, capacity, *trail)`` array filled with ``fill``; :meth:`reserve` makes room.

    The owner writes into :attr:`array` after reserving the steps it writes; the step axis never
    grows past ``limit`` (a run records at most ``max_steps`` losses) unless a write needs it.
    An owner that calls :meth:`written` once must call it after every write from then on: the
    steps made ahead are trusted until a write says they changed."""

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
        self._next: np.ndarray | None = None  # the doubled buffer, made ahead (see written)
        self._copied = 0  # steps of array already in _next, unchanged since
        self._filled = 0  # steps of _next past the capacity already filled

    @property
    def capacity(self) -> int:
        """Steps there is room for now."""
        return self.array.shape[len(self._lead)]

    @property
    def nbytes(self) -> int:
        """Memory the buffer holds (all of its capacity, and the doubled one begun ahead)."""
        return self.array.nbytes + (0 if self._next is None else self._next.nbytes)

    @property
    def left_to_copy(self) -> int:
        """Steps the next doubling would still copy or fill at once (2 × the capacity when
        nothing was made ahead)."""
        if self._next is None:
            return 2 * self.capacity
        return self.capacity - self._copied + self._next.shape[len(self._lead)] - self._filled

    def reserve(self, steps: int, *, exactly: bool = False) -> None:
        """Room for ``steps`` steps: the capacity doubles until it holds them (to ``limit``),
        or, ``exactly``, becomes ``steps`` (a buffer joining others that grow together)."""
        capacity = self.capacity
        if steps <= capacity:
            return
        array = self._next
        if array is None or array.shape[len(self._lead)] < steps:
            grown = steps if exactly else self._grown(steps)
            array = np.empty((*self._lead, grown, *self._trail), self.array.dtype)
            self._copied = self._filled = 0
        array[self._steps(self._copied, capacity)] = self.array[self._steps(self._copied, None)]
        array[self._steps(max(capacity, self._filled), None)] = self._fill
        self.array, self._next = array, None

    def written(self, start: int, end: int) -> None:
        """The owner wrote steps ``start`` to ``end``. Once three quarters of the capacity are
        written, each call also copies and fills a few steps of the doubled buffer ahead, so the
        doubling copies only what is left (at once, 512 runs' losses and rates at 12,000 steps
        took up to 0.3 s of one frame)."""
        capacity = self.capacity
        self._copied = min(self._copied, start)
        if end < AHEAD_FROM * capacity or self._grown(capacity + 1) <= capacity:
            return
        if self._next is None:
            grown = self._grown(capacity + 1)
            self._next = np.empty((*self._lead, grown, *self._trail), self.array.dtype)
            self._copied, self._filled = 0, capacity
        work = AHEAD_WORK * max(end - start, 1)
        copy_to = min(end, self._copied + work)
        part = self._steps(self._copied, copy_to)
        self._next[part] = self.array[part]
        work -= copy_to - self._copied
        self._copied = copy_to
        fill_to = min(self._next.shape[len(self._lead)], self._filled + max(work, 0))
        self._next[self._steps(self._filled, fill_to)] = self._fill
        self._filled = fill_to

    def _grown(self, steps: int) -> int:
        """The capacity that holds ``steps``: doubled until it does, then capped by ``limit``
        (never below ``steps``)."""
        grown = max(self.capacity, 1)
        while grown < steps:
            grown *= 2
        if self._limit is not None:
            grown = max(steps, min(grown, self._limit))
        return grown

    def _steps(self, start: int, end: int | None) -> tuple[slice, ...]:
        """An index of steps ``start`` to ``end`` across the leading axes."""
        return (slice(None),) * len(self._lead) + (slice(start, end),)

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
        self._copied = 0
