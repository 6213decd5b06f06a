"""Looks for the plots: the default dark screen theme and a Presentation theme for slides, and
either of them zoomed for a projector (:meth:`Theme.scaled`)."""

from __future__ import annotations

from dataclasses import dataclass, replace


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
    scale: float = 1.0  # the zoom it was made for: fixed pixel widths (axes, marks) take it

    def scaled(self, factor: float) -> Theme:
        """The same colours with every font, line and marker ``factor`` times as large (a theme
        already scaled is scaled from its own sizes)."""
        if factor == 1:
            return self
        return replace(
            self,
            line_width=self.line_width * factor,
            tick_pt=round(self.tick_pt * factor),
            label_pt=round(self.label_pt * factor),
            title_pt=round(self.title_pt * factor),
            legend_pt=round(self.legend_pt * factor),
            head_size=round(self.head_size * factor),
            scale=self.scale * factor,
        )


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
