"""The data a model trains on: the article's five samples (three features and a cubic label
function), a larger set generated from the same function, or numbers read from a CSV file."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass

import numpy as np

from engine.core.lazy import lazy_import

torch = lazy_import("torch", __name__)


ARTICLE_X = (
    (0.7, 0.3, 0.7),
    (0.4, 1.0, 0.4),
    (0.2, 1.1, 0.1),
    (0.4, 0.7, 0.2),
    (0.1, 0.5, 0.3),
)
GENERATED_RANGE = (0.0, 1.2)  # each generated feature is uniform here, around the article's x


class DatasetError(ValueError):
    """Data that cannot be trained on; the message is one line naming the file, line and column.

    A ``ValueError`` rather than a ``ConfigError``: ``engine.config.settings`` imports this module.
    """


def article_label(x0: float, x1: float, x2: float) -> float:
    """The article's ``generate_fake_labels``: 0.8·x0³ + 0.1·x1² + 0.5·x2 + 4."""
    return x0**3 * 0.8 + x1**2 * 0.1 + x2 * 0.5 + 4.0


@dataclass(frozen=True)
class Dataset:
    """Inputs ``x`` (N×D), labels ``y`` as an (N, 1) column: predictions never broadcast to N×N."""

    x: torch.Tensor
    y: torch.Tensor

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    def to(self, dtype: torch.dtype) -> Dataset:
        return Dataset(self.x.to(dtype), self.y.to(dtype))


def article_dataset() -> Dataset:
    """The five samples the article trains on, in float32 as the article builds them."""
    x = torch.tensor(ARTICLE_X, dtype=torch.float32)
    y = torch.tensor([[article_label(*row)] for row in x.tolist()], dtype=torch.float32)
    return Dataset(x, y)


def generated_dataset(samples: int, noise: float, seed: int) -> Dataset:
    """``samples`` rows of the article's label function at uniform x in ``GENERATED_RANGE``, plus
    Gaussian noise of standard deviation ``noise``: float32, all drawn from a generator seeded
    with ``seed`` (x first, then the noise, so the inputs do not depend on the noise)."""
    generator = torch.Generator().manual_seed(seed)
    low, high = GENERATED_RANGE
    x = torch.rand((samples, 3), generator=generator, dtype=torch.float64) * (high - low) + low
    x = x.to(torch.float32)
    y = article_label(*x.to(torch.float64).unbind(dim=1)).unsqueeze(1)  # as the article: from x
    if noise:
        y = y + noise * torch.randn((samples, 1), generator=generator, dtype=torch.float64)
    return Dataset(x, y.to(torch.float32))


def read_csv_dataset(path: str | os.PathLike) -> Dataset:
    """The features and labels of :func:`parse_csv_table`'s table, in float64: the experiment
    casts to its dtype."""
    table = torch.from_numpy(parse_csv_table(path))
    return Dataset(table[:, :-1].contiguous(), table[:, -1:].contiguous())


def parse_csv_table(path: str | os.PathLike) -> np.ndarray:
    """Numeric columns, the last one the label, below an optional header (a first row that is
    not all numbers); blank lines are skipped. Returns the (rows, columns) float64 table, without
    torch, so that the window checks a file as the engine will read it.

    ``DatasetError`` names the line and column of an empty file, a header without data, fewer
    than two columns, a cell that is not a finite number, or a row of another length.
    """
    name = os.fspath(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            rows = [
                (reader.line_num, [cell.strip() for cell in row])
                for row in reader
                if any(cell.strip() for cell in row)
            ]
    except OSError as err:
        raise DatasetError(f"cannot read {name}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{name} is not a text file") from None
    except csv.Error as err:
        raise DatasetError(f"{name}: not a CSV file ({err})") from None

    def fail(line: int, column: int, problem: str) -> DatasetError:
        return DatasetError(f"{name} line {line}, column {column}: {problem}")

    if not rows:
        raise fail(1, 1, "the file is empty, expected rows of numbers")
    header = None
    if not all(_is_number(cell) for cell in rows[0][1]):
        header, rows = rows[0], rows[1:]
        if not rows:
            raise fail(header[0] + 1, 1, "no data rows after the header")
    first_line, first = rows[0]
    width = len(first)
    if width < 2:
        raise fail(first_line, 2, "need at least two columns: the features, then the label")
    if header is not None and len(header[1]) != width:
        raise fail(
            header[0],
            min(len(header[1]), width) + 1,
            f"the header has {len(header[1])} columns, the data rows {width}",
        )
    values = []
    for line, row in rows:
        if len(row) < width:
            raise fail(line, len(row) + 1, f"short row: {len(row)} cells, expected {width}")
        if len(row) > width:
            raise fail(line, width + 1, f"long row: {len(row)} cells, expected {width}")
        values.append([_number(cell, line, column, fail) for column, cell in enumerate(row, 1)])
    return np.array(values, dtype=np.float64)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _number(cell: str, line: int, column: int, fail) -> float:
    if not cell:
        raise fail(line, column, "empty cell, expected a number")
    try:
        value = float(cell)
    except ValueError:
        raise fail(line, column, f"{cell!r} is not a number") from None
    if not math.isfinite(value):
        raise fail(line, column, f"{cell!r} is not a finite number")
    return value
