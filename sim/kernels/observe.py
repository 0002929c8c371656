"""What is recorded each quarter: one row of observables per replicate and quarter.

The names are :data:`CORE_NAMES` followed by ``alignment_<state>_<power>`` for each small
state (built in :func:`sim.outcomes.observable_names`).
"""

from numba import njit

from .dependency import concentration, weighted_share
from .layout import (
    N_GP, S_ALLIANCE, S_BIAS, S_COST_C, S_COST_R, S_COST_W, S_EAST_DEF,
    S_FE_STATUS, S_FRONT, S_INTENSITY, S_PASSPORT, S_POSTURE_R, S_PRESENCE, S_RUPTURE_Q,
    S_RUPTURED, S_SALIENCE, S_SANCTION, S_THREAT_RC, S_THREAT_RW, S_WAR_STATUS, WA_SMALL,
    state_views, world_views,
)
from .power import mean_alignment, objectives

CORE_NAMES = (
    "power_share_RUS", "power_share_CHN", "power_share_WST",
    "objective_RUS", "objective_CHN", "objective_WST",
    "rus_dependence_on_chn", "rus_concentration", "chn_leverage_over_rus",
    "alliance_strength", "alliance_ruptured", "alliance_rupture_quarter",
    "far_east_presence", "claim_salience", "far_east_status", "passportization",
    "war_status", "front", "war_intensity", "war_cost_RUS", "war_cost_WST",
    "secondary_sanction_cost_CHN", "sanction_level", "east_bias",
    "threat_west_to_rus", "threat_china_to_rus", "rus_east_defence",
    "posture_RUS", "posture_CHN", "posture_WST",
    "output_RUS", "output_CHN", "output_WST",
    "military_RUS", "military_CHN", "military_WST",
    "alignment_mean_RUS", "alignment_mean_CHN", "alignment_mean_WST",
)
N_CORE = 39


@njit(cache=True)
def n_observables(w):
    n, k, c, gp, actor, prox, inst, subst, wk, chan, cand = world_views(w)
    n_small = 0
    for j in range(n):
        if actor[WA_SMALL, j] > 0.5:
            n_small += 1
    return N_CORE + N_GP * n_small


@njit(cache=True)
def observe(x, w, theta, L, hhi, shares, obj, out):
    """Fill ``out`` (n_observables,) from state ``x`` and its leverage matrix ``L``."""
    n, k, c, gp, actor, prox, inst, subst, wk, chan, cand = world_views(w)
    s, Y, M, A, D, D0 = state_views(x, n, k)
    r, ch, we = gp
    objectives(s, Y, M, A, D, L, w, theta, False, shares, obj)
    concentration(D, wk, hhi)
    for p in range(N_GP):
        out[p] = shares[p]
        out[3 + p] = obj[p]
    out[6] = weighted_share(D, wk, r, ch)
    out[7] = hhi[r]
    out[8] = L[ch, r]
    out[9] = s[S_ALLIANCE]
    out[10] = s[S_RUPTURED]
    out[11] = s[S_RUPTURE_Q]
    out[12] = s[S_PRESENCE]
    out[13] = s[S_SALIENCE]
    out[14] = s[S_FE_STATUS]
    out[15] = s[S_PASSPORT]
    out[16] = s[S_WAR_STATUS]
    out[17] = s[S_FRONT]
    out[18] = s[S_INTENSITY]
    out[19] = s[S_COST_R]
    out[20] = s[S_COST_W]
    out[21] = s[S_COST_C]
    out[22] = s[S_SANCTION]
    out[23] = s[S_BIAS]
    out[24] = s[S_THREAT_RW]
    out[25] = s[S_THREAT_RC]
    out[26] = s[S_EAST_DEF]
    for p in range(N_GP):
        out[27 + p] = s[S_POSTURE_R + p]
        out[30 + p] = Y[gp[p]]
        out[33 + p] = M[gp[p]]
        out[36 + p] = mean_alignment(A, actor, p)
    o = N_CORE
    for j in range(n):
        if actor[WA_SMALL, j] > 0.5:
            for p in range(N_GP):
                out[o] = A[j, p]
                o += 1
    return out
