"""A lesson's pictures for its handout: each step walked (:mod:`engine.lessons.walk`) and
drawn as the window would show it then, in plain payloads (:class:`StepPicture`).

Where the window computes sharpness every k steps (k from the machine's speed), a picture has
it every k steps with k from the steps taken alone (1 up to 500 steps), replayed from step 0;
a sweep is trained in full; the 3-D landscape is given
as its 2-D map (a page is printed: no OpenGL needed).
"""

from __future__ import annotations

import math
from dataclasses import replace

from engine.analysis.landscape_compute import landscape_task
from engine.analysis.landscape_map import LandscapeRequest
from engine.analysis.sharpness import SharpnessTracker
from engine.analysis.sweep_run import run_sweep
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.lessons.format import Lesson
from engine.lessons.pictures import StepPicture
from engine.lessons.walk import WalkedStep, walk_lesson
from engine.live.messages import LossUpdate, update_at_step
from engine.live.sharpness import LANCZOS_FROM
from engine.live.updates import full_update, started

SHARPNESS_SAMPLES = 500  # λ computed at most this often per picture: a page is 180 mm wide
NOTE_3D = "The 3-D surface of the window is printed as its 2-D map."


def handout_task(state: TaskState, lesson: Lesson) -> tuple[StepPicture, ...]:
    """Every step's picture, in order, as a task (it stops between two steps if asked)."""
    pictures = []
    for walked in walk_lesson(lesson):
        state.check()
        pictures.append(step_picture(walked))
    return tuple(pictures)


def lesson_pictures(lesson: Lesson) -> tuple[StepPicture, ...]:
    """Every step's picture, in order (headless)."""
    return handout_task(TaskState(), lesson)


def step_picture(walked: WalkedStep) -> StepPicture:
    """What the window shows once ``walked``'s action is done, at the step its show names
    (else the latest): the loss panels, the landscape or the sweep."""
    experiment, show = walked.experiment, walked.outcome.show_merged
    tab, quantity = show.tab or "panels", show.view or "loss"
    shown = experiment.steps_taken if show.step is None else min(show.step, experiment.steps_taken)
    update = full_update(experiment)
    if tab == "panels" and quantity == "sharpness":
        update = with_sharpness(experiment, update)
    update = update_at_step(update, shown) if shown < experiment.steps_taken else update
    picture = StepPicture(tab, started(experiment, 0), update, quantity, bool(show.log_y))
    if tab == "landscape":
        plane = show.plane or "hessian"
        paths = update.paths
        request = LandscapeRequest(experiment.config, experiment.origin, plane, paths=paths)
        note = NOTE_3D if show.landscape_3d else ""
        return replace(picture, landscape=landscape_task(TaskState(), request), note=note)
    if tab == "sweep":
        return replace(picture, sweep=run_sweep(experiment.config))
    return picture


def with_sharpness(experiment: BatchedExperiment, update: LossUpdate) -> LossUpdate:
    """``update`` with every run's sharpness so far, every k steps: a copy of the experiment
    replayed from step 0 (it is deterministic) with a tracker, as the Sharpness view's."""
    copy = experiment.fresh_copy()
    method = "lanczos" if copy.problem.size >= LANCZOS_FROM else "exact"
    every = sharpness_every(experiment.steps_taken)
    tracker = SharpnessTracker(copy, every=every, method=method)
    tracker.step(experiment.steps_taken)
    columns = update.losses.shape[1]
    return replace(
        update,
        sharpness=tracker.sharpness[:, :columns].copy(),
        preconditioned=tracker.preconditioned[:, :columns].copy(),
        sharpness_every=every,
    )


def sharpness_every(steps: int) -> int:
    """k: 1 up to :data:`SHARPNESS_SAMPLES` steps, else the smallest odd k that computes at
    most that many (odd, as the window's: the edge of stability alternates every step)."""
    k = max(1, math.ceil(steps / SHARPNESS_SAMPLES))
    return k if k % 2 else k + 1
