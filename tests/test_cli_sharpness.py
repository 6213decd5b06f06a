"""The command line's sharpness flags: --sharpness CSV, --activation, --preset, and the
thresholds in --list-optimizers."""

import csv
import json
import re

import pytest
import torch

import main
from engine.analysis.sharpness import SharpnessTracker
from engine.analysis.stability import initial_stability, largest_eigenvalue
from engine.config.presets import EDGE_OF_STABILITY
from engine.config.settings import ExperimentConfig, OptimizerSpec
from engine.experiment.batched import BatchedExperiment
from engine.io.experiment_file import read_config_file
from engine.optimizers import REGISTRY

FLAGS = ("--optimizers", "sgd,momentum,adam_torch,lion", "--lrs", "0.05,0.1", "--seed", "3")


def rows_of(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_sharpness_csv_is_an_independent_trackers_every_step(tmp_path, capsys):
    out = tmp_path / "sharpness.csv"
    flags = (*FLAGS, "--activation", "tanh", "--max-steps", "40", "--stop-loss", "0")
    assert main.main(["--sharpness", str(out), *flags]) == 0
    with open(out, newline="") as handle:
        assert next(csv.reader(handle)) == [
            "optimizer",
            "lr",
            "step",
            "sharpness",
            "preconditioned",
        ]
    rows = rows_of(out)

    config = ExperimentConfig(
        optimizers=tuple(
            OptimizerSpec.create(n) for n in ("sgd", "momentum", "adam_torch", "lion")
        ),
        learning_rates=(0.05, 0.1),
        seed=3,
        activation="tanh",
        max_steps=40,
        stop_loss=0.0,
    )
    experiment = BatchedExperiment(config)
    tracker = SharpnessTracker(experiment)
    tracker.run_to_end()
    assert len(rows) == 8 * 40
    for row in rows:
        run = next(
            r
            for r in experiment.runs
            if r.optimizer.key == row["optimizer"] and repr(r.lr) == row["lr"]
        )
        step = int(row["step"])
        assert float(row["sharpness"]) == tracker.sharpness[run.index, step]
        if run.optimizer.name == "adam_torch":
            assert float(row["preconditioned"]) == tracker.preconditioned[run.index, step]
        else:
            assert row["preconditioned"] == ""

    # λ at step 0 is the summary's lambda_max, to the digits it prints and beyond
    printed = capsys.readouterr().out
    match = re.search(r"initial parameters: lambda_max=(\S+) ", printed)
    expected = initial_stability(config, experiment.data).lambda_max
    for row in rows:
        if row["step"] == "0":
            assert float(row["sharpness"]) == pytest.approx(expected, rel=1e-12)
            assert f"{float(row['sharpness']):.6g}" == match[1]


def test_a_later_step_is_the_top_eigenvalue_of_that_steps_hessian(tmp_path):
    """λ at step 25 of an SGD run against autograd's Hessian at that run's parameters (from a
    run of its own that keeps its path)."""
    out = tmp_path / "s.csv"
    flags = ["--optimizers", "sgd", "--lrs", "0.1", "--activation", "softplus", "--dtype"]
    flags += ["float64", "--max-steps", "30", "--stop-loss", "0"]
    assert main.main(["--sharpness", str(out), *flags]) == 0
    config = ExperimentConfig(
        optimizers=(OptimizerSpec.create("sgd"),),
        learning_rates=(0.1,),
        activation="softplus",
        dtype="float64",
        max_steps=30,
        stop_loss=0.0,
    )
    experiment = BatchedExperiment(config, record_parameters=True)
    experiment.run_to_end()
    theta = torch.from_numpy(experiment.parameters(0)[25])
    expected = largest_eigenvalue(experiment.problem.hessian(theta))
    (row,) = [r for r in rows_of(out) if r["step"] == "25"]
    assert float(row["sharpness"]) == pytest.approx(expected, rel=1e-10)


def test_sharpness_leaves_the_losses_as_they_were(tmp_path):
    plain, tracked = tmp_path / "plain.csv", tmp_path / "tracked.csv"
    assert main.main(["--csv", str(plain), *FLAGS]) == 0
    assert main.main(["--csv", str(tracked), "--sharpness", str(tmp_path / "s.csv"), *FLAGS]) == 0
    assert plain.read_bytes() == tracked.read_bytes()


def test_relu_is_the_default_bit_for_bit_and_tanh_is_not(tmp_path):
    default, relu, tanh = (tmp_path / f"{n}.csv" for n in ("default", "relu", "tanh"))
    assert main.main(["--csv", str(default), *FLAGS]) == 0
    assert main.main(["--csv", str(relu), "--activation", "relu", *FLAGS]) == 0
    assert main.main(["--csv", str(tanh), "--activation", "tanh", *FLAGS]) == 0
    assert default.read_bytes() == relu.read_bytes()
    assert [r["loss"] for r in rows_of(default)][1:10] != [r["loss"] for r in rows_of(tanh)][1:10]


def test_the_activation_is_saved_and_read_back(tmp_path):
    saved = tmp_path / "exp.json"
    assert main.main(["--activation", "softplus", "--save-config", str(saved)]) == 0
    assert json.loads(saved.read_text())["activation"] == "softplus"
    assert read_config_file(str(saved)) == ExperimentConfig(activation="softplus")
    again = tmp_path / "again.json"
    assert main.main(["--config", str(saved), "--save-config", str(again)]) == 0
    assert read_config_file(str(again)).activation == "softplus"


def test_the_preset_comes_first_and_flags_override_it(tmp_path):
    saved = tmp_path / "exp.json"
    flags = ["--preset", "edge-of-stability", "--max-steps", "300", "--dtype", "float64"]
    assert main.main([*flags, "--save-config", str(saved)]) == 0
    expected = EDGE_OF_STABILITY.apply().with_changes(max_steps=300, dtype="float64")
    assert read_config_file(str(saved)) == expected


def test_the_preset_goes_over_an_experiment_file(tmp_path):
    surface = tmp_path / "surface.json"
    assert main.main(["--save-config", str(surface), "--seed", "9"]) == 0
    text = json.loads(surface.read_text())
    text.update(problem="rosenbrock", seed=9)
    surface.write_text(json.dumps(text))
    saved = tmp_path / "exp.json"
    assert (
        main.main(
            ["--config", str(surface), "--preset", "edge-of-stability", "--save-config", str(saved)]
        )
        == 0
    )
    assert read_config_file(str(saved)) == EDGE_OF_STABILITY.apply(read_config_file(str(surface)))


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--preset", "eos"], "unknown preset 'eos' (known: edge-of-stability)"),
        (["--activation", "gelu"], "activation must be one of relu, tanh, softplus, not 'gelu'"),
    ],
)
def test_bad_preset_or_activation_is_one_line_exit_2_nothing_written(
    tmp_path, capsys, flags, message
):
    code = main.main(
        ["--csv", str(tmp_path / "l.csv"), "--sharpness", str(tmp_path / "s.csv"), *flags]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_sharpness_file_is_refused_before_training(tmp_path, capsys):
    code = main.main(["--sharpness", str(tmp_path / "missing" / "s.csv")])
    assert code == 2
    assert "folder" in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def test_sharpness_on_a_2d_problem(tmp_path, capsys):
    config = tmp_path / "exp.json"
    assert main.main(["--save-config", str(config), "--lrs", "0.001,0.01"]) == 0
    text = json.loads(config.read_text())
    text.update(problem="bowl", max_steps=20)
    config.write_text(json.dumps(text))
    out = tmp_path / "s.csv"
    assert main.main(["--config", str(config), "--sharpness", str(out)]) == 0
    rows = rows_of(out)
    assert {float(r["sharpness"]) for r in rows} == {50.0}  # x²/2 + 25y²: curvatures 1 and 50
    adam = [r for r in rows if r["optimizer"] == "adam"]
    assert adam and all(float(r["preconditioned"]) > 0 for r in adam)
    assert "lambda_max=50 " in capsys.readouterr().out


def test_list_optimizers_states_each_threshold(capsys):
    assert main.main(["--list-optimizers"]) == 0
    listing = capsys.readouterr().out.splitlines()
    for name, optimizer in REGISTRY.items():
        line = next(row for row in listing if row.split()[:1] == [name])
        rule = optimizer.threshold_rule.split(":")[0]
        assert f"threshold: {rule}" in line, name
        assert ("(preconditioned)" in line) == (optimizer.preconditioned and "η" in rule), name


def test_with_several_seeds_each_row_names_its_seed_and_is_that_seeds_own_run(tmp_path):
    """--seeds 3 adds a seed column; each seed's rows are those its run alone writes (to 1e-12:
    the draws' Hessian products, batched together, round a last bit apart from one's alone)."""
    flags = ("--optimizers", "sgd,adam_torch", "--lrs", "0.1", "--activation", "tanh")
    flags += ("--max-steps", "15", "--stop-loss", "0")
    out = tmp_path / "seeds.csv"
    assert main.main(["--sharpness", str(out), *flags, "--seed", "5", "--seeds", "3"]) == 0
    with open(out, newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["optimizer", "lr", "seed", "step", "sharpness", "preconditioned"]
    rows = rows_of(out)
    assert {row["seed"] for row in rows} == {"5", "6", "7"}
    for seed in (5, 6, 7):
        alone = tmp_path / f"seed-{seed}.csv"
        assert main.main(["--sharpness", str(alone), *flags, "--seed", str(seed)]) == 0
        ours = [row for row in rows if row["seed"] == str(seed)]
        theirs = rows_of(alone)
        assert len(ours) == len(theirs) == 2 * 15
        for row, expected in zip(ours, theirs):
            assert [row[k] for k in ("optimizer", "lr", "step")] == [
                expected[k] for k in ("optimizer", "lr", "step")
            ]
            for column in ("sharpness", "preconditioned"):
                if expected[column] == "":  # SGD divides by no denominator
                    assert row[column] == ""
                else:
                    assert float(row[column]) == pytest.approx(float(expected[column]), rel=1e-12)
