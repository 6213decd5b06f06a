"""The Lessons menu: open a lesson (a file, or one of the built-in ones), walk it (PageDown /
PageUp, a presenter's remote's keys, work wherever the keyboard is while a lesson is open),
write one (Add this as a step…, Save lesson…), and print one (Export handout…)."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from engine.config.settings import ConfigError
from engine.lessons.reading import builtin_lessons, find_lesson
from gui.lessons.player import LessonPlayer
from gui.shell.actions import make_action
from gui.shell.lesson_actions import LessonActions


def add_lessons_menu(
    menu_bar: QMenuBar, host: QWidget, lessons: LessonActions, player: LessonPlayer
) -> None:
    menu = menu_bar.addMenu("&Lessons")
    menu.setToolTipsVisible(True)
    menu.addAction(
        make_action(
            host,
            "open_lesson",
            "Open lesson…",
            "Ctrl+L",
            "A lesson file: its steps in the lesson dock",
            lessons.open_lesson,
        )
    )
    builtin = menu.addMenu("Built-in lessons")
    builtin.setToolTipsVisible(True)
    builtin.aboutToShow.connect(lambda: _fill_builtin(builtin, host, lessons))
    menu.addSeparator()
    walk = (
        make_action(host, "lesson_next", "Next step", "PgDown", "The next step", player.next),
        make_action(
            host, "lesson_back", "Previous step", "PgUp", "The step before, as it was", player.back
        ),
        make_action(host, "lesson_restart", "Restart lesson", None, "Step 1", player.restart),
        make_action(
            host, "lesson_leave", "Leave lesson", None, "The window stays as it is", player.leave
        ),
    )
    menu.addActions(list(walk))

    def follow() -> None:  # the keys are the lesson's only while one is open
        for action in walk:
            action.setEnabled(player.lesson is not None)

    player.changed.connect(follow)
    follow()
    menu.addSeparator()
    menu.addAction(
        make_action(
            host,
            "add_lesson_step",
            "Add this as a step…",
            None,
            "The settings that changed and what the window shows, with a text, as a step of "
            "the lesson being written",
            lessons.add_step,
        )
    )
    menu.addAction(
        make_action(
            host,
            "save_lesson",
            "Save lesson…",
            None,
            "The lesson being written, as a lesson file",
            lessons.save_lesson,
        )
    )
    menu.addSeparator()
    menu.addAction(
        make_action(
            host,
            "export_handout",
            "Export handout…",
            None,
            "The open lesson as a PDF: a page a step, its figure once played and its text",
            lessons.export_handout,
        )
    )


def _fill_builtin(menu: QMenu, host: QWidget, lessons: LessonActions) -> None:
    """The built-in lessons with their titles, read as the menu first opens: reading the ten
    lesson files cost the window's start 25 ms."""
    if not menu.isEmpty():
        return
    for name in builtin_lessons():
        menu.addAction(
            make_action(
                host,
                f"lesson_{name}",
                f"{name}: {_title(name)}",
                None,
                f"--lesson {name}",
                lambda _=False, name=name: lessons.open_lesson_from(name),
            )
        )


def _title(name: str) -> str:
    try:
        return find_lesson(name).title
    except ConfigError:
        return "(cannot be read)"
