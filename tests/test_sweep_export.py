"""The sweep's files: PNG and SVG drawn offscreen, and CSV, by the file's extension."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from engine.files import OutputError
from engine.sweep import SweepResult, run_sweep
from gui.palette import optimizer_colour
from gui.themes import DEFAULT, PRESENTATION
from tests.sweep_cases import PANEL_LRS, csv_text, small_config


@pytest.fixture(scope="module")
def result() -> SweepResult:
    return run_sweep(small_config())


def colour_pixels(image: Image.Image, colour: str) -> int:
    pixels = np.asarray(image.convert("RGB")).astype(int)
    rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
    return int((np.abs(pixels - rgb) <= 30).all(axis=2).sum())


@pytest.mark.parametrize("scale", [1, 2])
def test_png_export_is_the_figure_size_times_the_scale_with_curves(qapp, tmp_path, result, scale):
    from gui.offscreen import FIGURE_SIZE, SETTINGS_KEY
    from gui.sweep_export import export_sweep

    path = tmp_path / "sweep.png"
    export_sweep(path, result, PANEL_LRS, PRESENTATION, scale)
    with Image.open(path) as image:
        assert FIGURE_SIZE == (1280, 800)
        assert image.size == (1280 * scale, 800 * scale)
        assert '"max_steps": 200' in image.text[SETTINGS_KEY]
        for name in result.names:
            assert colour_pixels(image, optimizer_colour(name)) > 1000 * scale, name


def test_svg_export_parses_and_names_its_axes(qapp, tmp_path, result):
    from gui.sweep_export import export_sweep

    path = tmp_path / "sweep.svg"
    export_sweep(path, result, PANEL_LRS, DEFAULT)
    text = " ".join(t.strip() for t in ET.parse(path).getroot().itertext())
    for words in ("learning rate", "Final loss", "Steps to converge", "SGD", "Adam", "0.001"):
        assert words in text


def test_csv_export_by_extension(qapp, tmp_path, result):
    from gui.sweep_export import export_sweep

    path = tmp_path / "sweep.CSV"
    export_sweep(path, result, PANEL_LRS, DEFAULT)
    assert path.read_text() == csv_text(result)


@pytest.mark.parametrize("name", ["missing/sweep.png", "folder", "sweep.gif"])
def test_export_to_an_unwritable_path_fails_cleanly(qapp, tmp_path, result, name):
    from gui.sweep_export import export_sweep

    (tmp_path / "folder").mkdir()
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(OutputError, match="cannot write"):
        export_sweep(tmp_path / name, result, PANEL_LRS, DEFAULT)
    assert sorted(tmp_path.rglob("*")) == before
