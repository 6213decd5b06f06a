"""The one runner for work in a thread: order, partial results, cancel, interrupt, shutdown."""

import threading

import pytest
from PySide6.QtCore import QObject, QThread, Slot

from engine.core.tasks import TaskCancelled, TaskState
from engine.live.task_runner import TaskRunner


class Collector(QObject):
    """Records what the runner delivers, in the GUI thread."""

    def __init__(self, runner: TaskRunner):
        super().__init__()
        self.reports, self.results, self.failures, self.threads = [], [], [], set()
        runner.reported.connect(self.on_report)
        runner.finished.connect(self.on_result)
        runner.failed.connect(self.failures.append)

    @Slot(object)
    def on_report(self, payload):
        self.threads.add(QThread.currentThread())
        self.reports.append(payload)

    @Slot(object)
    def on_result(self, result):
        self.results.append(result)


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner("test")
    yield runner
    assert runner.shutdown()


def count_to(state: TaskState, n: int, worker_threads: list) -> int:
    worker_threads.append(threading.current_thread())
    for i in range(n):
        state.report(i)
    return n


def test_tasks_run_in_order_in_another_thread_and_report_into_the_gui_thread(qtbot, runner):
    got = Collector(runner)
    threads: list = []
    runner.queue(count_to, 3, threads, interrupt=False)
    runner.queue(count_to, 2, threads, interrupt=False)
    qtbot.waitUntil(lambda: len(got.results) == 2)
    assert got.reports == [0, 1, 2, 0, 1] and got.results == [3, 2]
    assert threads[0] is threads[1] is not threading.main_thread()
    assert got.threads == {QThread.currentThread()}
    assert not runner.busy


def wait_for_stop(state: TaskState, started: threading.Event) -> str:
    started.set()
    state.report("started")
    while not state.wait(0.01):
        pass
    state.report("stopping")
    return "stopped"


def test_start_cancels_the_running_task_and_drops_what_it_still_reports(qtbot, runner):
    got = Collector(runner)
    started = threading.Event()
    runner.start(wait_for_stop, started)
    qtbot.waitUntil(lambda: got.reports == ["started"])
    runner.start(count_to, 1, [])
    qtbot.waitUntil(lambda: not runner.busy)
    assert got.reports == ["started", 0]  # "stopping" and "stopped" were dropped
    assert got.results == [1]


def test_queue_interrupts_but_keeps_what_the_task_reported(qtbot, runner):
    got = Collector(runner)
    runner.queue(wait_for_stop, threading.Event())
    qtbot.waitUntil(lambda: got.reports == ["started"])
    runner.queue(count_to, 1, [])
    qtbot.waitUntil(lambda: not runner.busy)
    assert got.reports == ["started", "stopping", 0]
    assert got.results == ["stopped", 1]


def test_a_task_that_raises_reports_one_line_and_the_thread_goes_on(qtbot, runner):
    got = Collector(runner)

    def broken(state):
        raise ValueError("bad setting")

    runner.queue(broken)
    runner.queue(count_to, 1, [], interrupt=False)
    qtbot.waitUntil(lambda: got.results == [1])
    assert got.failures == ["bad setting"]


def test_check_raises_once_stopped_and_a_cancelled_task_ends_quietly(qtbot, runner):
    got = Collector(runner)

    def loop(state):
        state.report("in")
        while True:
            state.check()
            state.wait(0.01)

    runner.start(loop)
    qtbot.waitUntil(lambda: got.reports == ["in"])
    runner.cancel()
    qtbot.waitUntil(lambda: not runner.busy)
    assert got.results == [] and got.failures == []
    with pytest.raises(TaskCancelled):
        state = TaskState()
        state.interrupt()
        state.check()


def test_shutdown_stops_a_running_task_and_ends_the_thread(qtbot):
    runner = TaskRunner("test")
    runner.start(wait_for_stop, threading.Event())
    qtbot.waitUntil(lambda: runner.running)
    assert runner.shutdown()
    assert not runner.running
    assert runner.shutdown()  # twice is fine


def test_after_a_shutdown_the_next_task_runs_in_a_thread_again(qtbot, runner):
    got = Collector(runner)
    threads: list = []
    runner.queue(count_to, 1, threads)
    qtbot.waitUntil(lambda: got.results == [1])
    assert runner.shutdown()
    runner.queue(count_to, 1, threads)
    qtbot.waitUntil(lambda: got.results == [1, 1])
    assert threading.main_thread() not in threads
