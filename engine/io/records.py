"""Tidy per-run tables and the run summary, from an experiment: losses
(``optimizer,lr,step,loss``) and sharpness (``optimizer,lr,step,sharpness,preconditioned``),
each with a ``seed`` column before ``step`` when the experiment trains several seeds."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

import numpy as np

from engine.experiment.runs import RunKey, RunStatus, RunSummary
from engine.experiment.seeds import median_band, seed_outcomes
from engine.live.messages import LossUpdate

if TYPE_CHECKING:
    from engine.analysis.sharpness import SharpnessTracker

CSV_HEADER = ("optimizer", "lr", "step", "loss")
SEEDS_CSV_HEADER = ("optimizer", "lr", "seed", "step", "loss")
SHARPNESS_HEADER = ("optimizer", "lr", "step", "sharpness", "preconditioned")
SEEDS_SHARPNESS_HEADER = ("optimizer", "lr", "seed", "step", "sharpness", "preconditioned")


def write_losses_csv(update: LossUpdate, handle: IO[str]) -> None:
    """One row per recorded loss; values in the shortest form that reads back exactly. With
    several seeds, each row names the seed its run started from (``--seed`` that run alone)."""
    writer = csv.writer(handle, lineterminator="\n")
    runs = [summary.run for summary in update.summaries]
    seeded = _seeded(runs)
    writer.writerow(SEEDS_CSV_HEADER if seeded else CSV_HEADER)
    for run in runs:  # a branch's rows start at its step, named by what it changed
        key = _run_key(run, seeded)
        for step in range(run.start, int(update.counts[run.index])):
            writer.writerow((*key, step, _shortest(update.losses[run.index, step])))


def write_sharpness_csv(tracker: SharpnessTracker, handle: IO[str]) -> None:
    """One row per step with a recorded loss and a computed sharpness; ``preconditioned`` is
    empty for runs whose optimizer divides by no denominator. Shortest exact numbers; with
    several seeds, each row names its run's seed, as the loss table does."""
    writer = csv.writer(handle, lineterminator="\n")
    runs = tracker.experiment.runs
    seeded = _seeded(runs)
    writer.writerow(SEEDS_SHARPNESS_HEADER if seeded else SHARPNESS_HEADER)
    counts = tracker.experiment.counts
    sharpness, preconditioned = tracker.sharpness, tracker.preconditioned
    computed, adaptive = tracker.computed, tracker.adaptive
    for run in runs:
        r, key = run.index, _run_key(run, seeded)
        for step in np.flatnonzero(computed[r, : counts[r]]):
            pre = _shortest(preconditioned[r, step]) if adaptive[r] else ""
            writer.writerow((*key, int(step), _shortest(sharpness[r, step]), pre))


def _seeded(runs: Sequence[RunKey]) -> bool:
    """The experiment trains several seeds, so a run's rows must name theirs."""
    return any(run.seed_index for run in runs)


def _run_key(run: RunKey, seeded: bool) -> tuple[str | int, ...]:
    """The columns before ``step`` that tell a run's rows apart: optimizer, lr (and seed)."""
    return (run.name, repr(run.lr), *((run.seed,) if seeded else ()))


def _shortest(value: np.floating) -> str:
    """numpy prints a float32 or float64 scalar in the fewest digits that read back to it."""
    return str(value)


def summary_table(summaries: list[RunSummary]) -> str:
    """A fixed-width table: per run the steps recorded, final loss and how it ended; with
    several seeds, per (optimizer, rate) instead (see :func:`seeds_table`)."""
    seeds = 1 + max((s.run.seed_index for s in summaries), default=0)
    if seeds > 1:
        return seeds_table(summaries, seeds)
    header = ("optimizer", "lr", "steps", "final loss", "status")
    rows = [
        (
            s.run.name,
            f"{s.run.lr:g}",
            str(s.steps),
            "-" if s.final_loss is None else f"{s.final_loss:.6g}",
            s.describe(),
        )
        for s in summaries
    ]
    return _fixed_width(header, rows, "<>>><")


def seeds_table(summaries: list[RunSummary], seeds: int) -> str:
    """Per (optimizer, rate): its seeds, the median final loss of the draws that did not blow
    up (:mod:`engine.experiment.seeds`) and how many converged, stalled and blew up."""
    final = np.array([np.nan if s.final_loss is None else s.final_loss for s in summaries])
    status = np.array([s.status for s in summaries], dtype=np.int8)
    final[status == RunStatus.DIVERGED] = np.nan
    median = median_band(final, seeds)[1]
    outcomes = seed_outcomes(status, seeds)
    header = ("optimizer", "lr", "seeds", "median final loss", "converged", "stalled", "blew up")
    rows = []
    for g, summary in enumerate(summaries[::seeds]):
        run = summary.run
        counts = (outcomes.converged[g], outcomes.stalled[g], outcomes.blew_up[g])
        rows.append(
            (
                run.optimizer.key,
                f"{run.lr:g}",
                f"{run.seed}..{run.seed + seeds - 1}",
                "-" if np.isnan(median[g]) else f"{median[g]:.6g}",
                *(str(int(n)) for n in counts),
            )
        )
    return _fixed_width(header, rows, "<>>>>>>")


def _fixed_width(header: tuple[str, ...], rows: list[tuple[str, ...]], align: str) -> str:
    """Columns as wide as their widest cell, each aligned as ``align`` says ('<' or '>')."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
