"""The batched experiment: equal to independent one-run loops, deterministic, contained."""

import numpy as np
import pytest
import torch

from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.optimizers import ARTICLE_OPTIMIZERS
from tests import reference

STATUS = {
    "converged": RunStatus.CONVERGED,
    "diverged": RunStatus.DIVERGED,
    "max": RunStatus.MAX_STEPS,
}


def article_config(**changes):
    return ExperimentConfig(**{"dtype": "float64", **changes})


@pytest.mark.parametrize("name", ARTICLE_OPTIMIZERS)
def test_every_run_equals_an_independent_one_run_loop_in_float64(name):
    specs = (
        (OptimizerSpec.create(name), OptimizerSpec.create("sgd"))
        if name != "sgd"
        else (OptimizerSpec.create("sgd"),)
    )
    config = article_config(optimizers=specs, max_steps=400)
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    for run in experiment.runs:
        if run.optimizer.name != name:
            continue
        losses, (status, step), params = reference.one_run(
            name, dict(run.optimizer.params), run.lr, max_steps=400
        )
        ours = experiment.losses(run.index)
        assert len(ours) == len(losses), run
        np.testing.assert_allclose(ours, losses, rtol=1e-10, atol=1e-12)
        summary = experiment.summary(run.index)
        assert (summary.status, summary.status_step) == (STATUS[status], step)
        snapshot = experiment.snapshot(run.index)
        for key, expected in zip(("W1", "b1", "W2", "b2"), params):
            np.testing.assert_allclose(
                snapshot.params[key], expected.detach().numpy(), rtol=1e-10, atol=1e-12
            )


def test_adam_with_bias_correction_equals_its_one_run_loop():
    spec = OptimizerSpec.create("adam", {"bias_correction": True, "beta2": 0.99})
    experiment = BatchedExperiment(article_config(optimizers=(spec,), stop_loss=0.0, max_steps=300))
    experiment.run_to_end()
    for run in experiment.runs:
        losses, _, _ = reference.one_run(
            "adam", dict(spec.params), run.lr, max_steps=300, stop_loss=0.0
        )
        np.testing.assert_allclose(experiment.losses(run.index), losses, rtol=1e-10, atol=1e-12)


def test_default_experiment_in_float32_matches_the_reference_closely():
    experiment = BatchedExperiment()
    experiment.run_to_end()
    for run in experiment.runs:
        losses, (status, step), _ = reference.one_run(
            run.optimizer.name, dict(run.optimizer.params), run.lr, dtype=torch.float32
        )
        summary = experiment.summary(run.index)
        assert (summary.status, summary.status_step) == (STATUS[status], step), run
        np.testing.assert_allclose(experiment.losses(run.index), losses, rtol=2e-4)


def test_same_config_gives_bitwise_identical_losses():
    first, second = BatchedExperiment(), BatchedExperiment()
    first.run_to_end()
    second.run_to_end()
    np.testing.assert_array_equal(first.loss_buffer, second.loss_buffer)
    second.reset()
    second.run_to_end()
    np.testing.assert_array_equal(first.loss_buffer, second.loss_buffer)


def test_n_single_steps_equal_one_call_of_n_steps():
    stepped, jumped = BatchedExperiment(), BatchedExperiment()
    for _ in range(150):
        stepped.step(1)
    assert jumped.step(150) == 150
    np.testing.assert_array_equal(stepped.loss_buffer, jumped.loss_buffer)
    np.testing.assert_array_equal(stepped.counts, jumped.counts)
    for run in range(len(stepped.runs)):
        a, b = stepped.snapshot(run), jumped.snapshot(run)
        for k in a.params:
            np.testing.assert_array_equal(a.params[k], b.params[k])


def test_step_advances_every_unfinished_run_by_exactly_one_loss():
    experiment = BatchedExperiment()
    assert experiment.step(1) == 1
    assert list(experiment.counts) == [1] * 16
    experiment.step(20)
    finished = [s for s in experiment.summaries() if s.status is not RunStatus.RUNNING]
    running = [s for s in experiment.summaries() if s.status is RunStatus.RUNNING]
    assert finished and running
    before = experiment.counts
    experiment.step(1)
    after = experiment.counts
    for s in finished:
        assert after[s.run.index] == before[s.run.index]
    for s in running:
        assert after[s.run.index] == before[s.run.index] + 1


def test_divergence_is_marked_and_contained():
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"),), learning_rates=(0.01, 1e6), max_steps=200
    )
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    calm, wild = experiment.summaries()
    assert wild.status is RunStatus.DIVERGED
    assert wild.status_step == wild.steps  # no loss recorded at the step it diverged
    assert np.isfinite(experiment.losses(1)).all()
    alone = BatchedExperiment(config.with_changes(learning_rates=(0.01,)))
    alone.run_to_end()
    np.testing.assert_array_equal(experiment.losses(0), alone.losses(0))
    assert calm.status == alone.summary(0).status


def test_finished_runs_stop_changing():
    experiment = BatchedExperiment()
    experiment.step(50)
    done = [s.run.index for s in experiment.summaries() if s.status is RunStatus.CONVERGED]
    assert done
    frozen = {r: experiment.snapshot(r) for r in done}
    experiment.step(100)
    for r, before in frozen.items():
        after = experiment.snapshot(r)
        for k in before.params:
            np.testing.assert_array_equal(before.params[k], after.params[k])
        for k, value in before.state.items():
            if isinstance(value, dict):
                for name in value:
                    np.testing.assert_array_equal(value[name], after.state[k][name])
            else:
                assert value == after.state[k]


def test_max_steps_limits_the_recorded_losses():
    experiment = BatchedExperiment(ExperimentConfig(max_steps=5, stop_loss=0.0))
    experiment.run_to_end()
    assert experiment.steps_taken == 5 and experiment.done
    for s in experiment.summaries():
        assert s.steps == 5 and s.status is RunStatus.MAX_STEPS and s.status_step == 4
        assert s.describe() == "reached max steps (5)"
    assert experiment.step(3) == 0


def test_snapshot_shows_state_and_the_gradient_at_the_current_step():
    experiment = BatchedExperiment(article_config())
    experiment.step(3)
    run = next(r for r in experiment.runs if r.optimizer.name == "adam")
    snap = experiment.snapshot(run.index)
    assert snap.step == 3 and snap.state["step"] == 3.0
    assert set(snap.state) == {"m", "v", "step"} and snap.state["m"]["W1"].shape == (3, 3)
    assert snap.loss == pytest.approx(
        float(
            reference.mse(
                [torch.from_numpy(snap.params[k]) for k in ("W1", "b1", "W2", "b2")],
                *(
                    t.double()
                    for t in (reference.article_dataset().x, reference.article_dataset().y)
                ),
            )
        )
    )
    experiment.step(1)
    assert experiment.losses(run.index)[-1] == pytest.approx(snap.loss, rel=1e-12)


def test_every_run_starts_from_the_same_parameters():
    experiment = BatchedExperiment(ExperimentConfig(seed=5))
    first = experiment.snapshot(0).params
    for run in experiment.runs[1:]:
        for k, v in experiment.snapshot(run.index).params.items():
            np.testing.assert_array_equal(v, first[k])
    initial = {s.run.index: s for s in experiment.summaries()}
    assert all(s.steps == 0 and s.final_loss is None for s in initial.values())


@pytest.mark.parametrize("activation", ["tanh", "softplus"])
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_a_smooth_activation_run_equals_its_one_run_loop(activation, name):
    specs = (OptimizerSpec.create(name),)
    config = article_config(optimizers=specs, max_steps=300, activation=activation)
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    for run in experiment.runs:
        losses, (status, step), _ = reference.one_run(
            name, dict(run.optimizer.params), run.lr, max_steps=300, activation=activation
        )
        np.testing.assert_allclose(experiment.losses(run.index), losses, rtol=1e-10, atol=1e-12)
        summary = experiment.summary(run.index)
        assert (summary.status, summary.status_step) == (STATUS[status], step)


def test_the_torch_optim_twin_uses_the_activation():
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("adam_torch"), OptimizerSpec.create("sgd")),
        activation="tanh",
        max_steps=200,
    )
    experiment = BatchedExperiment(config, reference=True)
    experiment.run_to_end()
    assert (experiment.reference.max_diff < 1e-4).all(), experiment.reference.max_diff
    ours = experiment.loss_buffer
    np.testing.assert_allclose(experiment.reference.losses, ours, rtol=1e-4)


def test_an_unknown_activation_is_one_clear_config_error():
    from engine.config.settings import ConfigError

    message = "activation must be one of relu, tanh, softplus, not 'x'"
    with pytest.raises(ConfigError, match=f"^{message}$"):
        ExperimentConfig(activation="x")
    assert ExperimentConfig().activation == "relu"
