"""An experiment file that carries optimizer code shows it and asks before the window runs it."""

from PySide6.QtWidgets import QDialog

from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.io.experiment_file import write_config_file
from engine.optimizers.templates import template_code
from gui.shell import code_consent


def shared_file(tmp_path):
    mine = OptimizerSpec.create("x", None, template_code("momentum"))
    config = ExperimentConfig(optimizers=(OptimizerSpec.create("sgd"), mine))
    path = tmp_path / "shared.json"
    write_config_file(path, config)
    return str(path), config


def answering(monkeypatch, answer, shown):
    def exec_(dialog):
        shown.append(dialog.code.toPlainText())
        return answer

    monkeypatch.setattr(code_consent.CodeConsentDialog, "exec", exec_)


def test_refusing_leaves_the_experiment_as_it_was(window, tmp_path, monkeypatch):
    path, _ = shared_file(tmp_path)
    before = window.model.config
    shown = []
    answering(monkeypatch, QDialog.DialogCode.Rejected, shown)
    assert not window.files.open_experiment_from(path)
    assert window.model.config == before
    assert len(shown) == 1 and template_code("momentum").source.strip() in shown[0]
    assert "my_momentum.py" in shown[0]


def test_running_it_opens_the_experiment_with_the_code(window, tmp_path, monkeypatch):
    path, config = shared_file(tmp_path)
    shown = []
    answering(monkeypatch, QDialog.DialogCode.Accepted, shown)
    assert window.files.open_experiment_from(path)
    assert window.model.config.optimizers == config.optimizers and len(shown) == 1


def test_a_file_without_code_opens_without_asking(window, tmp_path, monkeypatch):
    path = tmp_path / "plain.json"
    write_config_file(path, ExperimentConfig(max_steps=50))
    shown = []
    answering(monkeypatch, QDialog.DialogCode.Rejected, shown)
    assert window.files.open_experiment_from(str(path))
    assert window.model.config.max_steps == 50 and shown == []
