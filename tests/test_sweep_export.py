"""The sweep's files: PNG and SVG drawn offscreen, and CSV, by the file's extension."""

import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from engine.analysis.sweep import SweepResult
from engine.analysis.sweep_run import run_sweep
from engine.core.files import OutputError
from gui.plotting.palette import optimizer_colour
from gui.plotting.themes import DEFAULT, PRESENTATION
from tests.sweep_cases import MARKER_CASES, PANEL_LRS, csv_text, small_config


@pytest.fixture(scope="module")
def result() -> SweepResult:
    return run_sweep(small_config())


def colour_pixels(image: Image.Image, colour: str) -> int:
    pixels = np.asarray(image.convert("RGB")).astype(int)
    rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
    return int((np.abs(pixels - rgb) <= 30).all(axis=2).sum())


@pytest.mark.parametrize("scale", [1, 2])
def test_png_export_is_the_figure_size_times_the_scale_with_curves(qapp, tmp_path, result, scale):
    from gui.export.offscreen import FIGURE_SIZE, SETTINGS_KEY
    from gui.export.sweep import export_sweep

    path = tmp_path / "sweep.png"
    export_sweep(path, result, PANEL_LRS, PRESENTATION, scale)
    with Image.open(path) as image:
        assert FIGURE_SIZE == (1280, 800)
        assert image.size == (1280 * scale, 800 * scale)
        assert '"max_steps": 200' in image.text[SETTINGS_KEY]
        for name in result.names:
            assert colour_pixels(image, optimizer_colour(name)) > 1000 * scale, name


def test_svg_export_parses_and_names_its_axes(qapp, tmp_path, result):
    from gui.export.sweep import export_sweep

    path = tmp_path / "sweep.svg"
    export_sweep(path, result, PANEL_LRS, DEFAULT)
    text = " ".join(t.strip() for t in ET.parse(path).getroot().itertext())
    for words in ("learning rate", "Final loss", "Steps to converge", "SGD", "Adam", "0.001"):
        assert words in text


def test_csv_export_by_extension(qapp, tmp_path, result):
    from gui.export.sweep import export_sweep

    path = tmp_path / "sweep.CSV"
    export_sweep(path, result, PANEL_LRS, DEFAULT)
    assert path.read_text() == csv_text(result)


@pytest.mark.parametrize("name", ["missing/sweep.png", "folder", "sweep.gif"])
def test_export_to_an_unwritable_path_fails_cleanly(qapp, tmp_path, result, name):
    from gui.export.sweep import export_sweep

    (tmp_path / "folder").mkdir()
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(OutputError, match="cannot write"):
        export_sweep(tmp_path / name, result, PANEL_LRS, DEFAULT)
    assert sorted(tmp_path.rglob("*")) == before


def svg_texts(data: bytes) -> Counter:
    return Counter(t.strip() for t in ET.fromstring(data).itertext() if t.strip())


@pytest.mark.parametrize("count", sorted(MARKER_CASES))
def test_svg_export_labels_every_panel_rate(qapp, result, count):
    from gui.export.sweep import sweep_svg_bytes

    lrs = MARKER_CASES[count]
    without = svg_texts(sweep_svg_bytes(result, (), DEFAULT))  # tick labels share the texts
    texts = svg_texts(sweep_svg_bytes(result, lrs, DEFAULT))
    labels = Counter([f"{lr:g}" for lr in lrs] + ["panels' learning rates"])
    assert {text: texts[text] - without[text] for text in labels} == labels


def test_svg_export_draws_what_the_png_does(qapp, result):
    """pyqtgraph's SVG exporter does not paint: the curves must still sit on their axes."""
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from gui.export.offscreen import FIGURE_SIZE
    from gui.export.sweep import sweep_image, sweep_svg_bytes

    def pixels(image: QImage) -> np.ndarray:
        rgb = image.convertToFormat(QImage.Format.Format_RGB888)
        rows = np.frombuffer(bytes(rgb.constBits()), np.uint8).reshape(rgb.height(), -1)
        return rows[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).astype(int)

    png = pixels(sweep_image(result, PANEL_LRS, DEFAULT, 1))
    svg = QImage(*FIGURE_SIZE, QImage.Format.Format_RGB32)
    svg.fill(QColor(DEFAULT.background))
    painter = QPainter(svg)
    QSvgRenderer(QByteArray(sweep_svg_bytes(result, PANEL_LRS, DEFAULT))).render(painter)
    painter.end()
    differ = (np.abs(pixels(svg) - png) > 60).any(axis=2).mean()
    # measured: 0.6% (anti-aliasing, text); 3% with the curves and markers off their axes
    assert differ < 0.02
