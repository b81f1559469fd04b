"""CosineAnnealingLR against its formula, for a scalar and for per-model rates."""

import math

import numpy as np
import pytest

import backprop as bp


def test_cosine_follows_the_formula_and_ends_near_zero():
    p = bp.Parameter(np.zeros(3))
    opt = bp.SGD([p], lr=0.5)
    sched = bp.CosineAnnealingLR(opt, T_max=4)
    seen = []
    for _ in range(4):
        sched.step()
        seen.append(opt.lr)
    expected = [0.5 * 0.5 * (1 + math.cos(math.pi * t / 4)) for t in (1, 2, 3)]
    np.testing.assert_allclose(seen[:3], expected)
    assert 0 < seen[3] < 1e-6  # a sliver above 0: optimizers refuse lr = 0
    sched.step()
    assert opt.lr == seen[3]  # stays at the end


def test_cosine_scales_per_model_rates_together():
    p = bp.Parameter(np.zeros((2, 3, 1)))
    opt = bp.Adam([p], lr=np.array([0.1, 0.4]))
    sched = bp.CosineAnnealingLR(opt, T_max=2)
    sched.step()
    np.testing.assert_allclose(opt.lr, [0.05, 0.2])


def test_bad_t_max():
    with pytest.raises(ValueError, match="Invalid T_max: 0"):
        bp.CosineAnnealingLR(bp.SGD([bp.Parameter(np.zeros(1))], 0.1), T_max=0)
