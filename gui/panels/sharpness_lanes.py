"""The Sharpness view's data, a lane at a time: the draws of one optimizer at one rate are one
curve item (their polylines joined, each point connected only to the next of its own run) and
one threshold item (their distinct threshold lines). 512 runs then paint as 16 items a panel
instead of 1,024; docs/performance.md has what a frame costs (benchmarks/frame_cost.py).
"""

from __future__ import annotations

import numpy as np

from engine.analysis.readings import DeclaredThresholds, threshold_at
from engine.experiment.runs import RunKey
from gui.plotting.helpers import decimate
from gui.state.loss_history import LossHistory

Line = tuple[np.ndarray, np.ndarray]  # x and y of one polyline


def lanes_of(runs: list[RunKey]) -> list[list[RunKey]]:
    """``runs`` in lanes: a run with seed index 0 starts one, the draws after it join it."""
    lanes: list[list[RunKey]] = []
    for run in runs:
        if run.seed_index == 0 or not lanes:
            lanes.append([run])
        else:
            lanes[-1].append(run)
    return lanes


def joined(lines: list[Line]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y, connect and owner of ``lines`` drawn as one item: ``connect[i]`` joins point i to
    point i + 1 only within a line; ``owner[i]`` is the line point i belongs to."""
    if len(lines) == 1:  # the usual lane of one draw: nothing to join
        x, y = lines[0]
        connect = np.ones(len(x), dtype=bool)
        connect[-1:] = False
        return x, y, connect, np.zeros(len(x), dtype=np.intp)
    lengths = np.array([len(x) for x, _ in lines], dtype=np.intp)
    if not len(lines) or not lengths.sum():
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.intp)
    x = np.concatenate([x for x, _ in lines])
    y = np.concatenate([y for _, y in lines])
    owner = np.repeat(np.arange(len(lines)), lengths)
    connect = np.zeros(len(x), dtype=bool)
    connect[:-1] = owner[:-1] == owner[1:]
    return x, y, connect, owner


def same_line(a: Line, b: Line) -> bool:
    return np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def computed_lines(
    steps: np.ndarray, values: np.ndarray, max_points: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each draw's curve (``values[i]``: its values by step, NaN where not computed) as
    :func:`joined` lines: its positive values (computed, and drawable on a log axis) by step, in
    log10, min/max decimated to about ``max_points`` where longer. All draws at once: a lane's
    32 draws cost a few array operations, not 32 rounds of them."""
    kept = values > 0
    if len(values) and kept.sum(axis=1).max() > max_points:
        return joined(run_lines(steps, list(values), max_points))
    owner, step = np.nonzero(kept)  # draw by draw, each in step order
    connect = np.zeros(len(owner), dtype=bool)
    connect[:-1] = owner[:-1] == owner[1:]
    return steps[step], np.log10(values[kept]), connect, owner


def run_lines(steps: np.ndarray, pieces: list[np.ndarray], max_points: int) -> list[Line]:
    """:func:`computed_lines` a run at a time, each decimated where it is long."""
    lines = []
    for values in pieces:
        shown = values > 0
        x, y = decimate(steps[: len(values)][shown], values[shown], max_points)
        lines.append((x, np.log10(y)))
    return lines


class LaneThresholds:
    """The distinct threshold lines of a lane's draws, in log10, each at the rate every step
    used and drawn on to the last step. A draw whose rate never changed (no schedule, the
    usual case) costs no look at its rates and no ``threshold_at`` per frame."""

    def __init__(
        self,
        runs: list[RunKey],
        max_steps: int,
        max_points: int,
        declared: DeclaredThresholds | None = None,
    ):
        self.runs, self.max_steps, self.max_points = runs, max_steps, max_points
        self.declared = declared  # students' thresholds, from the engine
        self._rows = np.array([run.index for run in runs], dtype=np.intp)
        self._own = np.array([run.lr for run in runs], dtype=float)  # the rate before any step
        self._value: list[tuple[float, np.ndarray] | None] = [None] * len(runs)  # threshold at
        self._steady: tuple[np.ndarray, list[Line]] | None = None  # rates, their lines

    def lines(self, history: LossHistory) -> list[Line]:
        """The lines for the draws' rates so far; a draw with no step yet is drawn at its own
        rate; unknown thresholds are left out, and a line drawn for an earlier draw is not
        drawn again. While every draw keeps one rate, the lines of the last call (the same
        list) come back."""
        counts = history.counts[self._rows]
        rates = np.where(counts == 0, self._own, history.steady_rates(self._rows))
        if self._steady is not None and np.array_equal(self._steady[0], rates):
            return self._steady[1]
        lines = self._lines_at(rates, history)
        self._steady = None if np.isnan(rates).any() else (rates, lines)
        return lines

    def _lines_at(self, rates: np.ndarray, history: LossHistory) -> list[Line]:
        """The lines for the draws' rates, each draw at its one rate or (NaN) at every step's."""
        constant: dict[float, None] = {}  # distinct values, in the draws' order
        varying: list[Line] = []  # steps and the threshold at each
        for i, rate in enumerate(rates.tolist()):
            if np.isnan(rate):
                line = self._at_every_step(self.runs[i], history)
                if line is not None and not any(same_line(line, seen) for seen in varying):
                    varying.append(line)
                continue
            values = self._at(i, rate)
            if np.isfinite(values).all() and (values > 0).all():
                constant.setdefault(float(values[0]))
        ends = np.array([0.0, self.max_steps])
        lines = [(ends, np.log10(np.array([value, value]))) for value in constant]
        for steps, values in varying:
            x = np.append(steps, self.max_steps)
            x, y = decimate(x, np.append(values, values[-1]), self.max_points)
            lines.append((x, np.log10(y)))
        return lines

    def _at_every_step(self, run: RunKey, history: LossHistory) -> Line | None:
        """The run's threshold at each step it took at its own rate (a branch's steps before
        its own have none: they were its parent's); None where one is unknown."""
        lrs = history.lrs(run.index)
        steps = np.flatnonzero(np.isfinite(lrs))
        values = threshold_at(run.optimizer, lrs[steps], self.declared)
        if not len(steps) or not (np.isfinite(values).all() and (values > 0).all()):
            return None
        return steps.astype(float), values

    def _at(self, i: int, rate: float) -> np.ndarray:
        """Draw i's threshold at ``rate``, computed once per rate."""
        cached = self._value[i]
        if cached is None or cached[0] != rate:
            cached = self._value[i] = (
                rate,
                threshold_at(self.runs[i].optimizer, np.array([rate]), self.declared),
            )
        return cached[1]
