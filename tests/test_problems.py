"""The problems: the six surfaces' values, gradients and minima against formulas written out
again here, the MLP problem identical to the model it wraps, and the settings each refuses."""

import math

import numpy as np
import pytest
import torch

from engine.analysis.stability import loss_hessian
from engine.config.loading import build_problem
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ConfigError, DatasetSpec, ExperimentConfig
from engine.core.data import article_dataset
from engine.core.model import ParameterLayout, initial_parameters, loss_and_gradient
from engine.problems import PROBLEMS, MLPProblem, get_problem
from tests.surfaces import FORMULAS

SURFACES = sorted(FORMULAS)


def random_points(name: str, count: int = 64, seed: int = 0) -> torch.Tensor:
    """Points spread over (and a little past) the problem's view window, in float64."""
    window = get_problem(name).defaults
    unit = torch.rand(count, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    low = torch.tensor([window.x_range[0], window.y_range[0]], dtype=torch.float64)
    high = torch.tensor([window.x_range[1], window.y_range[1]], dtype=torch.float64)
    return low - 0.5 + unit * (high - low + 1.0)


def test_the_registry_holds_the_mlp_the_six_surfaces_and_a_typed_one():
    assert list(PROBLEMS) == ["mlp", *["rosenbrock", "beale", "himmelblau", "saddle", "bowl"]] + [
        "rastrigin",
        "function",
    ]
    assert set(SURFACES) == {n for n, p in PROBLEMS.items() if p.is_surface}
    with pytest.raises(KeyError, match="known: mlp, rosenbrock"):
        get_problem("sphere")


@pytest.mark.parametrize("name", SURFACES)
def test_value_and_gradient_equal_autograd_of_the_formula(name):
    problem = get_problem(name)()
    points = random_points(name)
    loss, grad = problem.loss_and_gradient(points)
    assert loss.shape == (64,) and grad.shape == (64, 2)
    leaf = points.clone().requires_grad_()
    expected = FORMULAS[name](leaf[:, 0], leaf[:, 1])
    expected.sum().backward()
    torch.testing.assert_close(loss, expected.detach(), rtol=1e-12, atol=1e-9)
    torch.testing.assert_close(grad, leaf.grad, rtol=1e-10, atol=1e-8)
    torch.testing.assert_close(problem.loss(points), loss, rtol=0, atol=0)


@pytest.mark.parametrize("name", SURFACES)
def test_hessian_equals_finite_differences_of_the_gradient(name):
    problem = get_problem(name)()
    h = 1e-5
    for point in random_points(name, count=5, seed=1):
        rows = torch.stack([point + h * e for e in torch.eye(2, dtype=torch.float64)])
        rows = torch.cat([rows, torch.stack([point - h * e for e in torch.eye(2)])])
        _, grad = problem.loss_and_gradient(rows)
        numeric = (grad[:2] - grad[2:]).T / (2 * h)
        hessian = problem.hessian(point)
        scale = max(1.0, float(hessian.abs().max()))
        torch.testing.assert_close(hessian, numeric, rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("name", [n for n in SURFACES if get_problem(n).defaults.minima])
def test_every_marked_minimum_is_a_zero_of_the_loss_and_its_gradient(name):
    problem = get_problem(name)()
    minima = torch.tensor(problem.defaults.minima, dtype=torch.float64)
    loss, grad = problem.loss_and_gradient(minima)
    assert float(loss.abs().max()) < 1e-6
    assert float(grad.abs().max()) < 1e-4  # Himmelblau's minima are given to six places
    for point in minima:
        assert float(torch.linalg.eigvalsh(problem.hessian(point)).min()) > 0


def test_himmelblau_has_four_minima_and_rosenbrock_beale_one_each():
    assert len(get_problem("himmelblau").defaults.minima) == 4
    assert get_problem("rosenbrock").defaults.minima == ((1.0, 1.0),)
    assert get_problem("beale").defaults.minima == ((3.0, 0.5),)


def test_the_saddle_point_has_one_negative_curvature():
    saddle = get_problem("saddle")()
    eigenvalues = torch.linalg.eigvalsh(saddle.hessian(torch.zeros(2, dtype=torch.float64)))
    assert eigenvalues.tolist() == pytest.approx([-1.0, 2.0])
    assert saddle.defaults.saddles == ((0.0, 0.0),)


def test_the_bowl_has_condition_number_50():
    eigenvalues = torch.linalg.eigvalsh(get_problem("bowl")().hessian(torch.zeros(2)))
    assert float(eigenvalues.max() / eigenvalues.min()) == pytest.approx(50.0)


@pytest.mark.parametrize("name", SURFACES)
def test_a_surface_starts_at_its_default_or_the_given_point(name):
    problem = get_problem(name)()
    start = problem.initial_parameters(seed=5)
    assert start.dtype == torch.float64
    assert tuple(start.tolist()) == problem.defaults.start
    assert problem.initial_parameters(0, (0.25, -3.0)).tolist() == [0.25, -3.0]
    assert problem.parameter_names == ("x", "y") and problem.size == 2


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_display_defaults_make_a_valid_config_with_the_start_and_minima_in_view(name):
    problem = get_problem(name)
    defaults = problem.defaults
    config = config_for_problem(name)
    assert (config.problem, config.start) == (name, None)
    assert config.learning_rates == defaults.learning_rates and len(defaults.learning_rates) == 4
    assert (config.stop_loss, config.max_steps) == (defaults.stop_loss, defaults.max_steps)
    (x0, x1), (y0, y1) = defaults.x_range, defaults.y_range
    for x, y in (
        *defaults.minima,
        *defaults.saddles,
        *([defaults.start] if defaults.start else []),
    ):
        assert x0 < x < x1 and y0 < y < y1


def test_the_mlp_problem_is_the_model_unchanged():
    data = article_dataset()
    problem = MLPProblem(data, hidden=3)
    layout = ParameterLayout(3, 3)
    assert torch.equal(problem.initial_parameters(7), initial_parameters(7, layout))
    flat = torch.randn(4, layout.size, generator=torch.Generator().manual_seed(1))
    loss, grad = problem.loss_and_gradient(flat)
    expected_loss, expected_grad = loss_and_gradient(flat, data, layout)
    assert torch.equal(loss, expected_loss) and torch.equal(grad, expected_grad)
    row = flat[0].double()
    assert torch.equal(problem.hessian(flat[0]), loss_hessian(row, data, layout))
    names = problem.parameter_names
    assert names[:3] == ("W1[0,0]", "W1[0,1]", "W1[0,2]") and names[9:] == (
        "b1",
        "W2[0,0]",
        "W2[1,0]",
        "W2[2,0]",
        "b2",
    )
    assert MLPProblem.defaults.learning_rates == ExperimentConfig().learning_rates


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_the_autograd_loss_of_the_split_row_is_the_batched_loss(name):
    config = config_for_problem(name)
    problem = build_problem(config, article_dataset().to(torch.float64))
    row = problem.initial_parameters(0).double() + 0.1
    tensors = [t.requires_grad_() for t in problem.split(row)]
    value = problem.autograd_loss(tensors)
    value.backward()
    loss, grad = problem.loss_and_gradient(row[None])
    torch.testing.assert_close(value.detach(), loss[0])
    torch.testing.assert_close(torch.cat([t.grad.reshape(-1) for t in tensors]), grad[0])


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"problem": "sphere"}, r"unknown problem 'sphere' \(known: mlp, rosenbrock, beale"),
        ({"problem": "rosenbrock", "hidden": 4}, "hidden units do not apply to the rosenbrock"),
        (
            {"problem": "beale", "dataset": DatasetSpec(kind="generated")},
            "a dataset does not apply to the beale problem",
        ),
        ({"problem": "bowl", "batch_size": 2}, "a batch size does not apply to the bowl problem"),
        ({"start": (1.0, 2.0)}, "a start point applies to the 2-D problems, not to the mlp"),
        ({"problem": "saddle", "start": (1.0,)}, "start must be two numbers"),
        ({"problem": "saddle", "start": (1.0, "2")}, "start must be two numbers"),
        ({"problem": "saddle", "start": (True, 2)}, "start must be two numbers"),
        ({"problem": "saddle", "start": (1.0, math.inf)}, "start must be finite"),
    ],
)
def test_a_setting_that_does_not_fit_the_problem_is_refused_in_one_line(changes, message):
    with pytest.raises(ConfigError, match=message) as info:
        ExperimentConfig(**changes)
    assert "\n" not in str(info.value)


def test_a_start_is_kept_as_two_floats_and_mlp_settings_at_their_defaults_are_accepted():
    config = ExperimentConfig(problem="bowl", start=[1, -2], hidden=3, batch_size=None)
    assert config.start == (1.0, -2.0) and isinstance(config.start[0], float)
    assert config == ExperimentConfig(problem="bowl", start=(1.0, -2.0))


def test_switching_problems_keeps_the_optimizers_and_resets_what_does_not_apply():
    base = ExperimentConfig(hidden=5, batch_size=2, seed=3, dtype="float64")
    rosenbrock = config_for_problem("rosenbrock", base)
    assert (rosenbrock.hidden, rosenbrock.batch_size) == (3, None)
    assert (rosenbrock.seed, rosenbrock.dtype, rosenbrock.optimizers) == (
        3,
        "float64",
        base.optimizers,
    )
    back = config_for_problem("mlp", rosenbrock.with_changes(start=(0.0, 0.0)))
    assert back.start is None and back.learning_rates == (0.001, 0.01, 0.1, 1.0)
    np.testing.assert_equal(back.stop_loss, 0.1)
