"""A student's optimizer code failing in a batched experiment: the runs of its group stop with
an ERROR at the step it failed on (why, in the ledger's ``failures``); the other runs go on."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from engine.experiment.ledger import RunLedger
from engine.experiment.rows import Group
from engine.optimizers.user_code import CodeError, CodeFailure


def init_state(group: Group, ledger: RunLedger, step: int) -> bool:
    """``group``'s fresh optimizer state; False if its code (a student's) failed, its runs
    then stopped with an ERROR at ``step`` (the others go on)."""
    try:
        group.state = group.spec.optimizer.init_state(group.params, group.spec.params)
    except CodeError as err:
        group.state = {}
        ledger.fail(group.rows, CodeFailure.of(err, group.spec.key, step, in_init=True))
        return False
    return True


def stop_failed(
    failed: Iterable[tuple[Group, CodeError]], ledger: RunLedger, updating: np.ndarray
) -> None:
    """Stop the runs of each group whose update's code failed, at the update they were on, and
    take them out of ``updating``."""
    for group, error in failed:
        update = int(ledger.counts[group.rows][updating[group.rows]].max())
        ledger.fail(group.rows, CodeFailure.of(error, group.spec.key, update))
        updating[group.rows] = False
