"""What every layer of the engine shares: datasets, the MLP's hand-written math, mini-batches,
parameter paths, buffers that grow with the steps taken, atomic file writes and the cooperative
task state.

Imports nothing else from the engine.
"""
