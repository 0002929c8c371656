"""The lecture demo (`make demo`): the baseline against its no-war counterfactual.

Runs ``--replicates`` paired replicates (the war and, with the same seeds, no war) with the
ensemble engine, writes a multi-panel figure to ``figures/demo.png`` and ``figures/demo.pdf``
and prints P(both sides lose) with its 95% Wilson interval and one line per power.

"Both sides lose" means: Russia and the West each end below their own no-war counterfactual
(in their objective: power share plus what each values) while China ends above its own.

    python experiments/demo.py [--replicates 1000] [--seed 0] [--engine ensemble] [--out figures]
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a clone without installing
    sys.path.insert(0, str(ROOT))

POWER_LINE = {"RUS": "Russia", "CHN": "China", "WST": "West"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000, help="paired replicates (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument("--engine", default="ensemble", help="ensemble (default) or mesa")
    parser.add_argument("--scenario", default="baseline", help="a war scenario of configs/scenario (default baseline)")
    parser.add_argument("--out", default=str(ROOT / "figures"), help="directory for demo.png and demo.pdf")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def check_args(args) -> None:
    """Bad input: one clear line naming the option, the value and what is allowed."""
    if not 1 <= args.replicates <= 1_000_000:
        raise ValueError(f"--replicates={args.replicates} is outside its range [1, 1000000]")
    if args.seed < 0:
        raise ValueError(f"--seed={args.seed}: expected a non-negative whole number")
    if args.engine not in ("ensemble", "mesa"):
        raise ValueError(f"--engine={args.engine!r} is not an engine; allowed: ensemble, mesa")


def run(config, replicates: int, seed: int, engine: str, progress: bool):
    """``sim.simulate`` with its progress bar when this version of it has one."""
    import sim

    kwargs = {}
    if "progress" in inspect.signature(sim.simulate).parameters:
        kwargs["progress"] = progress
    return sim.simulate(config, replicates=replicates, seed=seed, engine=engine, **kwargs)


def lecture_figure(results, title: str):
    """The multi-panel figure: power shares with and without the war (top row); Russia's
    dependence on China, the Central Asian alignments and the war effects (bottom row)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mpltern  # noqa: F401  (registers the ternary projection)

    from sim import plots

    # fixed margins rather than constrained layout: mpltern's label placement makes every
    # layout pass slow (seconds), and this figure's geometry never changes
    fig = plt.figure(figsize=(16, 10))
    grid = fig.add_gridspec(2, 3, left=0.06, right=0.985, bottom=0.08, top=0.92, wspace=0.28, hspace=0.42)
    for i, p in enumerate(plots.POWERS):
        ax = fig.add_subplot(grid[0, i])
        plots.fan_chart(results.trajectories, f"power_share_{p}", ax)
        ax.set_title(f"Power share of {plots.POWER_NAMES[p]}", fontsize=11)
        if i == 0:
            ax.legend(fontsize=8, loc="best")
    ax = fig.add_subplot(grid[1, 0])
    plots.fan_chart(results.trajectories, "rus_dependence_on_chn", ax, color=plots.OKABE_ITO["reddish_purple"])
    ax.set_title("Russia's dependence on China", fontsize=11)
    ax.legend(fontsize=8, loc="best")
    ax = fig.add_subplot(grid[1, 1], projection="ternary")
    # the corner labels and title sit outside a ternary axes: shrink it inside its cell
    box = ax.get_position()
    ax.set_position([box.x0 + 0.1 * box.width, box.y0 + 0.1 * box.height, 0.8 * box.width, 0.78 * box.height])
    plots.alignment_ternary(results.outcomes, ax, trajectories=results.trajectories)
    ax.set_title("Central Asian alignments at the horizon (markers);\nmean path with the war solid, without dotted",
                 fontsize=10, pad=22)
    ax = fig.add_subplot(grid[1, 2])
    plots.war_effects(results.outcomes, ax)
    ax.set_title("War effect per power (each replicate vs. its no-war twin)", fontsize=11)
    fig.suptitle(title, fontsize=13)
    return fig


def summary_lines(results) -> list[str]:
    s = results.summary
    lo, hi = s["p_both_sides_lose_ci"]
    out = results.outcomes
    lines = [f"P(both sides lose) = {s['p_both_sides_lose']:.1%}  (95% Wilson interval {lo:.1%} to {hi:.1%}, "
             f"{s['replicates']} paired replicates): Russia and the West below their no-war counterfactual, "
             "China above"]
    for p, name in POWER_LINE.items():
        war, share = out[f"war_effect_{p}"], out[f"share_effect_{p}"]
        lines.append(f"  {name:<7} mean war effect {war.mean():+.4f} (objective; below 0 in {(war < 0).mean():.0%}"
                     f" of replicates)   mean share effect {share.mean():+.4f} (power share)")
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        check_args(args)
        import sim

        config = sim.load_config(args.scenario)
        if not config.params.war.enabled:
            raise ValueError(f"--scenario={args.scenario!r} has no war, so no counterfactual to compare with; "
                             "use a war scenario such as baseline")
    except ValueError as err:  # includes sim.ConfigError (unknown scenario, bad config)
        print(f"demo: {err}", file=sys.stderr)
        return 2

    from tqdm.auto import tqdm

    stages = tqdm(total=3, desc="demo", unit="stage", disable=args.no_progress)
    t0 = time.perf_counter()
    stages.set_postfix_str("loading/compiling the kernels")
    run(config, 2, args.seed, args.engine, False)  # compiles on the first run in a clone, then cached
    t_compile = time.perf_counter() - t0
    stages.update()
    stages.set_postfix_str(f"{args.replicates} paired replicates")
    t1, c1 = time.perf_counter(), time.process_time()
    results = run(config, args.replicates, args.seed, args.engine, not args.no_progress)
    t_run, c_run = time.perf_counter() - t1, time.process_time() - c1
    stages.update()
    stages.set_postfix_str("figure")
    s = results.summary
    lo, hi = s["p_both_sides_lose_ci"]
    title = (f"{args.scenario.replace('_', ' ').capitalize()} vs. its no-war counterfactual: {args.replicates} paired "
             f"replicates, {config.horizon} quarters, seed {args.seed}.   "
             f"P(both sides lose) = {s['p_both_sides_lose']:.0%} (95% CI {lo:.0%}–{hi:.0%})")
    t2, c2 = time.perf_counter(), time.process_time()
    fig = lecture_figure(results, title)
    out = Path(args.out)
    from sim.io import save_figure

    for suffix in (".png", ".pdf"):
        save_figure(fig, out / f"demo{suffix}", **({"dpi": 130} if suffix == ".png" else {}))
    t_figure, c_figure = time.perf_counter() - t2, time.process_time() - c2
    stages.update()
    stages.close()
    print("\n".join(summary_lines(results)))
    print(f"figure: {out / 'demo.png'} and {out / 'demo.pdf'}")
    print(f"time: kernels {t_compile:.1f} s (compile on first use, else cache load), "
          f"simulation {t_run:.1f} s ({args.engine}; CPU {c_run:.1f} s), figure {t_figure:.1f} s (CPU {c_figure:.1f} s), total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
