"""The templates of a student's optimizer and Check: each template computes its built-in's rule
bit for bit, and Check says so, or says where and how a rule differs, or where it failed."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.analysis import rule_check_run
from engine.analysis.rule_check import CHECK_TASK, CheckResult, agreement, describe_builtin
from engine.analysis.rule_check_run import check_rule, relative_difference, trials
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.live.protocol import CHECK
from engine.live.worker import EngineWorker
from engine.optimizers import get_optimizer
from engine.optimizers.templates import TEMPLATE_BUILTINS, TEMPLATES, template_code
from engine.optimizers.user_code import OptimizerCode, read_outline
from tests.processes import wait_gone

ROOT = Path(__file__).resolve().parents[1]


def edited(key: str, old: str, new: str, filename: str = "mine.py") -> OptimizerCode:
    """Template ``key`` with ``old`` replaced by ``new`` (which must be there)."""
    source = template_code(key).source
    assert old in source
    return OptimizerCode(source.replace(old, new), filename)


def test_each_template_has_its_built_ins_settings_and_defaults_exactly():
    for key in TEMPLATES:
        outline = read_outline(template_code(key))
        builtin = get_optimizer(TEMPLATE_BUILTINS[key])
        if key == "blank":
            assert (outline.name, outline.hyperparameters) == ("My optimizer", ())
            continue
        mine = {h.name: h.default for h in outline.hyperparameters}
        assert mine == builtin.defaults
        assert [type(v) for v in mine.values()] == [type(v) for v in builtin.defaults.values()]
    assert read_outline(template_code("adam")).takes_step


def test_the_template_files_ship_with_the_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = package_data["package-data"]["engine.optimizers"]
    folder = ROOT / "engine" / "optimizers"
    files = {p.relative_to(folder).as_posix() for p in (folder / "template_files").glob("*.py")}
    assert files == {f"template_files/{key}.py" for key in TEMPLATES}
    assert all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files)


def test_an_unknown_template_is_refused_with_the_known_ones():
    with pytest.raises(KeyError, match="blank, sgd"):
        template_code("nadam")


@pytest.mark.parametrize(
    ("key", "builtin", "settings"),
    [
        ("blank", "sgd", None),
        ("sgd", "sgd", None),
        ("momentum", "momentum", None),
        ("momentum", "momentum", {"beta": 0.5}),
        ("rmsprop", "rmsprop", None),
        ("rmsprop", "rmsprop", {"rho": 0.5, "eps": 1e-3}),
        ("adam", "adam", None),
        ("adam", "adam", {"bias_correction": True}),
        ("adam", "adam_torch", {"beta2": 0.999, "eps": 1e-8, "bias_correction": True}),
    ],
)
def test_each_template_equals_its_built_in_bit_for_bit(key, builtin, settings):
    result = check_rule(template_code(key), settings, builtin)
    assert result.equal and result.largest_difference == 0.0
    assert result.message.endswith("bit for bit")


def test_momentum_at_beta_one_half_is_named_with_its_setting():
    result = check_rule(template_code("momentum"), {"beta": 0.5}, "momentum")
    assert result.message == "equals Momentum (β = 0.5) bit for bit"


def test_a_rule_written_in_another_order_equals_to_float32_rounding():
    """m + (1−β)(g − m) is β·m + (1−β)·g in exact arithmetic, not in float32."""
    code = edited(
        "momentum",
        'beta * state["m"] + (1 - beta) * grads',
        'state["m"] + (1 - beta) * (grads - state["m"])',
    )
    result = check_rule(code, None, "momentum")
    assert result.equal and 0.0 < result.largest_difference < 1e-5
    assert result.message == agreement("Momentum (β = 0.9)", result.largest_difference)


def test_momentum_without_its_one_minus_beta_differs_at_step_one_in_state_m():
    result = check_rule(edited("momentum", "(1 - beta) * grads", "grads"), None, "momentum")
    assert not result.equal and not result.failed and result.step == 1
    assert result.largest_difference == pytest.approx(9.0)  # m is g, Momentum's is g/10
    assert result.message.startswith("differs at step 1 on random tensors (float32): ")
    assert "state m is 10× Momentum's" in result.message


def test_adam_without_bias_correction_differs_at_step_one_with_its_state_right():
    result = check_rule(template_code("adam"), None, "adam", {"bias_correction": True})
    assert not result.equal and result.step == 1
    assert "new params differ by" in result.message
    assert result.message.endswith("while state m and v agree")


def test_a_state_that_does_not_start_at_zero_is_named_before_the_first_step():
    code = edited("momentum", "torch.zeros_like(params)", "torch.ones_like(params)")
    result = check_rule(code, None, "momentum")
    assert (result.step, result.equal) == (0, False)
    assert result.message.endswith("state m should start at 0")


def test_a_name_error_gives_the_file_and_its_line():
    code = edited("momentum", 'm = beta * state["m"]', 'm = bta * state["m"]', "bad.py")
    line = next(n for n, text in enumerate(code.source.splitlines(), 1) if "bta *" in text)
    result = check_rule(code, None, "momentum")
    assert result.failed and not result.equal and result.line == line
    assert result.message == (
        f"error at step 1: bad.py, line {line}: NameError: name 'bta' is not defined"
    )


def test_a_syntax_error_gives_its_line():
    result = check_rule(OptimizerCode("x = 1\ndef update(:\n", "bad.py"), None, "sgd")
    assert result.failed and result.line == 2 and "SyntaxError" in result.message


def test_an_endless_loop_ends_the_check_at_its_line(monkeypatch):
    monkeypatch.setattr(rule_check_run, "TIME_LIMIT", 0.2)
    source = "def update(params, grads, state, lr):\n    while True:\n        pass\n"
    result = check_rule(OptimizerCode(source, "loop.py"), None, "sgd")
    assert result.failed and result.line in (2, 3)
    assert "did not finish within 0.2 s" in result.message


def test_a_nan_is_reported_as_one():
    code = edited("sgd", "params - lr * grads", "params - lr * grads / 0 * 0")
    result = check_rule(code, None, "sgd")
    assert result.step == 1 and "new params are NaN where SGD's are finite" in result.message


def test_the_relative_difference_is_per_run_against_the_built_ins_largest_entry():
    mine = torch.tensor([[1.0, 2.5], [0.0, 0.0], [float("nan"), 1.0]])
    theirs = torch.tensor([[1.0, 2.0], [0.0, 0.0], [float("nan"), 1.0]])
    assert relative_difference(mine, theirs) == 0.5 / 2.0
    assert relative_difference(mine[1:], theirs[1:]) == 0.0  # 0 = 0, NaN = NaN
    assert relative_difference(torch.ones(1, 2), torch.zeros(1, 2)) == float("inf")


def test_the_built_in_is_named_by_the_symbols_of_its_settings():
    adam = get_optimizer("adam_torch")
    assert describe_builtin(adam.display_name, adam.hyperparameters, adam.defaults) == (
        "Adam (torch defaults, β₁ = 0.9, β₂ = 0.999, ε = 1e-8, bias correction)"
    )
    assert agreement("Momentum (β = 0.9)", 3.2e-8) == "equals Momentum (β = 0.9) to 3e-8"


def test_the_article_trial_is_the_experiments_first_five_steps():
    """Check steps every run five times; the app freezes a run once it converges (Momentum at
    η = 1 after step 3), so the steps it recorded are compared."""
    article = list(trials())[-1]
    momentum = get_optimizer("momentum")
    config = ExperimentConfig(optimizers=(OptimizerSpec.create("momentum"),))
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.step(rule_check_run.STEPS + 1)  # the parameters after step k are recorded at k + 1
    params, state = article.params, momentum.init_state(article.params, momentum.defaults)
    compared = 0
    for step in range(1, rule_check_run.STEPS + 1):
        grads = article.gradient(params, step)
        params, state = momentum.update(params, grads, state, article.lr, momentum.defaults)
        for run in range(len(config.learning_rates)):
            recorded = experiment.parameters(run)
            if step < len(recorded):
                np.testing.assert_array_equal(params[run].numpy(), recorded[step])
                compared += 1
    assert compared == 3 * rule_check_run.STEPS + 3


def test_the_window_reads_templates_and_results_without_importing_torch():
    script = textwrap.dedent(
        """
        import sys
        from engine.analysis.rule_check import CHECK_TASK, CheckResult
        from engine.optimizers.templates import TEMPLATES, template_code
        from engine.optimizers.user_code import read_outline
        names = [read_outline(template_code(key)).name for key in TEMPLATES]
        print(len(names), "torch" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [str(len(TEMPLATES)), "False"]


def test_check_runs_as_a_named_task_in_the_engine_process(qtbot):
    worker = EngineWorker()
    qtbot.waitUntil(lambda: worker.connection.pid is not None, timeout=60000)
    pid = worker.connection.pid
    try:
        runner = worker.runner(CHECK)
        broken = edited("momentum", "(1 - beta) * grads", "grads")
        with qtbot.waitSignal(runner.finished, timeout=60000) as finished:
            runner.start(CHECK_TASK, broken, {"beta": 0.5}, "momentum", None)
        result = finished.args[0]
        assert isinstance(result, CheckResult)
        assert result == check_rule(broken, {"beta": 0.5}, "momentum")  # what it says here
        assert result.step == 1 and "state m is 2× Momentum's" in result.message
    finally:
        worker.shutdown()
    assert wait_gone(pid)
