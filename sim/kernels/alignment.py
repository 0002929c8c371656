"""Small states' alignment over the great powers (hedging, inertia), and the Sino-Russian alignment."""

import numpy as np
from numba import njit

from .dependency import weighted_share
from .layout import (
    AL_BENEFIT_WEIGHT, AL_HEDGING, AL_INERTIA, AL_INSTITUTION_WEIGHT, AL_LEVERAGE_WEIGHT,
    AL_THREAT_WEIGHT, AL_WAR_THREAT_BOOST, G_RUS, N_GP, RU_ALLIANCE_RATE, RU_ALLIANCE_SENSITIVITY,
    RU_BIAS_EROSION, RU_LEVERAGE_INTENT, RU_POINT_EAST, RU_RUPTURE_THRESHOLD, S_ALLIANCE, S_BIAS,
    S_INTENSITY, S_PRESENCE, S_QUARTER, S_RUPTURE_Q, S_RUPTURED, S_SALIENCE, S_THREAT_RC,
    S_THREAT_RW, W_INTENT_CC, W_INTENT_WC, WA_REMIT, WA_SMALL,
)
from .power import walt_threat


@njit(cache=True)
def alignment_target(j, D, L, shares, s, actor, prox, inst, wk, gp, theta, out):
    """Target alignment of small state j over the three powers (out (3,), on the simplex).

    Score of power p: benefit (channel-weighted share of j's needs met by p, plus remittances
    from Russia) + leverage p holds over j + institutions - Walt threat (a neighbour at war
    reads as more hostile).  Target = (1 - h) softmax(score) + h / 3: ``h`` is the
    multi-vector hedging preference.
    """
    best = -1e300
    for p in range(N_GP):
        benefit = weighted_share(D, wk, j, gp[p])
        if p == G_RUS:
            benefit += actor[WA_REMIT, j]
        intent = 1.0
        if p == G_RUS:
            intent += theta[AL_WAR_THREAT_BOOST] * s[S_INTENSITY]
        threat = walt_threat(shares[p], prox[j, gp[p]], intent)
        score = (theta[AL_BENEFIT_WEIGHT] * benefit + theta[AL_LEVERAGE_WEIGHT] * L[gp[p], j]
                 + theta[AL_INSTITUTION_WEIGHT] * inst[j, p] - theta[AL_THREAT_WEIGHT] * threat)
        out[p] = score
        if score > best:
            best = score
    tot = 0.0
    for p in range(N_GP):
        out[p] = np.exp(out[p] - best)
        tot += out[p]
    h = theta[AL_HEDGING]
    for p in range(N_GP):
        out[p] = (1.0 - h) * out[p] / tot + h / N_GP
    return out


@njit(cache=True)
def update_alignments(A, targets, actor, theta):
    """``A <- inertia A + (1 - inertia) target`` for every small state: a convex combination of
    two points of the simplex stays on it."""
    keep = theta[AL_INERTIA]
    for j in range(A.shape[0]):
        if actor[WA_SMALL, j] > 0.5:
            for p in range(N_GP):
                A[j, p] = keep * A[j, p] + (1.0 - keep) * targets[j, p]


@njit(cache=True)
def russia_perceptions(s, shares, L, prox, gp, w, theta):
    """Russia's perceived threats from the West and from China, and the erosion of its bias.

    The China threat grows with China's power, proximity, claim salience, presence in the Far
    East and the leverage China holds over Russia; Russia discounts it by its bias, which the
    West's point-east effort erodes.
    """
    r, c, we = gp
    s[S_BIAS] *= 1.0 - theta[RU_BIAS_EROSION] * theta[RU_POINT_EAST]
    intent_w = w[W_INTENT_WC] + s[S_INTENSITY]
    intent_c = (w[W_INTENT_CC] + s[S_SALIENCE] + s[S_PRESENCE]
                + theta[RU_LEVERAGE_INTENT] * max(L[c, r], 0.0))
    s[S_THREAT_RW] = walt_threat(shares[2], prox[r, we], intent_w)
    s[S_THREAT_RC] = (1.0 - s[S_BIAS]) * walt_threat(shares[1], prox[r, c], intent_c)


@njit(cache=True)
def alliance_quarter(s, theta):
    """Sino-Russian alignment strength relaxes toward a logistic target in the perceived threat
    gap (West minus China); it ruptures, for good, when it falls below the threshold."""
    if s[S_RUPTURED] > 0.5:
        s[S_ALLIANCE] *= 1.0 - theta[RU_ALLIANCE_RATE]
        return
    gap = s[S_THREAT_RW] - s[S_THREAT_RC]
    target = 1.0 / (1.0 + np.exp(-theta[RU_ALLIANCE_SENSITIVITY] * gap))
    lam = s[S_ALLIANCE] + theta[RU_ALLIANCE_RATE] * (target - s[S_ALLIANCE])
    s[S_ALLIANCE] = min(1.0, max(0.0, lam))
    if s[S_ALLIANCE] < theta[RU_RUPTURE_THRESHOLD]:
        s[S_RUPTURED] = 1.0
        s[S_RUPTURE_Q] = s[S_QUARTER] + 1.0
