"""The window's title, seen from the back of a room and readable from outside the window (the
real-window tests): Predict mode's part (and its score), then the lesson's step."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from gui.lessons.player import LessonPlayer


class WindowTitle:
    """Puts Predict mode's title and the lesson's position together on ``window``."""

    def __init__(self, window: QWidget, title: str):
        self.window = window
        self._predict, self._lesson = title, ""

    def show_predict(self, title: str) -> None:
        """Predict mode's title (the app's, with " — Predict" and its score when on)."""
        self._predict = title
        self._show()

    def follow(self, player: LessonPlayer) -> None:
        """ " — Lesson 3 of 8" while a lesson is open; "(playing)" while a step is applied,
        "(predict, then Next)" while a Predict step waits for the class."""

        def changed() -> None:
            self._lesson = "" if player.lesson is None else f" — Lesson {player.position}"
            if player.busy:
                self._lesson += " (playing)"
            elif player.awaiting_picks:
                self._lesson += " (predict, then Next)"
            self._show()

        player.changed.connect(changed)

    def _show(self) -> None:
        self.window.setWindowTitle(self._predict + self._lesson)
