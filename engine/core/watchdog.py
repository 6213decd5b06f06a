"""Stop a call that does not return: a student's endless loop, or one the user pauses.

:func:`guarded_call` runs a function while a watchdog thread of the same process looks on. When
the call has run longer than :func:`time_limit` seconds, or the task running it is asked to stop
(:func:`stop_when`: Pause, Reset, closing the window), the watchdog raises :class:`Interrupted`
inside the calling thread at its next bytecode (``PyThreadState_SetAsyncExc``), so a ``while
True: pass`` or a Python loop over tensor operations ends with a traceback to the line it was
running. One long operation in C (a single huge matrix product) cannot be interrupted this way:
the window then replaces the engine process, as for any hang.

The exception is only ever set while the thread is inside the guarded call, under a lock; if the
call returned first, the guarded call lets it land in a short loop of its own and drops it, so
it never lands in the engine's code.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

TIME_LIMIT_SECONDS = 5.0  # a student's function that runs longer is taken for an endless loop
TIME_LIMIT_VARIABLE = "OPTIMIZERS_CODE_TIME_LIMIT"  # seconds, to change the limit (tests: 0.2)
POLL_SECONDS = 0.05  # how often the watchdog looks at a running call: Pause answers within it
REPEAT_SECONDS = 1.0  # a call that swallowed the exception is interrupted again after this
LANDING_BYTECODES = 10_000  # loop turns for a set interruption to be raised in (it takes one)


class Interrupted(BaseException):
    """Raised inside a guarded call by the watchdog; a BaseException, so that a student's
    ``except Exception`` cannot swallow it. ``reason`` is the sentence for the user."""

    reason = "was interrupted"


def time_limit() -> float:
    """Seconds a guarded call may run: :data:`TIME_LIMIT_SECONDS`, or the environment's
    :data:`TIME_LIMIT_VARIABLE` when it holds a positive number."""
    text = os.environ.get(TIME_LIMIT_VARIABLE, "")
    try:
        value = float(text)
    except ValueError:
        return TIME_LIMIT_SECONDS
    return value if value > 0 else TIME_LIMIT_SECONDS


@dataclass(eq=False)
class _Call:
    thread_id: int
    began: float
    limit: float
    stop_requested: Callable[[], bool] | None
    watched: bool = False  # this call, not an outer one of its thread, is watched
    inside: bool = False  # watched and not yet returned: the only time it may be interrupted
    fired_at: float | None = None
    reason: str = field(default="")


class _Watchdog:
    """One thread per process that interrupts the guarded calls that overstay."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._calls: dict[int, _Call] = {}
        self._thread: threading.Thread | None = None
        self._local = threading.local()

    @property
    def watching(self) -> int:
        """How many calls (one per thread at most) it watches now: 0 between guarded calls."""
        with self._lock:
            return len(self._calls)

    def call(self, function: Callable, *args, **kwargs):
        """``function(*args, **kwargs)``; :class:`Interrupted` (with its ``reason``) if the
        watchdog stopped it."""
        call = _Call(
            threading.get_ident(),
            time.monotonic(),
            time_limit(),
            getattr(self._local, "stop_requested", None),
        )
        returned, result = False, None
        try:  # from the moment the call is watched, whatever lands is caught here
            try:
                self._enter(call)
                result = function(*args, **kwargs)
                returned = True
            finally:
                if self._leave(call):
                    _let_it_land()
        except Interrupted as err:
            self._leave(call)  # it may have landed before the first _leave took the lock
            if returned:
                return result  # it landed after the call had returned: not the call's to end
            if call.watched:  # else it is an outer guarded call's, which says why
                err.reason = call.reason
            raise
        return result

    def _enter(self, call: _Call) -> None:
        """Watch ``call``, unless its thread is inside a guarded call already (that one is)."""
        with self._lock:
            if call.thread_id not in self._calls:
                self._calls[call.thread_id] = call
                call.inside = call.watched = True
                self._start()
                self._wake.notify()

    @contextlib.contextmanager
    def stop_when(self, stop_requested: Callable[[], bool]) -> Iterator[None]:
        """Within, a guarded call of this thread also ends once ``stop_requested()`` is true."""
        previous = getattr(self._local, "stop_requested", None)
        self._local.stop_requested = stop_requested
        try:
            yield
        finally:
            self._local.stop_requested = previous

    def _leave(self, call: _Call) -> bool:
        """Stop watching ``call``; True if an interruption was set on its thread, which may
        not have been raised yet (then it must land before the caller leaves the call)."""
        with self._lock:
            if not call.inside:
                return False
            call.inside = False
            self._calls.pop(call.thread_id, None)
            return call.fired_at is not None

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._watch, name="code watchdog", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        with self._lock:
            while True:
                if not self._calls:
                    self._wake.wait()
                    continue
                now = time.monotonic()
                for call in list(self._calls.values()):
                    self._check(call, now)
                self._wake.wait(POLL_SECONDS)

    def _check(self, call: _Call, now: float) -> None:
        """Interrupt ``call`` if it is due (the lock is held)."""
        if call.fired_at is not None and now - call.fired_at < REPEAT_SECONDS:
            return
        ran = now - call.began
        if ran > call.limit:
            call.reason = f"did not return within {call.limit:g} s (an endless loop?)"
        elif call.stop_requested is not None and call.stop_requested():
            call.reason = f"stopped by Pause after {ran:.1f} s"
        else:
            return
        call.fired_at = now
        _set_async_exception(call.thread_id, Interrupted)


def _set_async_exception(thread_id: int, exception: type[BaseException]) -> None:
    """Raise ``exception`` in thread ``thread_id`` at its next bytecode."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception)
    )


def _let_it_land() -> None:
    """A few bytecodes in which an interruption already set on this thread is raised (at the
    loop's first backward jump). Clearing it instead, with ``PyThreadState_SetAsyncExc(id,
    NULL)``, leaves CPython 3.11's eval breaker set with nothing to raise, and the thread's next
    function entry then spins for ever (seen here: the next test hung at a generator's start)."""
    for _ in range(LANDING_BYTECODES):
        pass


WATCHDOG = _Watchdog()
guarded_call = WATCHDOG.call
stop_when = WATCHDOG.stop_when
