"""The loss's curvature and the learning rate beyond which plain gradient descent blows up.

Near a point, gradient descent with learning rate ``lr`` multiplies the error along a Hessian
eigenvector of eigenvalue λ by ``1 - lr·λ`` each step, so it diverges along the steepest one
once ``lr > 2/λ_max``. With a few dozen parameters the exact Hessian is cheap to compute.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.analysis.readings import Stability, stability_limit
from engine.config.loading import build_problem, start_draws
from engine.config.settings import ExperimentConfig
from engine.core.data import Dataset, article_dataset
from engine.core.model import ParameterLayout, batched_loss
from engine.problems import Problem


def loss_hessian(flat: torch.Tensor, data: Dataset, layout: ParameterLayout) -> torch.Tensor:
    """The exact (P, P) Hessian of the mean squared error at one parameter row ``flat`` (P,).

    Autograd differentiates the model's own forward pass twice, in float64; ReLU contributes
    its almost-everywhere second derivative (zero), as gradient descent sees it, tanh and
    softplus their true one.
    """
    if flat.shape != (layout.size,):
        raise ValueError(f"expected one parameter row of shape ({layout.size},), not {flat.shape}")
    data64 = data.to(torch.float64)

    def loss(row: torch.Tensor) -> torch.Tensor:
        return batched_loss(row[None], data64, layout)[0]

    point = flat.detach().to(torch.float64)
    return torch.autograd.functional.hessian(loss, point)


def largest_eigenvalue(hessian: torch.Tensor) -> float:
    """The largest eigenvalue of a symmetric matrix (NaN if it has a non-finite entry)."""
    if not bool(torch.isfinite(hessian).all()):
        return math.nan
    return float(torch.linalg.eigvalsh(hessian).max())


def stability_at(flat: torch.Tensor, data: Dataset, layout: ParameterLayout) -> Stability:
    """λ_max of the loss's Hessian at one parameter row (P,), and 2/λ_max."""
    lambda_max = largest_eigenvalue(loss_hessian(flat, data, layout))
    return Stability(lambda_max, stability_limit(lambda_max))


def problem_stability(problem: Problem, row: torch.Tensor) -> Stability:
    """λ_max of ``problem``'s Hessian at one parameter row (P,), and 2/λ_max."""
    lambda_max = largest_eigenvalue(problem.hessian(row))
    return Stability(lambda_max, stability_limit(lambda_max))


def initial_stability(config: ExperimentConfig, data: Dataset | None = None) -> Stability:
    """The stability at the parameters every run of ``config`` starts from."""
    problem = build_problem(config, data if data is not None else article_dataset())
    return problem_stability(problem, start_draws(problem, config)[0])


def stability_per_run(
    flat_rows: torch.Tensor, data: Dataset, layout: ParameterLayout
) -> np.ndarray:
    """λ_max at each row of (R, P) parameters, as an (R,) array; NaN where a row is non-finite."""
    out = np.full(flat_rows.shape[0], np.nan)
    for r, row in enumerate(flat_rows):
        if bool(torch.isfinite(row).all()):
            out[r] = largest_eigenvalue(loss_hessian(row, data, layout))
    return out
