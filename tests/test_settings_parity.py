"""The window, the command line and the experiment file agree on every setting: each field of
ExperimentConfig has a flag, a widget and a file key, and all three set the same value."""

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialog

from engine.analysis.landscape import make_plane
from engine.config.loading import build_problem, load_dataset
from engine.config.settings import DatasetSpec, ExperimentConfig, OptimizerSpec
from engine.config.starts import PlaneStart
from engine.experiment.branches import parse_branch
from engine.io.cli import config_from_args, parse_args
from engine.io.experiment_file import config_from_dict, config_to_dict
from engine.optimizers.schedules import ScheduleSpec
from engine.problems import FunctionSpec
from tests.windows import commit_text

FIELDS = tuple(f.name for f in dataclasses.fields(ExperimentConfig))


def set_rate(window, value: float) -> None:
    field = window.controls.rates.fields[0]
    field.setText(str(value))
    field.editingFinished.emit()


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def commit(field, text: str) -> None:
    field.setText(text)
    field.editingFinished.emit()


def start_at(window) -> None:
    choose(window.controls.problem.chooser, "rosenbrock")
    commit(window.controls.problem.start_x, "0.5")
    commit(window.controls.problem.start_y, "0.25")


def type_a_function(window) -> None:
    """Your own f(x, y), its text and then its map window, as a user types them."""
    choose(window.controls.problem.chooser, "function")
    fields = window.controls.problem.function
    commit(fields.expression, "x*y")
    for key, text in ((("x", "from"), "-1"), (("x", "to"), "2"), (("y", "to"), "4")):
        commit(fields.ranges[key], text)
    commit(fields.ranges["y", "from"], "-3")


def branch_through_the_dialog(window, monkeypatch, qtbot) -> None:
    """Step once, then branch SGD at η = 1 at step 0 with η = 0.1, as a user does in the dialog."""
    window.step()
    qtbot.waitUntil(lambda: window.session.steps_taken == 1)

    def fill_in(dialog):
        dialog.step.setValue(0)
        dialog.lr.setText("0.1")
        dialog.lr.editingFinished.emit()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr("gui.timeline.branching.BranchDialog.exec", fill_in)
    sgd_at_1 = next(
        r for r in window.session.started.runs if r.optimizer.name == "sgd" and r.lr == 1.0
    )
    window.run_table.branch_requested.emit(sgd_at_1.index)


ON_THE_PLANE = (0.5, -1.0)  # (a, b) on the MLP's Hessian plane


def start_on_the_plane() -> tuple[float, ...]:
    """θ₀ + 0.5·v₁ − v₂ on the Hessian plane, in float32: a Shift+click there."""
    config = ExperimentConfig()
    problem = build_problem(config, load_dataset(config.dataset))
    theta0 = problem.initial_parameters(config.seed).numpy()
    plane = make_plane(problem, theta0, "hessian")
    return tuple(float(v) for v in plane.points(np.array(ON_THE_PLANE)).astype(np.float32))


def shift_click_on_the_plane(window, monkeypatch, qtbot) -> None:
    window.tabs.setCurrentWidget(window.landscape_tab)
    qtbot.waitUntil(lambda: window.landscape.map is not None, timeout=30_000)
    grid = window.landscape.grid
    scene = grid.plots[0].plot.getViewBox().mapViewToScene(QPointF(*ON_THE_PLANE))
    where = grid.mapFromScene(scene)
    modifiers = Qt.KeyboardModifier.ShiftModifier
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, modifiers, where)
    chosen = window.model.config.start_parameters
    assert (chosen.plane, chosen.a, chosen.b) == ("hessian", *ON_THE_PLANE)


# field -> (command-line flags, what the window does, the value both must give); a problem
# brings its own rates, stop loss and max steps (ALSO lists what may change beside the field)
SETTINGS = {
    "optimizers": (
        ["--optimizers", "sgd,momentum,rmsprop,adam,lion"],
        lambda w: w.controls.optimizer_boxes["lion"].setChecked(True),
        tuple(OptimizerSpec.create(n) for n in ("sgd", "momentum", "rmsprop", "adam", "lion")),
    ),
    "learning_rates": (
        ["--lrs", "0.5,0.01,0.1,1"],
        lambda w: set_rate(w, 0.5),
        (0.5, 0.01, 0.1, 1.0),
    ),
    "seed": (["--seed", "4"], lambda w: commit_text(w.controls.seed, "4"), 4),
    "max_steps": (["--max-steps", "77"], lambda w: commit_text(w.controls.max_steps, "77"), 77),
    "stop_loss": (
        ["--stop-loss", "0.25"],
        lambda w: (
            w.controls.stop_loss.setText("0.25"),
            w.controls.stop_loss.editingFinished.emit(),
        ),
        0.25,
    ),
    "hidden": (["--hidden", "5"], lambda w: commit_text(w.controls.hidden, "5"), 5),
    "schedule": (
        ["--schedule", "cosine"],
        lambda w: choose(w.controls.schedule_name, "cosine"),
        ScheduleSpec.create("cosine"),
    ),
    "dtype": (
        ["--dtype", "float64"],
        lambda w: w.controls.dtype.setCurrentText("float64"),
        "float64",
    ),
    "dataset": (
        ["--dataset", "generated"],
        lambda w: choose(w.controls.data_kind, "generated"),
        DatasetSpec(kind="generated"),
    ),
    "batch_size": (["--batch-size", "2"], lambda w: commit_text(w.controls.batch_size, "2"), 2),
    "problem": (
        ["--problem", "rosenbrock"],
        lambda w: choose(w.controls.problem.chooser, "rosenbrock"),
        "rosenbrock",
    ),
    "start": (["--problem", "rosenbrock", "--start=0.5,0.25"], start_at, (0.5, 0.25)),
    "start_parameters": (
        ["--start-parameters=" + ",".join(map(repr, start_on_the_plane()))],
        shift_click_on_the_plane,
        PlaneStart(start_on_the_plane()),
    ),
    "function": (
        ["--function", "x*y", "--window=-1,2,-3,4"],
        type_a_function,
        FunctionSpec("x*y", (-1.0, 2.0), (-3.0, 4.0)),
    ),
    "seeds": (["--seeds", "3"], lambda w: commit_text(w.controls.seeds, "3"), 3),
    "branches": (
        ["--branch", "sgd@1:0:lr=0.1"],
        branch_through_the_dialog,
        (parse_branch("sgd@1:0:lr=0.1"),),
    ),
    "activation": (
        ["--activation", "tanh"],
        lambda w: w.controls.activation.setCurrentText("tanh"),
        "tanh",
    ),
}


ALSO = {
    "problem": {"learning_rates", "stop_loss", "max_steps"},
    "start": {"problem", "learning_rates", "stop_loss", "max_steps"},
    "function": {"problem", "learning_rates", "stop_loss", "max_steps"},
}


def test_every_setting_has_a_flag_a_widget_and_a_file_key():
    assert set(SETTINGS) == set(FIELDS), "a setting the window, CLI or file cannot set"


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_the_flag_and_the_file_set_the_same_value(name):
    flags, _, value = SETTINGS[name]
    config = config_from_args(parse_args(flags))
    assert getattr(config, name) == value
    changed = {f for f in FIELDS if getattr(config, f) != getattr(ExperimentConfig(), f)}
    assert changed - ALSO.get(name, set()) == {name}
    assert config_from_dict(config_to_dict(config)) == config


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_the_window_sets_the_same_value_and_tells_the_engine(window, qtbot, monkeypatch, name):
    _, act, value = SETTINGS[name]
    if act in (branch_through_the_dialog, shift_click_on_the_plane):
        act(window, monkeypatch, qtbot)
    else:
        act(window)
    assert getattr(window.model.config, name) == value
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)
