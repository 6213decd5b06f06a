"""The inspector: the numbers equal the engine's, and the breakdown's Δθ is the real change."""

import numpy as np
import pytest

from engine.analysis.inspection import inspect_run, weight_names
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment

SPECS = [
    ("sgd", {}),
    ("momentum", {}),
    ("rmsprop", {}),
    ("adam", {"bias_correction": True}),
    ("adamw", {}),
    ("nadam", {}),
    ("lion", {}),
]


@pytest.mark.parametrize("name, params", SPECS, ids=[s[0] for s in SPECS])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_breakdown_delta_is_the_actual_parameter_change(name, params, dtype):
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create(name, params),),
        learning_rates=(0.01, 0.1),
        stop_loss=0.0,
        dtype=dtype,
    )
    experiment = BatchedExperiment(config)
    experiment.step(7)
    for run in experiment.runs:
        for weight in (0, 9, 13):  # W1[0,0], b1 and b2
            inspection = inspect_run(experiment, run.index, weight)
            before = inspection.snapshot
            assert before.step == 7
            breakdown = inspection.breakdown
            assert breakdown.weight == weight_names(experiment)[weight]
            flat_before = np.concatenate([before.params[k].reshape(-1) for k in before.params])
            assert breakdown.theta == flat_before[weight]
            flat_grad = np.concatenate([before.gradient[k].reshape(-1) for k in before.gradient])
            assert breakdown.gradient == pytest.approx(flat_grad[weight], rel=1e-6, abs=1e-9)
        probe = {w: inspect_run(experiment, run.index, w).breakdown for w in (0, 9, 13)}
        copy = BatchedExperiment(config)
        copy.step(8)
        after = copy.snapshot(run.index)
        flat_after = np.concatenate([after.params[k].reshape(-1) for k in after.params])
        for weight, breakdown in probe.items():
            tolerance = 1e-12 if dtype == "float64" else 1e-6
            assert breakdown.new_theta == pytest.approx(
                flat_after[weight], rel=tolerance, abs=tolerance
            )
            assert breakdown.delta == pytest.approx(
                flat_after[weight] - breakdown.theta,
                rel=1e-4 if dtype == "float32" else 1e-9,
                abs=1e-7 if dtype == "float32" else 1e-15,
            )


def test_adam_breakdown_fills_in_the_rule():
    """θ − η·m̂/(√v̂ + ε) computed from the breakdown's own numbers gives its θ after."""
    spec = OptimizerSpec.create("adam", {"bias_correction": True})
    experiment = BatchedExperiment(
        ExperimentConfig(optimizers=(spec,), learning_rates=(0.05,), dtype="float64")
    )
    experiment.step(4)
    b = inspect_run(experiment, 0, 13).breakdown  # b2: its gradient is never zero here
    assert b.gradient != 0
    terms = dict(b.terms)
    assert b.state_after["step"] == 5.0
    assert terms["1 − β₁ᵗ"] == pytest.approx(1 - 0.9**5)
    assert terms["m̂ = m / (1 − β₁ᵗ)"] == pytest.approx(b.state_after["m"] / (1 - 0.9**5))
    assert b.state_after["m"] == pytest.approx(0.9 * b.state_before["m"] + 0.1 * b.gradient)
    expected = b.theta - b.lr * terms["m̂ = m / (1 − β₁ᵗ)"] / terms["√v̂ + ε"]
    assert b.new_theta == pytest.approx(expected, rel=1e-12)
    assert b.effective_step == pytest.approx(abs(b.delta / b.gradient))
    assert any(line.startswith("Δθ") for line in b.lines())


def test_a_stopped_run_has_no_next_update():
    experiment = BatchedExperiment(
        ExperimentConfig(optimizers=(OptimizerSpec.create("sgd"),), learning_rates=(0.1,))
    )
    experiment.run_to_end()
    assert inspect_run(experiment, 0, 0).breakdown is None


def steps(window):
    return 0 if window.session.latest is None else window.session.steps_taken


def test_the_inspector_follows_the_chosen_run_as_the_user_steps(window, qtbot):
    inspector = window.inspector
    inspector.optimizer_box.setCurrentIndex(3)  # Adam
    inspector.lr_box.setCurrentIndex(2)  # 0.1
    run = inspector.run
    assert window.session.started.runs[run].optimizer.name == "adam"
    for n in (1, 2, 3):
        window.step()
        qtbot.waitUntil(lambda n=n: steps(window) == n)
    qtbot.waitUntil(lambda: "step 3," in inspector.summary.text())
    reference = BatchedExperiment(ExperimentConfig())
    reference.step(3)
    snap = reference.snapshot(run)
    w1 = snap.params["W1"].reshape(-1)
    assert [float(inspector.table.item(i, 0).text()) for i in range(9)] == pytest.approx(
        [float(f"{v:.4g}") for v in w1]
    )
    m_column = [
        inspector.table.horizontalHeaderItem(c).text() for c in range(inspector.table.columnCount())
    ].index("m")
    assert float(inspector.table.item(0, m_column).text()) == pytest.approx(
        float(f"{snap.state['m']['W1'].reshape(-1)[0]:.4g}")
    )
    assert "Δθ" in inspector.breakdown.text()
    inspector.table.setCurrentCell(13, 0)  # b2
    qtbot.waitUntil(lambda: "θ  (b2)" in inspector.breakdown.text())


def test_clicking_a_curve_inspects_its_run(window, qtbot):
    window.step()
    qtbot.waitUntil(lambda: steps(window) == 1)
    target = next(
        r for r in window.session.started.runs if r.optimizer.name == "rmsprop" and r.lr_index == 1
    )
    window.grid.run_clicked.emit(target.index)
    assert window.inspector.run == target.index
    qtbot.waitUntil(lambda: "RMSprop" in window.inspector.summary.text())


def test_while_playing_the_numbers_refresh_and_end_on_the_last_step(window, qtbot):
    from gui.plotting.pacing import SPEED_STEPS

    window.inspector.optimizer_box.setCurrentIndex(0)
    arrivals = []
    window.engine.inspected.connect(arrivals.append)
    window.view.update(speed=SPEED_STEPS)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.session.done, timeout=60_000)
    qtbot.waitUntil(lambda: not window.session.playing)
    # how often they come while playing is the engine's to say (tests/test_live_session.py)
    assert len(arrivals) >= 1
    final = window.session.latest.summaries[arrivals[-1].snapshot.run.index].steps
    assert arrivals[-1].snapshot.step == final


def test_the_inspector_and_panels_show_the_stability_limit(window, qtbot):
    from engine.analysis.stability import initial_stability

    limit = initial_stability(ExperimentConfig()).limit
    assert f"2/λ₀ = {limit:.3g}" in window.grid.panels[3].plot.titleLabel.text
    window.inspector.optimizer_box.setCurrentIndex(0)
    window.inspector.lr_box.setCurrentIndex(3)  # η = 1, above 2/λ₀ = 0.16
    qtbot.waitUntil(lambda: "η = 1 — step 0," in window.inspector.summary.text())
    assert "(η is above it)" in window.inspector.summary.text()  # 2/λ₀ = 0.16
    window.step()
    # one step at η = 1 kills every ReLU unit: only b2 still moves the loss, whose curvature
    # is then exactly 2, so 2/λ = 1 = η and SGD bounces on the spot (the flat 16.35 curve)
    qtbot.waitUntil(lambda: "η = 1 — step 1," in window.inspector.summary.text())
    assert "λ_max = 2, 2/λ = 1 (η is at it)" in window.inspector.summary.text()
