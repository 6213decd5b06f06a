"""SGD (Robbins & Monro, 1951): step downhill, in proportion to the slope.

θ ← θ − η·g. Equals the built-in SGD bit for bit (Check compares them).
"""

name = "My SGD"
hyperparameters = {}  # SGD has only the learning rate, which every optimizer gets as lr


def update(params, grads, state, lr):
    # params, grads: (runs, P), one row per run; lr: (runs, 1), each run's learning rate
    return params - lr * grads, {}  # SGD remembers nothing: its state stays empty
