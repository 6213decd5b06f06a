"""The Landscape tab's 3-D view: the loss over the plane as a shaded, colour-mapped sheet (the
2-D map's colours and log scale, the log10 loss as height), each run's path on it with its head
as a ball, the start and minima marked, one plot per learning rate under one shared camera.
:mod:`.support` says (without loading OpenGL) whether it can be shown here, :mod:`.camera` and
:mod:`.geometry` are plain Qt and numpy; :mod:`.canvas` and :mod:`.grid`, which load
``pyqtgraph.opengl``, are imported only when the view is first shown or exported.
"""
