"""Pipe or shared memory: what it costs to move the live engine's updates between two processes.

The engine process sends the window a :class:`LossUpdate` up to 60 times a second. This times,
for the class mode's 512 runs (and the article's 16), one update of the columns that ~60 ms of
steps at 'max' make (and, for the worst case, a whole experiment's worth) sent three ways, each
from a spawned child process to this one:

* ``pipe``: pickled (protocol 5) into one ``send_bytes`` of a ``multiprocessing`` pipe;
* ``pipe, runs once``: the same, the run keys left out of every update (the receiver has them
  from the experiment's announcement);
* ``shared memory``: the arrays copied into a ``SharedMemory`` block the receiver copies out of,
  only their shapes and the rest of the update (run keys left out too) through the pipe.

Per way: the sender's milliseconds per update (pickle + write), the receiver's (read +
unpickle), and the bytes through the pipe. The receiver's figure is what the window's thread
pays; the sender's is what the engine pays.

Run: python benchmarks/transport.py [--updates N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import pickle
import statistics
import sys
import time
from dataclasses import fields, replace
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = (  # (runs' seeds, steps before the update, columns in the update)
    (1, 200, 60),
    (32, 200, 20),
    (32, 1000, 1000),
)


def sample_update(seeds: int, before: int, columns: int):
    """A real update of ``columns`` new columns of the article's experiment with ``seeds``."""
    from engine.config.settings import ExperimentConfig
    from engine.experiment.batched import BatchedExperiment
    from engine.live.updates import loss_update

    config = ExperimentConfig(seeds=seeds, max_steps=5000, stop_loss=0.0)
    experiment = BatchedExperiment(config)
    experiment.step(before)
    sent = experiment.steps_taken
    experiment.step(columns)
    return loss_update(experiment, 1, sent)


def without_runs(update):
    """The update with its summaries' run keys left out (the receiver keeps them)."""
    summaries = update.summaries
    summaries.runs = ()
    return update


def to_shared(update) -> tuple[SharedMemory, bytes]:
    """The update's arrays in one shared block, and the rest (with the arrays' places) pickled."""
    arrays = {f.name: getattr(update, f.name) for f in fields(update)}
    arrays = {k: v for k, v in arrays.items() if isinstance(v, np.ndarray)}
    size = sum(a.nbytes for a in arrays.values())
    block = SharedMemory(create=True, size=max(size, 1))
    places, at = {}, 0
    for name, array in arrays.items():
        view = np.ndarray(array.shape, array.dtype, buffer=block.buf, offset=at)
        view[...] = array
        places[name] = (at, array.shape, array.dtype.str)
        at += array.nbytes
    rest = replace(update, **{name: None for name in arrays})
    return block, pickle.dumps((block.name, places, rest), protocol=5)


def from_shared(header: bytes):
    name, places, rest = pickle.loads(header)
    block = SharedMemory(name=name)
    arrays = {
        key: np.ndarray(shape, np.dtype(dtype), buffer=block.buf, offset=at).copy()
        for key, (at, shape, dtype) in places.items()
    }
    block.close()
    block.unlink()
    return replace(rest, **arrays)


def sender(connection: Connection, way: str, seeds: int, before: int, columns: int, n: int):
    update = sample_update(seeds, before, columns)
    if way != "pipe":
        update = without_runs(update)
    seconds, sizes = [], []
    for _ in range(n):
        began = time.perf_counter()
        if way == "shared memory":
            block, data = to_shared(update)
            connection.send_bytes(data)
            block.close()
        else:
            data = pickle.dumps(update, protocol=5)
            connection.send_bytes(data)
        seconds.append(time.perf_counter() - began)
        sizes.append(len(data))
        connection.recv_bytes()  # one at a time: the receiver's time is its own
    connection.send_bytes(pickle.dumps((statistics.median(seconds), statistics.median(sizes))))


def measure(way: str, seeds: int, before: int, columns: int, n: int) -> tuple[float, float, int]:
    """(sender ms, receiver ms, bytes through the pipe) per update, medians."""
    context = mp.get_context("spawn")
    mine, theirs = context.Pipe()
    child = context.Process(target=sender, args=(theirs, way, seeds, before, columns, n))
    child.start()
    theirs.close()
    received = []
    for _ in range(n):
        data = mine.recv_bytes()
        began = time.perf_counter()
        update = from_shared(data) if way == "shared memory" else pickle.loads(data)
        received.append(time.perf_counter() - began)
        assert update.losses.shape[1] == columns
        mine.send_bytes(b"")
    sent, size = pickle.loads(mine.recv_bytes())
    child.join()
    return sent * 1000, statistics.median(received) * 1000, int(size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200, help="updates per way (default 200)")
    args = parser.parse_args()
    print(f"{'runs':>5s} {'columns':>7s}  {'way':16s} {'send ms':>8s} {'receive ms':>10s} bytes")
    for seeds, before, columns in CASES:
        for way in ("pipe", "pipe, runs once", "shared memory"):
            sent, received, size = measure(way, seeds, before, columns, args.updates)
            print(f"{16 * seeds:5d} {columns:7d}  {way:16s} {sent:8.3f} {received:10.3f} {size:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
