"""Lessons to and from JSON, refusing a bad file whole with the file, the step and the key named.

A lesson file is ``{"title": ..., "steps": [step, ...]}``; a step is
``{"settings": {...}, "show": {...}, "play": 40 | "divergence" | ..., "branch": {...},
"text": "..." | ["line", ...], "predict": false}``, every key but ``text`` optional. The
built-in lessons are such files in ``engine/lessons/builtin``, ``NN-name.json``: listed in
their number's order and called by their name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from engine.config.settings import ConfigError, ExperimentConfig
from engine.core.files import atomic_write
from engine.io.experiment_file import (
    KEYS,
    branch_from_dict,
    branch_to_dict,
    config_from_dict,
    read_json,
)
from engine.lessons.format import (
    EVENTS,
    PLANES,
    TABS,
    VIEWS,
    ZOOMS,
    Action,
    Lesson,
    LessonStep,
    RunRef,
    Show,
)

LESSON_KEYS = ("title", "steps")
STEP_KEYS = ("settings", "show", "play", "branch", "text", "predict")
SHOW_KEYS = ("tab", "view", "log_y", "plane", "landscape_3d", "run", "zoom", "step")
RUN_KEYS = ("optimizer", "lr", "branch_step", "branch_lr")
MAX_STEPS_IN_A_LESSON = 100


class LessonError(ConfigError):
    """A lesson that cannot be used; the message names the file, the step and the key."""


class _Bad(Exception):
    """A bad value at ``key`` of the step being read (the reader adds file and step)."""

    def __init__(self, key: str, message: str):
        super().__init__(f"key {key!r}: {message}")


def read_lesson(path: str | os.PathLike, name: str = "") -> Lesson:
    """The lesson in the file at ``path``; ``LessonError`` in one line, nothing half-read."""
    try:
        data = read_json(path)
    except ConfigError as err:
        raise LessonError(str(err)) from None
    return lesson_from_dict(data, source=str(path), name=name or Path(path).stem)


def lesson_from_dict(data: object, source: str = "", name: str = "") -> Lesson:
    """A lesson from plain data; each step's settings go over the previous step's."""
    where = source or "lesson"
    if not isinstance(data, Mapping):
        raise LessonError(f"{where}: a lesson is an object with 'title' and 'steps'")
    unknown = sorted(set(data) - set(LESSON_KEYS))
    if unknown:
        raise LessonError(f"{where}: unknown key {unknown[0]!r} (known: title, steps)")
    title, items = data.get("title"), data.get("steps")
    if not isinstance(title, str) or not title.strip():
        raise LessonError(f"{where}: key 'title': must be some text")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_STEPS_IN_A_LESSON:
        raise LessonError(
            f"{where}: key 'steps': must be a list of 1 to {MAX_STEPS_IN_A_LESSON} steps"
        )
    steps: list[LessonStep] = []
    config, followed = ExperimentConfig(), False
    for number, item in enumerate(items, start=1):
        try:
            step = _step(item, config, followed)
        except _Bad as err:
            raise LessonError(f"{where}: step {number}, {err}") from None
        except ConfigError as err:
            raise LessonError(f"{where}: step {number}: {err}") from None
        steps.append(step)
        config = step.config_after
        followed = followed or step.show.run not in (None, -1)
    return Lesson(title.strip(), tuple(steps), name, source)


def _step(item: object, before: ExperimentConfig, followed: bool) -> LessonStep:
    if not isinstance(item, Mapping):
        raise _Bad("steps", "a step is an object with at least 'text'")
    unknown = sorted(set(item) - set(STEP_KEYS))
    if unknown:
        raise _Bad(unknown[0], f"unknown (known: {', '.join(STEP_KEYS)})")
    settings = item.get("settings", {})
    try:
        config = config_from_dict(settings, base=before)
    except ConfigError as err:
        key, _, rest = str(err).partition(": ")
        bad = _Bad(f"settings.{key}", rest) if key in KEYS else _Bad("settings", str(err))
        raise bad from None
    show = _show(item.get("show", {}))
    branch = None
    if "branch" in item:
        try:
            branch = branch_from_dict(item["branch"])
        except ConfigError as err:
            raise _Bad("branch", str(err).removeprefix("branch 1: ")) from None
    action = Action(_play(item.get("play"), config, followed or show.run not in (None, -1)), branch)
    step = LessonStep(config, dict(settings), show, action, _text(item.get("text")))
    predict = item.get("predict", False)
    if not isinstance(predict, bool):
        raise _Bad("predict", f"must be true or false, not {predict!r}")
    if branch is not None:
        _check_branch(step)
    return LessonStep(config, dict(settings), show, action, step.text, predict)


def _check_branch(step: LessonStep) -> None:
    try:
        step.config_after  # noqa: B018 -- the settings check the branch's parent run exists
    except ConfigError as err:
        raise _Bad("branch", str(err)) from None


def _show(item: object) -> Show:
    if not isinstance(item, Mapping):
        raise _Bad("show", f"must be an object of {', '.join(SHOW_KEYS)}")
    unknown = sorted(set(item) - set(SHOW_KEYS))
    if unknown:
        raise _Bad(f"show.{unknown[0]}", f"unknown (known: {', '.join(SHOW_KEYS)})")
    for key, allowed in (("tab", TABS), ("view", VIEWS), ("plane", PLANES), ("zoom", ZOOMS)):
        if key in item and item[key] not in allowed:
            raise _Bad(f"show.{key}", f"must be one of {', '.join(map(str, allowed))}")
    for key in ("log_y", "landscape_3d"):
        if key in item and not isinstance(item[key], bool):
            raise _Bad(f"show.{key}", "must be true or false")
    step = item.get("step")
    if step is not None and (not _is_int(step) or step < 0):
        raise _Bad("show.step", f"must be a step number ≥ 0, not {step!r}")
    values = {k: item[k] for k in SHOW_KEYS if k in item and k != "run"}
    return Show(**values, run=_run(item["run"]) if "run" in item else None)


def _run(item: object) -> int | RunRef:
    if _is_int(item) and item >= -1:
        return item
    if not isinstance(item, Mapping) or not {"optimizer", "lr"} <= set(item) <= set(RUN_KEYS):
        raise _Bad(
            "show.run", "must be a run's number or {'optimizer': ..., 'lr': ...}, not " + repr(item)
        )
    if not isinstance(item["optimizer"], str) or not _is_number(item["lr"]):
        raise _Bad("show.run", "'optimizer' must be a name and 'lr' a number")
    branch_step, branch_lr = item.get("branch_step"), item.get("branch_lr")
    if branch_step is not None and not _is_int(branch_step):
        raise _Bad("show.run", "'branch_step' must be a step number")
    if branch_lr is not None and (branch_step is None or not _is_number(branch_lr)):
        raise _Bad("show.run", "'branch_lr' must be a number, beside a 'branch_step'")
    rate = None if branch_lr is None else float(branch_lr)
    return RunRef(item["optimizer"], float(item["lr"]), branch_step, rate)


def _play(value: object, config: ExperimentConfig, followed: bool) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value not in EVENTS:
            raise _Bad("play", f"must be a step number or one of {', '.join(EVENTS)}")
        if value == "threshold" and not followed:
            raise _Bad("play", "'threshold' needs a followed run (show.run, here or before)")
        return value
    if not _is_int(value) or not 1 <= value <= config.max_steps:
        raise _Bad("play", f"must be a step from 1 to max_steps ({config.max_steps}), or an event")
    return value


def _text(value: object) -> str:
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        value = "\n".join(value)
    if not isinstance(value, str) or not value.strip():
        raise _Bad("text", "must be some text (or a list of lines)")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- writing ---------------------------------------------------------------------------------


def lesson_to_dict(lesson: Lesson) -> dict[str, Any]:
    """The lesson as plain JSON data that :func:`lesson_from_dict` reads back equal."""
    return {"title": lesson.title, "steps": [step_to_dict(step) for step in lesson.steps]}


def step_to_dict(step: LessonStep) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if step.settings:
        out["settings"] = dict(step.settings)
    show = step.show.fields_set()
    if isinstance(show.get("run"), RunRef):
        ref = show["run"]
        show["run"] = {"optimizer": ref.optimizer, "lr": ref.lr}
        for key in ("branch_step", "branch_lr"):
            if getattr(ref, key) is not None:
                show["run"][key] = getattr(ref, key)
    if show:
        out["show"] = show
    if step.action.branch is not None:
        out["branch"] = branch_to_dict(step.action.branch)
    if step.action.play is not None:
        out["play"] = step.action.play
    out["text"] = step.text
    if step.predict:
        out["predict"] = True
    return out


def write_lesson(path: str | os.PathLike, lesson: Lesson) -> None:
    """The lesson as indented JSON, written atomically (no half-written file)."""
    text = json.dumps(lesson_to_dict(lesson), indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, lambda handle: handle.write(text))


# --- the built-in lessons --------------------------------------------------------------------


def builtin_lessons() -> tuple[str, ...]:
    """The built-in lessons' names, in their order."""
    folder = resources.files(__package__).joinpath("builtin")
    files = sorted(f.name for f in folder.iterdir() if f.name.endswith(".json"))
    return tuple(_name_of(f) for f in files)


def _name_of(filename: str) -> str:
    """``04-edge-of-stability.json`` → ``edge-of-stability``."""
    stem = filename.removesuffix(".json")
    number, _, rest = stem.partition("-")
    return rest if number.isdigit() and rest else stem


def find_lesson(name_or_path: str | os.PathLike) -> Lesson:
    """A built-in lesson by name, or the lesson file at a path; ``LessonError`` in one line."""
    text = str(name_or_path)
    folder = resources.files(__package__).joinpath("builtin")
    for entry in folder.iterdir():
        if entry.name.endswith(".json") and _name_of(entry.name) == text:
            with resources.as_file(entry) as path:
                return replace(read_lesson(path, name=text), builtin=True)
    if not Path(text).exists() and not text.endswith(".json"):
        names = ", ".join(builtin_lessons())
        raise LessonError(f"no lesson {text!r}: name a lesson file or one of {names}")
    return read_lesson(text)
