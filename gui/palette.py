"""Optimizer colours: Okabe–Ito, safe for colour-blind viewers, fixed per optimizer name."""

from __future__ import annotations

from engine.optimizers import REGISTRY

# Okabe & Ito (2008), with light grey instead of black so it reads on a dark background.
OKABE_ITO = (
    "#56B4E9",  # sky blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#BBBBBB",  # grey
)


def optimizer_colour(name: str) -> str:
    """The same colour for an optimizer in every panel, legend and table, whatever is selected."""
    order = list(REGISTRY)
    index = order.index(name) if name in order else len(order)
    return OKABE_ITO[index % len(OKABE_ITO)]
