"""The six test surfaces and the typed one's default, written out again independently of
engine.problems, for autograd."""

import math

import torch

TAU = 2 * math.pi
# Each surface again, expanded differently from the engine's, for autograd to differentiate.
FORMULAS = {
    "rosenbrock": lambda x, y: 1 - 2 * x + x * x + 100 * (y * y - 2 * y * x * x + x**4),
    "beale": lambda x, y: sum(
        (c - x * (1 - y**k)) ** 2 for c, k in ((1.5, 1), (2.25, 2), (2.625, 3))
    ),
    "himmelblau": lambda x, y: (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
    "saddle": lambda x, y: x * x + 0.25 * (y**4 - 2 * y * y + 1),
    "bowl": lambda x, y: 0.5 * x * x + 25 * y * y,
    "rastrigin": lambda x, y: (
        x * x - 10 * torch.cos(TAU * x) + 10 + y * y - 10 * torch.cos(TAU * y) + 10
    ),
    "function": lambda x, y: x * x + 5 * y * y,  # the typed f's default, x**2 + 5*y**2
}
