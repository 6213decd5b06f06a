"""What the Landscape view is sent and draws under the paths: the live paths, the map task, its
contour lines and a window that grows to hold the paths."""

import numpy as np
import pytest
import torch

from engine.analysis.landscape import make_plane
from engine.analysis.landscape_compute import contour_segments, landscape_problem, landscape_task
from engine.analysis.landscape_map import LandscapeRequest, grown_window, map_key
from engine.analysis.plane import default_window
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.core.history import PATH_BUDGET, paths_fit
from engine.core.tasks import TaskCancelled, TaskState
from engine.experiment.batched import BatchedExperiment
from engine.live.messages import ExperimentStarted, LossUpdate, update_at_step
from engine.live.session import LiveSession
from engine.live.updates import full_update
from engine.problems import get_problem
from tests.surfaces import FORMULAS


def test_the_live_session_sends_theta0_and_the_parameters_of_every_new_column():
    config = config_for_problem("beale").with_changes(max_steps=40)
    reports: list = []
    session = LiveSession()
    session.build(TaskState(report=reports.append), config, reference=False)
    for _ in range(3):
        session.step(TaskState(report=reports.append))
    session.play(TaskState(report=reports.append), fast=True)
    started = next(r for r in reports if isinstance(r, ExperimentStarted))
    np.testing.assert_array_equal(started.initial_parameters, [1.0, 1.5])  # Beale's start
    expected = BatchedExperiment(config, record_parameters=True)
    expected.run_to_end()
    received = np.full(expected.parameter_buffer.shape, np.nan)
    for update in (r for r in reports if isinstance(r, LossUpdate)):
        received[:, update.start : update.end] = update.paths
    np.testing.assert_array_equal(received, expected.parameter_buffer)


def test_paths_too_big_to_keep_are_not_recorded_and_the_budget_is_the_product():
    assert paths_fit(16, PATH_BUDGET // (16 * 14), 14)
    assert not paths_fit(16, PATH_BUDGET // (16 * 14) + 1, 14)
    config = ExperimentConfig(max_steps=100_000)  # 16 runs × 100,000 steps × 14 parameters
    reports: list = []
    session = LiveSession()
    session.build(TaskState(report=reports.append), config, reference=False)
    session.step(TaskState(report=reports.append))
    update = next(r for r in reports if isinstance(r, LossUpdate))
    assert update.paths is None and update.losses.shape == (16, 1)


def test_an_animation_frame_cuts_the_paths_at_its_step():
    config = config_for_problem("bowl").with_changes(max_steps=30)
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.run_to_end()
    frame = update_at_step(full_update(experiment), 7)
    assert frame.paths.shape[1] == 7
    for run in range(len(experiment.runs)):
        count = int(frame.counts[run])
        np.testing.assert_array_equal(frame.paths[run, :count], experiment.parameters(run)[:7])
        assert np.isnan(frame.paths[run, count:]).all()


@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau", "rastrigin"])
def test_a_surface_map_is_its_formula_over_its_own_window(name):
    config = config_for_problem(name)
    origin = np.array(get_problem(name).defaults.start)
    landscape = landscape_task(TaskState(), LandscapeRequest(config, origin))
    grid, defaults = landscape.grid, get_problem(name).defaults
    assert landscape.plane.kind == "parameters"
    assert landscape.window == (defaults.x_range, defaults.y_range)
    x, y = np.meshgrid(grid.xs, grid.ys)
    expected = FORMULAS[name](torch.tensor(x), torch.tensor(y)).numpy()
    np.testing.assert_allclose(grid.loss, expected, rtol=1e-12, atol=1e-12)
    x, y, loss = landscape.grid_point((0.3, -0.7))  # the hover's reading: the nearest node
    step_x, step_y = grid.xs[1] - grid.xs[0], grid.ys[1] - grid.ys[0]
    assert abs(x - 0.3) <= step_x / 2 and abs(y - (-0.7)) <= step_y / 2
    x, y = (torch.tensor(v, dtype=torch.float64) for v in (x, y))
    assert loss == pytest.approx(float(FORMULAS[name](x, y)), 1e-12)
    image = landscape.image()
    low, high = landscape.colour_range
    assert image.min() >= low and image.max() <= high
    assert high - low > 2  # the log scale spans decades


def test_contour_segments_lie_on_their_level_and_draw_every_ring():
    xs, ys = np.linspace(-1, 1, 81), np.linspace(-1.2, 1.2, 97)
    x, y = np.meshgrid(xs, ys)
    values = x**2 + 2 * y**2  # ellipses: radius² = level along x
    for level in (0.1, 0.5):
        segments = contour_segments(xs, ys, values, [level])
        assert len(segments) % 2 == 0 and len(segments) > 50
        on_curve = segments[:, 0] ** 2 + 2 * segments[:, 1] ** 2
        np.testing.assert_allclose(on_curve, level, rtol=0.02)  # linear along each cell edge
        angles = np.arctan2(segments[:, 1] * np.sqrt(2), segments[:, 0])
        assert np.histogram(angles, bins=12, range=(-np.pi, np.pi))[0].min() > 0  # closed ring


def test_contour_segments_skip_cells_with_an_overflow():
    xs = ys = np.linspace(0, 1, 5)
    values = np.add.outer(ys, xs)
    values[2, 2] = np.inf
    segments = contour_segments(xs, ys, values, [1.0])
    assert np.isfinite(segments).all()
    assert not ((np.abs(segments - 0.5) < 0.25).all(axis=1)).any()  # nothing beside the inf


def test_an_mlp_window_grows_to_hold_the_paths_but_not_a_diverging_one():
    experiment = BatchedExperiment(ExperimentConfig(), record_parameters=True)
    experiment.run_to_end()
    problem = experiment.problem
    plane = make_plane(problem, experiment.initial_parameters, "hessian")
    coordinates = plane.coordinates(experiment.parameter_buffer)
    default = default_window(problem, plane)
    grown = grown_window(problem, plane, default, coordinates)
    assert grown is not None  # the article's paths leave (-4, 4)² on this plane
    finite = coordinates[np.isfinite(coordinates).all(axis=-1)]
    (x0, x1), (y0, y1) = grown
    assert x0 <= finite[:, 0].min() and finite[:, 0].max() <= x1
    assert y0 <= finite[:, 1].min() and finite[:, 1].max() <= y1
    assert x0 <= default[0][0] and default[0][1] <= x1
    assert grown_window(problem, plane, grown, coordinates) is None  # they are inside now
    far = np.array([[[1e9, 1e9]]])
    assert grown_window(problem, plane, default, far) is None  # beyond ten windows: ignored
    surface = get_problem("rosenbrock")()
    own = make_plane(surface, np.zeros(2))
    assert grown_window(surface, own, ((0, 1), (0, 1)), np.array([[[5.0, 5.0]]])) is None


def test_the_task_fits_pca_to_the_paths_and_keeps_a_given_plane():
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")), dtype="float64"
    )
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.run_to_end()
    origin, paths = experiment.initial_parameters, experiment.parameter_buffer
    request = LandscapeRequest(config, origin, "pca", paths=paths)
    landscape = landscape_task(TaskState(), request)
    assert landscape.plane.kind == "pca" and landscape.key == map_key(config)
    expected = make_plane(landscape_problem(config), origin, "pca", paths=paths)
    np.testing.assert_allclose(landscape.plane.basis, expected.basis, atol=1e-9)
    coordinates = landscape.plane.coordinates(paths)
    finite = coordinates[np.isfinite(coordinates).all(axis=-1)]
    (x0, x1), (y0, y1) = landscape.window
    assert (finite[:, 0] >= x0).all() and (finite[:, 0] <= x1).all()
    assert (finite[:, 1] >= y0).all() and (finite[:, 1] <= y1).all()
    wider = ((2 * x0, 2 * x1), (2 * y0, 2 * y1))
    again = landscape_task(
        TaskState(),
        LandscapeRequest(config, origin, "pca", window=wider, plane=landscape.plane),
    )
    assert again.plane is landscape.plane and again.window == wider
    row = torch.from_numpy(landscape.grid.parameters(50, 50))[None]
    loss, _ = experiment.problem.loss_and_gradient(row)
    assert landscape.grid.loss[50, 50] == pytest.approx(float(loss[0]), rel=1e-12)


def test_a_cancelled_task_stops_before_its_grid():
    state = TaskState()
    state.cancel()
    config = config_for_problem("saddle")
    with pytest.raises(TaskCancelled):
        landscape_task(state, LandscapeRequest(config, np.zeros(2)))


def test_the_map_depends_on_what_makes_the_loss_not_on_the_runs():
    base = ExperimentConfig()
    same = base.with_changes(learning_rates=(0.5,), max_steps=10, batch_size=2)
    assert map_key(same) == map_key(base)
    for changes in ({"seed": 1}, {"hidden": 4}, {"activation": "tanh"}, {"dtype": "float64"}):
        assert map_key(base.with_changes(**changes)) != map_key(base)
