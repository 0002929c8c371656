"""The state vector of one replicate at the start quarter (layout: sim/kernels/layout.py)."""

from __future__ import annotations

import numpy as np

from sim.kernels import layout as lay
from sim.kernels.alignment import russia_perceptions
from sim.kernels.step import make_work, propagation, small_state_targets
from sim.params import Params, to_vector
from sim.world import World


def initial_state(world: World, params: Params, w: np.ndarray | None = None) -> np.ndarray:
    """The start state (2024Q2 for the calibrated world) under ``params``.

    Perceptions and the small states' alignments start at the values implied by the world *as
    observed* (the war going on, at full intensity), whatever the scenario: a run and its
    no-war counterfactual start from the same alignments and differ only in what happens next.
    Small states start at their target alignment, so nothing drifts unless something changes.
    """
    n, k = world.n, world.k
    w = world.to_vector() if w is None else w
    theta = to_vector(params)
    x = np.zeros(lay.state_size(n, k))
    s, Y, M, A, D, D0 = lay.state_views(x, n, k)
    sc = world.scalars
    Y[:] = world.output0
    M[:] = world.military0
    D[:] = world.D
    D0[:] = world.D0
    s[lay.S_FRONT] = s[lay.S_FRONT0] = sc["front"]
    s[lay.S_PRESENCE] = sc["presence"]
    s[lay.S_SALIENCE] = sc["salience"]
    s[lay.S_EAST_DEF] = sc["east_defence"]
    s[lay.S_ALLIANCE] = sc["alliance"]
    s[lay.S_RUPTURE_Q] = -1.0
    s[lay.S_BIAS] = params.russia.east_bias
    s[lay.S_AID] = params.war.aid_level
    for g in range(3):
        s[lay.S_POSTURE_R + g] = world.initial_posture[g]
    for g in range(3):
        A[world.gp[g], g] = 1.0  # a great power is aligned with itself (not used)
    # the observed start: war on, full intensity
    s[lay.S_WAR_STATUS] = lay.WAR_ONGOING
    s[lay.S_INTENSITY] = 1.0
    work = make_work(n, k, world.cand.shape[1])
    E, P, L, solve, shares, targets = work[0], work[1], work[2], work[3], work[10], work[12]
    propagation(x, w, theta, E, P, L, solve)
    small_state_targets(x, w, theta, L, shares, targets)
    for j in range(n):
        if world.small[j]:
            A[j] = targets[j]
    observed = theta.copy()
    observed[lay.RU_POINT_EAST] = 0.0  # perceiving must not erode the bias before the first quarter
    russia_perceptions(s, shares, L, world.prox, tuple(world.gp), w, observed)
    # then the scenario: with no war there is no fighting and no sanctions
    if params.war.enabled:
        s[lay.S_SANCTION] = 1.0
    else:
        s[lay.S_WAR_STATUS] = lay.WAR_NONE
        s[lay.S_INTENSITY] = 0.0
        s[lay.S_SANCTION] = 0.0
    return x


def no_war(params: Params) -> Params:
    """The paired counterfactual: the same parameters with the war switched off."""
    from sim.params import with_overrides

    return with_overrides(params, **{"war.enabled": False})
