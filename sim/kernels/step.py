"""One quarter of one replicate: the single implementation of the dynamics.

Both drivers call these functions in the same order each quarter:

1. :func:`propagation` of the current state (exposure -> propagated dependence -> leverage),
2. :func:`small_state_targets` (each small state's target alignment),
3. :func:`choose_posture` for each great power (logit over a one-step look-ahead through
   :func:`advance`; simultaneous: every power looks ahead from the same state assuming the
   others repeat last quarter's posture),
4. :func:`advance` with the chosen postures and this quarter's random draws.

The Mesa model runs 2-3 through its agents; the ensemble engine runs all of it compiled
(:func:`run_replicate`).  Random numbers are drawn outside (per replicate, from its own seed)
and passed in as ``u`` (uniforms) and ``z`` (standard normals).
"""

import numpy as np
from numba import njit

from .alignment import alignment_target, alliance_quarter, russia_perceptions, update_alignments
from .dependency import (exposure, leverage, leverage_entry, mix_rows, propagate, propagate_rows, relax,
                         sanction, saturating)
from .far_east import far_east_quarter
from .layout import (
    CAT_EAST, CAT_GROWTH, CAT_INFLUENCE, CAT_SUPPORT, CAT_WAR, DEC_GROWTH_RETURN,
    DEC_RATIONALITY, DEP_ALPHA, DEP_CHINA_CAPACITY, DEP_DIVERSION_TO_CHINA, DEP_INFLUENCE_GAIN,
    DEP_INFLUENCE_SCALE, DEP_LOCK_IN_RATE, DEP_RELAX_RATE, DEP_SANCTION_RATE, DEP_SUPPORT_GAIN,
    DEP_SUPPORT_SCALE, G_CHN, G_RUS, G_WST, N_CAT, N_GP, POW_DEPRECIATION,
    POW_MILITARY_WEIGHT, S_AID_SPEND, S_COST_C, S_INTENSITY, S_POSTURE_R, S_PRESSURE, S_QUARTER,
    S_RUPTURED, S_SANCTION, S_SUPPORT, S_THREAT_RC, S_THREAT_RW, S_WAR_SPEND_R, S_WAR_STATUS, U_CEASEFIRE, U_CHOICE,
    N_UNIFORM, U_FE_STATUS, U_PASSPORT, W_FE_OUTPUT, WA_BUDGET, WA_GROWTH, WA_MILEX, WA_OUTPUT0,
    WA_DRAW, WA_SMALL, WA_VOL, WAR_ONGOING, WAR_OUTPUT_DRAIN, WAR_SANCTION_OUTPUT_COST,
    WAR_SECONDARY_SANCTION, WAR_STAKE_OUTPUT, Z_FRONT, Z_OUTPUT, n_normal, state_size, state_views,
    world_views,
)
from .observe import observe
from .power import objectives, power_shares
from .war import aid_spending, war_quarter


@njit(cache=True)
def make_work(n, k, c):
    """Scratch arrays for one replicate (made once per replicate, reused every quarter).

    Returns (E, P, L, solve, E2, P2, L2, scratch, alloc, gains, shares, obj, targets, scores,
    postures, hhi, zero_u, zero_z, cov): E/P (k, n, n), L (n, n), solve (n, 2n), scratch (state
    size,), alloc (3, N_CAT), targets (n, 3), scores (c,), postures (3,) int64, hhi (n,), and
    all-zero draws for the deterministic look-ahead, cov (n,).
    """
    return (np.zeros((k, n, n)), np.zeros((k, n, n)), np.zeros((n, n)), np.zeros((n, 2 * n)),
            np.zeros((k, n, n)), np.zeros((k, n, n)), np.zeros((n, n)),
            np.zeros(state_size(n, k)), np.zeros((N_GP, N_CAT)), np.zeros(N_GP), np.zeros(N_GP),
            np.zeros(N_GP), np.zeros((n, N_GP)), np.zeros(c), np.zeros(N_GP, dtype=np.int64),
            np.zeros(n), np.zeros(N_UNIFORM), np.zeros(n_normal(n)), np.zeros(n))


@njit(cache=True)
def reset_work(work):
    """Zero every scratch array of :func:`make_work` in place: a reused set of work arrays then
    starts a replicate exactly as a freshly made one does (results cannot depend on which
    replicates a thread ran before)."""
    work[0][:] = 0.0
    work[1][:] = 0.0
    work[2][:] = 0.0
    work[3][:] = 0.0
    work[4][:] = 0.0
    work[5][:] = 0.0
    work[6][:] = 0.0
    work[7][:] = 0.0
    work[8][:] = 0.0
    work[9][:] = 0.0
    work[10][:] = 0.0
    work[11][:] = 0.0
    work[12][:] = 0.0
    work[13][:] = 0.0
    work[14][:] = 0
    work[15][:] = 0.0
    work[16][:] = 0.0
    work[17][:] = 0.0
    work[18][:] = 0.0


@njit(cache=True)
def propagation(x, w, theta, E, P, L, solve):
    """Exposure, propagated dependence and leverage of state ``x`` into E, P, L."""
    n, k, c, gp, actor, prox, inst, subst, wk, chan, cand = world_views(w)
    s, Y, M, A, D, D0 = state_views(x, n, k)
    exposure(D, subst, E)
    propagate(E, theta[DEP_ALPHA], P, solve)
    leverage(P, wk, L)


@njit(cache=True)
def small_state_targets(x, w, theta, L, shares, out):
    """Target alignment of every small state (rows of great powers are left untouched)."""
    n, k, c, gp, actor, prox, inst, subst, wk, chan, cand = world_views(w)
    s, Y, M, A, D, D0 = state_views(x, n, k)
    power_shares(Y, M, gp, theta[POW_MILITARY_WEIGHT], shares)
    for j in range(n):
        if actor[WA_SMALL, j] > 0.5:
            alignment_target(j, D, L, shares, s, actor, prox, inst, wk, gp, theta, out[j])
    return out


@njit(cache=True)
def allocations(s, cand, postures, out):
    """Budget shares actually spent by each power (out (3, N_CAT)).

    Russia's war/east split follows its perceived threats (West vs China, after its bias).
    Without a war the war share goes to the power's own military stock (rearmament) and is
    returned in column CAT_WAR as a negative number: ``-share`` means "spent on rearmament".
    China's support share goes to growth once the war is over or the alignment has ruptured.
    """
    at_war = s[S_WAR_STATUS] == WAR_ONGOING
    for p in range(N_GP):
        for q in range(N_CAT):
            out[p, q] = cand[p, postures[p], q]
    # Russia's military share (war + east) is split by its perceived threats: the eastern bias
    # shrinks the China threat it sees, so a point-east policy shifts effort east.
    military = out[G_RUS, CAT_WAR] + out[G_RUS, CAT_EAST]
    seen = s[S_THREAT_RW] + s[S_THREAT_RC]
    east = s[S_THREAT_RC] / seen if seen > 0.0 else 0.5
    out[G_RUS, CAT_EAST] = military * east
    out[G_RUS, CAT_WAR] = military - out[G_RUS, CAT_EAST]
    if not at_war:
        for p in range(N_GP):
            out[p, CAT_WAR] = -out[p, CAT_WAR]
    if (not at_war) or s[S_RUPTURED] > 0.5:
        out[G_CHN, CAT_GROWTH] += out[G_CHN, CAT_SUPPORT]
        out[G_CHN, CAT_SUPPORT] = 0.0
    return out


@njit(cache=True)
def _contest_total(A, actor, prox, gp, p):
    """Sum over small states of proximity x (1 - alignment toward p): power p's split normaliser."""
    tot = 0.0
    for jj in range(A.shape[0]):
        if actor[WA_SMALL, jj] > 0.5:
            tot += prox[jj, gp[p]] * (1.0 - A[jj, p])
    return tot


@njit(cache=True)
def _influence(D, A, actor, prox, chan, gp, budget, alloc, theta, gains):
    """Influence spending moves the small states' rows toward the spending powers.

    Each power splits its influence budget over the small states in proportion to
    proximity x (1 - current alignment toward it): it contests where it is near and not yet
    dominant.
    """
    n = D.shape[1]
    # the normaliser of each power's split does not depend on j (A is not changed here)
    tot_r = _contest_total(A, actor, prox, gp, 0)
    tot_c = _contest_total(A, actor, prox, gp, 1)
    tot_w = _contest_total(A, actor, prox, gp, 2)
    for p in range(N_GP):
        gains[p] = 0.0
    for j in range(n):
        if actor[WA_SMALL, j] < 0.5:
            continue
        for p in range(N_GP):
            tot = tot_r if p == 0 else (tot_c if p == 1 else tot_w)
            share = prox[j, gp[p]] * (1.0 - A[j, p]) / tot if tot > 0.0 else 0.0
            spend = budget[p] * alloc[p, CAT_INFLUENCE] * share
            gains[p] = theta[DEP_INFLUENCE_GAIN] * saturating(spend, theta[DEP_INFLUENCE_SCALE])
        for kk in range(D.shape[0]):
            if chan[0, kk] > 0.5:
                mix_rows(D, j, kk, gains, gp)


@njit(cache=True)
def _coverage_of(D, subst, wk, i):
    acc = 0.0
    for kk in range(D.shape[0]):
        row = 0.0
        for j in range(D.shape[2]):
            row += D[kk, i, j]
        acc += wk[kk] * (1.0 - subst[kk, i]) * row
    return acc


@njit(cache=True)
def coverage(D, subst, wk, out):
    """Channel-weighted, substitution-adjusted share of each actor's needs met by named partners."""
    for i in range(D.shape[1]):
        out[i] = _coverage_of(D, subst, wk, i)
    return out


@njit(cache=True)
def advance(x, w, theta, postures, targets, u, z, stochastic, work):
    """Advance state ``x`` by one quarter in place.

    postures (3,) int: chosen candidate index per great power; targets (n, 3): small states'
    target alignments; u (N_UNIFORM,), z (n_normal(n),): this quarter's draws (ignored where
    ``stochastic`` is False: the look-ahead uses expected moves and no random transitions);
    work: from :func:`make_work`; its P and L (items 1, 2) must hold the propagated dependence
    and leverage of the state at the *start* of the quarter (:func:`propagation`).
    """
    P, L = work[1], work[2]
    work_alloc, work_gains, work_shares, cov = work[8], work[9], work[10], work[18]
    n, k, c, gp, actor, prox, inst, subst, wk, chan, cand = world_views(w)
    s, Y, M, A, D, D0 = state_views(x, n, k)
    r, ch, we = gp
    quarter = s[S_QUARTER]
    alloc = allocations(s, cand, postures, work_alloc)
    budget = work_gains  # reuse: budgets of the three powers
    for p in range(N_GP):
        budget[p] = actor[WA_BUDGET, gp[p]] * Y[gp[p]]
    war_spend_r = budget[G_RUS] * max(alloc[G_RUS, CAT_WAR], 0.0)
    aid = aid_spending(budget[G_WST], max(alloc[G_WST, CAT_WAR], 0.0), s)
    support = budget[G_CHN] * alloc[G_CHN, CAT_SUPPORT]
    pressure = budget[G_CHN] * alloc[G_CHN, CAT_EAST]
    defence = budget[G_RUS] * alloc[G_RUS, CAT_EAST]
    s[S_WAR_SPEND_R] = war_spend_r
    s[S_AID_SPEND] = aid
    s[S_SUPPORT] = support
    s[S_PRESSURE] = pressure
    zf = z[Z_FRONT] if stochastic else 0.0
    # --- war -----------------------------------------------------------------------------
    move = war_quarter(s, M, w, actor, r, we, war_spend_r, aid, support, theta, quarter,
                       u[U_CEASEFIRE], zf, stochastic)
    # --- dependency links ------------------------------------------------------------------
    coverage(D, subst, wk, cov)
    relax(D, D0, theta[DEP_RELAX_RATE], theta[DEP_LOCK_IN_RATE])
    sanction(D, r, we, ch, s[S_SANCTION], theta[DEP_SANCTION_RATE], theta[DEP_DIVERSION_TO_CHINA],
             theta[DEP_CHINA_CAPACITY])
    g_support = theta[DEP_SUPPORT_GAIN] * saturating(support, theta[DEP_SUPPORT_SCALE])
    cap = theta[DEP_CHINA_CAPACITY]
    gains = work_shares  # scratch; the power shares are recomputed below
    for kk in range(k):
        if chan[1, kk] > 0.5 and g_support > 0.0:
            d = D[kk, r, ch]
            g = g_support
            if d >= cap:
                g = 0.0
            elif g > (cap - d) / (1.0 - d):
                g = (cap - d) / (1.0 - d)
            gains[0] = 0.0
            gains[1] = g
            gains[2] = 0.0
            mix_rows(D, r, kk, gains, gp)
    _influence(D, A, actor, prox, chan, gp, budget, alloc, theta, gains)
    # --- output and military stocks -----------------------------------------------------------
    for i in range(n):
        g = actor[WA_GROWTH, i]
        if stochastic:
            g += actor[WA_VOL, i] * z[Z_OUTPUT + int(actor[WA_DRAW, i])]
        # links lost to the rest of the world cost output, links regained add it back (level effect)
        g += theta[WAR_SANCTION_OUTPUT_COST] * (_coverage_of(D, subst, wk, i) - cov[i])
        invest = 0.0
        rearm = 0.0
        for p in range(N_GP):
            if gp[p] == i:
                invest = budget[p] * alloc[p, CAT_GROWTH]
                rearm = budget[p] * max(-alloc[p, CAT_WAR], 0.0)
        g += theta[DEC_GROWTH_RETURN] * invest / Y[i]
        if i == r:
            g -= theta[WAR_OUTPUT_DRAIN] * s[S_INTENSITY]
        Y[i] = Y[i] * max(1.0 + g, 1e-9)  # output stays positive whatever the shock
        M[i] = M[i] * (1.0 - theta[POW_DEPRECIATION]) + actor[WA_MILEX, i] * Y[i] + rearm
    # territory changes hands with the front: its output moves with it
    Y[r] += theta[WAR_STAKE_OUTPUT] * actor[WA_OUTPUT0, r] * move
    if Y[r] < 1e-9:
        Y[r] = 1e-9
    # China pays for its support in secondary sanctions, scaled by its exposure to the West
    expo_cw = 0.0
    for kk in range(k):
        expo_cw += wk[kk] * P[kk, ch, we]
    sec_cost = theta[WAR_SECONDARY_SANCTION] * support * expo_cw
    s[S_COST_C] += sec_cost
    Y[ch] = max(Y[ch] - sec_cost, 1e-9)
    # --- Far East ---------------------------------------------------------------------------------
    shares = power_shares(Y, M, gp, theta[POW_MILITARY_WEIGHT], work_shares)
    weakness = shares[G_CHN] / (shares[G_CHN] + shares[G_RUS])
    step = far_east_quarter(s, theta, weakness, pressure, defence, u[U_FE_STATUS], u[U_PASSPORT],
                            stochastic)
    if step > 0:
        # de facto control moves half the region's output to China; annexation the rest
        lost_output = 0.5 * w[W_FE_OUTPUT] * Y[r]
        Y[r] -= lost_output
        Y[ch] += lost_output
    # --- perceptions, the Sino-Russian alignment, the small states ------------------------------
    russia_perceptions(s, shares, L, prox, gp, w, theta)
    alliance_quarter(s, theta)
    update_alignments(A, targets, actor, theta)
    s[S_QUARTER] = quarter + 1.0


@njit(cache=True)
def choose_posture(x, w, theta, g, u_choice, targets, P, L, work):
    """Logit choice of great power g's posture by a one-step look-ahead through :func:`advance`.

    Each candidate is scored by g's objective after one deterministic quarter in which g plays
    the candidate and the others repeat their last postures (Russia scores with its perceived
    threats).  Of the look-ahead state's propagated dependence the objectives read only
    ``L[China, Russia]`` (China's): it is computed for China alone, from two rows of P.  ``P(c) = exp(beta U_c) / sum exp(beta U)``; the draw ``u_choice`` picks one.
    Returns the candidate index.
    """
    n, k, c, gp, actor, prox, inst, subst, wk, chan, cand = world_views(w)
    r, ch = gp[0], gp[1]
    E2, P2, L2, solve, scratch = work[4], work[5], work[6], work[3], work[7]
    shares, obj, scores, postures = work[10], work[11], work[13], work[14]
    s = x[:S_POSTURE_R + N_GP]
    best = -1e300
    for cc in range(c):
        for p in range(N_GP):
            postures[p] = int(s[S_POSTURE_R + p])
        postures[g] = cc
        scratch[:] = x
        advance(scratch, w, theta, postures, targets, work[16], work[17], False, work)
        ss, Y, M, A, D, D0 = state_views(scratch, n, k)
        if g == G_CHN:
            # of the look-ahead's propagated dependence only China's leverage over Russia
            # enters an objective (China's): rows r and c of P, same bits as the full solve
            exposure(D, subst, E2)
            propagate_rows(E2, theta[DEP_ALPHA], r, ch, P2, solve)
            L2[ch, r] = leverage_entry(P2, wk, ch, r)
        objectives(ss, Y, M, A, D, L2, w, theta, g == G_RUS, shares, obj)
        scores[cc] = obj[g]
        if obj[g] > best:
            best = obj[g]
    beta = theta[DEC_RATIONALITY]
    tot = 0.0
    for cc in range(c):
        scores[cc] = np.exp(beta * (scores[cc] - best))
        tot += scores[cc]
    acc = 0.0
    target = u_choice * tot
    for cc in range(c):
        acc += scores[cc]
        if target < acc:
            return cc
    return c - 1


@njit(cache=True)
def decide_all(x, w, theta, u_row, targets, P, L, work, out):
    """Every great power's posture for this quarter (simultaneous moves); out (3,) int."""
    for g in range(N_GP):
        out[g] = choose_posture(x, w, theta, g, u_row[U_CHOICE + g], targets, P, L, work)
    return out


@njit(cache=True)
def record_postures(x, postures):
    for g in range(N_GP):
        x[S_POSTURE_R + g] = postures[g]


@njit(cache=True)
def run_replicate(x, w, theta, U, Z, horizon, traj, work, chosen):
    """Run one replicate for ``horizon`` quarters from state ``x`` (modified in place).

    U (horizon, N_UNIFORM), Z (horizon, n_normal): its draws; traj (horizon + 1, n_obs):
    observables at quarters 0..horizon; work from :func:`make_work`; chosen (3,) int64.
    The same sequence as one ``GreatGameModel.step()`` per quarter.
    """
    E, P, L, solve = work[0], work[1], work[2], work[3]
    shares, obj, targets, hhi = work[10], work[11], work[12], work[15]
    for t in range(horizon + 1):
        propagation(x, w, theta, E, P, L, solve)
        observe(x, w, theta, L, hhi, shares, obj, traj[t])
        if t == horizon:
            break
        small_state_targets(x, w, theta, L, shares, targets)
        decide_all(x, w, theta, U[t], targets, P, L, work, chosen)
        record_postures(x, chosen)
        advance(x, w, theta, chosen, targets, U[t], Z[t], True, work)
