"""An experiment's worst-case memory, against a hand calculation and against what one run to
its max steps really holds; and the one-line refusal of one that cannot fit."""

import os

import pytest

import main
from engine.analysis.sharpness import SharpnessTracker
from engine.analysis.sweep import SWEEP_LRS
from engine.analysis.sweep_run import sweep_task
from engine.config.settings import BranchSpec, ExperimentConfig, OptimizerSpec
from engine.core.tasks import TaskState
from engine.experiment import memory
from engine.experiment.batched import BatchedExperiment
from engine.experiment.memory import (
    MemoryRefused,
    check_memory,
    record_buffers,
    run_count,
    worst_case_bytes,
)
from engine.io.experiment_file import write_config_file
from engine.live.session import LiveSession, live_worst_case

TWO_BY_THREE = ExperimentConfig(
    optimizers=(OptimizerSpec.create("sgd"), OptimizerSpec.create("adam")),
    learning_rates=(0.1, 0.01, 0.001),
    seeds=5,
    max_steps=1000,
)


def test_the_estimate_is_the_hand_calculation():
    """2 optimizers × 3 rates × 5 seeds = 30 runs × 1,000 steps = 30,000 cells: float32 losses
    120,000 B, float64 rates 240,000, the twins' float32 losses 120,000, λ and preconditioned
    λ 240,000 each and the computed flags 30,000, paths of 14 float32 parameters 1,680,000;
    2,670,000 in all, and the largest (the paths) once more while it doubles: 4,350,000."""
    assert record_buffers(TWO_BY_THREE) == (120_000, 240_000)
    every = record_buffers(TWO_BY_THREE, path_size=14, sharpness=True, reference=True)
    assert sorted(every) == sorted((120_000, 240_000, 120_000, 240_000, 240_000, 30_000, 1_680_000))
    assert worst_case_bytes(every) == 4_350_000
    sweep = record_buffers(TWO_BY_THREE, learning_rates=SWEEP_LRS)  # 2 × 64 × 5 runs
    assert sweep == (640_000 * 4, 640_000 * 8)
    assert worst_case_bytes(()) == 0


def test_the_runs_counted_are_the_experiments_runs():
    branches = (BranchSpec("sgd", 0.1, 10, lr=0.5), BranchSpec("adam", 0.01, 20))
    for config in (TWO_BY_THREE, TWO_BY_THREE.with_changes(seeds=1, branches=branches)):
        assert run_count(config) == len(BatchedExperiment(config).runs)
    swept = BatchedExperiment(TWO_BY_THREE, learning_rates=SWEEP_LRS[:7])
    assert run_count(TWO_BY_THREE, SWEEP_LRS[:7]) == len(swept.runs)


def test_the_estimate_is_what_a_run_to_max_steps_holds():
    """Every run to its 300 steps (past the first 256 columns): the records, the sharpness and
    the paths hold exactly the buffers estimated."""
    config = ExperimentConfig(max_steps=300, stop_loss=-1.0)
    experiment = BatchedExperiment(config, record_parameters=True)
    tracker = SharpnessTracker(experiment)
    tracker.run_to_end()
    size = experiment.problem.size
    assert experiment.records_nbytes == sum(record_buffers(config, path_size=size))
    with_sharpness = record_buffers(config, sharpness=True)
    assert tracker.nbytes == sum(with_sharpness) - sum(record_buffers(config))


def test_a_refusal_is_one_line_with_the_estimate():
    config = ExperimentConfig(max_steps=1_000_000)
    with pytest.raises(MemoryRefused) as refused:
        check_memory(73_728_000_000, config, "the experiment", available=23_700_000_000)
    assert str(refused.value) == (
        "the experiment could need 73.7 GB of memory if every run went on to max steps "
        "(1,000,000), more than the 23.7 GB available: "
        "lower max steps, seeds, learning rates or optimizers"
    )
    check_memory(512_000, config, available=512_000)  # fits exactly: no refusal


def test_the_machine_has_at_most_its_physical_memory_available():
    available = memory.available_memory()
    if hasattr(os, "sysconf"):
        assert 0 < available <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def test_the_headless_run_refuses_the_issues_experiment_before_training(
    tmp_path, capsys, monkeypatch
):
    """Issue 18's file: 9 rates × 4 optimizers × 64 seeds, 1,000,000 steps. 2,304 runs ×
    10⁶ steps × (4 + 8) bytes kept, the same again for the copy the CSV is written from, and
    the rates (18.4 GB) once more: 73.7 GB."""
    monkeypatch.setattr(memory, "available_memory", lambda: 23_700_000_000)
    rates = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
    config = ExperimentConfig(learning_rates=rates, seeds=64, max_steps=1_000_000)
    path = tmp_path / "big.json"
    write_config_file(path, config)
    out, saved = tmp_path / "losses.csv", tmp_path / "saved.json"
    code = main.main(["--config", str(path), "--csv", str(out), "--save-config", str(saved)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "the experiment could need 73.7 GB of memory" in err
    assert "more than the 23.7 GB available" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.json"]  # nothing written


@pytest.mark.parametrize("available, code", [(511_999, 2), (512_000, 0)])
def test_the_headless_refusal_is_at_the_estimate(tmp_path, capsys, monkeypatch, available, code):
    """The article's 16 runs × 1,000 steps: 64,000 B of float32 losses and 128,000 of rates,
    the same again for the CSV's copy, and the rates once more: 512,000 bytes."""
    monkeypatch.setattr(memory, "available_memory", lambda: available)
    out = tmp_path / "losses.csv"
    assert main.main(["--csv", str(out)]) == code
    assert out.exists() == (code == 0)
    if code:
        assert "could need 0.512 MB" in capsys.readouterr().err


def test_a_sweep_too_big_is_refused_before_it_trains(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 10**6)
    reports = []
    with pytest.raises(MemoryRefused, match="^the sweep could need 5.12 MB"):
        sweep_task(TaskState(report=reports.append), ExperimentConfig())
    assert reports == []


def test_the_window_engine_refuses_and_keeps_the_experiment_it_had(monkeypatch):
    """The article's 16 runs at 1,000,000 steps (paths not kept: too long): 16·10⁶ cells ×
    (4 + 8 + 17) B live, × (4 + 8) in the timeline's scratch copy, × (4 + 4 + 8 + 8 + 8) in
    the window's copy, the rates once more (128 MB) and 64 MiB of checkpoints."""
    config = ExperimentConfig(max_steps=1_000_000)
    expected = 16 * 10**6 * (29 + 12 + 32 + 8) + 64 * 2**20
    assert live_worst_case(config, None, reference=False) == expected
    monkeypatch.setattr(memory, "available_memory", lambda: expected - 1)
    session, reports = LiveSession(), []
    session.build(TaskState(report=reports.append), ExperimentConfig(), reference=False)
    kept = session.experiment
    with pytest.raises(MemoryRefused, match="could need 1.36 GB"):
        session.build(TaskState(report=reports.append), config, reference=False)
    assert session.experiment is kept
    session.step(TaskState(report=reports.append))
    assert kept.steps_taken == 1
