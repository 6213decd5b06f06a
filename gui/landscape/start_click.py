"""Shift+click on the landscape (the 2-D map or the 3-D surface): where every run starts.

A 2-D problem's map is its parameters, so the point clicked is the start itself. The MLP's map
is a plane θ₀ + a·v₁ + b·v₂ through its many parameters: the start is that point of the plane
shown, in the experiment's dtype, kept as the parameters themselves (a plane is a view choice,
and a PCA plane changes with the paths). Ctrl+Shift+click goes back to the problem's own start.
"""

from __future__ import annotations

import numpy as np

from engine.analysis.landscape_map import LandscapeMap
from engine.config.starts import PlaneStart
from engine.live.messages import ExperimentStarted
from engine.problems import get_problem


def start_changes(
    started: ExperimentStarted, landscape: LandscapeMap | None, point: tuple[float, float]
) -> dict | None:
    """The settings that start every run of ``started`` at ``point`` of the map: a 2-D
    problem's ``start``, the MLP's ``start_parameters`` on ``landscape``'s plane; None while
    no map of the experiment is there to say where the point is."""
    config = started.config
    if get_problem(config.problem).is_surface:
        return {"start": point}
    if landscape is None:
        return None
    return {"start_parameters": plane_start(landscape, config.dtype, point)}


def cleared_start(started: ExperimentStarted) -> dict:
    """The settings that start every run where the problem itself does (the MLP: θ₀)."""
    surface = get_problem(started.config.problem).is_surface
    return {"start": None} if surface else {"start_parameters": None}


def plane_start(landscape: LandscapeMap, dtype: str, point: tuple[float, float]) -> PlaneStart:
    """θ₀ + a·v₁ + b·v₂ at ``point`` = (a, b) of ``landscape``'s plane, rounded once to
    ``dtype`` (the runs' own), with the plane and (a, b) to say where it came from."""
    plane = landscape.plane
    exact = plane.points(np.array(point, dtype=np.float64))
    values = exact.astype(np.float32 if dtype == "float32" else np.float64)
    return PlaneStart(tuple(float(v) for v in values), plane.kind, *point)
