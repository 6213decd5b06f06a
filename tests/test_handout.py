"""A lesson's handout: a PDF page per step, each with its figure as the window shows it after
the step's action (panels in each view, landscape, sweep), written whole or not at all."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

import main
from engine.analysis.sharpness import SharpnessTracker
from engine.core.files import OutputError
from engine.core.tasks import TaskState
from engine.experiment.batched import BatchedExperiment
from engine.lessons.pictures import HANDOUT_TASK
from engine.lessons.picturing import NOTE_3D, lesson_pictures, sharpness_every
from engine.lessons.reading import builtin_lessons, find_lesson, lesson_from_dict
from gui.export import handout
from gui.export.offscreen import FIGURE_SIZE
from gui.plotting.themes import theme_named
from tests.pdf_pages import assert_figure, pdf_pages

TOUR = {
    "title": "Every view",
    "steps": [
        {"settings": {"max_steps": 200}, "show": {"tab": "panels"}, "text": "# Start\nstep 0"},
        {"play": 40, "show": {"log_y": True}, "text": "Forty steps, log y.", "predict": True},
        {"play": 120, "show": {"view": "sharpness", "log_y": False}, "text": "λ and 2/η."},
        {"show": {"view": "learning rate", "step": 30}, "text": "The rates, at step 30."},
        {
            "branch": {"from": {"optimizer": "sgd", "lr": 1.0}, "step": 20, "lr": 0.1},
            "show": {"view": "loss"},
            "text": "A branch.",
        },
        {"show": {"tab": "landscape", "landscape_3d": True}, "text": "The landscape."},
        {"show": {"tab": "sweep"}, "text": "The sweep."},
    ],
}


@pytest.mark.parametrize("name", builtin_lessons())
def test_every_builtin_lesson_has_a_page_per_step_each_with_its_figure(
    name, tmp_path, capsys, qapp
):
    out = tmp_path / f"{name}.pdf"
    assert main.main(["--lesson", name, "--handout", str(out)]) == 0
    pages = pdf_pages(out.read_bytes())
    assert len(pages) == len(find_lesson(name).steps)
    for images in pages:
        assert_figure(images)


def test_each_tab_and_view_is_pictured_as_the_window_shows_it(tmp_path, qapp):
    lesson = lesson_from_dict(TOUR)
    # as the window gets them: the task its engine process runs, sent through a pipe
    pictures = pickle.loads(
        pickle.dumps(HANDOUT_TASK(TaskState(), pickle.loads(pickle.dumps(lesson))))
    )
    assert [p.tab for p in pictures] == ["panels"] * 5 + ["landscape", "sweep"]
    assert [p.quantity for p in pictures] == [
        "loss", "loss", "sharpness", "learning rate", "loss", "loss", "loss"
    ]  # fmt: skip
    assert [p.step for p in pictures] == [0, 40, 120, 30, 120, 120, 120]
    assert [p.log_y for p in pictures] == [False, True, False, False, False, False, False]
    assert pictures[5].landscape is not None and pictures[5].note == NOTE_3D
    assert pictures[6].sweep is not None and pictures[6].sweep.config.max_steps == 200
    # λ at every step, against a tracker of an experiment trained on its own
    experiment = BatchedExperiment(lesson.steps[2].config)
    tracker = SharpnessTracker(experiment)
    tracker.step(120)
    shown = pictures[2].update.sharpness
    assert shown.shape == (16, 120) and np.isfinite(shown[:, 0]).all()
    np.testing.assert_array_equal(shown, tracker.sharpness[:, :120])
    assert pictures[2].update.sharpness_every == 1

    out = tmp_path / "tour.pdf"
    handout.export_handout(lesson, out, theme_named("presentation"), pictures)
    pages = pdf_pages(out.read_bytes())
    assert len(pages) == len(TOUR["steps"])
    for images in pages:
        assert_figure(images)


def test_sharpness_is_computed_at_most_500_times_a_picture_every_odd_k():
    assert [sharpness_every(n) for n in (0, 120, 500, 501, 1000, 1500, 5000)] == [
        1, 1, 1, 3, 3, 3, 11
    ]  # fmt: skip


def test_a_page_says_which_step_it_is_and_when_the_class_predicts_first():
    assert handout.HandoutPage("L", 3, 8, "text").heading() == "Step 3 of 8"
    predict = handout.HandoutPage("L", 2, 8, "text", predict=True).heading()
    assert predict == "Step 2 of 8 · predict first, then look"


@pytest.mark.parametrize("paragraphs", [1, 40])
def test_the_text_fills_at_most_the_rest_of_the_page(qapp, paragraphs):
    """Painted on an A4 page at the PDF's resolution: a short text stays near the figure, a
    long one is shrunk to end just above the bottom margin, never in it."""
    page = QImage(2480, 3508, QImage.Format.Format_RGB32)  # A4 at 300 dots an inch
    page.setDotsPerMeterX(round(handout.RESOLUTION / 0.0254))
    page.setDotsPerMeterY(round(handout.RESOLUTION / 0.0254))
    page.fill(QColor("white"))
    margin = round(handout.points(handout.MARGIN_MM / 25.4 * 72))
    area = QRectF(margin, margin, page.width() - 2 * margin, page.height() - 2 * margin)
    text = "\n\n".join(
        ["Gradient descent is stable while λ < 2/η, and no longer. " * 6] * paragraphs
    )
    figure = QImage(*FIGURE_SIZE, QImage.Format.Format_RGB32)
    figure.fill(QColor("white"))
    painter = QPainter(page)
    handout.HandoutPage("Title", 1, 1, text).paint(painter, area, figure)
    painter.end()
    inked = np.flatnonzero(ink_rows(page))
    bottom = page.height() - margin
    assert inked.max() < bottom
    if paragraphs == 1:
        assert inked.max() < bottom - page.height() // 3
    else:
        assert inked.max() > bottom - handout.points(30)


def ink_rows(image: QImage) -> np.ndarray:
    """(height,) True where a row has a dark pixel."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), -1)
    return (pixels[:, : rgb.width() * 3] < 128).any(axis=1)


def test_a_handout_that_fails_midway_leaves_no_file(tmp_path, qapp, monkeypatch):
    lesson = lesson_from_dict(TOUR)
    pictures = lesson_pictures(lesson)[:2]
    lesson = lesson_from_dict({**TOUR, "steps": TOUR["steps"][:2]})
    drawn = []

    def failing(picture, theme, scale=2):
        if drawn:
            raise OSError("disk on fire")
        drawn.append(picture)
        return QImage(10, 10, QImage.Format.Format_RGB32)

    monkeypatch.setattr(handout, "figure_image", failing)
    out = tmp_path / "out.pdf"
    with pytest.raises(OSError, match="disk on fire"):
        handout.export_handout(lesson, out, theme_named("default"), pictures)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OutputError):
        handout.export_handout(lesson, tmp_path / "no" / "x.pdf", theme_named("default"), pictures)


def test_the_window_can_draw_a_handout_without_torch():
    code = "import sys, gui.export.handout, engine.lessons.pictures; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
