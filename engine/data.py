"""The article's dataset: five samples of three features and a cubic label function."""

from __future__ import annotations

from dataclasses import dataclass

import torch

ARTICLE_X = (
    (0.7, 0.3, 0.7),
    (0.4, 1.0, 0.4),
    (0.2, 1.1, 0.1),
    (0.4, 0.7, 0.2),
    (0.1, 0.5, 0.3),
)


def article_label(x0: float, x1: float, x2: float) -> float:
    """The article's ``generate_fake_labels``: 0.8·x0³ + 0.1·x1² + 0.5·x2 + 4."""
    return x0**3 * 0.8 + x1**2 * 0.1 + x2 * 0.5 + 4.0


@dataclass(frozen=True)
class Dataset:
    """Inputs ``x`` (N×D), labels ``y`` as an (N, 1) column: predictions never broadcast to N×N."""

    x: torch.Tensor
    y: torch.Tensor

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    def to(self, dtype: torch.dtype) -> Dataset:
        return Dataset(self.x.to(dtype), self.y.to(dtype))


def article_dataset() -> Dataset:
    """The five samples the article trains on, in float32 as the article builds them."""
    x = torch.tensor(ARTICLE_X, dtype=torch.float32)
    y = torch.tensor([[article_label(*row)] for row in x.tolist()], dtype=torch.float32)
    return Dataset(x, y)
