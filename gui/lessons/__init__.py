"""Lessons in the window: the player that walks a lesson's steps (Next, Back, Restart), the dock
that shows a step's text, and the recorder that writes a new lesson from the window's state."""
