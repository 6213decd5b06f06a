"""The window's experiment as tasks: build, step, play, inspect, travel in its timeline; the
plain messages those tasks send; the engine process that runs them, with the window's landscape
map and sweep (``process``), what the two processes say (``protocol``), and the window's side
(``client``, Qt-free; ``remote`` and ``worker``, the only Qt modules of the engine).

May use ``engine.analysis`` and the layers below it.
"""
