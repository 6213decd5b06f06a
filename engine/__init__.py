"""Qt-free training core, in layers, each using only those below it (checked by import-linter):

``io`` (command line, headless runs, files) > ``live`` (the window's experiment as tasks, the
messages it sends) > ``analysis`` (sharpness, stability, inspection, landscape, sweep) >
``experiment`` (the batched runs and their books) > ``config`` (settings, presets) >
``optimizers`` | ``problems`` (the two registries) > ``core`` (data, the MLP's math, files).

Only :mod:`engine.live.worker` and :mod:`engine.live.remote` import Qt; everything else here
runs headless, in the window's engine process (:mod:`engine.live.process`) or on its own.
"""

__version__ = "0.1.0"
