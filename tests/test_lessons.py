"""Lesson files: read whole or refused with the file, step and key named; written and read back
equal; played to exactly the step or the event a step names."""

import json

import numpy as np
import pytest

from engine.analysis.stability import problem_stability
from engine.config.presets import get_preset
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.experiment.runs import RunStatus
from engine.lessons.format import RunRef
from engine.lessons.reading import (
    LessonError,
    builtin_lessons,
    find_lesson,
    lesson_from_dict,
    read_lesson,
    write_lesson,
)
from engine.live.messages import PlayTarget
from engine.live.playing import Player

LESSON = {
    "title": "Two rates",
    "steps": [
        {"settings": {"learning_rates": [0.1, 1.0], "seed": 2}, "text": "Two panels."},
        {
            "settings": {"max_steps": 200},
            "show": {
                "tab": "panels",
                "view": "sharpness",
                "log_y": True,
                "zoom": 150,
                "run": {"optimizer": "sgd", "lr": 1.0},
            },
            "play": 30,
            "text": ["SGD at η = 1:", "*bounces*."],
        },
        {
            "branch": {"from": {"optimizer": "sgd", "lr": 1.0}, "step": 20, "lr": 0.1},
            "show": {
                "step": 25,
                "plane": "pca",
                "landscape_3d": False,
                "run": {"optimizer": "sgd", "lr": 1.0, "branch_step": 20, "branch_lr": 0.1},
            },
            "play": "threshold",
            "predict": True,
            "text": "A branch.",
        },
    ],
}


def test_each_steps_settings_go_over_the_previous_steps():
    lesson = lesson_from_dict(LESSON, "two.json")
    first, second, third = (step.config for step in lesson.steps)
    assert first == ExperimentConfig(learning_rates=(0.1, 1.0), seed=2)
    assert second == first.with_changes(max_steps=200)
    assert third == second and len(third.branches) == 0
    assert len(lesson.steps[2].config_after.branches) == 1
    assert lesson.steps[1].text == "SGD at η = 1:\n*bounces*."
    assert lesson.steps[1].action.until_step == 30 and lesson.steps[2].action.event == "threshold"


def test_a_lesson_is_written_and_read_back_equal(tmp_path):
    lesson = lesson_from_dict(LESSON, "two.json")
    write_lesson(tmp_path / "two.json", lesson)
    again = read_lesson(tmp_path / "two.json")
    assert (again.title, again.steps, again.name) == (lesson.title, lesson.steps, "two")


def _with_step(**changes) -> dict:
    return {"title": "t", "steps": [{"text": "one"}, {"text": "two", **changes}]}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ([], "a lesson is an object"),
        ({"title": "t", "steps": []}, "key 'steps'"),
        ({"steps": [{"text": "a"}]}, "key 'title'"),
        ({"title": "t", "steps": [{}], "extra": 1}, "unknown key 'extra'"),
        (_with_step(text=""), "step 2, key 'text'"),
        (_with_step(colour="red"), "step 2, key 'colour'"),
        (_with_step(settings={"hidden": 0}), "step 2, key 'settings.hidden'"),
        (_with_step(settings={"speed": 3}), "step 2, key 'settings'"),
        (_with_step(show={"tab": "graphs"}), "step 2, key 'show.tab'"),
        (_with_step(show={"zoom": 110}), "step 2, key 'show.zoom'"),
        (_with_step(show={"log_y": "yes"}), "step 2, key 'show.log_y'"),
        (_with_step(show={"run": {"optimizer": "sgd"}}), "step 2, key 'show.run'"),
        (_with_step(show={"step": -1}), "step 2, key 'show.step'"),
        (_with_step(play=0), "step 2, key 'play'"),
        (_with_step(play=1001), "step 2, key 'play'"),
        (_with_step(play="forever"), "step 2, key 'play'"),
        (_with_step(play="threshold"), "step 2, key 'play'"),
        (_with_step(branch={"from": {"optimizer": "sgd", "lr": 5}, "step": 3}), "key 'branch'"),
        (_with_step(predict="yes"), "step 2, key 'predict'"),
    ],
)
def test_a_bad_lesson_is_refused_naming_the_file_step_and_key(data, says):
    with pytest.raises(LessonError) as refused:
        lesson_from_dict(data, "bad.json")
    message = str(refused.value)
    assert message.startswith("bad.json: ") and says in message and "\n" not in message


def test_a_file_that_is_not_a_lesson_is_refused_in_one_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"title": "t", "steps": [')
    with pytest.raises(LessonError, match=r"broken.json is not valid JSON: .*line 1"):
        read_lesson(path)
    with pytest.raises(LessonError, match="no lesson 'nope': name a lesson file or one of"):
        find_lesson("nope")


def test_every_built_in_lesson_reads_by_name():
    names = builtin_lessons()
    assert names and len(set(names)) == len(names)
    for name in names:
        lesson = find_lesson(name)
        assert lesson.name == name and lesson.title and all(s.text.strip() for s in lesson.steps)


def test_a_run_is_found_by_optimizer_and_rate_and_a_branch_by_its_step():
    config = lesson_from_dict(LESSON).steps[2].config_after
    runs = BatchedExperiment(config).runs
    sgd = RunRef("sgd", 1.0).index_in(runs)
    assert (runs[sgd].optimizer.key, runs[sgd].lr, runs[sgd].branch) == ("sgd", 1.0, None)
    branch = RunRef("sgd", 1.0, branch_step=20).index_in(runs)
    assert runs[branch].parent == sgd and runs[branch].lr == 0.1
    assert RunRef("sgd", 1.0, branch_step=20, branch_lr=0.1).index_in(runs) == branch
    assert RunRef("sgd", 1.0, branch_step=20, branch_lr=0.5).index_in(runs) == -1
    assert RunRef("sgd", 0.5).index_in(runs) == -1


def test_a_step_number_is_played_to_exactly_in_any_chunks():
    experiment = BatchedExperiment(ExperimentConfig())
    player = Player(experiment, PlayTarget(37))
    while player.play(10):
        pass
    assert experiment.steps_taken == 37 and player.reached


def test_play_to_divergence_stops_at_the_first_step_a_run_diverged():
    config = ExperimentConfig(learning_rates=(0.1, 3.0, 10.0))
    experiment = BatchedExperiment(config)
    Player(experiment, PlayTarget("divergence")).play_to_target()
    by_hand = BatchedExperiment(config)
    while not (by_hand.status == RunStatus.DIVERGED).any():
        assert by_hand.step(1)
    assert experiment.steps_taken == by_hand.steps_taken < config.max_steps


def test_play_to_threshold_stops_where_lambda_first_reaches_two_over_eta():
    preset = get_preset("edge-of-stability").apply()
    config = preset.with_changes(
        optimizers=(OptimizerSpec.create("sgd"),), learning_rates=(0.1,), max_steps=1000
    )
    experiment = BatchedExperiment(config)
    Player(experiment, PlayTarget("threshold", run=0)).play_to_target()
    reached = experiment.steps_taken
    before = BatchedExperiment(config)
    before.step(reached - 1)
    lam = [
        problem_stability(e.problem, e.current_parameters()[0]).lambda_max
        for e in (before, experiment)
    ]
    assert 0 < reached < 1000 and lam[0] < 2 / 0.1 <= lam[1]
    assert np.isclose(lam[1], 20.03, atol=0.01)


def test_a_built_in_lessons_code_is_the_apps_but_a_copy_of_it_asks_first(tmp_path):
    shipped = find_lesson("write-your-own")
    assert shipped.carries_code and shipped.builtin and not shipped.asks_consent
    write_lesson(tmp_path / "copy.json", shipped)
    copy = find_lesson(tmp_path / "copy.json")
    assert copy.carries_code and not copy.builtin and copy.asks_consent


def test_the_guides_example_lesson_reads_as_it_is_printed():
    from pathlib import Path

    guide = Path(__file__).resolve().parents[1] / "docs" / "guide" / "lessons.md"
    example = guide.read_text(encoding="utf-8").split("```json\n")[1].split("```")[0]
    lesson = lesson_from_dict(json.loads(example), "lessons.md")
    assert len(lesson) == 3 and lesson.steps[1].predict and lesson.steps[1].action.play == "end"
    assert lesson.steps[2].show.view == "sharpness"
