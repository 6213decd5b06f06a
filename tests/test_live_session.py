"""The live experiment's tasks, run directly (no thread): what the window is sent, and when."""

import math

import numpy as np
import pytest

from engine.analysis.readings import Inspection
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.live.messages import ExperimentStarted, LossUpdate, PlayTarget
from engine.live.playing import Player
from engine.live.session import LiveSession, PlayingChanged, next_beat

CONFIG = ExperimentConfig(
    optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")), max_steps=60
)


def task(reports: list) -> TaskState:
    return TaskState(report=reports.append)


def received_losses(reports: list, runs: int) -> np.ndarray:
    """The loss columns as the window assembles them from the updates."""
    updates = [r for r in reports if isinstance(r, LossUpdate)]
    out = np.full((runs, max(u.end for u in updates)), np.nan, dtype=np.float32)
    for u in updates:
        out[:, u.start : u.end] = u.losses
    return out


class FakeClock:
    """``time`` for engine.live.session: every look at the clock moves it on by ``tick`` seconds
    (a millisecond)."""

    def __init__(self, tick: float = 0.001):
        self.now, self.tick = 0.0, tick

    def perf_counter(self) -> float:
        self.now += self.tick
        return self.now

    def sleep(self, _seconds: float) -> None:
        pass


def test_build_announces_a_new_generation_and_steps_send_only_new_columns():
    reports: list = []
    session = LiveSession()
    session.build(task(reports), CONFIG, reference=False)
    session.build(task(reports), CONFIG, reference=False)
    started = [r for r in reports if isinstance(r, ExperimentStarted)]
    assert [s.generation for s in started] == [1, 2]
    for _ in range(3):
        session.step(task(reports))
    updates = [r for r in reports if isinstance(r, LossUpdate)]
    assert [(u.start, u.end) for u in updates] == [(0, 1), (1, 2), (2, 3)]


def test_playing_to_the_end_sends_every_loss_exactly_once():
    reports: list = []
    session = LiveSession()
    session.build(task(reports), CONFIG, reference=False)
    session.play(task(reports), fast=True)
    expected = BatchedExperiment(CONFIG)
    expected.run_to_end()
    got = received_losses(reports, len(expected.runs))
    np.testing.assert_array_equal(got, expected.loss_buffer[:, : got.shape[1]])
    playing = [r.playing for r in reports if isinstance(r, PlayingChanged)]
    assert playing == [True, False]


def test_an_interrupted_play_loop_stops_where_it_was_asked_to_and_says_so(monkeypatch):
    """Interrupted as an update arrives (on the clock of ``FakeClock``): no step after that,
    the window hears where it stopped, and it was paced at its speed."""
    import engine.live.session

    clock = FakeClock()
    monkeypatch.setattr(engine.live.session, "time", clock)
    reports: list = []
    at_interrupt: list[int] = []

    def report(payload) -> None:
        reports.append(payload)
        if isinstance(payload, LossUpdate) and payload.steps_taken >= 5 and not at_interrupt:
            at_interrupt.append(session.experiment.steps_taken)
            state.interrupt()

    state = TaskState(report=report)
    session = LiveSession()
    session.build(state, CONFIG.with_changes(max_steps=100_000, stop_loss=0.0), False)
    session.speed = 200.0  # steps a second
    began = clock.now
    session.play(state)
    steps = session.experiment.steps_taken
    assert steps == at_interrupt[0] and not session.experiment.done
    assert [r for r in reports if isinstance(r, LossUpdate)][-1].steps_taken == steps
    assert reports[-1] == PlayingChanged(False)
    assert steps <= 200 * (clock.now - began) + 1  # never ahead of its speed


def test_a_followed_run_is_inspected_after_every_step():
    reports: list = []
    session = LiveSession()
    session.target = (1, 0)
    session.build(task(reports), CONFIG, reference=False)
    session.step(task(reports))
    inspections = [r for r in reports if isinstance(r, Inspection)]
    assert [i.snapshot.step for i in inspections] == [0, 1]
    assert all(i.snapshot.run.index == 1 for i in inspections)
    assert not math.isnan(inspections[-1].stability.lambda_max)


def test_while_playing_losses_go_out_at_most_60_and_inspections_4_times_a_second(monkeypatch):
    import engine.live.session

    clock = FakeClock()
    monkeypatch.setattr(engine.live.session, "time", clock)
    reports: list = []
    session = LiveSession()
    session.target = (0, 0)
    session.build(task(reports), CONFIG.with_changes(max_steps=3000, stop_loss=0.0), False)
    began = clock.now
    session.play(task(reports), fast=True)
    seconds = clock.now - began
    updates = [r for r in reports if isinstance(r, LossUpdate)]
    inspections = [r for r in reports if isinstance(r, Inspection)]
    assert updates[-1].done
    # one of each when playing ends, besides the paced ones
    assert 2 <= len(updates) <= seconds * 60 + 2
    assert 2 <= len(inspections) <= seconds * 4 + 3


def test_updates_keep_a_beat_of_60_a_second_when_chunks_overrun_it(monkeypatch):
    """Each look at the clock takes 5 ms, so a chunk ends a few ms after an update is due;
    timing the next from the last sent only 33 a second, and the window redrew as seldom."""
    import engine.live.session

    clock = FakeClock(tick=0.005)
    monkeypatch.setattr(engine.live.session, "time", clock)
    reports: list = []
    session = LiveSession()
    session.build(task(reports), CONFIG.with_changes(max_steps=3000, stop_loss=0.0), False)
    began = clock.now
    session.play(task(reports), fast=True)
    sent = sum(isinstance(r, LossUpdate) for r in reports)
    assert 0.95 * 60 <= sent / (clock.now - began) <= 61


def test_a_beat_met_late_brings_the_next_closer_and_one_missed_wholly_is_skipped():
    assert next_beat(1.0, 1.004, 0.01) == pytest.approx(1.01)
    assert next_beat(1.0, 1.0, 0.01) == pytest.approx(1.01)
    assert next_beat(1.0, 1.025, 0.01) == pytest.approx(1.03)


def test_a_branch_added_mid_run_keeps_the_titles_lambda_zero_of_the_start():
    """2/λ₀ in the panel titles is the start's: adding a branch at step 50 (the experiment
    announced again at step 60) must not take λ at a run's current parameters."""
    from engine.analysis.stability import initial_stability
    from engine.config.settings import BranchSpec

    reports: list = []
    session = LiveSession()
    session.build(task(reports), CONFIG, reference=False)
    session.timeline.step(60)
    branched = CONFIG.with_changes(branches=(BranchSpec("sgd", 0.1, 50, lr=0.01),))
    session.build(task(reports), branched, reference=False)
    announced = [r for r in reports if isinstance(r, ExperimentStarted)]
    start = initial_stability(CONFIG, session.experiment.data)
    assert len(announced) == 2 and session.experiment.steps_taken == 60
    assert [a.stability.lambda_max for a in announced] == [start.lambda_max] * 2


def played_to(target: PlayTarget, config: ExperimentConfig) -> tuple[LiveSession, list, int]:
    reports: list = []
    session = LiveSession()
    session.build(task(reports), config, reference=False)
    taken = session.play_until(task(reports), target)
    return session, reports, taken


def test_playing_until_a_step_stops_exactly_there_and_sends_its_losses():
    session, reports, taken = played_to(PlayTarget(37), CONFIG)
    assert taken == session.experiment.steps_taken == 37
    expected = BatchedExperiment(CONFIG)
    expected.step(37)
    got = received_losses(reports, len(expected.runs))
    np.testing.assert_array_equal(got, expected.loss_buffer[:, : got.shape[1]])
    assert [r.playing for r in reports if isinstance(r, PlayingChanged)] == [True, False]


def test_playing_until_the_first_divergence_stops_where_the_headless_player_does():
    config = ExperimentConfig(learning_rates=(0.1, 1.0, 10.0, 100.0))  # η = 100 blows up
    headless = BatchedExperiment(config)
    Player(headless, PlayTarget("divergence")).play_to_target()
    assert (headless.status == RunStatus.DIVERGED).sum() == 1 and not headless.done
    session, _reports, taken = played_to(PlayTarget("divergence"), config)
    assert taken == headless.steps_taken
    np.testing.assert_array_equal(session.experiment.status, headless.status)
    assert session.timeline.furthest == taken  # through the timeline: checkpoints kept
