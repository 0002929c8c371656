"""Invariants every state of a replicate must keep, and a checked quarter-by-quarter runner.

The model's claims rest on a few properties that no parameter vector inside the declared
ranges and no world may break: numbers are finite; dependency shares are shares (entries
in [0, 1], a row sums to at most 1: the rest is the rest of the world); a small state's
alignment is a probability vector over the three powers; output is positive and stocks are
non-negative; bounded indices stay in [0, 1]; status codes are codes.

:func:`check_state` is the readable entry point (a list of messages, empty when all hold).
:func:`count_violations` is its compiled core, and :func:`run_checked` runs replicates with
exactly the quarter sequence of :func:`sim.kernels.step.run_replicate`, checking the state
and the observables after every quarter; ``experiments/fuzz.py`` drives it over the
declared parameter space.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import layout as lay
from sim.kernels.observe import n_observables, observe
from sim.kernels.step import (advance, decide_all, make_work, propagation, record_postures,
                              small_state_targets)

#: Tolerance on bounds and row sums (round-off of a few hundred convex updates is ~1e-15).
TOL = 1e-12
#: Tolerance on the sum of an alignment vector (three entries, renormalised by convex mixing).
SIMPLEX_TOL = 1e-9

#: (name, what is allowed), in the order of the counters of :func:`count_violations`.
INVARIANTS = (
    ("finite_state", "every entry of the state vector is finite (no NaN or Inf)"),
    ("D_entries", "dependency shares D[k, i, j] in [0, 1]"),
    ("D_rows", "rows of D sum to at most 1"),
    ("D0_entries", "baseline shares D0[k, i, j] in [0, 1]"),
    ("D0_rows", "rows of D0 sum to at most 1"),
    ("alignment_simplex", "each small state's alignment has entries in [0, 1] summing to 1"),
    ("output_positive", "output Y > 0"),
    ("military_nonnegative", "military stock M >= 0"),
    ("east_defence_nonnegative", "Russia's Far East defence stock >= 0"),
    ("unit_indices", "front, intensity, sanction, presence, salience, east bias, alliance in [0, 1]"),
    ("costs_nonnegative", "cumulative war and sanction costs and the aid level >= 0"),
    ("war_status", "war status in {none, ongoing, ceasefire, Russian victory, rollback}"),
    ("far_east_status", "Far East status in {Russian, contested, de facto, annexed}"),
    ("flags", "passportization and rupture flags in {0, 1}; rupture quarter -1 or in [1, quarter]"),
    ("postures", "chosen postures are whole numbers in [0, c)"),
    ("finite_observables", "every recorded observable is finite"),
)
N_INVARIANTS = len(INVARIANTS)
I_FINITE, I_D, I_DROW, I_D0, I_D0ROW, I_SIMPLEX, I_Y, I_M, I_EASTDEF, I_UNIT, I_COSTS, I_WAR, I_FE, I_FLAGS, \
    I_POSTURES, I_OBS = range(N_INVARIANTS)

_UNIT_SLOTS = np.array([lay.S_FRONT, lay.S_INTENSITY, lay.S_SANCTION, lay.S_PRESENCE, lay.S_SALIENCE,
                        lay.S_BIAS, lay.S_ALLIANCE], dtype=np.int64)
_COST_SLOTS = np.array([lay.S_COST_R, lay.S_COST_W, lay.S_COST_C, lay.S_AID], dtype=np.int64)


@njit(cache=True)
def _flag(counts, first, i, value):
    if counts[i] == 0:
        first[i] = value
    counts[i] += 1


@njit(cache=True)
def _share_checks(D, i_entry, i_row, counts, first):
    k, n, _ = D.shape
    for kk in range(k):
        for i in range(n):
            row = 0.0
            for j in range(n):
                d = D[kk, i, j]
                if not (-TOL <= d <= 1.0 + TOL):
                    _flag(counts, first, i_entry, d)
                row += d
            if not row <= 1.0 + TOL:
                _flag(counts, first, i_row, row)


@njit(cache=True)
def count_violations(x, w, counts, first):
    """Add the invariant violations of state ``x`` in world ``w`` to ``counts``.

    x (state_size,), w (world_size,); counts (N_INVARIANTS,) int64 incremented per offending
    entry; first (N_INVARIANTS,) float64 receives the first offending value of each invariant.
    Returns the number of violations found in this state.
    """
    n, k, c, gp, actor, prox, inst, subst, wk, chan, cand = lay.world_views(w)
    s, Y, M, A, D, D0 = lay.state_views(x, n, k)
    before = counts.sum()
    for v in x:
        if not np.isfinite(v):
            _flag(counts, first, I_FINITE, v)
    _share_checks(D, I_D, I_DROW, counts, first)
    _share_checks(D0, I_D0, I_D0ROW, counts, first)
    for j in range(n):
        if actor[lay.WA_SMALL, j] > 0.5:
            tot = 0.0
            for p in range(lay.N_GP):
                a = A[j, p]
                if not (-TOL <= a <= 1.0 + TOL):
                    _flag(counts, first, I_SIMPLEX, a)
                tot += a
            if not abs(tot - 1.0) <= SIMPLEX_TOL:
                _flag(counts, first, I_SIMPLEX, tot)
        if not Y[j] > 0.0:
            _flag(counts, first, I_Y, Y[j])
        if not M[j] >= 0.0:
            _flag(counts, first, I_M, M[j])
    if not s[lay.S_EAST_DEF] >= 0.0:
        _flag(counts, first, I_EASTDEF, s[lay.S_EAST_DEF])
    for slot in _UNIT_SLOTS:
        if not (-TOL <= s[slot] <= 1.0 + TOL):
            _flag(counts, first, I_UNIT, s[slot])
    for slot in _COST_SLOTS:
        if not s[slot] >= 0.0:
            _flag(counts, first, I_COSTS, s[slot])
    ws = s[lay.S_WAR_STATUS]
    if not (ws == np.floor(ws) and lay.WAR_NONE <= ws <= lay.WAR_ROLLBACK):
        _flag(counts, first, I_WAR, ws)
    fs = s[lay.S_FE_STATUS]
    if not (fs == np.floor(fs) and lay.FE_RUSSIAN <= fs <= lay.FE_ANNEXED):
        _flag(counts, first, I_FE, fs)
    for slot in (lay.S_PASSPORT, lay.S_RUPTURED):
        if not (s[slot] == 0.0 or s[slot] == 1.0):
            _flag(counts, first, I_FLAGS, s[slot])
    rq = s[lay.S_RUPTURE_Q]
    if s[lay.S_RUPTURED] == 1.0:
        if not (rq == np.floor(rq) and 1.0 <= rq <= s[lay.S_QUARTER]):
            _flag(counts, first, I_FLAGS, rq)
    elif rq != -1.0:
        _flag(counts, first, I_FLAGS, rq)
    for p in range(lay.N_GP):
        q = s[lay.S_POSTURE_R + p]
        if not (q == np.floor(q) and 0.0 <= q < c):
            _flag(counts, first, I_POSTURES, q)
    return counts.sum() - before


@njit(cache=True)
def count_observation_violations(obs, counts, first):
    """Flag non-finite observables (obs (n_obs,)); returns the number found."""
    bad = 0
    for v in obs:
        if not np.isfinite(v):
            _flag(counts, first, I_OBS, v)
            bad += 1
    return bad


@njit(cache=True)
def run_checked(X0, w, Theta, U, Z, horizon, counts, first, first_quarter):
    """Run replicate v from ``X0[v]`` under ``Theta[v]`` and check every quarter.

    The quarter sequence is that of :func:`sim.kernels.step.run_replicate` (propagation,
    observe, small-state targets, decisions, advance).  X0 (V, S) start states, w (W,) world,
    Theta (V, N_THETA), U (V, T, N_UNIFORM), Z (V, T, n_normal); counts (V, N_INVARIANTS) int64
    and first (V, N_INVARIANTS) float64 are filled per vector; first_quarter (V,) int64 gets
    the first quarter with a violation (-1 if none).  A vector stops at its first bad quarter
    (later quarters would only repeat a NaN).
    """
    n = int(w[lay.W_N])
    k = int(w[lay.W_K])
    c = int(w[lay.W_C])
    n_obs = n_observables(w)
    work = make_work(n, k, c)
    E, P, L, solve = work[0], work[1], work[2], work[3]
    shares, obj, targets, hhi = work[10], work[11], work[12], work[15]
    chosen = np.zeros(3, dtype=np.int64)
    obs = np.zeros(n_obs)
    for v in range(X0.shape[0]):
        x = X0[v].copy()
        theta = Theta[v]
        first_quarter[v] = -1
        for t in range(horizon + 1):
            bad = count_violations(x, w, counts[v], first[v])
            if bad == 0:
                propagation(x, w, theta, E, P, L, solve)
                observe(x, w, theta, L, hhi, shares, obj, obs)
                bad = count_observation_violations(obs, counts[v], first[v])
            if bad > 0:
                first_quarter[v] = t
                break
            if t == horizon:
                break
            small_state_targets(x, w, theta, L, shares, targets)
            decide_all(x, w, theta, U[v, t], targets, P, L, work, chosen)
            record_postures(x, chosen)
            advance(x, w, theta, chosen, targets, U[v, t], Z[v, t], True, work)


def check_state(x: np.ndarray, world) -> list[str]:
    """Invariant violations of one replicate's state ``x`` in ``world`` (a :class:`sim.World`).

    Returns one message per violated invariant (its name, how many entries break it, the
    first bad value and what is allowed); an empty list means every invariant holds.
    """
    w = world.to_vector()
    counts = np.zeros(N_INVARIANTS, dtype=np.int64)
    first = np.zeros(N_INVARIANTS)
    if np.asarray(x).shape != (lay.state_size(world.n, world.k),):
        return [f"state: expected shape ({lay.state_size(world.n, world.k)},), got {np.asarray(x).shape}"]
    count_violations(np.ascontiguousarray(x, dtype=np.float64), w, counts, first)
    return describe(counts, first)


def describe(counts: np.ndarray, first: np.ndarray) -> list[str]:
    """Messages for counters from :func:`count_violations` (one per violated invariant)."""
    return [f"{name}: {int(counts[i])} violation(s), first value {first[i]!r}; allowed: {allowed}"
            for i, (name, allowed) in enumerate(INVARIANTS) if counts[i] > 0]
