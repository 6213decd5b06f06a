"""Predict, then reveal: picks by keyboard and mouse, locked by Play, marked and scored against
what the runs did (the article's experiment, seed 0), saved in experiment files and exports."""

import json

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

import main
from engine.config.settings import ConfigError, ExperimentConfig
from engine.experiment.batched import BatchedExperiment
from engine.experiment.predictions import (
    NO_OPTIMIZER,
    Predictions,
    Verdict,
    outcomes,
    predictions_from_dict,
    score,
)
from engine.experiment.runs import RunStatus
from engine.io.experiment_file import read_config_file, read_experiment_file
from engine.live.updates import full_update
from gui.export.figure import Figure, FigureState
from gui.export.offscreen import SETTINGS_KEY
from gui.plotting.pacing import SPEED_STEPS
from gui.plotting.themes import DEFAULT
from tests import reference
from tests.windows import action, open_main_window

ARTICLE = ExperimentConfig()  # the article's four optimizers at 0.001, 0.01, 0.1 and 1; seed 0
VERDICTS = {"converged": Verdict.CONVERGES, "max": Verdict.STALLS, "diverged": Verdict.BLOWS_UP}


@pytest.fixture(scope="module")
def truth():
    """Each run's fate and converging step by the independent one-run loop (float32, as the
    engine): verdicts per (optimizer, rate) and the first to converge per rate."""
    verdicts, first = {}, {}
    for lr in ARTICLE.learning_rates:
        steps = {}
        for spec in ARTICLE.optimizers:
            _, (status, step), _ = reference.one_run(
                spec.name, dict(spec.params), lr, dtype=torch.float32
            )
            verdicts[(spec.key, lr)] = VERDICTS[status]
            if status == "converged":
                steps[spec.key] = step
        best = min(steps.values(), default=None)
        first[lr] = {k for k, s in steps.items() if s == best} or {NO_OPTIMIZER}
    return verdicts, first


@pytest.fixture(scope="module")
def played():
    experiment = BatchedExperiment(ARTICLE)
    experiment.run_to_end()
    return experiment


def test_the_article_experiments_outcomes(truth, played):
    verdicts, first = truth
    assert verdicts[("sgd", 1.0)] is Verdict.STALLS  # SGD at η = 1 reaches max steps
    result = outcomes(ARTICLE, played.status, played.status_steps)
    assert result.done and dict(result.verdicts) == verdicts
    assert {lr: set(keys) for lr, keys in result.first.items()} == first
    assert first[0.001] == {NO_OPTIMIZER}  # nothing converges in 1000 steps at 0.001


def test_score_counts_right_picks_of_those_made(truth, played):
    verdicts, first = truth
    picks = Predictions()
    wrong = {("adam", 0.1), ("sgd", 1.0), ("rmsprop", 0.001)}
    for (key, lr), verdict in verdicts.items():
        if (key, lr) in wrong:
            verdict = Verdict.BLOWS_UP if verdict is not Verdict.BLOWS_UP else Verdict.STALLS
        picks = picks.with_verdict(key, lr, verdict)
    picks = picks.with_first(0.001, NO_OPTIMIZER).with_first(0.1, "adam")
    result = score(picks, outcomes(ARTICLE, played.status, played.status_steps))
    right_first = (NO_OPTIMIZER in first[0.001]) + ("adam" in first[0.1])
    assert (result.verdicts_right, result.verdicts_made) == (13, 16)
    assert (result.first_right, result.first_made) == (right_first, 2)
    assert result.text == f"{13 + right_first} of 18"
    running = BatchedExperiment(ARTICLE)
    running.step(5)
    assert score(picks, outcomes(ARTICLE, running.status, running.status_steps)) is None


def test_bad_predictions_are_one_clear_line():
    with pytest.raises(ConfigError, match="must be one of converges, stalls, blows up"):
        predictions_from_dict(
            {"verdicts": [{"optimizer": "sgd", "lr": 1.0, "verdict": "explodes"}]}
        )
    with pytest.raises(ConfigError, match="unknown key 'guess' in predictions"):
        predictions_from_dict({"guess": []})


# --- the window ------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    def make(config=ARTICLE):
        return open_main_window(qtbot, settings, config, SPEED_STEPS)

    return make


def keys(window, *presses):
    for key in presses:
        QTest.keyClick(window.grid, key)


def test_predict_starts_blank_and_picks_with_the_keyboard(make_window, qtbot):
    window = make_window()
    window.step()
    qtbot.waitUntil(lambda: window.session.steps_taken == 1)
    QTest.keyClick(window.grid, Qt.Key.Key_P)  # Predict: back to step 0, nothing drawn
    assert window.predict.active
    qtbot.waitUntil(lambda: window.session.steps_taken == 0 and window.session.latest is None)
    window.refresh_now()
    assert all(
        c.getData()[0] is None or len(c.getData()[0]) == 0
        for p in window.grid.panels
        for c in p.curves.values()
    )
    assert len(window.predict.cards.cards) == 4
    keys(window, Qt.Key.Key_2)  # SGD at 0.001: stalls
    keys(window, Qt.Key.Key_Down, Qt.Key.Key_Right)  # Momentum: converges
    keys(window, Qt.Key.Key_Down, Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left)
    keys(window, Qt.Key.Key_Up, Qt.Key.Key_Up, Qt.Key.Key_Up)  # round to the last row: first
    keys(window, Qt.Key.Key_0)  # none converges at 0.001
    keys(window, Qt.Key.Key_PageDown, Qt.Key.Key_PageDown, Qt.Key.Key_Up)  # 0.1, Adam's row
    keys(window, Qt.Key.Key_3, Qt.Key.Key_1, Qt.Key.Key_Delete)  # blows up, converges, no pick
    keys(window, Qt.Key.Key_PageUp, Qt.Key.Key_Down, Qt.Key.Key_3, Qt.Key.Key_Left)  # 0.01
    picks = window.model.predictions
    assert picks.verdicts == (
        ("sgd", 0.001, Verdict.STALLS),
        ("momentum", 0.001, Verdict.CONVERGES),
        ("rmsprop", 0.001, Verdict.CONVERGES),
    )
    assert picks.first == ((0.001, NO_OPTIMIZER), (0.01, "momentum"))  # RMSprop, then back one
    assert window.session.steps_taken == 0  # Right cycled a pick instead of stepping
    card = window.predict.cards.cards[0]
    texts = [line.toPlainText() for line in card.lines if line.isVisible()]
    assert texts[1:5] == [
        "■ SGD: stalls",
        "■ Momentum: converges",
        "■ RMSprop: converges",
        "■ Adam: ?",
    ]
    assert texts[5] == "First to converge: none"


def test_picks_by_mouse_and_locked_by_play(make_window, qtbot):
    window = make_window()
    action(window, "predict").trigger()
    card = window.predict.cards.cards[3]  # η = 1
    view = window.grid.panels[3].plot.getViewBox()
    sgd = card.lines[1]

    def click(line, button=Qt.MouseButton.LeftButton):
        centre = line.mapToScene(line.boundingRect().center())
        point = window.grid.mapFromScene(centre)
        QTest.mouseClick(window.grid.viewport(), button, pos=point)

    assert view.isVisible()
    click(sgd)
    click(sgd)  # converges, then stalls
    click(card.lines[5])  # first to converge: SGD
    click(card.lines[5], Qt.MouseButton.RightButton)  # back to no pick
    click(card.lines[5], Qt.MouseButton.RightButton)  # ... and round to "none"
    picks = window.model.predictions
    assert picks.verdicts == (("sgd", 1.0, Verdict.STALLS),)
    assert picks.first == ((1.0, NO_OPTIMIZER),)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.predict.locked)
    click(sgd)
    keys(window, Qt.Key.Key_1)
    assert window.model.predictions == picks  # locked: neither mouse nor keys change them
    qtbot.waitUntil(lambda: window.session.done, timeout=60_000)


def test_reveal_marks_each_pick_and_scores_the_article_experiment(
    make_window, qtbot, truth, played
):
    verdicts, first = truth
    window = make_window()
    title = window.windowTitle()
    action(window, "predict").trigger()
    assert window.windowTitle() == f"{title} — Predict"
    picks = Predictions()
    for (key, lr), verdict in verdicts.items():  # right everywhere but SGD at 1
        picks = picks.with_verdict(
            key, lr, Verdict.CONVERGES if key == "sgd" and lr == 1 else verdict
        )
    for lr, keys_ in first.items():
        picks = picks.with_first(lr, sorted(keys_)[0])
    window.model.set_predictions(picks)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.predict.score is not None, timeout=60_000)
    result = window.predict.score
    assert (result.verdicts_right, result.verdicts_made) == (15, 16)
    assert (result.first_right, result.first_made) == (4, 4)
    assert result.text == "19 of 20"
    lines = [line.toPlainText() for line in window.predict.cards.cards[3].lines]
    assert lines[0] == "Predictions · 4 of 5 right"
    assert lines[1] == "■ SGD: converges ✗ stalled"
    assert lines[2] == "■ Momentum: converges ✓"
    legend = [label.text for _, label in window.grid.legend.items]
    assert "Score: 19 of 20" in legend
    assert window.windowTitle() == f"{title} — Predict · score 19 of 20"
    action(window, "predict").trigger()
    assert window.windowTitle() == title
    # a run's outcome is the same in predict mode as without it, to the bit
    history, summaries = window.session.history, window.session.latest.summaries
    np.testing.assert_array_equal(summaries.status, played.status)
    for run in played.runs:
        assert history.losses(run.index).tobytes() == played.losses(run.index).tobytes()


def test_picks_and_score_round_trip_through_experiment_files(make_window, qtbot, tmp_path):
    window = make_window()
    action(window, "predict").trigger()
    keys(window, Qt.Key.Key_2, Qt.Key.Key_PageDown, Qt.Key.Key_1)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.predict.score is not None, timeout=60_000)
    path = tmp_path / "quiz.json"
    assert window.files.save_experiment_to(str(path))
    data = json.loads(path.read_text())
    assert data["predictions"]["verdicts"] == [
        {"optimizer": "sgd", "lr": 0.001, "verdict": "stalls"},
        {"optimizer": "sgd", "lr": 0.01, "verdict": "converges"},
    ]
    assert data["predictions"]["score"] == {"right": 2, "of": 2}
    assert read_config_file(path) == ARTICLE  # the settings alone, for --config
    predictions = read_experiment_file(path).predictions
    assert predictions == window.model.predictions
    other = make_window(ExperimentConfig(seed=3))
    assert other.files.open_experiment_from(str(path))
    assert other.model.predictions == predictions and other.model.config == ARTICLE
    out = tmp_path / "losses.csv"
    assert main.main(["--config", str(path), "--csv", str(out), "--max-steps", "5"]) == 0


def test_exported_figures_show_picks_and_score(make_window, qtbot, tmp_path, played):
    from PIL import Image

    window = make_window()
    action(window, "predict").trigger()
    keys(window, Qt.Key.Key_2, Qt.Key.Key_Down, Qt.Key.Key_3)
    window.run_to_end()
    qtbot.waitUntil(lambda: window.predict.score is not None, timeout=60_000)
    path = tmp_path / "figure.png"
    assert window.files.export_figure(str(path), scale=1)
    chunk = json.loads(Image.open(path).text[SETTINGS_KEY])
    assert chunk["predictions"]["score"] == {"right": 1, "of": 2}
    assert chunk["predictions"]["verdicts"][1] == {
        "optimizer": "momentum",
        "lr": 0.001,
        "verdict": "blows up",
    }
    state = FigureState(
        window.session.started, full_update(played), predictions=window.model.predictions
    )
    with Figure(state, DEFAULT) as figure:
        assert "predictions: 1 of 2 right" in figure.grid.footer.text
        lines = [line.toPlainText() for line in figure.cards.cards[0].lines]
        assert lines[1] == "■ SGD: stalls ✓" and lines[2] == "■ Momentum: blows up ✗ stalled"


def test_predict_off_hides_the_cards_and_keys_step_again(make_window, qtbot):
    window = make_window()
    action(window, "predict").trigger()
    assert window.predict.cards.cards
    action(window, "predict").trigger()
    assert not window.predict.cards.cards
    keys(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.session.steps_taken == 1)
    assert window.model.predictions.empty
    assert window.session.latest.summaries[0].status is RunStatus.RUNNING
