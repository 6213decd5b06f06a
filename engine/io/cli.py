"""The command line: the flags shared by the window and the headless run (see
:mod:`engine.io.headless`), and what they make of the settings."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from engine.config.limits import LIMITS
from engine.config.loading import check_start_size
from engine.config.presets import PRESETS, get_preset
from engine.config.problem_switch import config_for_problem
from engine.config.settings import (
    ARTICLE_LEARNING_RATES,
    MAX_LEARNING_RATES,
    ConfigError,
    DatasetSpec,
    ExperimentConfig,
    OptimizerSpec,
    check_learning_rate,
    schedule_spec,
)
from engine.config.starts import PlaneStart
from engine.core.model import ACTIVATIONS
from engine.experiment.branches import parse_branch
from engine.io.cli_code import (
    add_code_flags,
    add_function_flags,
    optimizer_from_file,
    with_function,
)
from engine.optimizers import ARTICLE_OPTIMIZERS, REGISTRY, TorchEquivalent
from engine.optimizers.schedules import SCHEDULES, ScheduleSpec
from engine.problems import PROBLEMS

PROG = "optimizers-from-scratch"

PANEL_OUTPUTS = ("csv", "png", "svg", "gif", "sharpness")  # need the panels' experiment
OUTPUTS = (*PANEL_OUTPUTS, "landscape", "save_config", "sweep")


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
    out = parser.add_argument_group("outputs (any of them runs headless, to the end)")
    out.add_argument("--csv", metavar="FILE", help="the losses: optimizer,lr,step,loss")
    out.add_argument("--png", metavar="FILE", help="the figure as PNG")
    out.add_argument("--svg", metavar="FILE", help="the figure as SVG")
    out.add_argument("--gif", metavar="FILE", help="the training as an animated GIF")
    out.add_argument("--save-config", metavar="FILE", help="the effective settings as JSON")
    out.add_argument(
        "--sharpness",
        metavar="FILE",
        help="every run's sharpness at every step, exact: optimizer,lr,step,sharpness,"
        "preconditioned (the last empty for rules that divide by no denominator)",
    )
    out.add_argument(
        "--sweep",
        metavar="FILE",
        help="final loss and steps to converge at 64 learning rates from 1e-4 to 10, "
        "as PNG, SVG or CSV (by the extension)",
    )
    out.add_argument(
        "--landscape",
        metavar="FILE",
        help="the Landscape tab (each run's path over the loss) as PNG, SVG or an animated GIF "
        "(by the extension)",
    )
    look = parser.add_argument_group("figures")
    look.add_argument("--theme", default="default", help="default or presentation")
    look.add_argument("--scale", type=int, choices=(1, 2, 3), default=1, help="PNG scale")
    look.add_argument("--frame-every", type=int, metavar="K", help="GIF: a frame every K steps")
    look.add_argument("--fps", type=float, default=10.0, help="GIF frames a second (default 10)")
    look.add_argument(
        "--view",
        choices=("2d", "3d"),
        default="2d",
        help="--landscape as the 2-D map (default) or the 3-D surface: a PNG, or a GIF (see "
        "--animate) (OpenGL: needs a display; without one, run under xvfb-run -a)",
    )
    look.add_argument(
        "--animate",
        choices=("turn", "paths"),
        help="a 3-D GIF: the camera turning once around (default) or the paths growing (a frame "
        "every --frame-every steps, about 60 frames by default, at --fps)",
    )
    look.add_argument("--azimuth", type=float, metavar="A", help="3-D: degrees around (300)")
    look.add_argument("--elevation", type=float, metavar="E", help="3-D: degrees above (30)")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="settings from an experiment file; the flags below override it",
    )
    parser.add_argument(
        "--lesson",
        metavar="FILE|NAME",
        help="open the window with a lesson: a lesson file or a built-in lesson's name",
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        help=f"named settings ({', '.join(PRESETS)}), over the experiment file's; the other "
        "flags override them",
    )
    parser.add_argument(
        "--problem",
        metavar="NAME",
        help=f"what the runs train: {', '.join(PROBLEMS)} (default: mlp, the article's net); "
        "a problem brings its own learning rates, stop loss and max steps unless given",
    )
    parser.add_argument(
        "--start",
        metavar="X,Y",
        help="a 2-D problem's start point (a leading minus needs '=': --start=-2,2)",
    )
    parser.add_argument(
        "--start-parameters",
        metavar="P1,P2,…",
        help="the MLP's start: every parameter, in order W1 (row by row), b1, W2, b2, as an "
        "experiment file's start_parameters hold them (Shift+click on the plane picks one)",
    )
    add_function_flags(parser)
    parser.add_argument(
        "--optimizers",
        help=f"comma-separated optimizer names (default: {','.join(ARTICLE_OPTIMIZERS)})",
    )
    add_code_flags(parser)
    parser.add_argument(
        "--lrs",
        help=f"comma-separated learning rates, one panel each, at most {MAX_LEARNING_RATES} "
        "(default: " + ",".join(f"{lr:g}" for lr in ARTICLE_LEARNING_RATES) + ")",
    )
    parser.add_argument("--seed", help="seed of the initial parameters (default: 0)")
    parser.add_argument(
        "--seeds",
        metavar="S",
        help="train every optimizer and rate from S initial draws, seeds seed..seed+S-1, "
        f"{LIMITS['seeds'].low} to {LIMITS['seeds'].high} (default: 1); the CSVs gain a seed "
        "column",
    )
    parser.add_argument("--max-steps", help="losses a run records at most (default: 1000)")
    parser.add_argument("--stop-loss", help="stop a run at this loss (default: 0.1)")
    parser.add_argument("--hidden", help="hidden units (default: 3)")
    parser.add_argument(
        "--activation", help=f"the hidden layer's: {', '.join(ACTIVATIONS)} (default: relu)"
    )
    parser.add_argument(
        "--dtype",
        help="float32 (default, as the article) or float64 for every tensor of the experiment",
    )
    parser.add_argument(
        "--schedule",
        metavar="NAME[:key=value,...]",
        help="learning-rate schedule: constant, step, exponential, cosine, warmup, plateau, "
        "with torch's parameter names, e.g. step:step_size=30,gamma=0.5",
    )
    parser.add_argument(
        "--branch",
        action="append",
        metavar="OPT@LR:STEP[:lr=X,optimizer=NAME,schedule=NAME]",
        help="fork the run OPT at LR at STEP with other settings (repeatable), "
        "e.g. sgd@1:50:lr=0.1",
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset",
        choices=("article", "generated"),
        help="the article's five samples (default), or a set generated from its label function",
    )
    data.add_argument("--samples", metavar="N", help="samples of a generated set (default: 200)")
    data.add_argument(
        "--noise", metavar="S", help="std of the Gaussian label noise of a generated set"
    )
    data.add_argument(
        "--data",
        metavar="FILE.csv",
        help="train on a CSV file: numeric columns, the last one the label, optional header",
    )
    data.add_argument(
        "--batch-size",
        metavar="B",
        help="mini-batches of B samples, shuffled each epoch from the seed (default: full batch)",
    )
    parser.add_argument(
        "--list-optimizers",
        action="store_true",
        help="print every optimizer and schedule with its settings and defaults, then exit",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv``; raise ``UsageError`` with a one-line message on anything wrong."""
    return build_parser().parse_args(argv)


def config_from_args(
    args: argparse.Namespace, base: ExperimentConfig | None = None
) -> ExperimentConfig:
    """``base`` (the article's experiment by default) with ``--preset`` and then the other
    flags that were given applied.

    ``ConfigError`` names the first bad value.
    """
    base = base or ExperimentConfig()
    if getattr(args, "preset", None) is not None:
        base = get_preset(args.preset.strip()).apply(base)
    if args.problem is not None and args.problem != base.problem:
        try:
            base = config_for_problem(args.problem, base)
        except KeyError as err:
            raise ConfigError(str(err.args[0])) from None
    base = with_function(args, base)
    changes: dict[str, object] = {}
    if args.start is not None:
        changes["start"] = _start(args.start)
    if getattr(args, "start_parameters", None) is not None:
        changes["start_parameters"] = _start_parameters(args.start_parameters)
    if args.optimizers is not None:
        names = [n.strip() for n in args.optimizers.split(",") if n.strip()]
        if not names:
            raise ConfigError("--optimizers needs at least one name")
        changes["optimizers"] = tuple(OptimizerSpec.create(n) for n in names)
    if getattr(args, "optimizer_file", None):
        chosen = changes.get("optimizers", base.optimizers)
        changes["optimizers"] = chosen + tuple(map(optimizer_from_file, args.optimizer_file))
    if args.lrs is not None:
        changes["learning_rates"] = tuple(_learning_rate(text) for text in args.lrs.split(","))
    if args.schedule is not None:
        changes["schedule"] = parse_schedule(args.schedule)
    for flag, key, parse in (
        ("--seed", "seed", _whole),
        ("--seeds", "seeds", _whole),
        ("--max-steps", "max_steps", _whole),
        ("--stop-loss", "stop_loss", _number),
        ("--hidden", "hidden", _whole),
    ):
        text = getattr(args, key)
        if text is not None:
            changes[key] = parse(flag, text)
    if args.dtype is not None:
        changes["dtype"] = args.dtype.strip()
    if getattr(args, "activation", None) is not None:
        changes["activation"] = args.activation.strip()
    if args.batch_size is not None:
        changes["batch_size"] = _whole("--batch-size", args.batch_size)
    if args.branch:
        changes["branches"] = base.branches + tuple(parse_branch(t) for t in args.branch)
    dataset = dataset_from_args(args, base.dataset)
    if dataset != base.dataset:
        changes["dataset"] = dataset
    config = base.with_changes(**changes)
    if "start_parameters" in changes:
        try:
            check_start_size(config)
        except ConfigError as err:
            raise ConfigError(f"--start-parameters: {err}") from None
    return config


def dataset_from_args(args: argparse.Namespace, base: DatasetSpec) -> DatasetSpec:
    """``base`` with --dataset, --data, --samples and --noise applied; a --data path is made
    absolute, so that a saved experiment finds the file from anywhere."""
    if args.data is not None and args.dataset is not None:
        raise ConfigError(f"--data reads a CSV file; it cannot go with --dataset {args.dataset}")
    spec = base
    if args.data is not None:
        spec = DatasetSpec(kind="csv", path=os.path.abspath(args.data))
    elif args.dataset == "article":
        spec = DatasetSpec()
    elif args.dataset == "generated":
        spec = DatasetSpec("generated", base.samples, base.noise, base.seed)
    changes: dict[str, object] = {}
    if args.samples is not None:
        changes["samples"] = _whole("--samples", args.samples)
    if args.noise is not None:
        changes["noise"] = _number("--noise", args.noise)
    if changes and spec.kind != "generated":
        flag = "--samples" if args.samples is not None else "--noise"
        raise ConfigError(f"{flag} is for a generated set: add --dataset generated")
    return replace(spec, **changes) if changes else spec


def parse_schedule(text: str) -> ScheduleSpec:
    """``step:step_size=30,gamma=0.5`` -> a checked :class:`ScheduleSpec`."""
    name, _, rest = text.partition(":")
    params: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, equals, value = item.partition("=")
        if not equals:
            raise ConfigError(f"--schedule parameters look like key=value, not {item!r}")
        params[key.strip()] = _number(f"--schedule {key.strip()}", value)
    return schedule_spec(name.strip(), params)


def list_optimizers() -> str:
    """Every optimizer and schedule, with each setting's default, for --list-optimizers."""
    lines = [
        "optimizers (name: setting=default ...; torch.optim twin; stability threshold, on the "
        "preconditioned sharpness for the adaptive rules)"
    ]
    for name, opt in REGISTRY.items():
        settings = " ".join(f"{k}={_default(v)}" for k, v in opt.defaults.items()) or "-"
        twin = opt.torch_equivalent(opt.defaults)
        twin_text = twin.optimizer if isinstance(twin, TorchEquivalent) else "none"
        threshold = opt.threshold_rule.split(":")[0]  # "no known threshold: why" -> the first
        where = " (preconditioned)" if opt.preconditioned and "η" in threshold else ""
        lines.append(
            f"  {name:15s} {settings}   [{opt.display_name}; torch: {twin_text}; "
            f"threshold: {threshold}{where}]"
        )
    lines.append("schedules (--schedule name:key=value,...)")
    for name, schedule in SCHEDULES.items():
        settings = " ".join(f"{k}={_default(v)}" for k, v in schedule.defaults.items()) or "-"
        torch_name = schedule.torch_name or "none needed"
        lines.append(f"  {name:15s} {settings}   [{schedule.display_name}; torch: {torch_name}]")
    return "\n".join(lines)


def _default(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}"


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


def _start(text: str) -> tuple[float, float]:
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(f"--start must be two numbers X,Y, not {text!r}") from None
    return x, y


def _start_parameters(text: str) -> PlaneStart:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(
            f"--start-parameters must be numbers separated by commas, not {text!r}"
        ) from None
    return PlaneStart(values)


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"learning rate must be a number, not {text.strip()!r}") from None
    return check_learning_rate(value)


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def wants_headless(args: argparse.Namespace) -> bool:
    return any(getattr(args, name) is not None for name in OUTPUTS)


def draws_sweep(args: argparse.Namespace) -> bool:
    """--sweep asks for a PNG or SVG (a CSV is written without Qt)."""
    return args.sweep is not None and Path(args.sweep).suffix.lower() in (".png", ".svg")


def wants_figures(args: argparse.Namespace) -> bool:
    """Something to draw, so that the caller must pass a :class:`FigureWriter`."""
    drawn = (args.png, args.svg, args.gif, args.landscape)
    return any(path is not None for path in drawn) or draws_sweep(args)
