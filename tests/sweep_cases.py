"""What the sweep tests share: a small two-optimizer experiment and the panels' rates."""

import io

from engine.config import ExperimentConfig, OptimizerSpec
from engine.sweep import SweepResult, write_sweep_csv

PANEL_LRS = (0.001, 0.01, 0.1, 1.0)


def small_config(dtype="float64", max_steps=200, **changes) -> ExperimentConfig:
    return ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")),
        max_steps=max_steps,
        dtype=dtype,
        **changes,
    )


def csv_text(result: SweepResult) -> str:
    out = io.StringIO()
    write_sweep_csv(result, out)
    return out.getvalue()
