"""The lesson player in the window: Next applies a step (settings, view, branch, play), Back
returns to the step before exactly, for every step of every built-in lesson; PageUp / PageDown
are the lesson's; a bad lesson file changes nothing; a lesson with code asks first."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu

from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.io.experiment_file import config_to_dict
from engine.lessons.reading import builtin_lessons, find_lesson
from engine.live.messages import PlayTarget
from engine.live.playing import Player
from engine.optimizers.templates import template_code
from gui.shell import code_consent
from gui.state.view_state import Quantity, Tab
from tests.windows import open_main_window, temporary_settings

LONG = 60_000  # ms: a step of a built-in lesson may play a thousand steps of many runs


def state(window) -> tuple:
    """What Back must restore: the settings, every view field (the step shown too), the steps
    taken, and the losses received so far."""
    snapshot = window.lessons.player.snapshot()
    losses = window.session.history.loss_columns()[:, : window.session.steps_taken].copy()
    return snapshot, window.session.started.config, losses


def same(a: tuple, b: tuple) -> bool:
    return a[:2] == b[:2] and a[2].shape == b[2].shape and np.array_equal(a[2], b[2], True)


def settled(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.lessons.player.busy, timeout=LONG)


def forward(qtbot, window) -> None:
    """Next, and on a Predict step Next again (the class has picked): the step done."""
    player = window.lessons.player
    player.next()
    settled(qtbot, window)
    if player.awaiting_picks:
        player.next()
        settled(qtbot, window)


@pytest.fixture(scope="module")
def lessons():
    return [find_lesson(name) for name in builtin_lessons()]


def test_back_after_next_restores_every_step_of_every_builtin_lesson(
    qtbot, tmp_path, lessons, monkeypatch
):
    asked: list[str] = []
    answering(monkeypatch, QDialog.DialogCode.Rejected, asked)
    window = open_main_window(qtbot, temporary_settings(tmp_path))
    for lesson in lessons:
        walk_back_and_forth(qtbot, window, lesson)
    assert asked == []  # the app's own lessons' code is the app's: not asked about


def walk_back_and_forth(qtbot, window, lesson) -> None:
    """Every step: Next, then Back (the step before exactly), then Next (this one exactly)."""
    player = window.lessons.player
    builtin = lesson.name in builtin_lessons()
    assert window.lessons.open_lesson_from(lesson.name if builtin else lesson.source)
    settled(qtbot, window)
    if player.awaiting_picks:
        player.next()
        settled(qtbot, window)
    before = state(window)
    for index in range(1, len(lesson)):
        forward(qtbot, window)
        assert player.index == index
        after = state(window)
        player.back()
        settled(qtbot, window)
        assert player.index == index - 1
        assert same(state(window), before), f"{lesson.name}: Back from step {index + 1}"
        forward(qtbot, window)
        assert same(state(window), after), f"{lesson.name}: Next again to step {index + 1}"
        before = after
    assert window.model.config == lesson.steps[-1].config_after


RATES = [0.1, 1.0, 10.0, 100.0]  # η = 100 diverges within ten steps
SGD_1 = {"optimizer": "sgd", "lr": 1.0}
STEPS = [
    {
        "settings": {"learning_rates": RATES, "max_steps": 200},
        "show": {"tab": "panels", "view": "learning rate", "log_y": True, "run": SGD_1},
        "play": 5,
        "text": "Four rates.",
    },
    {"play": "divergence", "show": {"zoom": 125}, "text": "The first blow-up."},
    {
        "branch": {"from": SGD_1, "step": 5, "lr": 0.5},
        "show": {"run": {**SGD_1, "branch_step": 5}, "step": 3},
        "play": 40,
        "text": "A branch at step 5, η = 0.5.",
    },
    {"show": {"log_y": False}, "text": "No step named: the latest shown again."},
    {"settings": {"max_steps": 100}, "predict": True, "play": "end", "text": "Predict."},
]


def lesson_file(tmp_path, steps=STEPS, name="walk.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"title": "A walk", "steps": steps}), encoding="utf-8")
    return str(path)


def headless(config: ExperimentConfig, play) -> BatchedExperiment:
    experiment = BatchedExperiment(config)
    Player(experiment, PlayTarget(play)).play_to_target()
    return experiment


def test_next_applies_each_steps_settings_view_branch_and_play(window, qtbot, tmp_path):
    lessons, player, view, session = (
        window.lessons,
        window.lessons.player,
        window.view,
        window.session,
    )
    assert lessons.open_lesson_from(lesson_file(tmp_path))
    settled(qtbot, window)
    lesson = player.lesson
    config = lesson.steps[0].config
    assert window.model.config == config and session.started.config == config
    assert session.steps_taken == 5 and player.position == "1 of 5"
    assert (view.tab, view.quantity, view.log_y) == (Tab.PANELS, Quantity.LEARNING_RATE, True)
    sgd_1 = session.started.runs[view.run]
    assert (sgd_1.optimizer.key, sgd_1.lr, sgd_1.branch) == ("sgd", 1.0, None)
    assert lessons.dock.isVisible() and lessons.dock.panel.position.text() == "1 of 5"
    assert "Four rates." in lessons.dock.panel.text.toPlainText()
    assert window.windowTitle().endswith(" — Lesson 1 of 5")

    forward(qtbot, window)  # to the first divergence, as the headless player stops
    expected = headless(config, "divergence")
    assert session.steps_taken == expected.steps_taken < config.max_steps
    np.testing.assert_array_equal(session.latest.summaries.status, expected.status)
    assert view.zoom == 125

    forward(qtbot, window)  # the branch, followed, and the timeline shown at step 3
    assert window.model.config == lesson.steps[2].config_after
    branch = session.started.runs[view.run]
    assert branch.branch is not None and branch.branch.step == 5 and branch.lr == 0.5
    assert session.steps_taken == 40 and view.step == 3

    forward(qtbot, window)  # a step that names no step shown: the latest, as the walk has it
    assert session.steps_taken == 40 and view.step is None and not view.log_y

    player.next()  # a Predict step: its settings, hidden runs at step 0, picks open
    settled(qtbot, window)
    assert player.awaiting_picks and view.predict and session.steps_taken == 0
    assert window.windowTitle().endswith(" — Predict — Lesson 5 of 5 (predict, then Next)")
    assert window.model.config == lesson.steps[4].config
    qtbot.keyClick(window.grid, Qt.Key.Key_PageDown)  # a remote's Next: plays, picks locked
    settled(qtbot, window)
    final = headless(lesson.steps[4].config, "end")
    assert session.steps_taken == final.steps_taken and session.done and window.predict.locked


def test_back_restores_events_branches_zoom_the_step_shown_and_predict(window, qtbot, tmp_path):
    walk_back_and_forth(qtbot, window, find_lesson(lesson_file(tmp_path)))


def test_pagedown_and_pageup_are_the_lessons_even_over_predict_cards(window, qtbot, tmp_path):
    window.view.update(predict=True)
    cursor = window.predict.cursor
    qtbot.keyClick(window.grid, Qt.Key.Key_PageDown)  # no lesson: Predict's next panel
    assert window.predict.cursor == (cursor[0] + 1, cursor[1])
    steps = [
        {"predict": True, "play": 3, "text": "Pick."},
        {"play": 7, "text": "Seven."},
    ]
    assert window.lessons.open_lesson_from(lesson_file(tmp_path, steps))
    player = window.lessons.player
    settled(qtbot, window)
    assert player.awaiting_picks
    qtbot.keyClick(window.grid, Qt.Key.Key_Tab)  # Predict's panels move with Tab now
    qtbot.keyClick(window.grid, Qt.Key.Key_PageDown)
    settled(qtbot, window)
    assert not player.awaiting_picks and window.session.steps_taken == 3
    qtbot.keyClick(window.grid, Qt.Key.Key_PageDown)
    settled(qtbot, window)
    assert player.index == 1 and window.session.steps_taken == 7
    qtbot.keyClick(window.lessons.dock.panel, Qt.Key.Key_PageUp)  # from the dock, too
    settled(qtbot, window)
    assert player.index == 0 and window.session.steps_taken == 3


def test_pressing_next_twice_while_a_step_plays_walks_two_steps(window, qtbot, tmp_path):
    steps = [{"text": "Start."}, {"play": 30, "text": "Thirty."}, {"play": 60, "text": "Sixty."}]
    assert window.lessons.open_lesson_from(lesson_file(tmp_path, steps))
    player = window.lessons.player
    player.next()
    player.next()  # queued: the step before is still being applied
    settled(qtbot, window)
    assert player.index == 2 and window.session.steps_taken == 60


def test_leaving_keeps_the_window_as_it_is(window, qtbot, tmp_path):
    steps = [{"settings": {"max_steps": 80}, "play": 12, "text": "Twelve."}]
    assert window.lessons.open_lesson_from(lesson_file(tmp_path, steps))
    settled(qtbot, window)
    kept = state(window)
    window.lessons.dock.close()
    assert window.lessons.player.lesson is None and same(state(window), kept)
    assert window.model.config.max_steps == 80


def test_the_presenters_zoom_theme_and_speed_outlast_the_steps_and_back(window, qtbot, tmp_path):
    """A projector's zoom, picked during a lesson, holds over a step's own zoom and over Back;
    Back leaves the theme and the speed as the presenter set them. Restart keeps that zoom; a
    lesson opened afresh zooms as its steps say again."""
    player, view = window.lessons.player, window.view
    assert window.lessons.open_lesson_from(lesson_file(tmp_path))
    settled(qtbot, window)
    for _ in range(2):
        window.findChild(QAction, "zoom_in").trigger()
    assert view.zoom == 150
    forward(qtbot, window)  # the step's own zoom is 125
    assert player.index == 1 and view.zoom == 150
    window.findChild(QAction, "theme_presentation").trigger()
    speed = view.speed - 1
    view.update(speed=speed)  # as the speed slider does
    player.back()
    settled(qtbot, window)
    assert player.index == 0 and view.quantity == Quantity.LEARNING_RATE  # step 1's view
    assert (view.zoom, view.theme.name, view.speed) == (150, "presentation", speed)

    player.restart()
    settled(qtbot, window)
    forward(qtbot, window)
    assert player.index == 1 and view.zoom == 150
    assert window.lessons.open_lesson_from(lesson_file(tmp_path))
    settled(qtbot, window)
    forward(qtbot, window)
    assert player.index == 1 and view.zoom == 125


def test_the_built_in_lessons_menu_lists_each_by_its_title_and_opens_it(window, qtbot, lessons):
    """Lessons → Built-in lessons: read as it first opens (not as the window starts), once."""
    menus = window.menuBar().findChildren(QMenu)
    builtin = next(menu for menu in menus if menu.title() == "Built-in lessons")
    assert builtin.isEmpty()
    for _ in range(2):  # as Qt does before it pops the menu up (offscreen cannot pop it)
        builtin.aboutToShow.emit()
    names = builtin_lessons()
    titles = [f"{name}: {lesson.title}" for name, lesson in zip(names, lessons, strict=True)]
    assert [action.text() for action in builtin.actions()] == titles
    builtin.actions()[-1].trigger()
    assert window.lessons.player.lesson.name == names[-1]
    settled(qtbot, window)


def test_a_bad_lesson_file_is_refused_in_one_line_and_changes_nothing(window, tmp_path):
    steps = [{"text": "Fine."}, {"show": {"tab": "nowhere"}, "text": "Bad."}]
    path = lesson_file(tmp_path, steps, "bad.json")
    before = (window.model.config, window.view.settings)
    assert not window.lessons.open_lesson_from(path)
    message = window.statusBar().currentMessage()
    assert "\n" not in message and path in message and "step 2" in message
    assert "show.tab" in message
    assert (window.model.config, window.view.settings) == before
    assert window.lessons.player.lesson is None and not window.lessons.dock.isVisible()


def answering(monkeypatch, answer, shown):
    def exec_(dialog):
        shown.append(dialog.code.toPlainText())
        return answer

    monkeypatch.setattr(code_consent.CodeConsentDialog, "exec", exec_)


def test_a_lesson_with_code_shows_it_and_asks_first(window, qtbot, tmp_path, monkeypatch):
    mine = OptimizerSpec.create("x", None, template_code("momentum"))
    optimizers = config_to_dict(ExperimentConfig(optimizers=(OptimizerSpec.create("sgd"), mine)))
    steps = [{"settings": {"optimizers": optimizers["optimizers"]}, "play": 5, "text": "Mine."}]
    path = lesson_file(tmp_path, steps, "code.json")
    before, shown = window.model.config, []
    answering(monkeypatch, QDialog.DialogCode.Rejected, shown)
    assert not window.lessons.open_lesson_from(path)
    assert window.model.config == before and window.lessons.player.lesson is None
    assert len(shown) == 1 and template_code("momentum").source.strip() in shown[0]
    answering(monkeypatch, QDialog.DialogCode.Accepted, shown)
    assert window.lessons.open_lesson_from(path)
    settled(qtbot, window)
    assert mine in window.model.config.optimizers and len(shown) == 2
    # the play waited for the build: the student's optimizer's init ran whole, and trained
    assert window.session.failures == () and window.session.steps_taken == 5
    assert np.isfinite(window.session.history.losses(1)).all()


def test_three_recorded_steps_save_and_read_back_equal(window, qtbot, tmp_path):
    lessons, model, view = window.lessons, window.model, window.view
    model.update(max_steps=90)
    assert lessons.add_step_with("First: ninety steps at most.", "Recorded")
    view.update(quantity=Quantity.LEARNING_RATE, log_y=True, run=1)
    window.engine.play_until(PlayTarget(20))
    qtbot.waitUntil(lambda: window.session.steps_taken == 20 and not window.session.playing)
    assert lessons.add_step_with("Second: twenty steps, the rates, run 1 followed.")
    model.update(learning_rates=(0.01, 0.1))
    qtbot.waitUntil(lambda: window.session.started.config == model.config)
    view.update(tab=Tab.LANDSCAPE, zoom=150)
    assert lessons.add_step_with("Third: two rates, the landscape.")
    recorded = lessons.recorder.lesson()
    path = tmp_path / "recorded.json"
    assert lessons.save_lesson_to(path)
    read = find_lesson(str(path))
    assert read.title == "Recorded" and read.steps == recorded.steps
    first, second, third = read.steps
    assert set(first.settings) == {"max_steps"} and first.action.play is None
    assert second.settings == {} and second.action.play == 20
    assert second.show.run.optimizer == "sgd" and second.show.view == "learning rate"
    assert set(third.settings) == {"learning_rates"} and third.show.tab == "landscape"
    assert third.config == model.config


def test_saving_without_steps_or_to_a_bad_place_writes_nothing(window, tmp_path):
    path = tmp_path / "none.json"
    assert not window.lessons.save_lesson_to(path) and not path.exists()
    assert "no steps" in window.statusBar().currentMessage()
    assert not window.lessons.add_step_with("   ")
    assert "text" in window.statusBar().currentMessage()
    assert window.lessons.add_step_with("One.")
    folder = tmp_path / "missing" / "x.json"
    assert not window.lessons.save_lesson_to(folder) and not folder.exists()
    assert "\n" not in window.statusBar().currentMessage()


def test_play_on_a_predict_step_locks_the_picks_and_plays_to_the_steps_target(
    window, qtbot, tmp_path
):
    steps = [{"settings": {"max_steps": 300}, "predict": True, "play": 17, "text": "Pick."}]
    assert window.lessons.open_lesson_from(lesson_file(tmp_path, steps))
    player = window.lessons.player
    settled(qtbot, window)
    assert player.awaiting_picks
    window.view.update(speed=0)  # one step a second: the lesson's play takes over at once
    window.toggle_play()  # Play, as the class would press it
    qtbot.waitUntil(lambda: not player.awaiting_picks and not player.busy, timeout=LONG)
    qtbot.waitUntil(lambda: not window.session.playing)
    assert window.session.steps_taken == 17 and window.predict.locked


def test_export_handout_writes_a_page_per_step_from_the_engines_walk(window, qtbot, tmp_path):
    """Lessons → Export handout…: the engine process walks the lesson (the window has no
    torch) and the window writes the PDF, a page a step, each with its figure."""
    from tests.pdf_pages import assert_figure, pdf_pages

    assert window.lessons.open_lesson_from("dead-units")
    settled(qtbot, window)
    out = tmp_path / "dead-units.pdf"
    with qtbot.waitSignal(window.lessons.handout_written, timeout=LONG) as written:
        window.lessons.export_handout_to(out)
    assert written.args == [str(out)]
    pages = pdf_pages(out.read_bytes())
    assert len(pages) == len(find_lesson("dead-units").steps)
    for images in pages:
        assert_figure(images)
    assert "Wrote" in window.statusBar().currentMessage()
