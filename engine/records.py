"""Tidy loss tables (``optimizer,lr,step,loss``) and the run summary, from an experiment."""

from __future__ import annotations

import csv
from typing import IO

import numpy as np

from engine.experiment import RunSummary
from engine.progress import LossUpdate

CSV_HEADER = ("optimizer", "lr", "step", "loss")


def write_losses_csv(update: LossUpdate, handle: IO[str]) -> None:
    """One row per recorded loss; values in the shortest form that reads back exactly."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for summary in update.summaries:
        run = summary.run
        name, lr = run.optimizer.key, repr(run.lr)
        for step in range(int(update.counts[run.index])):
            writer.writerow((name, lr, step, _shortest(update.losses[run.index, step])))


def _shortest(value: np.floating) -> str:
    """numpy prints a float32 or float64 scalar in the fewest digits that read back to it."""
    return str(value)


def summary_table(summaries: list[RunSummary]) -> str:
    """A fixed-width table: per run the steps recorded, final loss and how it ended."""
    header = ("optimizer", "lr", "steps", "final loss", "status")
    rows = [
        (
            s.run.optimizer.key,
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
