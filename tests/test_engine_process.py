"""The engine in a process of its own: what crosses the pipe, and what happens when it fails.

Every test ends the engine processes it started (the ``worker`` fixture shuts the worker down
and checks its process has gone); waits are for states and signals, never fixed sleeps.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from engine.analysis.readings import Inspection
from engine.analysis.sweep import SWEEP_LRS
from engine.analysis.sweep_run import run_sweep, sweep_task
from engine.config.problem_switch import config_for_problem
from engine.config.settings import ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from engine.live.protocol import LIVE, SWEEP
from engine.live.threads import thread_counts
from engine.live.worker import EngineWorker
from tests import engine_tasks
from tests.processes import wait_gone

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MINUTES = 600.0  # a held step: only stopping the process ends it within a test
ANSWER_WAIT_MS = 5000  # far less than a held step, far more than the engine's answer


@pytest.fixture
def worker(qtbot):
    worker = EngineWorker()
    qtbot.waitUntil(lambda: worker.connection.pid is not None, timeout=60000)
    pids = [worker.connection.pid]
    worker.connection.ready.connect(pids.append)
    yield worker
    worker.shutdown()
    assert all(wait_gone(pid) for pid in pids)


@pytest.fixture
def held_bowl(monkeypatch):
    """The held bowl known in this process (configs name it) until the test ends."""
    monkeypatch.setitem(engine_tasks.PROBLEMS, engine_tasks.HeldBowl.name, engine_tasks.HeldBowl)
    return config_for_problem(engine_tasks.HeldBowl.name)


def built(qtbot, worker: EngineWorker, config: ExperimentConfig):
    """The engine's announcement of ``config`` at step 0."""
    with qtbot.waitSignal(worker.started, timeout=60000) as announced:
        worker.configure(config)
    return announced.args[0]


def assembled(updates: list) -> np.ndarray:
    """The loss table as the window puts it together from the updates."""
    out = np.full((len(updates[0].losses), max(u.end for u in updates)), np.nan, np.float32)
    for update in updates:
        out[:, update.start : update.end] = update.losses
    return out


def test_the_engine_process_trains_the_experiment_to_the_last_digit(qtbot, worker):
    config = ExperimentConfig(max_steps=300)
    started = built(qtbot, worker, config)
    updates, inspections = [], []
    worker.progress.connect(updates.append)
    worker.inspected.connect(inspections.append)
    worker.set_inspection(0, 0)
    worker.run_to_end()
    qtbot.waitUntil(lambda: bool(updates) and updates[-1].done, timeout=60000)
    headless = BatchedExperiment(config)
    headless.step(config.max_steps)
    losses = assembled(updates)
    np.testing.assert_array_equal(losses, headless.loss_buffer[:, : losses.shape[1]])
    assert list(updates[-1].summaries) == list(headless.summaries())
    assert updates[-1].summaries.runs == started.runs  # the run keys, put back
    qtbot.waitUntil(lambda: bool(inspections))
    assert isinstance(inspections[-1], Inspection)
    assert worker.threads.threads in thread_counts()  # what the engine may use here


def test_a_sweep_on_the_engine_process_matches_one_computed_here(qtbot, worker):
    config = ExperimentConfig(max_steps=200)
    runner = worker.runner(SWEEP)
    with qtbot.waitSignal(runner.finished, timeout=60000) as finished:
        runner.start(sweep_task, config, SWEEP_LRS[::16])
    result, _seconds = finished.args[0]
    here = run_sweep(config, SWEEP_LRS[::16])
    np.testing.assert_array_equal(result.final_loss, here.final_loss)
    np.testing.assert_array_equal(result.status, here.status)
    assert not runner.busy


def test_pause_is_answered_while_a_step_never_ends(qtbot, worker, held_bowl, tmp_path):
    live = worker.runner(LIVE)
    live.queue(engine_tasks.register_held_bowl, interrupt=False)
    built(qtbot, worker, held_bowl)
    step_begun = tmp_path / "a held step began"
    live.queue(engine_tasks.hold_steps, MINUTES, str(step_begun), interrupt=False)
    held_pid = worker.connection.pid
    with qtbot.waitSignal(worker.playing_changed, timeout=ANSWER_WAIT_MS):
        worker.play()
    qtbot.waitUntil(step_begun.exists, timeout=60000)  # Pause comes inside the held step
    playing = []
    worker.playing_changed.connect(playing.append)
    with qtbot.waitSignal(worker.died, timeout=ANSWER_WAIT_MS) as died:
        worker.pause()
    assert "did not pause" in died.args[0]
    assert playing == [False]
    assert wait_gone(held_pid)
    qtbot.waitUntil(lambda: worker.connection.pid not in (None, held_pid), timeout=60000)

    live.queue(engine_tasks.register_held_bowl, interrupt=False)  # the new process's registry
    with qtbot.waitSignal(worker.started, timeout=60000) as restarted:
        worker.restart()
    assert restarted.args[0].config == held_bowl
    updates = []
    worker.progress.connect(updates.append)
    worker.step()
    qtbot.waitUntil(lambda: any(u.steps_taken == 1 for u in updates), timeout=60000)


def test_pause_and_reset_while_the_engine_starts_wait_for_it(qtbot):
    """Commands sent before the engine reads them are not a step that never ends."""
    worker = EngineWorker()
    pids = []
    worker.connection.ready.connect(pids.append)
    try:
        updates = []
        worker.progress.connect(updates.append)
        worker.configure(ExperimentConfig())
        worker.play()
        worker.pause()
        worker.reset()
        worker.step()
        qtbot.waitUntil(lambda: any(u.steps_taken == 1 for u in updates), timeout=60000)
        assert len(pids) == 1 and worker.death is None
    finally:
        worker.shutdown()
        assert all(wait_gone(pid) for pid in pids)


def test_reset_is_answered_while_a_task_never_ends(qtbot, worker):
    first = built(qtbot, worker, ExperimentConfig())
    worker.runner(LIVE).queue(engine_tasks.block, MINUTES, interrupt=False)
    held_pid = worker.connection.pid
    with qtbot.waitSignal(worker.started, timeout=60000) as started:
        worker.reset()
    assert started.args[0].config == first.config
    assert started.args[0].generation > first.generation
    assert wait_gone(held_pid)
    assert worker.death is None


def test_a_killed_engine_is_reported_and_restarts_with_the_same_experiment(qtbot, worker):
    config = ExperimentConfig(max_steps=5000, stop_loss=0.0)
    first = built(qtbot, worker, config)
    updates = []
    worker.progress.connect(updates.append)
    worker.set_speed(200.0)
    worker.play()
    qtbot.waitUntil(lambda: any(u.steps_taken >= 20 for u in updates), timeout=60000)
    killed = worker.connection.pid
    playing = []
    worker.playing_changed.connect(playing.append)
    with qtbot.waitSignal(worker.died, timeout=ANSWER_WAIT_MS) as died:
        os.kill(killed, signal.SIGKILL)
    assert "SIGKILL" in died.args[0]
    assert playing == [False]
    with qtbot.waitSignal(worker.died):
        worker.play()  # nothing to play: it says again why
    assert not worker.running

    with qtbot.waitSignal(worker.started, timeout=60000) as restarted:
        worker.restart()
    assert restarted.args[0].config == config
    assert restarted.args[0].generation > first.generation
    assert worker.connection.pid != killed
    updates.clear()
    worker.play()
    qtbot.waitUntil(lambda: any(u.steps_taken >= 20 for u in updates), timeout=60000)
    worker.pause()
    qtbot.waitUntil(lambda: playing[-1] is False and len(playing) >= 3, timeout=ANSWER_WAIT_MS)


def test_a_crash_is_reported_with_its_exit_code(qtbot, worker):
    with qtbot.waitSignal(worker.died, timeout=ANSWER_WAIT_MS) as died:
        worker.runner(LIVE).queue(engine_tasks.crash)
    assert died.args[0] == "The engine process exited with code 3"
    sweep = worker.runner(SWEEP)
    with qtbot.waitSignal(sweep.failed) as failed:
        sweep.start(sweep_task, ExperimentConfig(max_steps=10), SWEEP_LRS[::32])
    assert "not running" in failed.args[0]
    assert not sweep.busy


def test_closing_ends_the_engine_even_inside_a_step_that_never_ends(qtbot, worker):
    built(qtbot, worker, ExperimentConfig())
    worker.runner(LIVE).queue(engine_tasks.block, MINUTES, interrupt=False)
    pid = worker.connection.pid
    worker.shutdown()
    assert wait_gone(pid)
    assert not worker.running


PARENT = """
import sys, time
sys.path.insert(0, {root!r})
from engine.live.client import EngineProcess

if __name__ == "__main__":
    engine = EngineProcess()
    engine.listen(lambda message: print("ready", flush=True), lambda what: print(what, flush=True))
    print(engine.pid, flush=True)
    time.sleep({seconds})
"""


def test_the_engine_process_ends_when_the_window_process_is_killed():
    code = textwrap.dedent(PARENT.format(root=str(PROJECT_ROOT), seconds=MINUTES))
    parent = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    try:
        engine_pid = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "ready"  # it watches its parent now
        parent.kill()
        parent.wait()
        assert wait_gone(engine_pid), f"the engine ({engine_pid}) outlived its parent"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()


def spawned_child(parent: subprocess.Popen, seconds: float = 60) -> int:
    """The pid of the first child ``parent`` spawns (its engine process)."""
    children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert parent.poll() is None, f"the app exited ({parent.returncode})"
        pids = children.read_text().split()
        if pids:
            return int(pids[0])
        time.sleep(0.01)
    raise AssertionError(f"no engine process under the app within {seconds:g} s")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_plain_launch_killed_before_its_window_leaves_no_engine(tmp_path):
    """``main.py`` without arguments starts its engine first thing, which then imports torch
    for a second or more: killed meanwhile, the window's process leaves no engine behind."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    app = subprocess.Popen([sys.executable, "main.py"], cwd=PROJECT_ROOT, env=env)
    try:
        engine = spawned_child(app)
        app.kill()
        app.wait()
        assert wait_gone(engine, seconds=2.0), "the engine outlived the window's process"
    finally:
        app.kill()
        app.wait()
