"""Drawing shared by every view: the palette, themes, plot helpers, live-curve decimation and
the redraw pacer.

Uses the engine's plain types only; no other gui package.
"""
