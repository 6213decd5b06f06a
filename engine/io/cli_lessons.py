"""The command line's lesson flags: --lesson (the window opens it, or with --handout its
handout is written headless), --handout and --list-lessons; what they do is
:mod:`engine.lessons.command`'s (lessons sit above this layer)."""

from __future__ import annotations

import argparse

from engine.config.settings import ConfigError

LESSON_FLAGS = ("lesson", "handout", "list_lessons", "theme", "trust")  # what --lesson goes with


def add_lesson_flags(parser: argparse.ArgumentParser) -> None:
    """--lesson, --handout and --list-lessons."""
    lessons = parser.add_argument_group("lessons")
    lessons.add_argument(
        "--lesson",
        metavar="NAME|FILE",
        help="open a lesson in the window: a built-in one by name (see --list-lessons) or a "
        "lesson file; with --handout, write its handout instead, headless",
    )
    lessons.add_argument(
        "--handout",
        metavar="OUT.pdf",
        help="with --lesson: its handout as a PDF, a page per step (the step's figure once its "
        "action is done, and its text), written headless",
    )
    lessons.add_argument(
        "--list-lessons",
        action="store_true",
        help="print each built-in lesson's name and title (tab between), one a line, then exit",
    )


def check_lesson_flags(args: argparse.Namespace, defaults: argparse.Namespace) -> None:
    """``ConfigError`` for --handout without --lesson, and for --lesson with a flag it would
    ignore (one not at its value in ``defaults``): a lesson brings its own settings, and its
    handout is its one output."""
    if args.handout is not None and args.lesson is None:
        raise ConfigError("--handout writes a lesson's handout: add --lesson NAME or FILE")
    if args.lesson is None:
        return
    given = vars(defaults)
    ignored = [k for k, v in vars(args).items() if k not in LESSON_FLAGS and v != given[k]]
    if ignored:
        flag = "--" + ignored[0].replace("_", "-")
        raise ConfigError(f"--lesson brings its own settings and outputs: it cannot go with {flag}")
