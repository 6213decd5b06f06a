"""Branches: a run forked at a step from its parent's exact state, then trained its own way."""

import io
import json

import numpy as np
import pytest
import torch

from engine.config.settings import (
    BranchSpec,
    ConfigError,
    DatasetSpec,
    ExperimentConfig,
    OptimizerSpec,
    schedule_spec,
)
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.experiment.branches import branch_refusal, with_fitting_branches
from engine.experiment.runs import RunStatus
from engine.io.experiment_file import (
    config_from_dict,
    config_to_dict,
    read_config_file,
    write_config_file,
)
from engine.io.records import write_losses_csv
from engine.live.messages import ExperimentStarted, LossUpdate
from engine.live.session import LiveSession
from engine.live.timeline import Timeline, summaries_at
from engine.live.updates import full_update
from engine.optimizers import REGISTRY

GENERATED = DatasetSpec("generated", samples=40, noise=0.1)
SGD_DROP = BranchSpec("sgd", 1.0, 50, lr=0.1)  # the example


def trained(config: ExperimentConfig) -> BatchedExperiment:
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    return experiment


def branch_rows(experiment: BatchedExperiment):
    return [run for run in experiment.runs if run.branch is not None]


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"dataset": GENERATED, "batch_size": 9, "schedule": schedule_spec("cosine", {"T_max": 40})},
        {"schedule": schedule_spec("plateau", {"patience": 2})},
    ],
    ids=["full batch", "mini-batches, cosine", "plateau"],
)
def test_a_branch_that_changes_nothing_is_its_parent_from_the_branch_step_bit_for_bit(settings):
    optimizers = tuple(OptimizerSpec.create(name) for name in REGISTRY)  # 16: the most branches
    config = ExperimentConfig(
        optimizers=optimizers, learning_rates=(0.05,), max_steps=150, stop_loss=0.0, **settings
    )
    config = config.with_changes(branches=tuple(BranchSpec(s.key, 0.05, 37) for s in optimizers))
    experiment = trained(config)
    for branch in branch_rows(experiment):
        parent = branch.parent
        assert (branch.optimizer, branch.lr) == (experiment.runs[parent].optimizer, 0.05)
        count = experiment.counts[parent]
        assert experiment.counts[branch.index] == count
        for buffer in (experiment.loss_buffer, experiment.lr_buffer):
            np.testing.assert_array_equal(buffer[branch.index, 37:count], buffer[parent, 37:count])
            assert np.isnan(buffer[branch.index, :37]).all()
        ours, theirs = experiment.snapshot(branch.index), experiment.snapshot(parent)
        for name in theirs.params:
            np.testing.assert_array_equal(ours.params[name], theirs.params[name])
        assert ours.state.keys() == theirs.state.keys()


def test_a_new_rate_trains_on_from_the_parents_parameters_as_plain_sgd_would():
    experiment = trained(ExperimentConfig(branches=(SGD_DROP,)))
    branch = branch_rows(experiment)[0]
    at_50 = BatchedExperiment(ExperimentConfig())
    at_50.step(50)
    theta = at_50.current_parameters()[branch.parent : branch.parent + 1]
    lr = torch.tensor([[0.1]], dtype=torch.float32)
    by_hand = []
    for _ in range(50, experiment.counts[branch.index]):
        loss, grad = at_50.problem.loss_and_gradient(theta)
        by_hand.append(float(loss[0]))
        theta = theta - lr * grad
    np.testing.assert_array_equal(experiment.losses(branch.index)[50:], np.float32(by_hand))
    assert experiment.loss_buffer[branch.index, 50] == experiment.loss_buffer[branch.parent, 50]
    summary = experiment.summary(branch.index)
    assert summary.status is RunStatus.CONVERGED  # η = 1 was stuck at 16.35: 0.1 recovers
    assert branch.label == "SGD η=1 → η=0.1 @ 50"
    assert experiment.summary(branch.parent).final_loss == pytest.approx(16.35, abs=0.01)


def test_the_same_optimizer_carries_its_state_and_step_count_another_starts_fresh():
    carried = BranchSpec(
        "adam", 0.01, 20, optimizer=OptimizerSpec.create("adam", {"bias_correction": True})
    )
    fresh = BranchSpec("momentum", 0.01, 20, optimizer=OptimizerSpec.create("adam"))
    experiment = BatchedExperiment(ExperimentConfig(branches=(carried, fresh)))
    experiment.step(21)  # each branch made one update of its own, at step 20
    adam_run, momentum_run = branch_rows(experiment)
    before = BatchedExperiment(ExperimentConfig())
    before.step(20)
    parent_state = before.snapshot(adam_run.parent).state
    state = experiment.snapshot(adam_run.index).state
    assert state["step"] == parent_state["step"] + 1 == 21  # bias corrections go on from t = 20
    grad = before.snapshot(adam_run.parent).gradient
    for name in grad:  # m ← β₁·m + (1−β₁)·g on the parent's m, in float32 as the engine does
        m = np.float32(0.9) * parent_state["m"][name] + np.float32(1 - 0.9) * grad[name]
        np.testing.assert_allclose(state["m"][name], m, rtol=1e-6)
    started = experiment.snapshot(momentum_run.index).state
    assert started["step"] == 1.0  # Adam from scratch: its first update
    grad = before.snapshot(momentum_run.parent).gradient
    for name in grad:
        np.testing.assert_allclose(started["m"][name], 0.1 * grad[name], rtol=1e-6)


def test_a_new_rate_restarts_the_schedule_and_an_unchanged_one_carries_it_on():
    schedule = schedule_spec("step", {"step_size": 30, "gamma": 0.5})
    config = ExperimentConfig(
        learning_rates=(0.01,),
        schedule=schedule,
        stop_loss=0.0,
        max_steps=200,
        branches=(BranchSpec("sgd", 0.01, 45, lr=0.02), BranchSpec("sgd", 0.01, 45)),
    )
    experiment = trained(config)
    new_rate, same = branch_rows(experiment)
    rates = experiment.lr_buffer
    np.testing.assert_array_equal(rates[new_rate.index, 45:75], 0.02)  # afresh from step 45
    np.testing.assert_array_equal(rates[new_rate.index, 75:105], 0.01)
    np.testing.assert_array_equal(rates[same.index, 45:], rates[same.parent, 45:])
    assert rates[same.parent, 45] == 0.005  # the parent's rate had halved at step 30


def test_a_branch_at_or_after_its_parents_divergence_never_starts_and_says_why():
    config = ExperimentConfig(learning_rates=(3.0,), branches=(BranchSpec("sgd", 3.0, 27),))
    experiment = trained(config)
    parent = experiment.summary(0)
    assert (parent.status, parent.status_step) == (RunStatus.DIVERGED, 27)
    branch = experiment.summary(branch_rows(experiment)[0].index)
    assert branch.status is RunStatus.UNREACHED and branch.final_loss is None
    assert branch.describe() == "never started: its parent stopped before step 27"
    assert (
        branch_refusal(parent, 27)
        == "SGD at η = 3 diverged at step 27: branch it at step 26 or before"
    )
    assert branch_refusal(parent, 26) == ""
    earlier = trained(config.with_changes(branches=(BranchSpec("sgd", 3.0, 26, lr=0.1),)))
    assert earlier.summary(branch_rows(earlier)[0].index).status is not RunStatus.UNREACHED


def test_a_branch_waits_for_its_step_and_reset_makes_it_again():
    experiment = BatchedExperiment(ExperimentConfig(branches=(SGD_DROP,)))
    row = branch_rows(experiment)[0].index
    experiment.step(49)
    summary = experiment.summary(row)
    assert (summary.status, summary.steps, summary.describe()) == (
        RunStatus.WAITING,
        0,
        "starts at step 50",
    )
    assert not experiment.done
    experiment.step(1)  # after 50 steps it is there, its own update of step 50 to come
    summary = experiment.summary(row)
    assert (summary.status, summary.steps, summary.final_loss) == (RunStatus.RUNNING, 50, None)
    snapshot, parent = experiment.snapshot(row), experiment.snapshot(3)
    assert (snapshot.step, snapshot.loss) == (50, parent.loss)
    experiment.run_to_end()
    first = experiment.loss_buffer.copy()
    experiment.reset()
    assert experiment.summary(row).status is RunStatus.WAITING
    experiment.run_to_end()
    np.testing.assert_array_equal(experiment.loss_buffer, first)


def test_branches_change_no_other_runs_numbers_even_where_kernels_sum_by_batch_size():
    wide = ExperimentConfig(hidden=64, max_steps=60, stop_loss=0.0)
    alone = trained(wide)
    branched = trained(wide.with_changes(branches=(BranchSpec("adam", 0.01, 10, lr=0.3),)))
    np.testing.assert_array_equal(branched.loss_buffer[:16], alone.loss_buffer)


def test_a_branch_added_on_the_way_is_the_branch_made_from_the_start():
    config = ExperimentConfig(dataset=GENERATED, batch_size=16, max_steps=300)
    with_branches = config.with_changes(
        branches=(SGD_DROP, BranchSpec("adam", 0.01, 200, optimizer=OptimizerSpec.create("sgd")))
    )
    experiment = BatchedExperiment(config)
    timeline = Timeline(experiment)
    timeline.step(120)
    timeline.rebranch(with_branches)  # one branch in the past, one to come
    assert timeline.experiment.steps_taken == 120
    timeline.run_to_end()
    direct = trained(with_branches)
    np.testing.assert_array_equal(timeline.experiment.loss_buffer, direct.loss_buffer)
    np.testing.assert_array_equal(timeline.experiment.lr_buffer, direct.lr_buffer)
    assert timeline.experiment.summaries() == direct.summaries()
    back = timeline.seek(61)  # the past after the change is the new experiment's
    fresh = BatchedExperiment(with_branches)
    fresh.step(61)
    np.testing.assert_array_equal(back.current_parameters(), fresh.current_parameters())
    final = tuple(direct.summaries())
    for step in (49, 50, 51, 199, 200, 201, 300):  # the runs table when the timeline is there
        fresh = BatchedExperiment(with_branches)
        fresh.step(step)
        assert summaries_at(final, direct.loss_buffer, step) == tuple(fresh.summaries())
    inspected = timeline.inspect(50, 16, weight=13)  # the branch at its step: its own update
    parent = timeline.inspect(50, 3, weight=13)
    assert inspected.snapshot.step == 50 and inspected.snapshot.loss == parent.snapshot.loss
    assert (inspected.breakdown.lr, parent.breakdown.lr) == (np.float32(0.1), 1.0)
    assert inspected.breakdown.theta == parent.breakdown.theta
    timeline.rebranch(config.with_changes(branches=with_branches.branches[1:]))
    np.testing.assert_array_equal(
        timeline.experiment.loss_buffer, np.delete(direct.loss_buffer, 16, axis=0)
    )


def test_the_live_session_keeps_its_step_when_only_branches_change():
    reports: list = []
    task = TaskState(report=reports.append)
    session = LiveSession()
    session.build(task, ExperimentConfig(), reference=False)
    for _ in range(80):
        session.step(task)
    reports.clear()
    session.build(task, ExperimentConfig(branches=(SGD_DROP,)), reference=False)
    started = [r for r in reports if isinstance(r, ExperimentStarted)]
    update = [r for r in reports if isinstance(r, LossUpdate)][-1]
    assert len(started[0].runs) == 17 and update.start == 0 and update.steps_taken == 80
    direct = BatchedExperiment(ExperimentConfig(branches=(SGD_DROP,)))
    direct.step(80)
    np.testing.assert_array_equal(update.losses, direct.loss_buffer[:, :80])


def test_csv_rows_of_a_branch_carry_its_label_its_rate_and_its_parents_step_numbers():
    experiment = trained(ExperimentConfig(branches=(SGD_DROP,)))
    handle = io.StringIO()
    write_losses_csv(full_update(experiment), handle)
    rows = [line.split(",") for line in handle.getvalue().splitlines()]
    mine = [r for r in rows if r[0] == "sgd lr=1 -> lr=0.1 @ 50"]
    assert [r[2] for r in mine] == [str(s) for s in range(50, experiment.counts[16])]
    assert {r[1] for r in mine} == {"0.1"}
    assert mine[0][3] == next(r[3] for r in rows if r[:3] == ["sgd", "1.0", "50"])
    assert all(r[0] in {"sgd", "momentum", "rmsprop", "adam"} for r in rows[1:] if r not in mine)


def test_the_files_branch_format_reads_back_to_equal_settings(tmp_path):
    text = '{"branches": [{"from": {"optimizer": "sgd", "lr": 1.0}, "step": 50, "lr": 0.1}]}'
    assert config_from_dict(json.loads(text)).branches == (SGD_DROP,)
    everything = BranchSpec(
        "adam",
        0.01,
        7,
        lr=0.3,
        optimizer=OptimizerSpec.create("adamw", {"weight_decay": 0.1}),
        schedule=schedule_spec("exponential", {"gamma": 0.9}),
    )
    config = ExperimentConfig(branches=(SGD_DROP, everything))
    path = tmp_path / "branches.json"
    write_config_file(path, config)
    assert read_config_file(path) == config
    assert config_to_dict(ExperimentConfig())["branches"] == []
    written = json.loads(path.read_text())["branches"][1]
    assert written["optimizer"] == {"name": "adamw", "params": dict(everything.optimizer.params)}
    assert written["schedule"] == {"name": "exponential", "gamma": 0.9}


@pytest.mark.parametrize(
    "branches, message",
    [
        (
            [{"from": {"optimizer": "lion", "lr": 1.0}, "step": 5}],
            "branches: a branch from lion at η = 1: the experiment has no optimizer 'lion'",
        ),
        (
            [{"from": {"optimizer": "sgd", "lr": 0.5}, "step": 5}],
            "branches: a branch from sgd at η = 0.5: the experiment has no learning rate 0.5",
        ),
        (
            [{"from": {"optimizer": "sgd", "lr": 1}, "step": 1000}],
            "branches: a branch from sgd at η = 1 at step 1000 is beyond the last step (999",
        ),
        (
            [{"from": {"optimizer": "sgd", "lr": 1}, "step": 5, "momentum": 0.9}],
            "branch 1: unknown key 'momentum' (known: from, step, lr, optimizer, schedule)",
        ),
        (
            [{"from": {"optimizer": "sgd", "lr": 1}, "step": 5}, {"from": {"optimizer": "sgd"}}],
            "branch 2: 'from' must name the parent run",
        ),
        (
            [{"from": {"optimizer": "sgd", "lr": 1}, "step": 5}] * 2,
            "branches: the branch from sgd at η = 1 at step 5 is listed twice",
        ),
        (
            [{"from": {"optimizer": "sgd", "lr": 1}, "step": s} for s in range(17)],
            "branches: at most 16 branches, not 17",
        ),
    ],
)
def test_a_bad_branch_in_a_file_is_refused_in_one_line(branches, message):
    with pytest.raises(ConfigError) as refused:
        config_from_dict({"branches": branches})
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_changing_rates_drops_the_branches_left_without_a_parent():
    config = ExperimentConfig(branches=(SGD_DROP, BranchSpec("adam", 0.01, 3)))
    changed = with_fitting_branches(config, learning_rates=(0.01, 0.1))
    assert changed.branches == (BranchSpec("adam", 0.01, 3),)
    shorter = with_fitting_branches(config, max_steps=40)
    assert shorter.branches == (BranchSpec("adam", 0.01, 3),)
    with pytest.raises(ConfigError):
        with_fitting_branches(config, max_steps=0)


def live_csv(session: LiveSession, reports: list) -> str:
    """The CSV of what the live session sent since its latest announcement, as the window
    assembles its updates."""
    since = max(i for i, r in enumerate(reports) if isinstance(r, ExperimentStarted))
    updates = [r for r in reports[since:] if isinstance(r, LossUpdate)]
    last = updates[-1]
    losses = np.full((len(last.counts), last.end), np.nan, dtype=np.float32)
    for update in updates:
        losses[:, update.start : update.end] = update.losses
    whole = LossUpdate(0, 0, losses, last.counts, last.summaries, last.steps_taken, last.done)
    handle = io.StringIO()
    write_losses_csv(whole, handle)
    return handle.getvalue()


def test_the_command_line_writes_the_losses_of_a_branch_made_live_mid_run(tmp_path):
    import main

    branched = ExperimentConfig(branches=(SGD_DROP,))
    reports: list = []
    task = TaskState(report=reports.append)
    session = LiveSession()
    session.build(task, ExperimentConfig(), reference=False)
    for _ in range(90):
        session.step(task)
    session.build(task, branched, reference=False)  # the window adds the branch at step 90
    session.play(task, fast=True)
    path, out = tmp_path / "branched.json", tmp_path / "losses.csv"
    write_config_file(path, branched)
    assert main.main(["--config", str(path), "--csv", str(out)]) == 0
    assert out.read_text() == live_csv(session, reports)
    flagged = tmp_path / "flag.csv"
    assert main.main(["--csv", str(flagged), "--branch", "sgd@1:50:lr=0.1"]) == 0
    assert flagged.read_text() == out.read_text()


@pytest.mark.parametrize(
    "text, message",
    [
        ("sgd:50", "--branch looks like OPTIMIZER@LR:STEP"),
        ("sgd@1:5x", "--branch step must be a whole number, not '5x'"),
        ("sgd@1:50:beta=2", "--branch changes lr=, optimizer= or schedule=, not 'beta=2'"),
        ("lion@1:50", "a branch from lion at η = 1: the experiment has no optimizer 'lion'"),
    ],
)
def test_a_bad_branch_flag_is_one_line_exit_2_and_no_file(tmp_path, capsys, text, message):
    import main

    out = tmp_path / "losses.csv"
    assert main.main(["--csv", str(out), "--branch", text]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not out.exists()
