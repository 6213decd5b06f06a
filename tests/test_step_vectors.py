"""A step as vectors (issue 20): on the bowl x²/2 + 25y² at η = 0.03 the −η∇f arrow is −η·∇f to
the bit, the terms a rule names add up to its step, and the step taken is where the run goes."""

import numpy as np
import pytest

from engine.analysis.inspection import inspect_run
from engine.analysis.plane import Plane
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.optimizers.terms import GRADIENT_STEP, STEP_TAKEN
from engine.optimizers.user_code import OptimizerCode
from tests.student_code import MOMENTUM

LR = 0.03
RULES = [
    ("sgd", {}),
    ("momentum", {}),
    ("rmsprop", {}),
    ("adam", {}),
    ("adam", {"bias_correction": True}),
    ("adam_torch", {}),
    ("momentum_torch", {}),
    ("nesterov", {}),
    ("adagrad", {}),
]


def bowl(name: str, params: dict, dtype: str = "float64") -> BatchedExperiment:
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create(name, params),),
        learning_rates=(LR,),
        problem="bowl",
        stop_loss=0.0,
        max_steps=50,
        dtype=dtype,
    )
    return BatchedExperiment(config)


def vectors_after(experiment: BatchedExperiment, steps: int):
    experiment.step(steps)
    return inspect_run(experiment, 0, 0).vectors


def by_label(vectors) -> dict[str, np.ndarray]:
    return {arrow.label: arrow.vector for arrow in vectors.arrows}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sgd_arrow_is_minus_lr_times_the_gradient_exactly(dtype):
    vectors = vectors_after(bowl("sgd", {}, dtype), 5)
    x, y = vectors.theta.astype(dtype)  # θ as the engine holds it
    lr = np.asarray(LR, dtype=dtype)
    expected = -(lr * np.array([x, np.asarray(50, dtype=dtype) * y], dtype=dtype))  # ∇f = (x, 50y)
    assert np.array_equal(by_label(vectors)[GRADIENT_STEP], expected.astype(np.float64))
    assert [arrow.label for arrow in vectors.parts] == [GRADIENT_STEP]


@pytest.mark.parametrize("name, params", RULES, ids=[f"{n}{p}" for n, p in RULES])
def test_step_taken_is_where_the_run_goes_next(name, params):
    experiment = bowl(name, params)
    vectors = vectors_after(experiment, 6)
    experiment.step(1)
    after = np.concatenate([v.reshape(-1) for v in experiment.snapshot(0).params.values()])
    # θ_{t+1} − θ_t in float64 from the engine's own float64 θs: equal to the bit
    assert np.array_equal(vectors.theta + by_label(vectors)[STEP_TAKEN], after)
    assert vectors.arrows[0].label.startswith(GRADIENT_STEP)
    assert vectors.arrows[-1].label == STEP_TAKEN


@pytest.mark.parametrize("name, params", [r for r in RULES if r[0] != "adagrad"])
def test_the_rules_parts_add_up_to_its_step(name, params):
    vectors = vectors_after(bowl(name, params), 6)
    parts = vectors.parts
    assert parts, f"{name} names the terms of its step"
    total = np.sum([arrow.vector for arrow in parts], axis=0)
    # the rule adds its terms and subtracts them from θ in float64; the sum here rounds
    # differently: a few ulps of |θ| (the subtraction) plus of each term, no more
    ulp = np.finfo(np.float64).eps
    scale = np.abs(vectors.theta) + np.sum([np.abs(a.vector) for a in parts], axis=0)
    assert np.all(np.abs(total - vectors.step.vector) <= 4 * ulp * scale)
    assert not np.array_equal(total, 0)


def test_momentum_parts_are_the_velocity_kept_and_the_gradients_share():
    experiment = bowl("momentum", {})
    experiment.step(3)
    _, state, _, _ = experiment.run_tensors(0)
    m_prev = state["m"][0].numpy()
    vectors = inspect_run(experiment, 0, 0).vectors
    x, y = vectors.theta
    kept, share = (arrow.vector for arrow in vectors.parts)
    assert np.array_equal(kept, -(LR * (0.9 * m_prev)))
    assert np.array_equal(share, -(LR * ((1 - 0.9) * np.array([x, 50 * y]))))


def test_adam_after_scaling_is_its_step():
    vectors = vectors_after(bowl("adam", {"bias_correction": True}), 4)
    (scaled,) = vectors.parts
    assert scaled.label == "−η·m̂/(√v̂+ε)"
    assert np.allclose(scaled.vector, vectors.step.vector, rtol=0, atol=1e-15)


def test_mlp_vectors_project_on_a_plane_with_their_share_in_it():
    config = ExperimentConfig(learning_rates=(0.1,), optimizers=(OptimizerSpec.create("momentum"),))
    experiment = BatchedExperiment(config)
    vectors = vectors_after(experiment, 3)
    size = vectors.theta.size
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.normal(size=(size, 2)))
    plane = Plane(vectors.theta, basis.T, "random", "test", ("a", "b"))
    for arrow in vectors.arrows:
        v = arrow.vector
        shadow = (basis.T @ v) @ basis.T  # the projection, by hand
        share = plane.share_in_plane(v)
        assert 0 <= share <= 100
        assert share == pytest.approx(100 * np.linalg.norm(shadow) / np.linalg.norm(v), rel=1e-12)
        assert plane.direction(v) == pytest.approx(basis.T @ v, rel=1e-12)


def test_a_students_optimizer_shows_its_state_vectors_by_name():
    code = OptimizerCode(MOMENTUM, "mine.py")
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("ignored", {}, code),),
        learning_rates=(LR,),
        problem="bowl",
        stop_loss=0.0,
        dtype="float64",
    )
    experiment = BatchedExperiment(config)
    experiment.step(3)
    vectors = inspect_run(experiment, 0, 0).vectors
    _, state, _, _ = experiment.run_tensors(0)
    x, y = vectors.theta
    gradient, m, step = vectors.arrows
    assert [a.label for a in vectors.arrows] == [GRADIENT_STEP, "m", STEP_TAKEN]
    assert np.array_equal(gradient.vector, -(LR * np.array([x, 50 * y])))
    g = np.array([x, 50 * y])
    assert np.array_equal(m.vector, 0.9 * state["m"][0].numpy() + (1 - 0.9) * g)  # as they wrote it
    assert not vectors.parts  # nothing in a student's state is known to add up to the step
