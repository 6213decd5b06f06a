"""Predict, then reveal: a mode in which the panels start blank and the class commits, per
panel, to each optimizer's fate (converges, stalls, blows up) and to which converges first;
Play (or Step, or Run to end) locks the picks, each is marked right or wrong as its run ends, and
the score shows once every run has.

The picks live in the :class:`ExperimentModel` (so experiment files hold them); what happened
comes from the :class:`EngineSession`, read only. Keys, for a keyboard or a presenter's remote,
while the picks are open (step 0, not playing):

* Up / Down: the pick row (each optimizer, then "first to converge"); PageUp / PageDown (and
  Tab / Shift+Tab): the panel (while a lesson is open PageUp / PageDown are its Back and Next:
  Tab / Shift+Tab then);
* Left / Right, Enter: the row's previous / next choice; 1, 2, 3: converges, stalls, blows up
  (on the first-to-converge row: the n-th optimizer, 0 for none); Delete: no pick.

A click on a row of a card picks its next choice, a right-click its previous one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtWidgets import QWidget

from engine.config.settings import ExperimentConfig
from engine.experiment.predictions import NO_OPTIMIZER, Outcomes, Score, Verdict, outcomes, score
from engine.live.messages import LossUpdate
from engine.live.worker import EngineWorker
from gui.predict.cards import PredictionCards, optimizer_row_count
from gui.state.experiment_model import ExperimentModel
from gui.state.session import EngineSession
from gui.state.view_state import ViewState

VERDICT_CHOICES = (None, Verdict.CONVERGES, Verdict.STALLS, Verdict.BLOWS_UP)
ROW_KEYS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}
PANEL_KEYS = {Qt.Key.Key_PageUp: -1, Qt.Key.Key_PageDown: 1, Qt.Key.Key_Backtab: -1}
PANEL_KEYS[Qt.Key.Key_Tab] = 1
CHOICE_KEYS = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Return: 1, Qt.Key.Key_Enter: 1}
DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(10)}
CLEAR_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
KEYS = {*ROW_KEYS, *PANEL_KEYS, *CHOICE_KEYS, *DIGITS, *CLEAR_KEYS}


class PredictMode(QObject):
    """Predict mode (the view state's ``predict``): the keyboard cursor, the cards on the grid,
    the score, and the title bar that says so."""

    def __init__(
        self,
        view: ViewState,
        model: ExperimentModel,
        session: EngineSession,
        engine: EngineWorker,
        grid: QWidget,
        show_message: Callable[[str], None],
        show_title: Callable[[str], None],
        title: str,
    ):
        """``grid`` is the loss panels' grid the cards go on and the keys are read from."""
        super().__init__(grid)
        self.view, self.model, self.session = view, model, session
        self.engine, self.grid = engine, grid
        self.show_message, self.show_title = show_message, show_title
        self.cards = PredictionCards(grid, on_click=self.click)
        self._cursor = (0, 0)  # (panel, pick row)
        self._result: Outcomes | None = None
        self._score: Score | None = None
        self._status = None  # the run statuses the result was computed from
        self._title = title
        grid.installEventFilter(self)
        view.events.predict.connect(self._on_predict_change)
        session.advanced.connect(self._on_advance)
        session.playing_changed.connect(lambda _: self.refresh())
        model.predictions_changed.connect(lambda _: self.refresh())

    # --- state ---------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.view.predict

    @property
    def locked(self) -> bool:
        """Picks close once the experiment has moved: Play, Step or Run to end locks them."""
        return self.session.steps_taken > 0 or self.session.playing

    @property
    def cursor(self) -> tuple[int, int]:
        """(panel, row): the pick the keys change; row 0 is the first optimizer, the last row
        the first to converge."""
        return self._cursor

    @property
    def result(self) -> Outcomes | None:
        return self._result

    @property
    def score(self) -> Score | None:
        """The score of the picks once every run has ended (None before, or with no picks)."""
        return self._score

    @property
    def config(self) -> ExperimentConfig | None:
        started = self.session.started
        return None if started is None else started.config

    # --- switching -----------------------------------------------------------------------

    @Slot(bool)
    def _on_predict_change(self, on: bool) -> None:
        if on:
            if self.locked:
                self.engine.reset()  # blank panels: nothing revealed before the picks
            self.show_message(
                "Predict: pick each optimizer's fate in every panel (arrows, 1-3, or click), "
                "then press Play to reveal"
            )
            self.grid.setFocus()
        else:
            self.cards.clear()
        self.refresh()

    def on_restart(self) -> None:
        """A fresh experiment (the window calls this once the grid shows it)."""
        self._result, self._score, self._status = None, None, None
        self._clamp_cursor()
        self.refresh()

    def refresh(self) -> None:
        self._show_title()
        config = self.config
        if not self.active or config is None:
            return
        locked = self.locked
        self.cards.show(
            config,
            self.model.predictions,
            self._result,
            None if locked else self._cursor,
            locked,
            self._score,
        )

    def _show_title(self) -> None:
        """The title bar says Predict mode and, once every run has ended, the score: seen from
        the back of a room and readable from outside the window (the real-window test)."""
        title = self._title
        if self.active:
            title += " — Predict" + ("" if self._score is None else f" · score {self._score.text}")
        self.show_title(title)

    @Slot(object)
    def _on_advance(self, update: LossUpdate) -> None:
        config = self.config
        status = update.summaries.status
        if config is None or (self._status is not None and (status == self._status).all()):
            return  # no run ended since the last look
        self._status = status.copy()
        self._result = outcomes(config, status, update.summaries.status_steps)
        predictions = self.model.predictions
        self._score = score(predictions, self._result) if not predictions.empty else None
        if self.active and self._score is not None:
            self.show_message(f"Predictions: {self._score.describe()}")
        self.refresh()

    # --- picking -------------------------------------------------------------------------

    def click(self, panel: int, row: int, step: int) -> None:
        """A card's row was clicked: put the cursor there and pick its next (previous) choice."""
        if self._refuse_locked():
            return
        self._cursor = (panel, row)
        self.cycle(step)

    def cycle(self, step: int) -> None:
        """The pick under the cursor to its next (``step`` 1) or previous (−1) choice."""
        choices = self._choices()
        current = choices.index(self._current_pick())
        self._pick(choices[(current + step) % len(choices)])

    def move(self, rows: int = 0, panels: int = 0) -> None:
        config = self.config
        if config is None:
            return
        panel, row = self._cursor
        count = optimizer_row_count(config)
        self._cursor = ((panel + panels) % len(config.learning_rates), (row + rows) % count)
        self.refresh()

    def _choices(self) -> tuple:
        config = self.config
        if self._cursor[1] < len(config.optimizers):
            return VERDICT_CHOICES
        return (None, *(spec.key for spec in config.optimizers), NO_OPTIMIZER)

    def _target(self) -> tuple[str | None, float]:
        """(optimizer key, or None for the first-to-converge row; the panel's rate)."""
        config = self.config
        panel, row = self._cursor
        lr = config.learning_rates[panel]
        return (config.optimizers[row].key if row < len(config.optimizers) else None), lr

    def _current_pick(self):
        key, lr = self._target()
        predictions = self.model.predictions
        return predictions.verdict(key, lr) if key is not None else predictions.first_pick(lr)

    def _pick(self, choice) -> None:
        key, lr = self._target()
        if key is not None:
            self.model.set_verdict(key, lr, choice)
        else:
            self.model.set_first(lr, choice)

    def _digit(self, digit: int) -> None:
        choices = self._choices()
        if self._cursor[1] < len(self.config.optimizers):
            if 1 <= digit <= 3:
                self._pick(VERDICT_CHOICES[digit])
        elif digit == 0:
            self._pick(NO_OPTIMIZER)
        elif digit < len(choices) - 1:
            self._pick(choices[digit])

    def _clamp_cursor(self) -> None:
        config = self.config
        if config is not None:
            panel, row = self._cursor
            self._cursor = (
                min(panel, len(config.learning_rates) - 1),
                min(row, optimizer_row_count(config) - 1),
            )

    def _refuse_locked(self) -> bool:
        if self.locked:
            self.show_message("The picks are locked: press R to start again and re-pick")
            return True
        return False

    # --- keys ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not self.active or self.config is None or self.locked or event.key() not in KEYS:
            return False
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers & ~Qt.KeyboardModifier.ShiftModifier:
            return False  # Ctrl+… stays the window's
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # the key comes as a key press here, not as the Step shortcut
            return True
        key = event.key()
        if key in ROW_KEYS:
            self.move(rows=ROW_KEYS[key])
        elif key in PANEL_KEYS:
            self.move(panels=PANEL_KEYS[key])
        elif key in CHOICE_KEYS:
            self.cycle(CHOICE_KEYS[key])
        elif key in DIGITS:
            self._digit(DIGITS[key])
        else:
            self._pick(None)
        return True
