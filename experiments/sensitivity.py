"""Global sensitivity analysis (SALib): Morris screening over every parameter, then Sobol indices.

Which assumptions drive the results?  Four outcomes of the paired ensemble are analysed:

* ``p_both_sides_lose``      P(Russia and the West below their no-war twin, China above it)
* ``rus_dependence_on_chn``  mean final (channel-weighted) share of Russia's needs met by China
* ``rupture_rmst``           restricted mean quarter of the Sino-Russian rupture (never -> horizon);
                             ``p_ruptured`` (the share that ruptures) is written alongside
* ``p_far_east_contested``   P(Far East status >= contested) at the horizon

Each sample point is one small ensemble (``--replicates`` replicates and their no-war twins, the
same root seed at every point: common random numbers, so differences between points are the
parameters' doing, not the draws').

Parameters that are not continuous are handled as follows (and said so in docs/RESULTS.md):

* ``war.enabled`` is held at true: with no war there is no war effect to analyse;
* ``far_east.passportization`` is a switch: its unit interval is sampled and read as on above 0.5;
* ``war.ceasefire_quarter`` is sampled on [-1, horizon] and rounded; -1 and the horizon both
  mean "no imposed ceasefire within the run" (its registry range [-1, 200] is mostly that).

Run (default: 276 Morris points + 640 Sobol points of 32 replicates each, ~0.8 s a point on two
cores: 8 min measured at light load, 35 min at load ~10 on the shared machine)::

    python experiments/sensitivity.py
    python experiments/sensitivity.py --morris-trajectories 10 --sobol-n 256 --replicates 128
    python experiments/sensitivity.py --replot          # redraw the figure from the tables

Writes results/morris.csv, results/sobol.csv and results/sensitivity.png (atomically).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.io import save_figure as _save_figure
from sim.io import write_csv
from sim.params import with_overrides


def save_figure(fig, path: Path) -> None:
    """Save a results figure atomically (sim.io), at the resolution used in docs/RESULTS.md."""
    _save_figure(fig, path, dpi=130, bbox_inches="tight")

RESULTS = Path(__file__).resolve().parent.parent / "results"
OUTCOMES = ("p_both_sides_lose", "rus_dependence_on_chn", "rupture_rmst", "p_far_east_contested")
FIXED = {"params.war.enabled": 1}
SWITCHES = ("params.far_east.passportization",)


# --------------------------------------------------------------------------------------------
# the parameter space as the analyses see it
# --------------------------------------------------------------------------------------------
def analysis_space(horizon: int = 40, exclude: tuple[str, ...] = ()) -> list[dict]:
    """The sampled parameters: name, low, high, kind (float, int or switch).

    ``war.enabled`` is held fixed (see module docstring); ``exclude`` drops more.
    """
    space = []
    for s in sim.parameter_space():
        if s.name in FIXED or s.name in exclude:
            continue
        if s.name in SWITCHES:
            space.append({"name": s.name, "low": 0.0, "high": 1.0, "kind": "switch"})
        elif s.kind == "int":
            space.append({"name": s.name, "low": float(s.low), "high": float(min(s.high, horizon)), "kind": "int"})
        else:
            space.append({"name": s.name, "low": float(s.low), "high": float(s.high), "kind": "float"})
    return space


def salib_problem(space: list[dict]) -> dict:
    return {"num_vars": len(space), "names": [p["name"] for p in space],
            "bounds": [[p["low"], p["high"]] for p in space]}


def decode(space: list[dict], row: np.ndarray) -> dict:
    """One sample row (unit-scaled by SALib to the bounds) -> ``{group.key: value}`` overrides."""
    values = {}
    for p, v in zip(space, row):
        key = p["name"].removeprefix("params.")
        if p["kind"] == "switch":
            values[key] = bool(v >= 0.5)
        elif p["kind"] == "int":
            values[key] = int(round(float(v)))
        else:
            values[key] = float(v)
    for name, v in FIXED.items():
        values[name.removeprefix("params.")] = v
    return values


# --------------------------------------------------------------------------------------------
# one sample point = one small paired ensemble
# --------------------------------------------------------------------------------------------
def point_outcomes(config: sim.Config, overrides: dict, replicates: int, seed: int) -> dict:
    """The four outcomes (plus ``p_ruptured``) of ``config`` with ``overrides`` applied.

    Parameters
    ----------
    config : the base configuration (world, horizon); its params are replaced.
    overrides : ``{"war.hazard_base": 0.05, ...}``.
    replicates, seed : ensemble size and root seed (the same at every point: common random numbers).
    """
    params = with_overrides(config.params, **overrides)
    res = sim.simulate(dataclasses.replace(config, params=params), replicates, seed, engine="ensemble")
    return summarize_outcomes(res.outcomes, config.horizon)


def summarize_outcomes(o: pd.DataFrame, horizon: int) -> dict:
    """Reduce an outcome table (one row per replicate) to the analysed scalars."""
    rupture = o["alliance_rupture_quarter"]
    ruptured = rupture.notna().to_numpy()
    q = rupture.astype("Float64").fillna(float(horizon)).to_numpy(dtype=float)
    status = o["far_east_status"].cat.codes.to_numpy()
    return {
        "p_both_sides_lose": float(o["both_sides_lose"].mean()),
        "rus_dependence_on_chn": float(o["rus_dependence_on_chn"].mean()),
        "rupture_rmst": float(np.minimum(q, horizon).mean()),
        "p_ruptured": float(ruptured.mean()),
        "p_far_east_contested": float((status >= 1).mean()),
    }


def evaluate(config: sim.Config, space: list[dict], X: np.ndarray, replicates: int, seed: int,
             label: str = "") -> pd.DataFrame:
    """Evaluate every row of X (n_points, n_params); returns one row of outcomes per point."""
    from tqdm.auto import tqdm

    rows = []
    for row in tqdm(X, desc=label or "points", unit="pt", mininterval=10, file=sys.stderr):
        rows.append(point_outcomes(config, decode(space, row), replicates, seed))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Morris and Sobol
# --------------------------------------------------------------------------------------------
def morris_screening(config, space, trajectories, replicates, seed, levels=4) -> pd.DataFrame:
    """Morris elementary effects for every outcome: long table (outcome, parameter, mu_star,
    mu_star_conf, sigma, mu)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = salib_problem(space)
    X = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    Y = evaluate(config, space, X, replicates, seed, "morris")
    frames = []
    for out in OUTCOMES:
        res = morris_analyze.analyze(problem, X, Y[out].to_numpy(), num_levels=levels, seed=seed)
        frames.append(pd.DataFrame({"outcome": out, "parameter": problem["names"], "mu_star": res["mu_star"],
                                    "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"],
                                    "mu": res["mu"]}))
    table = pd.concat(frames, ignore_index=True)
    # mu* scaled by the outcome's largest mu*, so outcomes can be pooled when choosing what to Sobol
    table["mu_star_rel"] = table["mu_star"] / table.groupby("outcome")["mu_star"].transform("max").replace(0, 1)
    return table


def most_influential(morris: pd.DataFrame, top: int, primary: str = OUTCOMES[0], primary_slots: int = 5) -> list[str]:
    """The parameters carried to the Sobol stage: the ``primary_slots`` leading parameters of the
    primary outcome (P(both sides lose), by Morris mu*), then the others' leaders round-robin until
    ``top`` are chosen, so every outcome's main driver is in (pooling would let one outcome crowd
    out the rest).  Outcomes whose mu* are all zero (constant outcomes) are skipped."""
    ranks = {}
    for out in OUTCOMES:
        d = morris[(morris["outcome"] == out) & (morris["mu_star"] > 0)]
        ranks[out] = list(d.sort_values("mu_star", ascending=False)["parameter"])
    chosen: list[str] = list(ranks.get(primary, [])[:min(primary_slots, top)])
    depth = 0
    rest = [r for out, r in ranks.items() if out != primary] + [ranks.get(primary, [])]
    while len(chosen) < top and any(depth < len(r) for r in rest):
        for r in rest:
            if depth < len(r) and r[depth] not in chosen and len(chosen) < top:
                chosen.append(r[depth])
        depth += 1
    return chosen


def sobol_indices(config, space, n_base, replicates, seed) -> pd.DataFrame:
    """First- and total-order Sobol indices with 95% bootstrap intervals over ``space``
    (Saltelli/Jansen estimators, N (D + 2) points, no second order)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = salib_problem(space)
    X = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    Y = evaluate(config, space, X, replicates, seed, "sobol")
    frames = []
    for out in OUTCOMES:
        y = Y[out].to_numpy()
        if np.ptp(y) == 0:  # a constant outcome has no variance to apportion
            res = {k: np.full(len(space), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        frames.append(pd.DataFrame({"outcome": out, "parameter": problem["names"], "S1": res["S1"],
                                    "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"],
                                    "outcome_mean": y.mean(), "outcome_sd": y.std()}))
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------
def short(name: str) -> str:
    return name.removeprefix("params.")


def plot_morris(morris: pd.DataFrame, outcome: str, ax, top: int = 12):
    """Horizontal bars of mu* (with its interval) for the ``top`` parameters of one outcome."""
    d = morris[morris["outcome"] == outcome].nlargest(top, "mu_star").iloc[::-1]
    ax.barh([short(p) for p in d["parameter"]], d["mu_star"], xerr=d["mu_star_conf"], color="0.6")
    ax.set_title(f"Morris mu*: {outcome}", fontsize=9)
    ax.tick_params(labelsize=7)
    return ax


def plot_sobol(sobol: pd.DataFrame, outcome: str, ax):
    """Grouped bars of S1 and ST (95% intervals) for one outcome."""
    d = sobol[sobol["outcome"] == outcome].sort_values("ST")
    if d["ST"].isna().all():
        ax.text(0.5, 0.5, "constant over this sample:\nno variance to apportion", ha="center", va="center",
                transform=ax.transAxes, fontsize=8)
        ax.set_title(f"Sobol: {outcome}", fontsize=9)
        ax.set_axis_off()
        return ax
    y = np.arange(len(d))
    ax.barh(y - 0.2, d["S1"], 0.4, xerr=d["S1_conf"], label="first order S1", color="tab:blue")
    ax.barh(y + 0.2, d["ST"], 0.4, xerr=d["ST_conf"], label="total order ST", color="tab:orange")
    ax.set_yticks(y, [short(p) for p in d["parameter"]])
    ax.set_title(f"Sobol: {outcome}", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="lower right")
    return ax


def figure(morris: pd.DataFrame, sobol: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(OUTCOMES), figsize=(4.2 * len(OUTCOMES), 8.5))
    for j, out in enumerate(OUTCOMES):
        plot_morris(morris, out, axes[0, j])
        plot_sobol(sobol, out, axes[1, j])
    fig.tight_layout()
    return fig


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--morris-trajectories", type=int, default=4, help="Morris trajectories r (default 4)")
    ap.add_argument("--sobol-n", type=int, default=64, help="Sobol base sample N, a power of 2 (default 64)")
    ap.add_argument("--top", type=int, default=8, help="parameters carried from Morris to Sobol (default 8)")
    ap.add_argument("--primary-slots", type=int, default=5,
                    help="Sobol places reserved for the leading parameters of P(both sides lose) (default 5)")
    ap.add_argument("--replicates", type=int, default=32, help="replicates per sample point (default 32)")
    ap.add_argument("--horizon", type=int, default=40, help="quarters per run (default 40)")
    ap.add_argument("--seed", type=int, default=20240424, help="root seed (default 20240424)")
    ap.add_argument("--scenario", default="baseline", help="base scenario (default baseline)")
    ap.add_argument("--morris-from", type=Path, default=None,
                    help="reuse a Morris table (results/morris.csv) and run only the Sobol stage")
    ap.add_argument("--sobol-params", default="",
                    help="comma-separated parameters for the Sobol stage instead of the Morris choice")
    ap.add_argument("--tag", default="", help="suffix of the Sobol table and figure (sobol_<tag>.csv)")
    ap.add_argument("--replot", action="store_true", help="only redraw the figure from the tables in --out")
    ap.add_argument("--out", type=Path, default=RESULTS, help="output directory (default results/)")
    args = ap.parse_args(argv)
    checks = [("--morris-trajectories", args.morris_trajectories, 2, 1000),
              ("--sobol-n", args.sobol_n, 2, 1 << 16), ("--top", args.top, 2, 68),
              ("--replicates", args.replicates, 2, 100000), ("--horizon", args.horizon, 1, 400)]
    for flag, v, lo, hi in checks:
        if not lo <= v <= hi:
            ap.exit(2, f"error: {flag}={v} is outside its range [{lo}, {hi}]\n")
    if args.sobol_n & (args.sobol_n - 1):
        ap.exit(2, f"error: --sobol-n={args.sobol_n} must be a power of 2 (e.g. 64, 128, 256)\n")
    if args.replot:
        needed = [args.out / "morris.csv", args.out / f"sobol{'_' + args.tag if args.tag else ''}.csv"]
        missing = [str(p) for p in needed if not p.is_file()]
        if missing:
            ap.exit(2, f"error: --replot needs {', '.join(missing)}\n")
    if args.morris_from is not None and not args.morris_from.is_file():
        ap.exit(2, f"error: --morris-from={args.morris_from}: no such file\n")
    if args.scenario not in sim.config.available("scenario"):
        ap.exit(2, f"error: --scenario={args.scenario!r} is not a scenario; allowed: "
                   f"{', '.join(sim.config.available('scenario'))}\n")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    suffix = f"_{args.tag}" if args.tag else ""
    if args.replot:
        morris = pd.read_csv(args.out / "morris.csv")
        sobol = pd.read_csv(args.out / f"sobol{suffix}.csv")
        save_figure(figure(morris, sobol), args.out / f"sensitivity{suffix}.png")
        print(f"wrote {args.out / f'sensitivity{suffix}.png'}")
        return 0
    config = dataclasses.replace(sim.load_config(args.scenario), horizon=args.horizon)
    t0 = time.time()
    space = analysis_space(args.horizon)
    if args.morris_from is not None:
        morris = pd.read_csv(args.morris_from)
    else:
        morris = morris_screening(config, space, args.morris_trajectories, args.replicates, args.seed)
        write_csv(morris, args.out / "morris.csv")  # written now: Sobol can be rerun from it
    t1 = time.time()
    if args.sobol_params:
        top = ["params." + n.strip().removeprefix("params.") for n in args.sobol_params.split(",")]
        unknown = [n for n in top if n not in {p["name"] for p in space}]
        if unknown:
            print(f"error: --sobol-params: {', '.join(unknown)} not in the sampled parameter space", file=sys.stderr)
            return 2
    else:
        top = most_influential(morris, args.top, primary_slots=args.primary_slots)
    print(f"Morris ({len(space)} parameters, {args.morris_trajectories} trajectories): {t1 - t0:.0f} s; "
          f"carried to Sobol: {', '.join(short(p) for p in top)}", flush=True)
    # Sobol varies only the top parameters; every other one stays at its default
    sobol_space = [p for p in space if p["name"] in top]
    sobol = sobol_indices(config, sobol_space, args.sobol_n, args.replicates, args.seed)
    print(f"Sobol ({len(sobol_space)} parameters, N={args.sobol_n}): {time.time() - t1:.0f} s", flush=True)
    write_csv(sobol, args.out / f"sobol{suffix}.csv")
    save_figure(figure(morris, sobol), args.out / f"sensitivity{suffix}.png")
    for out in OUTCOMES:
        d = sobol[sobol["outcome"] == out].sort_values("ST", ascending=False)
        print(f"\n{out} (mean {d['outcome_mean'].iloc[0]:.3f}, sd {d['outcome_sd'].iloc[0]:.3f})")
        for _, r in d.iterrows():
            print(f"  {short(r['parameter']):32s} S1 {r['S1']:6.3f} ± {r['S1_conf']:.3f}   "
                  f"ST {r['ST']:6.3f} ± {r['ST_conf']:.3f}")
    print(f"\nwrote {args.out / 'morris.csv'}, {args.out / f'sobol{suffix}.csv'}, "
          f"{args.out / f'sensitivity{suffix}.png'} "
          f"in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
