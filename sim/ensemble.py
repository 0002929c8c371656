"""The compiled ensemble engine: many replicates, and their no-war twins, in one parallel call.

Each replicate runs :func:`sim.kernels.step.run_replicate` - the very function sequence the
Mesa model steps through - with the draws of its own seed, so the two engines agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.kernels import layout as lay
from sim.kernels.step import make_work, run_replicate


@njit(parallel=True, cache=True)
def _run_block(x0, w, theta, U, Z, horizon, traj):
    """Run every replicate of a block (``prange``), each from its own copy of ``x0``.

    x0 (S,), w (W,), theta (P,), U (R, T, N_UNIFORM), Z (R, T, n_normal),
    traj (R, T + 1, n_obs) written in place.  Work arrays are made once per replicate.
    """
    n = int(w[lay.W_N])
    k = int(w[lay.W_K])
    c = int(w[lay.W_C])
    R = U.shape[0]
    for r in prange(R):
        work = make_work(n, k, c)
        chosen = np.zeros(3, dtype=np.int64)
        x = x0.copy()
        run_replicate(x, w, theta, U[r], Z[r], horizon, traj[r], work, chosen)


def draws(seeds, horizon: int, n: int):
    """The draws of each replicate, exactly as ``GreatGameModel`` takes them from ``self.rng``."""
    R = len(seeds)
    U = np.empty((R, horizon, lay.N_UNIFORM))
    Z = np.empty((R, horizon, lay.n_normal(n)))
    for r, seed in enumerate(seeds):
        rng = np.random.default_rng(int(seed))
        U[r] = rng.random((horizon, lay.N_UNIFORM))
        Z[r] = rng.standard_normal((horizon, lay.n_normal(n)))
    return U, Z


def run_paths(x0: np.ndarray, w: np.ndarray, theta: np.ndarray, U: np.ndarray, Z: np.ndarray,
              horizon: int, n_obs: int) -> np.ndarray:
    """Observations (R, horizon + 1, n_obs) of R replicates from the same start state."""
    traj = np.zeros((U.shape[0], horizon + 1, n_obs))
    _run_block(x0, w, theta, U, Z, horizon, traj)
    return traj
