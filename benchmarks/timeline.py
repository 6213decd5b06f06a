"""The timeline's cost: memory kept for the past, and how long a seek to any step takes.

Targets from the issue: a 16-run, 100,000-step experiment keeps its past in under 200 MB, and a
seek to any step takes under 50 ms. Printed, not asserted (the machine may be busy).
Run: python benchmarks/timeline.py [--steps N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config.problem_switch import config_for_problem  # noqa: E402
from engine.config.settings import ExperimentConfig, OptimizerSpec  # noqa: E402
from engine.experiment.batched import BatchedExperiment  # noqa: E402
from engine.live.timeline import Timeline  # noqa: E402

MB = 2**20


def row(title: str, config: ExperimentConfig, seeks: int = 200) -> None:
    experiment = BatchedExperiment(config)
    timeline = Timeline(experiment)
    began = time.perf_counter()
    timeline.run_to_end()
    trained = time.perf_counter() - began
    steps = experiment.steps_taken
    recorded = experiment.records_nbytes
    rng = random.Random(0)
    timeline.seek(0)  # the scratch copy is made once, at the first seek
    anywhere = []
    for _ in range(seeks):  # a click anywhere on the timeline
        step = rng.randrange(steps + 1)
        began = time.perf_counter()
        timeline.seek(step)
        anywhere.append(time.perf_counter() - began)
    scrubbing = []
    start = rng.randrange(steps - seeks)
    for step in range(start, start + seeks):  # a key held down: one step at a time
        began = time.perf_counter()
        timeline.seek(step)
        scrubbing.append(time.perf_counter() - began)
    past = timeline.nbytes
    ms = [1000 * statistics.median(anywhere), 1000 * max(anywhere), 1000 * max(scrubbing)]
    print(
        f"{title:44s} {len(experiment.runs):4d} {experiment.problem.size:5d} {steps:8d} "
        f"{timeline.interval:5d} {past / MB:8.1f} {(past + recorded) / MB:8.1f} "
        f"{ms[0]:7.1f} {ms[1]:7.1f} {ms[2]:7.1f} {trained:7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    steps = parser.parse_args().steps
    article = ExperimentConfig(max_steps=steps, stop_loss=-1.0)  # all 16 runs to the end
    wide = ExperimentConfig(
        optimizers=tuple(OptimizerSpec.create(n) for n in ("sgd", "momentum", "adam", "adamw")),
        max_steps=min(steps, 10_000),  # 3 ms a step: 100,000 would take minutes
        stop_loss=-1.0,
        hidden=64,
    )
    surface = config_for_problem("rosenbrock").with_changes(max_steps=steps, stop_loss=-1.0)
    print(
        f"{'experiment':44s} {'runs':>4s} {'P':>5s} {'steps':>8s} {'every':>5s} "
        f"{'past MB':>8s} {'+losses':>8s} {'seek ms':>7s} {'worst':>7s} {'scrub':>7s} "
        f"{'train s':>7s}"
    )
    row("the article's 16 runs (float32)", article)
    row("the article's 16 runs in float64", article.with_changes(dtype="float64"))
    row(f"hidden width 64: 16 runs, {wide.max_steps:,} steps", wide)
    row("Rosenbrock (2-D, float64): 16 runs", surface)
    print(
        "past MB: checkpoints every `every` steps plus the scratch copy's buffers; +losses: "
        "with the experiment's own loss and learning-rate records.\nseek ms: median of 200 "
        "seeks to random steps; worst: the slowest of them; scrub: the slowest of 200 "
        "seeks one step apart (a key held down). Targets: < 200 MB, < 50 ms."
    )


if __name__ == "__main__":
    main()
