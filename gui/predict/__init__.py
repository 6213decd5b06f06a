"""Predict, then reveal: the class's picks on cards over the loss panels, and the score.

Uses ``gui.state``, ``gui.plotting`` and draws on ``gui.panels``' loss panels.
"""
