"""Branching in the window: the dialog adds a branch from the step shown, without a restart,
drawn dashed in its parent's panel; the file and the command line give the same losses."""

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import main
from engine.config.settings import BranchSpec, ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from gui.export.figure import Figure
from gui.plotting.pacing import SPEED_STEPS
from gui.plotting.themes import DEFAULT
from gui.timeline.branch_dialog import BranchDialog
from tests.windows import open_main_window, temporary_settings

CONFIG = ExperimentConfig(max_steps=120)
SGD_DROP = BranchSpec("sgd", 1.0, 50, lr=0.1)
LABEL = "SGD η=1 → η=0.1 @ 50"


def open_window(qtbot, tmp_path, config=CONFIG, train=True):
    window = open_main_window(qtbot, temporary_settings(tmp_path), config, SPEED_STEPS)
    if train:
        window.run_to_end()
        qtbot.waitUntil(lambda: window.session.done and not window.session.playing, timeout=30_000)
    return window


def answer_dialog(lr_text: str | None, seen: list) -> None:
    """When the dialog opens: type a learning rate and press Return (None: cancel)."""

    def answer():
        dialog = QApplication.activeModalWidget()
        seen.append(dialog)
        if lr_text is None:
            dialog.reject()
            return
        dialog.lr.selectAll()
        QTest.keyClicks(dialog.lr, lr_text)
        QTest.keyClick(dialog.lr, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)


def branch_through_dialog(window, qtbot, run: int, step: int, lr_text: str) -> None:
    window.timeline.move_to(step)
    window.inspector.select_run(run)
    seen: list = []
    answer_dialog(lr_text, seen)
    window.branching.branch_followed()
    assert isinstance(seen[0], BranchDialog)


def test_a_branch_from_the_dialog_trains_on_from_the_step_shown_without_a_restart(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)
    generation = window.session.generation
    branch_through_dialog(window, qtbot, run=3, step=50, lr_text="0.1")  # SGD at η = 1
    assert window.model.config.branches == (SGD_DROP,)
    qtbot.waitUntil(lambda: window.session.generation > generation)
    qtbot.waitUntil(
        lambda: window.session.latest is not None and len(window.session.latest.counts) == 17
    )
    assert window.session.steps_taken == 120  # kept: no restart from step 0
    assert window.view.step == 50  # still showing the step it was branched at
    assert window.statusBar().currentMessage().startswith("Branch added")
    window.run_to_end()  # nothing left to train: the branch was made to step 120 and converged
    qtbot.waitUntil(lambda: window.session.done and not window.session.playing)
    window.timeline.to_latest()
    direct = BatchedExperiment(CONFIG.with_changes(branches=(SGD_DROP,)))
    direct.run_to_end()
    shown = window.session.history
    for run in direct.runs:
        np.testing.assert_array_equal(shown.losses(run.index), direct.losses(run.index))
    assert direct.summary(16).status is RunStatus.CONVERGED

    window.refresh_now()
    panel = window.grid.panels[3]  # η = 1: the parent's panel
    x, y = panel.curves[16].getData()
    assert x[0] == 50 and y[0] == shown.losses(3)[50]
    pen = panel.curves[16].opts["pen"]
    assert pen.style() == Qt.PenStyle.CustomDashLine
    assert pen.color().name().lower() == "#56b4e9"  # SGD's sky blue: the branch's optimizer
    legend = [label.text for _, label in window.grid.legend.items]
    assert LABEL in legend
    assert window.run_table.verticalHeaderItem(4).text() == LABEL
    assert window.run_table.item(4, 3).text().startswith("converged @")


def test_the_saved_file_and_the_command_line_give_the_windows_branch_losses(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)
    branch_through_dialog(window, qtbot, run=3, step=50, lr_text="0.1")
    qtbot.waitUntil(lambda: len(window.session.started.runs) == 17)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done and not window.session.playing)
    window.timeline.to_latest()  # the dialog left the view at step 50; exports draw the shown
    experiment, shown, cli = tmp_path / "e.json", tmp_path / "window.csv", tmp_path / "cli.csv"
    assert window.files.save_experiment_to(str(experiment))
    assert window.files.export_data(str(shown))
    assert main.main(["--config", str(experiment), "--csv", str(cli)]) == 0
    assert cli.read_text() == shown.read_text()
    assert "sgd lr=1 -> lr=0.1 @ 50,0.1,50," in shown.read_text()

    (tmp_path / "other").mkdir()
    other = open_window(qtbot, tmp_path / "other", train=False)
    assert other.files.open_experiment_from(str(experiment))
    assert other.model.config.branches == (SGD_DROP,)


def test_exports_draw_the_branch_dashed_from_its_step(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, CONFIG.with_changes(branches=(SGD_DROP,)))
    state = window.files.figure_state()
    with Figure(state, DEFAULT) as figure:
        curve = figure.grid.panels[3].curves[16]
        x, _ = curve.getData()
        assert x[0] == 50 and curve.opts["pen"].style() == Qt.PenStyle.CustomDashLine
        assert LABEL in [label.text for _, label in figure.grid.legend.items]


def test_a_diverged_run_is_refused_at_and_after_its_divergence(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path, ExperimentConfig(learning_rates=(3.0,), max_steps=60))
    window.timeline.move_to(40)
    window.inspector.select_run(0)  # SGD at η = 3 diverged at step 27
    window.branching.branch_followed()  # no dialog: it would block the test
    message = window.statusBar().currentMessage()
    assert (
        message == "Cannot branch: SGD at η = 3 diverged at step 27: branch it at step 26 or before"
    )
    assert window.model.config.branches == ()
    seen: list = []
    answer_dialog(None, seen)
    window.timeline.move_to(20)
    window.branching.branch_followed()
    assert seen[0].step.maximum() == 26 and seen[0].step.value() == 20


def test_more_than_sixteen_branches_are_refused_with_a_message(qtbot, tmp_path):
    many = tuple(BranchSpec("sgd", 1.0, s) for s in range(16))
    window = open_window(qtbot, tmp_path, CONFIG.with_changes(branches=many))
    window.timeline.move_to(30)
    window.inspector.select_run(3)
    window.branching.branch_followed()
    assert "at most 16 branches" in window.statusBar().currentMessage()


def test_removing_a_branch_keeps_the_step_and_changing_rates_drops_orphans(qtbot, tmp_path):
    branches = (SGD_DROP, BranchSpec("adam", 0.01, 20, optimizer=OptimizerSpec.create("sgd")))
    window = open_window(qtbot, tmp_path, CONFIG.with_changes(branches=branches))
    generation = window.session.generation
    table = window.run_table
    menu = table.context_menu(table.visualItemRect(table.item(4, 3)).center())  # SGD's branch
    branch, remove = menu.actions()
    assert not branch.isEnabled() and remove.text() == "Remove this branch"
    remove.trigger()
    qtbot.waitUntil(lambda: window.session.generation > generation)
    qtbot.waitUntil(lambda: window.session.steps_taken == 120)
    assert window.model.config.branches == branches[1:]
    assert window.statusBar().currentMessage().startswith("Branch removed")
    window.model.update(learning_rates=(0.1, 1.0))  # no η = 0.01 left: its branch goes
    assert window.model.config.branches == ()
    assert "1 branch dropped" in window.statusBar().currentMessage()


@pytest.mark.parametrize("where", ["table", "inspector"])
def test_the_context_menus_offer_to_branch_the_run_they_show(qtbot, tmp_path, where):
    window = open_window(qtbot, tmp_path)
    window.timeline.move_to(5)
    window.inspector.select_run(6)  # Momentum at η = 0.1
    table = window.run_table
    if where == "table":
        menu = table.context_menu(table.visualItemRect(table.item(1, 2)).center())
    else:
        menu = window.inspector.context_menu()
    assert [action.text() for action in menu.actions()] == ["Branch from here…"]
    dialogs: list = []
    answer_dialog(None, dialogs)  # the dialog it opens is cancelled
    menu.actions()[0].trigger()
    assert isinstance(dialogs[0], BranchDialog)
    assert (dialogs[0].run.index, dialogs[0].step.value()) == (6, 5)
    assert window.model.config.branches == ()


def test_the_dialog_branches_from_and_to_an_optimizer_the_user_wrote(qtbot):
    """From a written optimizer's run the dialog opens on it; from SGD's it offers the written
    one after the built-ins, and the branch it makes carries the code."""
    from engine.optimizers.templates import template_code

    mine = OptimizerSpec.create("x", None, template_code("momentum"))
    config = ExperimentConfig(optimizers=(OptimizerSpec.create("sgd"), mine), max_steps=60)
    runs = BatchedExperiment(config).runs
    own = BranchDialog(runs[4], 10, 59, config)
    qtbot.addWidget(own)
    assert own.optimizer.currentText() == mine.name == "My momentum"
    assert own.branch().optimizer is None  # the parent's own optimizer: nothing changed
    dialog = BranchDialog(runs[0], 10, 59, config)
    qtbot.addWidget(dialog)
    assert dialog.optimizer.currentText() == "SGD"
    dialog.optimizer.setCurrentIndex(dialog.optimizer.count() - 1)
    branch = dialog.branch()
    assert branch.optimizer == mine and branch.optimizer.code == mine.code
    branched = BatchedExperiment(config.with_changes(branches=(branch,)))
    branched.run_to_end()
    assert branched.summary(8).status is not RunStatus.ERROR
