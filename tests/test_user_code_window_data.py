"""What the window shows of a student's optimizer that failed: the Runs table's status text,
and the session's ``code_failed`` signal (once per failure) for the editor to mark the line."""

from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.live.updates import full_update, started
from engine.optimizers.user_code import OptimizerCode
from gui.runs.run_table import RunTable
from gui.state.session import EngineSession
from tests.student_code import BAD_INIT, NAME_ERROR_AT_3


def experiment_with(source: str) -> BatchedExperiment:
    mine = OptimizerSpec.create("x", None, OptimizerCode(source, "student.py"))
    return BatchedExperiment(ExperimentConfig(optimizers=(OptimizerSpec.create("sgd"), mine)))


def test_the_runs_table_says_what_failed_at_which_step(qtbot):
    experiment = experiment_with(NAME_ERROR_AT_3)
    experiment.run_to_end()
    table = RunTable()
    qtbot.addWidget(table)
    table.start(started(experiment, 1))
    table.show_update(full_update(experiment, 1))
    assert [table.cell(run).text() for run in range(4, 8)] == [
        "error at step 3: NameError: name 'bta' is not defined"
    ] * 4
    assert table.cell(2).text().startswith("converged")


def test_the_session_says_each_failure_once(qtbot):
    session = EngineSession()
    heard = []
    session.code_failed.connect(heard.append)
    experiment = experiment_with(BAD_INIT)
    session.on_started(started(experiment, 1))
    experiment.step(2)
    session.on_progress(full_update(experiment, 1))
    session.on_progress(full_update(experiment, 1))
    assert [(f.filename, f.line, f.describe()) for f in heard] == [
        ("student.py", 2, "error in init: NameError: name 'parms' is not defined")
    ]
    assert session.failures == tuple(heard)

    experiment = experiment_with(NAME_ERROR_AT_3)
    session.on_started(started(experiment, 2))  # a new experiment: heard anew
    assert session.failures == ()
    experiment.run_to_end()
    with qtbot.waitSignal(session.code_failed) as signal:
        session.on_progress(full_update(experiment, 2))
    assert (signal.args[0].step, signal.args[0].line) == (3, 4)
