"""What the sweep tests share: a small two-optimizer experiment and the panels' rates."""

import io

from engine.analysis.sweep import SweepResult, write_sweep_csv
from engine.config.settings import ExperimentConfig, OptimizerSpec

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


# the panels' learning rates for 1, 2, 5 and 9 panels: at the edges of the sweep and crowded,
# so that labels must change sides and rows to show whole
MARKER_CASES = {
    1: (10.0,),
    2: (0.0001, 0.00012),
    5: (0.001, 0.0011, 0.0012, 0.0013, 0.0014),
    9: (0.0001, 0.0003, 0.001, 0.01, 0.03, 0.035, 0.1, 9.0, 10.0),
}
