"""How much memory an experiment's records can reach, and a refusal when the machine has less.

Records grow with the steps taken (:mod:`engine.core.growing`), so an experiment costs little up
front; the worst case is every run going on to ``max_steps``. An experiment whose worst case does
not fit in the memory available is refused before it trains, in one line with the estimate,
rather than taking the machine's memory step by step until it is stopped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np

from engine.config.settings import ConfigError, ExperimentConfig

RATE_BYTES = 8  # the rate each step used, float64
SHARPNESS_BYTES = 8 + 8 + 1  # λ, preconditioned λ (float64) and whether they were computed


class MemoryRefused(ConfigError):
    """An experiment whose worst case does not fit in the memory available."""


def run_count(config: ExperimentConfig, learning_rates: Sequence[float] | None = None) -> int:
    """The runs of ``config``'s experiment: optimizers × rates × seeds, and its branches; with
    ``learning_rates`` (a sweep) those rates instead, and no branches."""
    if learning_rates is not None:
        return len(config.optimizers) * len(learning_rates) * config.seeds
    rates = len(config.learning_rates)
    return len(config.optimizers) * rates * config.seeds + len(config.branches)


def record_buffers(
    config: ExperimentConfig,
    *,
    learning_rates: Sequence[float] | None = None,
    path_size: int | None = None,
    sharpness: bool = False,
    reference: bool = False,
) -> tuple[int, ...]:
    """Bytes of each buffer of an experiment's records with every run at ``max_steps``: its
    losses (in the config's dtype) and rates; the torch.optim twins' losses if ``reference``;
    λ, preconditioned λ and the computed flags if ``sharpness``; each run's path of
    ``path_size`` parameters if it is recorded."""
    cells = run_count(config, learning_rates) * config.max_steps
    item = np.dtype(config.dtype).itemsize
    buffers = [cells * item, cells * RATE_BYTES]
    if reference:
        buffers.append(cells * item)
    if sharpness:
        buffers += [cells * 8, cells * 8, cells * 1]
    if path_size:
        buffers.append(cells * path_size * item)
    return tuple(buffers)


def worst_case_bytes(buffers: Iterable[int]) -> int:
    """All ``buffers`` full, and the largest once more: a buffer that doubles holds its old
    copy too until the new one is filled."""
    sizes = tuple(buffers)
    return sum(sizes) + max(sizes, default=0)


def available_memory() -> int | None:
    """Bytes the machine can give now: MemAvailable from /proc/meminfo where there is one, else
    its physical memory; None where neither can be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(
    needed: int,
    config: ExperimentConfig,
    what: str = "this experiment",
    available: int | None = None,
) -> None:
    """Raise :class:`MemoryRefused`, one line with the estimate, when ``needed`` bytes are more
    than ``available`` (default: :func:`available_memory`; nothing is refused where it is
    unknown)."""
    if available is None:
        available = available_memory()
    if available is None or needed <= available:
        return
    raise MemoryRefused(
        f"{what} could need {_size(needed)} of memory if every run went on to max steps "
        f"({config.max_steps:,}), more than the {_size(available)} available: "
        "lower max steps, seeds, learning rates or optimizers"
    )


def _size(nbytes: int) -> str:
    """``nbytes`` in GB (10⁹ bytes) or, below one, MB, to three significant digits."""
    if nbytes >= 10**9:
        return f"{nbytes / 10**9:.3g} GB"
    return f"{nbytes / 10**6:.3g} MB"
