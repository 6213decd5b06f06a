"""The engine's own process: the window's live experiment, its landscape map, its sweep and
the Check of a student's optimizer.

The window spawns :func:`serve` (``multiprocessing``, start method *spawn*: the same on Linux,
macOS and Windows) and talks to it through one pipe (:mod:`engine.live.protocol`). The main
thread reads commands; each service (:data:`~engine.live.protocol.SERVICES`) runs its tasks on a
thread of its own, one at a time, so the live experiment, a map and a sweep compute side by
side as they did on the window's threads, and the window's interpreter never waits for them.

The process never outlives the window: it ends when the pipe reaches its end (the window's
process is gone, however it went) or its parent process changes (:mod:`engine.live.lifeline`).
It runs at a lower priority than the window: the window's work comes in short bursts that must
not wait, the engine's is steady and can.
Ctrl+C in the terminal is the window's to answer (it ends the engine as it closes); SIGTERM
ends the engine at once.
"""

from __future__ import annotations

import functools
import os
import queue
import sys
import threading
from multiprocessing.connection import Connection

import torch

from engine.core.tasks import TaskCancelled, TaskState
from engine.core.watchdog import stop_when
from engine.live import protocol
from engine.live.lifeline import exit_now
from engine.live.messages import LossUpdate
from engine.live.protocol import (
    CHECK,
    EXPORT,
    LANDSCAPE,
    LIVE,
    SWEEP,
    Assign,
    Began,
    Failed,
    Finished,
    Quit,
    Ready,
    Reported,
    Stop,
    Submit,
)
from engine.live.session import LiveSession
from engine.live.threads import ThreadChoice


def serve(connection: Connection) -> None:
    """The engine process's life: answer commands until told to quit or the window is gone
    (:func:`engine.live.lifeline.hold` has tied the process to the window already)."""
    Engine(connection).run()
    exit_now()


class Engine:
    """The command reader and the services it hands tasks to."""

    def __init__(self, connection: Connection):
        self._connection = connection
        self._sending = threading.Lock()  # every service's thread replies through one pipe
        self.services = {
            LIVE: Service(LIVE, self.send, LiveSession(ThreadChoice())),
            LANDSCAPE: Service(LANDSCAPE, self.send),
            SWEEP: Service(SWEEP, self.send),
            CHECK: Service(CHECK, self.send),  # student code: never held up behind a sweep
            EXPORT: Service(EXPORT, self.send),  # a lesson's handout, walked from step 1
        }

    def run(self) -> None:
        """Read and carry out commands until :class:`Quit` or the end of the pipe."""
        self.send(Ready(os.getpid(), torch.get_num_threads()))
        while True:
            try:
                command = protocol.receive(self._connection)
            except (EOFError, OSError):
                return  # the window's end is closed: it has gone
            except Exception as err:  # a command this process cannot read: the next may be fine
                print(f"The engine could not read a command: {err}", file=sys.stderr)
                continue
            if isinstance(command, Quit):
                return
            self.carry_out(command)

    def carry_out(self, command: object) -> None:
        service = self.services.get(command.service)
        if service is None:  # a runner of a service this engine does not have
            if isinstance(command, Submit):
                self.send(Failed(command.service, command.generation, "no such service"))
            return
        if isinstance(command, Submit):
            service.submit(command)
        elif isinstance(command, Stop):
            service.stop(command.cancel)
        elif isinstance(command, Assign):
            setattr(service.host, command.name, command.value)

    def send(self, message: object) -> None:
        if isinstance(message, Reported) and isinstance(message.payload, LossUpdate):
            update = message.payload.with_runs(())  # the window has them: ExperimentStarted
            message = Reported(message.service, message.generation, update)
        with self._sending:
            try:
                protocol.send(self._connection, message)
            except (OSError, ValueError):  # the window has gone: nobody to tell
                exit_now()


class Service:
    """One thread running one service's tasks in order, as a :class:`TaskRunner` does in the
    window's process: a task may be interrupted (it keeps what it reported) or cancelled."""

    def __init__(self, name: str, send, host: object = None):
        self.name = name
        self.host = host  # whose methods a task may name (the live session)
        self._send = send
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._unfinished: dict[int, TaskState] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def submit(self, command: Submit) -> None:
        if command.cancel or command.interrupt:
            self.stop(command.cancel)
        report = functools.partial(self._report, command.generation)
        state = TaskState(command.generation, report)
        with self._lock:
            self._unfinished[command.generation] = state
        self._jobs.put((state, command.work, command.args))

    def stop(self, cancel: bool) -> None:
        with self._lock:
            states = list(self._unfinished.values())
        for state in states:
            if cancel:
                state.cancel()
            else:
                state.interrupt()

    def _report(self, generation: int, payload: object) -> None:
        self._send(Reported(self.name, generation, payload))

    def _run(self) -> None:
        while True:
            state, work, args = self._jobs.get()
            self._send(Began(self.name, state.generation))
            outcome = self._outcome(state, work, args)
            try:
                self._send(outcome)
            except Exception as err:  # a result that does not pickle
                self._send(Failed(self.name, state.generation, f"could not send it: {err}"))
            with self._lock:
                del self._unfinished[state.generation]

    def _outcome(self, state: TaskState, work, args: tuple) -> Finished | Failed:
        """Run one task; the window hears it has ended even if it was cancelled (with None)."""
        generation = state.generation
        if state.cancelled:  # superseded before it began
            return Finished(self.name, generation, None)
        task = getattr(self.host, work) if isinstance(work, str) else work
        try:
            with stop_when(lambda: state.stop_requested):  # Pause stops a student's loop
                result = task(state, *args)
        except TaskCancelled:
            result = None
        except Exception as err:  # the thread must outlive any bad setting or step
            return Failed(self.name, generation, str(err) or type(err).__name__)
        return Finished(self.name, generation, None if state.cancelled else result)
