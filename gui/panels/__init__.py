"""The loss panels: one plot per learning rate with every optimizer overlaid, their titles,
seed bands and the Sharpness view's layer.

Uses ``gui.state`` and ``gui.plotting``.
"""
