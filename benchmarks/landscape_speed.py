"""How long the Landscape view's loss grid takes: 101 × 101 points on the article's net (the
issue's target is under 100 ms) and on each 2-D surface, plus the planes themselves, and the
whole map the view's task computes (grid, log levels and contour lines; 201 × 201 on a surface).

Prints the best and the median of several repeats. Run: python benchmarks/landscape_speed.py
[THREADS] (torch's intra-op threads; on a busy machine 1 thread varies far less than 2).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.analysis.landscape import loss_grid, make_plane  # noqa: E402
from engine.analysis.landscape_compute import compute_map  # noqa: E402
from engine.analysis.plane import BASES, GRID_RESOLUTION  # noqa: E402
from engine.config.problem_switch import config_for_problem  # noqa: E402
from engine.config.settings import ExperimentConfig  # noqa: E402
from engine.experiment.batched import BatchedExperiment  # noqa: E402
from engine.problems import PROBLEMS  # noqa: E402

REPEATS = 15


def timed(work) -> tuple[float, float]:
    """Best and median wall-clock milliseconds of ``REPEATS`` calls (after one warm-up)."""
    work()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1e3)
    return min(times), statistics.median(times)


def row(what: str, best: float, median: float) -> None:
    print(f"{what:<58} {best:8.1f} ms  {median:8.1f} ms")


def main() -> None:
    if len(sys.argv) > 1:
        torch.set_num_threads(int(sys.argv[1]))
    n = GRID_RESOLUTION
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {REPEATS} repeats")
    print(f"{'':<58} {'best':>11}  {'median':>11}")
    experiment = BatchedExperiment(ExperimentConfig(), record_parameters=True)
    experiment.run_to_end()
    problem, origin = experiment.problem, experiment.initial_parameters
    paths = experiment.parameter_buffer
    window = problem.defaults.x_range, problem.defaults.y_range
    for basis in BASES:
        plane = make_plane(problem, origin, basis, paths=paths)
        row(
            f"MLP, article data: {basis} plane",
            *timed(lambda b=basis: make_plane(problem, origin, b, paths=paths)),
        )
        for dtype in (torch.float64, torch.float32):
            name = str(dtype).removeprefix("torch.")
            row(
                f"MLP, article data: {n}×{n} grid on the {basis} plane, {name}",
                *timed(lambda p=plane, d=dtype: loss_grid(problem, p, *window, dtype=d)),
            )
        row(
            f"MLP, article data: the view's map on the {basis} plane",
            *timed(lambda p=plane: compute_map(problem, p, window)),
        )
    for name, problem_class in PROBLEMS.items():
        if not problem_class.is_surface:
            continue
        surface = BatchedExperiment(config_for_problem(name)).problem
        plane = make_plane(surface, surface.initial_parameters(0))
        defaults = surface.defaults
        row(
            f"{name}: {n}×{n} grid, float64",
            *timed(lambda s=surface, p=plane, d=defaults: loss_grid(s, p, d.x_range, d.y_range)),
        )
        row(f"{name}: the view's map", *timed(lambda s=surface, p=plane: compute_map(s, p)))


if __name__ == "__main__":
    main()
