"""The landscape: planes through θ₀ with the bases they promise, a loss grid equal to the engine's
loss at its points, and paths placed on the plane with how far they stray from it."""

import math

import numpy as np
import pytest
import torch

from engine.analysis.landscape import (
    hessian_plane,
    loss_grid,
    make_plane,
    pca_plane,
    random_plane,
)
from engine.analysis.plane import (
    BASES,
    Plane,
    default_window,
    log_levels,
    nearest_point,
    off_plane_distance,
    project_paths,
    window_around,
)
from engine.analysis.stability import loss_hessian
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from engine.problems import PROBLEMS, get_problem
from gui.landscape.paths import OffPlaneSums
from tests.surfaces import FORMULAS


@pytest.fixture(scope="module")
def trained():
    """The default experiment in float64, run to the end with its paths recorded."""
    experiment = BatchedExperiment(ExperimentConfig(dtype="float64"), record_parameters=True)
    experiment.run_to_end()
    return experiment


def planes(experiment):
    origin, paths = experiment.initial_parameters, experiment.parameter_buffer
    return {
        basis: make_plane(experiment.problem, origin, basis, seed=3, paths=paths) for basis in BASES
    }


def test_every_basis_passes_through_theta0_and_the_hessian_and_pca_ones_are_orthonormal(trained):
    theta0 = trained.initial_parameters
    for basis, plane in planes(trained).items():
        assert plane.kind == basis
        np.testing.assert_allclose(plane.coordinates(theta0), [0.0, 0.0], atol=1e-15)
        assert plane.distance(theta0) == pytest.approx(0.0, abs=1e-15)
        gram = plane.basis @ plane.basis.T
        if basis in ("hessian", "pca"):
            np.testing.assert_allclose(gram, np.eye(2), atol=1e-12)
            assert plane.orthonormal
        else:
            assert not plane.orthonormal  # Li et al.'s directions are kept as drawn


def test_the_hessian_plane_holds_the_two_sharpest_eigenvectors(trained):
    problem = trained.problem
    theta0 = torch.from_numpy(trained.initial_parameters)
    hessian = loss_hessian(theta0, trained.data, problem.layout).numpy()
    top = np.sort(np.linalg.eigvalsh(hessian))[::-1][:2]
    plane = hessian_plane(problem, trained.initial_parameters)
    for vector, value in zip(plane.basis, top):
        np.testing.assert_allclose(hessian @ vector, value * vector, atol=1e-10 * top[0])
    assert f"{top[0]:.3g}" in plane.description


def test_the_pca_plane_keeps_the_pooled_paths_closer_than_any_other_plane(trained):
    paths = trained.parameter_buffer
    points = paths[np.isfinite(paths).all(axis=2)]
    pca = pca_plane(trained.problem, trained.initial_parameters, paths)

    def spread(plane):
        return float(np.sum(plane.distance(points) ** 2))

    rivals = [hessian_plane(trained.problem, trained.initial_parameters)]
    generator = np.random.default_rng(0)
    for _ in range(20):
        q, _ = np.linalg.qr(generator.standard_normal((points.shape[1], 2)))
        rivals.append(Plane(trained.initial_parameters, q.T, "pca", "", ("a", "b")))
    assert all(spread(pca) <= spread(rival) for rival in rivals)
    # the least total: the singular values past the second, of the offsets from θ₀
    singular = torch.linalg.svdvals(torch.from_numpy(points - trained.initial_parameters))
    assert spread(pca) == pytest.approx(float((singular[2:] ** 2).sum()), rel=1e-9)


def test_pca_fills_in_from_the_hessian_what_the_paths_do_not_span(trained):
    theta0 = trained.initial_parameters
    problem = trained.problem
    empty = pca_plane(problem, theta0, np.empty((16, 0, problem.size)))
    np.testing.assert_allclose(empty.basis, hessian_plane(problem, theta0).basis)
    direction = np.linspace(1.0, 2.0, problem.size)
    line = theta0 + np.arange(5)[:, None] * direction  # a straight path: rank one
    plane = pca_plane(problem, theta0, line[None])
    np.testing.assert_allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-12)
    assert abs(plane.basis[0] @ direction) == pytest.approx(np.linalg.norm(direction))


def test_random_directions_are_filter_normalised_with_zero_biases(trained):
    problem = trained.problem
    theta = problem.unflatten(torch.from_numpy(trained.initial_parameters)[None])
    plane = random_plane(problem, trained.initial_parameters, seed=3)
    for direction in plane.basis:
        parts = problem.unflatten(torch.from_numpy(direction.copy())[None])
        for name in ("W1", "W2"):  # each column: the incoming weights of one unit
            np.testing.assert_allclose(
                np.linalg.norm(parts[name][0].numpy(), axis=0),
                np.linalg.norm(theta[name][0].numpy(), axis=0),
                rtol=1e-12,
            )
        assert float(parts["b1"][0]) == 0.0 and float(parts["b2"][0]) == 0.0
    again = random_plane(problem, trained.initial_parameters, seed=3)
    np.testing.assert_array_equal(again.basis, plane.basis)
    other = random_plane(problem, trained.initial_parameters, seed=4)
    assert not np.allclose(other.basis, plane.basis)
    cosine = plane.basis @ trained.initial_parameters / np.linalg.norm(plane.basis, axis=1)
    assert np.all(np.abs(cosine / np.linalg.norm(trained.initial_parameters)) < 0.99)


def test_coordinates_place_a_point_of_the_plane_where_it_was_made(trained):
    for plane in planes(trained).values():
        coordinates = np.array([[0.3, -1.2], [2.0, 0.5]])
        np.testing.assert_allclose(plane.coordinates(plane.points(coordinates)), coordinates)
        assert np.all(plane.distance(plane.points(coordinates)) < 1e-12)


@pytest.mark.parametrize("basis", BASES)
def test_the_grid_loss_at_a_grid_point_is_the_engines_loss_there(trained, basis):
    plane = planes(trained)[basis]
    grid = loss_grid(trained.problem, plane, (-3.0, 3.0), (-2.0, 4.0))
    assert grid.loss.shape == (101, 101) and len(grid.xs) == len(grid.ys) == 101
    assert grid.xs[0] == -3.0 and grid.ys[-1] == 4.0
    for i, j in ((0, 0), (50, 50), (100, 3), (17, 89)):
        row = torch.from_numpy(grid.parameters(i, j))[None]
        loss, _ = trained.problem.loss_and_gradient(row)
        assert grid.loss[i, j] == pytest.approx(float(loss[0]), rel=1e-12)
    middle = loss_grid(trained.problem, plane, (-1.0, 1.0), (-1.0, 1.0), resolution=3)
    assert middle.loss[1, 1] == pytest.approx(trained.losses(0)[0], rel=1e-12)  # θ₀


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_a_surface_grid_is_the_formula_over_the_window(name):
    problem = get_problem(name)()
    defaults = problem.defaults
    plane = make_plane(problem, problem.initial_parameters(0), "pca")  # the basis is ignored
    assert plane.kind == "parameters" and plane.axis_labels == ("x", "y")
    grid = loss_grid(problem, plane, defaults.x_range, defaults.y_range, resolution=121)
    x, y = np.meshgrid(grid.xs, grid.ys)
    expected = FORMULAS[name](torch.from_numpy(x), torch.from_numpy(y)).numpy()
    np.testing.assert_allclose(grid.loss, expected, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("name", [n for n, p in PROBLEMS.items() if p.is_surface])
def test_a_surface_path_is_on_its_plane_exactly(name):
    experiment = BatchedExperiment(config_for_problem(name), record_parameters=True)
    experiment.step(50)
    plane = make_plane(experiment.problem, experiment.initial_parameters)
    paths = experiment.parameter_buffer
    np.testing.assert_array_equal(project_paths(plane, paths), paths)
    distances = off_plane_distance(plane, paths)
    assert distances.tolist() == [0.0] * len(experiment.runs)


def test_off_plane_distance_is_the_mean_over_path_length():
    plane = Plane(np.zeros(3), np.eye(3)[:2], "pca", "", ("a", "b"))
    path = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0], [np.nan] * 3])
    still = np.array([[0.0, 0.0, 2.0]] * 3 + [[np.nan] * 3])
    nothing = np.full((4, 3), np.nan)
    got = off_plane_distance(plane, np.stack([path, still, nothing]))
    # segment 1: length √2, distance 0 → 1, mean ½; segment 2: length 1, distance 1
    expected = (math.sqrt(2) * 0.5 + 1.0 * 1.0) / (math.sqrt(2) + 1.0)
    assert got[0] == pytest.approx(expected, rel=1e-15)
    assert got[1] == 2.0 and math.isnan(got[2])


def test_off_plane_sums_over_growing_paths_equal_the_distance_of_the_whole_paths():
    """The window sums the caption's distances on as steps arrive; the result is the engine's
    over the whole paths, also for a run that starts late (a branch) or stops early."""
    rng = np.random.default_rng(0)
    plane = Plane(np.zeros(4), np.linalg.qr(rng.normal(size=(4, 2)))[0].T, "pca", "", ("a", "b"))
    paths = np.cumsum(rng.normal(size=(3, 300, 4)), axis=1)
    paths[1, :120] = np.nan  # a branch from step 120
    paths[2, 200:] = np.nan  # a run that diverged at step 200
    sums = OffPlaneSums(plane, 3)
    for end in (1, 2, 57, 120, 121, 250, 300):
        got = sums.add(paths[:, :end])
    np.testing.assert_allclose(got, off_plane_distance(plane, paths), rtol=1e-12)


def test_off_plane_distance_of_the_mlp_paths_is_small_on_the_pca_plane(trained):
    by_basis = {
        b: off_plane_distance(p, trained.parameter_buffer) for b, p in planes(trained).items()
    }
    for distances in by_basis.values():
        assert distances.shape == (16,) and np.all(distances >= 0)
    assert by_basis["pca"].mean() < by_basis["random"].mean()


def test_log_levels_span_the_positive_losses_evenly_on_a_log_scale():
    loss = np.array([[0.0, 1e-3], [10.0, np.inf]])
    levels = log_levels(loss, count=5)
    np.testing.assert_allclose(levels, [1e-3, 1e-2, 1e-1, 1.0, 10.0])
    assert log_levels(np.array([0.0, 1e-30, 1.0]), count=3)[0] == pytest.approx(1e-9)
    assert log_levels(np.zeros(3)).tolist() == [0.0]


def test_nearest_point_names_the_run_and_step_the_eye_sees_nearest():
    paths = np.array([[[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.5], [np.nan, np.nan]]])
    assert nearest_point(paths, (0.9, 0.1)) == (0, 1, pytest.approx(math.hypot(0.1, 0.1)))
    # with x ten times wider on screen, a step in x counts a tenth as much
    assert nearest_point(paths, (0.9, 0.4), scale=(10.0, 1.0))[:2] == (1, 0)
    assert nearest_point(np.full((2, 3, 2), np.nan), (0.0, 0.0)) is None


def test_window_around_holds_the_origin_and_every_point():
    (x0, x1), (y0, y1) = window_around(
        np.array([[[1.0, 2.0], [3.0, np.nan]], [[2.0, -1.0], [2.5, 4.0]]])
    )
    assert (x0, x1) == pytest.approx((-0.25, 2.75)) and (y0, y1) == pytest.approx((-1.5, 4.5))


def test_make_plane_refuses_what_it_cannot_draw(trained):
    with pytest.raises(ValueError, match="basis must be one of hessian, pca, random"):
        make_plane(trained.problem, trained.initial_parameters, "svd")
    with pytest.raises(ValueError, match="needs the runs' paths"):
        make_plane(trained.problem, trained.initial_parameters, "pca")


def test_the_default_window_is_the_problems_except_on_a_random_plane(trained):
    by_basis = planes(trained)
    assert default_window(trained.problem, by_basis["hessian"]) == ((-4.0, 4.0), (-4.0, 4.0))
    assert default_window(trained.problem, by_basis["random"]) == ((-1.0, 1.0), (-1.0, 1.0))
    bowl = get_problem("bowl")()
    assert default_window(bowl, make_plane(bowl, None)) == ((-5.0, 5.0), (-1.5, 1.5))
