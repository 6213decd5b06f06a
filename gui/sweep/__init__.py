"""The Learning-rate sweep tab: final loss and steps to converge at 64 rates, per optimizer.

Uses ``gui.plotting`` and the engine's sweep (computed in a task).
"""
