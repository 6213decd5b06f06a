"""Every number a built-in lesson's text quotes, measured on the engine.

Each claim is (lesson, step from 1, a string quoted from that step's text, a measurement). The
measurement trains the step's own settings (``config_after``) headless and gives the numbers the
string writes, in order, or True for a statement it checks whole; each must equal the number as
written, to the precision written. Every number in a step's text must belong to a claim (or to a
formula: ``FORMULAS``), so a number edited in the text without the engine agreeing fails here.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.lessons.reading import builtin_lessons, find_lesson
from tests.lesson_claims_curvature import CURVATURE_CLAIMS
from tests.lesson_claims_net import NET_CLAIMS
from tests.lesson_runs import as_written, lesson, numbers_in, text

LESSONS = (
    "article",
    "dead-units",
    "adam-then-sgd",
    "edge-of-stability",
    "saddles",
    "valleys",
    "luck",
    "catapult",
    "noise",
    "write-your-own",
)
SENTENCE_END = re.compile(r"[.?!][*)]?(?=\s|$)")  # what a teacher reads aloud: 2 to 5 of them
CLAIM_TABLES = {**NET_CLAIMS, **CURVATURE_CLAIMS}
_TABLES: dict[str, list] = {}


def claims(name: str) -> list:
    """The lesson's claims, measured once (its experiments are shared by its asserts)."""
    if name not in _TABLES:
        _TABLES[name] = CLAIM_TABLES[name]()
    return _TABLES[name]


def check_claim(name: str, step: int, written: str, measure) -> None:
    assert written in text(name, step), f"{name} step {step} no longer says {written!r}"
    value = measure()
    if isinstance(value, (bool, np.bool_)):
        assert value, f"{name} step {step}: not so: {written!r}"
        return
    values = value if isinstance(value, tuple) else (value,)
    quoted = numbers_in(written)
    assert len(quoted) == len(values), f"{name} step {step}: {written!r} quotes {quoted}"
    measured = [
        as_written(float(v), q) if np.isfinite(float(v)) else "nan" for v, q in zip(values, quoted)
    ]
    assert measured == quoted, f"{name} step {step}: {written!r} measures {measured}"


@pytest.mark.parametrize("name", LESSONS)
def test_every_number_a_lesson_quotes_holds(name):
    """Every claim of the lesson against the engine, then: no number in its text unclaimed."""
    table = claims(name)
    failures = []
    for step, written, measure in table:
        try:
            check_claim(name, step, written, measure)
        except AssertionError as err:
            failures.append(str(err))
    assert not failures, "\n".join(failures)
    for step in range(1, len(lesson(name)) + 1):
        rest = text(name, step)
        for written in sorted((w for s, w, _ in table if s == step), key=len, reverse=True):
            rest = rest.replace(written, " ")
        assert not numbers_in(rest), f"{name} step {step}: unchecked numbers {numbers_in(rest)}"


def test_the_ten_lessons_load_in_order_with_text_in_every_step():
    assert builtin_lessons() == LESSONS
    for name in LESSONS:
        found = find_lesson(name)
        assert found.name == name and found.title
        assert 3 <= len(found) <= 8, name
        for step in found.steps:
            assert step.text.strip()
            assert 2 <= len(SENTENCE_END.findall(step.text.replace("et al.", ""))) <= 5, step.text


def test_lessons_use_predict_branches_and_the_views_they_talk_about():
    steps = [step for name in LESSONS for step in find_lesson(name).steps]
    assert sum(1 for name in LESSONS if any(s.predict for s in find_lesson(name).steps)) >= 2
    assert any(step.action.branch is not None for step in steps)
    assert any(step.show.view == "sharpness" for step in steps)
    assert any(step.show.landscape_3d for step in steps)
    assert find_lesson("write-your-own").carries_code
