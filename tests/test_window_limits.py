"""The Settings dock holds whatever the engine accepts: each field's range is the engine's own
limit, a config at any limit opens showing exactly its values and saves back unchanged, and a
value beyond is refused in one line."""

import json

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QValidator

import main
from engine.config.limits import LIMITS
from engine.io.experiment_file import (
    REFERENCE_KEY,
    config_from_dict,
    config_to_dict,
    read_config_file,
    write_config_file,
)
from gui.settings.controls import ControlPanel
from gui.state.experiment_model import ExperimentModel
from gui.widgets.fields import NumberField, WholeNumberBox
from tests.limit_cases import edges, settings_with
from tests.windows import commit_text

# setting (a key of LIMITS) -> the field of the Settings dock that shows and edits it
FIELDS = {
    "learning_rates": lambda panel: panel.rates.fields[0],
    "seed": lambda panel: panel.seed,
    "seeds": lambda panel: panel.seeds,
    "max_steps": lambda panel: panel.max_steps,
    "stop_loss": lambda panel: panel.stop_loss,
    "hidden": lambda panel: panel.hidden,
    "batch_size": lambda panel: panel.batch_size,
    "start": lambda panel: panel.problem.start_x,
    "dataset.samples": lambda panel: panel.samples,
    "dataset.noise": lambda panel: panel.noise,
    "dataset.seed": lambda panel: panel.data_seed,
}
AT_THE_ENDS = [(key, value) for key in FIELDS for value in edges(LIMITS[key])]
WHOLE = [key for key in FIELDS if LIMITS[key].whole]


def text_of(field) -> str:
    return field.text() if isinstance(field, NumberField) else field.lineEdit().text()


def state_of(field, text: str) -> QValidator.State:
    """What the field's validator makes of ``text``."""
    validate = field.validator().validate if isinstance(field, NumberField) else field.validate
    return validate(text, 0)[0]


def panel_for(qtbot, config) -> ControlPanel:
    panel = ControlPanel(ExperimentModel(config))
    qtbot.addWidget(panel)
    return panel


def test_every_limit_has_a_field_but_the_branch_step():
    """(The branch dialog's step runs to the step the parent run has reached.)"""
    assert set(FIELDS) == set(LIMITS) - {"branch.step"}


@pytest.mark.parametrize("key, value", AT_THE_ENDS)
def test_a_setting_at_an_end_of_its_limits_shows_exactly_and_saves_back_unchanged(
    qtbot, tmp_path, key, value
):
    config = config_from_dict(settings_with(key, value))
    panel = panel_for(qtbot, config)
    shown = text_of(FIELDS[key](panel))
    if LIMITS[key].whole:
        assert shown == str(value)
    else:
        assert float(shown) == value  # the text reads back to the very same float
    changes = []
    panel.model.changed.connect(changes.append)
    for field in [*panel.findChildren(WholeNumberBox), *panel.findChildren(NumberField)]:
        if field.isEnabled():  # Enter in every field a user can edit: each keeps what it shows
            assert state_of(field, text_of(field)) == QValidator.State.Acceptable
            commit_text(field, text_of(field))
    assert changes == [] and panel.model.config == config
    saved = tmp_path / "saved.json"
    write_config_file(saved, panel.model.config)
    assert json.loads(saved.read_text()) == json.loads(json.dumps(config_to_dict(config)))


@pytest.mark.parametrize("key", WHOLE)
def test_a_whole_number_below_the_range_is_refused_in_the_engines_line(qtbot, key):
    limits = LIMITS[key]
    config = config_from_dict(settings_with(key, limits.low))
    panel = panel_for(qtbot, config)
    refusals = []
    panel.model.refused.connect(refusals.append)
    field = FIELDS[key](panel)
    commit_text(field, str(limits.low - 1))
    assert refusals == [f"{limits.name} must be {limits.rule}, not {limits.low - 1}"]
    assert panel.model.config == config and text_of(field) == str(limits.low)


@pytest.mark.parametrize("key", [key for key in WHOLE if LIMITS[key].high is not None])
def test_a_whole_number_above_the_range_cannot_be_typed(qtbot, key):
    field = FIELDS[key](panel_for(qtbot, config_from_dict({})))
    high = int(LIMITS[key].high)
    assert state_of(field, str(high)) == QValidator.State.Acceptable
    assert state_of(field, str(high + 1)) == QValidator.State.Invalid


@pytest.mark.parametrize("key", [key for key in FIELDS if not LIMITS[key].whole])
def test_a_real_number_outside_the_range_is_not_accepted_by_its_field(qtbot, key):
    field = FIELDS[key](panel_for(qtbot, config_from_dict(settings_with(key, 1.0))))
    limits = LIMITS[key]
    outside = ["inf", "nan", "1e999"]
    if limits.low is not None:
        outside.append(repr(limits.low) if limits.low_open else repr(limits.low - 1e-9))
    for text in outside:
        assert state_of(field, text) != QValidator.State.Acceptable, text


def test_the_batch_size_steps_down_to_the_full_batch_and_back(qtbot):
    panel = panel_for(qtbot, config_from_dict({"batch_size": 2}))
    panel.batch_size.stepBy(-1)
    assert panel.model.config.batch_size == 1
    panel.batch_size.stepBy(-1)
    assert panel.model.config.batch_size is None
    assert panel.batch_size.lineEdit().text() == "full batch"
    panel.batch_size.stepBy(1)
    assert panel.model.config.batch_size == 1


# --- through the app's startup path ------------------------------------------------------------


def start_app(qtbot, monkeypatch, tmp_path, argv: list[str]) -> dict[str, str]:
    """``main.main(argv)`` as a user starts the window (settings in a temporary file); once its
    experiment is built, the Settings dock's fields as shown, and the window closed."""
    import PySide6.QtCore
    from PySide6.QtWidgets import QApplication

    from gui.shell.main_window import MainWindow

    class TemporarySettings(QSettings):
        def __init__(self):
            super().__init__(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

    shown: dict[str, str] = {}

    def exec_(app) -> int:  # instead of the event loop: look at the window, then close it
        (window,) = [
            w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        try:
            shown.update({key: text_of(field(window.controls)) for key, field in FIELDS.items()})
            # a wide net's initial stability (its whole Hessian) takes seconds to compute
            qtbot.waitUntil(lambda: window.session.started is not None, timeout=120_000)
            assert window.session.started.config == window.model.config
        finally:
            window.close()
        return 0

    monkeypatch.setattr(PySide6.QtCore, "QSettings", TemporarySettings)
    monkeypatch.setattr(QApplication, "exec", exec_)
    assert main.main(argv) == 0
    return shown


@pytest.mark.parametrize(
    "argv, key, text",
    [
        (["--seed", "3000000000"], "seed", "3000000000"),
        (["--hidden", "128"], "hidden", "128"),
        (["--max-steps", "1000000"], "max_steps", "1000000"),
    ],
)
def test_the_window_opens_with_flags_the_engine_accepts(
    qtbot, monkeypatch, tmp_path, argv, key, text
):
    assert start_app(qtbot, monkeypatch, tmp_path, argv)[key] == text


def test_an_experiment_file_at_the_limits_opens_and_saves_back_as_written(window, qtbot, tmp_path):
    """File > Open, then File > Save, of a file whose values no 32-bit spin box could hold."""
    experiment = tmp_path / "wide.json"
    experiment.write_text(json.dumps({"hidden": 128, "seed": 2**63 - 1, "max_steps": 20}))
    assert window.files.open_experiment_from(str(experiment))
    controls = window.controls
    assert text_of(controls.hidden) == "128"
    assert text_of(controls.seed) == "9223372036854775807"
    qtbot.waitUntil(lambda: window.session.started.config == window.model.config, timeout=120_000)
    saved = tmp_path / "saved.json"
    assert window.files.save_experiment_to(str(saved))
    written = json.loads(saved.read_text())
    assert written.pop(REFERENCE_KEY) is False  # the switch, saved beside the settings
    assert written == config_to_dict(read_config_file(experiment))
    assert window.errors == []
