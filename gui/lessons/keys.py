"""A presenter's remote sends PageUp / PageDown: while a lesson is open they are always the
lesson's Back and Next (the window's actions), even over Predict mode's cards, whose panels
then move with Tab / Shift+Tab (Predict mode's other keys stay its own)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QWidget

from gui.lessons.player import LessonPlayer

LESSON_KEYS = (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


class LessonKeys(QObject):
    """Lets PageUp / PageDown through ``widget`` to the window's shortcuts while a lesson is
    open. Install it after any other filter on ``widget`` that takes them: the last filter
    installed is asked first."""

    def __init__(self, player: LessonPlayer, widget: QWidget):
        super().__init__(widget)
        self.player = player
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.ShortcutOverride or self.player.lesson is None:
            return False
        if event.key() not in LESSON_KEYS:
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        event.ignore()  # not overridden: the key goes to the window's Next / Back shortcut
        return True
