"""Scenario discovery with PRIM (ema_workbench): which parameter ranges make both sides lose?

A Latin hypercube over the parameter space (the same space as experiments/sensitivity.py:
``war.enabled`` held on, ``far_east.passportization`` a switch, ``war.ceasefire_quarter`` on
[-1, horizon]); each point is a small paired ensemble and its P(both sides lose).  A point is
a *case of interest* when P(both sides lose) >= ``--level`` (default 0.8).  PRIM (Friedman &
Fisher 1999, as implemented by the EMA Workbench, Kwakkel 2017) peels the hypercube to a box
that holds many cases of interest (coverage) and few others (density).  The chosen box is the
one on the peeling trajectory with the largest coverage among those with density >=
``--density`` (default 0.8) (if none reaches it, the densest box), with the restrictions whose
quasi-p values exceed 0.05 dropped (Bryant & Lempert 2010): peeling trims many dimensions a
little by chance, and only the significant restrictions describe a scenario.

Run (default 400 points x 32 replicates: 5 min measured at light load, 18 min at load ~10)::

    python experiments/prim.py
    python experiments/prim.py --points 1000 --replicates 64

Writes results/prim_samples.csv (every point), results/prim_box.csv (the chosen box: restricted
parameters, limits, quasi-p values; coverage, density, mass in the header rows),
results/prim_trajectory.csv and results/prim.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sensitivity import RESULTS, analysis_space, decode, evaluate, save_figure, short, write_csv


def latin_hypercube(space: list[dict], points: int, seed: int) -> np.ndarray:
    """(points, n_params) Latin hypercube scaled to the bounds of ``space``."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(space), seed=seed).random(points)
    lo = np.array([p["low"] for p in space])
    hi = np.array([p["high"] for p in space])
    return qmc.scale(unit, lo, hi)


def design_frame(space: list[dict], X: np.ndarray) -> pd.DataFrame:
    """The sampled parameter values as PRIM sees them (switch and int decoded, as floats)."""
    rows = []
    for row in X:
        d = decode(space, row)
        rows.append({p["name"]: float(d[p["name"].removeprefix("params.")]) for p in space})
    return pd.DataFrame(rows)


def screen(x: pd.DataFrame, interest: np.ndarray, dims: int, seed: int) -> list[str]:
    """The ``dims`` parameters an extra-trees classifier (ema_workbench feature scoring) finds most
    informative about the cases of interest.  PRIM over all 68 dimensions with a few hundred
    points peels a sliver off dozens of them by chance (an over-fitted box whose restrictions are
    almost all insignificant); screening first is the usual remedy."""
    from ema_workbench.analysis.feature_scoring import get_ex_feature_scores

    scores = get_ex_feature_scores(x, interest, random_state=seed)[0]
    return list(scores.sort_values(ascending=False).index[:dims]) if isinstance(scores, pd.Series) else \
        list(scores.iloc[:, 0].sort_values(ascending=False).index[:dims])


def run_prim(x: pd.DataFrame, interest: np.ndarray, density: float, mass_min: float = 0.05):
    """PRIM on (x, interest); returns (box, chosen index, trajectory)."""
    from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    # y is binary: threshold 0.5 makes "y >= threshold" the cases of interest.  ema's find_box
    # discards the trajectory (returns a "dump box") when the last box's density misses the
    # threshold, so run its peel and paste steps directly and apply the density rule below.
    p = prim.Prim(x, interest, threshold=0.5, peel_alpha=0.05, paste_alpha=0.05, mass_min=mass_min)
    p._update_yi_remaining(p)
    box = prim.PrimBox(p, p.box_init, p.yi_remaining[:])
    box = p._paste(p._peel(box))
    p._boxes.append(box)
    traj = box.peeling_trajectory.copy()
    ok = traj[traj["density"] >= density]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    box.select(i)
    return box, i, traj


def restricted(box) -> list[str]:
    lims, full = box.box_lims[box._cur_box], box.box_lims[0]
    return [c for c in lims.columns if not np.allclose(lims[c].to_numpy(dtype=float), full[c].to_numpy(dtype=float))]


def quasi_p(box) -> dict:
    """Quasi-p value of each restricted limit of the current box (Bryant & Lempert 2010; -1:
    that side is not restricted)."""
    dims = restricted(box)
    return box._calculate_quasi_p(box._cur_box, dims) if dims else {}


def drop_insignificant(box, alpha: float = 0.05) -> list[str]:
    """Drop the restrictions whose limits are not significant (every restricted side has
    quasi-p > alpha): peeling trims many dimensions a little by chance; a box a reader can use
    keeps only the restrictions that matter.  Returns the dropped dimensions."""
    dropped = []
    for dim, (lo, hi) in quasi_p(box).items():
        sides = [q for q in (lo, hi) if q >= 0]
        if sides and min(sides) > alpha:
            box.drop_restriction(dim)
            dropped.append(dim)
    return dropped


def box_table(box) -> pd.DataFrame:
    """Restricted dimensions of the current box with their limits and quasi-p values."""
    lims, full = box.box_lims[box._cur_box], box.box_lims[0]
    qp = quasi_p(box)
    rows = []
    for c in restricted(box):
        rows.append({"parameter": c, "lower": float(lims[c].iloc[0]), "upper": float(lims[c].iloc[1]),
                     "range_low": float(full[c].iloc[0]), "range_high": float(full[c].iloc[1]),
                     "qp_lower": qp[c][0], "qp_upper": qp[c][1]})
    return pd.DataFrame(rows)


def plot_tradeoff(traj: pd.DataFrame, chosen: int, ax):
    """Coverage against density along the peeling trajectory, coloured by restricted dimensions."""
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=14)
    ax.scatter([traj.loc[chosen, "coverage"]], [traj.loc[chosen, "density"]], s=90, facecolors="none",
               edgecolors="red", label="chosen box")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_title("PRIM peeling trajectory", fontsize=9)
    ax.figure.colorbar(sc, ax=ax, label="restricted dimensions")
    ax.legend(fontsize=7)
    return ax


def plot_box(table: pd.DataFrame, ax):
    """The chosen box's limits, each parameter scaled to its sampled range."""
    if table.empty:
        ax.text(0.5, 0.5, "no restricted dimension", ha="center")
        return ax
    span = table["range_high"] - table["range_low"]
    lo = (table["lower"] - table["range_low"]) / span
    hi = (table["upper"] - table["range_low"]) / span
    y = np.arange(len(table))
    ax.barh(y, hi - lo, left=lo, color="tab:red", alpha=0.6)
    ax.set_yticks(y, [f"{short(p)}\n[{a:.3g}, {b:.3g}]" for p, a, b in
                      zip(table["parameter"], table["lower"], table["upper"])])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the sampled range")
    ax.set_title("Box: where both sides lose", fontsize=9)
    ax.tick_params(labelsize=7)
    return ax


def parse(argv=None):
    ap = argparse.ArgumentParser(description="PRIM scenario discovery for P(both sides lose)")
    ap.add_argument("--points", type=int, default=400, help="Latin hypercube points (default 400)")
    ap.add_argument("--replicates", type=int, default=32, help="replicates per point (default 32)")
    ap.add_argument("--level", type=float, default=0.8,
                    help="a point is of interest when P(both sides lose) >= level (default 0.8)")
    ap.add_argument("--density", type=float, default=0.8, help="density the chosen box must reach (default 0.8)")
    ap.add_argument("--dims", type=int, default=8,
                    help="parameters kept for PRIM after extra-trees screening (default 8)")
    ap.add_argument("--horizon", type=int, default=40, help="quarters per run (default 40)")
    ap.add_argument("--seed", type=int, default=20240424, help="root seed (default 20240424)")
    ap.add_argument("--samples-from", type=Path, default=None,
                    help="reuse results/prim_samples.csv and only rerun PRIM")
    ap.add_argument("--out", type=Path, default=RESULTS, help="output directory (default results/)")
    args = ap.parse_args(argv)
    for flag, v, lo, hi in [("--points", args.points, 20, 10**6), ("--replicates", args.replicates, 2, 10**5),
                            ("--horizon", args.horizon, 1, 400), ("--dims", args.dims, 1, 68)]:
        if not lo <= v <= hi:
            ap.exit(2, f"error: {flag}={v} is outside its range [{lo}, {hi}]\n")
    for flag, v in [("--level", args.level), ("--density", args.density)]:
        if not 0.0 < v <= 1.0:
            ap.exit(2, f"error: {flag}={v} is outside its range (0, 1]\n")
    if args.samples_from is not None and not args.samples_from.is_file():
        ap.exit(2, f"error: --samples-from={args.samples_from}: no such file\n")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    t0 = time.time()
    space = analysis_space(args.horizon)
    names = [p["name"] for p in space]
    if args.samples_from is not None:
        samples = pd.read_csv(args.samples_from)
    else:
        config = dataclasses.replace(sim.load_config("baseline"), horizon=args.horizon)
        X = latin_hypercube(space, args.points, args.seed)
        Y = evaluate(config, space, X, args.replicates, args.seed, "prim")
        samples = pd.concat([design_frame(space, X), Y], axis=1)
        write_csv(samples, args.out / "prim_samples.csv")
    x_all = samples[names]
    dims = screen(x_all, (samples["p_both_sides_lose"] >= args.level).to_numpy(), args.dims, args.seed)
    print("PRIM on the parameters extra trees rank highest: " + ", ".join(short(d) for d in dims), flush=True)
    x = x_all[dims]
    interest = (samples["p_both_sides_lose"] >= args.level).to_numpy()
    print(f"{len(samples)} points; P(both sides lose) median {samples['p_both_sides_lose'].median():.3f}, "
          f"90th percentile {samples['p_both_sides_lose'].quantile(0.9):.3f}; "
          f"{interest.sum()} points with P >= {args.level}", flush=True)
    if interest.sum() < 5:
        print("too few cases of interest for PRIM (need >= 5); lower --level or raise --points", file=sys.stderr)
        return 1
    box, chosen, traj = run_prim(x, interest, args.density)
    peeled = traj.loc[chosen]
    print(f"peeled box {chosen}: coverage {peeled['coverage']:.3f}, density {peeled['density']:.3f}, "
          f"mass {peeled['mass']:.3f}, {int(peeled['res_dim'])} restricted parameters", flush=True)
    table_peeled = box_table(box).assign(box="peeled")
    dropped = drop_insignificant(box)
    traj = box.peeling_trajectory.copy()
    chosen_pruned = len(traj) - 1
    table = box_table(box).assign(box="pruned")
    stats = traj.loc[chosen_pruned]
    header = pd.DataFrame([{"box": name, "parameter": f"# {k}", "lower": float(row[k])}
                           for name, row in (("peeled", peeled), ("pruned", stats))
                           for k in ("coverage", "density", "mass", "res_dim", "n", "k")])
    out = pd.concat([header, table_peeled, table], ignore_index=True)
    write_csv(out[["box"] + [c for c in out.columns if c != "box"]], args.out / "prim_box.csv")
    for _, r in table_peeled.iterrows():
        print(f"  {short(r['parameter']):32s} [{r['lower']:.4g}, {r['upper']:.4g}] of "
              f"[{r['range_low']:.4g}, {r['range_high']:.4g}]  qp {r['qp_lower']:.2g}/{r['qp_upper']:.2g}")
    write_csv(traj, args.out / "prim_trajectory.csv")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    plot_tradeoff(traj, chosen, axes[0])
    plot_box(table_peeled, axes[1])
    fig.tight_layout()
    save_figure(fig, args.out / "prim.png")
    print(f"dropped {len(dropped)} restrictions with quasi-p > 0.05; "
          f"pruned box: coverage {stats['coverage']:.3f}, density {stats['density']:.3f}, "
          f"mass {stats['mass']:.3f}, {int(stats['res_dim'])} restricted parameters")
    for _, r in table.iterrows():
        print(f"  {short(r['parameter']):32s} [{r['lower']:.4g}, {r['upper']:.4g}] of "
              f"[{r['range_low']:.4g}, {r['range_high']:.4g}]  qp {r['qp_lower']:.2g}/{r['qp_upper']:.2g}")
    print(f"wrote {args.out / 'prim_box.csv'}, {args.out / 'prim.png'} in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
