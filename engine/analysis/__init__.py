"""What the window and the command line compute about an experiment: sharpness and stability
limits, one step seen from inside, the loss landscape and the learning-rate sweep.

May use ``engine.experiment`` and the layers below it.
"""
