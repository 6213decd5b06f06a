"""The experiment's settings: frozen dataclasses validated whole, the named presets, and
what a switch of problem brings with it.

May use ``engine.core``, ``engine.optimizers`` and ``engine.problems`` (to validate names).
"""
