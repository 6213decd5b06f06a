"""What the window knows: the experiment model (the settings), the engine session (what the
engine reported, with the losses so far) and the view state (what is shown).

Each has change signals; widgets edit them, views read them. Uses the engine's plain types only.
"""
