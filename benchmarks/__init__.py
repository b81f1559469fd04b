"""backprop's benchmarks: ``python -m benchmarks`` (README, "Speed")."""

import os

# Measure what users get: ``import backprop`` makes OpenBLAS single-threaded, but only
# if NumPy is not loaded yet, and the benchmarks load NumPy first. (PyTorch runs on
# one thread too, ``torch.set_num_threads(1)``.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
