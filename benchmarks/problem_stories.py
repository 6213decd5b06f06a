"""What each problem's default panels show: the four default optimizers at its default learning
rates, in the default float32, one line per run. Run: python benchmarks/problem_stories.py [NAME]

The display defaults (engine/problems) were picked from these runs so that the four panels tell
a story; one line per problem, for the README:

- The article's MLP: at 0.001 all four creep (RMSprop and Adam slowest); at 0.01 and 0.1 all
  converge; at 1.0, past 2/λ₀ ≈ 0.16, SGD bounces between the walls for all 1000 steps (loss
  16) while momentum, RMSprop and Adam converge within 6 steps.
- Rosenbrock: at small rates everyone crawls down the curved valley floor (RMSprop and Adam
  slowest: their steps are about lr long); at 0.003, far past 2/λ₀ ≈ 0.0005, SGD blows up in 4
  steps while Adam reaches (1, 1); at 0.01 momentum overshoots the valley out to x = 2.2 and
  still converges (868 steps), RMSprop zigzags across the floor without settling, and Adam
  converges in 635.
- Beale: from the plateau into the curved valley to (3, 0.5); SGD and momentum converge at
  0.01 and 0.03 but at 0.1 leap off the steep wall and diverge within 2 and 9 steps; RMSprop's
  fixed-size steps rattle round the minimum at every rate from 0.01 without settling; Adam
  converges at every rate from 0.01, in 102 steps at 0.1.
- Himmelblau: from (0, 0) everyone goes to (3, 2) at small rates; at 0.03, past the minimum's
  2/λ ≈ 0.024, SGD bounces between the walls for all 1000 steps, while momentum overshoots into
  another basin and settles at (3.58, −1.85); at 0.1 SGD diverges and RMSprop takes 38 steps.
- Saddle: SGD and momentum slide into the saddle point and sit on the ridge line for hundreds
  of steps (464 at 0.01) until the tiny y-gradient has grown enough to tip them off; RMSprop and
  Adam rescale that tiny gradient and turn off at once (within 4 and 16 steps); at lr = 1 =
  2/λ along x, SGD flips between x = ±1.5 for ever.
- Bowl (condition number 50, 2/λ_max = 0.04): SGD drops down the steep y walls then crawls
  along the flat x floor; at 0.038 it bounces between the walls with slowly shrinking swings,
  at 0.042, just past 2/λ, with growing ones until it diverges; momentum stays stable at both,
  RMSprop's fixed-size steps rattle round the minimum, and Adam converges at every rate.
- Rastrigin: nobody finds (0, 0): at 0.002 all four drop into the nearest dimple near (−2, 3)
  (loss 12.9); past the dimples' 2/λ ≈ 0.005 SGD hops chaotically from dimple to dimple, at 0.3
  momentum does too and RMSprop wanders off, while Adam stays stuck in its dimple.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.analysis.stability import initial_stability  # noqa: E402
from engine.config.problem_switch import config_for_problem  # noqa: E402
from engine.experiment.batched import BatchedExperiment  # noqa: E402
from engine.problems import PROBLEMS  # noqa: E402


def describe(name: str) -> None:
    config = config_for_problem(name)
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.run_to_end()
    problem = experiment.problem
    defaults = problem.defaults
    stability = initial_stability(config)
    print(f"== {problem.display_name}: {problem.formula}")
    print(
        f"   start {defaults.start}, rates {config.learning_rates}, max {config.max_steps} steps,"
        f" stop at loss {config.stop_loss:g}; at the start {stability.describe()}"
    )
    minima = np.array(defaults.minima) if defaults.minima else None
    for summary in experiment.summaries():
        run = summary.run
        path = experiment.parameters(run.index).astype(np.float64)
        length = float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
        line = (
            f"   {run.optimizer.label:<10} lr={run.lr:<7g} {summary.describe():<28}"
            f" loss={summary.final_loss:<11.4g} path length {length:<10.4g}"
        )
        if problem.is_surface:
            x, y = path[-1]
            line += f" ends at ({x:+.3f}, {y:+.3f})"
            if minima is not None:
                nearest = int(np.argmin(np.linalg.norm(minima - path[-1], axis=1)))
                line += f", nearest minimum ({minima[nearest][0]:g}, {minima[nearest][1]:g})"
            if name == "saddle":
                line += f", {int(np.sum(np.abs(path[:, 1]) < 0.1))} steps on the ridge |y| < 0.1"
        print(line)


if __name__ == "__main__":
    for problem_name in sys.argv[1:] or PROBLEMS:
        describe(problem_name)
