"""Lessons: guided tours through the app, each a JSON file of steps (settings, what is shown,
what plays, the text), read and checked here; the built-in ones ship in ``builtin/``.

Over the rest of the engine (it reads settings as experiment files do); the format and the
reading are torch-free, since the window reads lessons, while the headless walk through a
lesson trains as the command line does.
"""
