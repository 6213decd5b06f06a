"""File → Export figure shows what the screen shows, in every view: the loss, the loss on a log
axis, the learning rate (with a cosine schedule, the case that once exported the losses clipped
to the learning-rate axes), the sharpness, and Predict mode's cards. Each export is read back
(the SVG's text, the PNG's settings, the GIF's comment) and its scene compared with the window's
panels and with numbers computed here on their own."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.analysis.sharpness import SharpnessTracker
from engine.config.settings import ExperimentConfig, schedule_spec
from engine.experiment.batched import BatchedExperiment
from gui.export.figure import Figure
from gui.export.offscreen import SETTINGS_KEY
from gui.plotting.themes import DEFAULT
from gui.state.view_state import Quantity
from tests.windows import action, open_main_window, temporary_settings

T_MAX = 20
COSINE = ExperimentConfig(schedule=schedule_spec("cosine", {"T_max": T_MAX}))
STEPS = 8
LABELS = {
    Quantity.LOSS: "loss (MSE)",
    Quantity.LEARNING_RATE: "learning rate",
    Quantity.SHARPNESS: "sharpness (log scale)",
}


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(config=COSINE):
        return open_main_window(qtbot, temporary_settings(tmp_path), config)

    return make


def step_to(window, qtbot, target: int) -> None:
    while window.session.steps_taken < target:
        before = window.session.steps_taken
        window.step()
        qtbot.waitUntil(lambda b=before: window.session.steps_taken == b + 1)
    window.refresh_now()


def label(panel) -> str:
    """The left axis' label as drawn, without its markup: 'learning rate (x0.001)'."""
    return re.sub(r"<[^>]+>", "", panel.plot.getAxis("left").labelString()).strip()


def svg_texts(path) -> list[str]:
    return [
        "".join(element.itertext()).strip()
        for element in ET.parse(path).iter()
        if element.tag.endswith("text")
    ]


def png_settings(path) -> dict:
    with Image.open(path) as image:
        return json.loads(image.text[SETTINGS_KEY])


def exported(window, tmp_path) -> tuple[list[str], dict]:
    """The window's figure exported as SVG (its text) and PNG (its settings)."""
    svg, png = tmp_path / "figure.svg", tmp_path / "figure.png"
    assert window.files.export_figure(str(svg)), window.errors
    assert window.files.export_figure(str(png), scale=1), window.errors
    return svg_texts(svg), png_settings(png)


def shown_curves(panel_or_layer) -> dict[int, np.ndarray]:
    """The y of each shown curve: a loss panel's, or a Sharpness layer's lanes (all points)."""
    lanes = getattr(panel_or_layer, "lane_points", None)
    return {
        index: np.asarray(curve.getData()[1] if lanes is None else lanes(index)[1])
        for index, curve in panel_or_layer.curves.items()
        if curve.isVisible()
    }


def assert_figure_is_the_screen(window, quantity: Quantity, log_y: bool):
    """The exported scene, panel by panel: the window's axis label and y range, the same curves."""
    state = window.files.figure_state()
    assert (state.quantity, state.log_y) == (quantity, log_y)
    with Figure(state, DEFAULT) as figure:
        pairs = list(zip(window.grid.panels, figure.grid.panels, strict=True))
        layers = list(zip(window.grid.layers, figure.grid.layers, strict=True))
        for (screen, drawn), (screen_layer, drawn_layer) in zip(pairs, layers):
            assert label(drawn) == label(screen)
            assert LABELS[quantity] in label(drawn)
            np.testing.assert_allclose(
                drawn.plot.getViewBox().viewRange()[1], screen.plot.getViewBox().viewRange()[1]
            )
            if quantity is Quantity.SHARPNESS:
                screen_curves, drawn_curves = shown_curves(screen_layer), shown_curves(drawn_layer)
                assert not shown_curves(drawn)  # no losses under the sharpness
            else:
                screen_curves, drawn_curves = shown_curves(screen), shown_curves(drawn)
            assert drawn_curves.keys() == screen_curves.keys() and drawn_curves
            for index, values in drawn_curves.items():
                np.testing.assert_allclose(values, screen_curves[index], rtol=1e-12)
        return {index: shown_curves(drawn) for index, drawn in enumerate(figure.grid.panels)}


@pytest.mark.parametrize("log_y", [False, True], ids=["loss", "log-loss"])
def test_the_loss_view_exports_the_losses_on_the_screens_axis(make_window, qtbot, tmp_path, log_y):
    window = make_window()
    window.view.update(log_y=log_y)
    step_to(window, qtbot, STEPS)
    texts, settings = exported(window, tmp_path)
    assert "loss (MSE)" in texts and not any("learning rate" in t for t in texts)
    assert settings["log_y"] is log_y and "view" not in settings
    curves = assert_figure_is_the_screen(window, Quantity.LOSS, log_y)
    expected = BatchedExperiment(COSINE)
    expected.step(STEPS)
    for run in window.session.started.runs:
        losses = expected.losses(run.index)[:STEPS]
        want = np.log10(losses) if log_y else losses
        np.testing.assert_allclose(curves[run.lr_index][run.index], want, rtol=1e-12)


def test_the_learning_rate_view_exports_the_cosine_schedule_not_clipped_losses(
    make_window, qtbot, tmp_path
):
    """The bug this guards: the export had no entry for this view and drew the losses, clipped
    to the learning-rate axes ('loss (MSE) (x0.001)' from 0 to 1): four nearly empty panels."""
    window = make_window()
    step_to(window, qtbot, STEPS)
    action(window, "learning_rate").trigger()
    window.refresh_now()
    texts, settings = exported(window, tmp_path)
    assert any(t.startswith("learning rate") for t in texts)
    assert not any("loss (MSE)" in t for t in texts)
    assert settings["view"] == "learning rate"
    curves = assert_figure_is_the_screen(window, Quantity.LEARNING_RATE, False)
    state = window.files.figure_state()
    with Figure(state, DEFAULT) as figure:
        for panel, lr in zip(figure.grid.panels, COSINE.learning_rates):
            cosine = [lr * (1 + math.cos(math.pi * t / T_MAX)) / 2 for t in range(STEPS)]
            low, high = panel.plot.getViewBox().viewRange()[1]
            for values in curves[COSINE.learning_rates.index(lr)].values():
                assert len(values) > 1  # every step a run took (a diverged one stopped)
                np.testing.assert_allclose(values, cosine[: len(values)], rtol=1e-12)
                assert low <= values.min() and values.max() <= high  # on the axes, not off them
    gif = tmp_path / "animation.gif"
    assert window.files.export_animation(str(gif), every=4, fps=10), window.errors
    with Image.open(gif) as image:
        assert json.loads(image.info["comment"])["view"] == "learning rate"


def test_the_sharpness_view_exports_each_runs_sharpness(make_window, qtbot, tmp_path):
    window = make_window()
    window.view.update(quantity=Quantity.SHARPNESS)
    step_to(window, qtbot, STEPS)
    texts, settings = exported(window, tmp_path)
    assert "sharpness (log scale)" in texts and "loss (MSE)" not in texts
    assert settings["view"] == "sharpness"
    assert_figure_is_the_screen(window, Quantity.SHARPNESS, False)
    tracker = SharpnessTracker(BatchedExperiment(COSINE))
    tracker.step(STEPS)
    with Figure(window.files.figure_state(), DEFAULT) as figure:
        layer = figure.grid.layers[0]
        for run in layer.runs:
            computed = tracker.preconditioned if run.optimizer.optimizer.preconditioned else None
            values = (tracker.sharpness if computed is None else computed)[run.index, :STEPS]
            drawn = layer.lane_points(run.index)[1]
            np.testing.assert_allclose(drawn, np.log10(values), rtol=1e-9)


def test_predict_mode_exports_the_picks_on_the_screens_cards(make_window, qtbot, tmp_path):
    window = make_window(ExperimentConfig())
    window.view.update(predict=True)
    for key in (Qt.Key.Key_2, Qt.Key.Key_Down, Qt.Key.Key_1):  # SGD stalls, Momentum converges
        QTest.keyClick(window.grid, key)
    step_to(window, qtbot, STEPS)
    texts, settings = exported(window, tmp_path)
    assert any(t.startswith("Predictions") for t in texts)
    verdicts = settings["predictions"]["verdicts"]
    assert {"optimizer": "sgd", "lr": 0.001, "verdict": "stalls"} in verdicts
    assert {"optimizer": "momentum", "lr": 0.001, "verdict": "converges"} in verdicts
    assert_figure_is_the_screen(window, Quantity.LOSS, False)
    with Figure(window.files.figure_state(), DEFAULT) as figure:
        assert figure.cards is not None
        for screen, drawn in zip(window.predict.cards.cards, figure.cards.cards, strict=True):
            assert [line.toPlainText() for line in drawn.lines if line.isVisible()] == [
                line.toPlainText() for line in screen.lines if line.isVisible()
            ]
    window.view.update(predict=False)
    assert window.files.figure_state().predictions is None
