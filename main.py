"""Optimizers from Scratch: the window by default, a headless run when an output flag is given."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from engine.io import cli


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `... | head` stopped reading: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second one at exit
        return 1


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = cli.parse_args(argv)
    except cli.UsageError as err:
        return cli.fail(str(err))
    if args.list_optimizers:
        print(cli.list_optimizers())
        return 0
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

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
