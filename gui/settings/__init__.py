"""The Settings dock: every field of the experiment, each editing the experiment model.

Uses ``gui.state`` and ``gui.widgets``.
"""
