"""Optimizer colours, line styles and pens: Okabe–Ito (safe for colour-blind viewers), fixed
per optimizer so a curve keeps its look whatever else is selected."""

from __future__ import annotations

import zlib

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from engine.optimizers import REGISTRY, terms

# Okabe & Ito (2008), with light grey instead of black so it reads on a dark background.
SKY, ORANGE, GREEN, VERMILLION, PURPLE, YELLOW, BLUE, GREY = OKABE_ITO = (
    "#56B4E9",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#F0E442",
    "#0072B2",
    "#BBBBBB",
)
SOLID, DASHED = Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine

# The article's four first; a torch-style variant dashes its article sibling's colour.
STYLES = {
    "sgd": (SKY, SOLID),
    "momentum": (ORANGE, SOLID),
    "rmsprop": (GREEN, SOLID),
    "adam": (VERMILLION, SOLID),
    "momentum_torch": (ORANGE, DASHED),
    "rmsprop_torch": (GREEN, DASHED),
    "adam_torch": (VERMILLION, DASHED),
    "nesterov": (PURPLE, SOLID),
    "adagrad": (YELLOW, SOLID),
    "adadelta": (BLUE, SOLID),
    "adamax": (GREY, SOLID),
    "nadam": (PURPLE, DASHED),
    "amsgrad": (YELLOW, DASHED),
    "adamw": (BLUE, DASHED),
    "radam": (GREY, DASHED),
    "lion": (SKY, DASHED),
}


# An optimizer the user wrote: a colour none of the article's four has, fixed by its name.
YOURS = (PURPLE, BLUE, YELLOW, GREY)


def _style(name: str) -> tuple[str, Qt.PenStyle]:
    if name in STYLES:
        return STYLES[name]
    order = list(REGISTRY)  # an optimizer added later: cycle colours, then dash
    if name not in order:
        return YOURS[zlib.crc32(name.encode()) % len(YOURS)], SOLID
    index = order.index(name)
    return OKABE_ITO[index % 8], SOLID if (index // 8) % 2 == 0 else DASHED


def optimizer_colour(name: str) -> str:
    """The same colour in every panel, legend and table."""
    return _style(name)[0]


def optimizer_line_style(name: str) -> Qt.PenStyle:
    return _style(name)[1]


# A branch is dashed in its optimizer's colour; branches of one optimizer differ by their dashes
# (in pen widths: long dashes, dots, dash-dot, long-short), none like a torch variant's.
BRANCH_DASHES = ([4.0, 2.0], [1.0, 1.6], [4.0, 1.6, 1.0, 1.6], [7.0, 2.0, 2.5, 2.0])


def curve_pen(name: str, width: float, branch: int | None = None) -> QPen:
    """The optimizer's colour and style; the ``branch``-th branch's dashes, a bit wider."""
    pen = pg.mkPen(optimizer_colour(name), width=width * (1.6 if branch is not None else 1.0))
    if branch is not None:
        pen.setDashPattern(BRANCH_DASHES[branch % len(BRANCH_DASHES)])
    else:
        pen.setStyle(optimizer_line_style(name))
    return pen


def twin_pen(name: str, width: float) -> QPen:
    """A torch.optim twin: the optimizer's colour, faint and dotted (wider than its curve)."""
    colour = QColor(optimizer_colour(name))
    colour.setAlpha(120)
    pen = pg.mkPen(colour, width=width)
    pen.setStyle(Qt.PenStyle.DotLine)
    return pen


# A step's arrows by what each vector is (engine.optimizers.terms' roles): the same colour for
# the same kind of term whichever optimizer made it; −η∇f white, unlike any optimizer's path.
ARROW_COLOURS = {
    terms.GRADIENT: "#F5F5F5",
    terms.VELOCITY: ORANGE,
    terms.GRADIENT_SHARE: GREEN,
    terms.UNSCALED: PURPLE,
    terms.SCALED: YELLOW,
    terms.STATE: GREY,
    terms.STEP: VERMILLION,
}
