"""Datasets and mini-batches: the article's samples as a CSV, generated sets, CSV errors, and
stochastic mini-batch descent that is reproducible from the seed."""

import json
import math

import numpy as np
import pytest
import torch

import main
from engine.config.loading import load_dataset
from engine.config.settings import ConfigError, DatasetSpec, ExperimentConfig, OptimizerSpec
from engine.core.data import (
    ARTICLE_X,
    DatasetError,
    article_label,
    generated_dataset,
    read_csv_dataset,
)
from engine.experiment.batched import BatchedExperiment
from engine.io.experiment_file import (
    config_from_dict,
    config_to_dict,
    read_config_file,
    write_config_file,
)
from tests import reference


def write_article_csv(path, header=True):
    """The article's five samples, typed as a user would: the decimals and their labels."""
    lines = ["x0,x1,x2,y"] if header else []
    lines += [",".join([*map(str, row), repr(article_label(*row))]) for row in ARTICLE_X]
    path.write_text("\n".join(lines) + "\n")
    return path


def csv_config(path, **changes):
    return ExperimentConfig(dataset=DatasetSpec(kind="csv", path=str(path)), **changes)


def generated_config(samples=23, batch_size=5, **changes):
    spec = DatasetSpec(kind="generated", samples=samples, noise=0.05, seed=7)
    return ExperimentConfig(dataset=spec, batch_size=batch_size, **changes)


# --- the article's samples as a CSV file ---------------------------------------------------


@pytest.mark.parametrize("header", [True, False], ids=["header", "no-header"])
def test_the_article_csv_gives_exactly_the_default_losses_in_the_engine(tmp_path, header):
    path = write_article_csv(tmp_path / "article.csv", header)
    default, from_csv = BatchedExperiment(), BatchedExperiment(csv_config(path))
    default.run_to_end()
    from_csv.run_to_end()
    np.testing.assert_array_equal(from_csv.counts, default.counts)
    np.testing.assert_array_equal(from_csv.loss_buffer, default.loss_buffer)


@pytest.mark.parametrize("header", [True, False], ids=["header", "no-header"])
def test_the_article_csv_gives_exactly_the_default_losses_on_the_command_line(tmp_path, header):
    path = write_article_csv(tmp_path / "article.csv", header)
    default, from_csv = tmp_path / "default.csv", tmp_path / "from_csv.csv"
    assert main.main(["--csv", str(default)]) == 0
    assert main.main(["--csv", str(from_csv), "--data", str(path)]) == 0
    assert from_csv.read_bytes() == default.read_bytes()


def test_a_csv_is_read_as_numbers_with_the_last_column_the_label(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a, b ,label\n\n1,2,3\n 4 ,5e-1,-6\n\n")  # blank lines and spaces are fine
    data = read_csv_dataset(path)
    assert data.x.tolist() == [[1.0, 2.0], [4.0, 0.5]]
    assert data.y.tolist() == [[3.0], [-6.0]]
    assert data.n_features == 2


# --- generated data ------------------------------------------------------------------------


def test_generated_labels_are_the_article_function_of_their_inputs():
    data = generated_dataset(300, 0.0, seed=5)
    assert data.x.shape == (300, 3) and data.y.shape == (300, 1)
    assert data.x.dtype == data.y.dtype == torch.float32
    assert float(data.x.min()) >= 0.0 and float(data.x.max()) < 1.2
    expected = [np.float32(article_label(*map(float, row))) for row in data.x.tolist()]
    np.testing.assert_allclose(data.y[:, 0].numpy(), expected, rtol=1e-7)
    assert len({tuple(row) for row in data.x.tolist()}) == 300  # spread out, not repeated


def test_generated_data_is_reproducible_from_its_seed_and_differs_with_another():
    first, again, other = (generated_dataset(50, 0.1, seed) for seed in (3, 3, 4))
    assert torch.equal(first.x, again.x) and torch.equal(first.y, again.y)
    assert not torch.equal(first.x, other.x)
    spec = DatasetSpec(kind="generated", samples=50, noise=0.1, seed=3)
    assert torch.equal(load_dataset(spec).y, first.y)


@pytest.mark.parametrize("noise", [0.05, 0.3])
def test_generated_noise_has_the_requested_standard_deviation(noise):
    clean, noisy = generated_dataset(20_000, 0.0, seed=1), generated_dataset(20_000, noise, seed=1)
    assert torch.equal(clean.x, noisy.x)  # the inputs do not depend on the noise
    residual = (noisy.y - clean.y).double()
    assert float(residual.std()) == pytest.approx(noise, rel=0.03)
    assert abs(float(residual.mean())) < 4 * noise / math.sqrt(20_000)


def test_a_generated_set_trains_from_the_command_line_and_is_saved(tmp_path, capsys):
    out, saved = tmp_path / "l.csv", tmp_path / "exp.json"
    args = ["--dataset", "generated", "--samples", "40", "--noise", "0.1", "--max-steps", "30"]
    assert main.main(["--csv", str(out), "--save-config", str(saved), *args]) == 0
    config = read_config_file(saved)
    assert config.dataset == DatasetSpec(kind="generated", samples=40, noise=0.1)
    experiment = BatchedExperiment(config)
    experiment.run_to_end()
    rows = out.read_text().splitlines()[1:]
    assert len(rows) == int(experiment.counts.sum())
    first = experiment.losses(0)[0]
    assert np.float32(rows[0].split(",")[3]) == first
    # an independent look at the first loss: the article's initial parameters on those data
    data = generated_dataset(40, 0.1, 0)
    params = reference.initial_parameters(0, 3, torch.float32)
    assert reference.mse(params, data.x, data.y).item() == pytest.approx(float(first), rel=1e-6)


# --- input width follows the data ----------------------------------------------------------


def test_a_five_column_csv_trains_a_four_input_model(tmp_path, capsys):
    rng = np.random.default_rng(0)
    table = rng.uniform(0, 1, size=(12, 5))
    path = tmp_path / "wide.csv"
    path.write_text(
        "a,b,c,d,label\n" + "\n".join(",".join(map(repr, r.tolist())) for r in table) + "\n"
    )
    config = csv_config(path, hidden=2, max_steps=50, dtype="float64")
    experiment = BatchedExperiment(config)
    snap = experiment.snapshot(0)
    assert snap.params["W1"].shape == (4, 2) and snap.gradient["W1"].shape == (4, 2)
    torch.manual_seed(0)  # the initial parameters, drawn independently
    w1, b1, w2, b2 = (torch.randn(s).double() for s in ((4, 2), (1,), (2, 1), (1,)))
    x, y = torch.from_numpy(table[:, :4]), torch.from_numpy(table[:, 4:])
    expected = ((torch.relu(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()
    assert snap.loss == pytest.approx(float(expected), rel=1e-12)
    experiment.run_to_end()
    assert all(np.isfinite(experiment.losses(r.index)).all() for r in experiment.runs)
    out = tmp_path / "l.csv"
    assert main.main(["--csv", str(out), "--data", str(path), "--max-steps", "5"]) == 0


# --- mini-batches --------------------------------------------------------------------------


def row_index(data):
    """Each sample's row by its inputs (generated inputs are all different)."""
    return {tuple(row): i for i, row in enumerate(data.x.tolist())}


def batch_rows(experiment, steps, index):
    """The rows of the batch each of ``steps`` steps trained on, read before the step."""
    batches = []
    for _ in range(steps):
        batch = experiment.current_data()
        assert torch.equal(experiment.current_data().x, batch.x)  # reading consumes nothing
        batches.append([index[tuple(row)] for row in batch.x.tolist()])
        experiment.step(1)
    return batches


def test_each_epoch_visits_every_sample_once_in_a_new_order():
    config = generated_config(samples=23, batch_size=5, stop_loss=0.0, max_steps=100)
    experiment = BatchedExperiment(config)
    index = row_index(load_dataset(config.dataset))
    batches = batch_rows(experiment, 15, index)  # 3 epochs of 5 batches: 5, 5, 5, 5, 3
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3] * 3
    epochs = [sum(batches[e * 5 : (e + 1) * 5], []) for e in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(23))
    assert epochs[0] != epochs[1] != epochs[2] and epochs[0] != list(range(23))


def test_mini_batch_runs_are_reproducible_from_the_seed():
    config = generated_config(stop_loss=0.0, max_steps=120)
    first, second = BatchedExperiment(config), BatchedExperiment(config)
    first.run_to_end()
    for _ in range(40):  # stepping in pieces, with snapshots between, changes nothing
        second.snapshot(3)
        second.current_data()
        second.step(3)
    np.testing.assert_array_equal(first.loss_buffer, second.loss_buffer)
    second.reset()  # starts the batches over
    second.run_to_end()
    np.testing.assert_array_equal(first.loss_buffer, second.loss_buffer)


def test_another_seed_gives_other_batches_and_other_losses():
    config = generated_config(stop_loss=0.0, max_steps=30)
    index = row_index(load_dataset(config.dataset))
    ours = batch_rows(BatchedExperiment(config), 10, index)
    theirs = batch_rows(BatchedExperiment(config.with_changes(seed=1)), 10, index)
    assert ours != theirs
    a, b = BatchedExperiment(config), BatchedExperiment(config.with_changes(seed=1))
    a.run_to_end()
    b.run_to_end()
    assert not np.array_equal(a.loss_buffer, b.loss_buffer)


@pytest.mark.parametrize("batch_size", [10, 11, 1000])
def test_a_batch_of_every_sample_is_the_full_batch_bitwise(batch_size):
    config = generated_config(samples=10, batch_size=None, max_steps=200)
    full, batched = (
        BatchedExperiment(config),
        BatchedExperiment(config.with_changes(batch_size=batch_size)),
    )
    full.run_to_end()
    batched.run_to_end()
    np.testing.assert_array_equal(full.loss_buffer, batched.loss_buffer)


def one_run_on_batches(name, hp, lr, batches, seed, hidden):
    """One run trained the article's way (autograd, a rule per tensor) on the given batches."""
    params = reference.initial_parameters(seed, hidden)
    states = [{} for _ in params]
    rule = reference.article_rule(name, hp)
    losses = []
    for x, y in batches:
        loss = reference.mse(params, x, y)
        if not math.isfinite(loss.item()):
            break
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p, s in zip(params, states):
                rule(p, p.grad, s, lr)
                p.grad = None
    return losses


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_batched_mini_batch_runs_equal_an_independent_one_run_loop(name):
    specs = (OptimizerSpec.create(name), OptimizerSpec.create("momentum"))
    config = generated_config(
        samples=17,
        batch_size=4,
        optimizers=specs,
        learning_rates=(0.01, 0.1),
        dtype="float64",
        stop_loss=0.0,
        max_steps=150,
        seed=2,
    )
    experiment = BatchedExperiment(config)
    batches = []
    while not experiment.done:
        batch = experiment.current_data()
        batches.append((batch.x.clone(), batch.y.clone()))
        experiment.step(1)
    assert len(batches) == 150 and {len(x) for x, _ in batches} == {4, 1}
    for run in experiment.runs:
        expected = one_run_on_batches(
            run.optimizer.name, dict(run.optimizer.params), run.lr, batches, seed=2, hidden=3
        )
        ours = experiment.losses(run.index)
        assert len(ours) == len(expected) == 150
        np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


def test_a_snapshot_shows_the_loss_and_gradient_of_the_next_batch():
    experiment = BatchedExperiment(generated_config(stop_loss=0.0, dtype="float64"))
    experiment.step(7)
    snap, batch = experiment.snapshot(2), experiment.current_data()
    params = [torch.from_numpy(snap.params[k]).requires_grad_() for k in ("W1", "b1", "W2", "b2")]
    loss = reference.mse(params, batch.x, batch.y)
    loss.backward()
    assert snap.loss == pytest.approx(loss.item(), rel=1e-12)
    for key, p in zip(("W1", "b1", "W2", "b2"), params):
        np.testing.assert_allclose(snap.gradient[key], p.grad.numpy(), rtol=1e-10, atol=1e-14)
    experiment.step(1)
    assert experiment.losses(2)[-1] == pytest.approx(snap.loss, rel=1e-12)


def test_the_torch_optim_twins_train_on_the_same_mini_batches():
    config = generated_config(
        optimizers=(OptimizerSpec.create("adam_torch"), OptimizerSpec.create("sgd")),
        learning_rates=(0.01, 0.1),
        stop_loss=0.0,
        max_steps=200,
    )
    experiment = BatchedExperiment(config, reference=True)
    experiment.run_to_end()
    check = experiment.reference
    for run in experiment.runs:
        assert 0 <= check.max_diff[run.index] < 1e-4, run
        np.testing.assert_allclose(check.losses[run.index], experiment.losses(run.index), 1e-4)


def test_an_explicit_dataset_still_overrides_the_config():
    data = generated_dataset(8, 0.0, seed=0)
    experiment = BatchedExperiment(ExperimentConfig(max_steps=3), data)
    assert torch.equal(experiment.current_data().x, data.x)


# --- CSV errors ----------------------------------------------------------------------------

GOOD = "0.7,0.3,0.7,4.5\n"
BAD_CSVS = [
    ("non-numeric", "x0,x1,x2,y\n" + GOOD + "0.4,abc,0.4,4.4\n", "line 3, column 2: 'abc'"),
    ("nan", GOOD + "0.4,1.0,nan,4.4\n", "line 2, column 3: 'nan' is not a finite number"),
    ("inf", GOOD + "0.4,1.0,0.4,-inf\n", "line 2, column 4: '-inf' is not a finite number"),
    ("empty cell", GOOD + "0.4,,0.4,4.4\n", "line 2, column 2: empty cell"),
    ("short row", GOOD + GOOD + "0.4,1.0,0.4\n", "line 3, column 4: short row"),
    ("long row", GOOD + "0.4,1.0,0.4,4.4,9\n", "line 2, column 5: long row"),
    ("one column", "1\n2\n", "line 1, column 2: need at least two columns"),
    ("empty file", "", "line 1, column 1: the file is empty"),
    ("blank lines only", "\n \n", "line 1, column 1: the file is empty"),
    ("header only", "x0,x1,x2,y\n", "line 2, column 1: no data rows after the header"),
    ("header too short", "x0,x1,y\n" + GOOD, "line 1, column 4: the header has 3 columns"),
]


@pytest.mark.parametrize("case, text, message", BAD_CSVS, ids=[c[0] for c in BAD_CSVS])
def test_a_bad_csv_names_line_and_column_exits_2_and_writes_nothing(
    tmp_path, capsys, case, text, message
):
    bad = tmp_path / "data.csv"
    bad.write_text(text)
    with pytest.raises(DatasetError) as raised:
        read_csv_dataset(bad)
    assert str(raised.value).startswith(f"{bad} {message}") and "\n" not in str(raised.value)
    outputs = ["--csv", tmp_path / "l.csv", "--save-config", tmp_path / "exp.json"]
    assert main.main([*map(str, outputs), "--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optimizers-from-scratch: error: ") and err.count("\n") == 1
    assert f"data.csv {message}" in err
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


def test_a_missing_csv_is_refused_in_one_line(tmp_path, capsys):
    assert main.main(["--csv", str(tmp_path / "l.csv"), "--data", str(tmp_path / "no.csv")]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "no.csv" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--batch-size", "0"], "batch size must be at least 1, not 0"),
        (["--batch-size", "two"], "--batch-size must be a whole number, not 'two'"),
        (["--samples", "50"], "--samples is for a generated set"),
        (["--dataset", "generated", "--samples", "0"], "samples must be between 1 and"),
        (["--dataset", "generated", "--noise", "-1"], "noise must be zero or more and finite"),
        (["--dataset", "generated", "--noise", "nan"], "noise must be zero or more and finite"),
        (["--dataset", "generated", "--data", "x.csv"], "--data reads a CSV file"),
        (["--dataset", "csv"], "invalid choice: 'csv'"),
    ],
)
def test_bad_data_flags_are_one_line_exit_2(tmp_path, capsys, args, message):
    assert main.main(["--csv", str(tmp_path / "l.csv"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []


# --- experiment files ----------------------------------------------------------------------

CONFIGS = [
    ExperimentConfig(),
    ExperimentConfig(batch_size=8),
    ExperimentConfig(dataset=DatasetSpec(kind="generated", samples=50, noise=0.1, seed=3)),
    ExperimentConfig(dataset=DatasetSpec(kind="csv", path="/data/d.csv"), batch_size=1),
    ExperimentConfig(dataset=DatasetSpec(kind="article", samples=9)),  # kept, though unused
]


@pytest.mark.parametrize("config", CONFIGS)
def test_dataset_and_batch_size_round_trip_through_a_dict(config):
    assert config_from_dict(json.loads(json.dumps(config_to_dict(config)))) == config


def test_the_dict_holds_what_the_kind_uses():
    assert config_to_dict(ExperimentConfig())["dataset"] == {"kind": "article"}
    assert config_to_dict(ExperimentConfig())["batch_size"] is None
    generated = DatasetSpec(kind="generated", samples=50, noise=0.1, seed=3)
    assert config_to_dict(ExperimentConfig(dataset=generated))["dataset"] == {
        "kind": "generated",
        "samples": 50,
        "noise": 0.1,
        "seed": 3,
    }
    assert config_from_dict({"dataset": "generated"}).dataset == DatasetSpec(kind="generated")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"dataset": {"kind": "generated", "sample": 3}}, "unknown key 'sample' in dataset"),
        ({"dataset": {"samples": 3}}, "dataset must be a kind or"),
        ({"dataset": {"kind": "csv"}}, "a csv dataset needs the path of its file"),
        ({"dataset": {"kind": "mnist"}}, "dataset must be one of article, generated, csv"),
        ({"dataset": {"kind": "generated", "noise": "lots"}}, "noise must be a number"),
        ({"batch_size": 0}, "batch size must be at least 1"),
        ({"batch_size": 2.5}, "batch size must be a whole number"),
    ],
)
def test_bad_dataset_settings_are_refused(data, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(data)


def test_a_saved_experiment_with_a_csv_dataset_reopens_from_anywhere(tmp_path, monkeypatch, capsys):
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    write_article_csv(work / "article.csv")
    monkeypatch.chdir(work)
    flags = ["--data", "article.csv", "--batch-size", "2", "--optimizers", "adam,sgd"]
    assert main.main([*flags, "--save-config", "exp.json", "--csv", "first.csv"]) == 0
    config = read_config_file(work / "exp.json")
    assert config.dataset == DatasetSpec(kind="csv", path=str(work / "article.csv"))
    assert config.batch_size == 2
    monkeypatch.chdir(elsewhere)
    assert main.main(["--config", str(work / "exp.json"), "--csv", "second.csv"]) == 0
    assert (elsewhere / "second.csv").read_bytes() == (work / "first.csv").read_bytes()


def test_a_relative_data_file_in_an_experiment_file_is_next_to_it(tmp_path):
    write_article_csv(tmp_path / "article.csv")
    (tmp_path / "exp.json").write_text('{"dataset": {"kind": "csv", "path": "article.csv"}}')
    config = read_config_file(tmp_path / "exp.json")
    assert config.dataset.path == str(tmp_path / "article.csv")
    write_config_file(tmp_path / "again.json", config)
    assert read_config_file(tmp_path / "again.json") == config


def test_flags_override_the_dataset_of_a_config_file(tmp_path, capsys):
    saved, again = tmp_path / "exp.json", tmp_path / "again.json"
    flags = ["--dataset", "generated", "--samples", "30", "--noise", "0.2", "--batch-size", "4"]
    assert main.main([*flags, "--save-config", str(saved)]) == 0
    assert main.main(["--config", str(saved), "--samples", "60", "--save-config", str(again)]) == 0
    config = read_config_file(again)
    assert config.dataset == DatasetSpec(kind="generated", samples=60, noise=0.2)
    assert config.batch_size == 4
    article = tmp_path / "article.json"
    assert (
        main.main(["--config", str(saved), "--dataset", "article", "--save-config", str(article)])
        == 0
    )
    assert read_config_file(article).dataset == DatasetSpec()
