"""Building an exercise in the real frameworks (Keras 3, PyTorch), for cross-checks and the
benchmark. Imported only where those optional packages are installed."""
