"""Looks for the plots: the default dark screen theme and a Presentation theme for slides."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    background: str
    foreground: str  # axes, tick labels, titles, legend text
    line_width: float  # curve width in (logical) pixels
    tick_pt: int
    label_pt: int
    title_pt: int
    legend_pt: int
    head_size: int
    grid_alpha: float


DEFAULT = Theme(
    name="default",
    title="Default",
    background="#101114",
    foreground="#c8c8c8",
    line_width=1.0,
    tick_pt=9,
    label_pt=10,
    title_pt=12,
    legend_pt=11,
    head_size=9,
    grid_alpha=0.15,
)

PRESENTATION = Theme(
    name="presentation",
    title="Presentation",
    background="#ffffff",
    foreground="#1a1a1a",
    line_width=3.5,
    tick_pt=13,
    label_pt=15,
    title_pt=18,
    legend_pt=16,
    head_size=14,
    grid_alpha=0.25,
)

THEMES = {theme.name: theme for theme in (DEFAULT, PRESENTATION)}


def theme_named(name: str) -> Theme:
    """The theme called ``name``; ``KeyError`` with the known names otherwise."""
    try:
        return THEMES[name]
    except KeyError:
        raise KeyError(f"unknown theme {name!r} (known: {', '.join(THEMES)})") from None
