"""The command line: settings flags shared by the window and the headless run, and that run."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engine.config import (
    ARTICLE_LEARNING_RATES,
    ConfigError,
    ExperimentConfig,
    OptimizerSpec,
    check_learning_rate,
)
from engine.experiment import BatchedExperiment
from engine.files import OutputError, atomic_write, check_writable
from engine.optimizers import ARTICLE_OPTIMIZERS
from engine.records import summary_table, write_losses_csv

PROG = "optimizers-from-scratch"


class UsageError(Exception):
    """Bad command-line input; reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Watch neural-network optimizers train a tiny MLP. With no output flag "
        "the window opens; with --csv the experiment runs headless and writes its losses.",
    )
    parser.add_argument("--csv", metavar="FILE", help="train to the end and write the losses here")
    parser.add_argument(
        "--optimizers",
        help=f"comma-separated optimizer names (default: {','.join(ARTICLE_OPTIMIZERS)})",
    )
    parser.add_argument(
        "--lrs",
        help="comma-separated learning rates (default: "
        + ",".join(f"{lr:g}" for lr in ARTICLE_LEARNING_RATES)
        + ")",
    )
    parser.add_argument("--seed", help="seed of the initial parameters (default: 0)")
    parser.add_argument("--max-steps", help="losses a run records at most (default: 1000)")
    parser.add_argument("--stop-loss", help="stop a run at this loss (default: 0.1)")
    parser.add_argument("--hidden", help="hidden units (default: 3)")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv``; raise ``UsageError`` with a one-line message on anything wrong."""
    return build_parser().parse_args(argv)


def config_from_args(
    args: argparse.Namespace, base: ExperimentConfig | None = None
) -> ExperimentConfig:
    """``base`` (the article's experiment by default) with the flags that were given applied.

    ``ConfigError`` names the first bad value.
    """
    base = base or ExperimentConfig()
    changes: dict[str, object] = {}
    if args.optimizers is not None:
        names = [n.strip() for n in args.optimizers.split(",") if n.strip()]
        if not names:
            raise ConfigError("--optimizers needs at least one name")
        changes["optimizers"] = tuple(OptimizerSpec.create(n) for n in names)
    if args.lrs is not None:
        changes["learning_rates"] = tuple(_learning_rate(text) for text in args.lrs.split(","))
    for flag, key, parse in (
        ("--seed", "seed", _whole),
        ("--max-steps", "max_steps", _whole),
        ("--stop-loss", "stop_loss", _number),
        ("--hidden", "hidden", _whole),
    ):
        text = getattr(args, key)
        if text is not None:
            changes[key] = parse(flag, text)
    return base.with_changes(**changes)


def _number(flag: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{flag} must be a number, not {text!r}") from None


def _whole(flag: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{flag} must be a whole number, not {text!r}") from None


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"learning rate must be a number, not {text.strip()!r}") from None
    return check_learning_rate(value)


def wants_headless(args: argparse.Namespace) -> bool:
    return args.csv is not None


def run_headless(args: argparse.Namespace) -> int:
    """Train to completion, write the requested files, print the summary. Returns the exit code."""
    try:
        config = config_from_args(args)
        check_writable(args.csv)
        experiment = BatchedExperiment(config)
        experiment.run_to_end()
        atomic_write(args.csv, lambda handle: write_losses_csv(experiment, handle))
    except (ConfigError, OutputError) as err:
        return fail(str(err))
    print(summary_table(experiment.summaries()))
    print(f"wrote {args.csv}")
    return 0


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2
