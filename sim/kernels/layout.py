"""Array layouts shared by every kernel: parameter indices, the state vector, the world vector.

Kept in one place so that a replicate is *one* float64 vector (easy to copy for the
posture look-ahead, to stack for the ensemble, to hash for tests) and the world is
another.  The parameter indices must match the order of :data:`sim.params.SPECS`
(``tests/test_params.py`` checks it).
"""

from numba import njit

# --- parameter indices into theta (order of sim.params.SPECS) -------------------------
DEP_ALPHA = 0
DEP_SANCTION_RATE = 1
DEP_DIVERSION_TO_CHINA = 2
DEP_CHINA_CAPACITY = 3
DEP_RELAX_RATE = 4
DEP_LOCK_IN_RATE = 5
DEP_INFLUENCE_GAIN = 6
DEP_INFLUENCE_SCALE = 7
DEP_SUPPORT_GAIN = 8
DEP_SUPPORT_SCALE = 9
WAR_ENABLED = 10
WAR_CEASEFIRE_QUARTER = 11
WAR_HAZARD_BASE = 12
WAR_HAZARD_EXHAUSTION = 13
WAR_FRONT_SPEED = 14
WAR_FRONT_NOISE = 15
WAR_ATTRITION = 16
WAR_AID_LEVEL = 17
WAR_AID_FATIGUE = 18
WAR_AID_EFFECTIVENESS = 19
WAR_UKRAINE_OWN_EFFORT = 20
WAR_SUPPORT_EFFECT = 21
WAR_OUTPUT_DRAIN = 22
WAR_SANCTION_OUTPUT_COST = 23
WAR_SANCTION_DECAY = 24
WAR_SECONDARY_SANCTION = 25
WAR_STAKE_OUTPUT = 26
WAR_DECISIVE_MARGIN = 27
FE_PRESENCE_DRIFT = 28
FE_PRESSURE_EFFECT = 29
FE_PRESSURE_SCALE = 30
FE_DEFENCE_EFFECT = 31
FE_DEFENCE_SCALE = 32
FE_SALIENCE_GAIN = 33
FE_SALIENCE_DECAY = 34
FE_CONTESTED_THRESHOLD = 35
FE_DE_FACTO_THRESHOLD = 36
FE_TRANSITION_HAZARD = 37
FE_ANNEX_HAZARD = 38
FE_PASSPORTIZATION = 39
FE_PASSPORT_THRESHOLD = 40
FE_PASSPORT_BOOST = 41
AL_HEDGING = 42
AL_INERTIA = 43
AL_BENEFIT_WEIGHT = 44
AL_THREAT_WEIGHT = 45
AL_LEVERAGE_WEIGHT = 46
AL_INSTITUTION_WEIGHT = 47
AL_WAR_THREAT_BOOST = 48
RU_EAST_BIAS = 49
RU_POINT_EAST = 50
RU_BIAS_EROSION = 51
RU_LEVERAGE_INTENT = 52
RU_ALLIANCE_RATE = 53
RU_ALLIANCE_SENSITIVITY = 54
RU_RUPTURE_THRESHOLD = 55
DEC_RATIONALITY = 56
DEC_GROWTH_RETURN = 57
DEC_RUSSIA_TERRITORY = 58
DEC_RUSSIA_FAR_EAST = 59
DEC_RUSSIA_AUTONOMY = 60
DEC_WEST_SECURITY = 61
DEC_WEST_COST = 62
DEC_CHINA_SANCTION_COST = 63
DEC_CHINA_LEVERAGE = 64
DEC_CHINA_REALIGN = 65
DEC_INFLUENCE = 66
POW_MILITARY_WEIGHT = 67
POW_DEPRECIATION = 68
N_THETA = 69

# --- posture categories: how a great power splits its external budget --------------
CAT_WAR = 0  # Russia: own war effort; West: aid to Ukraine
CAT_INFLUENCE = 1  # spending in the small states
CAT_EAST = 2  # Russia: Far East defence; China: Far East pressure
CAT_SUPPORT = 3  # China: support to Russia
CAT_GROWTH = 4  # investment at home
N_CAT = 5

# --- great-power roles (row of the alignment matrix, index into roles) --------------
G_RUS = 0
G_CHN = 1
G_WST = 2
N_GP = 3

# --- war status --------------------------------------------------------------------
WAR_NONE = 0
WAR_ONGOING = 1
WAR_CEASEFIRE = 2
WAR_RUSSIAN_VICTORY = 3
WAR_ROLLBACK = 4

# --- Far East status ---------------------------------------------------------------
FE_RUSSIAN = 0
FE_CONTESTED = 1
FE_DE_FACTO = 2
FE_ANNEXED = 3

# --- scalar part of the state vector ------------------------------------------------
S_QUARTER = 0
S_WAR_STATUS = 1
S_FRONT = 2  # share of the contested stakes held by Russia
S_INTENSITY = 3
S_COST_R = 4  # cumulative US$ bn
S_COST_W = 5
S_COST_C = 6  # cumulative secondary-sanction cost to China
S_SANCTION = 7  # sanction level in [0, 1]
S_AID = 8  # Western aid level (multiplier)
S_PRESENCE = 9  # Chinese presence in the Far East, [0, 1]
S_SALIENCE = 10  # claim salience, [0, 1]
S_FE_STATUS = 11
S_PASSPORT = 12
S_BIAS = 13  # Russia's eastern-threat bias
S_ALLIANCE = 14  # Sino-Russian alignment strength
S_RUPTURED = 15
S_RUPTURE_Q = 16  # quarter of rupture, -1 if none
S_EAST_DEF = 17  # Russia's Far East defence stock, US$ bn
S_THREAT_RW = 18  # Russia's perceived threat from the West
S_THREAT_RC = 19  # Russia's perceived threat from China (after bias)
S_SUPPORT = 20  # China's support spending last quarter
S_PRESSURE = 21  # China's Far East pressure spending last quarter
S_POSTURE_R = 22  # last chosen posture index per great power
S_POSTURE_C = 23
S_POSTURE_W = 24
S_WAR_SPEND_R = 25
S_AID_SPEND = 26
S_FRONT0 = 27
N_SCALARS = 32

# --- header of the world vector -------------------------------------------------------
W_N = 0
W_K = 1
W_C = 2  # candidate postures per great power
W_RUS = 3  # actor index of each role
W_CHN = 4
W_WST = 5
W_FE_OUTPUT = 6  # Far East share of Russia's output
W_WAR_REF = 7  # combined effort (US$ bn/quarter) that means full intensity
W_AID0 = 8  # calibrated Western aid, US$ bn/quarter (exhaustion yardstick)
W_INTENT_WC = 10  # baseline hostile intent Russia reads into the West / China
W_INTENT_CC = 11
N_WHEADER = 16

# per-actor world rows, in this order, each of length N
WA_SMALL = 0
WA_GROWTH = 1  # base output growth, 1/quarter
WA_MILEX = 2  # peacetime military spending, share of output
WA_BUDGET = 3  # discretionary external-policy budget, share of output
WA_REMIT = 4  # remittances from Russia, share of GDP
WA_OUTPUT0 = 5  # initial output, US$ bn/quarter
WA_MIL0 = 6  # initial military stock, US$ bn
WA_VOL = 7  # output volatility, sd per quarter
WA_DRAW = 8  # which output shock the actor takes (rank of its code), so order cannot matter
N_WACTOR = 9


@njit(cache=True)
def state_size(n, k):
    return N_SCALARS + 5 * n + 2 * k * n * n


@njit(cache=True)
def state_views(x, n, k):
    """Views (s, Y, M, A, D, D0) of a replicate's state vector ``x``.

    Shapes: s (N_SCALARS,), Y (n,), M (n,), A (n, 3), D and D0 (k, n, n).
    """
    o = N_SCALARS
    s = x[:o]
    Y = x[o:o + n]
    M = x[o + n:o + 2 * n]
    A = x[o + 2 * n:o + 5 * n].reshape((n, N_GP))
    o2 = o + 5 * n
    D = x[o2:o2 + k * n * n].reshape((k, n, n))
    D0 = x[o2 + k * n * n:o2 + 2 * k * n * n].reshape((k, n, n))
    return s, Y, M, A, D, D0


@njit(cache=True)
def world_size(n, k, c):
    return N_WHEADER + N_WACTOR * n + n * n + 3 * n + k * n + 3 * k + N_GP * c * N_CAT


@njit(cache=True)
def world_views(w):
    """Views of the world vector ``w``: (n, k, c, gp, actor, prox, inst, subst, wk, chan, cand).

    gp (3,) int actor index of RUS, CHN, WST; actor (N_WACTOR, n); prox (n, n) proximity;
    inst (n, 3) institutional pull toward each great power; subst (k, n) substitutability;
    wk (k,) channel weights; chan (2, k) channel flags (row 0: moved by influence,
    row 1: moved by China's support); cand (3, c, N_CAT) candidate postures.
    """
    n = int(w[W_N])
    k = int(w[W_K])
    c = int(w[W_C])
    gp = (int(w[W_RUS]), int(w[W_CHN]), int(w[W_WST]))
    o = N_WHEADER
    actor = w[o:o + N_WACTOR * n].reshape((N_WACTOR, n))
    o += N_WACTOR * n
    prox = w[o:o + n * n].reshape((n, n))
    o += n * n
    inst = w[o:o + 3 * n].reshape((n, N_GP))
    o += 3 * n
    subst = w[o:o + k * n].reshape((k, n))
    o += k * n
    wk = w[o:o + k]
    o += k
    chan = w[o:o + 2 * k].reshape((2, k))
    o += 2 * k
    cand = w[o:o + N_GP * c * N_CAT].reshape((N_GP, c, N_CAT))
    return n, k, c, gp, actor, prox, inst, subst, wk, chan, cand


# --- random draws per quarter -----------------------------------------------------------
U_CHOICE = 0  # 3 uniforms: posture choice of each great power
U_CEASEFIRE = 3
U_FE_STATUS = 4
U_PASSPORT = 5
N_UNIFORM = 8
Z_FRONT = 0  # 1 normal for the front, then one per actor for output shocks
Z_OUTPUT = 1


@njit(cache=True)
def n_normal(n):
    return Z_OUTPUT + n
