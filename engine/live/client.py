"""The engine process seen from the window's: start it, send it commands, hear its replies.

Qt-free, and torch-free until the engine's first reply arrives: the window may start its
engine first thing, so that the engine imports torch while the window builds itself. Once
:meth:`EngineProcess.listen` is called, a thread of the window's process reads the engine's
replies and hands each to ``on_message``; when the engine ends without being asked to (killed,
crashed, out of memory), ``on_exit`` hears what happened in one line. :mod:`engine.live.remote`
turns both into Qt signals. Stopping asks first (:class:`~engine.live.protocol.Quit`), then
terminates, then kills: the process is gone within ``2 × STOP_GRACE`` seconds whatever it did.

The process is spawned (``multiprocessing``'s *spawn*, as on macOS and Windows), so the main
module of the window's process is imported again in it: a script that starts one keeps its
work under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable

from engine.live import protocol
from engine.live.protocol import Quit

STOP_GRACE = 0.5  # seconds the engine gets to end after Quit, and again after SIGTERM


class EngineProcess:
    """One engine process (started at once) and the thread that reads its replies."""

    def __init__(self) -> None:
        self._on_message: Callable[[object], None] = lambda message: None
        self._on_exit: Callable[[str], None] = lambda description: None
        self._ending = False  # we are ending it: its end is no news
        context = multiprocessing.get_context("spawn")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(theirs, os.getpid()), name="engine", daemon=True
        )
        self._process.start()
        self._pid = self._process.pid
        self._closed = False
        theirs.close()  # only the engine holds its end now: its death closes the pipe
        self._reader = threading.Thread(target=self._read, name="engine-replies", daemon=True)

    def listen(self, on_message: Callable[[object], None], on_exit: Callable[[str], None]) -> None:
        """Hand every reply to ``on_message`` and an unasked end to ``on_exit`` (from a thread
        of this process); the replies that came before wait in the pipe until now."""
        self._on_message, self._on_exit = on_message, on_exit
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def alive(self) -> bool:
        return not self._closed and self._process.is_alive()

    def send(self, command: object) -> bool:
        """Send ``command``; False if the engine has gone."""
        try:
            protocol.send(self._connection, command)
        except (OSError, ValueError):
            return False
        return True

    def stop(self, grace: float = STOP_GRACE) -> None:
        """End the process (Quit, then SIGTERM, then SIGKILL) and the reader; no ``on_exit``."""
        self._ending = True
        if self._closed:
            return
        if self._process.is_alive() and self.send(Quit()):
            self._process.join(grace)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(grace)
        self.kill()

    def kill(self) -> None:
        """End the process now (a task that does not yield) and the reader; no ``on_exit``."""
        self._ending = True
        if self._closed:
            return
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        if self._reader.is_alive():
            self._reader.join()
        self._connection.close()
        self._process.close()
        self._closed = True

    def _read(self) -> None:
        while True:
            try:
                message = protocol.receive(self._connection)
            except (EOFError, OSError):
                break
            except Exception as err:  # one reply this process cannot read: the next may be fine
                print(f"A reply of the engine could not be read: {err}", file=sys.stderr)
                continue
            self._on_message(message)
        self._process.join(STOP_GRACE)  # its end of the pipe closes as it dies
        if not self._ending:
            self._on_exit(exit_description(self._process.exitcode))


def _serve(connection, parent_pid: int) -> None:
    """The engine process's target: tied to the window first, then it imports the engine
    (torch) there, not here."""
    from engine.live.lifeline import hold

    hold(parent_pid)
    from engine.live.process import serve

    serve(connection)


def exit_description(code: int | None) -> str:
    """How the engine process ended, in words, from its exit code (−N: signal N)."""
    if code is None:
        return "The engine process closed its connection"
    if code < 0:
        number = -code
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        why = " (out of memory, or another program)" if number == signal.SIGKILL else ""
        return f"The engine process was killed by {name}{why}"
    return f"The engine process exited with code {code}"
