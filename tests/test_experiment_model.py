"""One owner for the experiment: the model takes edits whole or not at all, says what changed,
and is the only thing the engine is told by; nothing the engine reports writes back."""

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt

import engine.config.loading
import engine.config.settings
import engine.io.experiment_file
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.io.experiment_file import KEYS, config_from_dict, config_to_dict, read_config_file
from gui.state.experiment_model import ExperimentModel


def test_file_keys_are_the_configs_own_fields_and_every_one_round_trips():
    assert tuple(f.name for f in dataclasses.fields(ExperimentConfig)) == KEYS
    config = ExperimentConfig(learning_rates=(0.5, 2.0), dtype="float64", batch_size=2, seed=3)
    assert config_from_dict(config_to_dict(config)) == config


def test_an_edit_is_applied_whole_with_one_event_per_changed_field(qtbot):
    model = ExperimentModel()
    seen, changes = [], []
    model.events.seed.connect(lambda v: seen.append(("seed", v)))
    model.events.learning_rates.connect(lambda v: seen.append(("learning_rates", v)))
    model.changed.connect(changes.append)
    assert model.update(seed=5)
    assert seen == [("seed", 5)] and changes[0].names == {"seed"}
    assert model.config.seed == 5 and model.config.learning_rates == (0.001, 0.01, 0.1, 1.0)


def test_a_bad_edit_is_refused_in_one_line_and_changes_nothing(qtbot):
    model = ExperimentModel()
    before = model.config
    refused, changes = [], []
    model.refused.connect(refused.append)
    model.changed.connect(changes.append)
    assert not model.update(seed=3, max_steps=0)
    assert not model.set_learning_rate(1, -2.0)
    assert model.config == before and changes == []
    assert len(refused) == 2 and all("\n" not in r for r in refused)


def test_learning_rates_can_be_added_up_to_nine_and_removed_down_to_one(qtbot):
    model = ExperimentModel(ExperimentConfig(learning_rates=(0.1,)))
    refused = []
    model.refused.connect(refused.append)
    assert not model.remove_learning_rate(0)
    for _ in range(8):
        assert model.add_learning_rate()
    assert len(model.config.learning_rates) == 9
    assert len(set(model.config.learning_rates)) == 9
    assert not model.add_learning_rate()
    assert model.remove_learning_rate(0) and model.config.learning_rates[0] == 1.0
    assert model.article_learning_rates()
    assert model.config.learning_rates == (0.001, 0.01, 0.1, 1.0)
    assert len(refused) == 2


def test_a_csv_file_is_parsed_once_however_many_settings_change(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n0.1,0.2,1\n0.3,0.4,2\n0.5,0.6,3\n")
    calls = []
    real = engine.config.loading.read_csv_dataset
    monkeypatch.setattr(
        engine.config.loading, "read_csv_dataset", lambda p: calls.append(p) or real(p)
    )
    model = ExperimentModel()
    assert model.update(dataset=engine.config.settings.DatasetSpec(kind="csv", path=str(path)))
    for seed in range(1, 6):
        assert model.update(seed=seed)
    BatchedExperiment(model.config)  # as the engine thread builds it
    assert len(calls) == 1
    path.write_text("a,b,y\n0.1,0.2,1\n0.3,0.4,2\n")  # a new version of the file is read again
    BatchedExperiment(model.config)
    assert len(calls) == 2


# --- in the window -----------------------------------------------------------------------------


def type_into(qtbot, field, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_typed_rate_reaches_the_optimizers_update_and_nothing_writes_it_back(window, qtbot):
    field = window.controls.rates.fields[2]
    changes = []
    window.model.changed.connect(changes.append)
    type_into(qtbot, field, "0.05")
    assert window.model.config.learning_rates == (0.001, 0.01, 0.05, 1.0)
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)
    for n in (1, 2):
        window.step()
        qtbot.waitUntil(lambda n=n: window.session.steps_taken == n)
    # every run took the steps an independent experiment with 0.05 in that place takes
    expected = BatchedExperiment(window.model.config)
    expected.step(2)
    for run in window.session.started.runs:
        losses = window.session.history.losses(run.index)
        np.testing.assert_array_equal(losses, expected.losses(run.index))
    # one edit, one change; the engine's restart and steps wrote nothing into the model or field
    assert len(changes) == 1 and field.text() == "0.05"


def test_the_engine_reporting_other_settings_does_not_touch_the_model_or_the_fields(window, qtbot):
    before = window.model.config
    started = window.session.started
    config = before.with_changes(seed=9, learning_rates=(0.3,))
    other = dataclasses.replace(started, generation=started.generation + 1, config=config)
    window.engine.started.emit(other)  # as if the worker announced an experiment of its own
    assert window.session.started is other
    assert window.model.config == before
    assert window.controls.seed.value() == before.seed
    assert len(window.controls.rates.fields) == len(before.learning_rates)


def test_two_rates_stay_two_when_another_setting_changes(window, qtbot):
    window.model.update(learning_rates=(0.01, 0.1))
    assert len(window.controls.rates.fields) == 2
    type_into(qtbot, window.controls.seed, "4")
    assert window.model.config.learning_rates == (0.01, 0.1) and window.model.config.seed == 4
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)
    assert len(window.controls.rates.fields) == 2


def test_rates_are_added_and_removed_in_the_dock(window, qtbot):
    rates = window.controls.rates
    qtbot.mouseClick(rates.add_button, Qt.MouseButton.LeftButton)
    assert window.model.config.learning_rates == (0.001, 0.01, 0.1, 1.0, 10.0)
    assert len(rates.fields) == 5
    qtbot.mouseClick(rates.remove_buttons[0], Qt.MouseButton.LeftButton)
    assert window.model.config.learning_rates == (0.01, 0.1, 1.0, 10.0)
    qtbot.mouseClick(rates.article_button, Qt.MouseButton.LeftButton)
    assert window.model.config.learning_rates == (0.001, 0.01, 0.1, 1.0)
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_precision_is_one_setting_in_window_file_and_engine(window, qtbot, tmp_path, dtype):
    other = "float32" if dtype == "float64" else "float64"
    window.controls.dtype.setCurrentText(other)
    window.controls.dtype.setCurrentText(dtype)
    assert window.model.config.dtype == dtype
    qtbot.waitUntil(lambda: window.session.started.config.dtype == dtype)
    window.step()
    qtbot.waitUntil(lambda: window.session.steps_taken == 1)
    assert window.session.history.losses(0).dtype == np.dtype(dtype)
    path = tmp_path / "exp.json"
    assert window.files.save_experiment_to(str(path))
    assert read_config_file(path).dtype == dtype


def test_opening_a_file_replaces_every_setting_and_a_bad_one_none(window, qtbot, tmp_path):
    good = ExperimentConfig(
        optimizers=(OptimizerSpec.create("adam_torch"),), learning_rates=(0.1, 0.2, 0.3), seed=2
    )
    path = tmp_path / "good.json"
    engine.io.experiment_file.write_config_file(path, good)
    assert window.files.open_experiment_from(str(path))
    assert window.model.config == good and len(window.controls.rates.fields) == 3
    bad = tmp_path / "bad.json"
    bad.write_text('{"learning_rates": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}')
    assert not window.files.open_experiment_from(str(bad))
    assert window.model.config == good
    assert "learning_rates" in window.errors[-1]
