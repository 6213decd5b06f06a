"""A Sharpness lane's points split in two, as the Landscape's paths are: the settled ones,
painted once into a cache, and the live ones, the newest of each draw, stroked every paint.

A frame then looks only at the steps that arrived and strokes a few points a draw; the settled
points are worked out again (min/max decimated where long) only when the live ones have grown
past a square-root budget (:func:`gui.plotting.helpers.live_budget`) or the history went back.
"""

from __future__ import annotations

import numpy as np

from gui.panels.sharpness_lanes import computed_lines
from gui.plotting.helpers import live_budget
from gui.state.loss_history import LossHistory

LIVE_POINTS = 64  # the least a lane keeps live before settling (see live_budget)
EMPTY = np.zeros(0)
NO_OWNER = np.zeros(0, dtype=np.intp)


class LanePoints:
    """The λ points of a lane's draws (``rows`` of the history) in log10: ``settled`` as
    :func:`computed_lines` gives them, ``live`` per draw after its last settled point."""

    def __init__(self, rows: np.ndarray, preconditioned: bool, max_points: int):
        self.rows, self.preconditioned, self.max_points = rows, preconditioned, max_points
        self.clear()

    def clear(self) -> None:
        """Nothing drawn: the next :meth:`extend` starts from step 0."""
        draws = len(self.rows)
        self.settled = (EMPTY, EMPTY, np.zeros(0, dtype=bool), NO_OWNER)
        self._seen = np.zeros(draws, dtype=np.int64)  # columns looked at, per draw
        self._live = (EMPTY, EMPTY, NO_OWNER)  # x, y and draw of the live points, draw by draw
        self._joints = np.full((2, draws), np.nan)  # x and y of each draw's last settled point
        self._pace = 0.0  # live points a frame adds, on average

    def extend(self, history: LossHistory) -> bool:
        """Take in the steps new since the last call as live points; True when what was
        settled is gone (the history went back: everything is taken in again)."""
        counts = history.counts[self.rows]
        cleared = bool((counts < self._seen).any())  # fewer steps than seen: another history
        if cleared:
            self.clear()
        added = self._take_new(history, counts)
        self._pace = 0.8 * self._pace + 0.2 * added
        return cleared

    @property
    def due(self) -> float:
        """How far the live points are over their budget (above 1: time to settle them;
        infinite while nothing is settled, a new or cleared lane)."""
        held, live = len(self.settled[0]), len(self._live[0])
        if not live:
            return 0.0
        return live / live_budget(held, self._pace, LIVE_POINTS) if held else np.inf

    def _take_new(self, history: LossHistory, counts: np.ndarray) -> int:
        """Add each draw's positive λ in the columns it had not seen to the live points; how
        many came. Only the draws that moved are read: one that stopped early stays behind."""
        moving = np.flatnonzero(counts > self._seen)
        if not len(moving):
            return 0
        before, after = self._seen[moving], counts[moving]
        self._seen = counts.copy()
        start, end = int(before.min()), int(after.max())
        block = history.sharpness_block(self.rows[moving], start, end, self.preconditioned)
        columns = np.arange(start, end)
        kept = (columns >= before[:, None]) & (columns < after[:, None]) & (block > 0)
        row, column = np.nonzero(kept)  # draw by draw, each in step order
        if not len(row):
            return 0
        owner = moving[row]
        x, y = history.steps[start + column], np.log10(block[kept])
        live_x, live_y, live_owner = self._live
        if not len(live_owner) or owner[0] >= live_owner[-1]:  # all after: a lane of one draw
            self._live = tuple(map(np.concatenate, zip(self._live, (x, y, owner))))
            return len(owner)
        at = np.searchsorted(live_owner, owner, side="right")  # after each draw's own
        self._live = inserted(self._live, at, (x, y, owner))
        return len(owner)

    def settle(self, history: LossHistory) -> None:
        """Every point so far into the settled part (decimated where long), none live."""
        values = history.sharpness_rows(self.rows, self.preconditioned)
        self.settled = computed_lines(history.steps, values, self.max_points)
        x, y, _, owner = self.settled
        draws = np.arange(len(self.rows))
        last = np.searchsorted(owner, draws, side="right") - 1
        has = (last >= 0) & (owner[np.maximum(last, 0)] == draws) if len(owner) else last >= 0
        self._joints = np.full((2, len(self.rows)), np.nan)
        self._joints[0, has], self._joints[1, has] = x[last[has]], y[last[has]]
        self._live = (EMPTY, EMPTY, NO_OWNER)

    def live(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x, y and connect of the live points, each draw's from its last settled point on."""
        x, y, owner = self._live
        draws = owner[np.flatnonzero(np.diff(owner, prepend=-1))]  # sorted: each draw once
        draws = draws[np.isfinite(self._joints[0, draws])]
        at = np.searchsorted(owner, draws)
        x, y, owner = inserted((x, y, owner), at, (*self._joints[:, draws], draws))
        connect = np.zeros(len(x), dtype=bool)
        connect[:-1] = owner[:-1] == owner[1:]
        return x, y, connect

    def points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every point drawn, draw by draw (settled then live): x, y, connect and owner, as
        :func:`gui.panels.sharpness_lanes.joined` gives them."""
        settled_x, settled_y, _, settled_owner = self.settled
        live_x, live_y, live_owner = self._live
        owner = np.concatenate([settled_owner, live_owner])
        order = np.argsort(owner, kind="stable")
        x = np.concatenate([settled_x, live_x])[order]
        y = np.concatenate([settled_y, live_y])[order]
        owner = owner[order]
        connect = np.zeros(len(x), dtype=bool)
        connect[:-1] = owner[:-1] == owner[1:]
        return x, y, connect, owner


def inserted(
    arrays: tuple[np.ndarray, ...], at: np.ndarray, values: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, ...]:
    """``np.insert(array, at, value)`` for each array and its values, the merged order worked
    out once: a lane inserts into three arrays twice a frame, and ``np.insert``'s own sorting
    and checks cost 2 ms of a 512-run Sharpness frame (``benchmarks/frame_cost.py``)."""
    order = np.argsort(at, kind="stable")  # as np.insert: equal positions keep their order
    new = np.empty(len(at), dtype=np.intp)
    new[order] = at[order] + np.arange(len(at))
    old = np.ones(len(arrays[0]) + len(at), dtype=bool)
    old[new] = False
    merged = []
    for array, value in zip(arrays, values, strict=True):
        out = np.empty(len(old), dtype=array.dtype)
        out[new], out[old] = value, array
        merged.append(out)
    return tuple(merged)
