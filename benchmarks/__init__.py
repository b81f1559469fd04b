"""backprop's benchmarks: ``python -m benchmarks`` (see README)."""
