"""The command line's lessons: --list-lessons, and --lesson with --handout, headless: the
lesson and the output checked before any work, each step walked and pictured, then the PDF
written by a :class:`HandoutWriter` from ``gui`` (drawing needs Qt).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from engine.config.settings import ConfigError
from engine.core.data import DatasetError
from engine.core.files import OutputError, check_writable
from engine.io.cli import fail
from engine.lessons.format import Lesson
from engine.lessons.pictures import StepPicture
from engine.lessons.reading import builtin_lessons, find_lesson


class HandoutWriter(Protocol):
    """Writes a lesson's handout from its steps' pictures (``gui.export.headless``)."""

    def write(self, lesson: Lesson, pictures: Sequence[StepPicture], path: str) -> None: ...


def list_lessons() -> str:
    """Each built-in lesson's name and title, a tab between, one a line, in their order."""
    return "\n".join(f"{name}\t{find_lesson(name).title}" for name in builtin_lessons())


def run_handout(args: argparse.Namespace, writer: HandoutWriter) -> int:
    """Check the lesson (code it carries runs only with --trust) and the output, walk the
    lesson, write its handout; the exit code: 0, or 2 with one line on stderr and no file."""
    from engine.lessons.picturing import lesson_pictures  # torch: not for --list-lessons

    try:
        lesson = trusted_lesson(args.lesson, args.trust)
        if Path(args.handout).suffix.lower() != ".pdf":
            raise ConfigError(f"--handout is saved as .pdf, not {args.handout!r}")
        check_writable(args.handout)
        pictures = lesson_pictures(lesson)
        failures = [p.update.summaries.failures for p in pictures]
        failed = next((f[min(f)] for f in failures if f), None)
        if failed is not None:  # before the file: failed code writes none
            raise ConfigError(str(failed))
        writer.write(lesson, pictures, args.handout)
    except (ConfigError, DatasetError, OutputError) as err:
        return fail(str(err))
    print(f"wrote {args.handout}: {lesson.title!r}, {len(lesson)} steps, a page each")
    return 0


def trusted_lesson(name_or_path: str, trust: bool) -> Lesson:
    """The lesson named; a file that carries optimizer code only with ``trust``, since its code
    would run with the user's rights (as an experiment file's does); a built-in's is ours."""
    lesson = find_lesson(name_or_path)
    if lesson.asks_consent and not trust:
        names = ", ".join(
            repr(name) for name in dict.fromkeys(s.name for s in lesson.code_optimizers)
        )
        raise ConfigError(
            f"{lesson.source or name_or_path} carries optimizer code ({names}), which would "
            "run with your rights: read it, then add --trust to run it"
        )
    return lesson
