"""A student's optimizer in the engine: its failure stops only its own runs (the others' losses
unchanged to the bit), and it works everywhere a built-in does: branches, going back, seeds,
the sweep, Predict, sharpness, the inspector, the reference check and the window's messages."""

import pickle
import threading

import numpy as np
import pytest

from engine.analysis.inspection import inspect_run
from engine.analysis.sharpness import SharpnessTracker
from engine.analysis.sweep_run import run_sweep
from engine.config.settings import BranchSpec, ExperimentConfig, OptimizerSpec
from engine.core.watchdog import (
    TIME_LIMIT_VARIABLE,
    WATCHDOG,
    Interrupted,
    guarded_call,
    stop_when,
)
from engine.experiment.batched import BatchedExperiment
from engine.experiment.predictions import outcomes
from engine.experiment.runs import RunStatus
from engine.experiment.seeds import group_status, seed_outcomes
from engine.live.updates import full_update, started
from engine.optimizers.user_code import OptimizerCode
from tests.student_code import BAD_INIT, MOMENTUM, NAME_ERROR_AT_3

SGD, ADAM = OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")


def student(source: str, filename: str = "student.py", **params) -> OptimizerSpec:
    return OptimizerSpec.create("ignored", params, OptimizerCode(source, filename))


def trained(*optimizers: OptimizerSpec, **settings) -> BatchedExperiment:
    experiment = BatchedExperiment(ExperimentConfig(optimizers=optimizers, **settings))
    experiment.run_to_end()
    return experiment


def test_an_error_at_step_3_stops_only_its_runs():
    experiment = trained(SGD, student(NAME_ERROR_AT_3), ADAM)
    alone = trained(SGD, ADAM)
    for lr in range(4):  # the others, to the bit, as if it had not been there
        np.testing.assert_array_equal(experiment.losses(lr), alone.losses(lr))
        np.testing.assert_array_equal(experiment.losses(8 + lr), alone.losses(4 + lr))
    for run in range(4, 8):
        summary = experiment.summary(run)
        assert (summary.status, summary.status_step, summary.steps) == (RunStatus.ERROR, 3, 3)
        assert summary.describe() == "error at step 3: NameError: name 'bta' is not defined"
        assert str(summary.failure) == (
            "student.py, line 4: error at step 3: NameError: name 'bta' is not defined"
        )
    assert experiment.done


def test_an_error_in_init_stops_its_runs_at_step_0_and_the_experiment_goes_on():
    experiment = trained(SGD, student(BAD_INIT))
    failure = experiment.summary(4).failure
    assert (failure.line, failure.in_init, failure.step) == (2, True, 0)
    assert failure.describe() == "error in init: NameError: name 'parms' is not defined"
    assert experiment.counts[4:].tolist() == [0] * 4
    np.testing.assert_array_equal(experiment.losses(1), trained(SGD).losses(1))


def test_nan_from_finite_numbers_is_the_code_s_error_but_a_diverging_rule_is_not():
    nan = student("def update(params, grads, state, lr):\n    return params / 0 * 0, state\n")
    experiment = trained(nan, max_steps=5)
    assert experiment.summary(0).describe() == (
        "error at step 1: update returned NaN from finite params and grads (at η = 0.001)"
    )
    big = student("def update(params, grads, state, lr):\n    return params - lr * grads, state\n")
    diverging = trained(big, learning_rates=(1e30,), max_steps=50)
    assert diverging.summary(0).status is RunStatus.DIVERGED


def test_an_endless_loop_ends_at_the_time_limit(monkeypatch):
    monkeypatch.setenv(TIME_LIMIT_VARIABLE, "0.2")
    loop = student("def update(params, grads, state, lr):\n    while True:\n        pass\n")
    experiment = trained(loop, SGD, max_steps=30)
    assert experiment.summary(0).describe() == (
        "error at step 1: did not return within 0.2 s (an endless loop?)"
    )
    assert experiment.summary(0).failure.line == 2
    assert experiment.summary(4).status is not RunStatus.ERROR


INSIDE = threading.Event()


def test_a_stop_request_ends_a_loop_at_once_and_names_its_line():
    """As Pause does in the engine process: the task's stop request, seen by the watchdog."""
    stop = threading.Event()
    loop = student(
        "def update(params, grads, state, lr):\n"
        "    import tests.test_user_code_runs as here\n"
        "    here.INSIDE.set()\n"
        "    while True:\n"
        "        pass\n"
    )
    experiment = BatchedExperiment(ExperimentConfig(optimizers=(loop,), max_steps=5))
    INSIDE.clear()
    worker = threading.Thread(target=lambda: _step_until_stopped(experiment, stop))
    worker.start()
    assert INSIDE.wait(60)
    stop.set()
    worker.join()
    failure = experiment.summary(0).failure
    assert failure.message.startswith("stopped by Pause after ") and failure.line == 4


def _step_until_stopped(experiment, stop):
    with stop_when(stop.is_set):
        experiment.step(1)


def test_the_watchdog_s_exception_never_lands_outside_the_call():
    """Thousands of short calls, each asked to stop: each returns or raises Interrupted with
    its reason, none is left watched (to be interrupted later), and nothing lands after them."""
    stop = threading.Event()
    stop.set()
    heard = []
    with stop_when(stop.is_set):
        for _ in range(20_000):
            try:
                heard.append(guarded_call(sum, range(200)))
            except Interrupted as err:
                heard.append(err.reason.split(" after ")[0])
        total = sum(i for i in range(300_000))  # a pending exception would land in here
    assert set(heard) <= {sum(range(200)), "stopped by Pause"} and total > 0
    assert WATCHDOG.watching == 0
    with pytest.raises(Interrupted), stop_when(stop.is_set):
        guarded_call(lambda: [None for _ in iter(int, 1)])  # an endless loop in a comprehension


def test_a_branch_can_switch_to_a_student_s_optimizer_at_step_k():
    mine = student(MOMENTUM, "mine.py")
    to = {
        name: BranchSpec("sgd", 0.1, 5, optimizer=spec)
        for name, spec in (("mine", mine), ("built-in", OptimizerSpec.create("momentum")))
    }
    runs = {name: trained(SGD, branches=(branch,)) for name, branch in to.items()}
    np.testing.assert_array_equal(runs["mine"].losses(4), runs["built-in"].losses(4))
    broken = trained(SGD, branches=(BranchSpec("sgd", 0.1, 5, optimizer=student(BAD_INIT)),))
    summary = broken.summary(4)
    assert (summary.status, summary.status_step, summary.failure.in_init) == (
        RunStatus.ERROR,
        5,
        True,
    )
    np.testing.assert_array_equal(broken.losses(2), runs["mine"].losses(2))  # the parent


def test_going_back_before_the_error_and_on_again_gives_the_same_error():
    experiment = BatchedExperiment(ExperimentConfig(optimizers=(SGD, student(NAME_ERROR_AT_3))))
    experiment.step(2)
    saved = experiment.save_state()
    experiment.step(5)
    assert experiment.failures
    experiment.load_state(saved)
    assert not experiment.failures and experiment.summary(4).status is RunStatus.RUNNING
    experiment.step(5)
    assert experiment.summary(4).describe().startswith("error at step 3")


def test_seeds_count_the_draws_its_code_stopped():
    experiment = trained(SGD, student(NAME_ERROR_AT_3), seeds=3, learning_rates=(0.1,))
    status = experiment.status
    assert seed_outcomes(status, 3).text(1) == "0 conv · 0 stall · 0 blew up · 3 error"
    assert group_status(status, 3).tolist() == [RunStatus.CONVERGED, RunStatus.ERROR]


def test_predict_gives_an_errored_run_no_verdict():
    config = ExperimentConfig(optimizers=(SGD, student(NAME_ERROR_AT_3)), learning_rates=(0.1,))
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    result = outcomes(config, experiment.status, experiment.status_steps)
    assert set(result.verdicts) == {("sgd", 0.1)} and result.done
    assert result.first[0.1] == frozenset({"sgd"})


def test_the_sweep_trains_it_and_reports_its_failure():
    lrs = (0.01, 0.1)
    sweep = run_sweep(ExperimentConfig(optimizers=(OptimizerSpec.create("momentum"),)), lrs)
    mine = run_sweep(ExperimentConfig(optimizers=(student(MOMENTUM),)), lrs)
    np.testing.assert_array_equal(mine.final_loss, sweep.final_loss)
    bad = run_sweep(ExperimentConfig(optimizers=(SGD, student(NAME_ERROR_AT_3))), lrs)
    assert [f.describe() for f in bad.failures] == [
        "error at step 3: NameError: name 'bta' is not defined"
    ]
    assert (bad.status[1] == RunStatus.ERROR).all() and np.isnan(bad.final_loss[1]).all()


def test_sharpness_has_a_threshold_only_if_the_file_declares_one():
    declared = MOMENTUM.replace('"My momentum"', '"Declared"') + (
        "\ndef threshold(lr, beta):\n    return (2 + 2 * beta) / ((1 - beta) * lr)\n"
    )
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("momentum"), student(MOMENTUM), student(declared)),
        max_steps=20,
    )
    tracker = SharpnessTracker(BatchedExperiment(config))
    tracker.run_to_end()
    np.testing.assert_array_equal(tracker.sharpness[4:8], tracker.sharpness[:4])
    assert not tracker.adaptive[4:].any()
    thresholds = tracker.thresholds
    assert np.isnan(thresholds[4:8]).all()
    np.testing.assert_allclose(thresholds[8:], thresholds[:4], rtol=1e-15)


def test_the_inspector_reads_its_state_by_name():
    config = ExperimentConfig(optimizers=(OptimizerSpec.create("momentum"), student(MOMENTUM)))
    experiment = BatchedExperiment(config)
    experiment.step(7)
    theirs, mine = inspect_run(experiment, 2, 3), inspect_run(experiment, 6, 3)
    assert mine.snapshot.state.keys() == {"m"}
    assert mine.breakdown.state_before == theirs.breakdown.state_before
    assert mine.breakdown.new_theta == theirs.breakdown.new_theta
    assert mine.sharpness.preconditioned is None and np.isnan(mine.sharpness.threshold)


def test_the_reference_check_says_it_has_no_torch_twin():
    config = ExperimentConfig(optimizers=(SGD, student(MOMENTUM, "mine.py")), max_steps=10)
    experiment = BatchedExperiment(config, reference=True)
    experiment.run_to_end()
    notes = started(experiment, 1).reference_notes
    assert notes[0] is None
    assert notes[4] == (
        "My momentum is written by you (mine.py): torch.optim has no twin to check it against "
        "(the editor's Check compares it with a built-in)"
    )


def test_the_window_hears_the_failure_as_plain_data():
    experiment = BatchedExperiment(ExperimentConfig(optimizers=(SGD, student(BAD_INIT))))
    announced = pickle.loads(pickle.dumps(started(experiment, 1)))
    assert [f.describe() for f in announced.failures] == [
        "error in init: NameError: name 'parms' is not defined"
    ]
    experiment = trained(SGD, student(NAME_ERROR_AT_3))
    update = pickle.loads(pickle.dumps(full_update(experiment).with_runs(())))
    summaries = update.summaries.with_runs(experiment.runs)
    assert summaries[5].describe() == "error at step 3: NameError: name 'bta' is not defined"
    assert summaries[5].failure.optimizer == "student" and summaries[5].failure.line == 4
    earlier = summaries.at_step(2, full_update(experiment).losses)
    assert earlier[5].status is RunStatus.RUNNING and earlier.failures == {}


def test_pause_stops_a_student_s_endless_loop_in_the_engine_process(qtbot, tmp_path):
    """The engine process is kept: Pause ends the loop (the runs say so) instead of the window
    replacing the process, as it must for a hang in C code."""
    from engine.live.protocol import LIVE
    from engine.live.worker import EngineWorker

    inside = tmp_path / "inside the loop"
    loop = student(
        "def update(params, grads, state, lr):\n"
        f"    open({str(inside)!r}, 'w').close()\n"
        "    while True:\n"
        "        pass\n"
    )
    worker = EngineWorker()
    try:
        updates, died = [], []
        worker.progress.connect(updates.append)
        worker.died.connect(died.append)
        with qtbot.waitSignal(worker.started, timeout=60000):
            worker.configure(ExperimentConfig(optimizers=(SGD, loop), max_steps=50))
        pid = worker.connection.pid
        worker.play()
        qtbot.waitUntil(inside.exists, timeout=60000)
        worker.pause()
        live = worker.runner(LIVE)
        qtbot.waitUntil(lambda: not live.busy, timeout=60000)
        failures = updates[-1].summaries.failures
        assert {f.describe().split(" after ")[0] for f in failures.values()} == {
            "error at step 1: stopped by Pause"
        }
        assert {f.line for f in failures.values()} == {3}
        assert worker.connection.pid == pid and not died
    finally:
        worker.shutdown()


def test_an_experiment_file_carries_the_code_of_a_branch_s_optimizer_too(tmp_path):
    from engine.io.experiment_file import read_experiment_file, write_config_file

    mine = student(MOMENTUM, "mine.py")
    config = ExperimentConfig(
        optimizers=(SGD, mine), branches=(BranchSpec("My momentum", 0.1, 5, optimizer=SGD),)
    )
    plain = ExperimentConfig(branches=(BranchSpec("sgd", 0.1, 5, optimizer=mine),))
    for settings in (config, plain):
        path = tmp_path / "shared.json"
        write_config_file(path, settings)
        opened = read_experiment_file(path)
        assert opened.config == settings
        assert opened.carries_code and opened.code_optimizers == (mine,)
    write_config_file(path, ExperimentConfig())
    assert not read_experiment_file(path).carries_code


def test_the_timeline_keeps_what_failed_when_it_goes_back_or_rebranches():
    """From checkpoints saved after the failure (seek, and the rebranch's remapped state)."""
    from engine.live.timeline import Timeline

    config = ExperimentConfig(optimizers=(SGD, student(NAME_ERROR_AT_3)), max_steps=100)
    timeline = Timeline(BatchedExperiment(config))
    timeline.run_to_end()
    assert timeline.checkpoints[:3] == (0, 16, 32)
    said = "error at step 3: NameError: name 'bta' is not defined"
    assert timeline.seek(40).summary(4).describe() == said
    assert timeline.seek(2).summary(4).status is RunStatus.RUNNING
    timeline.rebranch(config.with_changes(branches=(BranchSpec("sgd", 0.001, 60, lr=0.01),)))
    assert timeline.experiment.summary(4).describe() == said
    assert timeline.seek(70).summary(4).describe() == said
