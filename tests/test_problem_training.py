"""Training a 2-D problem: every torch-style optimizer equals torch.optim on the same function
from the same start; recorded paths line up with the losses; the inspector, the stability
limit and the live reference check work on a surface as on the MLP."""

import numpy as np
import pytest
import torch

from engine.analysis.inspection import inspect_run, weight_names
from engine.analysis.stability import initial_stability
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.live.updates import started
from engine.problems import get_problem
from tests.surfaces import FORMULAS
from tests.test_optimizer_family import TWINS, torch_optimizer

STEPS = 200
# Two rates per surface where no twin diverges (torch's momentum steps are 1/(1 − μ) = 10×
# the article's) or turns chaotic (where rounding differences between two correct
# implementations grow without bound, and no tolerance would compare the rules).
PARITY_RATES = {
    "rosenbrock": (0.0001, 0.0003),
    "beale": (0.001, 0.003),
    "himmelblau": (0.003, 0.01),
    "saddle": (0.01, 0.1),
    "bowl": (0.01, 0.03),
    "rastrigin": (0.001, 0.002),
    "function": (0.01, 0.03),  # the typed f's default, x**2 + 5*y**2
}


def torch_path(name, hp, lr, surface, start, steps=STEPS):
    """torch.optim on the formula from ``start``: the point before each of ``steps`` updates."""
    point = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(name, hp, [point], lr=lr)
    path = []
    for _ in range(steps):
        path.append(point.detach().clone())
        optimizer.zero_grad()
        FORMULAS[surface](point[0], point[1]).backward()
        optimizer.step()
    return torch.stack(path)


@pytest.mark.parametrize("surface", sorted(FORMULAS))
def test_every_torch_style_optimizer_equals_torch_optim_on_the_surface(surface):
    """All twins × two learning rates, batched in one experiment, each run's recorded path
    against its own torch.optim run, point by point, 200 steps."""
    config = config_for_problem(surface).with_changes(
        optimizers=tuple(OptimizerSpec.create(name) for name in TWINS),
        learning_rates=PARITY_RATES[surface],
        max_steps=STEPS,
        stop_loss=-1.0,
        dtype="float64",
    )
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.run_to_end()
    start = get_problem(surface).defaults.start
    for run in experiment.runs:
        expected = torch_path(run.optimizer.name, run.optimizer.params, run.lr, surface, start)
        ours = torch.from_numpy(experiment.parameters(run.index))
        assert len(ours) == STEPS, run  # no run may diverge at these rates
        torch.testing.assert_close(ours, expected, msg=lambda m, r=run: f"{r}: {m}")


def test_a_given_start_is_where_every_run_begins():
    config = ExperimentConfig(problem="himmelblau", start=(-1.0, 4.0), max_steps=3)
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.run_to_end()
    assert experiment.initial_parameters.tolist() == [-1.0, 4.0]
    np.testing.assert_array_equal(experiment.parameter_buffer[:, 0], [[-1.0, 4.0]] * 16)


@pytest.mark.parametrize("problem", ["mlp", "rosenbrock"])
def test_the_recorded_path_is_where_each_loss_was_computed(problem):
    """Column k of a run's path is the point its loss k was computed at, up to its count (past
    the first 256 steps, where the buffer grows); a finished run's last point is where it
    stopped."""
    config = config_for_problem(problem).with_changes(dtype="float64", max_steps=600)
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.run_to_end()
    buffer = experiment.parameter_buffer
    counts = experiment.counts
    assert buffer.shape == (16, counts.max(), experiment.problem.size)
    assert not buffer.flags.writeable
    for run in experiment.runs:
        path = experiment.parameters(run.index)
        assert len(path) == counts[run.index] and np.isnan(buffer[run.index, len(path) :]).all()
        np.testing.assert_array_equal(path[0], experiment.initial_parameters)
        loss = experiment.problem.loss(torch.from_numpy(path)).numpy()
        np.testing.assert_allclose(loss, experiment.losses(run.index), rtol=1e-12, atol=1e-15)
        if experiment.summary(run.index).status is not RunStatus.DIVERGED:
            snapshot = experiment.snapshot(run.index)
            last = np.concatenate([v.reshape(-1) for v in snapshot.params.values()])
            np.testing.assert_array_equal(path[-1], last)


def test_recording_changes_no_loss_and_is_refused_when_off():
    plain, recording = BatchedExperiment(), BatchedExperiment(record_parameters=True)
    plain.run_to_end()
    recording.run_to_end()
    np.testing.assert_array_equal(plain.loss_buffer, recording.loss_buffer)
    with pytest.raises(ValueError, match="record_parameters=True"):
        plain.parameter_buffer  # noqa: B018
    recording.reset()
    assert recording.parameter_buffer.shape == (16, 0, 14)


def test_the_inspector_names_x_and_y_and_its_update_is_the_real_step():
    config = config_for_problem("rosenbrock").with_changes(
        dtype="float64", learning_rates=(0.0003, 0.001)
    )
    experiment = BatchedExperiment(config)
    experiment.step(5)
    assert weight_names(experiment) == ["x", "y"]
    assert experiment.layout is None
    for run in experiment.runs:
        inspection = inspect_run(experiment, run.index, 1)
        assert set(inspection.snapshot.params) == {"x", "y"}
        assert inspection.breakdown.weight == "y"
        ahead = BatchedExperiment(config)
        ahead.step(6)
        assert inspection.breakdown.new_theta == ahead.snapshot(run.index).params["y"][0]


def test_the_stability_limit_of_a_surface_comes_from_its_hessian():
    bowl = initial_stability(config_for_problem("bowl"))
    assert (bowl.lambda_max, bowl.limit) == (pytest.approx(50.0), pytest.approx(0.04))
    # Rosenbrock at (−2, 2): fxx = 2 − 400(y − 3x²) = 4002, fxy = −400x = 800, fyy = 200
    expected = np.linalg.eigvalsh(np.array([[4002.0, 800.0], [800.0, 200.0]])).max()
    rosenbrock = initial_stability(config_for_problem("rosenbrock"))
    assert rosenbrock.lambda_max == pytest.approx(expected, rel=1e-12)
    experiment = BatchedExperiment(config_for_problem("rosenbrock"))
    assert started(experiment, 0).stability.lambda_max == pytest.approx(expected, rel=1e-6)


def test_the_live_reference_check_follows_a_surface():
    config = config_for_problem("beale").with_changes(
        optimizers=(OptimizerSpec.create("adam_torch"), OptimizerSpec.create("momentum")),
        dtype="float64",
        max_steps=300,
    )
    experiment = BatchedExperiment(config, reference=True)
    experiment.run_to_end()
    check = experiment.reference
    for run in experiment.runs:
        if run.optimizer.name == "adam_torch":
            assert check.max_diff[run.index] < 1e-9
            count = experiment.counts[run.index]
            np.testing.assert_allclose(
                check.losses[run.index, :count], experiment.losses(run.index), rtol=1e-9
            )
        else:
            assert check.notes[run.index]  # no twin: says why
