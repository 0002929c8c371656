"""The Ukraine theatre: Lanchester-style attrition, a front line with stakes, a ceasefire hazard."""

import numpy as np
from numba import njit

from .layout import (
    S_AID, S_COST_R, S_COST_W, S_FRONT, S_INTENSITY, S_SANCTION, S_WAR_STATUS,
    WA_MILEX, WA_OUTPUT0, W_AID0, W_WAR_REF,
    WAR_AID_EFFECTIVENESS, WAR_AID_FATIGUE, WAR_ATTRITION, WAR_CEASEFIRE, WAR_CEASEFIRE_QUARTER,
    WAR_DECISIVE_MARGIN, WAR_FRONT_NOISE, WAR_FRONT_SPEED, WAR_HAZARD_BASE, WAR_HAZARD_EXHAUSTION,
    WAR_ONGOING, WAR_ROLLBACK, WAR_RUSSIAN_VICTORY, WAR_SANCTION_DECAY, WAR_SUPPORT_EFFECT,
    WAR_UKRAINE_OWN_EFFORT,
)


@njit(cache=True)
def efforts(war_spend_r, aid_spend, support_spend, theta):
    """Effective Russian and Ukrainian (Western-funded) effort, US$ bn/quarter."""
    e_r = war_spend_r + theta[WAR_SUPPORT_EFFECT] * support_spend
    e_u = theta[WAR_AID_EFFECTIVENESS] * aid_spend + theta[WAR_UKRAINE_OWN_EFFORT]
    return e_r, e_u


@njit(cache=True)
def exhaustion(s, w, actor, r):
    """Mutual exhaustion: geometric mean of Russia's cost in years of its pre-war defence
    spending and the West's cost in years of the calibrated aid pace."""
    x_r = s[S_COST_R] / (4.0 * actor[WA_MILEX, r] * actor[WA_OUTPUT0, r])
    x_w = s[S_COST_W] / (4.0 * w[W_AID0])
    return np.sqrt(max(x_r, 0.0) * max(x_w, 0.0))


@njit(cache=True)
def war_quarter(s, M, w, actor, r, we, war_spend_r, aid_spend, support_spend, theta,
                quarter, u_ceasefire, z_front, stochastic):
    """Advance the theatre by one quarter (only while the war is ongoing).

    Returns the move of the front (share of the stakes, + toward Russia).
    """
    if s[S_WAR_STATUS] != WAR_ONGOING:
        s[S_INTENSITY] = 0.0
        s[S_SANCTION] *= 1.0 - theta[WAR_SANCTION_DECAY]
        return 0.0
    e_r, e_u = efforts(war_spend_r, aid_spend, support_spend, theta)
    tot = e_r + e_u
    intensity = min(1.0, tot / w[W_WAR_REF]) if tot > 0.0 else 0.0
    s[S_INTENSITY] = intensity
    balance = (e_r - e_u) / tot if tot > 0.0 else 0.0
    move = theta[WAR_FRONT_SPEED] * balance * intensity + theta[WAR_FRONT_NOISE] * z_front
    front = min(1.0, max(0.0, s[S_FRONT] + move))
    move = front - s[S_FRONT]
    s[S_FRONT] = front
    # Lanchester: each side's losses scale with the other side's effort.
    if tot > 0.0:
        M[r] -= theta[WAR_ATTRITION] * intensity * (e_u / tot) * M[r]
    s[S_COST_R] += war_spend_r
    s[S_COST_W] += aid_spend
    s[S_SANCTION] = 1.0
    s[S_AID] *= 1.0 - theta[WAR_AID_FATIGUE]
    # Endings: decisive, imposed, or by the exhaustion hazard.
    margin = theta[WAR_DECISIVE_MARGIN]
    if front >= 1.0 - margin:
        s[S_WAR_STATUS] = WAR_RUSSIAN_VICTORY
    elif front <= margin:
        s[S_WAR_STATUS] = WAR_ROLLBACK
    elif theta[WAR_CEASEFIRE_QUARTER] >= 0 and quarter + 1 >= theta[WAR_CEASEFIRE_QUARTER]:
        s[S_WAR_STATUS] = WAR_CEASEFIRE
    elif stochastic:
        hazard = theta[WAR_HAZARD_BASE] + theta[WAR_HAZARD_EXHAUSTION] * exhaustion(s, w, actor, r)
        if u_ceasefire < hazard:
            s[S_WAR_STATUS] = WAR_CEASEFIRE
    return move


@njit(cache=True)
def aid_spending(budget_w, war_share, s):
    """The West's aid: its war allocation times the political aid level."""
    return budget_w * war_share * s[S_AID]
