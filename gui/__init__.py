"""The window: a shell that wires feature packages to two models and the engine.

Layers (checked by import-linter): ``shell`` > the features (``settings``, ``panels``,
``landscape``, ``sweep``, ``timeline``, ``predict``, ``runs``, ``export``), which do not import
each other but where one draws another's picture > ``state``, ``plotting``, ``widgets``.
No training math and no tensors here.
"""
