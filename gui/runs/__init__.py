"""The Runs and Inspector docks: where every run stands, and one run's step seen from inside.

Uses ``gui.state`` and ``gui.plotting``.
"""
