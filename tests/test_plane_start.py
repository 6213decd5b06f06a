"""Shift+click on the MLP's plane starts every run at that point θ₀ + a·v₁ + b·v₂: the settings
hold the parameters themselves, the runs start there (as the engine computes the loss there),
the experiment file carries it to a headless run bit for bit, Reset keeps it, and
Ctrl+Shift+click goes back to θ₀ (the default run's losses, bit for bit)."""

import csv
import json

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt

import main
from engine.config.loading import build_problem, load_dataset
from engine.config.presets import get_preset
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ConfigError, DatasetSpec, ExperimentConfig
from engine.config.starts import PlaneStart
from engine.experiment.batched import BatchedExperiment
from engine.io.experiment_file import read_experiment_file, write_config_file
from gui.state.experiment_model import ExperimentModel
from gui.state.saved_settings import load_config, save_config
from tests.test_window_landscape import send_mouse
from tests.windows import open_landscape_window, temporary_settings

MAX_STEPS = 30
A, B = 0.8, -1.2


@pytest.fixture
def window(qtbot, tmp_path):
    config = ExperimentConfig(max_steps=MAX_STEPS)
    return open_landscape_window(qtbot, temporary_settings(tmp_path), config)


def click(qtbot, window, a: float, b: float, modifiers) -> None:
    grid = window.landscape.grid
    scene = grid.plots[0].plot.getViewBox().mapViewToScene(QPointF(a, b))
    qtbot.mouseClick(
        grid.viewport(), Qt.MouseButton.LeftButton, modifiers, grid.mapFromScene(scene)
    )


def restarted(qtbot, window, generation: int) -> None:
    qtbot.waitUntil(lambda: window.session.generation > generation)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=30_000)


def shown_losses(window) -> dict[tuple[str, float], np.ndarray]:
    history = window.session.history
    return {
        (run.optimizer.key, run.lr): history.losses(run.index).copy()
        for run in window.session.started.runs
    }


def csv_losses(path) -> dict[tuple[str, float], np.ndarray]:
    out: dict[tuple[str, float], list[float]] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            out.setdefault((row["optimizer"], float(row["lr"])), []).append(float(row["loss"]))
    return {key: np.float32(values) for key, values in out.items()}


def test_shift_click_on_the_plane_starts_every_run_there_and_the_file_repeats_it(
    window, qtbot, tmp_path
):
    plane = window.landscape.map.plane  # the plane message the window holds
    theta0, v1, v2 = plane.origin, plane.basis[0], plane.basis[1]
    generation = window.session.generation
    modifiers = Qt.KeyboardModifier.ShiftModifier
    click(qtbot, window, A, B, modifiers)
    chosen = window.model.config.start_parameters
    assert (chosen.plane, chosen.a, chosen.b) == ("hessian", A, B)
    expected = np.float32(theta0 + A * v1 + B * v2)  # in the runs' float32
    np.testing.assert_allclose(np.float32(chosen.values), expected, rtol=0, atol=1e-6)
    restarted(qtbot, window, generation)
    started = window.session.started
    np.testing.assert_array_equal(started.initial_parameters, np.float32(chosen.values))
    np.testing.assert_array_equal(started.plane_origin, theta0)  # the plane stays where it was

    # the first loss is the engine's loss at that point
    config = window.model.config
    problem = build_problem(config, load_dataset(config.dataset))
    loss, _ = problem.loss_and_gradient(torch.tensor(chosen.values, dtype=torch.float32)[None])
    for losses in shown_losses(window).values():
        assert losses[0] == np.float32(loss[0])

    # the square marks the start on the plane; the caption and the runs table say where
    mark = window.landscape.grid.plots[0].marks["start"].data
    np.testing.assert_allclose((mark["x"][0], mark["y"][0]), (A, B), atol=1e-5)
    assert "Every run starts at θ₀ + 0.8·v₁ − 1.2·v₂ (Hessian plane)" in window.landscape.caption
    assert "starts at θ₀ + 0.8·v₁ − 1.2·v₂ (Hessian plane)" in window.run_table.toolTip()

    # the experiment file carries the start to a headless run: the same losses, every digit
    path = tmp_path / "start.json"
    write_config_file(path, config)
    assert read_experiment_file(path).config == config
    out = tmp_path / "headless.csv"
    assert main.main(["--config", str(path), "--csv", str(out)]) == 0
    shown = shown_losses(window)
    headless = csv_losses(out)
    assert headless.keys() == shown.keys()
    for key, losses in shown.items():
        np.testing.assert_array_equal(headless[key], np.float32(losses))

    # Reset keeps the start: it is a setting
    generation = window.session.generation
    window.reset()
    restarted(qtbot, window, generation)
    np.testing.assert_array_equal(
        window.session.started.initial_parameters, np.float32(chosen.values)
    )
    for key, losses in shown_losses(window).items():
        np.testing.assert_array_equal(losses, shown[key])


def test_ctrl_shift_click_goes_back_to_theta0_bit_for_bit(window, qtbot):
    default = BatchedExperiment(ExperimentConfig(max_steps=MAX_STEPS))
    default.run_to_end()
    generation = window.session.generation
    click(qtbot, window, A, B, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.session.generation > generation)
    generation = window.session.generation
    both = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
    click(qtbot, window, -2.0, 1.0, both)
    assert window.model.config.start_parameters is None
    restarted(qtbot, window, generation)
    assert window.session.started.config == ExperimentConfig(max_steps=MAX_STEPS)
    np.testing.assert_array_equal(window.session.started.initial_parameters, default.origin)
    for run in window.session.started.runs:
        shown = window.session.history.losses(run.index)
        np.testing.assert_array_equal(shown, default.losses(run.index))


def start_at(offset: float, config: ExperimentConfig | None = None) -> PlaneStart:
    """θ₀ of ``config`` (None: the default experiment) moved by ``offset`` in every parameter."""
    theta0 = BatchedExperiment(config or ExperimentConfig()).origin
    return PlaneStart(tuple(float(v) for v in theta0 + np.float32(offset)), "random", 0.5, 0.0)


def test_with_seeds_each_draw_moves_by_the_same_step_and_the_first_lands_on_the_start():
    config = ExperimentConfig(max_steps=3, seeds=3, optimizers=ExperimentConfig().optimizers[:1])
    chosen = start_at(0.25, config)
    moved = BatchedExperiment(config.with_changes(start_parameters=chosen))
    own = BatchedExperiment(config)
    first = [run.index for run in moved.runs if run.lr_index == 0]
    starts = [moved.run_tensors(r)[0][0].numpy() for r in first]  # at step 0
    draws = [own.run_tensors(r)[0][0].numpy() for r in first]
    np.testing.assert_array_equal(starts[0], np.float32(chosen.values))
    step = np.float64(chosen.values) - draws[0]
    for start, draw in zip(starts[1:], draws[1:]):
        np.testing.assert_array_equal(start, np.float32(draw + step))


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"values": [1.0, float("nan")]}, "start parameters must all be finite numbers"),
        ({"values": []}, "start parameters must be a list of numbers"),
        ({"values": [1.0, "x"]}, "start parameters must be a list of numbers"),
        ({"plane": "diagonal"}, "a start's plane must be one of hessian, pca, random"),
        ({"values": [0.5] * 7}, "start_parameters: the start has 7 parameters; this network has"),
        ({"colour": "red"}, "unknown key 'colour' in start_parameters"),
    ],
)
def test_a_bad_start_in_a_file_is_one_line(tmp_path, change, complaint):
    data = {"start_parameters": {"plane": "hessian", "values": [0.5] * 14}}
    data["start_parameters"].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError) as caught:
        read_experiment_file(path)
    assert complaint in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_start_belongs_to_the_mlp_and_to_the_network_it_was_chosen_on(qtbot):
    with pytest.raises(ConfigError, match="start parameters apply to the MLP"):
        ExperimentConfig(problem="rosenbrock", start_parameters=start_at(0.1))
    chosen = ExperimentConfig(start_parameters=start_at(0.1))
    assert config_for_problem("rosenbrock", chosen).start_parameters is None
    assert get_preset("edge-of-stability").apply(chosen).start_parameters is None  # seed 3
    model = ExperimentModel(chosen)
    assert model.update(hidden=4)
    assert model.config.start_parameters is None  # 4 hidden units: another network, other θ₀
    refused = []
    model.refused.connect(refused.append)
    assert not model.update(start_parameters=start_at(0.1))  # 14 numbers for 18 parameters
    assert refused == ["the start has 14 parameters; this network has 18"]


def test_remembered_settings_drop_a_start_their_changed_data_file_no_longer_fits(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("x0,x1,x2,y\n" + "".join(f"{i},{i + 1},{i - 1},{i * 0.5}\n" for i in range(6)))
    config = ExperimentConfig(dataset=DatasetSpec("csv", path=str(data)))
    config = config.with_changes(start_parameters=start_at(0.1))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    save_config(settings, config)
    assert load_config(settings) == config
    data.write_text("x0,y\n" + "".join(f"{i},{i * 0.5}\n" for i in range(6)))  # one input now
    assert load_config(settings) == config.with_changes(start_parameters=None)


def test_dragging_the_start_square_on_the_plane_starts_every_run_where_it_is_let_go(window, qtbot):
    grid = window.landscape.grid
    box = grid.plots[0].plot.getViewBox()

    def at(a, b) -> QPointF:
        return QPointF(grid.mapFromScene(box.mapViewToScene(QPointF(a, b))))

    viewport, held = grid.viewport(), Qt.MouseButton.LeftButton
    send_mouse(viewport, QEvent.Type.MouseButtonPress, at(0.0, 0.0), held)  # θ₀'s square
    for k in range(1, 11):
        send_mouse(viewport, QEvent.Type.MouseMove, at(0.15 * k, -0.1 * k), held)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, at(1.5, -1.0), Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: window.model.config.start_parameters is not None)
    chosen = window.model.config.start_parameters
    assert (chosen.a, chosen.b) == (1.5, -1.0)
    qtbot.waitUntil(lambda: window.session.started.config.start_parameters == chosen)
