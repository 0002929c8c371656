"""The compiled ensemble engine: a block of replicates, and their no-war twins, in one parallel call.

Each replicate runs :func:`sim.kernels.step.run_replicate` - the very function sequence the
Mesa model steps through - with the draws of its own seed, so the two engines agree bit for bit.

One call of :func:`_run_block` runs ``G x B`` tasks (G = 2 runs, the scenario and its paired
no-war counterfactual, sharing each replicate's draws; B replicates) over every numba thread
(``prange``).  The tasks are dealt round-robin to a fixed number of chunks; each chunk makes its
work arrays once and zeroes them before every task, so a task's result is the same whichever
thread or chunk runs it: results do not depend on the number of threads.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from sim.kernels import layout as lay
from sim.kernels.dependency import concentration, exposure, leverage, propagate
from sim.kernels.step import (advance, decide_all, make_work, propagation, reset_work, run_replicate,
                              small_state_targets)

CHUNKS_PER_THREAD = 4  # several chunks per thread evens out replicates that end at different cost


@njit(parallel=True, cache=True)
def _run_block(x0, w, theta, U, Z, horizon, traj, n_chunks):
    """Run every (run, replicate) task of a block, writing the observations into ``traj``.

    Parameters
    ----------
    x0 : (G, S) start state of each run (G = 1, or 2 for a scenario and its no-war twin)
    w : (W,) world vector
    theta : (G, P) parameters of each run
    U, Z : (B, T, N_UNIFORM), (B, T, n_normal) the draws of each replicate (shared by the runs)
    horizon : int, T
    traj : (G, B, T + 1, n_obs) written in place
    n_chunks : int, chunks the G x B tasks are dealt to (round-robin); each makes its work
        arrays once (no allocation inside the quarter loop)
    """
    n = int(w[lay.W_N])
    k = int(w[lay.W_K])
    c = int(w[lay.W_C])
    G = x0.shape[0]
    B = U.shape[0]
    tasks = G * B
    for chunk in prange(n_chunks):
        work = make_work(n, k, c)
        chosen = np.zeros(3, dtype=np.int64)
        x = np.empty(x0.shape[1])
        for task in range(chunk, tasks, n_chunks):
            g = task // B
            r = task - g * B
            reset_work(work)
            chosen[:] = 0
            x[:] = x0[g]
            run_replicate(x, w, theta[g], U[r], Z[r], horizon, traj[g, r], work, chosen)


def draws(seeds, horizon: int, n: int):
    """The draws of each replicate, exactly as ``GreatGameModel`` takes them from ``self.rng``.

    Returns U (R, horizon, N_UNIFORM) uniforms and Z (R, horizon, n_normal(n)) standard normals.
    """
    R = len(seeds)
    U = np.empty((R, horizon, lay.N_UNIFORM))
    Z = np.empty((R, horizon, lay.n_normal(n)))
    for r, seed in enumerate(seeds):
        rng = np.random.default_rng(int(seed))
        U[r] = rng.random((horizon, lay.N_UNIFORM))
        Z[r] = rng.standard_normal((horizon, lay.n_normal(n)))
    return U, Z


def n_chunks(tasks: int) -> int:
    """Chunks for ``tasks`` tasks: a few per numba thread, never more than the tasks."""
    return max(1, min(tasks, CHUNKS_PER_THREAD * numba.get_num_threads()))


def run_block(x0: np.ndarray, w: np.ndarray, theta: np.ndarray, seeds, horizon: int,
              n_obs: int) -> np.ndarray:
    """Observations of a block of replicates under each run, in one compiled parallel call.

    Parameters
    ----------
    x0 : (G, S) start states, theta : (G, P) parameters (G runs sharing the draws)
    seeds : (B,) the replicates' seeds

    Returns
    -------
    traj : (G, B, horizon + 1, n_obs)
    """
    x0 = np.ascontiguousarray(np.atleast_2d(x0), dtype=np.float64)
    theta = np.ascontiguousarray(np.atleast_2d(theta), dtype=np.float64)
    U, Z = draws(seeds, horizon, int(w[lay.W_N]))
    traj = np.zeros((x0.shape[0], len(seeds), horizon + 1, n_obs))
    _run_block(x0, w, theta, U, Z, horizon, traj, n_chunks(x0.shape[0] * len(seeds)))
    return traj


@njit(cache=True)
def floor_quarters(x, w, theta, u, z, repeats, work, chosen, state):
    """The floor: ``repeats`` times the kernel evaluations one replicate-quarter needs, from ``x``.

    Propagation of the state, the small states' targets, every power's look-ahead
    (:func:`~sim.kernels.step.decide_all`) and the quarter's :func:`advance`, nothing else
    (no observation, no draws, no bookkeeping).  ``state`` (S,) is a scratch copy of ``x``
    restored before each repetition so every repetition does the same work.  Used by the
    benchmark to measure the engine's overhead over its kernels.
    """
    E, P, L, solve = work[0], work[1], work[2], work[3]
    shares, targets = work[10], work[12]
    for _ in range(repeats):
        state[:] = x
        propagation(state, w, theta, E, P, L, solve)
        small_state_targets(state, w, theta, L, shares, targets)
        decide_all(state, w, theta, u, targets, P, L, work, chosen)
        advance(state, w, theta, chosen, targets, u, z, True, work)


@njit(cache=True)
def dependency_update(D, subst, wk, alpha, E, P, L, hhi, solve):
    """The dependency kernel as one call: exposure, propagated dependence, leverage, concentration.

    D (k, n, n), subst (k, n), wk (k,); writes E, P (k, n, n), L (n, n), hhi (n,); solve (n, 2n).
    """
    exposure(D, subst, E)
    propagate(E, alpha, P, solve)
    leverage(P, wk, L)
    concentration(D, wk, hhi)


@njit(cache=True)
def dependency_repeat(D, subst, wk, alpha, E, P, L, hhi, solve, repeats):
    """:func:`dependency_update` ``repeats`` times in one compiled loop (times the kernel, not
    the cost of calling compiled code from Python)."""
    for _ in range(repeats):
        dependency_update(D, subst, wk, alpha, E, P, L, hhi, solve)
