"""Sharpness per run and step: the batched Hessians, their top eigenvalues, the tracker's step
indexing, the preconditioned sharpness against torch.optim's own Adam, and the CSV table."""

import csv
import io
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.analysis.sharpness import (
    SharpnessTracker,
    WarmLanczos,
    loss_hessians,
    precondition,
    top_eigenvalues,
)
from engine.analysis.stability import initial_stability, largest_eigenvalue, loss_hessian
from engine.config.settings import DatasetSpec, ExperimentConfig, OptimizerSpec
from engine.core.data import generated_dataset
from engine.core.model import ACTIVATIONS, ParameterLayout
from engine.experiment.batched import BatchedExperiment
from engine.io.records import SHARPNESS_HEADER, write_sharpness_csv
from engine.optimizers.schedules import ScheduleSpec
from tests import reference
from tests.test_stability import finite_difference_hessian

DATA = generated_dataset(20, 0.0, 0)
SMOOTH = {
    "activation": "tanh",
    "seed": 3,
    "stop_loss": 0.0,
    "dataset": DatasetSpec(kind="generated", samples=20, noise=0.0, seed=0),
}


def smooth_config(**changes) -> ExperimentConfig:
    return ExperimentConfig(**{**SMOOTH, "dtype": "float64", **changes})


def specs(*names: str) -> tuple[OptimizerSpec, ...]:
    return tuple(OptimizerSpec.create(name) for name in names)


# --- the Hessians and their top eigenvalues ------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(
    activation=st.sampled_from(ACTIVATIONS),
    hidden=st.sampled_from([1, 3, 8]),
    seed=st.integers(0, 10_000),
    scale=st.floats(0.1, 3.0),
)
def test_batched_hessians_equal_autograds_one_by_one(activation, hidden, seed, scale):
    layout = ParameterLayout(3, hidden, activation)
    generator = torch.Generator().manual_seed(seed)
    rows = torch.randn(3, layout.size, dtype=torch.float64, generator=generator) * scale
    hessians = loss_hessians(rows, DATA, layout)
    assert hessians.shape == (3, layout.size, layout.size) and hessians.dtype == torch.float64
    for row, hessian in zip(rows, hessians):
        expected = loss_hessian(row, DATA, layout)
        scale = float(expected.abs().max())
        torch.testing.assert_close(hessian, expected, rtol=0, atol=1e-12 * scale)


def test_top_eigenvalues_are_nan_for_non_finite_matrices_only():
    generator = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(3, 5, 5, dtype=torch.float64, generator=generator))
    spectrum = torch.tensor([[-9.0, 0, 1, 2, 3], [-1, -1, -1, -1, -0.5], [0, 0, 0, 0, 7]])
    matrices = q @ torch.diag_embed(spectrum.double()) @ q.transpose(1, 2)
    matrices[1, 2, 3] = math.inf
    values = top_eigenvalues(matrices)
    assert values[0] == pytest.approx(3.0, rel=1e-12) and values[2] == pytest.approx(7.0)
    assert np.isnan(values[1])


def test_preconditioned_sharpness_is_the_top_eigenvalue_of_p_inverse_h():
    """P^{-1/2}·H·P^{-1/2} is similar to P⁻¹·H: same eigenvalues, computed here unsymmetric."""
    layout = ParameterLayout(3, 3, "tanh")
    generator = torch.Generator().manual_seed(1)
    rows = torch.randn(2, layout.size, dtype=torch.float64, generator=generator)
    p = torch.rand(2, layout.size, dtype=torch.float64, generator=generator) + 0.01
    values = top_eigenvalues(precondition(loss_hessians(rows, DATA, layout), p))
    for r in range(2):
        direct = np.linalg.eigvals((loss_hessian(rows[r], DATA, layout) / p[r, :, None]).numpy())
        assert values[r] == pytest.approx(direct.real.max(), rel=1e-10)


def _with_spectrum(top: float, generator: torch.Generator, size: int = 14) -> torch.Tensor:
    """A symmetric matrix with largest eigenvalue ``top`` and a larger negative one."""
    q, _ = torch.linalg.qr(torch.randn(size, size, dtype=torch.float64, generator=generator))
    spectrum = torch.linspace(-2 * top, 0.9 * top, size, dtype=torch.float64)
    spectrum[-1] = top
    return q @ torch.diag(spectrum) @ q.T


def test_warm_lanczos_finds_the_top_eigenvalue_to_its_tolerance():
    generator = torch.Generator().manual_seed(2)
    matrices = torch.stack([_with_spectrum(top, generator) for top in (1.0, 50.0, 1e-3)])
    solver = WarmLanczos(5, 14)
    values = solver(matrices, np.array([0, 3, 4]))
    np.testing.assert_allclose(values, [1.0, 50.0, 1e-3], rtol=1e-4)
    broken = matrices.clone()
    broken[1, 0, 0] = math.nan
    values = solver(broken, np.array([0, 3, 4]))
    assert np.isnan(values[1]) and values[2] == pytest.approx(1e-3, rel=1e-4)


def test_warm_lanczos_past_an_invariant_subspace():
    """A matrix with two distinct eigenvalues spans its Krylov space in two steps; while
    another run keeps iterating it must go on from a new direction, not from zero (which
    would report 0 as the top of a negative-definite matrix)."""
    generator = torch.Generator().manual_seed(5)
    q, _ = torch.linalg.qr(torch.randn(14, 14, dtype=torch.float64, generator=generator))
    spectrum = torch.tensor([-5.0] + [-1.0] * 13, dtype=torch.float64)
    negative = q @ torch.diag(spectrum) @ q.T
    matrices = torch.stack([negative, _with_spectrum(1.0, generator)])
    values = WarmLanczos(2, 14)(matrices, np.array([0, 1]))
    np.testing.assert_allclose(values, [-1.0, 1.0], rtol=1e-4)


def test_warm_lanczos_out_of_products_falls_back_to_eigvalsh():
    generator = torch.Generator().manual_seed(4)
    matrices = torch.stack([_with_spectrum(top, generator, size=30) for top in (1.0, 2.0)])
    solver = WarmLanczos(2, 30, basis=2, max_products=2)
    np.testing.assert_allclose(solver(matrices, np.array([0, 1])), [1.0, 2.0], rtol=1e-12)
    assert solver.products == 2


def test_warm_lanczos_follows_a_drifting_matrix_and_a_crossing():
    """Along a path where the top eigenvalue changes direction (two eigenvalues cross), the warm
    start must not hold on to the old direction."""
    generator = torch.Generator().manual_seed(3)
    q, _ = torch.linalg.qr(torch.randn(20, 20, dtype=torch.float64, generator=generator))
    solver = WarmLanczos(1, 20)
    for t in np.linspace(0, 1, 30):
        spectrum = torch.linspace(-3, 1, 20, dtype=torch.float64)
        spectrum[-1], spectrum[-2] = 2.0 - t, 1.0 + t  # they cross at t = 0.5
        matrix = q @ torch.diag(spectrum) @ q.T
        (value,) = solver(matrix[None], np.array([0]))
        assert value == pytest.approx(max(2.0 - t, 1.0 + t), rel=1e-4)


# --- the tracker ---------------------------------------------------------------------------


def test_sharpness_at_step_0_is_the_initial_stability():
    for config in (ExperimentConfig(max_steps=3), smooth_config(max_steps=3, dtype="float32")):
        experiment = BatchedExperiment(config)
        tracker = SharpnessTracker(experiment)
        tracker.run_to_end()
        expected = initial_stability(config, experiment.data).lambda_max
        np.testing.assert_allclose(tracker.sharpness[:, 0], expected, rtol=1e-12)


def test_sharpness_later_is_the_finite_difference_hessians():
    """At steps 0 and 150 of a tanh run, λ from the tracker against the top eigenvalue of
    central differences of the hand-written gradient at that run's parameters (float64).
    Between the two the runs sharpen (SGD 9.70 → 10.53, Adam 9.70 → 12.98), so a λ left at
    step 0's value fails at step 150; SGD stays below 2/η, where it is stable."""
    config = smooth_config(optimizers=specs("sgd", "adam_torch"), learning_rates=(0.1,))
    start = BatchedExperiment(config).current_parameters()  # θ₀, before any update
    experiment = BatchedExperiment(config)
    tracker = SharpnessTracker(experiment)
    tracker.step(150)
    assert int(experiment.counts[0]) == 150  # so the parameters now give step 150's loss
    rows = experiment.current_parameters()
    for r in range(2):
        at = {}
        for step, theta in ((0, start[r]), (150, rows[r])):
            numeric = finite_difference_hessian(theta, experiment.data, experiment.layout)
            at[step] = largest_eigenvalue((numeric + numeric.T) / 2)
            assert tracker.sharpness[r, step] == pytest.approx(at[step], rel=1e-4)
        assert at[150] > 1.05 * at[0]  # progressive sharpening, far beyond the tolerance
    assert tracker.sharpness[0, 150] < 2 / 0.1
    assert tracker.computed.shape == (2, 151)  # nothing past step 150


@pytest.mark.parametrize("steps", [3, 60])
def test_preconditioned_sharpness_uses_torch_adams_own_denominator(steps):
    """torch.optim.Adam trains the same model; after its step from θ_k its state holds the v
    and t that step divided by: P = (1−β₁ᵗ)·(√(v/(1−β₂ᵗ)) + ε), the step being η·m/P."""
    lr = 0.05
    config = smooth_config(optimizers=specs("adam_torch"), learning_rates=(lr,))
    experiment = BatchedExperiment(config)
    tracker = SharpnessTracker(experiment)
    tracker.step(steps)

    params = reference.initial_parameters(3, 3)
    adam = torch.optim.Adam(params, lr=lr)
    x, y = experiment.data.x, experiment.data.y
    for _ in range(steps + 1):
        theta = torch.cat([p.detach().reshape(-1) for p in params])  # θ_k on the last pass
        adam.zero_grad()
        reference.mse(params, x, y, "tanh").backward()
        adam.step()
    t = steps + 1
    v = torch.cat([adam.state[p]["exp_avg_sq"].reshape(-1) for p in params])
    assert float(adam.state[params[0]]["step"]) == t
    p = (1 - 0.9**t) * ((v / (1 - 0.999**t)).sqrt() + 1e-8)
    hessian = loss_hessian(theta, experiment.data, experiment.layout).numpy()
    scaled = hessian / np.sqrt(p.numpy())[:, None] / np.sqrt(p.numpy())[None, :]
    expected = np.linalg.eigvalsh(scaled).max()
    assert tracker.preconditioned[0, steps] == pytest.approx(expected, rel=1e-6)
    assert tracker.sharpness[0, steps] == pytest.approx(largest_eigenvalue(torch.tensor(hessian)))


def test_the_inspector_shows_the_trackers_sharpness():
    """The inspector's λ (autograd, one run) and the tracker's (hand-written, batched) at the
    same step of a tanh run: the activation reaches both."""
    from engine.analysis.inspection import inspect_run

    experiment = BatchedExperiment(smooth_config(learning_rates=(0.1,)))
    tracker = SharpnessTracker(experiment)
    tracker.step(40)
    for run in experiment.runs:
        inspected = inspect_run(experiment, run.index, 0).stability.lambda_max
        assert inspected == pytest.approx(tracker.sharpness[run.index, 40], rel=1e-12)
    relu = BatchedExperiment(smooth_config(learning_rates=(0.1,), activation="relu"))
    assert inspect_run(relu, 0, 0).stability.lambda_max != pytest.approx(
        tracker.sharpness[0, 0], rel=1e-3
    )


def test_only_adaptive_runs_have_a_preconditioned_sharpness():
    config = smooth_config(optimizers=specs("sgd", "momentum", "rmsprop", "nadam"), max_steps=5)
    tracker = SharpnessTracker(BatchedExperiment(config))
    tracker.run_to_end()
    adaptive = tracker.adaptive.reshape(4, -1)[:, 0]
    assert adaptive.tolist() == [False, False, True, True]
    rows = np.repeat(adaptive, len(config.learning_rates))
    assert np.isnan(tracker.preconditioned[~rows]).all()
    assert np.isfinite(tracker.preconditioned[rows]).all()
    effective = tracker.effective_sharpness()
    np.testing.assert_array_equal(effective[rows], tracker.preconditioned[rows])
    np.testing.assert_array_equal(effective[~rows], tracker.sharpness[~rows])


def test_every_k_steps_and_never_after_a_run_stops():
    config = ExperimentConfig(max_steps=40, learning_rates=(0.001, 0.1, 1.0, 100.0))
    experiment = BatchedExperiment(config)
    tracker = SharpnessTracker(experiment, every=3)
    tracker.run_to_end()
    counts = experiment.counts
    for run in experiment.runs:
        steps = np.flatnonzero(tracker.computed[run.index])
        expected = np.arange(0, counts[run.index], 3)
        summary = experiment.summary(run.index)
        if summary.status.name == "DIVERGED" and summary.status_step % 3 == 0:
            # taken before the step found the loss non-finite; no loss, so no CSV row
            expected = np.append(expected, summary.status_step)
        np.testing.assert_array_equal(steps, expected, err_msg=str(summary))
    statuses = {s.status.name for s in experiment.summaries()}
    assert {"CONVERGED", "DIVERGED"} <= statuses


def test_record_twice_changes_nothing_and_reset_forgets():
    experiment = BatchedExperiment(smooth_config(max_steps=10))
    tracker = SharpnessTracker(experiment)
    assert tracker.step(4) == 4
    before = tracker.sharpness.copy()
    tracker.record()
    np.testing.assert_array_equal(tracker.sharpness, before)
    with pytest.raises(ValueError):
        tracker.sharpness[0, 0] = 1.0
    experiment.reset()
    tracker.reset()
    assert not tracker.computed.any()


def test_bad_settings_are_refused():
    experiment = BatchedExperiment(ExperimentConfig(max_steps=2))
    with pytest.raises(ValueError, match="every must be"):
        SharpnessTracker(experiment, every=0)
    with pytest.raises(ValueError, match="method must be one of exact, lanczos"):
        SharpnessTracker(experiment, method="power")


def test_lanczos_tracks_the_exact_values():
    config = smooth_config(optimizers=specs("sgd", "adam_torch"), max_steps=120)
    exact, lanczos = (
        SharpnessTracker(BatchedExperiment(config), method=m) for m in ("exact", "lanczos")
    )
    exact.run_to_end()
    lanczos.run_to_end()
    np.testing.assert_allclose(lanczos.sharpness, exact.sharpness, rtol=1e-4)
    np.testing.assert_allclose(lanczos.preconditioned, exact.preconditioned, rtol=1e-4)


def test_thresholds_per_run_and_per_step():
    config = ExperimentConfig(
        optimizers=specs("sgd", "momentum", "adam", "lion"),
        learning_rates=(0.1, 0.5),
        max_steps=20,
        stop_loss=0.0,
        schedule=ScheduleSpec.create("step", {"step_size": 10, "gamma": 0.5}),
    )
    experiment = BatchedExperiment(config)
    tracker = SharpnessTracker(experiment)
    tracker.run_to_end()
    np.testing.assert_allclose(tracker.thresholds[:6], [20, 4, 380, 76, 380, 76])
    assert np.isnan(tracker.thresholds[6:]).all()
    buffer = tracker.threshold_buffer()
    np.testing.assert_allclose(buffer[0, :10], 20.0)
    np.testing.assert_allclose(buffer[0, 10:20], 40.0)  # the rate halved at step 10
    assert np.isnan(buffer[6:]).all()


# --- the table -----------------------------------------------------------------------------


def test_the_csv_has_one_row_per_recorded_step_with_exact_numbers():
    config = smooth_config(optimizers=specs("sgd", "adam_torch"), max_steps=6, dtype="float32")
    experiment = BatchedExperiment(config)
    tracker = SharpnessTracker(experiment, every=2)
    tracker.run_to_end()
    handle = io.StringIO()
    write_sharpness_csv(tracker, handle)
    rows = list(csv.reader(io.StringIO(handle.getvalue())))
    assert (
        tuple(rows[0])
        == SHARPNESS_HEADER
        == (
            "optimizer",
            "lr",
            "step",
            "sharpness",
            "preconditioned",
        )
    )
    body = rows[1:]
    assert len(body) == len(experiment.runs) * 3  # steps 0, 2, 4 of every run
    for name, lr, step, sharpness, preconditioned in body:
        run = next(r for r in experiment.runs if r.optimizer.key == name and repr(r.lr) == lr)
        assert float(sharpness) == tracker.sharpness[run.index, int(step)]
        if name == "sgd":
            assert preconditioned == ""
        else:
            assert float(preconditioned) == tracker.preconditioned[run.index, int(step)]
