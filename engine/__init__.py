"""Qt-free training core: data, model, optimizers and the batched experiment.

Only :mod:`engine.worker` imports Qt; everything else here runs headless.
"""

__version__ = "0.1.0"
