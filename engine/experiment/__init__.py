"""Every run of an experiment in one batched step: the runs' rows and state, their ledger,
branches, several seeds, torch.optim reference twins and the class's predictions.

May use ``engine.config`` and the layers below it.
"""
