"""The window's experiment as tasks for one worker thread: build, step, play, inspect, travel in
its timeline; the plain messages those tasks send; the Qt thread that hosts them (``worker``,
the only Qt module of the engine).

May use ``engine.analysis`` and the layers below it.
"""
