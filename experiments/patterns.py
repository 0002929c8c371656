"""Pattern-oriented validation: the op-ed's claims (seeds/claims.yaml) checked against ensembles.

Every named configuration of ``seeds/claims.yaml`` is run once as a paired ensemble (each
replicate with its no-war twin, same seed) and every check is evaluated on it with a one-sided
test at alpha = 0.01:

* ``two_proportion``   Fisher's exact test (P in config a > P in config b)
* ``mann_whitney``     Mann-Whitney U (outcome in a stochastically larger than in b)
* ``paired_twin``      Wilcoxon signed-rank, war run vs its no-war twin at the horizon
* ``rise``             Wilcoxon signed-rank, horizon vs quarter 0 in the war run
* ``hysteresis``       rises to a peak, falls back by less than it rose (Wilcoxon on end - start)
* ``proportion_below`` / ``proportion_above``  exact binomial test against ``bound``

The tests (tests/test_patterns.py) run the same code at a CI size (``GREATGAME_PATTERN_REPLICATES``,
default 200); ``make patterns`` runs this script at the full size (500 replicates per
configuration) and writes results/patterns.csv, the numbers quoted in docs/RESULTS.md.

Run::

    python experiments/patterns.py                     # full size: 500 replicates per config
    python experiments/patterns.py --replicates 300    # quicker
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

import sim
from sim.io import save_figure as _save_figure
from sim.io import write_csv
from sim.params import with_overrides


def save_figure(fig, path: Path) -> None:
    """Save a results figure atomically (sim.io), at the resolution used in docs/RESULTS.md."""
    _save_figure(fig, path, dpi=130, bbox_inches="tight")

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "seeds" / "claims.yaml"
RESULTS = ROOT / "results"
ALPHA = 0.01
POWER = 0.8
#: outcome columns :func:`derive` adds to sim.outcomes' table
DERIVED = ("ruptured", "far_east_contested", "far_east_de_facto", "leading_alignment", "china_leads_somewhere", "war_quarters",
           "rus_war_spend_rate", "posture_RUS", "war_intensity", "threat_west_to_rus", "threat_china_to_rus",
           "alignment_mean_RUS", "alignment_mean_CHN", "alignment_mean_WST")
KINDS = ("two_proportion", "mann_whitney", "paired_twin", "rise", "hysteresis", "proportion_below",
         "proportion_above")


# --------------------------------------------------------------------------------------------
# claims file
# --------------------------------------------------------------------------------------------
def load_claims(path: Path = CLAIMS) -> dict:
    """Read seeds/claims.yaml and check that every check names a known kind and configuration."""
    with open(path) as fh:
        doc = yaml.safe_load(fh)
    configs = doc["configs"]
    for claim in doc["claims"]:
        for key in ("id", "claim", "citation", "outcomes", "baseline", "weakens", "checks"):
            if key not in claim:
                raise ValueError(f"{path}: claim {claim.get('id', '?')!r} lacks {key!r}")
        for check in claim["checks"]:
            if check["kind"] not in KINDS:
                raise ValueError(f"{path}: check {check['id']!r} has kind {check['kind']!r}; allowed: "
                                 f"{', '.join(KINDS)}")
            for key in ("config", "a", "b"):
                if key in check and check[key] not in configs:
                    raise ValueError(f"{path}: check {check['id']!r} names config {check[key]!r}; "
                                     f"known: {', '.join(configs)}")
    return doc


def all_checks(doc: dict) -> list[tuple[dict, dict]]:
    """(claim, check) pairs in file order."""
    return [(claim, check) for claim in doc["claims"] for check in claim["checks"]]


def configs_used(doc: dict) -> list[str]:
    used = []
    for _, check in all_checks(doc):
        for key in ("config", "a", "b"):
            if key in check and check[key] not in used:
                used.append(check[key])
    return used


# --------------------------------------------------------------------------------------------
# running a named configuration
# --------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Run:
    """One named configuration's ensemble: per-replicate outcomes (with derived columns) and the
    war run's and twin's paths (long form: replicate, quarter, observables)."""

    name: str
    outcomes: pd.DataFrame
    war: pd.DataFrame
    twin: pd.DataFrame | None
    horizon: int
    config: sim.Config | None = None


def build_config(spec: dict) -> sim.Config:
    config = sim.load_config(spec["scenario"])
    overrides = spec.get("overrides") or {}
    if overrides:
        config = dataclasses.replace(config, params=with_overrides(config.params, **overrides))
    return config


def run_config(name: str, spec: dict, replicates: int, seed: int) -> Run:
    """Run one named configuration as a paired ensemble with its paths kept."""
    config = build_config(spec)
    res = sim.simulate(config, replicates, seed, engine="ensemble", keep_paths=True)
    paths = res.paths
    war_name = "war" if bool(config.params.war.enabled) else "no_war"
    war = paths[paths["run"] == war_name]
    twin = paths[paths["run"] == "no_war"] if war_name == "war" else None
    return Run(name, derive(res.outcomes, war, config.horizon), war, twin, config.horizon, config)


def derive(o: pd.DataFrame, war: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Outcome columns the checks need beyond sim.outcomes' table."""
    o = o.copy()
    o["ruptured"] = o["alliance_rupture_quarter"].notna()
    o["far_east_contested"] = o["far_east_status"].cat.codes >= 1
    o["far_east_de_facto"] = o["far_east_status"].cat.codes >= 2
    small = sorted({c.split("_")[1] for c in o.columns if c.startswith("alignment_") and c.count("_") == 2})
    lead_share, leaders = [], []
    for code in small:
        cols = [f"alignment_{code}_{p}" for p in ("RUS", "CHN", "WST")]
        a = o[cols].to_numpy()
        lead_share.append(a.max(axis=1))
        leaders.append(a.argmax(axis=1))
    leaders = np.array(leaders)  # (n_small, R)
    o["leading_alignment"] = np.mean(lead_share, axis=0)
    o["china_leads_somewhere"] = (leaders == 1).any(axis=0) & (leaders == 0).any(axis=0)
    final = war[war["quarter"] == horizon].set_index("replicate")
    # quarters the war was fought (status ongoing at the start of the quarter) and Russia's war
    # spending per such quarter: effort, net of how long the war happened to last
    at_war = war[(war["quarter"] < horizon) & (war["war_status"] == 1)].groupby("replicate").size()
    o["war_quarters"] = at_war.reindex(final.index, fill_value=0).to_numpy()
    o["rus_war_spend_rate"] = o["war_cost_RUS"] / np.maximum(o["war_quarters"], 1)
    for col in ("posture_RUS", "war_intensity", "threat_west_to_rus", "threat_china_to_rus",
                "alignment_mean_RUS", "alignment_mean_CHN", "alignment_mean_WST"):
        o[col] = final[col].to_numpy()
    return o


def run_all(doc: dict, replicates: int, seed: int, progress: bool = False) -> dict[str, Run]:
    runs = {}
    for name in configs_used(doc):
        t = time.time()
        runs[name] = run_config(name, doc["configs"][name], replicates, seed)
        if progress:
            print(f"  {name}: {replicates} replicates in {time.time() - t:.1f} s", file=sys.stderr, flush=True)
    return runs


# --------------------------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------------------------
def _event(o: pd.DataFrame, check: dict) -> np.ndarray:
    x = o[check["outcome"]].to_numpy()
    sign = check.get("sign")
    if sign == "positive":
        return x > 0
    if sign == "negative":
        return x < 0
    return x.astype(bool)


def _at(frame: pd.DataFrame, variable: str, quarter: int) -> np.ndarray:
    return frame.loc[frame["quarter"] == quarter, variable].to_numpy()


def _wilcoxon_greater(d: np.ndarray) -> float:
    d = d[np.abs(d) > 1e-12]
    if len(d) == 0:
        return 1.0
    return float(stats.wilcoxon(d, alternative="greater").pvalue)


def evaluate_check(check: dict, runs: dict[str, Run]) -> dict:
    """Evaluate one check: returns kind, p_value, passed (p < ALPHA), the compared estimates and
    the minimum detectable effect at this size (power 0.8, one-sided alpha 0.01)."""
    kind = check["kind"]
    z = stats.norm.ppf(1 - ALPHA) + stats.norm.ppf(POWER)
    out = {"kind": kind}
    if kind == "two_proportion":
        a, b = runs[check["a"]].outcomes, runs[check["b"]].outcomes
        ea, eb = _event(a, check), _event(b, check)
        ka, kb, na, nb = int(ea.sum()), int(eb.sum()), len(ea), len(eb)
        p = stats.fisher_exact([[ka, na - ka], [kb, nb - kb]], alternative="greater").pvalue
        pbar = (ka + kb) / (na + nb)
        mde = z * math.sqrt(max(pbar * (1 - pbar), 1e-4) * (1 / na + 1 / nb))
        out.update(estimate_a=ka / na, estimate_b=kb / nb, n=na, p_value=p, mde=mde,
                   detail=f"P(a)={ka}/{na}, P(b)={kb}/{nb}")
    elif kind == "mann_whitney":
        a = runs[check["a"]].outcomes[check["outcome"]].to_numpy(dtype=float)
        b = runs[check["b"]].outcomes[check["outcome"]].to_numpy(dtype=float)
        p = stats.mannwhitneyu(a, b, alternative="greater").pvalue
        sd = np.sqrt((a.var() + b.var()) / 2)
        # Mann-Whitney's efficiency relative to the t-test is >= 0.864 (0.955 for normal data)
        mde = z * math.sqrt(2 / len(a)) / math.sqrt(0.864) * sd
        out.update(estimate_a=float(np.median(a)), estimate_b=float(np.median(b)), n=len(a), p_value=p,
                   mde=mde, detail=f"median a={np.median(a):.4g}, median b={np.median(b):.4g} (medians)")
    elif kind in ("paired_twin", "rise", "hysteresis"):
        run = runs[check["config"]]
        v = check["variable"]
        end = _at(run.war, v, run.horizon)
        if kind == "paired_twin":
            ref = _at(run.twin, v, run.horizon)
            label = "twin"
        else:
            ref = _at(run.war, v, 0)
            label = "quarter 0"
        d = end - ref
        if check.get("alternative") == "less":
            d = -d
        p = _wilcoxon_greater(d)
        mde = z * float(np.std(d)) / math.sqrt(len(d)) / math.sqrt(0.864)
        out.update(estimate_a=float(end.mean()), estimate_b=float(ref.mean()), n=len(d), p_value=p, mde=mde,
                   detail=f"mean at horizon={end.mean():.4g}, {label}={ref.mean():.4g}")
        if kind == "hysteresis":
            wide = run.war.pivot(index="replicate", columns="quarter", values=v).to_numpy()
            peak = wide.max(axis=1)
            rise, fall = peak - wide[:, 0], peak - wide[:, -1]
            fell_back = float(fall.mean()) > 0
            out["detail"] += f"; mean rise to peak={rise.mean():.4g}, mean fall from peak={fall.mean():.4g}"
            if not fell_back:
                p = 1.0  # it never fell back: not the hysteresis pattern
            out["p_value"] = p
    elif kind in ("proportion_below", "proportion_above"):
        o = runs[check["config"]].outcomes
        e = _event(o, check)
        k, n = int(e.sum()), len(e)
        alt = "less" if kind == "proportion_below" else "greater"
        p = stats.binomtest(k, n, check["bound"], alternative=alt).pvalue
        lo, hi = sim.outcomes.wilson_interval(k, n)
        out.update(estimate_a=k / n, estimate_b=check["bound"], n=n, p_value=p,
                   mde=z * math.sqrt(check["bound"] * (1 - check["bound"]) / n),
                   detail=f"P={k}/{n} (95% CI {lo:.3f}-{hi:.3f}) vs bound {check['bound']}")
    out["passed"] = bool(out["p_value"] < ALPHA)
    return out


def evaluate_all(doc: dict, runs: dict[str, Run]) -> pd.DataFrame:
    rows = []
    for claim, check in all_checks(doc):
        r = evaluate_check(check, runs)
        emerges = check.get("emerges", True)
        rows.append({"claim": claim["id"], "check": check["id"], "role": check["role"],
                     "expected_to_emerge": emerges, **r,
                     "verdict": ("emerges" if r["passed"] else "does not emerge") if emerges else
                                ("does not emerge (as recorded)" if not r["passed"] else "EMERGES: update claims.yaml")})
    return pd.DataFrame(rows)


def scenario_table(runs: dict[str, Run]) -> pd.DataFrame:
    """One row per named configuration: the headline outcomes (for docs/RESULTS.md)."""
    rows = []
    for name, run in runs.items():
        o = run.outcomes
        k, n = int(o["both_sides_lose"].sum()), len(o)
        lo, hi = sim.outcomes.wilson_interval(k, n)
        status = o["war_status"].value_counts(normalize=True)
        rows.append({"config": name, "replicates": n, "p_both_sides_lose": k / n, "ci_low": lo, "ci_high": hi,
                     "war_effect_RUS": o["war_effect_RUS"].mean(), "war_effect_WST": o["war_effect_WST"].mean(),
                     "war_effect_CHN": o["war_effect_CHN"].mean(),
                     "p_russian_victory": status.get("russian_victory", 0.0), "p_rollback": status.get("rollback", 0.0),
                     "rus_dependence_on_chn": o["rus_dependence_on_chn"].mean(),
                     "rus_concentration": o["rus_concentration"].mean(),
                     "alliance_strength": o["alliance_strength"].mean(), "p_ruptured": o["ruptured"].mean(),
                     "far_east_presence": o["far_east_presence"].mean(),
                     "p_far_east_contested": o["far_east_contested"].mean(),
                     "rus_east_defence": o["rus_east_defence"].mean(), "east_bias": o["east_bias"].mean()})
    return pd.DataFrame(rows)


def west_decomposition(runs: dict[str, Run]) -> pd.DataFrame:
    """The West's war effect split into the terms of its objective (sim/kernels/power.py), war run
    minus twin at the horizon, mean over replicates: power share, security (Russia's military
    share lost and the front pushed back), aid cost, small states' alignment."""
    rows = []
    for name, run in runs.items():
        if run.twin is None or run.config is None:
            continue
        p, world = run.config.params, run.config.world
        mil0 = world.military0[list(world.gp)]
        terms = {}
        for label, frame in (("war", run.war), ("twin", run.twin)):
            d = frame[frame["quarter"] == run.horizon]
            mil_r = d["military_RUS"] / (d["military_RUS"] + d["military_CHN"] + d["military_WST"])
            front0 = run.war.loc[run.war["quarter"] == 0, "front"].to_numpy()
            terms[label] = {
                "power_share": d["power_share_WST"].mean(),
                "security": (p.decision.west_security * ((mil0[0] / mil0.sum() - mil_r)
                                                         + p.war.stake_output * (front0 - d["front"].to_numpy()))).mean(),
                "aid_cost": -(p.decision.west_cost * d["war_cost_WST"] / (40 * world.output0[world.gp[2]])).mean(),
                "alignment": p.decision.influence * d["alignment_mean_WST"].mean(),
            }
        row = {"config": name, **{k: terms["war"][k] - terms["twin"][k] for k in terms["war"]}}
        row["total"] = sum(row[k] for k in ("power_share", "security", "aid_cost", "alignment"))
        row["war_effect_WST"] = run.outcomes["war_effect_WST"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


TRAJECTORY_VARIABLES = ("rus_dependence_on_chn", "rus_concentration", "rus_east_defence", "alliance_strength")


def trajectory_table(runs: dict[str, Run]) -> pd.DataFrame:
    """Mean per quarter of a few observables, war run and twin, for every configuration (long form)."""
    frames = []
    for name, run in runs.items():
        for label, frame in (("war", run.war), ("no_war", run.twin)):
            if frame is None:
                continue
            m = frame.groupby("quarter")[list(TRAJECTORY_VARIABLES)].mean().reset_index()
            frames.append(m.melt(id_vars="quarter", var_name="variable", value_name="mean")
                          .assign(config=name, run=label))
    return pd.concat(frames, ignore_index=True)[["config", "run", "variable", "quarter", "mean"]]


def plot_both_sides_lose(scen: pd.DataFrame, ax):
    """P(both sides lose) with its 95% Wilson interval for every configuration."""
    d = scen.sort_values("p_both_sides_lose")
    y = np.arange(len(d))
    # clip: a Wilson bound can sit a rounding error on the wrong side of an estimate of 0 or 1
    err = np.clip([d["p_both_sides_lose"] - d["ci_low"], d["ci_high"] - d["p_both_sides_lose"]], 0, None)
    ax.errorbar(d["p_both_sides_lose"], y, xerr=err, fmt="o", color="k")
    ax.set_yticks(y, d["config"])
    ax.set_xlabel("P(both sides lose), 95% CI")
    ax.set_xlim(left=0)
    ax.tick_params(labelsize=7)
    return ax


def plot_trajectories(traj: pd.DataFrame, variable: str, configs, ax, twin_of: str | None = None):
    """Mean path of ``variable`` per configuration (and the no-war twin of ``twin_of``, dashed)."""
    for name in configs:
        d = traj[(traj["config"] == name) & (traj["run"] == "war") & (traj["variable"] == variable)]
        ax.plot(d["quarter"], d["mean"], label=name)
    if twin_of is not None:
        d = traj[(traj["config"] == twin_of) & (traj["run"] == "no_war") & (traj["variable"] == variable)]
        ax.plot(d["quarter"], d["mean"], "k--", label="no-war twin")
    ax.set_xlabel("quarter")
    ax.set_title(variable, fontsize=9)
    ax.legend(fontsize=6)
    return ax


def figure(scen: pd.DataFrame, traj: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    plot_both_sides_lose(scen, axes[0])
    plot_trajectories(traj, "rus_dependence_on_chn", ["baseline", "early_ceasefire", "protracted_war",
                                                      "china_cautious"], axes[1], twin_of="baseline")
    plot_trajectories(traj, "rus_east_defence", ["baseline", "point_east", "protracted_war"], axes[2])
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Full-size pattern-oriented validation of seeds/claims.yaml")
    ap.add_argument("--replicates", type=int, default=500, help="replicates per configuration (default 500)")
    ap.add_argument("--seed", type=int, default=424, help="root seed (default 424)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="output directory (default results/)")
    args = ap.parse_args(argv)
    if not 10 <= args.replicates <= 1_000_000:
        ap.exit(2, f"error: --replicates={args.replicates} is outside its range [10, 1000000]\n")
    try:
        doc = load_claims()
    except (OSError, ValueError, KeyError, yaml.YAMLError) as err:
        print(f"error: {CLAIMS}: {err}", file=sys.stderr)
        return 2
    t = time.time()
    runs = run_all(doc, args.replicates, args.seed, progress=True)
    table = evaluate_all(doc, runs)
    scen = scenario_table(runs)
    write_csv(table, args.out / "patterns.csv")
    write_csv(scen, args.out / "pattern_scenarios.csv")
    write_csv(west_decomposition(runs), args.out / "west_decomposition.csv")
    traj = trajectory_table(runs)
    write_csv(traj, args.out / "pattern_trajectories.csv")
    save_figure(figure(scen, traj), args.out / "patterns.png")
    with pd.option_context("display.width", 200, "display.max_colwidth", 80, "display.max_columns", 20):
        print(scen.round(4).to_string(index=False))
        print()
        print(table[["claim", "check", "role", "p_value", "mde", "verdict", "detail"]].to_string(index=False))
    print(f"\nwrote patterns.csv, pattern_scenarios.csv, pattern_trajectories.csv, patterns.png in {args.out} "
          f"in {time.time() - t:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
