"""How long the window's loss history takes to take in one update while its buffers grow.

The class mode's 512 runs are fed 30 columns an update (about what a frame at "max" brings) up
to ``--steps`` columns, with and without λ (View → Sharpness adds two float64 buffers), the way
the window's GUI thread applies them; printed: the worst update, where it came, the p99 and the
median, and the memory the buffers hold at the end. A doubling that copies every column at once
is the worst update; one made ahead a few columns per update is not.

    .venv/bin/python benchmarks/history_growth.py [--steps 26000] [--repeats 2]

numpy's huge pages are off, as ``main.py`` sets them for the app; ``--huge-pages`` leaves numpy's
default (on where Linux offers them on request), to compare.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS_PER_UPDATE = 30
SEEDS = 32  # 16 optimizer-rate pairs × 32 draws: 512 runs


def worst_update(steps: int, sharpness: bool) -> str:
    """One history fed to ``steps`` columns, measured in this process."""
    import numpy as np

    from engine.config.settings import ExperimentConfig
    from engine.experiment.batched import BatchedExperiment
    from engine.live.updates import full_update
    from gui.state.loss_history import LossHistory

    config = ExperimentConfig().with_changes(seeds=SEEDS, max_steps=40)
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    template = full_update(experiment)  # its summaries and counts' shape; columns are made up
    runs = len(experiment.runs)
    history = LossHistory()
    history.clear(runs, config.dtype, SEEDS, max_steps=1_000_000)
    rng = np.random.default_rng(0)
    losses = rng.random((runs, COLUMNS_PER_UPDATE)).astype(np.float32)
    values = rng.random((runs, COLUMNS_PER_UPDATE))
    extra = dict(sharpness=values, preconditioned=values, sharpness_every=1) if sharpness else {}
    times = []
    for start in range(0, steps, COLUMNS_PER_UPDATE):
        update = dataclasses.replace(
            template,
            start=start,
            losses=losses,
            lrs=values,
            counts=np.full(runs, start + COLUMNS_PER_UPDATE),
            **extra,
        )
        began = time.perf_counter()
        history.apply(update)
        times.append(time.perf_counter() - began)
    ms = np.array(times) * 1000
    worst = int(ms.argmax()) * COLUMNS_PER_UPDATE
    return (
        f"{'with λ' if sharpness else 'losses and rates':17s} worst {ms.max():7.1f} ms"
        f" (column {worst:6d})  p99 {np.percentile(ms, 99):5.2f} ms"
        f"  median {np.median(ms):5.2f} ms  held {history.nbytes / 1e6:5.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=26000, help="columns to feed (26000)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--huge-pages", action="store_true", help="numpy's default huge pages")
    parser.add_argument("--one", choices=("plain", "sharpness"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(worst_update(args.steps, args.one == "sharpness"), flush=True)
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("NUMPY_MADVISE_HUGEPAGE", None)
    if not args.huge_pages:
        env["NUMPY_MADVISE_HUGEPAGE"] = "0"  # as main.py sets it
    pages = "numpy's default" if args.huge_pages else "off"
    print(f"512 runs, {COLUMNS_PER_UPDATE} columns an update to {args.steps}; huge pages {pages}")
    for _ in range(args.repeats):
        for kind in ("plain", "sharpness"):  # each in a fresh process: fresh memory
            command = [sys.executable, __file__, "--one", kind, "--steps", str(args.steps)]
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            print(done.stdout.strip() or done.stderr.strip().splitlines()[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
