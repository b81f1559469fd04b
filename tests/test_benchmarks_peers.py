"""benchmarks/stack_peers.py: without JAX or PyTorch the section still runs and says
"skipped"; each installed peer trains backprop's stack to backprop's losses and
accuracies, epoch by epoch (correctness, not speed: no timing is asserted)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from benchmarks import stack_peers

# float64: a few ulps after 10 epochs (measured ~2e-15); float32: ~2e-6.
RTOL = {"float64": 1e-12, "float32": 1e-5}


def test_section_skips_missing_peers(monkeypatch):
    for name in stack_peers.PEERS:
        monkeypatch.setitem(sys.modules, name, None)  # `import name` now raises ImportError
    rows, targets = stack_peers.stack_peers(rounds=1, scale=0.0, models=3, dtypes=("float32",))
    assert [r["network"] for r in rows] == ["handout 2-4-4-1", "default 2-16-16-1"]
    for row in rows:
        assert row["backprop model-epochs/s"] > 0
        for peer in stack_peers.PEERS:
            assert row[f"{peer} model-epochs/s"] == f"skipped ({peer} not installed)"
            assert row[f"backprop ÷ {peer}"] is None
    assert targets == []


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("network", list(stack_peers.NETWORKS))
@pytest.mark.parametrize("peer", stack_peers.PEERS)
def test_peer_matches_backprop(peer, network, dtype):
    pytest.importorskip(peer)
    case, run = stack_peers.case(stack_peers.NETWORKS[network], models=4, epochs=10, dtype=dtype)
    want = run.fit(case.X, case.y)
    got = stack_peers.TRAINERS[peer](case)()
    assert got.loss.dtype == np.dtype(dtype)
    assert got.loss.shape == want.loss.shape == (10, 4)
    np.testing.assert_allclose(got.loss, want.loss, rtol=RTOL[dtype])
    np.testing.assert_array_equal(got.accuracy, want.accuracy)
    assert got.seconds > 0
