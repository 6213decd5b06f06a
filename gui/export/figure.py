"""The panel grid as a figure for slides and handouts: PNG, SVG or GIF frames, drawn offscreen
(:mod:`gui.export.offscreen` sizes, scales and tears it down, as it does the sweep's figure)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PySide6.QtGui import QImage

from engine.experiment.predictions import Predictions, outcomes, predictions_to_dict, score
from engine.live.messages import ExperimentStarted, LossUpdate
from gui.export.offscreen import OffscreenFigure, footer_text, settings_json
from gui.panels.grid import PanelGrid
from gui.plotting.themes import Theme
from gui.predict.cards import PredictionCards
from gui.state.loss_history import LossHistory
from gui.state.view_state import Quantity, ViewSettings, ViewState


@dataclass(frozen=True)
class FigureState:
    """What a figure shows: an experiment's settings and runs, and from step 0 what the panels
    plot of it (as on screen: the quantity, log-y, the window's ranges, the class's picks)."""

    started: ExperimentStarted
    update: LossUpdate
    log_y: bool = False
    views: tuple | None = None  # per panel ((x0, x1), (y0, y1)), to export the window's zoom
    quantity: Quantity = Quantity.LOSS  # losses, learning rates or sharpness (its columns)
    predictions: Predictions | None = None  # the class's picks, drawn and scored (predict mode)

    def settings_text(self, theme: Theme) -> str:
        """JSON that reproduces the figure: every setting, the step, the look (and the view),
        and the class's predictions with their score (once every run has ended)."""
        extra: dict = {} if self.quantity is Quantity.LOSS else {"view": self.quantity.value}
        if self.predictions is not None:
            extra["predictions"] = predictions_to_dict(self.predictions, self.score(self.update))
        return settings_json(
            self.started.config, theme, step=self.update.steps_taken, log_y=self.log_y, **extra
        )

    def score(self, update: LossUpdate):
        """The predictions' score at ``update`` (None without picks or before the end)."""
        if self.predictions is None or self.predictions.empty:
            return None
        summaries = update.summaries
        return score(
            self.predictions,
            outcomes(self.started.config, summaries.status, summaries.status_steps),
        )


class Figure:
    """An offscreen :class:`PanelGrid` with a footer; reused for every frame of an animation."""

    def __init__(self, state: FigureState, theme: Theme, scale: int = 1):
        self.state, self.theme, self.scale = state, theme, scale
        shown = ViewSettings(quantity=state.quantity, log_y=state.log_y)
        self.offscreen = OffscreenFigure(
            lambda: PanelGrid(theme=theme, footer=True, view=ViewState(shown)), theme, scale
        )
        self.grid = self.offscreen.widget
        self.cards = PredictionCards(self.grid) if state.predictions is not None else None
        try:
            config = state.started.config
            self.history = LossHistory(len(state.started.runs), config.dtype, config.seeds)
            self.grid.start(state.started, self.history)
            if state.views is not None:
                for panel, (x_range, y_range) in zip(self.grid.panels, state.views):
                    panel.plot.setRange(xRange=x_range, yRange=y_range, padding=0)
                self.freeze_axes()
            self.show(state.update)
        except BaseException:
            self.close()
            raise

    def show(self, update: LossUpdate) -> None:
        """Draw ``update`` (losses from step 0); axes keep growing to fit, as in the window."""
        config = self.state.started.config
        self.history.clear(len(self.state.started.runs), config.dtype, config.seeds)
        self.history.apply(update)
        self.grid.redraw(update)
        lead = f"step {update.steps_taken}"
        if self.cards is not None:
            summaries = update.summaries
            result = outcomes(config, summaries.status, summaries.status_steps)
            marked = self.state.score(update)
            self.cards.show(config, self.state.predictions, result, locked=True, score=marked)
            made = len(self.state.predictions.verdicts) + len(self.state.predictions.first)
            lead += f" · predictions: {marked.text} right" if marked else f" · {made} predictions"
        self.grid.set_footer(footer_text(lead, config))

    def freeze_axes(self) -> None:
        """Keep the current ranges for what follows (animation frames must not jump)."""
        for panel in self.grid.panels:
            panel.follow = False

    def image(self) -> QImage:
        return self.offscreen.image()

    def png_bytes(self) -> bytes:
        return self.offscreen.png_bytes(self.state.settings_text(self.theme))

    def svg_bytes(self) -> bytes:
        return self.offscreen.svg_bytes()

    def close(self) -> None:
        self.offscreen.close()

    def __enter__(self) -> Figure:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def frame_steps(total: int, every: int) -> list[int]:
    """Steps shown by an animation's frames: 1, 1+every, … and always the last one."""
    if total < 1:
        return []
    steps = list(range(1, total + 1, max(1, every)))
    if steps[-1] != total:
        steps.append(total)
    return steps


def gif_bytes(state: FigureState, theme: Theme, every: int, fps: float, scale: int = 1) -> bytes:
    """An animated GIF from step 0 to the state's step: one frame every ``every`` steps."""
    from engine.live.messages import update_at_step

    steps = frame_steps(state.update.steps_taken, every)
    if not steps:
        raise ValueError("nothing to animate yet: press Play or Step first")
    frames = []
    with Figure(state, theme, scale) as figure:
        figure.freeze_axes()
        for step in steps:
            figure.show(update_at_step(state.update, step))
            frames.append(pillow_image(figure.image()))
    return encode_gif(frames, fps, state.settings_text(theme))


def encode_gif(frames: list, fps: float, comment: str) -> bytes:
    """An animated GIF of ``frames`` (RGB Pillow images, see :func:`pillow_image`) at ``fps``,
    holding the last for two seconds, with ``comment`` (the settings) in it. Frames share one
    palette (taken from the last, fullest frame) and Pillow stores only the region that changed
    since the previous frame, which keeps the file small."""
    from PIL import Image

    palette = frames[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    frame_ms = max(20, round(1000 / fps))
    durations = [frame_ms] * (len(frames) - 1) + [max(frame_ms, 2000)]  # hold the end
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        comment=comment.encode(),
    )
    return out.getvalue()


def pillow_image(image: QImage):
    """``image`` as an RGB Pillow image (a copy)."""
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombuffer(
        "RGB",
        (rgb.width(), rgb.height()),
        bytes(rgb.constBits()),
        "raw",
        "RGB",
        rgb.bytesPerLine(),
        1,
    ).copy()
