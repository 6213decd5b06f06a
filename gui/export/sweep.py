"""The sweep as a file: PNG (at 1×, 2× or 3×) or SVG drawn offscreen by
:mod:`gui.export.offscreen`, as
the panels' figure is, or the CSV of :mod:`engine.analysis.sweep`; :func:`export_sweep` picks by
extension.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QImage

from engine.analysis.sweep import SWEEP_SUFFIXES, SweepResult, save_sweep_csv, sweep_caption
from engine.core.files import OutputError, atomic_write, check_writable
from gui.export.offscreen import OffscreenFigure, footer_text, png_bytes, settings_json
from gui.plotting.themes import Theme
from gui.sweep.plots import SweepPlots


def _draw(plots: SweepPlots, result: SweepResult, panel_lrs: tuple[float, ...] | None) -> None:
    plots.show_result(result, panel_lrs)
    plots.set_footer(footer_text(sweep_caption(result), result.config))


def _figure(theme: Theme, scale: int) -> OffscreenFigure[SweepPlots]:
    return OffscreenFigure(lambda: SweepPlots(theme=theme, footer=True), theme, scale)


def sweep_image(
    result: SweepResult, panel_lrs: tuple[float, ...] | None, theme: Theme, scale: int = 1
) -> QImage:
    """The sweep at ``FIGURE_SIZE`` × ``scale`` pixels: text and lines grow with the scale."""
    with _figure(theme, scale) as figure:
        _draw(figure.widget, result, panel_lrs)
        return figure.image()


def sweep_png_bytes(
    result: SweepResult, panel_lrs: tuple[float, ...] | None, theme: Theme, scale: int = 1
) -> bytes:
    """A PNG of :func:`sweep_image` carrying the settings and the sweep's rates as JSON."""
    lrs = result.lrs
    settings = settings_json(
        result.config,
        theme,
        sweep={"lr_min": float(lrs.min()), "lr_max": float(lrs.max()), "count": len(lrs)},
    )
    return png_bytes(sweep_image(result, panel_lrs, theme, scale), settings)


def sweep_svg_bytes(
    result: SweepResult, panel_lrs: tuple[float, ...] | None, theme: Theme
) -> bytes:
    """The sweep as an SVG file's bytes, text kept as text."""
    with _figure(theme, 1) as figure:
        _draw(figure.widget, result, panel_lrs)
        return figure.svg_bytes()


def export_sweep(
    path: str | os.PathLike,
    result: SweepResult,
    panel_lrs: tuple[float, ...] | None,
    theme: Theme,
    scale: int = 2,
) -> None:
    """Write the sweep as PNG (at ``scale``), SVG or CSV, chosen by ``path``'s extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in SWEEP_SUFFIXES:
        raise OutputError(f"cannot write {path}: the sweep is saved as .png, .svg or .csv")
    check_writable(path)
    if suffix == ".csv":
        save_sweep_csv(path, result)
        return
    if suffix == ".png":
        data = sweep_png_bytes(result, panel_lrs, theme, scale)
    else:
        data = sweep_svg_bytes(result, panel_lrs, theme)
    atomic_write(path, lambda handle: handle.write(data), binary=True)
