"""Optimizers from Scratch: the window by default, a headless run when an output flag is given."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# Before numpy is imported (here and in the spawned engine): numpy asks Linux for huge pages for
# every array of 4 MB or more, and where the kernel compacts memory to find them, touching a new
# buffer stalls for up to a second (the window's loss history at 512 runs); see
# docs/performance.md. The figures and files are the same either way.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    engine = _engine_for_plain_launch(argv)
    try:
        return _main(argv, engine)
    except BrokenPipeError:  # `... | head` stopped reading: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second one at exit
        return 1
    finally:
        if engine is not None:
            engine.stop()  # once the window has ended it, a no-op


def _engine_for_plain_launch(argv: Sequence[str]):
    """``main.py`` without arguments opens the window: its engine process starts first thing,
    before this process imports anything heavy (its imports overlap ours on another core).
    With arguments it starts once they are parsed: a headless run stays one process."""
    if argv:
        return None
    from gui.shell.app import start_engine_early

    return start_engine_early()


def _main(argv: Sequence[str], engine) -> int:
    from engine.io import cli  # not at the top: a spawned engine process runs this file again

    try:
        args = cli.parse_args(argv)
    except cli.UsageError as err:
        return cli.fail(str(err))
    if args.list_optimizers:
        print(cli.list_optimizers())
        return 0
    if args.list_lessons:
        from engine.lessons.command import list_lessons

        print(list_lessons())
        return 0
    from engine.config.settings import ConfigError
    from engine.io.cli_lessons import check_lesson_flags

    try:
        check_lesson_flags(args, cli.parse_args([]))
    except ConfigError as err:
        return cli.fail(str(err))
    if args.handout is not None:
        return _write_handout(args)
    if cli.wants_headless(args):
        from engine.io import headless  # torch: the window's process never imports it

        figures = None
        if cli.wants_figures(args):
            from engine.config.settings import ConfigError
            from gui.export.headless import HeadlessFigures

            try:
                figures = HeadlessFigures(args)
            except ConfigError as err:
                return cli.fail(str(err))
        return headless.run_headless(args, figures)
    from gui.shell.app import run_app

    return run_app(args, engine)


def _write_handout(args) -> int:
    """--lesson with --handout: walked and drawn headless, offscreen."""
    from engine.config.settings import ConfigError
    from engine.io import cli
    from engine.lessons.command import run_handout
    from gui.export.headless import HeadlessHandout

    try:
        writer = HeadlessHandout(args)
    except ConfigError as err:
        return cli.fail(str(err))
    return run_handout(args, writer)


if __name__ == "__main__":
    sys.exit(main())
