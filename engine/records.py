"""Tidy loss tables (``optimizer,lr,step,loss``), sharpness tables
(``optimizer,lr,step,sharpness,preconditioned``) and the run summary, from an experiment."""

from __future__ import annotations

import csv
from typing import IO

import numpy as np

from engine.experiment import RunSummary
from engine.progress import LossUpdate
from engine.sharpness import SharpnessTracker

CSV_HEADER = ("optimizer", "lr", "step", "loss")
SHARPNESS_HEADER = ("optimizer", "lr", "step", "sharpness", "preconditioned")


def write_losses_csv(update: LossUpdate, handle: IO[str]) -> None:
    """One row per recorded loss; values in the shortest form that reads back exactly."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for summary in update.summaries:
        run = summary.run  # a branch's rows start at its step, named by what it changed
        name, lr = run.name, repr(run.lr)
        for step in range(run.start, int(update.counts[run.index])):
            writer.writerow((name, lr, step, _shortest(update.losses[run.index, step])))


def write_sharpness_csv(tracker: SharpnessTracker, handle: IO[str]) -> None:
    """One row per step with a recorded loss and a computed sharpness; ``preconditioned`` is
    empty for runs whose optimizer divides by no denominator. Shortest exact numbers."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(SHARPNESS_HEADER)
    counts = tracker.experiment.counts
    sharpness, preconditioned = tracker.sharpness, tracker.preconditioned
    computed, adaptive = tracker.computed, tracker.adaptive
    for run in tracker.experiment.runs:
        r, name, lr = run.index, run.name, repr(run.lr)
        for step in np.flatnonzero(computed[r, : counts[r]]):
            pre = _shortest(preconditioned[r, step]) if adaptive[r] else ""
            writer.writerow((name, lr, int(step), _shortest(sharpness[r, step]), pre))


def _shortest(value: np.floating) -> str:
    """numpy prints a float32 or float64 scalar in the fewest digits that read back to it."""
    return str(value)


def summary_table(summaries: list[RunSummary]) -> str:
    """A fixed-width table: per run the steps recorded, final loss and how it ended."""
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
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    align = ["<", ">", ">", ">", "<"]
    lines = [
        "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
