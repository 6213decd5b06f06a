"""Figures, animations and tables written to files: the loss panels, the landscape and the
sweep drawn offscreen, their dialogs, and the headless command line's pictures.

Draws other features' pictures (panels, landscape, sweep, prediction cards): the named exceptions
to the features' independence.
"""
