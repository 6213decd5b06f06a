"""A student's optimizer file: read without running it, run through the built-ins' contract."""

import numpy as np
import pytest

from engine.config.settings import ConfigError, ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.optimizers.user_code import CodeError, OptimizerCode, read_outline
from tests.student_code import MOMENTUM


def test_the_outline_is_read_without_running_the_file():
    code = OptimizerCode(MOMENTUM + "\nraise SystemExit('ran')\n", "mine.py")
    outline = read_outline(code)
    assert (outline.name, [h.name for h in outline.hyperparameters]) == ("My momentum", ["beta"])
    assert outline.has_init and not outline.takes_step and not outline.has_threshold


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("def update(params, grads, state):\n    pass\n", 1, "must start with"),
        ("x = (\n", 1, "SyntaxError"),
        ('hyperparameters = {"a": x}\n', 1, "literal"),
        ("\n\nname = 3\ndef update(params, grads, state, lr): pass\n", 3, "non-empty string"),
        ('hyperparameters = {"a": 1.0}\ndef update(params, grads, state, lr): pass\n', 2, "'a'"),
        ("x = 1\n", None, "no update"),
    ],
)
def test_a_broken_contract_names_its_line(source, line, words):
    with pytest.raises(CodeError) as caught:
        read_outline(OptimizerCode(source, "bad.py"))
    assert caught.value.line == line and words in str(caught.value)
    assert str(caught.value).startswith("bad.py")


def test_momentum_written_as_a_file_equals_the_built_in_bit_for_bit():
    mine = OptimizerSpec.create("ignored", None, OptimizerCode(MOMENTUM, "mine.py"))
    assert (mine.name, mine.key, mine.label) == ("My momentum",) * 3
    config = ExperimentConfig(optimizers=(OptimizerSpec.create("momentum"), mine))
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    for lr in range(4):
        np.testing.assert_array_equal(experiment.losses(lr), experiment.losses(4 + lr))


def test_a_bad_file_is_a_config_error():
    with pytest.raises(ConfigError, match="bad.py, line 1: SyntaxError"):
        OptimizerSpec.create("x", None, OptimizerCode("def update(:\n", "bad.py"))
