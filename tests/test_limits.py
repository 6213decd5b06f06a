"""The limits table: every numeric setting's validation reads it, at both ends and beyond."""

import json

import pytest

from engine.config.limits import LIMITS
from engine.config.settings import ConfigError
from engine.io.experiment_file import config_from_dict, config_to_dict
from tests.limit_cases import beyond, edges, setting_of, settings_with

AT_THE_ENDS = [(key, value) for key, limits in LIMITS.items() for value in edges(limits)]
BEYOND = [(key, value) for key, limits in LIMITS.items() for value in beyond(limits)]


@pytest.mark.parametrize("key, value", AT_THE_ENDS)
def test_a_setting_at_an_end_of_its_limits_is_accepted_and_saved_back_unchanged(key, value):
    config = config_from_dict(settings_with(key, value))
    assert setting_of(config, key) == value
    saved = json.loads(json.dumps(config_to_dict(config)))
    assert saved == config_to_dict(config)
    assert config_from_dict(saved) == config


@pytest.mark.parametrize("key, value", BEYOND)
def test_a_setting_beyond_its_limits_is_refused_in_one_line_saying_its_range(key, value):
    with pytest.raises(ConfigError) as refused:
        config_from_dict(settings_with(key, value))
    message = str(refused.value)
    assert "\n" not in message
    assert f"{LIMITS[key].name} must be {LIMITS[key].rule}, not " in message


def test_the_ranges_read_as_the_messages_say_them():
    rules = {key: limits.rule for key, limits in LIMITS.items()}
    assert rules == {
        "learning_rates": "positive and finite",
        "seed": "between 0 and 9223372036854775807",
        "seeds": "between 1 and 64",
        "max_steps": "between 1 and 1000000",
        "stop_loss": "finite",
        "hidden": "between 1 and 256",
        "batch_size": "at least 1",
        "start": "finite",
        "dataset.samples": "between 1 and 100000",
        "dataset.noise": "zero or more and finite",
        "dataset.seed": "between 0 and 9223372036854775807",
        "branch.step": "between 0 and 999999",
    }


def test_a_number_too_big_for_a_float_is_refused_not_a_crash():
    with pytest.raises(ConfigError, match="stop loss must be finite, not 1000"):
        config_from_dict({"stop_loss": 10**400})
    with pytest.raises(ConfigError, match="learning rate must be positive and finite"):
        config_from_dict({"learning_rates": [10**400]})
