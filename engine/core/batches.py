"""Which samples each step trains on: all of them, or that step's mini-batch.

A mini-batch is a consecutive slice of a permutation drawn per epoch from the experiment's seed
and the epoch alone (never the stream the initial parameters come from), the last slice of an
epoch possibly smaller; so the batch of any step follows from the seed and the step, and a
replay or a branch sees the very same batches.
"""

from __future__ import annotations

import math

import torch

from engine.core.data import Dataset


def batch_order(seed: int, epoch: int, samples: int) -> torch.Tensor:
    """The order mini-batches take the samples in during ``epoch``."""
    mixed = (seed * 1_000_003 + epoch + 1) * 0x9E3779B97F4A7C15 % 2**64
    return torch.randperm(samples, generator=torch.Generator().manual_seed(mixed))


class MiniBatches:
    """The data of each step for ``data`` in batches of ``size`` (None, or every sample: the
    full batch, in the data's own order)."""

    def __init__(self, data: Dataset, size: int | None, seed: int):
        samples = int(data.x.shape[0])
        self.data, self.seed = data, seed
        self.size = size if size is not None and size < samples else None
        self.per_epoch = math.ceil(samples / size) if self.size else 1
        self._epoch, self._order = -1, None  # the permutation of that epoch, kept

    def at(self, step: int) -> Dataset:
        """The samples step ``step`` (from 0) trains on."""
        if self.size is None:
            return self.data
        epoch, index = divmod(step, self.per_epoch)
        if epoch != self._epoch:
            self._order = batch_order(self.seed, epoch, int(self.data.x.shape[0]))
            self._epoch = epoch
        rows = self._order[index * self.size : (index + 1) * self.size]
        return Dataset(self.data.x[rows], self.data.y[rows])
