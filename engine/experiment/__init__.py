"""Every run of an experiment in one batched step: the runs' rows and state, where they start,
their ledger, branches, several seeds, torch.optim reference twins, the class's predictions, and
the memory their records can reach.

May use ``engine.config`` and the layers below it.
"""
