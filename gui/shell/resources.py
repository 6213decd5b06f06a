"""The app's title, and paths of the files in the ``resources`` package."""

from __future__ import annotations

from importlib.resources import files

TITLE = "Optimizers from Scratch"


def resource_path(name: str) -> str:
    return str(files("resources").joinpath(name))


def icon_path() -> str:
    return resource_path("icon.svg")
