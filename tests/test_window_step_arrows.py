"""A step, drawn (issue 20), in the window: the followed run's update as arrows on its map while
paused or scrubbing, the same numbers in the inspector, → / ← moving them with the step shown;
on the MLP's plane the arrows are projections with their share of the plane in the caption."""

import re

import numpy as np
import pytest

from engine.config.problem_switch import config_for_problem
from engine.config.settings import OptimizerSpec
from engine.optimizers.terms import GRADIENT_SHARE, GRADIENT_STEP, STEP_TAKEN, VELOCITY
from tests.windows import action, open_landscape_window, temporary_settings

LR = 0.03


@pytest.fixture
def open_window(qtbot, tmp_path):
    def make(config, run: int):
        window = open_landscape_window(qtbot, temporary_settings(tmp_path), config)
        window.view.update(run=run)
        return window

    return make


def bowl(*optimizers: str):
    return config_for_problem("bowl").with_changes(
        optimizers=tuple(OptimizerSpec.create(name) for name in optimizers),
        learning_rates=(LR,),
        max_steps=40,
        dtype="float64",
    )


def arrows_at(window, qtbot, step: int | None, steps_taken: int) -> dict:
    """The arrows once they show the followed run at ``step`` (None: the latest, after
    ``steps_taken`` steps), by label."""
    layer = window.landscape.step_arrows

    def shown() -> bool:
        inspection = layer.inspection
        return (
            bool(layer.shown)
            and inspection.view_step == step
            and inspection.snapshot.step == steps_taken
        )

    qtbot.waitUntil(shown)
    return {arrow.label: arrow for arrow in layer.shown}


def inspector_lengths(window) -> dict[str, str]:
    """The inspector's |v| per vector, as the text shows it."""
    found = re.findall(r"^(.*?)\s+\|v\| (\S+)", window.inspector.vectors.text(), re.MULTILINE)
    return {label.strip(): value for label, value in found}


def step_once(window, qtbot, steps: int) -> None:
    action(window, "step").trigger()
    qtbot.waitUntil(lambda: window.landscape.paths.length == steps)  # θ₀ … θ_{steps−1}


def test_sgd_arrow_is_exactly_minus_lr_times_the_gradient_and_the_inspector_agrees(
    open_window, qtbot
):
    window = open_window(bowl("sgd"), run=0)
    for n in (1, 2):
        step_once(window, qtbot, n)
    arrows = arrows_at(window, qtbot, None, 2)
    x, y = arrows[GRADIENT_STEP].start  # θ₂, where the path goes next
    # ∇f = (x, 50y) of x²/2 + 25y², computed here; the arrow is −η∇f to the bit
    assert arrows[GRADIENT_STEP].vector == (-(LR * x), -(LR * (50 * y)))
    assert list(arrows) == [GRADIENT_STEP, STEP_TAKEN]
    lengths = inspector_lengths(window)
    assert lengths == {label: f"{a.length:.6g}" for label, a in arrows.items()}
    assert lengths[GRADIENT_STEP] == f"{np.hypot(LR * x, LR * 50 * y):.6g}"
    step_once(window, qtbot, 3)
    assert (x, y) == tuple(window.landscape.paths.parameters[0, 2])


def test_momentum_arrows_add_up_to_its_step_and_the_step_is_where_it_goes(open_window, qtbot):
    window = open_window(bowl("sgd", "momentum"), run=1)
    for n in (1, 2, 3):
        step_once(window, qtbot, n)
    arrows = arrows_at(window, qtbot, None, 3)
    parts = [a for a in window.landscape.step_arrows.shown if a.role in (VELOCITY, GRADIENT_SHARE)]
    assert len(parts) == 2
    total = np.sum([a.vector for a in parts], axis=0)
    step = np.array(arrows[STEP_TAKEN].vector)
    # the rule forms θ − η·(β·m + (1−β)·g) in float64; the arrows' sum and θ_{t+1} − θ_t round
    # differently: within a few ulps of |θ|, the largest number in the subtraction
    ulp = np.finfo(np.float64).eps
    assert np.all(np.abs(total - step) <= 4 * ulp * np.abs(arrows[STEP_TAKEN].start))
    assert inspector_lengths(window) == {label: f"{a.length:.6g}" for label, a in arrows.items()}
    before = np.array(arrows[STEP_TAKEN].start)
    step_once(window, qtbot, 4)  # → at the latest step takes the step drawn
    after = arrows_at(window, qtbot, None, 4)
    assert np.array_equal(np.array(after[STEP_TAKEN].start) - before, step)
    assert tuple(before) == tuple(window.landscape.paths.parameters[1, 3])


def test_arrows_hide_while_playing_and_follow_left_and_right(open_window, qtbot):
    window = open_window(bowl("momentum"), run=0)
    for n in (1, 2, 3):
        step_once(window, qtbot, n)
    latest = arrows_at(window, qtbot, None, 3)
    action(window, "back").trigger()  # ← to step 2: the arrows of the update made there
    back = arrows_at(window, qtbot, 2, 2)
    assert back[STEP_TAKEN].start == tuple(window.landscape.paths.parameters[0, 2])
    assert back[STEP_TAKEN].end == pytest.approx(latest[STEP_TAKEN].start, rel=0, abs=1e-15)
    assert back[GRADIENT_STEP].vector != latest[GRADIENT_STEP].vector
    action(window, "step").trigger()  # → on, to step 3: the latest again
    again = arrows_at(window, qtbot, None, 3)
    assert again[GRADIENT_STEP].vector == latest[GRADIENT_STEP].vector
    window.view.update(speed=5)  # a few steps a second
    window.toggle_play()
    qtbot.waitUntil(lambda: window.session.playing)
    qtbot.waitUntil(lambda: not window.landscape.step_arrows.shown)
    window.toggle_play()
    qtbot.waitUntil(lambda: not window.session.playing)
    qtbot.waitUntil(lambda: bool(window.landscape.step_arrows.shown))


def test_on_the_mlps_plane_arrows_are_projections_with_their_share_in_the_caption(
    open_window, qtbot
):
    window = open_window(config_for_problem("mlp").with_changes(max_steps=40), run=1)
    for n in (1, 2):
        step_once(window, qtbot, n)
    arrows = arrows_at(window, qtbot, None, 2)
    plane = window.landscape.map.plane
    vectors = window.landscape.step_arrows.inspection.vectors
    for arrow, sent in zip(arrows.values(), vectors.arrows):
        v = sent.vector
        shadow = np.linalg.lstsq(plane.basis.T, v, rcond=None)[0]  # the plane's coordinates
        share = 100 * np.linalg.norm(plane.basis.T @ shadow) / np.linalg.norm(v)
        assert 0 <= arrow.in_plane <= 100
        assert arrow.in_plane == pytest.approx(share, rel=1e-9)
        assert arrow.vector == pytest.approx(tuple(shadow), rel=1e-9, abs=1e-15)
        assert f"{arrow.label} {arrow.in_plane:.1f} %" in window.landscape.caption


def test_view_menus_step_arrows_hides_and_shows_them(open_window, qtbot):
    window = open_window(bowl("adam"), run=0)
    step_once(window, qtbot, 1)
    arrows = arrows_at(window, qtbot, None, 1)
    assert list(arrows) == [GRADIENT_STEP, "−η·m  (before ÷ (√v+ε))", "−η·m/(√v+ε)", STEP_TAKEN]
    toggle = action(window, "step_arrows")
    toggle.trigger()
    assert not window.view.step_arrows and not window.landscape.step_arrows.shown
    toggle.trigger()
    assert window.landscape.step_arrows.shown == tuple(arrows.values())
