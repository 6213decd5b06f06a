"""A lesson, walked step by step in the window: Next applies a step, Back returns exactly.

A step is applied in the order the format defines: its settings as one edit of the
:class:`ExperimentModel`, what it shows (:class:`ViewState`), its branch, then a play to its
target in the engine (:meth:`EngineWorker.play_until`). After each, the window's state is kept
as a :class:`Snapshot` (the settings, every view field, the steps taken), and Back restores the
previous one: the same settings, then the engine back at step 0 if it went further and played
to the step again (the engine is deterministic, so the runs are bit for bit the same), then
the view. The player waits for the engine's answers (its ``played`` signal, which comes after
every report of the task); nothing is timed.

The look is the presenter's: Back leaves the theme and the speed as they are, and once the
presenter picks a zoom during the lesson (a projector needs its own), the steps' zooms no
longer change it.

A Predict step applies its settings with Predict mode on and stops at step 0: the class picks,
and the next Next (or Play, or Step) locks the picks and plays the step's action to its target.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Signal, Slot

from engine.config.settings import ExperimentConfig
from engine.lessons.format import Lesson, LessonStep, RunRef, Show
from engine.live.messages import PlayTarget
from engine.live.worker import EngineWorker
from gui.state.experiment_model import ExperimentModel
from gui.state.session import EngineSession
from gui.state.view_state import Quantity, Tab, ViewSettings, ViewState

Script = Generator[None, None, None]  # each yield waits for the engine's next ``played``
PRESENTERS = ("theme", "speed")  # view fields no step sets: Back leaves them as they are


@dataclass(frozen=True)
class Snapshot:
    """The window's state once a step is done: what Back returns to."""

    config: ExperimentConfig
    view: ViewSettings
    steps: int


class LessonPlayer(QObject):
    """Which step of which lesson the window shows, and the commands that move it."""

    changed = Signal()  # the lesson, the step or whether a step is being applied changed
    message = Signal(str)  # one line for the status bar

    def __init__(
        self,
        model: ExperimentModel,
        view: ViewState,
        session: EngineSession,
        engine: EngineWorker,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.model, self.view, self.session, self.engine = model, view, session, engine
        self._lesson: Lesson | None = None
        self._index = -1  # the step shown, from 0; -1 before the first
        self._snapshots: dict[int, Snapshot] = {}
        self._awaiting_picks = False  # a Predict step waits for the class before its action
        self._script: Script | None = None
        self._queued: list[str] = []  # "next" / "back" pressed while a step was applied
        self._presenter_zoom: int | None = None  # picked during the lesson: it wins
        self._showing = False  # the player is changing the view (not the presenter)
        view.events.zoom.connect(self._on_zoom_change)
        engine.played.connect(self._on_played)
        session.playing_changed.connect(lambda playing: playing and self._reveal())
        session.advanced.connect(lambda _update: session.steps_taken and self._reveal())
        engine.died.connect(lambda _why: self._stop("The lesson stopped with the engine"))

    # --- reading -------------------------------------------------------------------------

    @property
    def lesson(self) -> Lesson | None:
        return self._lesson

    @property
    def index(self) -> int:
        """The step shown, counted from 0 (-1: none yet)."""
        return self._index

    @property
    def step(self) -> LessonStep | None:
        lesson = self._lesson
        return None if lesson is None or self._index < 0 else lesson.steps[self._index]

    @property
    def busy(self) -> bool:
        """A step is being applied (the engine is playing to its target)."""
        return self._script is not None

    @property
    def awaiting_picks(self) -> bool:
        """A Predict step is shown and its action waits for the class's picks (Next plays)."""
        return self._awaiting_picks

    @property
    def position(self) -> str:
        """ "3 of 8"."""
        if self._lesson is None:
            return ""
        return f"{self._index + 1} of {len(self._lesson)}"

    def snapshot(self) -> Snapshot:
        """The window's state now, as a step leaves it."""
        return Snapshot(self.model.config, self.view.settings, self.session.steps_taken)

    # --- commands ------------------------------------------------------------------------

    def open(self, lesson: Lesson) -> None:
        """Start ``lesson`` at its first step, zoomed as its steps say."""
        self._presenter_zoom = None
        self._begin(lesson)

    def _begin(self, lesson: Lesson) -> None:
        self._script, self._queued = None, []
        self._lesson, self._index, self._snapshots = lesson, -1, {}
        self._awaiting_picks = False
        self.next()

    @Slot()
    def next(self) -> None:
        """The next step (or, on a Predict step, its action once the class has picked)."""
        if self._lesson is None or self._queue_if_busy("next"):
            return
        if self._awaiting_picks:
            self._awaiting_picks = False
            self._run(self._act(self._index))
        elif self._index + 1 < len(self._lesson):
            self._index += 1
            self._run(self._apply(self._index))
        else:
            self.message.emit("The last step of the lesson (Leave ends it, Restart goes back)")

    @Slot()
    def back(self) -> None:
        """The previous step's state, exactly as it was left."""
        if self._lesson is None or self._queue_if_busy("back"):
            return
        if self._index <= 0:
            self.message.emit("The first step of the lesson")
            return
        self._index -= 1
        self._awaiting_picks = False
        snapshot = self._snapshots.get(self._index)  # none if that step was stopped midway
        self._run(self._apply(self._index) if snapshot is None else self._restore(snapshot))

    @Slot()
    def restart(self) -> None:
        """Step 1 again, at the zoom the presenter picked."""
        if self._lesson is not None:
            self._begin(self._lesson)

    @Slot()
    def leave(self) -> None:
        """End the lesson; the window stays as it is, an ordinary experiment."""
        if self._lesson is not None:
            self._script, self._lesson, self._index, self._queued = None, None, -1, []
            self._awaiting_picks = False
            self.changed.emit()

    def _reveal(self) -> None:
        """Play or Step on a Predict step locked the picks: the step's action plays, as Next
        would play it."""
        if self._awaiting_picks and self._script is None:
            self.next()

    # --- the scripts ---------------------------------------------------------------------

    def _apply(self, index: int) -> Script:
        step = self._lesson.steps[index]
        yield from self._settle(step.config)
        if (index == 0 or step.predict) and self.session.steps_taken > 0:
            yield from self._reset()  # a lesson starts, and a Predict step hides, at step 0
        self._show(**_view_changes(step.show), predict=step.predict)
        if step.action.branch is not None:
            yield from self._settle(step.config_after)
        self.view.update(run=self._run_index(step.show.run))
        if step.predict:
            self._awaiting_picks = True
            self.message.emit("Predict: the class picks, then Next (or Play) reveals")
            return
        yield from self._act(index)

    def _act(self, index: int) -> Script:
        step = self._lesson.steps[index]
        if step.action.play is not None:
            yield from self._play(PlayTarget(step.action.play, self.view.run))
        shown = step.show.step  # the step's own: none named is the latest, as the walk has it
        self.view.update(step=None if shown is None else _shown(shown, self.session.steps_taken))
        self._snapshots[index] = self.snapshot()

    def _restore(self, snapshot: Snapshot) -> Script:
        yield from self._settle(snapshot.config)
        hiding = snapshot.view.predict and not self.view.predict
        if self.session.steps_taken > snapshot.steps or (hiding and self.session.steps_taken):
            yield from self._reset()
        self.view.update(predict=snapshot.view.predict)
        if self.session.steps_taken < snapshot.steps:
            yield from self._play(PlayTarget(snapshot.steps))
        names = (f.name for f in fields(ViewSettings) if f.name not in PRESENTERS)
        self._show(**{name: getattr(snapshot.view, name) for name in names})

    def _show(self, **changes: object) -> None:
        """``changes`` to the view, but the zoom once the presenter has picked one."""
        if self._presenter_zoom is not None:
            changes.pop("zoom", None)
        self._showing = True
        try:
            self.view.update(**changes)
        finally:
            self._showing = False

    def _on_zoom_change(self, zoom: int) -> None:
        if self._lesson is not None and not self._showing:
            self._presenter_zoom = zoom

    def _settle(self, config: ExperimentConfig) -> Script:
        """``config`` as one edit, and the engine's experiment built for it."""
        if not self.model.set_config(config):
            raise _Stopped("the lesson's settings were refused (the status bar says why)")
        yield from self._play(PlayTarget(0))  # plays nothing: waits for the build
        if self.session.started is None or self.session.started.config != config:
            raise _Stopped("the engine did not build the lesson's experiment")

    def _reset(self) -> Script:
        self.engine.reset()
        yield from self._play(PlayTarget(0))

    def _play(self, target: PlayTarget) -> Script:
        if self.engine.death is not None:
            raise _Stopped("the engine has stopped (R restarts it)")
        self.engine.play_until(target)
        yield

    def _run_index(self, run: int | RunRef | None) -> int:
        started = self.session.started
        if run is None:
            return self.view.run if started and self.view.run < len(started.runs) else -1
        if isinstance(run, RunRef):
            return -1 if started is None else run.index_in(started.runs)
        return run if started is not None and run < len(started.runs) else -1

    # --- running them --------------------------------------------------------------------

    def _run(self, script: Script) -> None:
        self._script = script
        self.changed.emit()
        self._resume()

    @Slot(int)
    def _on_played(self, _steps: int) -> None:
        if self._script is not None:
            self._resume()

    def _resume(self) -> None:
        script = self._script
        try:
            next(script)
        except StopIteration:
            self._script = None
            self.changed.emit()
            if self._queued:
                getattr(self, self._queued.pop(0))()
        except _Stopped as stopped:
            self._stop(f"The lesson stopped: {stopped}")

    def _stop(self, why: str) -> None:
        if self._script is not None:
            self._script, self._queued = None, []
            self.message.emit(why)
            self.changed.emit()

    def _queue_if_busy(self, command: str) -> bool:
        """While a step is applied, Next and Back wait their turn (a remote pressed twice
        moves two steps), in order."""
        if self._script is not None:
            self._queued.append(command)
            return True
        return False


class _Stopped(Exception):
    """A step could not be applied (why, in one line)."""


def _view_changes(show: Show) -> dict[str, object]:
    """The view fields a step's Show sets, as ViewState fields (the run and step come later)."""
    changes: dict[str, object] = {}
    if show.tab is not None:
        changes["tab"] = Tab(show.tab)
    if show.view is not None:
        changes["quantity"] = Quantity(show.view)
    for name in ("log_y", "plane", "landscape_3d", "zoom"):
        if getattr(show, name) is not None:
            changes[name] = getattr(show, name)
    return changes


def _shown(step: int, furthest: int) -> int | None:
    """The timeline's step for a lesson's ``step``: None (the latest) at or past the furthest."""
    return None if step >= furthest else step
