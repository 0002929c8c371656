"""Russia's Far East: Chinese presence, claim salience, passportization and status transitions."""

from numba import njit

from .dependency import saturating
from .layout import (
    FE_ANNEXED, FE_ANNEX_HAZARD, FE_CONTESTED, FE_CONTESTED_THRESHOLD, FE_DE_FACTO,
    FE_DE_FACTO_THRESHOLD, FE_DEFENCE_EFFECT, FE_DEFENCE_SCALE, FE_PASSPORT_BOOST,
    FE_PASSPORT_THRESHOLD, FE_PASSPORTIZATION, FE_PRESENCE_DRIFT, FE_PRESSURE_EFFECT,
    FE_PRESSURE_SCALE, FE_RUSSIAN, FE_SALIENCE_DECAY, FE_SALIENCE_GAIN, FE_TRANSITION_HAZARD,
    POW_DEPRECIATION, S_EAST_DEF, S_FE_STATUS, S_PASSPORT, S_PRESENCE, S_RUPTURED, S_SALIENCE,
)


@njit(cache=True)
def far_east_quarter(s, theta, weakness, pressure_spend, defence_spend, u_status, u_passport,
                     stochastic):
    """Advance presence, salience and status by one quarter.

    weakness = China's share / (China's + Russia's share), in (0, 1): every drift and hazard
    toward Chinese control scales with it (the weaker Russia, the faster).  Returns the
    status step taken (0 or 1) so the caller can move the Far East's output.
    """
    boost = theta[FE_PASSPORT_BOOST] if s[S_PASSPORT] > 0.5 else 1.0
    s[S_EAST_DEF] = s[S_EAST_DEF] * (1.0 - theta[POW_DEPRECIATION]) + defence_spend
    f = s[S_PRESENCE]
    grow = (theta[FE_PRESENCE_DRIFT] * weakness
            + theta[FE_PRESSURE_EFFECT] * saturating(pressure_spend, theta[FE_PRESSURE_SCALE])) * boost
    shrink = theta[FE_DEFENCE_EFFECT] * saturating(s[S_EAST_DEF], theta[FE_DEFENCE_SCALE])
    f = f + grow * (1.0 - f) - shrink * f
    s[S_PRESENCE] = min(1.0, max(0.0, f))
    sal = s[S_SALIENCE]
    sal = sal + theta[FE_SALIENCE_GAIN] * s[S_PRESENCE] * boost * (1.0 - sal) - theta[FE_SALIENCE_DECAY] * sal
    s[S_SALIENCE] = min(1.0, max(0.0, sal))
    if not stochastic:
        return 0
    if theta[FE_PASSPORTIZATION] > 0.5 and s[S_PASSPORT] < 0.5:
        if s[S_PRESENCE] > theta[FE_PASSPORT_THRESHOLD] and u_passport < theta[FE_TRANSITION_HAZARD] * 2.0:
            s[S_PASSPORT] = 1.0
    status = s[S_FE_STATUS]
    hazard = theta[FE_TRANSITION_HAZARD] * weakness * boost
    step = 0
    if status == FE_RUSSIAN:
        if s[S_PRESENCE] > theta[FE_CONTESTED_THRESHOLD] and u_status < hazard:
            s[S_FE_STATUS] = FE_CONTESTED
    elif status == FE_CONTESTED:
        if s[S_PRESENCE] < 0.8 * theta[FE_CONTESTED_THRESHOLD]:
            s[S_FE_STATUS] = FE_RUSSIAN
        elif s[S_PRESENCE] > theta[FE_DE_FACTO_THRESHOLD] and u_status < hazard:
            s[S_FE_STATUS] = FE_DE_FACTO
            step = 1
    elif status == FE_DE_FACTO:
        annex = theta[FE_ANNEX_HAZARD] * weakness * s[S_SALIENCE] * boost * (1.0 + s[S_RUPTURED])
        if u_status < annex:
            s[S_FE_STATUS] = FE_ANNEXED
            step = 1
    return step
