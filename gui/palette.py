"""Optimizer colours and line styles: Okabe–Ito (safe for colour-blind viewers), fixed per
optimizer so a curve keeps its look whatever else is selected."""

from __future__ import annotations

from PySide6.QtCore import Qt

from engine.optimizers import REGISTRY

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


def _style(name: str) -> tuple[str, Qt.PenStyle]:
    if name in STYLES:
        return STYLES[name]
    order = list(REGISTRY)  # an optimizer added later: cycle colours, then dash
    index = order.index(name) if name in order else len(order)
    return OKABE_ITO[index % 8], SOLID if (index // 8) % 2 == 0 else DASHED


def optimizer_colour(name: str) -> str:
    """The same colour in every panel, legend and table."""
    return _style(name)[0]


def optimizer_line_style(name: str) -> Qt.PenStyle:
    return _style(name)[1]
