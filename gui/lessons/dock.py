"""The lesson dock: the step's text, the lesson's title, "3 of 8", and Back / Next / Restart /
Leave. A view of the :class:`LessonPlayer`; its buttons take no focus, so PageUp / PageDown (a
presenter's remote) reach the window's Back and Next wherever the keyboard is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.lessons.player import LessonPlayer

NO_LESSON = "No lesson open: **Lessons → Open lesson…**, or one of the built-in lessons."


class LessonPanel(QWidget):
    """What the lesson dock shows; it follows the player's ``changed``."""

    def __init__(self, player: LessonPlayer, parent: QWidget | None = None):
        super().__init__(parent)
        self.player = player
        self.title = QLabel()
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.position = QLabel()
        self.position.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.buttons = {}
        row = QHBoxLayout()
        for name, label, tip, slot in (
            ("back", "Back", "The previous step, as it was (PageUp)", player.back),
            ("next", "Next", "The next step (PageDown)", player.next),
            ("restart", "Restart", "The first step again", player.restart),
            ("leave", "Leave", "End the lesson; the window stays as it is", player.leave),
        ):
            button = self.buttons[name] = QPushButton(label)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            row.addWidget(button)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.position)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.text, 1)
        layout.addLayout(row)
        player.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        player = self.player
        lesson, step = player.lesson, player.step
        self.title.setText("" if lesson is None else lesson.title)
        self.position.setText(player.position)
        self.text.setMarkdown(NO_LESSON if step is None else step.text)
        last = lesson is None or player.index + 1 >= len(lesson)
        self.buttons["back"].setEnabled(lesson is not None and player.index > 0)
        self.buttons["next"].setEnabled(not last or player.awaiting_picks)
        self.buttons["next"].setText("Reveal" if player.awaiting_picks else "Next")
        self.buttons["restart"].setEnabled(lesson is not None)
        self.buttons["leave"].setEnabled(lesson is not None)


class LessonDock(QDockWidget):
    """The dock the lesson is shown in; closing it leaves the lesson (the window stays as it
    is), and leaving the lesson hides it."""

    def __init__(self, player: LessonPlayer, parent: QWidget | None = None):
        super().__init__("Lesson", parent)
        self.setObjectName("lesson")
        self.panel = LessonPanel(player)
        self.setWidget(self.panel)
        self.player = player
        player.changed.connect(self._on_change)

    def _on_change(self) -> None:
        if self.player.lesson is None:
            self.hide()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().closeEvent(event)
        self.player.leave()
