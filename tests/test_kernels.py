"""Kernels against hand-computed answers, numpy.linalg, their .py_func, and invariants."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels.alignment import update_alignments
from sim.kernels.dependency import (concentration, exposure, leverage, mix_rows, propagate, relax, sanction,
                                    weighted_share)
from sim.kernels.layout import N_WACTOR, WA_SMALL

D3 = np.array([[[0.0, 0.5, 0.2], [0.1, 0.0, 0.0], [0.3, 0.4, 0.0]]])


def test_concentration_by_hand():
    out = concentration(D3, np.array([1.0]), np.zeros(3))
    np.testing.assert_allclose(out, [0.25 + 0.04, 0.01, 0.09 + 0.16])


def test_leverage_by_hand_without_chains():
    # alpha = 0 and full exposure: P = D, L[i, j] = D[j, i] - D[i, j]
    P = propagate(D3.copy(), 0.0, np.zeros_like(D3), np.zeros((3, 6)))
    np.testing.assert_allclose(P, D3, atol=1e-15)
    L = leverage(P, np.array([1.0]), np.zeros((3, 3)))
    expected = np.array([[0.0, -0.4, 0.1], [0.4, 0.0, 0.4], [-0.1, -0.4, 0.0]])
    np.testing.assert_allclose(L, expected, atol=1e-15)
    np.testing.assert_allclose(L, -L.T)


def test_two_channel_weights_and_exposure_by_hand():
    D = np.stack([D3[0], D3[0].T * 0.5])
    subst = np.array([[0.5, 0.5, 0.5], [0.0, 0.0, 0.0]])
    E = exposure(D, subst, np.zeros_like(D))
    np.testing.assert_allclose(E[0], D3[0] * 0.5)
    np.testing.assert_allclose(E[1], D[1])
    assert weighted_share(D, np.array([0.25, 0.75]), 0, 1) == pytest.approx(0.25 * 0.5 + 0.75 * 0.05)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.5, 0.9])
def test_propagation_matches_numpy_linalg(alpha):
    rng = np.random.default_rng(3)
    n, k = 7, 3
    D = rng.dirichlet(np.ones(n + 1), size=(k, n))[:, :, :n]
    for c in range(k):
        np.fill_diagonal(D[c], 0.0)
    P = propagate(D, alpha, np.zeros_like(D), np.zeros((n, 2 * n)))
    for c in range(k):
        expected = D[c] @ np.linalg.inv(np.eye(n) - alpha * D[c])
        np.testing.assert_allclose(P[c], expected, rtol=1e-12, atol=1e-14)
        # the Neumann series: direct plus discounted indirect links
        series = sum(alpha ** m * np.linalg.matrix_power(D[c], m + 1) for m in range(200))
        np.testing.assert_allclose(P[c], series, atol=1e-10)


def test_jitted_kernels_equal_their_py_func():
    rng = np.random.default_rng(5)
    n, k = 6, 2
    D = rng.dirichlet(np.ones(n + 1), size=(k, n))[:, :, :n]
    subst = rng.uniform(0, 1, (k, n))
    wk = np.array([0.6, 0.4])
    E1 = exposure(D, subst, np.zeros_like(D))
    E2 = exposure.py_func(D, subst, np.zeros_like(D))
    np.testing.assert_array_equal(E1, E2)
    P1 = propagate(E1, 0.5, np.zeros_like(D), np.zeros((n, 2 * n)))
    P2 = propagate.py_func(E1, 0.5, np.zeros_like(D), np.zeros((n, 2 * n)))
    np.testing.assert_allclose(P1, P2, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(leverage(P1, wk, np.zeros((n, n))), leverage.py_func(P1, wk, np.zeros((n, n))),
                               atol=1e-16)
    np.testing.assert_allclose(concentration(D, wk, np.zeros(n)), concentration.py_func(D, wk, np.zeros(n)))


def _rows(draw_n, k, seed):
    rng = np.random.default_rng(seed)
    D = rng.dirichlet(np.ones(draw_n + 1), size=(k, draw_n))[:, :, :draw_n] * rng.uniform(0, 1, (k, draw_n, 1))
    for c in range(k):
        np.fill_diagonal(D[c], 0.0)
    return D


@settings(max_examples=60, deadline=None)
@given(n=st.integers(4, 12), seed=st.integers(0, 2**31), rate=st.floats(0, 0.5), lock=st.floats(0, 0.5),
       cut=st.floats(0, 1), diversion=st.floats(0, 1), capacity=st.floats(0, 1),
       gains=st.lists(st.floats(0, 0.33), min_size=3, max_size=3))
def test_dependency_updates_keep_rows_valid(n, seed, rate, lock, cut, diversion, capacity, gains):
    k = 3
    D, D0 = _rows(n, k, seed), _rows(n, k, seed + 1)
    gp = (0, 1, 2)
    relax(D, D0, rate, lock)
    sanction(D, 0, 2, 1, 1.0, cut, diversion, capacity)
    for i in range(3, n):
        for c in range(k):
            mix_rows(D, i, c, np.array(gains), gp)
    for arr in (D, D0):
        assert np.isfinite(arr).all()
        assert arr.min() >= 0.0 and arr.max() <= 1.0
        assert arr.sum(axis=2).max() <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(n=st.integers(4, 12), seed=st.integers(0, 2**31), inertia=st.floats(0, 1))
def test_alignment_update_stays_on_the_simplex(n, seed, inertia):
    rng = np.random.default_rng(seed)
    A = rng.dirichlet(np.ones(3), size=n)
    targets = rng.dirichlet(np.ones(3), size=n)
    actor = np.zeros((N_WACTOR, n))
    actor[WA_SMALL, 3:] = 1.0
    theta = np.zeros(80)
    from sim.kernels.layout import AL_INERTIA

    theta[AL_INERTIA] = inertia
    update_alignments(A, targets, actor, theta)
    assert np.isfinite(A).all() and A.min() >= 0.0
    np.testing.assert_allclose(A.sum(axis=1), 1.0, atol=1e-12)
