"""The headless walk through a lesson: each step applied and played as the window plays it,
to the step asked or the event, with numbers equal to an experiment trained directly."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis.sharpness import SharpnessTracker
from engine.config.presets import get_preset
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.io.experiment_file import config_to_dict
from engine.lessons.format import RunRef, Show
from engine.lessons.reading import lesson_from_dict
from engine.lessons.walk import followed_run, walk_lesson
from engine.live.messages import PlayTarget
from engine.live.playing import Player
from engine.live.session import LiveSession

DIVERGING = {"learning_rates": [0.1, 3.0]}  # SGD at 3 diverges; RMSprop at 3 converges first


def walk(steps: list[dict]) -> list:
    """Each step's outcome, with the losses recorded so far (copies: the walk goes on)."""
    lesson = lesson_from_dict({"title": "test", "steps": steps})
    return [(w.outcome, w.experiment.loss_buffer.copy()) for w in walk_lesson(lesson)]


def trained(config: ExperimentConfig, target: PlayTarget) -> BatchedExperiment:
    experiment = BatchedExperiment(config)
    Player(experiment, target).play_to_target()
    return experiment


def test_steps_taken_are_the_targets_and_a_new_setting_starts_over():
    outcomes = walk(
        [
            {"play": 10, "text": "ten"},
            {"play": 25, "text": "on to 25"},
            {"text": "nothing plays"},
            {"play": 5, "text": "already past 5: nothing plays"},
            {"settings": {"learning_rates": [0.1]}, "play": 7, "text": "new rates: from 0"},
            {"settings": {"learning_rates": [0.1]}, "play": 9, "text": "the same: goes on"},
        ]
    )
    assert [o.steps_taken for o, _ in outcomes] == [10, 25, 25, 25, 7, 9]
    assert outcomes[4][0].config.learning_rates == (0.1,)
    direct = trained(ExperimentConfig(learning_rates=(0.1,)), PlayTarget(9))
    np.testing.assert_array_equal(outcomes[-1][1], direct.loss_buffer)


@pytest.mark.parametrize("event", ["divergence", "converged"])
def test_an_event_step_stops_where_a_direct_player_does(event):
    outcomes = walk([{"settings": DIVERGING, "play": event, "text": event}])
    outcome, losses = outcomes[0]
    direct = trained(ExperimentConfig(learning_rates=(0.1, 3.0)), PlayTarget(event))
    assert outcome.steps_taken == direct.steps_taken
    np.testing.assert_array_equal(losses, direct.loss_buffer)
    # independently: the first run to end that way was decided by the loss at the parameters
    # of the step before the walk stopped (the loss at step k is known once k + 1 are taken)
    full = BatchedExperiment(ExperimentConfig(learning_rates=(0.1, 3.0)))
    full.run_to_end()
    status = RunStatus.DIVERGED if event == "divergence" else RunStatus.CONVERGED
    first = min(s.status_step for s in full.summaries() if s.status is status)
    assert outcome.steps_taken == first + 1 < full.config.max_steps


def test_the_threshold_event_stops_at_the_followed_runs_threshold():
    preset = get_preset("edge-of-stability").apply(ExperimentConfig())
    config = preset.with_changes(
        optimizers=(OptimizerSpec.create("sgd"),), learning_rates=(0.1, 0.2)
    )
    settings = config_to_dict(config)
    run = {"optimizer": "sgd", "lr": 0.2}  # λ reaches 2/η = 10 at step 37
    outcomes = walk(
        [{"settings": settings, "show": {"run": run}, "play": "threshold", "text": "t"}]
    )
    outcome, losses = outcomes[0]
    assert outcome.run_index == 1
    direct = trained(config, PlayTarget("threshold", run=1))
    stop = outcome.steps_taken
    assert 0 < stop == direct.steps_taken < config.max_steps
    np.testing.assert_array_equal(losses, direct.loss_buffer)
    # independently: λ at the parameters after each step stays below 2/η = 10 until the stop
    tracker = SharpnessTracker(BatchedExperiment(config))
    tracker.step(stop)
    sharpness = tracker.sharpness[1, : stop + 1]
    assert (sharpness[:stop] < 10).all() and sharpness[stop] >= 10


def test_a_branch_keeps_the_past_and_equals_the_branched_experiment_trained_at_once():
    branch = {"from": {"optimizer": "sgd", "lr": 1.0}, "step": 20, "lr": 0.1}
    follow = {"optimizer": "sgd", "lr": 1.0, "branch_step": 20}
    outcomes = walk(
        [
            {"play": 50, "text": "fifty"},
            {"branch": branch, "show": {"run": follow}, "play": 80, "text": "a branch at 20"},
        ]
    )
    (before, _), (after, losses) = outcomes
    assert before.config.branches == () and len(after.config.branches) == 1
    assert after.steps_taken == 80
    direct = trained(after.config, PlayTarget(80))
    np.testing.assert_array_equal(losses, direct.loss_buffer)
    branch_row = len(direct.runs) - 1
    assert after.run_index == branch_row and direct.runs[branch_row].branch is not None


def test_the_show_carries_on_but_the_step_shown_is_each_steps_own():
    outcomes = walk(
        [
            {"show": {"tab": "landscape", "run": 5, "step": 0}, "play": 4, "text": "a"},
            {"show": {"view": "sharpness", "log_y": True}, "text": "b"},
            {"settings": {"learning_rates": [0.1]}, "text": "c: 4 runs, run 5 is gone"},
        ]
    )
    shows = [o.show_merged for o, _ in outcomes]
    assert shows[0] == Show(tab="landscape", run=5, step=0)
    assert shows[1] == Show(tab="landscape", view="sharpness", log_y=True, run=5)
    assert [o.run_index for o, _ in outcomes] == [5, 5, -1]


def test_a_followed_run_is_found_by_its_name_or_number():
    runs = BatchedExperiment(ExperimentConfig()).runs
    assert followed_run(RunRef("adam", 0.01), runs) == 13
    assert runs[13].optimizer.key == "adam" and runs[13].lr == 0.01
    assert followed_run(RunRef("adam", 0.02), runs) == -1
    assert followed_run(5, runs) == 5
    assert followed_run(16, runs) == -1
    assert followed_run(None, runs) == -1


def test_the_walk_equals_the_live_session_given_the_same_edits_and_targets():
    """The window's engine: each step's settings built (a branch rebranches), then played to
    the target through its timeline; the walk ends with the same losses to the bit."""
    branch = {"from": {"optimizer": "adam", "lr": 0.1}, "step": 12, "lr": 0.01}
    steps = [
        {"settings": DIVERGING, "play": 30, "text": "a"},
        {"branch": branch, "play": "converged", "text": "b"},
        {"play": 60, "text": "c"},
    ]
    lesson = lesson_from_dict({"title": "t", "steps": steps})
    session, task = LiveSession(), TaskState()
    for step in lesson.steps:
        for config in (step.config, step.config_after):
            if session.experiment is None or session.experiment.config != config:
                session.build(task, config, reference=False)
        target = PlayTarget(step.action.play)
        Player(session.experiment, target, session.timeline.step).play_to_target()
    walked = [(w.outcome, w.experiment.loss_buffer.copy()) for w in walk_lesson(lesson)]
    assert walked[-1][0].steps_taken == session.experiment.steps_taken == 60
    np.testing.assert_array_equal(walked[-1][1], session.experiment.loss_buffer)


def test_a_predict_step_starts_its_runs_again_at_step_0_as_the_window_does():
    """After 30 steps η = 3 has diverged; a Predict step playing to the first divergence
    hides the runs at step 0 and plays again, so it stops where a fresh experiment does."""
    lesson = lesson_from_dict(
        {
            "title": "Predict a blow-up",
            "steps": [
                {"settings": {"learning_rates": [0.1, 3.0]}, "play": 30, "text": "Thirty."},
                {"predict": True, "play": "divergence", "text": "Which blows up?"},
            ],
        }
    )
    first, second = (walked.outcome.steps_taken for walked in walk_lesson(lesson))
    fresh = BatchedExperiment(lesson.steps[1].config)
    Player(fresh, PlayTarget("divergence")).play_to_target()
    assert first == 30 and second == fresh.steps_taken < 30
