"""A lesson walked through headless, in one process, as the window plays it step by step.

Per step, the same rule as the window's engine process: the step's settings are one edit (the
same settings again change nothing; other branches alone keep the experiment's past, as
:meth:`LiveSession.build` decides; anything else starts a new experiment at step 0), then its
branch, then play to its target with :class:`Player` through the experiment's
:class:`Timeline`, so the numbers equal the live engine's bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from engine.config.settings import ExperimentConfig
from engine.core.history import paths_fit
from engine.experiment.batched import BatchedExperiment
from engine.experiment.memory import check_memory
from engine.experiment.runs import RunKey
from engine.lessons.format import Lesson, LessonStep, RunRef, Show
from engine.live.messages import PlayTarget
from engine.live.playing import Player
from engine.live.session import live_worst_case, same_but_branches
from engine.live.timeline import Timeline


@dataclass(frozen=True)
class StepOutcome:
    """Where a step leaves the lesson: the settings (with the step's branch), the steps
    taken, the followed run's index (-1: nobody) and every ``show`` so far merged (a field
    keeps the last value a step gave it; ``step``, the step shown, is this step's own)."""

    config: ExperimentConfig
    steps_taken: int
    run_index: int
    show_merged: Show


@dataclass(frozen=True)
class WalkedStep:
    """One step done: its number (from 1), the step, its outcome and the timeline it played
    on (read it before the walk goes on: the next step steps it, or replaces it)."""

    number: int
    step: LessonStep
    outcome: StepOutcome
    timeline: Timeline

    @property
    def experiment(self) -> BatchedExperiment:
        return self.timeline.experiment


def walk_lesson(lesson: Lesson) -> Iterator[WalkedStep]:
    """Each step of ``lesson`` in turn, applied and played (``ConfigError`` for settings that
    could outgrow the memory available, as the window refuses them)."""
    timeline: Timeline | None = None
    shown = Show()
    for number, step in enumerate(lesson.steps, start=1):
        timeline = with_settings(timeline, step.config)
        if step.predict and timeline.experiment.steps_taken:  # its runs start hidden at step
            timeline.experiment.reset()  # 0, as the window's player resets them
            timeline.reset()
        shown = merged_show(shown, step.show)
        timeline = with_settings(timeline, step.config_after)
        run = followed_run(shown.run, timeline.experiment.runs)
        if step.action.play is not None:
            target = PlayTarget(step.action.play, run)
            Player(timeline.experiment, target, timeline.step).play_to_target()
        outcome = StepOutcome(step.config_after, timeline.experiment.steps_taken, run, shown)
        yield WalkedStep(number, step, outcome, timeline)


def with_settings(timeline: Timeline | None, config: ExperimentConfig) -> Timeline:
    """The timeline after the window's model is given ``config``: unchanged if it is the
    same, rebranched (the past kept) if the branches alone differ, else a new experiment at
    step 0 recording its paths when they fit, as the live session builds it."""
    if timeline is not None:
        old = timeline.experiment
        if old.config == config:
            return timeline
        if same_but_branches(old.config, config):
            path_size = old.problem.size if old.record_parameters else None
            check_memory(live_worst_case(config, path_size, False), config)
            timeline.rebranch(config)
            return timeline
    experiment = BatchedExperiment(config)
    size = experiment.problem.size
    recording = paths_fit(len(experiment.runs), config.max_steps, size)
    check_memory(live_worst_case(config, size if recording else None, False), config)
    if recording:
        experiment.record_parameters = True
        experiment.reset()
    return Timeline(experiment)


def merged_show(before: Show, step: Show) -> Show:
    """``before`` with the fields ``step`` sets; the step shown is ``step``'s alone (a step
    that names none shows the latest)."""
    return replace(before, **{**step.fields_set(), "step": step.step})


def followed_run(run: int | RunRef | None, runs: Sequence[RunKey]) -> int:
    """The index of the run followed (a run's number, or one named by optimizer and rate)
    among ``runs``; -1 for nobody, or a run this experiment does not have."""
    if isinstance(run, RunRef):
        return run.index_in(runs)
    if run is None or not 0 <= run < len(runs):
        return -1
    return run
