"""The segments a landscape path is drawn with: one per distinct move between the cells of a fine
grid over the map's window (:func:`path_segments`), and the same for a path that grows a few steps
a frame, from its new steps only (:class:`GrowingPath`)."""

from __future__ import annotations

import numpy as np

MAX_PATH_SEGMENTS = 2048  # wide lines are dear to paint: a path draws at most this many
PIXELS = 1000  # a path draws one segment per move between cells of this fine a grid
CLIP = 20.0  # paths are drawn within this many windows of the map: Qt mishandles huge numbers
CELL_OFFSET = int(PIXELS * (CLIP + 1))  # cell numbers of clipped points, made non-negative
SPAN = 2 * CELL_OFFSET  # cell numbers are below this: a move's two cells make one key


def clip_box(window) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest point drawn: CLIP windows around ``window``."""
    (x0, x1), (y0, y1) = window
    low = np.array([x0 - CLIP * (x1 - x0), y0 - CLIP * (y1 - y0)])
    high = np.array([x1 + CLIP * (x1 - x0), y1 + CLIP * (y1 - y0)])
    return low, high


def cells_of(rows: np.ndarray, window, pixels: int = PIXELS) -> np.ndarray:
    """The cell of each row (steps, 2) in a ``pixels`` × ``pixels`` grid over ``window``."""
    (x0, x1), (y0, y1) = window
    return np.floor((rows - (x0, y0)) / ((x1 - x0) / pixels, (y1 - y0) / pixels))


def move_keys(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """One number per move from cells ``start`` to cells ``end`` (float cells, (N, 2) each; a
    NaN cell, of a run that blew up, makes some number too)."""
    with np.errstate(invalid="ignore"):
        a, b = start.astype(np.int64) + CELL_OFFSET, end.astype(np.int64) + CELL_OFFSET
    return ((a[:, 0] * SPAN + a[:, 1]) * SPAN + b[:, 0]) * SPAN + b[:, 1]


def path_segments(rows: np.ndarray, window, pixels: int = PIXELS) -> np.ndarray:
    """The segments a path (steps, 2) is drawn with, as (2N, 2) start and end rows: one per
    distinct move between cells of a ``pixels`` × ``pixels`` grid over ``window``. A run that
    creeps or sits still draws a segment per cell it enters, not per step, and one bouncing
    between two walls draws each crossing once; beyond MAX_PATH_SEGMENTS, evenly thinned."""
    if len(rows) < 2:
        return np.zeros((0, 2))
    cells = cells_of(rows, window, pixels)
    moved = np.ones(len(rows), dtype=bool)
    moved[1:] = (cells[1:] != cells[:-1]).any(axis=1)
    moved[-1] = True  # the head stays exact
    rows, cells = rows[moved], cells[moved]
    keys = move_keys(cells[:-1], cells[1:])
    first = np.sort(np.unique(keys, return_index=True)[1])
    if len(first) > MAX_PATH_SEGMENTS:
        first = first[np.linspace(0, len(first) - 1, MAX_PATH_SEGMENTS).astype(int)]
    out = np.empty((2 * len(first), 2))
    out[0::2], out[1::2] = rows[first], rows[first + 1]
    return out


class GrowingPath:
    """:func:`path_segments` of one run's clipped path while it grows: each call looks at the
    steps that arrived since the last, so a frame costs what is new, not the whole path.

    Every step but the newest (the head) is settled: the moves between them never change, and
    come in the order of their first step. The move to the head is redone every time (the head
    is always drawn, and the next step may leave its cell)."""

    def __init__(self, window, pixels: int = PIXELS):
        self.window, self.pixels = window, pixels
        self._low, self._high = clip_box(window)
        self.clear()

    def clear(self) -> None:
        self._settled = 0  # steps taken in: all but the head
        self._keys: set[int] = set()
        self._segments = np.empty((64, 2))  # start and end rows of the moves, first come first
        self._rows = 0  # rows of _segments in use
        self._anchor: np.ndarray | None = None  # the last step that entered a cell, and its cell
        self._anchor_cell: np.ndarray | None = None
        self._head = np.zeros((0, 2))

    def extend(self, coordinates: np.ndarray, count: int) -> None:
        """The path is now ``coordinates[:count]`` (steps, 2): its first steps as before."""
        if count - 1 < self._settled:
            self.clear()  # fewer steps than were settled: not the same path, start again
        if count == 0:
            return
        new = np.clip(coordinates[self._settled : count], self._low, self._high)
        cells = cells_of(new, self.window, self.pixels)
        self._take(new[:-1], cells[:-1])
        self._settled = count - 1
        self._head = np.zeros((0, 2))
        if self._anchor is not None:
            key = int(move_keys(self._anchor_cell[None], cells[-1:])[0])
            if key not in self._keys:
                self._head = np.stack([self._anchor, new[-1]])

    def _take(self, rows: np.ndarray, cells: np.ndarray) -> None:
        """Settle ``rows`` (the steps after the last settled one, without the head)."""
        if len(rows) == 0:
            return
        moved = np.ones(len(rows), dtype=bool)
        moved[1:] = (cells[1:] != cells[:-1]).any(axis=1)
        if self._anchor_cell is not None:
            moved[0] = (cells[0] != self._anchor_cell).any()
        rows, cells = rows[moved], cells[moved]
        if len(rows) == 0:
            return
        if self._anchor is not None:
            rows = np.vstack([self._anchor, rows])
            cells = np.vstack([self._anchor_cell, cells])
        self._anchor, self._anchor_cell = rows[-1].copy(), cells[-1].copy()
        if len(rows) < 2:
            return
        fresh = []
        for i, key in enumerate(move_keys(cells[:-1], cells[1:]).tolist()):
            if key not in self._keys:
                self._keys.add(key)
                fresh.append(i)
        if fresh:
            index = np.array(fresh)
            self._append(rows[index], rows[index + 1])

    def _append(self, starts: np.ndarray, ends: np.ndarray) -> None:
        need = self._rows + 2 * len(starts)
        if need > len(self._segments):
            grown = np.empty((max(need, 2 * len(self._segments)), 2))
            grown[: self._rows] = self._segments[: self._rows]
            self._segments = grown
        block = self._segments[self._rows : need]
        block[0::2], block[1::2] = starts, ends
        self._rows = need

    def segments(self) -> tuple[np.ndarray, int]:
        """What :func:`path_segments` gives for the path so far, and how many of its leading
        rows stay as they are while the path grows (none once it is thinned)."""
        drawn = np.concatenate([self._segments[: self._rows], self._head])
        if len(drawn) > 2 * MAX_PATH_SEGMENTS:
            pairs = drawn.reshape(-1, 2, 2)
            keep = np.linspace(0, len(pairs) - 1, MAX_PATH_SEGMENTS).astype(int)
            return pairs[keep].reshape(-1, 2), 0
        return drawn, self._rows
