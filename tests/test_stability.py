"""The loss Hessian against finite differences, and 2/λ_max as gradient descent's real limit."""

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.analysis.readings import Stability, stability_limit
from engine.analysis.stability import (
    initial_stability,
    largest_eigenvalue,
    loss_hessian,
    stability_at,
    stability_per_run,
)
from engine.config.settings import ExperimentConfig
from engine.core.data import Dataset, article_dataset
from engine.core.model import ParameterLayout, initial_parameters, loss_and_gradient

STEP = 1e-5  # central differences: error ~ STEP² · third derivative, round-off ~ 1e-16 / STEP
DATA64 = article_dataset().to(torch.float64)


def finite_difference_hessian(
    flat: torch.Tensor, data: Dataset, layout: ParameterLayout
) -> torch.Tensor:
    """Column i is (g(θ + h·e_i) − g(θ − h·e_i)) / 2h of the hand-written gradient g, in float64."""
    theta = flat.to(torch.float64)
    shifts = torch.eye(layout.size, dtype=torch.float64) * STEP
    rows = torch.cat([theta + shifts, theta - shifts])
    _, grad = loss_and_gradient(rows, data.to(torch.float64), layout)
    plus, minus = grad.split(layout.size)
    return (plus - minus).T / (2 * STEP)


def relu_margin(flat: torch.Tensor, data: Dataset, layout: ParameterLayout) -> float:
    """How far every hidden pre-activation is from ReLU's kink, where the loss has no Hessian."""
    p = layout.unflatten(flat.to(torch.float64)[None])
    pre = data.x.to(torch.float64) @ p["W1"][0] + p["b1"][0]
    return float(pre.abs().min())


def assert_matches_finite_differences(flat: torch.Tensor, layout: ParameterLayout) -> None:
    hessian = loss_hessian(flat, DATA64, layout)
    numeric = finite_difference_hessian(flat, DATA64, layout)
    scale = max(1.0, float(hessian.abs().max()))
    torch.testing.assert_close(hessian, numeric, rtol=1e-3, atol=1e-6 * scale)
    assert largest_eigenvalue(hessian) == pytest.approx(largest_eigenvalue(numeric), rel=1e-3)


@pytest.mark.parametrize("hidden", [1, 3, 5])
@pytest.mark.parametrize("seed", range(5))
def test_hessian_matches_finite_differences_at_initial_parameters(seed, hidden):
    layout = ParameterLayout(3, hidden)
    flat = initial_parameters(seed, layout)
    assert relu_margin(flat, DATA64, layout) > 1e-3, "a kink this close spoils the differences"
    assert_matches_finite_differences(flat, layout)


@settings(max_examples=25, deadline=None)
@given(hidden=st.sampled_from([1, 3, 5]), seed=st.integers(0, 10_000), scale=st.floats(0.1, 3.0))
def test_hessian_matches_finite_differences_at_random_points(hidden, seed, scale):
    layout = ParameterLayout(3, hidden)
    generator = torch.Generator().manual_seed(seed)
    flat = torch.randn(layout.size, dtype=torch.float64, generator=generator) * scale
    assume(relu_margin(flat, DATA64, layout) > 1e-3)
    assert_matches_finite_differences(flat, layout)


@settings(max_examples=20, deadline=None)
@given(
    activation=st.sampled_from(["tanh", "softplus"]),
    hidden=st.sampled_from([1, 3, 5]),
    seed=st.integers(0, 10_000),
    scale=st.floats(0.1, 3.0),
)
def test_a_smooth_activations_hessian_matches_finite_differences(activation, hidden, seed, scale):
    """No kink to stay away from: tanh and softplus have a Hessian everywhere."""
    layout = ParameterLayout(3, hidden, activation)
    generator = torch.Generator().manual_seed(seed)
    flat = torch.randn(layout.size, dtype=torch.float64, generator=generator) * scale
    assert_matches_finite_differences(flat, layout)


def test_initial_stability_follows_the_activation():
    for activation in ("tanh", "softplus"):
        config = ExperimentConfig(activation=activation)
        layout = ParameterLayout(3, 3, activation)
        expected = stability_at(initial_parameters(0, layout), DATA64, layout)
        assert initial_stability(config) == expected
        assert expected != initial_stability(ExperimentConfig())


@pytest.mark.parametrize("hidden", [1, 3, 5])
def test_hessian_is_symmetric_float64_and_p_by_p(hidden):
    layout = ParameterLayout(3, hidden)
    hessian = loss_hessian(initial_parameters(0, layout), article_dataset(), layout)
    assert hessian.shape == (layout.size, layout.size) and hessian.dtype == torch.float64
    scale = float(hessian.abs().max())
    torch.testing.assert_close(hessian, hessian.T, rtol=0, atol=1e-12 * scale)


def test_hessian_takes_one_row_only():
    layout = ParameterLayout(3, 3)
    with pytest.raises(ValueError, match="one parameter row"):
        loss_hessian(initial_parameters(0, layout)[None], DATA64, layout)


def test_largest_eigenvalue_is_the_top_of_the_spectrum():
    generator = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(4, 4, dtype=torch.float64, generator=generator))
    matrix = q @ torch.diag(torch.tensor([-7.0, 0.5, 2.0, 3.0], dtype=torch.float64)) @ q.T
    assert largest_eigenvalue(matrix) == pytest.approx(3.0, rel=1e-12)
    assert math.isnan(largest_eigenvalue(torch.full((2, 2), math.nan, dtype=torch.float64)))


def test_stability_limit():
    assert stability_limit(4.0) == 0.5
    assert stability_limit(0.0) == math.inf
    assert stability_limit(-3.0) == math.inf
    assert math.isnan(stability_limit(math.nan))


def test_describe_is_the_summary_line():
    stability = initial_stability(ExperimentConfig())
    line = stability.describe()
    assert re.fullmatch(r"lambda_max=\S+ 2/lambda_max=\S+", line), line
    assert stability.lambda_max > 0
    assert stability.limit == 2 / stability.lambda_max
    assert Stability(12.5, 0.16).describe() == "lambda_max=12.5 2/lambda_max=0.16"
    assert Stability(-1.0, math.inf).describe() == "lambda_max=-1 2/lambda_max=inf"


def test_initial_stability_is_at_the_experiments_starting_point():
    for seed, hidden in [(0, 3), (3, 1), (4, 5)]:
        config = ExperimentConfig(seed=seed, hidden=hidden)
        layout = ParameterLayout(3, hidden)
        expected = stability_at(initial_parameters(seed, layout), DATA64, layout)
        assert initial_stability(config) == expected
    # the article's start (seed 0): learning rate 1.0 is beyond the limit, 0.1 within it
    article = initial_stability(ExperimentConfig())
    assert article.lambda_max == pytest.approx(12.4513, rel=1e-5)
    assert 0.1 < article.limit < 1.0


def test_initial_stability_uses_the_given_data():
    data = Dataset(DATA64.x * 2.0, DATA64.y)
    assert initial_stability(ExperimentConfig(), data) != initial_stability(ExperimentConfig())


def test_stability_per_run_is_nan_for_non_finite_rows():
    layout = ParameterLayout(3, 3)
    rows = torch.stack([initial_parameters(seed, layout) for seed in range(4)])
    rows[1, 2] = math.nan
    rows[3, 0] = math.inf
    per_run = stability_per_run(rows, article_dataset(), layout)
    assert per_run.shape == (4,) and per_run.dtype == np.float64
    assert np.isnan(per_run[[1, 3]]).all()
    for r in (0, 2):
        assert per_run[r] == stability_at(rows[r], article_dataset(), layout).lambda_max


# --- the physics: 2/λ_max is where plain gradient descent stops converging -----------------
#
# At the article's starting points the loss is far from quadratic (one eigenvalue is negative,
# and large steps switch ReLUs off), so the engine's SGD from there does not split cleanly at
# 2/λ_max: seed 0 converges even at 3·(2/λ_max). Near a minimum it does, sharply.


def _outputs(flat: torch.Tensor, layout: ParameterLayout) -> torch.Tensor:
    p = layout.unflatten(flat[None])
    hidden = torch.relu(DATA64.x @ p["W1"][0] + p["b1"][0])
    return (hidden @ p["W2"][0] + p["b2"][0])[:, 0]


@pytest.fixture(scope="module")
def minimum() -> tuple[torch.Tensor, ParameterLayout]:
    """A minimum of the article's loss with every ReLU away from its kink: gradient descent
    from seed 2's start, then Gauss-Newton steps (the 5 residuals fit exactly)."""
    layout = ParameterLayout(3, 3)
    flat = initial_parameters(2, layout).to(torch.float64)
    for _ in range(300):
        flat = flat - 0.1 * loss_and_gradient(flat[None], DATA64, layout)[1][0]
    for _ in range(10):
        residual = _outputs(flat, layout) - DATA64.y[:, 0]
        jacobian = torch.autograd.functional.jacobian(lambda f: _outputs(f, layout), flat)
        flat = flat - torch.linalg.lstsq(jacobian, residual[:, None], driver="gelsd")[0][:, 0]
    loss, grad = loss_and_gradient(flat[None], DATA64, layout)
    assert float(loss[0]) < 1e-20 and float(grad.abs().max()) < 1e-9
    assert relu_margin(flat, DATA64, layout) > 1e-2
    return flat, layout


def _gradient_descent_losses(flat, layout, lr: float, steps: int) -> np.ndarray:
    losses = []
    for _ in range(steps):
        loss, grad = loss_and_gradient(flat[None], DATA64, layout)
        losses.append(float(loss[0]))
        flat = flat - lr * grad[0]
    return np.array(losses)


@pytest.mark.parametrize("trial", range(3))
def test_gradient_descent_near_a_minimum_blows_up_exactly_beyond_two_over_lambda(minimum, trial):
    flat, layout = minimum
    limit = stability_at(flat, DATA64, layout).limit
    kick = torch.randn(
        layout.size, dtype=torch.float64, generator=torch.Generator().manual_seed(trial)
    )
    start = flat + 1e-4 * kick / kick.norm()
    for factor in (0.8, 0.95):
        losses = _gradient_descent_losses(start, layout, factor * limit, 40)
        assert losses.max() <= losses[0] * (1 + 1e-9), factor
        assert losses[-1] < 0.9 * losses[0], factor
    for factor in (1.05, 1.25):
        losses = _gradient_descent_losses(start, layout, factor * limit, 80)
        assert losses.max() > 100 * losses[0], factor


def test_gradient_descent_on_the_quadratic_model_splits_at_two_over_lambda(minimum):
    """On f(θ) = ½ θᵀHθ, with H the loss's Hessian at a minimum, lr = 1.9/λ converges and
    2.1/λ diverges: the component along the top eigenvector is multiplied by 1 − lr·λ."""
    flat, layout = minimum
    hessian = loss_hessian(flat, DATA64, layout)
    eigenvalues = torch.linalg.eigvalsh(hessian)
    assert eigenvalues.min() > -1e-9 * eigenvalues.max(), "the Hessian at a minimum is PSD"
    lambda_max = largest_eigenvalue(hessian)

    def quadratic_values(lr: float, steps: int = 300) -> np.ndarray:
        theta, values = torch.ones(layout.size, dtype=torch.float64), []
        for _ in range(steps):
            values.append(float(0.5 * theta @ hessian @ theta))
            theta = theta - lr * (hessian @ theta)  # the gradient of ½ θᵀHθ is Hθ
        return np.array(values)

    values = quadratic_values(1.9 / lambda_max)
    assert (np.diff(values) <= 0).all() and values[-1] < 0.1 * values[0]
    values = quadratic_values(2.1 / lambda_max)
    assert values[-1] > 1e6 * values[0]
