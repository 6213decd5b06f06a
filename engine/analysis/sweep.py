"""A learning-rate sweep's result: every selected optimizer at 64 log-spaced learning rates.

All optimizers × learning rates are the runs of ONE :class:`BatchedExperiment`, trained to the
end, so a sweep costs about as many tensor steps as the four panels do (each step just has more
rows). Each run is exactly the run an experiment at that single learning rate would make. With
several seeds, each (optimizer, rate) is summed up by its draws (:mod:`engine.experiment.seeds`):
the median
final loss with its 10–90 % band, the commonest outcome, the median converging step.
What the plots and the command line make of a result (which runs are off the chart, the
curves' values, captions, the CSV) is shaped here, without Qt and without torch;
:mod:`engine.analysis.sweep_run` trains it.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from typing import IO

import numpy as np

from engine.config.settings import ARTICLE_LOSS_RANGE, ExperimentConfig
from engine.core.files import atomic_write
from engine.core.tasks import TaskName
from engine.experiment.runs import RunStatus
from engine.optimizers.user_code import CodeFailure

SWEEP_LRS = np.logspace(-4, 1, 64)  # 1e-4 … 10, 64 learning rates, evenly spaced on a log axis
SWEEP_SUFFIXES = (".png", ".svg", ".csv")  # what a sweep is saved as: a drawing or its table
CSV_HEADER = ("optimizer", "lr", "final_loss", "converged_at", "status")
SEEDS_CSV_HEADER = ("optimizer", "lr", "seed", "final_loss", "converged_at", "status")
SWEEP_TASK = TaskName("engine.analysis.sweep_run", "sweep_task")  # run in the engine, named here
# so that the window starts it without importing torch


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Per optimizer (row) and learning rate (column): how each run of the sweep ended.

    ``config`` is the experiment the sweep was asked for: its ``learning_rates`` are the panels'
    (the sweep trains at ``lrs`` instead). The arrays are read-only.

    With several seeds (``config.seeds``), the (optimizers, lrs) arrays sum up each point's
    draws: ``final_loss`` is the median final loss of the draws that did not blow up (float64),
    ``band_low`` and ``band_high`` the band's edges, ``status`` the commonest outcome (a tie
    goes to the worse), ``diverged`` where that is blowing up, ``steps`` the median converging
    step (NaN when fewer than half converged). ``runs_*`` keep every draw, (optimizers, lrs,
    seeds), for the CSV; they and the band are None with one seed.
    """

    config: ExperimentConfig
    lrs: np.ndarray  # (lrs,) float64
    labels: tuple[str, ...]  # legend text per optimizer (OptimizerSpec.label)
    names: tuple[str, ...]  # registry name per optimizer (for colours and line styles)
    final_loss: np.ndarray  # (optimizers, lrs) in the config's dtype; the last finite loss,
    # NaN when a run diverged before recording any
    diverged: np.ndarray  # (optimizers, lrs) bool
    steps: np.ndarray  # (optimizers, lrs) float64: the step a run converged at, NaN if it did not
    status: np.ndarray  # (optimizers, lrs) int8 RunStatus values
    initial_loss: float = math.nan  # the loss at step 0 (the highest over the seeds' draws)
    band_low: np.ndarray | None = None  # (optimizers, lrs) float64; None with one seed
    band_high: np.ndarray | None = None
    runs_final_loss: np.ndarray | None = None  # (optimizers, lrs, seeds) in the config's dtype
    runs_steps: np.ndarray | None = None
    runs_status: np.ndarray | None = None
    failures: tuple[CodeFailure, ...] = ()  # students' optimizers whose code failed

    @property
    def seeds(self) -> int:
        return self.config.seeds

    @property
    def keys(self) -> tuple[str, ...]:
        """File identifiers per optimizer (OptimizerSpec.key), as in the loss CSV."""
        return tuple(spec.key for spec in self.config.optimizers)

    @property
    def converged(self) -> np.ndarray:
        return self.status == RunStatus.CONVERGED


def frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def write_sweep_csv(result: SweepResult, handle: IO[str]) -> None:
    """One row per run: ``optimizer,lr,final_loss,converged_at,status``, with a ``seed`` column
    after ``lr`` when the sweep trained several seeds (a row per draw).

    Numbers are in the shortest form that reads back exactly; ``final_loss`` is empty when a run
    recorded no loss, ``converged_at`` when it did not converge; ``status`` is ``converged``,
    ``diverged`` or ``max_steps``.
    """
    writer = csv.writer(handle, lineterminator="\n")
    seeded = result.runs_final_loss is not None
    writer.writerow(SEEDS_CSV_HEADER if seeded else CSV_HEADER)
    if seeded:
        final, steps, status = result.runs_final_loss, result.runs_steps, result.runs_status
    else:
        final, steps, status = (
            a[..., None] for a in (result.final_loss, result.steps, result.status)
        )
    first_seed = result.config.seed
    for i, key in enumerate(result.keys):
        for j, lr in enumerate(result.lrs):
            for s in range(final.shape[2]):
                loss, step = final[i, j, s], steps[i, j, s]
                writer.writerow(
                    (
                        key,
                        repr(float(lr)),
                        *((first_seed + s,) if seeded else ()),
                        "" if np.isnan(loss) else str(loss),  # numpy's shortest round-trip text
                        "" if np.isnan(step) else str(int(step)),
                        RunStatus(int(status[i, j, s])).name.lower(),
                    )
                )


def save_sweep_csv(path: str | os.PathLike, result: SweepResult) -> None:
    """:func:`write_sweep_csv` to ``path``, atomically (``OutputError`` if it cannot be)."""
    atomic_write(path, lambda handle: write_sweep_csv(result, handle))


# --- shaping a result for plots and text ------------------------------------------------------


def loss_ceiling(result: SweepResult) -> float:
    """The highest final loss drawn on the curves: ten times the loss at step 0 (the article's
    plots' top loss when that is unknown), or ten times the stop loss if higher. A run that ends
    above it blew up, whatever its status says."""
    if math.isfinite(result.initial_loss):
        start = result.initial_loss
    else:
        start = ARTICLE_LOSS_RANGE[1] / 10
    return max(10 * start, 10 * result.config.stop_loss)


def off_chart_runs(result: SweepResult) -> np.ndarray:
    """(optimizers, lrs) bool: runs drawn as a ✕ above the curves instead of on them: those that
    diverged, and those that ended above :func:`loss_ceiling` (in float64 a run can blow up to
    1e307 without overflowing)."""
    with np.errstate(invalid="ignore"):
        return result.diverged | (result.final_loss.astype(np.float64) > loss_ceiling(result))


def loss_curve_data(result: SweepResult) -> np.ndarray:
    """Final losses as drawn (float64): NaN where a run is off the chart (it gets a ✕ instead)
    or where a log axis cannot show it (≤ 0)."""
    loss = result.final_loss.astype(np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(off_chart_runs(result) | ~(loss > 0), np.nan, loss)


def band_curve_data(result: SweepResult) -> tuple[np.ndarray, np.ndarray] | None:
    """The seeds' 10–90 % band as drawn (float64), None with one seed: NaN where the point is
    off the chart or a log axis cannot show it, the top held at :func:`loss_ceiling`."""
    if result.band_low is None or result.band_high is None:
        return None
    hidden = np.isnan(loss_curve_data(result))
    with np.errstate(invalid="ignore"):
        low = np.where(hidden | ~(result.band_low > 0), np.nan, result.band_low)
        high = np.where(hidden, np.nan, np.minimum(result.band_high, loss_ceiling(result)))
    return low, high


def sweep_caption(result: SweepResult) -> str:
    """'learning-rate sweep: 64 rates from 0.0001 to 10', as figure footers and summaries say."""
    lrs = result.lrs
    return f"learning-rate sweep: {len(lrs)} rates from {lrs.min():g} to {lrs.max():g}"


def describe_sweep(result: SweepResult, seconds: float) -> str:
    """'64 learning rates × 4 optimizers in 7.1 s'."""
    n = len(result.names)
    return (
        f"{len(result.lrs)} learning rates × {n} optimizer{'s' if n != 1 else ''} "
        f"in {seconds:.1f} s"
    )


def steps_plot_note(result: SweepResult) -> str:
    """Why the steps-to-converge plot is empty ('' when it has a point): no run reached the
    stop loss (with several seeds: no point where half the draws did) within the steps."""
    if np.isfinite(result.steps).any():
        return ""
    stop, steps = result.config.stop_loss, f"{result.config.max_steps:,}"
    who = "No run" if result.seeds == 1 else "At no learning rate did half the seeds"
    reached = "reached" if result.seeds == 1 else "reach"
    note = f"{who} {reached} the stop loss {stop:g} within {steps} steps"
    if stop <= 0:
        return f"{note}:\nset a stop loss in Settings to see when runs converge."
    return f"{note}."


def sweep_summary(result: SweepResult) -> str:
    """The caption, then per optimizer its lowest final loss on the chart, at which learning
    rate, and at how many rates it converged: what a headless run prints for ``--sweep``."""
    with np.errstate(invalid="ignore"):
        shown = np.where(off_chart_runs(result), np.nan, result.final_loss.astype(np.float64))
    width = max(map(len, result.labels))
    lines = [sweep_caption(result)]
    if result.seeds > 1:
        lines[0] += f", {result.seeds} seeds each: medians of the draws that did not blow up"
    for i, label in enumerate(result.labels):
        converged = f"converged at {int(result.converged[i].sum())} of {len(result.lrs)} rates"
        if np.isnan(shown[i]).all():
            best = f"no run ended below {loss_ceiling(result):g}"
        else:
            j = int(np.nanargmin(shown[i]))
            best = f"lowest final loss {shown[i, j]:.4g} at lr {result.lrs[j]:.3g}"
        lines.append(f"  {label:<{width}}  {best}; {converged}")
    return "\n".join(lines)
