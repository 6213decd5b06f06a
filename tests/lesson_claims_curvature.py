"""The claims of the lessons on curvature: the edge of stability, saddles, valleys, the catapult
and noise (see tests/test_lesson_claims.py for what a claim is)."""

from __future__ import annotations

import numpy as np
import torch

from engine.experiment.runs import RunStatus
from engine.problems import get_problem
from tests.lesson_runs import (
    NAN,
    config,
    diverged_at,
    first_reach,
    lesson,
    played,
    played_to_target,
    same_when_rounded,
)

# --- 4. the edge of stability ----------------------------------------------------------------

EOS_RATES = (0.1, 0.08, 2 / 30, 0.05)


def edge_of_stability():
    eos = played("edge-of-stability", 3, sharpness=True)
    cfg = config("edge-of-stability", 1)

    def second_half_mean(optimizer: str, lr: float) -> float:
        return float(eos.sharpness(optimizer, lr)[2500:5000].mean() / eos.threshold(optimizer, lr))

    def sgd_at_edge() -> bool:
        return all(abs(second_half_mean("sgd", lr) - 1) < 0.01 for lr in EOS_RATES)

    def mean_loss(lo: int, hi: int) -> float:
        return float(eos.losses("sgd", 0.1)[lo : hi + 1].mean())

    def rises(lr: float) -> float:
        return float(np.mean(np.diff(eos.losses("sgd", lr)[2500:]) > 0))

    adam = [second_half_mean("adam_torch", lr) for lr in EOS_RATES]
    momentum = [second_half_mean("momentum", lr) for lr in EOS_RATES]
    return [
        (
            1,
            "3 hidden units learns 20 samples",
            lambda: (
                (cfg.hidden, eos.experiment.data.x.shape[0]) if cfg.activation == "tanh" else NAN
            ),
        ),
        (1, "for 5,000 steps", lambda: cfg.max_steps),
        (1, "η = 0.1, 0.08, 2/30 and 0.05", lambda: cfg.learning_rates == EOS_RATES),
        (1, "2/η = 20, 25, 30 and 40", lambda: tuple(eos.threshold("sgd", lr) for lr in EOS_RATES)),
        (2, "SGD at η = 0.1", lambda: 0.1 in cfg.learning_rates),
        (2, "starts at 9.70", lambda: eos.sharpness("sgd", 0.1)[0]),
        (
            2,
            "2/η = 20, at step 525",
            lambda: (
                (20, played_to_target("edge-of-stability", 2))
                if first_reach(eos.sharpness("sgd", 0.1), 20)
                == played_to_target("edge-of-stability", 2)
                else NAN
            ),
        ),
        (
            3,
            "steps 2,500–4,999, its mean is within 1 % of 2/η in every panel",
            lambda: (2500, eos.experiment.counts.max() - 1, 1) if sgd_at_edge() else NAN,
        ),
        (
            3,
            "at steps 858, 1,279 and 2,447",
            lambda: tuple(
                first_reach(eos.sharpness("sgd", lr), eos.threshold("sgd", lr))
                for lr in EOS_RATES[1:]
            ),
        ),
        (
            3,
            "no run diverges",
            lambda: not (eos.experiment.status == RunStatus.DIVERGED).any(),
        ),
        (
            4,
            "rises on about half of the steps",
            lambda: all(0.4 <= rises(lr) <= 0.6 for lr in EOS_RATES),
        ),
        (
            4,
            "at η = 0.1 from 0.021 over steps 2,500–3,499 to 0.018 over steps 4,000–4,999",
            lambda: (0.1, mean_loss(2500, 3499), 2500, 3499, mean_loss(4000, 4999), 4000, 4999),
        ),
        (5, "That starts at 69", lambda: eos.sharpness("adam_torch", 0.1)[0]),
        (5, "0.9–0.95 × 38/η", lambda: (min(adam), max(adam)) if max(adam) < 1 else NAN),
        (
            5,
            "same threshold and never comes near it: 0.08–0.18 ×",
            lambda: (
                (min(momentum), max(momentum))
                if eos.threshold("momentum", 0.1) == eos.threshold("adam_torch", 0.1)
                else NAN
            ),
        ),
    ]


# --- 5. saddles ------------------------------------------------------------------------------


def saddles():
    saddle = get_problem("saddle")
    one = played("saddles", 3, paths=True)
    two = played("saddles", 5, paths=True)

    def leaves_ridge(optimizer: str) -> int:
        """The first step at which |y| ≥ 0.1."""
        return int(np.flatnonzero(np.abs(one.path(optimizer, 0.01)[:, 1]) >= 0.1)[0])

    def hessian_xx() -> float:
        point = torch.tensor([0.3, 0.7], dtype=torch.float64)
        return float(two.experiment.problem.hessian(point)[0, 0])

    x_end = two.path("sgd", 1.0)[-2:, 0]
    return [
        (
            1,
            "x² + (y² − 1)²/4",
            lambda: saddle.formula.replace(" ", "") == "x²+(y²−1)²/4",
        ),
        (1, "a saddle point at (0, 0)", lambda: saddle.defaults.saddles == ((0.0, 0.0),)),
        (1, "two minima at (0, ±1)", lambda: saddle.defaults.minima == ((0.0, 1.0), (0.0, -1.0))),
        (
            1,
            "starts at (1.5, 0.001)",
            lambda: config("saddles", 1).start is None and saddle.defaults.start == (1.5, 0.001),
        ),
        (
            1,
            "the ridge line y = 0",
            lambda: 0 if float(saddle.gradient(*_pair(0.7, 0.0))[1]) == 0 else NAN,
        ),
        (1, "trains at η = 0.01", lambda: config("saddles", 1).learning_rates == (0.01,)),
        (2, "within 1,000 steps", lambda: config("saddles", 2).max_steps),
        (
            3,
            "y stays under 0.1 for their first 464 and 510 steps",
            lambda: (0.1, leaves_ridge("sgd"), leaves_ridge("momentum")),
        ),
        (3, "within 4 and 16 steps", lambda: (leaves_ridge("rmsprop"), leaves_ridge("adam"))),
        (
            3,
            "Adam converges at step 159, RMSprop at 175, SGD at 887, momentum at 916",
            lambda: tuple(
                one.converged_at(o, 0.01) for o in ("adam", "rmsprop", "sgd", "momentum")
            ),
        ),
        (
            4,
            "flattens at 0.25, the saddle's height, for hundreds of steps",
            lambda: same_when_rounded(
                [*one.losses("sgd", 0.01)[160:440], float(saddle.value(*_pair(0.0, 0.0)))], 2
            ),
        ),
        (
            5,
            "At η = 1 SGD never gets there",
            lambda: two.status("sgd", 1.0)[0] == RunStatus.MAX_STEPS,
        ),
        (5, "x = 1.5 and x = −1.5", lambda: (x_end.max(), x_end.min())),
        (5, "Along x the curvature is 2", hessian_xx),
        (5, "1 − ηλ = −1", lambda: 1 - 1.0 * hessian_xx()),
        (
            5,
            "Momentum and Adam converge at the same rate",
            lambda: all(two.status(o, 1.0)[0] == RunStatus.CONVERGED for o in ("momentum", "adam")),
        ),
    ]


def _pair(x: float, y: float):
    return torch.tensor([x], dtype=torch.float64), torch.tensor([y], dtype=torch.float64)


# --- 6. valleys ------------------------------------------------------------------------------


def valleys():
    rosenbrock = get_problem("rosenbrock")
    runs = played("valleys", 3, paths=True)
    momentum_x = runs.path("momentum", 0.01)[:, 0]
    rms = runs.status("rmsprop", 0.01)[0] == RunStatus.MAX_STEPS

    def adam_at(lr: float) -> int:
        return runs.converged_at("adam", lr)

    return [
        (
            1,
            "(1 − x)² + 100(y − x²)²",
            lambda: rosenbrock.formula.replace(" ", "") == "(1−x)²+100(y−x²)²",
        ),
        (1, "the minimum at (1, 1)", lambda: rosenbrock.defaults.minima == ((1.0, 1.0),)),
        (1, "starts at (−2, 2)", lambda: rosenbrock.defaults.start == (-2.0, 2.0)),
        (
            1,
            "η = 0.001, 0.003 and 0.01",
            lambda: config("valleys", 1).learning_rates == (0.001, 0.003, 0.01),
        ),
        (2, "within 2,000 steps", lambda: config("valleys", 2).max_steps),
        (3, "λ₀ = 4163", runs.initial_sharpness),
        (3, "so 2/λ₀ = 0.00048", lambda: 2 / runs.initial_sharpness()),
        (
            3,
            "SGD at η = 0.003 and 0.01, far above it, blows up at steps 4 and 3",
            lambda: (0.003, 0.01, *(diverged_at(runs, "sgd", lr) for lr in (0.003, 0.01))),
        ),
        (
            3,
            "At η = 0.001 it survives",
            lambda: 0.001 if runs.status("sgd", 0.001)[0] == RunStatus.MAX_STEPS else NAN,
        ),
        (
            3,
            "its loss is still 0.128 at the end of its 2,000 steps",
            lambda: (runs.losses("sgd", 0.001)[-1], len(runs.losses("sgd", 0.001))),
        ),
        (4, "momentum at η = 0.01", lambda: 0.01 in config("valleys", 4).learning_rates),
        (4, "out to x = 2.2 at step 3", lambda: (momentum_x.max(), int(momentum_x.argmax()))),
        (4, "It still converges, at step 868", lambda: runs.converged_at("momentum", 0.01)),
        (4, "Adam at the same rate converges at step 635", lambda: adam_at(0.01)),
        (
            4,
            "at η = 0.003 only after about 1,600 steps",
            lambda: abs(adam_at(0.003) - 1600) <= 50,  # 1,583 on one machine, 1,576 on another
        ),
        (
            5,
            "at η = 0.01 it ends at a loss of 0.026",
            lambda: (0.01, runs.losses("rmsprop", 0.01)[-1]) if rms else NAN,
        ),
    ]


# --- 8. the catapult -------------------------------------------------------------------------


def catapult():
    three = played("catapult", 5, sharpness=True)
    lam0 = three.initial_sharpness()
    small, mid = three.sharpness("sgd", 0.03), three.sharpness("sgd", 0.06)
    loss_small, loss_mid = three.losses("sgd", 0.03), three.losses("sgd", 0.06)
    cfg = config("catapult", 1)
    below = int(np.flatnonzero(mid < 2 / 0.06)[0])
    return [
        (
            1,
            "16 hidden units and 100 generated samples, seed 6",
            lambda: (
                (cfg.hidden, three.experiment.data.x.shape[0], cfg.seed)
                if cfg.dataset.kind == "generated" and cfg.dataset.noise == 0
                else NAN
            ),
        ),
        (1, "λ₀ = 61.06", lambda: lam0),
        (1, "so 2/λ₀ = 0.0328", lambda: 2 / lam0),
        (2, "At η = 0.03, 0.92 × 2/λ₀", lambda: (0.03, 0.03 / (2 / lam0))),
        (2, "loss falls on every step", lambda: bool((np.diff(loss_small) < 0).all())),
        (
            2,
            "λ stays between 57 and 64, below 2/η",
            lambda: (small.min(), small.max()) if small.max() < 2 / 0.03 else NAN,
        ),
        (3, "η = 0.06 (1.83 × 2/λ₀)", lambda: (0.06, 0.06 * lam0 / 2)),
        (3, "η = 0.1 (3.05 ×)", lambda: (0.1, 0.1 * lam0 / 2)),
        (3, "play 10 steps", lambda: lesson("catapult").steps[2].action.until_step),
        (
            3,
            "At η = 0.06 λ drops below 2/η ≈ 33 at step 6, to 21.9",
            lambda: (0.06, 2 / 0.06, below, mid[below]),
        ),
        (
            4,
            "At η = 0.06 it leaps from 1.36 to 18.4 at step 5",
            lambda: (0.06, loss_mid[0], loss_mid.max(), int(loss_mid.argmax())),
        ),
        (
            5,
            "At η = 0.06 λ stays between 21 and 24, well below 2/η ≈ 33",
            lambda: (0.06, mid[below:].min(), mid[below:].max(), 2 / 0.06),
        ),
        (5, "the loss ends at 0.0088 (1,000 steps)", lambda: (loss_mid[-1], len(loss_mid))),
        (5, "below η = 0.03's 0.0168", lambda: (0.03, loss_small[-1])),
        (
            5,
            "At η = 0.1 (3.05 ×) the throw finds no flat enough place: it diverges at step 53",
            lambda: (0.1, 0.1 * lam0 / 2, diverged_at(three, "sgd", 0.1)),
        ),
    ]


# --- 9. noise --------------------------------------------------------------------------------


def noise():
    def run(step: int):
        return played("noise", step, sharpness=True)

    def mean_ratio(step: int) -> float:
        lam = run(step).sharpness("sgd", 0.1)
        return float(lam[2500:5000].mean() / run(step).threshold("sgd", 0.1))

    def peak(step: int) -> float:
        return float(run(step).sharpness("sgd", 0.1).max())

    full = run(1).experiment
    return [
        (
            1,
            "SGD alone at η = 0.1, with mini-batches of 20",
            lambda: (0.1, config("noise", 1).batch_size) if full.data.x.shape[0] == 20 else NAN,
        ),
        (1, "2/η = 20 and hovers", lambda: run(1).threshold("sgd", 0.1)),
        (1, "its mean is 1.00 × 2/η", lambda: mean_ratio(1)),
        (2, "mini-batches of 10", lambda: config("noise", 2).batch_size),
        (2, "all 20 samples", lambda: run(2).experiment.data.x.shape[0]),
        (2, "it peaks at 17.1", lambda: peak(2) if peak(2) < 20 else NAN),
        (2, "0.65 × 2/η", lambda: mean_ratio(2)),
        (
            3,
            "Batches of 5: each step sees a quarter",
            lambda: (
                batch
                if 4 * (batch := config("noise", 3).batch_size) == full.data.x.shape[0]
                else NAN
            ),
        ),
        (3, "λ peaks at 14.9 and averages 0.58", lambda: (peak(3), mean_ratio(3))),
        (
            4,
            "Batches of 2: λ peaks at 11.7 and averages 0.51",
            lambda: (config("noise", 4).batch_size, peak(4), mean_ratio(4)),
        ),
    ]


CURVATURE_CLAIMS = {
    "edge-of-stability": edge_of_stability,
    "saddles": saddles,
    "valleys": valleys,
    "catapult": catapult,
    "noise": noise,
}
