"""Composite power, Walt-style threat, and each great power's objective.

The objective is what "lose" is measured in: power share *plus* what the power values
(see docs/MODEL.md, "What 'lose' means").  Without the extra terms any costly war would
raise China's share and lower the others' by arithmetic alone.
"""

from numba import njit

from .dependency import weighted_share
from .layout import (
    DEC_CHINA_LEVERAGE, DEC_CHINA_REALIGN, DEC_CHINA_SANCTION_COST, DEC_INFLUENCE,
    DEC_RUSSIA_AUTONOMY, DEC_RUSSIA_FAR_EAST, DEC_RUSSIA_TERRITORY, DEC_WEST_COST,
    DEC_WEST_SECURITY, FE_ANNEXED, G_CHN, G_RUS, G_WST, POW_MILITARY_WEIGHT,
    S_COST_C, S_COST_W, S_FE_STATUS, S_FRONT, S_FRONT0, S_PRESENCE, S_RUPTURED,
    S_THREAT_RC, S_THREAT_RW, W_FE_OUTPUT, WA_MIL0, WA_OUTPUT0, WA_SMALL, WAR_STAKE_OUTPUT,
    world_views,
)


@njit(cache=True)
def power_shares(Y, M, gp, military_weight, out):
    """CINC-like composite share of each great power among the three:
    ``share_p = mw M_p / sum M + (1 - mw) Y_p / sum Y``.  out (3,), sums to 1."""
    sy = Y[gp[0]] + Y[gp[1]] + Y[gp[2]]
    sm = M[gp[0]] + M[gp[1]] + M[gp[2]]
    for p in range(3):
        out[p] = military_weight * M[gp[p]] / sm + (1.0 - military_weight) * Y[gp[p]] / sy
    return out


@njit(cache=True)
def military_share(M, gp, p):
    return M[gp[p]] / (M[gp[0]] + M[gp[1]] + M[gp[2]])


@njit(cache=True)
def walt_threat(share, proximity, intent):
    """Walt (1987): threat = aggregate power x proximity x (offensive capability and) intent."""
    return share * proximity * intent


@njit(cache=True)
def mean_alignment(A, actor, p):
    """Mean alignment of the small states toward great power p (0 when there are none)."""
    tot = 0.0
    cnt = 0
    for j in range(A.shape[0]):
        if actor[WA_SMALL, j] > 0.5:
            tot += A[j, p]
            cnt += 1
    return tot / cnt if cnt > 0 else 0.0


@njit(cache=True)
def objectives(s, Y, M, A, D, L, w, theta, perceived, shares, out):
    """Each great power's objective (out (3,)): power share plus what it values.

    Cumulative costs are measured against ten years of initial output (40 quarters).
    shares (3,) receives the power shares.  Russia: territory held beyond the start, minus the Far East lost, minus dependence on China.
    West: Russia's threat reduced (military share and territory), minus its cumulative war cost.
    China: its share, leverage over Russia, minus secondary-sanction costs and a ruptured ally.
    All three value the small states' alignment.  With ``perceived`` Russia weighs territory and
    the Far East by its *perceived* threats (this is its decision utility); without, equally.
    """
    n, k, c, gp, actor, prox, inst, subst, wk, chan, cand = world_views(w)
    r, ch, we = gp
    power_shares(Y, M, gp, theta[POW_MILITARY_WEIGHT], shares)
    stake = theta[WAR_STAKE_OUTPUT]
    fe_share = w[W_FE_OUTPUT]
    fe_lost = s[S_PRESENCE] + s[S_FE_STATUS] / FE_ANNEXED
    dep_rc = weighted_share(D, wk, r, ch)
    t_w = 1.0
    t_c = 1.0
    if perceived:
        tot = s[S_THREAT_RW] + s[S_THREAT_RC]
        if tot > 0.0:
            t_w = 2.0 * s[S_THREAT_RW] / tot
            t_c = 2.0 * s[S_THREAT_RC] / tot
    infl = theta[DEC_INFLUENCE]
    out[G_RUS] = (shares[G_RUS]
                  + t_w * theta[DEC_RUSSIA_TERRITORY] * stake * (s[S_FRONT] - s[S_FRONT0])
                  - t_c * theta[DEC_RUSSIA_FAR_EAST] * fe_share * fe_lost
                  - theta[DEC_RUSSIA_AUTONOMY] * 0.1 * dep_rc
                  + infl * mean_alignment(A, actor, G_RUS))
    mil_r = military_share(M, gp, G_RUS)
    mil_r0 = actor[WA_MIL0, r] / (actor[WA_MIL0, r] + actor[WA_MIL0, ch] + actor[WA_MIL0, we])
    out[G_WST] = (shares[G_WST]
                  + theta[DEC_WEST_SECURITY] * ((mil_r0 - mil_r) + stake * (s[S_FRONT0] - s[S_FRONT]))
                  - theta[DEC_WEST_COST] * s[S_COST_W] / (40.0 * actor[WA_OUTPUT0, we])
                  + infl * mean_alignment(A, actor, G_WST))
    out[G_CHN] = (shares[G_CHN]
                  + theta[DEC_CHINA_LEVERAGE] * 0.1 * L[ch, r]
                  - theta[DEC_CHINA_SANCTION_COST] * s[S_COST_C] / (40.0 * actor[WA_OUTPUT0, ch])
                  - theta[DEC_CHINA_REALIGN] * 0.1 * s[S_RUPTURED]
                  + infl * mean_alignment(A, actor, G_CHN))
    return out
