"""The claims of the lessons on the article's network: the article, dead units, Adam then SGD,
luck and write your own (see tests/test_lesson_claims.py for what a claim is)."""

from __future__ import annotations

import numpy as np

from engine.analysis.rule_check_run import check_rule
from engine.experiment.runs import RunStatus
from engine.experiment.seeds import BAND
from engine.optimizers.user_code import OptimizerCode
from tests.lesson_runs import (
    ARTICLE_OPTIMIZERS,
    NAN,
    at_step,
    config,
    labels_variance,
    only_b2_learns,
    played,
    same_when_rounded,
    units_dead,
)

# --- 1. the article --------------------------------------------------------------------------


def article():
    four = played("article", 3)
    single = played("article", 4, sharpness=True)
    sgd1 = single.losses("sgd", 1.0)
    lam = single.sharpness("sgd", 1.0)
    first_at_001 = min(four.converged_at(o, 0.01) for o in ARTICLE_OPTIMIZERS)
    cfg = config("article", 1)
    return [
        (1, "3 ReLU units", lambda: cfg.hidden if cfg.activation == "relu" else NAN),
        (1, "14 parameters", lambda: four.experiment.problem.size),
        (1, "learns 5 samples", lambda: four.experiment.data.x.shape[0]),
        (1, "η = 0.001, 0.01, 0.1 and 1", lambda: cfg.learning_rates == (0.001, 0.01, 0.1, 1.0)),
        (1, "λ₀ = 12.45", four.initial_sharpness),
        (1, "2/λ₀ = 0.16", lambda: 2 / four.initial_sharpness()),
        (2, "stop loss of 0.1", lambda: config("article", 2).stop_loss),
        (2, "within 1,000 steps", lambda: config("article", 2).max_steps),
        (
            3,
            "At η = 0.001 nobody gets there",
            lambda: all(
                four.status(o, 0.001)[0] == RunStatus.MAX_STEPS for o in ARTICLE_OPTIMIZERS
            ),
        ),
        (
            3,
            "At η = 0.01 momentum is first, at step 105",
            lambda: (
                0.01,
                four.converged_at("momentum", 0.01)
                if four.converged_at("momentum", 0.01) == first_at_001
                else NAN,
            ),
        ),
        (3, "then SGD at step 115", lambda: four.converged_at("sgd", 0.01)),
        (
            3,
            "need 308 and 301 steps",
            lambda: (four.converged_at("rmsprop", 0.01), four.converged_at("adam", 0.01)),
        ),
        (
            3,
            "At η = 1 momentum, RMSprop and Adam converge within 6 steps",
            lambda: (1, max(four.converged_at(o, 1.0) for o in ARTICLE_OPTIMIZERS[1:])),
        ),
        (3, "SGD does not", lambda: four.status("sgd", 1.0)[0] == RunStatus.MAX_STEPS),
        (4, "SGD at η = 1 alone", lambda: config("article", 4).learning_rates == (1.0,)),
        (4, "λ starts at 12.45", lambda: lam[0]),
        (4, "far above 2/η = 2", lambda: 2 / 1.0 if lam[0] > 2 / 1.0 else NAN),
        (4, "after the first step it is exactly 2", lambda: bool(np.all(lam[1:] == 2.0))),
        (4, "here −1", lambda: 1 - 1.0 * lam[1]),
        (5, "jumps from 13.26", lambda: sgd1[0]),
        (
            5,
            "to 16.35 at step 1 and stays there",
            lambda: (sgd1[1], 1) if (sgd1[1:] == sgd1[1]).all() else NAN,
        ),
        (5, "η far above 2/λ₀ = 0.16", lambda: 2 / single.initial_sharpness()),
        (5, "Why λ is exactly 2", lambda: lam[-1]),
    ]


# --- 2. dead units ---------------------------------------------------------------------------


def dead_units():
    run = played("dead-units", 5, paths=True)
    sgd = run.losses("sgd", 1.0)
    at_50 = at_step("dead-units", 1, 50)
    after = played("dead-units", 3, sharpness=True)
    b_star = float(run.experiment.data.y.double().mean())

    def error_factor(to: float | None, at: int) -> float:
        """b2's error after step ``at`` over before it, on the run (or its branch to ``to``)."""
        path = run.path("sgd", 1.0) if to is None else run.path("sgd", 1.0, 50, to=to)
        b2 = path[:, -1].astype(np.float64) - b_star
        return b2[at + 1] / b2[at]

    half = run.losses("sgd", 1.0, 50, to=0.5)
    branch_end = at_step("dead-units", 3, 150)
    branch = branch_end.runs[-1].index
    return [
        (1, "SGD at η = 1", lambda: config("dead-units", 1).learning_rates == (1.0,)),
        (1, "stop loss at 0 and 150 steps", lambda: (config("dead-units", 1).stop_loss, 150)),
        (1, "After one step its loss is 16.35", lambda: sgd[1]),
        (1, "never moves again", lambda: bool((sgd[1:] == sgd[1]).all())),
        (1, "every weight's gradient is exactly 0 except b2's", lambda: only_b2_learns(at_50, 0)),
        (
            2,
            "each unit's input is now negative on all 5 samples",
            lambda: 5 if units_dead(at_50, 0) else NAN,
        ),
        (2, "its output and its gradients are 0", lambda: 0 if only_b2_learns(at_50, 0) else NAN),
        (2, "of curvature 2, the inspector's λ", lambda: after.sharpness("sgd", 1.0)[50]),
        (
            3,
            "at step 50 with η = 0.1",
            lambda: (run.experiment.runs[1].branch.step, run.experiment.runs[1].lr),
        ),
        (3, "levels off at 0.0308", lambda: run.losses("sgd", 1.0, 50, to=0.1)[-1]),
        (3, "every gradient but b2's is still 0", lambda: only_b2_learns(branch_end, branch)),
        (3, "0.0308 is the labels' variance", lambda: labels_variance("dead-units", 3)),
        (
            4,
            "at step 50, with η = 0.5",
            lambda: (run.experiment.runs[2].branch.step, run.experiment.runs[2].lr),
        ),
        (
            4,
            "−1 at η = 1, 0.8 at η = 0.1, and 0 at η = 0.5",
            lambda: (
                error_factor(None, 20),
                1,
                error_factor(0.1, 60),
                0.1,
                error_factor(0.5, 50),
                0.5,
            ),
        ),
        (
            4,
            "lands on 0.0308 in a single step, at step 51",
            lambda: (half[51], int(np.flatnonzero(np.abs(half - half[-1]) < 1e-6)[0])),
        ),
        (
            5,
            "the same η = 0.1 from step 0",
            lambda: (run.experiment.runs[3].lr, run.experiment.runs[3].branch.step),
        ),
        (5, "ends at 0.0012", lambda: run.losses("sgd", 1.0, 0)[-1]),
    ]


# --- 3. Adam, then SGD -----------------------------------------------------------------------


def adam_then_sgd():
    both = played("adam-then-sgd", 2)
    longer = played("adam-then-sgd", 4)
    start, at_50 = at_step("adam-then-sgd", 3, 0), at_step("adam-then-sgd", 3, 50)
    paths = played("adam-then-sgd", 3, paths=True)

    def alive_units(experiment) -> int:
        params = experiment.snapshot(0).params
        hidden = experiment.data.x.numpy() @ params["W1"] + params["b1"]
        return int((hidden > 0).any(axis=0).sum())

    b2 = paths.path("adam", 0.01)[:, -1].astype(np.float64)
    finals = [longer.losses("adam", 0.01)[-1], longer.losses("adam", 0.01, 100)[-1]]
    return [
        (
            1,
            "Adam and SGD at η = 0.01",
            lambda: config("adam-then-sgd", 1).learning_rates == (0.01,),
        ),
        (1, "stop loss of 0.1", lambda: config("adam-then-sgd", 1).stop_loss),
        (1, "at step 115", lambda: both.converged_at("sgd", 0.01)),
        (1, "Adam needs 301 steps", lambda: both.converged_at("adam", 0.01)),
        (2, "Branch Adam at step 100", lambda: both.experiment.runs[2].branch.step),
        (
            2,
            "converges at step 207, 94 steps sooner",
            lambda: (
                both.converged_at("adam", 0.01, 100),
                both.converged_at("adam", 0.01) - both.converged_at("adam", 0.01, 100),
            ),
        ),
        (3, "At the start one ReLU unit is alive", lambda: alive_units(start) == 1),
        (
            3,
            "at step 50 that unit is dead: the inspector shows every gradient but b2's at 0",
            lambda: (50, 0) if units_dead(at_50, 0) and only_b2_learns(at_50, 0) else NAN,
        ),
        (3, "by 0.01 a step", lambda: same_when_rounded(np.abs(np.diff(b2[60:100])), 2)),
        (
            4,
            "Set the stop loss to 0 and train 400 steps",
            lambda: (config("adam-then-sgd", 4).stop_loss, config("adam-then-sgd", 4).max_steps),
        ),
        (
            4,
            "both level off at 0.0308",
            lambda: same_when_rounded([*finals, labels_variance("adam-then-sgd", 4)], 4),
        ),
        (4, "is at 0.0074", lambda: longer.losses("sgd", 0.01)[-1]),
    ]


# --- 7. how much is luck ---------------------------------------------------------------------


def luck():
    one = played("luck", 1)
    many = played("luck", 2)
    experiment = many.experiment

    def draws(optimizer: str, lr: float):
        return [
            experiment.summary(r.index)
            for r in experiment.runs
            if r.optimizer.key == optimizer and r.lr == lr
        ]

    def converged(optimizer: str, lr: float) -> list[int]:
        return [s.status_step for s in draws(optimizer, lr) if s.status == RunStatus.CONVERGED]

    steps = converged("sgd", 0.01)
    at_one = draws("sgd", 1.0)
    none_at_0001 = all(one.status(o, 0.001)[0] == RunStatus.MAX_STEPS for o in ARTICLE_OPTIMIZERS)
    return [
        (1, "SGD at η = 0.01 converges at step 115", lambda: (0.01, one.converged_at("sgd", 0.01))),
        (
            1,
            "At η = 0.001 no optimizer converges within 1,000 steps",
            lambda: (0.001, config("luck", 1).max_steps) if none_at_0001 else NAN,
        ),
        (2, "Now 32 seeds", lambda: config("luck", 2).seeds),
        (2, "from 32 draws", lambda: len(draws("sgd", 0.01))),
        (2, "at η = 0.001", lambda: 0.001 in config("luck", 2).learning_rates),
        (3, "from the 10th to the 90th percentile", lambda: BAND),
        (
            3,
            "At η = 0.001, 6 of SGD's 32 draws converge, and 9 of Adam's",
            lambda: (
                0.001,
                len(converged("sgd", 0.001)),
                len(draws("sgd", 0.001)),
                len(converged("adam", 0.001)),
            ),
        ),
        (
            3,
            "At η = 0.01 all 32 SGD draws converge, anywhere from step 4 to step 453 (median 147)",
            lambda: (0.01, len(steps), min(steps), max(steps), float(np.median(steps))),
        ),
        (3, "step 115 was one draw's luck", lambda: draws("sgd", 0.01)[0].status_step),
        (
            4,
            "At η = 1 not one of SGD's 32 draws converges, and not one blows up",
            lambda: (
                (1, len(at_one)) if all(s.status == RunStatus.MAX_STEPS for s in at_one) else NAN
            ),
        ),
    ]


# --- 10. write your own ----------------------------------------------------------------------


def write_your_own():
    def same_curves(step: int, builtin: str) -> bool:
        experiment = played("write-your-own", step).experiment
        losses = experiment.loss_buffer
        mine = [r.index for r in experiment.runs if r.optimizer.written_by_user]
        theirs = [r.index for r in experiment.runs if r.optimizer.key == builtin]
        return len(mine) == len(theirs) == 4 and np.array_equal(
            losses[mine], losses[theirs], equal_nan=True
        )

    momentum = config("write-your-own", 2).optimizers[0]
    wrong = momentum.code.source.replace("(1 - beta) * grads", "grads")

    def wrong_check() -> bool:
        result = check_rule(OptimizerCode(wrong, "my_momentum.py"), None, "momentum")
        return not result.equal and "at step 1" in result.message and "10×" in result.message

    return [
        (1, "Its curves lie exactly on SGD's, to the last bit", lambda: same_curves(1, "sgd")),
        (2, "with β = 0.9", lambda: momentum.params["beta"]),
        (
            2,
            "*equals Momentum (β = 0.9) bit for bit*",
            lambda: (
                check_rule(momentum.code, None, "momentum").message
                == "equals Momentum (β = 0.9) bit for bit"
            ),
        ),
        (
            3,
            "the same curves in all four panels, to the last bit",
            lambda: same_curves(3, "momentum"),
        ),
        (3, "it names the step and the factor it is off by", wrong_check),
    ]


NET_CLAIMS = {
    "article": article,
    "dead-units": dead_units,
    "adam-then-sgd": adam_then_sgd,
    "luck": luck,
    "write-your-own": write_your_own,
}
