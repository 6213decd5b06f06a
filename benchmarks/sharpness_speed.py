"""The cost of sharpness every step, against the training step it accompanies.

16 runs (SGD, the article's momentum, RMSprop and torch-style Adam at four rates each) of a tanh
net on 20 generated samples, float32, one thread. Per size: the training step; the exact top
eigenvalues from torch.func (vmap of hessian) and from the hand-written batched Hessian, both
with ``eigvalsh``; the hand-written Hessian with warm-started Lanczos instead (its mean number
of matrix-vector products in brackets); and what a ``SharpnessTracker`` adds to every step, both
methods, preconditioned sharpness of the eight adaptive runs included. Times are the median
of several repeats, in ms; "×" is the multiple of the training step.

Run: python benchmarks/sharpness_speed.py

Measured (torch 2.13 CPU, one thread, on a machine shared with other jobs: expect ±30 %;
"step" and every time in ms, × the multiple of the step, [mv] Lanczos's mean products):

  params    step    vmap+eig     hand+eig   hand+Lanczos [mv]  tracker exact  tracker Lanczos
      14   0.315    3.40   11×    0.56  1.8×    0.92  2.9× [3.0]    1.08  3.4×    1.98  6.3×
      66   0.353   12.29   35×    2.46  7.0×    1.71  4.8× [3.7]    4.15   12×    4.59   13×
     130   0.404   68.40  169×    9.19   23×    3.31  8.2× [4.0]   13.18   33×   10.10   25×
     258   0.502  377.11  752×   51.81  103×   11.83   24× [4.2]   62.99  126×   24.13   48×
  (16 runs, torch threads 1)

So: the hand-written Hessian is 5-7× cheaper than torch.func's; with ``eigvalsh`` it is the
cheapest exact method up to about 66 parameters, where warm-started Lanczos (3-4 products a
step, to 1e-4) starts to win: 2-4× at 130-258 parameters (hidden 32-64, 64 the window's
largest). Computed every step, the tracker adds about 3.4 training steps' worth at the preset's
14 parameters (both sharpnesses for the eight adaptive runs), 12 at 66: for the window to keep
half its step rate, compute it every k ≥ 4 steps at 14 parameters, k ≥ 12 at 66, and from
about 130 parameters on use Lanczos.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.analysis.sharpness import (  # noqa: E402
    SharpnessTracker,
    WarmLanczos,
    loss_hessians,
    top_eigenvalues,
)
from engine.config.settings import DatasetSpec, ExperimentConfig, OptimizerSpec  # noqa: E402
from engine.core.model import batched_loss  # noqa: E402
from engine.experiment.batched import BatchedExperiment  # noqa: E402

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam_torch")
STEPS = 100


def config(hidden: int) -> ExperimentConfig:
    return ExperimentConfig(
        optimizers=tuple(OptimizerSpec.create(name) for name in OPTIMIZERS),
        learning_rates=(0.005, 0.01, 0.02, 0.04),
        hidden=hidden,
        activation="tanh",
        seed=3,
        max_steps=100_000,
        stop_loss=0.0,
        dataset=DatasetSpec(kind="generated", samples=20, noise=0.0, seed=0),
    )


def median_ms(run, repeats: int = 5) -> float:
    """Median over ``repeats`` of ``run()``'s seconds per unit, in ms."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        units = run()
        times.append((time.perf_counter() - start) / units * 1e3)
    return statistics.median(times)


def row(hidden: int) -> str:
    cfg = config(hidden)
    experiment = BatchedExperiment(cfg)
    experiment.step(200)  # away from the initial parameters
    data, layout = experiment.data, experiment.layout
    rows = experiment.current_parameters()
    runs = np.arange(rows.shape[0])

    step = median_ms(lambda: experiment.step(STEPS))

    data64 = data.to(torch.float64)
    hessian_of = torch.func.vmap(
        torch.func.hessian(lambda row: batched_loss(row[None], data64, layout)[0])
    )

    def functorch() -> int:
        for _ in range(10):
            torch.linalg.eigvalsh(hessian_of(rows.to(torch.float64)))
        return 10

    def hand(top) -> int:
        for _ in range(10):
            top(loss_hessians(rows, data, layout))
        return 10

    lanczos = WarmLanczos(len(runs), layout.size)
    lanczos(loss_hessians(rows, data, layout), runs)  # warm: the previous step's vectors
    products = []

    def warm(matrices):
        rows.add_(1e-4 * torch.randn_like(rows))  # a training step's worth of drift
        lanczos(matrices, runs)
        products.append(lanczos.products)

    trackers = {}
    for method in ("exact", "lanczos"):
        trackers[method] = SharpnessTracker(BatchedExperiment(cfg), method=method)
        trackers[method].experiment.step(200)
        trackers[method].step(1)

    def tracked(method: str) -> int:
        trackers[method].step(STEPS)
        return STEPS

    exact = hand(top_eigenvalues) and median_ms(lambda: hand(top_eigenvalues))
    cells = [
        ("vmap(hessian)+eigvalsh", median_ms(functorch, 3)),
        ("hand+eigvalsh", exact),
        ("hand+Lanczos", median_ms(lambda: hand(warm))),
        ("tracker exact", median_ms(lambda: tracked("exact"), 3) - step),
        ("tracker Lanczos", median_ms(lambda: tracked("lanczos"), 3) - step),
    ]
    line = f"{layout.size:>6} {step:>7.3f}"
    for name, ms in cells:
        ratio = ms / step
        line += f" {ms:>7.2f} {ratio:>4.{1 if ratio < 10 else 0}f}×"
        if name == "hand+Lanczos":
            line += f" [{np.mean(products):.1f}]"
    return line


HEADER = (
    "params    step    vmap+eig     hand+eig   hand+Lanczos [mv]  tracker exact  tracker Lanczos"
)


def main() -> None:
    torch.set_num_threads(1)
    print(HEADER)
    for hidden in (3, 16, 32, 64):
        print(row(hidden))
    print(f"(16 runs, torch threads {torch.get_num_threads()})")


if __name__ == "__main__":
    main()
