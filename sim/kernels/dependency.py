"""The dependency kernel: exposure, propagated dependence, leverage, concentration, link updates.

Conventions: ``D[k, i, j]`` is the share of actor i's need in channel k met by actor j
(row i sums to <= 1; the remainder is the rest of the world, which is diversified).
All functions take arrays and write into ``out`` arrays; nothing here allocates
except where noted, and nothing knows about Mesa or Hydra.
"""

import numpy as np
from numba import njit

PIVOT_BLOCK = 32  # pivots applied per pass over the matrix (cache blocking; results do not depend on it)


@njit(cache=True)
def exposure(D, subst, out):
    """Vulnerability, not mere sensitivity: ``E[k,i,j] = D[k,i,j] (1 - subst[k,i])``.

    D (k, n, n), subst (k, n) in [0, 1], out (k, n, n).
    """
    k, n, _ = D.shape
    for c in range(k):
        for i in range(n):
            f = 1.0 - subst[c, i]
            for j in range(n):
                out[c, i, j] = D[c, i, j] * f
    return out


@njit(cache=True)
def _eliminate(E, alpha, full, i0, i1, work):
    """Gauss-Jordan on ``[(I - aE)^T | E^T[:, rows]]`` in place, rows = all (``full``) or
    (i0, i1); afterwards ``work[j, n + q]`` holds ``P[rows[q], j]`` of ``P = E (I - aE)^-1``.

    ``P (I - aE) = E``  <=>  ``(I - aE)^T P^T = E^T``: column i of ``P^T`` (row i of ``P``)
    comes from right-hand column i alone, so asking for two rows of P skips the others with
    the very same arithmetic on the rows asked for (bit-identical to the full solve).  Every row
    of ``E`` sums to <= 1 and ``alpha < 1``, so ``I - aE`` is strictly row diagonally dominant
    and its transpose strictly column diagonally dominant: elimination without pivoting is
    stable and never meets a zero pivot (docs/MODEL.md).

    Only columns right of the pivot are updated: columns left of it (and the pivot column
    itself) are never read again, so skipping them changes no bit of the result and saves a
    quarter of the work.  Pivots are applied in blocks of :data:`PIVOT_BLOCK`: every row
    takes a block's pivots one after another while it is in cache (one pass over the matrix
    per block instead of per pivot).  Each entry still receives the same updates, with the same
    operands, in the same order as in textbook Gauss-Jordan, so the result is bit-identical to
    it (tests/test_ensemble.py checks this at several n).

    E (n, n), work (n, 2n) (only ``n + 2`` columns are used unless ``full``).
    """
    n = E.shape[0]
    m = n if full else 2
    width = n + m
    for i in range(n):
        for j in range(n):
            work[i, j] = -alpha * E[j, i]
        if full:
            for q in range(n):
                work[i, n + q] = E[q, i]
        else:
            work[i, n] = E[i0, i]
            work[i, n + 1] = E[i1, i]
        work[i, i] += 1.0
    for c0 in range(0, n, PIVOT_BLOCK):
        c1 = min(c0 + PIVOT_BLOCK, n)
        # the block's pivots on the block's rows below them, in order
        for c in range(c0, c1):
            piv = 1.0 / work[c, c]
            pivot = work[c, c + 1:width]
            for j in range(pivot.shape[0]):
                pivot[j] *= piv
            for r in range(c + 1, c1):
                _apply_pivot(work, r, c, width)
        # every other row takes the block's pivots in order while it sits in cache
        for r in range(n):
            if r < c0 or r >= c1:
                for c in range(c0, c1):
                    _apply_pivot(work, r, c, width)
        # last, each of the block's rows takes the block's later pivots; rows go in increasing
        # order, so every pivot row is used before it changes
        for r in range(c0, c1):
            for c in range(r + 1, c1):
                _apply_pivot(work, r, c, width)


@njit(cache=True)
def _apply_pivot(work, r, c, width):
    """Eliminate column c from row r with pivot row c (already scaled): the only update there is."""
    f = work[r, c]
    if f != 0.0:
        # 1-D views indexed from 0: the form LLVM vectorizes (same operations, same bits)
        row = work[r, c + 1:width]
        pivot = work[c, c + 1:width]
        for j in range(row.shape[0]):
            row[j] -= f * pivot[j]


@njit(cache=True)
def _solve_propagation(E, alpha, out, work):
    """``out = E (I - alpha E)^-1`` for one channel (see :func:`_eliminate`); work (n, 2n)."""
    n = E.shape[0]
    _eliminate(E, alpha, True, 0, 0, work)
    for i in range(n):
        for j in range(n):
            out[i, j] = work[j, n + i]
    return out


@njit(cache=True)
def propagate(E, alpha, out, work):
    """Propagated dependence through chains, per channel: ``P[k] = E[k] (I - alpha E[k])^-1``.

    E (k, n, n) exposure with rows summing to <= 1; alpha in [0, 1); out (k, n, n);
    work (n, 2n) scratch.  Equals ``sum_m alpha^m E^(m+1)``: direct plus discounted indirect links.
    """
    for c in range(E.shape[0]):
        _solve_propagation(E[c], alpha, out[c], work)
    return out


@njit(cache=True)
def propagate_rows(E, alpha, i0, i1, out, work):
    """Only rows i0 and i1 of each channel's propagated dependence, into ``out[k, i0|i1, :]``.

    Bit-identical to the same rows of :func:`propagate`, at about a quarter of its cost at
    n = 8 and a third at large n (the posture look-ahead needs two rows).  Other rows of
    ``out`` are left as they were.  E (k, n, n), out (k, n, n), work (n, 2n).
    """
    n = E.shape[1]
    for c in range(E.shape[0]):
        _eliminate(E[c], alpha, False, i0, i1, work)
        for j in range(n):
            out[c, i0, j] = work[j, n]
            out[c, i1, j] = work[j, n + 1]
    return out


@njit(cache=True)
def leverage_entry(P, wk, i, j):
    """One entry of :func:`leverage`, ``L[i, j]``, with the same arithmetic (needs rows i, j of P)."""
    acc = 0.0
    for c in range(P.shape[0]):
        acc += wk[c] * (P[c, j, i] - P[c, i, j])
    return acc


@njit(cache=True)
def leverage(P, wk, out):
    """Asymmetric interdependence: ``L[i,j] = sum_k wk[k] (P[k,j,i] - P[k,i,j])``.

    ``L[i,j] > 0``: j depends on i more than i on j, i.e. i holds leverage over j.
    P (k, n, n), wk (k,), out (n, n) (antisymmetric).
    """
    k, n, _ = P.shape
    for i in range(n):
        for j in range(n):
            acc = 0.0
            for c in range(k):
                acc += wk[c] * (P[c, j, i] - P[c, i, j])
            out[i, j] = acc
    return out


@njit(cache=True)
def concentration(D, wk, out):
    """Hirschman-Herfindahl concentration of each actor's dependence: ``H[i] = sum_k wk sum_j D^2``.

    Only named partners count; the rest of the world is taken as fully diversified.
    D (k, n, n), wk (k,), out (n,).
    """
    k, n, _ = D.shape
    for i in range(n):
        acc = 0.0
        for c in range(k):
            for j in range(n):
                acc += wk[c] * D[c, i, j] * D[c, i, j]
        out[i] = acc
    return out


@njit(cache=True)
def weighted_share(D, wk, i, j):
    """Channel-weighted share of i's need met by j: ``sum_k wk[k] D[k,i,j]``."""
    acc = 0.0
    for c in range(D.shape[0]):
        acc += wk[c] * D[c, i, j]
    return acc


@njit(cache=True)
def saturating(spend, scale):
    """Diminishing returns: 0 at no spending, 63% of the maximum at ``scale``, 1 in the limit."""
    if spend <= 0.0:
        return 0.0
    return 1.0 - np.exp(-spend / scale)


@njit(cache=True)
def relax(D, D0, rate, lock_in):
    """Links relax toward a baseline that itself drifts toward the links (lock-in, hysteresis).

    Both are convex combinations of valid rows, so rows stay in [0, 1] and sum to <= 1.
    """
    k, n, _ = D.shape
    for c in range(k):
        for i in range(n):
            for j in range(n):
                d = D[c, i, j]
                b = D0[c, i, j]
                D[c, i, j] = d + rate * (b - d)
                D0[c, i, j] = b + lock_in * (d - b)


@njit(cache=True)
def sanction(D, r, w, c, level, rate, diversion, capacity):
    """Sanctions cut Russia-West links both ways; part of Russia's lost share goes to China.

    Of the share cut from ``D[k,r,w]`` a fraction ``diversion`` moves to China, limited by
    China's capacity ``D[k,r,c] <= capacity``; the rest goes to the rest of the world (row
    sum falls).  The West's lost Russian share goes to the rest of the world.
    """
    cut_rate = rate * level
    if cut_rate <= 0.0:
        return
    for k in range(D.shape[0]):
        cut = cut_rate * D[k, r, w]
        D[k, r, w] -= cut
        room = capacity - D[k, r, c]
        moved = diversion * cut
        if moved > room:
            moved = room if room > 0.0 else 0.0
        D[k, r, c] += moved
        D[k, w, r] -= cut_rate * D[k, w, r]


@njit(cache=True)
def mix_rows(D, i, k, gains, gp):
    """Row i of channel k becomes ``(1 - sum g) row + sum_p g_p e_p`` (simultaneous for all powers).

    gains (3,) per great power with sum <= 1.  A convex mix of valid rows stays valid: entries
    in [0, 1], row sum <= 1, and the order of the powers cannot matter.
    """
    total = gains[0] + gains[1] + gains[2]
    if total <= 0.0:
        return
    keep = 1.0 - total
    for j in range(D.shape[2]):
        D[k, i, j] *= keep
    for p in range(3):
        D[k, i, gp[p]] += gains[p]
