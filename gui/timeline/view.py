"""The timeline under the panels: go back to any step reached, and every view shows it.

A view, not a command: the engine goes on from the furthest step whatever is shown, and the
timeline follows that step while playing. Going back moves a line and the heads in every loss
panel, fills the runs table with the runs as they stood, and asks the engine for the followed
run's state there (replayed exactly from its checkpoints). Keys while the panels have focus:
Left / Right a step back / on (Right at the furthest step is Step, as before), Shift for ten,
Home the first step, End the latest.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QSignalBlocker, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from engine.live.messages import ExperimentStarted, LossUpdate
from engine.live.worker import EngineWorker
from gui.plotting.pacing import status_line
from gui.state.session import EngineSession
from gui.state.view_state import ViewState

KEYS_HINT = "Left/Right: a step (Shift: ten) · Home: step 0 · End: the latest"


class TimelineBar(QWidget):
    """A slider from step 0 to the furthest step reached, and which step is shown."""

    dragged = Signal(int)  # the user moved the slider

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 4)
        layout.addWidget(QLabel("Timeline"))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrow keys are the window's
        self.slider.setToolTip(f"Go back to any step reached. {KEYS_HINT}")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._moved)
        layout.addWidget(self.slider, 1)
        self.label = QLabel()
        self.label.setMinimumWidth(190)
        layout.addWidget(self.label)

    def show_step(self, step: int, furthest: int, latest: bool) -> None:
        """Where the slider stands, without telling anyone it moved."""
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, furthest)
            self.slider.setValue(step)
        self.label.setText(
            f"step {step:,} (the latest)" if latest else f"step {step:,} of {furthest:,}"
        )

    @Slot(int)
    def _moved(self, value: int) -> None:
        self.dragged.emit(value)


def panels_page(grid: QWidget, bar: TimelineBar) -> QWidget:
    """The Panels tab: the grid, and the timeline under it."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(grid, 1)
    layout.addWidget(bar)
    return page


class TimelineView(QObject):
    """Moves the step every view shows (the view state's ``step``: None for the latest), and
    keeps the bar and the engine's inspector on it."""

    def __init__(
        self,
        view: ViewState,
        session: EngineSession,
        engine: EngineWorker,
        bar: TimelineBar,
        parent: QObject | None = None,
    ):
        """Made once the window's own views follow the session (they draw what this shows)."""
        super().__init__(parent)
        self.view, self.session, self.engine, self.bar = view, session, engine, bar
        self.bar.dragged.connect(self.move_to)
        self._config = None  # of the experiment shown: another one starts at its latest step
        self._seek = QTimer(self)  # one seek per turn of the event loop, however fast the drag
        self._seek.setSingleShot(True)
        self._seek.setInterval(0)
        self._seek.timeout.connect(self._ask_engine)
        view.events.step.connect(self._on_step_change)
        session.advanced.connect(self._on_advanced)
        session.restarted.connect(self._on_restarted)
        session.playing_changed.connect(self._on_playing_changed)

    # --- reading -------------------------------------------------------------------------------

    @property
    def furthest(self) -> int:
        """The furthest step reached (where the engine goes on from)."""
        return self.session.steps_taken

    @property
    def step(self) -> int:
        """The step shown."""
        return self.furthest if self.view.step is None else self.view.step

    @property
    def scrubbed(self) -> bool:
        """The views show a step the user went back to, not the latest."""
        return self.view.step is not None

    def shown_update(self, latest: LossUpdate) -> LossUpdate:
        """``latest`` as it stood at the step shown: the runs table's and status line's view.
        At step k the runs had recorded their loss of step k (the one the heads sit on)."""
        step = self.view.step
        if step is None:
            return latest
        history = self.session.history
        summaries = latest.summaries.at_step(step + 1, history.loss_columns())
        return replace(latest, summaries=summaries, steps_taken=step, done=False)

    def status_text(self, latest: LossUpdate | None) -> str:
        step = self.view.step
        if latest is None or step is None:
            return status_line(latest)
        counts = status_line(self.shown_update(latest)).split(" · ", 1)[-1]
        return f"Step {step:,} of {self.furthest:,} (End: the latest) · {counts}"

    # --- moving --------------------------------------------------------------------------------

    @Slot(int)
    def move_to(self, step: int) -> None:
        """Show ``step`` (the furthest step or beyond: the latest). Going back pauses Play."""
        step = max(0, int(step))
        if step >= self.furthest:
            self._show(None)
            return
        if self.session.playing:
            self.engine.pause()
        self._show(step)

    def back(self, steps: int = 1) -> None:
        self.move_to(max(0, self.step - steps))

    def forward(self, steps: int = 1) -> None:
        """On towards the latest step (a view: nothing is trained)."""
        if self.view.step is not None:
            self.move_to(self.view.step + steps)

    def to_start(self) -> None:
        self.move_to(0)

    def to_latest(self) -> None:
        self._show(None)

    def _show(self, step: int | None) -> None:
        self.view.update(step=step)
        self.bar.show_step(self.step, self.furthest, step is None)

    @Slot(object)
    def _on_step_change(self, step: int | None) -> None:
        self.bar.show_step(self.step, self.furthest, step is None)
        self._seek.start()

    @Slot()
    def _ask_engine(self) -> None:
        if self.engine.running:  # not once the window has shut it down
            step = self.view.step
            self.engine.set_view_step(-1 if step is None else step)

    # --- following the engine -----------------------------------------------------------------

    @Slot(object)
    def _on_advanced(self, _update: LossUpdate) -> None:
        step = self.view.step
        if step is not None and step >= self.furthest:
            self._show(None)
        self.bar.show_step(self.step, self.furthest, self.view.step is None)

    @Slot(object)
    def _on_restarted(self, started: ExperimentStarted) -> None:
        """A new experiment starts at its latest step; the same one with other branches keeps
        the step shown (it is still in its past)."""
        step = self.view.step
        previous, self._config = self._config, started.config
        if step is not None and previous is not None and _same_but_branches(previous, started):
            self.bar.show_step(step, self.furthest, False)
            self._seek.start()  # the engine's inspector, in the new experiment at that step
            return
        self.view.update(step=None)
        self.bar.show_step(0, 0, True)

    @Slot(bool)
    def _on_playing_changed(self, playing: bool) -> None:
        if playing:
            self._show(None)


def _same_but_branches(config, started: ExperimentStarted) -> bool:
    return replace(config, branches=()) == replace(started.config, branches=())
