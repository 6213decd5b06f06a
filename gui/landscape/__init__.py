"""The Landscape tab: the loss over a plane, each run's path on it, drawn live.

Uses ``gui.state``, ``gui.plotting`` and the engine's landscape analysis (computed in a task).
"""
