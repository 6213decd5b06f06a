"""My optimizer: start here.

As it stands this is plain gradient descent, so it runs and its curve appears at once: change
update (and init, if your rule remembers something between steps), save, and watch.
params and grads are tensors of shape (runs, P): every run's parameters at once, one row each.
lr is (runs, 1), each run's learning rate. torch and math are there without an import.
"""

name = "My optimizer"  # the legend's label

# Each entry becomes a field in the window and reaches update as an argument of that name.
hyperparameters = {}


def init(params):
    """The state before the first step: a dict of tensors, one row per run (here: nothing)."""
    return {}


def update(params, grads, state, lr):
    """One step: the new parameters and the new state. Leave params and state as they are."""
    # TODO: your rule. Add step to the arguments to get the update's number (1 on the first).
    return params - lr * grads, {}
