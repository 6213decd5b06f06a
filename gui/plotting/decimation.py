"""Min/max decimation of a curve that only grows, paid for by its new steps only.

A live loss curve gains a few dozen steps a frame and never changes the steps it has: its
columns are written once (:class:`gui.state.loss_history.LossHistory`). :class:`GrowingBins`
therefore
splits the curve into bins of a power-of-two size, finds each bin's lowest and highest point
once, when the bin's last step arrives, and merges neighbouring bins when there are too many.
Redecimating 5,000 steps every frame cost a 16-lane window about 1 ms of every frame; this costs
the steps that arrived since the last one.
"""

from __future__ import annotations

import numpy as np


class GrowingBins:
    """The lowest and highest point of every complete bin of a growing curve (at most ``bins``
    bins of ``size`` steps; the steps after the last complete bin are the tail)."""

    def __init__(self, bins: int):
        self.bins = bins
        self.clear()

    def resize(self, bins: int) -> None:
        """At most ``bins`` bins from now on (the plot's width changed)."""
        if bins != self.bins:
            self.bins = bins
            self.clear()

    def clear(self) -> None:
        """Forget the curve (its data changed other than by growing)."""
        self.size = 1
        self.low = np.zeros(0, dtype=np.intp)  # per complete bin, where its lowest value is
        self.high = np.zeros(0, dtype=np.intp)

    def update(self, y: np.ndarray) -> None:
        """Take in the curve ``y`` (the one of the last update and maybe more steps)."""
        n = len(y)
        if n < self.size * len(self.low):
            self.clear()  # shorter than what was binned: not the same curve
        while n // self.size > self.bins:
            self._merge(y)
        done, complete = len(self.low), n // self.size
        if complete > done:
            blocks = y[done * self.size : complete * self.size].reshape(-1, self.size)
            first = np.arange(done, complete) * self.size
            self.low = np.concatenate([self.low, first + blocks.argmin(axis=1)])
            self.high = np.concatenate([self.high, first + blocks.argmax(axis=1)])

    def _merge(self, y: np.ndarray) -> None:
        """Twice the bin size: each pair of bins keeps the lower low and the higher high (an odd
        bin out is dropped and binned again from the data)."""
        pairs = len(self.low) // 2
        a, b = self.low[0 : 2 * pairs : 2], self.low[1 : 2 * pairs : 2]
        self.low = np.where(y[b] < y[a], b, a)
        a, b = self.high[0 : 2 * pairs : 2], self.high[1 : 2 * pairs : 2]
        self.high = np.where(y[b] > y[a], b, a)
        self.size *= 2

    def tail(self, n: int) -> np.ndarray:
        """Indices of the steps after the last complete bin of a curve of ``n`` steps."""
        return np.arange(len(self.low) * self.size, n)

    def min_max(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The curve through every bin's lowest and highest point in step order, then the tail:
        spikes survive; a curve of at most ``2 * bins`` steps comes back as it is."""
        if len(y) <= 2 * self.bins:
            return x, y
        self.update(y)
        first, second = np.minimum(self.low, self.high), np.maximum(self.low, self.high)
        index = np.empty(2 * len(first), dtype=np.intp)
        index[0::2], index[1::2] = first, second
        index = np.concatenate([index, self.tail(len(y))])
        return x[index], y[index]

    def edge(self, x: np.ndarray, y: np.ndarray, upper: bool) -> tuple[np.ndarray, np.ndarray]:
        """A band's edge: every bin's highest point (``upper``) or lowest, then the tail, so the
        band never looks narrower than it is; at most ``bins`` steps come back as they are."""
        if len(y) <= self.bins:
            return x, y
        self.update(y)
        index = np.concatenate([self.high if upper else self.low, self.tail(len(y))])
        return x[index], y[index]
