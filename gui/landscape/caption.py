"""What the landscape's caption says: what the plane is, where the runs start when a start was
chosen on it, and how far each path strays from it."""

from __future__ import annotations

import numpy as np

from engine.analysis.landscape_map import LandscapeMap
from engine.config.loading import problem_formula
from engine.live.messages import ExperimentStarted
from gui.landscape.grid import coloured
from gui.landscape.paths import PathHistory


def caption_text(landscape: LandscapeMap, started: ExperimentStarted, paths: PathHistory) -> str:
    """What the plane is and, for the MLP, each run's mean distance from it, per optimizer in
    the panels' order ("–" where not known: not moved yet, or diverged); a 2-D problem's plane
    is exact."""
    problem = landscape.problem
    if problem.is_surface:
        marked = "" if problem.defaults.minima else " The star marks the map's lowest point."
        return (
            f"{problem.display_name}: f(x, y) = {problem_formula(started.config)}. The map is "
            f"the parameter plane itself: every path is exactly where it went.{marked}"
        )
    lines = [f"Plane through θ₀: {landscape.plane.description}."]
    chosen = started.config.start_parameters
    if chosen is not None:
        lines.append(
            f"Every run starts at {chosen.text}; Ctrl+Shift+click starts them at θ₀ again."
        )
    moved = paths.length > 0  # before, a dash per run: the caption keeps its lines with Play
    distances = paths.off_plane(landscape.plane) if moved else np.full(len(started.runs), np.nan)
    parts = []
    for i, spec in enumerate(started.config.optimizers):
        values = [distances[r.index] for r in started.runs if r.optimizer_index == i]
        numbers = " ".join("–" if not np.isfinite(v) else f"{v:.2g}" for v in values)
        parts.append(f"{coloured(spec.name, spec.label)} {numbers}")
    lines.append(
        "Mean distance of each path from the plane, one number per panel: " + " · ".join(parts)
    )
    lines.append(
        "Paths are drawn where they project onto the plane: the further one is off it, the less "
        "the colours under it are the losses it met."
    )
    return "<br>".join(lines)
