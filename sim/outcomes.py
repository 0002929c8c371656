"""From observations to results: the per-replicate outcome table, trajectory quantiles, summary.

Everything here works on plain arrays/DataFrames; both engines reduce through it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.kernels.observe import CORE_NAMES
from sim.world import World

POWERS = ("RUS", "CHN", "WST")
FAR_EAST_STATUS = ("russian", "contested", "de_facto_chinese", "annexed")
WAR_STATUS = ("none", "ongoing", "ceasefire", "russian_victory", "rollback")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_IDX = {name: i for i, name in enumerate(CORE_NAMES)}


def observable_names(world: World) -> list[str]:
    """Names of the observables recorded each quarter, in the kernel's order."""
    names = list(CORE_NAMES)
    for code in world.small_codes:
        names += [f"alignment_{code}_{p}" for p in POWERS]
    return names


def outcome_table(world: World, seeds, final_war: np.ndarray, final_nowar: np.ndarray | None,
                  first_replicate: int = 0) -> pd.DataFrame:
    """One row per replicate from the final observations (R, n_obs) of the run and of its
    paired no-war counterfactual (None when the scenario has no war)."""
    names = observable_names(world)
    R = final_war.shape[0]
    col = {name: final_war[:, i] for i, name in enumerate(names)}
    out = {
        "replicate": np.arange(first_replicate, first_replicate + R, dtype=np.int64),
        "seed": np.asarray(seeds, dtype=np.uint64),
    }
    for p in POWERS:
        out[f"power_share_{p}"] = col[f"power_share_{p}"]
        out[f"objective_{p}"] = col[f"objective_{p}"]
    if final_nowar is not None:
        for p in POWERS:
            out[f"war_effect_{p}"] = col[f"objective_{p}"] - final_nowar[:, _IDX[f"objective_{p}"]]
            out[f"share_effect_{p}"] = col[f"power_share_{p}"] - final_nowar[:, _IDX[f"power_share_{p}"]]
        out["both_sides_lose"] = ((out["war_effect_RUS"] < 0) & (out["war_effect_WST"] < 0)
                                  & (out["war_effect_CHN"] > 0))
    else:
        for p in POWERS:
            out[f"war_effect_{p}"] = np.full(R, np.nan)
            out[f"share_effect_{p}"] = np.full(R, np.nan)
        out["both_sides_lose"] = np.zeros(R, dtype=bool)
    for name in ("rus_dependence_on_chn", "rus_concentration", "chn_leverage_over_rus", "alliance_strength",
                 "far_east_presence", "claim_salience", "front", "war_cost_RUS", "war_cost_WST",
                 "secondary_sanction_cost_CHN", "east_bias", "rus_east_defence"):
        out[name] = col[name]
    if final_nowar is not None:
        out["rus_dependence_on_chn_nowar"] = final_nowar[:, _IDX["rus_dependence_on_chn"]]
    rupture = col["alliance_rupture_quarter"]
    out["alliance_rupture_quarter"] = pd.array(np.where(rupture >= 0, rupture, 0).astype(np.int64),
                                               dtype="Int64")
    out["alliance_rupture_quarter"][rupture < 0] = pd.NA
    out["far_east_status"] = pd.Categorical.from_codes(col["far_east_status"].astype(int),
                                                      categories=list(FAR_EAST_STATUS))
    out["passportization"] = col["passportization"] > 0.5
    out["war_status"] = pd.Categorical.from_codes(col["war_status"].astype(int), categories=list(WAR_STATUS))
    for code in world.small_codes:
        for p in POWERS:
            out[f"alignment_{code}_{p}"] = col[f"alignment_{code}_{p}"]
    return pd.DataFrame(out)


def quantile_frame(paths: np.ndarray, names: list[str], run: str) -> pd.DataFrame:
    """Mean and quantiles over replicates of paths (R, T+1, n_obs), in long form."""
    R, T1, V = paths.shape
    q = np.quantile(paths, QUANTILES, axis=0)  # (5, T1, V)
    mean = paths.mean(axis=0)
    quarter = np.repeat(np.arange(T1), V)
    variable = np.tile(np.array(names, dtype=object), T1)
    frame = {"run": run, "quarter": quarter, "variable": variable, "mean": mean.ravel()}
    for qi, qq in enumerate(QUANTILES):
        frame[f"q{int(round(qq * 100)):02d}"] = q[qi].ravel()
    return pd.DataFrame(frame)


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a binomial proportion k/n."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (float(max(0.0, centre - half)), float(min(1.0, centre + half)))


def summarize(outcomes: pd.DataFrame, world: World, scenario: str, seed: int, has_war: bool) -> dict:
    """The job's summary: P(both sides lose) with its 95% interval, rupture, Far East, leaders."""
    n = len(outcomes)
    k = int(outcomes["both_sides_lose"].sum())
    lo, hi = wilson_interval(k, n)
    rupture = outcomes["alliance_rupture_quarter"]
    ruptured = rupture.notna()
    leading = {}
    for code in world.small_codes:
        cols = [f"alignment_{code}_{p}" for p in POWERS]
        lead = outcomes[cols].to_numpy().argmax(axis=1)
        counts = np.bincount(lead, minlength=3) / max(n, 1)
        leading[code] = {"leader": POWERS[int(counts.argmax())],
                         "shares": {p: float(c) for p, c in zip(POWERS, counts)}}
    return {
        "scenario": scenario,
        "replicates": n,
        "seed": int(seed),
        "has_war": bool(has_war),
        "p_both_sides_lose": k / n if n else float("nan"),
        "p_both_sides_lose_ci": [lo, hi],
        "mean_war_effect": {p: float(outcomes[f"war_effect_{p}"].mean()) if has_war else None for p in POWERS},
        "p_alliance_ruptured": float(ruptured.mean()),
        "median_rupture_quarter": float(rupture[ruptured].median()) if ruptured.any() else None,
        "far_east_status_shares": {s: float((outcomes["far_east_status"] == s).mean()) for s in FAR_EAST_STATUS},
        "leading_power": leading,
        "mean_rus_dependence_on_chn": float(outcomes["rus_dependence_on_chn"].mean()),
    }


