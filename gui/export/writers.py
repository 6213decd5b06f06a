"""Writing figures, animations and data to files: checked first, written atomically."""

from __future__ import annotations

import os

from engine.core.files import atomic_write, check_writable
from engine.io.records import write_losses_csv
from gui.export.figure import Figure, FigureState, gif_bytes
from gui.plotting.themes import Theme


def export_png(path: str | os.PathLike, state: FigureState, theme: Theme, scale: int) -> None:
    check_writable(path)
    with Figure(state, theme, scale) as figure:
        data = figure.png_bytes()
    atomic_write(path, lambda handle: handle.write(data), binary=True)


def export_svg(path: str | os.PathLike, state: FigureState, theme: Theme) -> None:
    check_writable(path)
    with Figure(state, theme) as figure:
        data = figure.svg_bytes()
    atomic_write(path, lambda handle: handle.write(data), binary=True)


def export_gif(
    path: str | os.PathLike, state: FigureState, theme: Theme, every: int, fps: float
) -> None:
    check_writable(path)
    data = gif_bytes(state, theme, every, fps)
    atomic_write(path, lambda handle: handle.write(data), binary=True)


def export_csv(path: str | os.PathLike, state: FigureState) -> None:
    atomic_write(path, lambda handle: write_losses_csv(state.update, handle))


def default_frame_every(steps: int, frames: int = 100) -> int:
    """Steps between animation frames so that there are at most ``frames`` of them."""
    return max(1, -(-steps // frames))
