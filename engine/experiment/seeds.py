"""Several initial draws per (optimizer, learning rate): the median and 10–90 % band of their
losses step by step, and how many of the draws converged, stalled or blew up.

Pure numpy, for the window, the exports, the sweep and the command line alike. A *group* is one
(optimizer, learning rate): runs ``g * S … g * S + S − 1`` of an experiment with S seeds
(:class:`engine.experiment.batched.RunKey` orders rows so), numbered as the runs of the same
experiment
with one seed.

What a draw contributes at step k (:func:`seed_values`):

* while it records losses, its loss at step k;
* after it converged or reached max steps, its last loss (where it stopped is where it stays);
* after it blew up (diverged), nothing: no finite loss says how far it went, so the band is of the
  draws still finite and the count of those that blew up is shown beside it (``alive``).

Past the longest of a group's draws, the group has no value (its curve ends where its last draw
did). Percentiles are numpy's ``nanpercentile`` with its default linear method, over the draws
that contribute, computed the same way to the bit but for a whole table at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.experiment.runs import RunStatus

BAND = (10.0, 90.0)  # the band's edges, in percent
HELD = (RunStatus.CONVERGED, RunStatus.MAX_STEPS)  # draws that stay at their last loss
WORSE_FIRST = (RunStatus.DIVERGED, RunStatus.MAX_STEPS, RunStatus.CONVERGED)  # breaks ties


@dataclass(frozen=True)
class Bands:
    """Per group (rows) and step ``start + column``: the draws' median, the band's edges and how
    many draws contributed. Float64; NaN where no draw did."""

    start: int
    low: np.ndarray
    median: np.ndarray
    high: np.ndarray
    alive: np.ndarray  # int64

    @property
    def end(self) -> int:
        return self.start + self.median.shape[1]


@dataclass(frozen=True)
class Outcomes:
    """Per group, how many of its draws are still running, converged, stalled (reached max
    steps) and blew up (diverged), and how many its optimizer's code stopped (a student's)."""

    running: np.ndarray
    converged: np.ndarray
    stalled: np.ndarray
    blew_up: np.ndarray
    failed: np.ndarray

    def text(self, group: int) -> str:
        """'3 conv · 1 stall · 0 blew up', led by '2 running · ' while some are, followed
        by ' · 2 error' when the code stopped some."""
        running, failed = int(self.running[group]), int(self.failed[group])
        lead = f"{running} running · " if running else ""
        tail = f" · {failed} error" if failed else ""
        return (
            f"{lead}{int(self.converged[group])} conv · {int(self.stalled[group])} stall · "
            f"{int(self.blew_up[group])} blew up{tail}"
        )


def seed_values(
    losses: np.ndarray,
    start: int,
    counts: np.ndarray,
    status: np.ndarray,
    final: np.ndarray,
) -> np.ndarray:
    """(runs, k) float64: what each run contributes at steps ``start … start + k − 1`` (see the
    module's notes), NaN for nothing. ``losses`` are those columns of the loss buffer; ``counts``,
    ``status`` (RunStatus values) and ``final`` (each run's last recorded loss, NaN if none) are
    per run, as of the same moment."""
    steps = start + np.arange(losses.shape[1])
    recorded = steps[None, :] < counts[:, None]
    held = np.isin(status, HELD)[:, None] & ~recorded
    values = np.where(recorded, losses.astype(np.float64), np.nan)
    return np.where(held, np.asarray(final, dtype=np.float64)[:, None], values)


def seed_bands(
    losses: np.ndarray,
    start: int,
    counts: np.ndarray,
    status: np.ndarray,
    final: np.ndarray,
    seeds: int,
) -> Bands:
    """Median, band and contributing draws of every group for the columns ``losses`` holds (see
    :func:`seed_values` for the arguments)."""
    values = seed_values(losses, start, counts, status, final)
    runs, k = values.shape
    groups = runs // seeds
    longest = counts.reshape(groups, seeds).max(axis=1)
    steps = start + np.arange(k)
    values = values.reshape(groups, seeds, k)
    past = np.broadcast_to(steps[None, None, :] >= longest[:, None, None], values.shape)
    values[past] = np.nan  # past the group's longest draw
    ordered = np.sort(values, axis=1)  # NaN sorts last
    alive = np.count_nonzero(~np.isnan(values), axis=1)
    low, median, high = (_percentile(ordered, alive, p) for p in (BAND[0], 50.0, BAND[1]))
    return Bands(start, low, median, high, alive)


def _percentile(ordered: np.ndarray, alive: np.ndarray, percent: float) -> np.ndarray:
    """numpy's linear ``nanpercentile`` over axis 1 of ``ordered`` (sorted, NaN last, ``alive``
    values each), with numpy's own arithmetic so that the results are equal to the bit."""
    q = np.float64(percent) / 100
    virtual = (alive - 1) * q
    below = np.floor(virtual)
    above = below + 1
    last = alive - 1
    beyond = virtual >= last
    below = np.where(beyond, last, below).clip(0).astype(np.intp)
    above = np.where(beyond, last, above).clip(0).astype(np.intp)
    gamma = virtual - np.where(beyond, -1.0, below)  # numpy's index there is −1
    a = np.take_along_axis(ordered, below[:, None, :], axis=1)[:, 0]
    b = np.take_along_axis(ordered, above[:, None, :], axis=1)[:, 0]
    with np.errstate(invalid="ignore"):
        diff = b - a
        out = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    out[alive == 0] = np.nan
    return out


def seed_outcomes(status: np.ndarray, seeds: int) -> Outcomes:
    """How each group's draws stand, from the runs' RunStatus values in row order."""
    grouped = np.asarray(status).reshape(-1, seeds)

    def count(which: RunStatus) -> np.ndarray:
        return np.count_nonzero(grouped == which, axis=1)

    return Outcomes(
        running=count(RunStatus.RUNNING),
        converged=count(RunStatus.CONVERGED),
        stalled=count(RunStatus.MAX_STEPS),
        blew_up=count(RunStatus.DIVERGED),
        failed=count(RunStatus.ERROR),
    )


def group_status(status: np.ndarray, seeds: int) -> np.ndarray:
    """(groups,) the RunStatus of each group: RUNNING while any draw runs, ERROR if its code
    stopped any, else the outcome most of its draws had, a tie going to the worse one (blew up,
    then stalled, then converged)."""
    grouped = np.asarray(status).reshape(-1, seeds)
    out = np.full(len(grouped), RunStatus.RUNNING, dtype=np.int8)
    for g, row in enumerate(grouped):
        if (row == RunStatus.RUNNING).any():
            continue
        if (row == RunStatus.ERROR).any():
            out[g] = RunStatus.ERROR
            continue
        counts = [np.count_nonzero(row == s) for s in WORSE_FIRST]
        out[g] = WORSE_FIRST[int(np.argmax(counts))]  # argmax takes the first of equals
    return out


def median_converged_step(status: np.ndarray, status_step: np.ndarray, seeds: int) -> np.ndarray:
    """(groups,) float64: the step by which half of a group's draws had converged (the median
    of their converging steps, a draw that did not converge counting as never); NaN when fewer
    than half converged. With one seed, the run's converging step."""
    steps = np.where(np.asarray(status) == RunStatus.CONVERGED, status_step, np.inf)
    ordered = np.sort(steps.astype(np.float64).reshape(-1, seeds), axis=1)
    middle = seeds // 2
    median = ordered[:, middle] if seeds % 2 else (ordered[:, middle - 1] + ordered[:, middle]) / 2
    return np.where(np.isfinite(median), median, np.nan)


def median_band(values: np.ndarray, seeds: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, median, high), each (groups,): the 10th, 50th and 90th percentiles of per-run
    ``values`` (NaN for none) over each group's draws; NaN where a group has none."""
    grouped = np.asarray(values, dtype=np.float64).reshape(-1, seeds, 1)
    ordered = np.sort(grouped, axis=1)
    alive = np.count_nonzero(~np.isnan(grouped), axis=1)
    low, median, high = (_percentile(ordered, alive, p)[:, 0] for p in (BAND[0], 50.0, BAND[1]))
    return low, median, high
