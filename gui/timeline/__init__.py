"""The timeline under the panels and branching: go back to any step reached, and fork a run
there with other settings.

Uses ``gui.state``, ``gui.widgets`` and ``gui.plotting``.
"""
