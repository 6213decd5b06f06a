"""Batched engine against a one-run-at-a-time loop written like the article's, in one process.

Prints wall-clock time per experiment and the ratio. Run: python benchmarks/engine_speed.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.analysis.sweep_run import run_sweep  # noqa: E402
from engine.config.settings import DatasetSpec, ExperimentConfig, OptimizerSpec  # noqa: E402
from engine.core.data import article_dataset  # noqa: E402
from engine.experiment.batched import BatchedExperiment  # noqa: E402
from engine.optimizers import REGISTRY  # noqa: E402


def _article_rule(name: str):
    """The article's optimizer functions (with O(1) state and lr applied to momentum)."""

    def sgd(p, lr, state):
        p -= lr * p.grad

    def momentum(p, lr, state):
        state["m"] = 0.9 * state.get("m", 0) + 0.1 * p.grad
        p -= lr * state["m"]

    def rmsprop(p, lr, state):
        state["v"] = 0.9 * state.get("v", 0) + 0.1 * p.grad**2
        p -= lr * p.grad / (torch.sqrt(state["v"]) + 1e-5)

    def adam(p, lr, state):
        state["m"] = 0.9 * state.get("m", 0) + 0.1 * p.grad
        state["v"] = 0.9 * state.get("v", 0) + 0.1 * p.grad**2
        p -= lr * state["m"] / (torch.sqrt(state["v"]) + 1e-5)

    return {"sgd": sgd, "momentum": momentum, "rmsprop": rmsprop, "adam": adam}[name]


def one_run_loop(optimizer: str, lr: float, config: ExperimentConfig) -> int:
    """One run with autograd, one optimizer call per parameter tensor, as the article trains."""
    data = article_dataset()
    torch.manual_seed(config.seed)
    w1 = torch.randn(3, config.hidden).requires_grad_()
    b1 = torch.randn(1).requires_grad_()
    w2 = torch.randn(config.hidden, 1).requires_grad_()
    b2 = torch.randn(1).requires_grad_()
    params = [w1, b1, w2, b2]
    states: list[dict] = [{} for _ in params]
    rule = _article_rule(optimizer)
    losses: list[float] = []
    while len(losses) < config.max_steps:
        loss = ((torch.relu(data.x @ w1 + b1) @ w2 + b2 - data.y) ** 2).mean()
        value = loss.item()
        if value != value or abs(value) == float("inf"):
            break
        losses.append(value)
        if value <= config.stop_loss:
            break
        loss.backward()
        with torch.no_grad():
            for p, state in zip(params, states):
                rule(p, lr, state)
                p.grad = None
    return len(losses)


def time_batched(config: ExperimentConfig) -> tuple[float, int]:
    start = time.perf_counter()
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    return time.perf_counter() - start, int(experiment.counts.sum())


def time_one_at_a_time(config: ExperimentConfig) -> tuple[float, int]:
    start = time.perf_counter()
    steps = sum(
        one_run_loop(spec.name, lr, config)
        for spec in config.optimizers
        for lr in config.learning_rates
    )
    return time.perf_counter() - start, steps


def time_unbatched_engine(config: ExperimentConfig) -> tuple[float, int]:
    """The same engine, one single-run experiment after another: what batching saves."""
    start, steps = time.perf_counter(), 0
    for spec in config.optimizers:
        for lr in config.learning_rates:
            single = BatchedExperiment(
                config.with_changes(optimizers=(spec,), learning_rates=(lr,))
            )
            single.run_to_end()
            steps += int(single.counts.sum())
    return time.perf_counter() - start, steps


def main() -> None:
    torch.set_num_threads(1)
    rows = [
        ("default experiment (16 runs, ≤1000 steps)", ExperimentConfig()),
        (
            "long experiment (16 runs, 5000 steps, stop_loss 0)",
            ExperimentConfig(max_steps=5000, stop_loss=0.0),
        ),
    ]
    time_batched(ExperimentConfig(max_steps=50))  # warm-up
    print(f"{'experiment':54s} {'batched':>10s} {'one at a time':>14s} {'ratio':>7s}")
    for title, config in rows:
        batched, run_steps = time_batched(config)
        single, single_steps = time_one_at_a_time(config)
        assert run_steps == single_steps, (run_steps, single_steps)
        print(f"{title:54s} {batched:9.3f}s {single:13.3f}s {single / batched:6.1f}×")
    print(f"(run-steps per experiment: {run_steps}; torch threads: {torch.get_num_threads()})")

    every = ExperimentConfig(
        optimizers=tuple(OptimizerSpec.create(name) for name in REGISTRY),
        max_steps=1000,
        stop_loss=0.0,
    )
    batched, run_steps = time_batched(every)
    single, single_steps = time_unbatched_engine(every)
    assert run_steps == single_steps, (run_steps, single_steps)
    title = f"all {len(REGISTRY)} optimizers × 4 lrs ({len(REGISTRY) * 4} runs, 1000 steps)"
    print(f"\n{'experiment':54s} {'batched':>10s} {'run by run':>14s} {'ratio':>7s}")
    print(f"{title:54s} {batched:9.3f}s {single:13.3f}s {single / batched:6.1f}×")
    print(
        f"(batched: {batched / 1000 * 1e6:.0f} µs per step for all {len(REGISTRY) * 4} runs; "
        "run by run: the same engine, one single-run experiment at a time)"
    )
    scale_rows()


def scale_rows() -> None:
    """How one batched step's time grows with the data, the width and the number of runs."""
    base = ExperimentConfig(max_steps=300, stop_loss=0.0)
    generated = DatasetSpec("generated", 2000)
    cases = [
        ("the article: 16 runs, 5 samples, hidden 3", base),
        ("2,000 generated samples", base.with_changes(dataset=generated)),
        ("hidden width 64", base.with_changes(hidden=64)),
        ("2,000 samples and hidden 64", base.with_changes(dataset=generated, hidden=64)),
        (
            "mini-batches of 32 from 2,000 samples",
            base.with_changes(dataset=generated, batch_size=32),
        ),
    ]
    print(
        f"\n{'scale (300 steps, every run to the end)':54s} {'per step':>10s} {'vs article':>14s}"
    )
    first = None
    for title, config in cases:
        seconds, _ = time_batched(config)
        per_step = seconds / config.max_steps * 1e6
        first = first or per_step
        print(f"{title:54s} {per_step:8.0f}µs {per_step / first:13.1f}×")
    start = time.perf_counter()
    result = run_sweep(base)
    per_step = (time.perf_counter() - start) / base.max_steps * 1e6
    title = f"the sweep: 4 optimizers × 64 rates = {result.final_loss.size} runs"
    print(f"{title:54s} {per_step:8.0f}µs {per_step / first:13.1f}×")


if __name__ == "__main__":
    main()
