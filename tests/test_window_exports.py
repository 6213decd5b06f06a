"""Exports from the window: figure, clipboard, animation, data, and experiment files."""

import csv
import json

import numpy as np
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from engine.config.settings import ExperimentConfig
from engine.io.experiment_file import config_from_dict
from gui.export.dialogs import AnimationExportDialog, FigureExportDialog
from gui.export.figure import frame_steps
from gui.export.landscape import LandscapeExportDialog
from gui.export.landscape3d import Landscape3DExportDialog
from gui.export.offscreen import FIGURE_SIZE, SETTINGS_KEY
from gui.plotting.pacing import SPEED_STEPS
from gui.plotting.themes import DEFAULT, PRESENTATION, THEMES
from gui.shell.main_window import MainWindow
from tests.windows import action, commit_text


def step(window, qtbot, n):
    for _ in range(n):
        before = 0 if window.session.latest is None else window.session.steps_taken
        window.step()
        qtbot.waitUntil(lambda b=before: window.session.steps_taken == b + 1)


def run_to_end(window, qtbot):
    window.run_to_end()
    qtbot.waitUntil(lambda: window.session.done, timeout=60_000)


def test_nothing_to_export_before_the_first_step(window, tmp_path):
    assert not window.files.export_figure(str(tmp_path / "f.png"))
    assert "Nothing to export yet" in window.statusBar().currentMessage()
    assert not (tmp_path / "f.png").exists()


def test_exported_png_carries_the_settings_and_the_step(window, qtbot, tmp_path):
    step(window, qtbot, 12)
    out = tmp_path / "f.png"
    assert window.files.export_figure(str(out), scale=2, theme=PRESENTATION), window.errors
    with Image.open(out) as image:
        assert image.size == (FIGURE_SIZE[0] * 2, FIGURE_SIZE[1] * 2)
        settings = json.loads(image.text[SETTINGS_KEY])
    assert config_from_dict(settings["settings"]) == window.model.config
    assert settings["step"] == 12 and settings["theme"] == "presentation"


def test_an_unwritable_path_reports_and_leaves_nothing(window, qtbot, tmp_path):
    step(window, qtbot, 2)
    target = tmp_path / "nowhere" / "f.png"
    assert not window.files.export_figure(str(target))
    assert len(window.errors) == 1 and "does not exist" in window.errors[0]
    assert not target.parent.exists()


def test_copy_figure_puts_a_2x_image_on_the_clipboard(window, qtbot):
    step(window, qtbot, 3)
    window.files.copy_figure()
    image = QApplication.clipboard().image()
    assert (image.width(), image.height()) == (FIGURE_SIZE[0] * 2, FIGURE_SIZE[1] * 2)


def test_exported_data_equals_what_the_panels_show(window, qtbot, tmp_path):
    run_to_end(window, qtbot)
    out = tmp_path / "losses.csv"
    assert window.files.export_data(str(out))
    rows = list(csv.DictReader(out.open()))
    for run in window.session.started.runs:
        mine = [
            np.float32(r["loss"])
            for r in rows
            if r["optimizer"] == run.optimizer.key and float(r["lr"]) == run.lr
        ]
        np.testing.assert_array_equal(mine, window.session.history.losses(run.index))


def test_exported_animation_has_the_expected_frames(window, qtbot, tmp_path):
    step(window, qtbot, 9)
    out = tmp_path / "a.gif"
    assert window.files.export_animation(str(out), every=4, fps=8)
    with Image.open(out) as gif:
        assert gif.n_frames == len(frame_steps(9, 4)) == 3  # steps 1, 5 and 9


def test_saved_experiment_reopens_to_identical_settings_and_curves(window, qtbot, tmp_path):
    controls = window.controls
    controls.optimizer_boxes["sgd"].setChecked(False)
    commit_text(controls.seed, "11")
    qtbot.waitUntil(lambda: window.session.started.config.seed == 11)
    run_to_end(window, qtbot)
    saved = tmp_path / "exp.json"
    assert window.files.save_experiment_to(str(saved))
    settings = QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat)
    other = MainWindow(ExperimentConfig(), settings)
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: other.session.started is not None)
    assert other.files.open_experiment_from(str(saved))
    qtbot.waitUntil(lambda: other.session.started.config == window.session.started.config)
    assert other.model.config == window.model.config
    run_to_end(other, qtbot)
    for run in window.session.started.runs:
        np.testing.assert_array_equal(
            other.session.history.losses(run.index), window.session.history.losses(run.index)
        )


def test_a_bad_experiment_file_changes_nothing(window, qtbot, tmp_path):
    step(window, qtbot, 2)
    bad = tmp_path / "bad.json"
    bad.write_text('{"optimizers": ["sgd"], "seed": -3}')
    before = window.model.config
    generation = window.session.generation
    assert not window.files.open_experiment_from(str(bad))
    assert len(window.errors) == 1 and "seed must be between 0" in window.errors[0]
    qtbot.wait(100)
    assert window.model.config == before and window.session.generation == generation
    assert window.session.steps_taken == 2


def test_export_figure_dialog_flow_adds_the_extension(window, qtbot, tmp_path, monkeypatch):
    step(window, qtbot, 2)
    monkeypatch.setattr(
        "gui.export.dialogs.FigureExportDialog.exec", lambda self: QDialog.DialogCode.Accepted
    )
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *args, **kwargs: (str(tmp_path / "slide"), "PNG image (*.png)"),
    )
    window.files.ask_export_figure()
    with Image.open(tmp_path / "slide.png") as image:
        assert image.size == (FIGURE_SIZE[0] * 2, FIGURE_SIZE[1] * 2)  # 2× is the default


def test_export_dialogs_offer_their_formats_and_grey_out_what_a_format_ignores(qtbot):
    figure = FigureExportDialog(PRESENTATION)
    landscape = LandscapeExportDialog(DEFAULT, steps=300, every=3)
    animation = AnimationExportDialog(DEFAULT, steps=0, every=1)
    for dialog in (figure, landscape, animation):
        qtbot.addWidget(dialog)
    formats = landscape.format_box
    assert [formats.itemData(i) for i in range(formats.count())] == ["png", "svg", "gif"]
    assert (figure.format, figure.scale, figure.theme) == ("png", 2, PRESENTATION)
    assert (landscape.format, landscape.scale, landscape.every, landscape.fps) == ("png", 2, 3, 10)
    assert (animation.every, animation.every_box.maximum()) == (1, 1)  # no step yet: one frame
    boxes = ("scale_box", "every_box", "fps_box")
    for name, enabled in {"png": ["scale_box"], "svg": [], "gif": ["every_box", "fps_box"]}.items():
        formats.setCurrentIndex(formats.findData(name))
        assert [box for box in boxes if getattr(landscape, box).isEnabled()] == enabled
    figure.format_box.setCurrentIndex(figure.format_box.findData("svg"))
    assert not figure.scale_box.isEnabled()


def test_the_3d_dialog_offers_both_animations_and_frames_only_for_the_paths_growing(qtbot):
    dialog = Landscape3DExportDialog(DEFAULT, steps=300)
    qtbot.addWidget(dialog)
    formats, animations = dialog.format_box, dialog.animation_box
    assert [formats.itemData(i) for i in range(formats.count())] == ["png", "gif"]
    assert [animations.itemData(i) for i in range(animations.count())] == ["turn", "paths"]
    assert (dialog.every, dialog.fps) == (5, 10)  # 60 frames over 300 steps
    boxes = ("scale_box", "animation_box", "every_box", "fps_box")
    for format_, animation, enabled in (
        ("png", "paths", ["scale_box"]),
        ("gif", "turn", ["animation_box"]),
        ("gif", "paths", ["animation_box", "every_box", "fps_box"]),
    ):
        formats.setCurrentIndex(formats.findData(format_))
        animations.setCurrentIndex(animations.findData(animation))
        assert [box for box in boxes if getattr(dialog, box).isEnabled()] == enabled
    assert (dialog.format, dialog.animation) == ("gif", "paths")


def test_presentation_theme_on_screen_is_remembered(window, qtbot, tmp_path):
    window.view.update(theme=PRESENTATION)
    assert window.grid.backgroundBrush().color().name() == PRESENTATION.background
    window.close()
    settings = window.settings
    again = MainWindow(ExperimentConfig(), settings)
    qtbot.addWidget(again)
    assert again.view.theme is PRESENTATION
    assert [action(again, f"theme_{n}").isChecked() for n in THEMES] == [False, True]


def test_keyboard_speed_max_plays_to_the_end(window, qtbot):
    window.view.update(speed=SPEED_STEPS)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.session.done, timeout=60_000)
    qtbot.waitUntil(lambda: not window.session.playing)
    assert action(window, "play").text() == "Play"
