"""A run with no window: check every input and path, train, write the files, print a summary.

What to run and write comes from the command line (:mod:`engine.io.cli`); drawings need Qt and are
written by a :class:`FigureWriter` from ``gui`` (``gui.export.headless``), everything else here.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Protocol

from engine.analysis.sharpness import SharpnessTracker
from engine.analysis.stability import initial_stability
from engine.analysis.sweep import (
    SWEEP_LRS,
    SWEEP_SUFFIXES,
    SweepResult,
    save_sweep_csv,
    sweep_summary,
)
from engine.analysis.sweep_run import run_sweep
from engine.config.loading import load_dataset
from engine.config.settings import ConfigError, ExperimentConfig
from engine.core.data import DatasetError
from engine.core.files import OutputError, atomic_write, check_writable
from engine.core.history import PATH_BUDGET, paths_fit
from engine.experiment.batched import BatchedExperiment
from engine.experiment.memory import check_memory, record_buffers, worst_case_bytes
from engine.io.cli import OUTPUTS, PANEL_OUTPUTS, config_from_args, draws_sweep, fail, wants_figures
from engine.io.experiment_file import read_experiment_file, write_config_file
from engine.io.records import summary_table, write_losses_csv, write_sharpness_csv
from engine.live.updates import full_update

LANDSCAPE_SUFFIXES = (".png", ".svg", ".gif")


class FigureWriter(Protocol):
    """Writes --png/--svg/--gif, --landscape and a drawn --sweep; lives in ``gui`` because
    drawing needs Qt.

    ``experiment`` is None unless --png, --svg, --gif, --csv or --landscape asked for it (with
    its paths recorded for --landscape); ``sweep`` is None unless --sweep did."""

    def write(
        self,
        config: ExperimentConfig,
        experiment: BatchedExperiment | None,
        sweep: SweepResult | None,
    ) -> list[str]: ...


def run_headless(args: argparse.Namespace, figures: FigureWriter | None = None) -> int:
    """Check every input and path, train what the outputs need (the panels' experiment for
    --csv/--png/--svg/--gif/--landscape, the sweep for --sweep) to completion, write the
    requested files, print a summary of what was trained. Returns the exit code: 0, or 2 with
    one line on stderr and no file left behind."""
    if figures is None and wants_figures(args):
        raise ValueError(
            "--png, --svg, --gif, --landscape and a PNG or SVG --sweep need a FigureWriter"
        )
    try:
        base = _trusted_config(args) if args.config else None
        config = config_from_args(args, base)
        data = load_dataset(config.dataset)  # a bad data file is refused before any writing
        if args.sweep is not None and Path(args.sweep).suffix.lower() not in SWEEP_SUFFIXES:
            raise ConfigError(f"--sweep is saved as .png, .svg or .csv, not {args.sweep!r}")
        landscape = args.landscape
        if landscape is not None and Path(landscape).suffix.lower() not in LANDSCAPE_SUFFIXES:
            raise ConfigError(f"--landscape is saved as .png, .svg or .gif, not {landscape!r}")
        for name in OUTPUTS:
            if getattr(args, name) is not None:
                check_writable(getattr(args, name))
        if args.frame_every is not None and args.frame_every < 1:
            raise ConfigError(f"--frame-every must be at least 1, not {args.frame_every}")
        if not (args.fps > 0 and math.isfinite(args.fps)):
            raise ConfigError(f"--fps must be a positive number, not {args.fps}")
        experiment = None
        if landscape or any(getattr(args, name) for name in PANEL_OUTPUTS):
            experiment = BatchedExperiment(config, data, record_parameters=bool(landscape))
            if landscape:
                _check_paths_fit(experiment)
        _check_memory(args, config, experiment)
        written = []
        tracker = None
        if experiment is not None:
            if args.sharpness:  # the same steps, with every run's sharpness around each
                tracker = SharpnessTracker(experiment)
                tracker.run_to_end()
            else:
                experiment.run_to_end()
        sweep = run_sweep(config) if args.sweep else None
        _check_code_ran(experiment, sweep)  # before any file: failed code writes none
        if args.save_config:
            write_config_file(args.save_config, config)
            written.append(args.save_config)
        if args.sharpness:
            atomic_write(args.sharpness, lambda handle: write_sharpness_csv(tracker, handle))
            written.append(args.sharpness)
        if args.csv:
            update = full_update(experiment)
            atomic_write(args.csv, lambda handle: write_losses_csv(update, handle))
            written.append(args.csv)
        if sweep is not None and not draws_sweep(args):
            save_sweep_csv(args.sweep, sweep)
            written.append(args.sweep)
        if figures is not None:
            written += figures.write(config, experiment, sweep)
    except (ConfigError, DatasetError, OutputError) as err:
        return fail(str(err))
    if experiment is not None:
        print(summary_table(experiment.summaries()))
        print(f"initial parameters: {initial_stability(config, experiment.data).describe()}")
    if sweep is not None:
        print(sweep_summary(sweep))
    for path in written:
        print(f"wrote {path}")
    return 0


def _trusted_config(args: argparse.Namespace) -> ExperimentConfig:
    """The experiment file's settings; one that carries optimizer code only with --trust,
    since its code would run with the user's rights."""
    opened = read_experiment_file(args.config)
    if opened.carries_code and not args.trust:
        names = ", ".join(repr(spec.name) for spec in opened.code_optimizers)
        raise ConfigError(
            f"{args.config} carries optimizer code ({names}), which would run with your "
            "rights: read it, then add --trust to run it"
        )
    return opened.config


def _check_code_ran(experiment: BatchedExperiment | None, sweep: SweepResult | None) -> None:
    """``ConfigError`` naming the file and line where a student's optimizer failed (in the
    panels' experiment, else in the sweep)."""
    failures = {} if experiment is None else experiment.failures
    if failures:
        raise ConfigError(str(failures[min(failures)]))
    if sweep is not None and sweep.failures:
        raise ConfigError(str(sweep.failures[0]))


def _check_memory(
    args: argparse.Namespace, config: ExperimentConfig, experiment: BatchedExperiment | None
) -> None:
    """Refuse, before training, what could outgrow the memory available with every run at max
    steps: the panels' records (sharpness with --sharpness, paths with --landscape) and the copy
    the files are written from, and the sweep's records."""
    buffers: list[int] = []
    parts: list[str] = []
    if experiment is not None:
        parts.append("the experiment")
        path_size = experiment.problem.size if args.landscape else None
        buffers += record_buffers(config, path_size=path_size, sharpness=bool(args.sharpness))
        if any(getattr(args, name) for name in ("csv", "png", "svg", "gif", "landscape")):
            buffers += record_buffers(config, path_size=path_size)  # full_update's copy
    if args.sweep is not None:
        parts.append("the sweep")
        buffers += record_buffers(config, learning_rates=SWEEP_LRS)
    check_memory(worst_case_bytes(buffers), config, " and ".join(parts))


def _check_paths_fit(experiment: BatchedExperiment) -> None:
    """--landscape records every run's path: refuse, before training, one too big to keep."""
    runs, steps = len(experiment.runs), experiment.config.max_steps
    size = experiment.problem.size
    if not paths_fit(runs, steps, size):
        raise ConfigError(
            f"--landscape keeps every path: {runs} runs × {steps:,} steps × {size} parameters "
            f"is more than {PATH_BUDGET:,} numbers; lower --max-steps"
        )
