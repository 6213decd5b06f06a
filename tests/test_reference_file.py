"""Run → Reference is saved in experiment files: beside the settings, read back, refused by
name when mistyped; a file from before it (no such key) still opens and leaves it as it was."""

import json

import pytest
from PySide6.QtCore import QSettings

from engine.config.settings import ConfigError, ExperimentConfig
from engine.io.experiment_file import (
    config_to_dict,
    read_config_file,
    read_experiment_file,
    write_config_file,
)
from tests.windows import action, open_main_window

CONFIG = ExperimentConfig(seed=4, max_steps=50)


@pytest.mark.parametrize("reference", [True, False])
def test_the_switch_is_written_beside_the_settings_and_read_back(tmp_path, reference):
    path = tmp_path / "exp.json"
    write_config_file(path, CONFIG, reference=reference)
    data = json.loads(path.read_text())
    assert data.pop("reference") is reference and data == config_to_dict(CONFIG)
    opened = read_experiment_file(path)
    assert (opened.config, opened.reference, opened.predictions) == (CONFIG, reference, None)
    assert read_config_file(path) == CONFIG  # --config takes the settings alone


def test_a_file_from_before_the_switch_opens_without_one(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(config_to_dict(CONFIG)))
    opened = read_experiment_file(path)
    assert opened.config == CONFIG and opened.reference is None
    write_config_file(tmp_path / "cli.json", CONFIG)  # the command line's --save-config
    assert "reference" not in json.loads((tmp_path / "cli.json").read_text())


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("reference", "yes", "reference must be true or false, not 'yes'"),
        ("reference", 1, "reference must be true or false, not 1"),
        ("refrence", True, "unknown setting 'refrence'"),
    ],
)
def test_a_mistyped_switch_is_refused_by_name(tmp_path, key, value, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**config_to_dict(CONFIG), key: value}))
    with pytest.raises(ConfigError, match=message) as refused:
        read_experiment_file(path)
    assert str(refused.value).startswith(str(path)) and "\n" not in str(refused.value)


def test_the_window_saves_the_switch_and_another_window_opens_with_it(qtbot, tmp_path):
    window = open_main_window(qtbot, QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat))
    generation = window.session.generation
    action(window, "reference").trigger()
    qtbot.waitUntil(lambda: window.session.generation > generation)
    saved = tmp_path / "exp.json"
    assert window.files.save_experiment_to(str(saved))
    assert json.loads(saved.read_text())["reference"] is True

    other = open_main_window(
        qtbot, QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat), CONFIG
    )
    assert not other.model.reference and other.session.started.reference_notes is None
    assert other.files.open_experiment_from(str(saved)), other.errors
    assert other.model.reference and action(other, "reference").isChecked()
    assert other.model.config == window.model.config
    qtbot.waitUntil(
        lambda: (
            other.session.started.config == window.model.config
            and other.session.started.reference_notes is not None
        )
    )

    old = tmp_path / "old.json"
    old.write_text(json.dumps(config_to_dict(CONFIG)))
    assert other.files.open_experiment_from(str(old))
    assert other.model.config == CONFIG and other.model.reference  # left as it was

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**config_to_dict(ExperimentConfig(seed=9)), "reference": "no"}))
    assert not other.files.open_experiment_from(str(bad))
    assert "reference must be true or false" in other.errors[-1]
    assert other.model.config == CONFIG and other.model.reference  # nothing applied
