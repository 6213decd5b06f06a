"""Your own f(x, y): typed formulas train as the built-in surfaces do, their gradients and
Hessians are autograd's, and the config, experiment file, command line and map carry them."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

import main
from engine.analysis.landscape import make_plane
from engine.analysis.landscape_compute import compute_map
from engine.config.loading import build_problem, problem_defaults, problem_formula
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ConfigError, ExperimentConfig, function_spec
from engine.core.data import article_dataset
from engine.experiment.batched import BatchedExperiment
from engine.io import cli
from engine.io.experiment_file import (
    config_from_dict,
    config_to_dict,
    read_config_file,
    write_config_file,
)
from engine.problems import Beale, FunctionSpec, FunctionSurface, Himmelblau
from gui.export.offscreen import SETTINGS_KEY

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
BEALE = "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2"
HIMMELBLAU = "(x**2 + y − 11)**2 + (x + y**2 − 7)**2"  # with the minus sign U+2212


def config_of(*argv):
    return cli.config_from_args(cli.parse_args(list(argv)))


def losses(config: ExperimentConfig) -> np.ndarray:
    experiment = BatchedExperiment(config)
    experiment.step(config.max_steps)
    return experiment.loss_buffer


def test_the_typed_rosenbrock_trains_as_the_built_in_one_to_1e_12():
    common = ("--max-steps", "200", "--stop-loss", "0", "--dtype", "float64")
    rates = ("--lrs", "0.0003,0.001,0.003,0.01")
    typed = config_of("--function", ROSENBROCK, "--start=-2,2", *rates, *common)
    built_in = config_of("--problem", "rosenbrock", *common)
    assert typed.problem == "function" and typed.learning_rates == built_in.learning_rates
    assert [s.name for s in typed.optimizers] == ["sgd", "momentum", "rmsprop", "adam"]
    ours, theirs = losses(typed), losses(built_in)
    assert ours.dtype == np.float64
    finite = np.isfinite(theirs)
    np.testing.assert_array_equal(np.isfinite(ours), finite)
    assert finite.sum() > 2000  # 12 of the 16 runs keep going for all 200 steps
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-12, atol=0)


@pytest.mark.parametrize("text, surface", [(BEALE, Beale), (HIMMELBLAU, Himmelblau)])
def test_autograd_gives_the_hand_written_gradient_and_hessian(text, surface):
    typed, built_in = FunctionSurface(FunctionSpec(text)), surface()
    points = torch.rand(64, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    points = points * 6 - 3
    loss, grad = typed.loss_and_gradient(points)
    expected_loss, expected_grad = built_in.loss_and_gradient(points)
    torch.testing.assert_close(loss, expected_loss, rtol=1e-13, atol=1e-12)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-12, atol=1e-10)
    for point in points[:4]:
        torch.testing.assert_close(
            typed.hessian(point), built_in.hessian(point), rtol=1e-12, atol=0
        )


def test_a_constant_or_one_variable_f_has_zero_partial_derivatives():
    points = torch.tensor([[0.5, -1.0], [2.0, 3.0]], dtype=torch.float64)
    constant = FunctionSurface(FunctionSpec("2 * pi"))
    loss, grad = constant.loss_and_gradient(points)
    assert loss.tolist() == [2 * np.pi] * 2 and grad.tolist() == [[0.0, 0.0]] * 2
    _, grad = FunctionSurface(FunctionSpec("sin(x)")).loss_and_gradient(points)
    assert grad[:, 1].tolist() == [0.0, 0.0]
    assert grad[:, 0].tolist() == pytest.approx(np.cos([0.5, 2.0]).tolist(), rel=1e-15)
    assert constant.hessian(points[0]).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_arithmetic_faults_give_inf_and_nan_not_errors():
    points = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    assert FunctionSurface(FunctionSpec("1/0 + x")).loss(points).item() == float("inf")
    assert np.isnan(FunctionSurface(FunctionSpec("log(y)")).loss(points).item())
    assert np.isnan(FunctionSurface(FunctionSpec("(-8)**(1/3)")).loss(points).item())


def test_the_config_holds_the_function_and_refuses_what_does_not_fit():
    config = config_for_problem("function")
    assert config.function == FunctionSpec() and problem_formula(config) == "x**2 + 5*y**2"
    assert ExperimentConfig(problem="function").function == FunctionSpec()
    with pytest.raises(ConfigError, match="applies to the function problem, not to the bowl"):
        ExperimentConfig(problem="bowl", function=FunctionSpec())
    with pytest.raises(ConfigError, match=r"^f\(x, y\): position 4: 'import' is not allowed"):
        function_spec("x + import")
    with pytest.raises(ConfigError, match="the map's y range must be two finite numbers"):
        function_spec("x", (-1, 1), (2, 2))
    assert config_for_problem("bowl", config).function is None


def test_the_window_and_formula_come_from_the_typed_function():
    spec = function_spec(ROSENBROCK, (-2.5, 2.5), (-1, 3.5))
    config = config_for_problem("function", function=spec)
    defaults = problem_defaults(config)
    assert (defaults.x_range, defaults.y_range) == ((-2.5, 2.5), (-1.0, 3.5))
    assert problem_formula(config) == ROSENBROCK
    problem = build_problem(config, article_dataset())
    assert problem.defaults == defaults and problem.formula == ROSENBROCK


def test_the_function_round_trips_through_an_experiment_file(tmp_path):
    spec = function_spec(HIMMELBLAU, (-5, 5), (-4, 6))
    config = config_for_problem("function", function=spec).with_changes(start=(0.5, 0.5))
    path = tmp_path / "exp.json"
    write_config_file(path, config)
    saved = json.loads(path.read_text())
    assert saved["function"] == {
        "expression": HIMMELBLAU,
        "x_range": [-5.0, 5.0],
        "y_range": [-4.0, 6.0],
    }
    assert read_config_file(path) == config
    assert "function" not in config_to_dict(config_for_problem("bowl"))  # as files were before
    assert config_from_dict({"problem": "bowl"}, base=config).function is None
    assert config_from_dict({"problem": "function", "function": "x*y"}).function.expression == "x*y"


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"problem": "function", "function": "x + os"}, "f(x, y): position 4: 'os' is not allowed"),
        ({"problem": "function", "function": {"expression": "x", "z": 1}}, "unknown key 'z'"),
        ({"problem": "function", "function": 3}, "function must be text or"),
        ({"problem": "bowl", "function": "x"}, "applies to the function problem, not to the"),
    ],
)
def test_a_file_with_a_bad_function_is_refused_in_one_line(settings, message):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(settings)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--function", "x + __import__('os')"], "position 4: '__import__' is not allowed"),
        (["--function", "(x + y"], "f(x, y): position 0: this '(' is never closed"),
        (["--function", "x", "--window=1,0,0,1"], "the map's x range must be two finite"),
        (["--function", "x", "--window", "1,2"], "--window must be four numbers"),
        (["--window=0,1,0,1"], "--window is the map window of --function's surface"),
        (["--function", "x", "--problem", "bowl"], "--function trains its own problem"),
    ],
)
def test_a_bad_function_on_the_command_line_is_one_line_exit_2_and_no_file(
    tmp_path, capsys, args, message
):
    outputs = ["--csv", str(tmp_path / "l.csv"), "--save-config", str(tmp_path / "c.json")]
    assert main.main([*outputs, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("optimizers-from-scratch:")
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_sets_the_window_and_start():
    config = config_of("--function", "x*y", "--window=-1,2,-3,4", "--start=0.5,-0.5")
    assert config.function == FunctionSpec("x*y", (-1.0, 2.0), (-3.0, 4.0))
    assert config.start == (0.5, -0.5)


def test_the_map_marks_its_lowest_grid_point():
    spec = function_spec("(x - 1.3)**2 + 2*(y + 0.45)**2 + 0.1*sin(3*x)", (-3, 3), (-2, 2))
    problem = FunctionSurface(spec)
    landscape = compute_map(problem, make_plane(problem, None))
    xs, ys = np.linspace(-3, 3, len(landscape.grid.xs)), np.linspace(-2, 2, len(landscape.grid.ys))
    gx, gy = np.meshgrid(xs, ys)
    values = (gx - 1.3) ** 2 + 2 * (gy + 0.45) ** 2 + 0.1 * np.sin(3 * gx)
    i, j = np.unravel_index(values.argmin(), values.shape)
    assert landscape.minima == ((xs[j], ys[i]),)
    assert landscape.window == ((-3.0, 3.0), (-2.0, 2.0))


def test_a_map_of_an_f_below_zero_colours_it_with_the_lowest_colour():
    problem = FunctionSurface(function_spec("x*y", (-1, 1), (-1, 1)))
    landscape = compute_map(problem, make_plane(problem, None))
    image = landscape.image()
    low, _ = landscape.colour_range
    assert np.isfinite(image).all() and image.min() == low
    assert landscape.minima in (((-1.0, 1.0),), ((1.0, -1.0),))


def test_a_landscape_export_carries_the_typed_f_in_its_settings(tmp_path):
    out = tmp_path / "map.png"
    argv = ["--function", HIMMELBLAU, "--window=-5,5,-5,5", "--max-steps", "40"]
    assert main.main([*argv, "--landscape", str(out)]) == 0
    with Image.open(out) as image:
        settings = json.loads(image.text[SETTINGS_KEY])
    assert config_from_dict(settings["settings"]) == config_of(*argv)
    assert settings["settings"]["function"]["expression"] == HIMMELBLAU
