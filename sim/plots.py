"""Plots of the simulation's tables, readable in black-and-white print and for colour-blind readers.

Every function takes a DataFrame from :func:`sim.simulate` (or a concatenation of several runs)
and a Matplotlib ``ax``, draws on it and returns the ``ax``; none of them creates a figure, so
they compose into multi-panel lecture figures and notebook cells alike.

Readability rules applied throughout
------------------------------------
* colours come from the Okabe–Ito palette (distinguishable under the common colour-vision
  deficiencies), and every colour is doubled by a second cue that survives grey-scale
  printing: a line style, a marker or a hatch;
* the war run is drawn solid with filled quantile bands, its no-war counterfactual dashed with
  hatched, unfilled bands;
* sequential maps use ``cividis`` (monotone in lightness) and the cells carry their numbers;
* every axis names its quantity and unit.

Inputs
------
``trajectories``: long form with columns ``run`` ("war"/"no_war"), ``quarter``, ``variable``,
``mean``, ``q05``, ``q25``, ``q50``, ``q75``, ``q95`` (``Results.trajectories``).
``outcomes``: one row per replicate (``Results.outcomes``), optionally with a ``scenario``
column when several runs are concatenated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

POWERS = ("RUS", "CHN", "WST")
SMALL_STATES = ("KAZ", "UZB", "TKM", "KGZ", "TJK")
FAR_EAST_STATUS = ("russian", "contested", "de_facto_chinese", "annexed")

#: Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}

POWER_NAMES = {"RUS": "Russia", "CHN": "China", "WST": "the West"}
POWER_STYLE = {
    "RUS": {"color": OKABE_ITO["vermillion"], "linestyle": "-", "marker": "o", "hatch": "///"},
    "CHN": {"color": OKABE_ITO["bluish_green"], "linestyle": "--", "marker": "s", "hatch": "\\\\\\"},
    "WST": {"color": OKABE_ITO["blue"], "linestyle": "-.", "marker": "^", "hatch": "..."},
}
STATE_STYLE = {
    "KAZ": {"color": OKABE_ITO["blue"], "marker": "o"},
    "UZB": {"color": OKABE_ITO["orange"], "marker": "s"},
    "TKM": {"color": OKABE_ITO["bluish_green"], "marker": "^"},
    "KGZ": {"color": OKABE_ITO["reddish_purple"], "marker": "D"},
    "TJK": {"color": OKABE_ITO["vermillion"], "marker": "v"},
}
STATUS_STYLE = {
    "russian": {"color": OKABE_ITO["sky_blue"], "hatch": ""},
    "contested": {"color": OKABE_ITO["yellow"], "hatch": "..."},
    "de_facto_chinese": {"color": OKABE_ITO["orange"], "hatch": "///"},
    "annexed": {"color": OKABE_ITO["vermillion"], "hatch": "xxx"},
}
#: Line styles and markers cycled over scenarios (Kaplan–Meier curves, ECDFs).
SERIES_STYLES = (
    {"color": OKABE_ITO["black"], "linestyle": "-", "marker": "o"},
    {"color": OKABE_ITO["orange"], "linestyle": "--", "marker": "s"},
    {"color": OKABE_ITO["sky_blue"], "linestyle": "-.", "marker": "^"},
    {"color": OKABE_ITO["bluish_green"], "linestyle": ":", "marker": "D"},
    {"color": OKABE_ITO["reddish_purple"], "linestyle": (0, (5, 1, 1, 1, 1, 1)), "marker": "v"},
    {"color": OKABE_ITO["vermillion"], "linestyle": (0, (1, 1)), "marker": "P"},
    {"color": OKABE_ITO["blue"], "linestyle": (0, (8, 2)), "marker": "X"},
)
COUNTERFACTUAL = {"color": "0.35", "linestyle": "--", "hatch": "////"}

#: Axis label (quantity, unit) per observable; the power shares are shares of the three great
#: powers' composite (output and military stock), so they sum to one.
LABELS = {
    "rus_dependence_on_chn": ("Russia's dependence on China", "channel-weighted share of need, 0–1"),
    "rus_concentration": ("Russia's partner concentration", "Hirschman–Herfindahl index, 0–1"),
    "chn_leverage_over_rus": ("China's leverage over Russia", "0–1"),
    "alliance_strength": ("Sino-Russian alignment strength", "0–1"),
    "far_east_presence": ("Chinese presence in the Far East", "0–1"),
    "claim_salience": ("Salience of Chinese claims", "0–1"),
    "front": ("Front line", "share of contested stakes held by Russia, 0–1"),
    "war_cost_RUS": ("Russia's cumulative war cost", "US$ bn"),
    "war_cost_WST": ("The West's cumulative war cost", "US$ bn"),
    "secondary_sanction_cost_CHN": ("China's secondary-sanction cost", "US$ bn"),
    "east_bias": ("Russia's eastern-threat bias", "0–1"),
    "rus_east_defence": ("Russia's eastern defence stock", "US$ bn"),
    "sanction_level": ("Sanction level", "0–1"),
}
for _p in POWERS:
    LABELS[f"power_share_{_p}"] = (f"Power share of {POWER_NAMES[_p]}", "share of the three powers, 0–1")
    LABELS[f"objective_{_p}"] = (f"Objective of {POWER_NAMES[_p]}", "share-equivalent units")
    LABELS[f"output_{_p}"] = (f"Output of {POWER_NAMES[_p]}", "US$ bn/quarter")
    LABELS[f"military_{_p}"] = (f"Military stock of {POWER_NAMES[_p]}", "US$ bn")
    LABELS[f"alignment_mean_{_p}"] = (f"Central Asia's mean alignment with {POWER_NAMES[_p]}", "0–1")
    LABELS[f"war_effect_{_p}"] = (f"War effect on the objective of {POWER_NAMES[_p]}",
                                  "war minus no war, share-equivalent units")
    LABELS[f"share_effect_{_p}"] = (f"War effect on the power share of {POWER_NAMES[_p]}", "war minus no war, 0–1 scale")

QUARTER_LABEL = "Quarter after 2024Q2 (quarters)"


def axis_label(variable: str) -> str:
    """``"quantity (unit)"`` for an observable; unknown names fall back to the raw name."""
    quantity, unit = LABELS.get(variable, (variable.replace("_", " "), "model units"))
    return f"{quantity} ({unit})"


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: the table has no column(s) {', '.join(missing)}; "
                         f"columns present: {', '.join(map(str, frame.columns))}")


def fan_chart(trajectories: pd.DataFrame, variable: str, ax, *, color: str | None = None,
              label: str | None = None, counterfactual: bool = True):
    """Quantile fan of one observable over time, with the no-war counterfactual beside it.

    Parameters
    ----------
    trajectories : DataFrame
        Long form (``run``, ``quarter``, ``variable``, ``q05`` ... ``q95``), one row per
        run x quarter x variable.
    variable : str
        The observable, e.g. ``"power_share_RUS"``.
    ax : matplotlib Axes
    color : str, optional
        Colour of the war run (default: the power's colour when ``variable`` ends in a power code).
    label : str, optional
        Legend label of the war run's median.
    counterfactual : bool
        Draw the ``no_war`` run too when present: dashed grey median and hatched, unfilled
        5–95% band, so it stays distinguishable in grey-scale.

    Returns
    -------
    ax
    """
    _require(trajectories, ("run", "quarter", "variable", "q05", "q25", "q50", "q75", "q95"), "fan_chart")
    rows = trajectories[trajectories["variable"] == variable]
    if rows.empty:
        known = ", ".join(sorted(trajectories["variable"].unique())[:8])
        raise ValueError(f"fan_chart: no trajectory for variable={variable!r}; e.g. {known} ...")
    power = variable.rsplit("_", 1)[-1]
    style = POWER_STYLE.get(power, {"color": OKABE_ITO["blue"], "linestyle": "-"})
    color = color or style["color"]
    runs = list(rows["run"].unique())
    war_run = "war" if "war" in runs else runs[0]
    war = rows[rows["run"] == war_run].sort_values("quarter")
    q = war["quarter"].to_numpy()
    ax.fill_between(q, war["q05"], war["q95"], color=color, alpha=0.18, linewidth=0,
                    label=f"{'war' if war_run == 'war' else war_run}: 5–95%")
    ax.fill_between(q, war["q25"], war["q75"], color=color, alpha=0.35, linewidth=0,
                    label=f"{'war' if war_run == 'war' else war_run}: 25–75%")
    ax.plot(q, war["q50"], color=color, linestyle="-", linewidth=2,
            label=label or ("with the war: median" if war_run == "war" else f"{war_run}: median"))
    if counterfactual and war_run == "war" and "no_war" in runs:
        cf = rows[rows["run"] == "no_war"].sort_values("quarter")
        qc = cf["quarter"].to_numpy()
        ax.fill_between(qc, cf["q05"], cf["q95"], facecolor="none", edgecolor=COUNTERFACTUAL["color"],
                        hatch=COUNTERFACTUAL["hatch"], linewidth=0.0, label="no war: 5–95%")
        ax.plot(qc, cf["q50"], color=COUNTERFACTUAL["color"], linestyle=COUNTERFACTUAL["linestyle"],
                linewidth=2, label="no war: median")
    ax.set_xlabel(QUARTER_LABEL)
    ax.set_ylabel(axis_label(variable))
    ax.set_xlim(q.min(), q.max())
    return ax


def war_effects(outcomes: pd.DataFrame, ax, *, kind: str = "war_effect"):
    """Distribution of each power's war effect (war run minus its paired no-war run).

    Horizontal box plots (box 25–75%, whiskers 5–95%, diamond = mean) with the replicates as
    small jittered markers; each power has its own colour, hatch and marker, and the share of
    replicates below zero is written beside its box.

    Parameters
    ----------
    outcomes : DataFrame
        Columns ``war_effect_<P>`` (objective) or ``share_effect_<P>`` (power share), P in
        RUS, CHN, WST; one row per replicate.
    ax : matplotlib Axes
    kind : {"war_effect", "share_effect"}

    Returns
    -------
    ax
    """
    if kind not in ("war_effect", "share_effect"):
        raise ValueError(f"war_effects: kind={kind!r}; allowed: 'war_effect', 'share_effect'")
    columns = [f"{kind}_{p}" for p in POWERS]
    _require(outcomes, columns, "war_effects")
    data = [outcomes[c].dropna().to_numpy(dtype=float) for c in columns]
    if any(len(d) == 0 for d in data):
        raise ValueError("war_effects: no war effect in the table (a scenario without war has none)")
    positions = np.arange(len(POWERS))[::-1]  # Russia on top
    boxes = ax.boxplot(data, positions=positions, whis=(5, 95), widths=0.55,
                       patch_artist=True, showfliers=False, showmeans=True,
                       meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black"},
                       medianprops={"color": "black", "linewidth": 1.5, "gid": "median"},
                       **_horizontal())
    rng = np.random.default_rng(0)  # jitter only: fixed, so the figure is reproducible
    for box, d, pos, p in zip(boxes["boxes"], data, positions, POWERS):
        st = POWER_STYLE[p]
        box.set_facecolor(st["color"])
        box.set_alpha(0.55)
        box.set_hatch(st["hatch"])
        box.set_edgecolor("black")
        jitter = pos + rng.uniform(-0.2, 0.2, size=len(d))
        ax.scatter(d, jitter, s=4, color=st["color"], marker=st["marker"], alpha=0.25, linewidths=0, zorder=1,
                   rasterized=True)  # thousands of dots: keep the PDF small
        ax.annotate(f"below 0: {np.mean(d < 0):.0%}", xy=(1.0, pos), xycoords=("axes fraction", "data"),
                    xytext=(-4, 12), textcoords="offset points", ha="right", va="center", fontsize=8)
    ax.axvline(0.0, color="black", linestyle=":", linewidth=1)
    ax.set_yticks(positions, [POWER_NAMES[p].capitalize() if p != "WST" else "West" for p in POWERS])
    unit = "objective, share-equivalent units" if kind == "war_effect" else "power share, 0–1 scale"
    what = "War effect" if kind == "war_effect" else "War effect on power share"
    ax.set_xlabel(f"{what}: war minus no war ({unit})")
    return ax


def _horizontal() -> dict:
    """Keyword for a horizontal box plot (``orientation`` from Matplotlib 3.10, ``vert`` before)."""
    import inspect

    import matplotlib.axes

    if "orientation" in inspect.signature(matplotlib.axes.Axes.boxplot).parameters:
        return {"orientation": "horizontal"}
    return {"vert": False}


def both_sides_lose_heatmap(table: pd.DataFrame, x: str, y: str, ax, *, value: str = "both_sides_lose",
                            annotate: bool = True, colorbar: bool = True):
    """P(both sides lose) over two swept parameters.

    Parameters
    ----------
    table : DataFrame
        Either one row per replicate (``value`` boolean; the mean per cell is taken) or one
        row per cell (``value`` already a probability), with columns ``x`` and ``y`` holding
        the swept parameter values.
    x, y : str
        Column names of the two swept parameters (e.g. ``"params.war.aid_level"``).
    ax : matplotlib Axes
    value : str
        Column to average per cell.
    annotate : bool
        Write each cell's percentage and replicate count in it (readable without colour).
    colorbar : bool

    Returns
    -------
    ax
    """
    _require(table, (x, y, value), "both_sides_lose_heatmap")
    cells = table.groupby([y, x], observed=True)[value].agg(["mean", "size"]).reset_index()
    grid = cells.pivot(index=y, columns=x, values="mean").sort_index().sort_index(axis=1)
    counts = cells.pivot(index=y, columns=x, values="size").reindex_like(grid)
    mesh = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="cividis",
                     vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    ax.set_xlabel(_param_label(x))
    ax.set_ylabel(_param_label(y))
    if annotate:
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                p = grid.iat[i, j]
                if np.isnan(p):
                    continue
                # cividis is dark at 0 and light at 1: white text on the dark half
                ax.text(j, i, f"{p:.0%}", ha="center", va="center", fontsize=8,
                        color="white" if p < 0.5 else "black")
    if colorbar:
        bar = ax.figure.colorbar(mesh, ax=ax)
        bar.set_label("P(both sides lose) (share of replicates, 0–1)")
    n = int(counts.to_numpy().min()) if counts.size else 0
    ax.set_title(f"P(both sides lose), ≥{n} replicates per cell", fontsize=10)
    return ax


def _param_label(name: str) -> str:
    """Label of a swept parameter column: its meaning and unit from the registry when it is one."""
    from sim.params import parameter_space

    for spec in parameter_space():
        if name in (spec.name, spec.name.removeprefix("params."), spec.key):
            unit = "dimensionless" if spec.unit == "1" else spec.unit
            return f"{spec.key} ({unit})"
    return name


def alliance_survival(outcomes: pd.DataFrame, ax, *, by: str = "scenario", horizon: int = 40,
                      ci: bool = True):
    """Kaplan–Meier curves of the Sino-Russian alignment's survival, one per group (lifelines).

    A replicate whose ``alliance_rupture_quarter`` is NA did not rupture before the horizon and
    is right-censored at ``horizon``.

    Parameters
    ----------
    outcomes : DataFrame
        Column ``alliance_rupture_quarter`` (nullable Int64, quarters) and, optionally, the
        grouping column ``by`` (e.g. ``scenario`` when several runs are concatenated).
    ax : matplotlib Axes
    by : str
        Grouping column; when absent, one curve for the whole table.
    horizon : int
        Quarters simulated (censoring time of the replicates that did not rupture).
    ci : bool
        Draw the 95% confidence band of each curve.

    Returns
    -------
    ax
    """
    from lifelines import KaplanMeierFitter

    _require(outcomes, ("alliance_rupture_quarter",), "alliance_survival")
    groups = outcomes.groupby(by, observed=True, sort=False) if by in outcomes.columns else [("all runs", outcomes)]
    for i, (name, group) in enumerate(groups):
        rupture = pd.array(group["alliance_rupture_quarter"], dtype="Int64")
        observed = ~np.asarray(rupture.isna())
        if np.any(np.asarray(rupture[observed], dtype=float) > horizon):
            raise ValueError(f"alliance_survival: a rupture after horizon={horizon}; pass the run's horizon")
        durations = np.where(observed, np.asarray(rupture.fillna(horizon), dtype=float), float(horizon))
        style = SERIES_STYLES[i % len(SERIES_STYLES)]
        fitter = KaplanMeierFitter().fit(durations, event_observed=observed,
                                         label=f"{name} ({int(observed.sum())} of {len(observed)} ruptured)")
        fitter.plot_survival_function(ax=ax, ci_show=ci, ci_alpha=0.15, color=style["color"],
                                      linestyle=style["linestyle"], marker=style["marker"], markevery=0.2,
                                      markersize=5, linewidth=1.8)
    ax.set_xlim(0, horizon)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(QUARTER_LABEL)
    ax.set_ylabel("Alignment still intact (Kaplan–Meier, share of replicates)")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def alignment_ternary(outcomes: pd.DataFrame, ax, *, states=None, points: bool = True,
                      trajectories: pd.DataFrame | None = None):
    """Each Central Asian state's final alignment over Russia / China / the West (mpltern).

    ``ax`` must be a ternary axes: ``fig.add_subplot(projection="ternary")`` after
    ``import mpltern``. Top corner: Russia; left: China; right: the West. One marker shape and
    colour per state; small markers are replicates, the large outlined one their mean.

    Parameters
    ----------
    outcomes : DataFrame
        Columns ``alignment_<S>_RUS``, ``alignment_<S>_CHN``, ``alignment_<S>_WST`` per state.
    ax : mpltern TernaryAxes
    states : sequence of str, optional
        State codes (default: every state with alignment columns).
    points : bool
        Draw every replicate, not only the means.
    trajectories : DataFrame, optional
        ``Results.trajectories``: when given, each state's mean path over the quarters is drawn
        too, solid for the war run and dotted for its no-war counterfactual (hollow end marker).

    Returns
    -------
    ax
    """
    if getattr(ax, "name", None) != "ternary":
        raise ValueError("alignment_ternary: ax must be a ternary axes; create it with "
                         "`import mpltern; ax = fig.add_subplot(projection='ternary')`")
    if states is None:
        states = [c.split("_")[1] for c in outcomes.columns if c.startswith("alignment_") and c.endswith("_RUS")
                  and c.split("_")[1] not in ("mean",)]
    if not states:
        raise ValueError("alignment_ternary: the table has no alignment_<state>_<power> columns")
    extra = iter(SERIES_STYLES)
    for code in states:
        cols = [f"alignment_{code}_{p}" for p in POWERS]
        _require(outcomes, cols, "alignment_ternary")
        t, left, r = (outcomes[c].to_numpy(dtype=float) for c in cols)
        st = STATE_STYLE.get(code) or next(extra)
        if points:
            ax.scatter(t, left, r, s=5, color=st["color"], marker=st["marker"], alpha=0.2, linewidths=0,
                       rasterized=True)
        ax.scatter([t.mean()], [left.mean()], [r.mean()], s=70, color=st["color"], marker=st["marker"],
                   edgecolors="black", linewidths=1.0, label=code, zorder=4)
        if trajectories is not None:
            _alignment_paths(trajectories, code, st, ax)
    ax.set_tlabel("Russia (alignment share)")
    ax.set_llabel("China (alignment share)")
    ax.set_rlabel("West (alignment share)")
    ax.grid(True, linewidth=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(-0.15, 1.05))
    return ax


def _alignment_paths(trajectories: pd.DataFrame, code: str, style: dict, ax) -> None:
    """Mean alignment path of one state: war solid, no war dotted with a hollow end marker."""
    names = [f"alignment_{code}_{p}" for p in POWERS]
    rows = trajectories[trajectories["variable"].isin(names)]
    for run, linestyle in (("war", "-"), ("no_war", ":")):
        wide = rows[rows["run"] == run].pivot(index="quarter", columns="variable", values="mean")
        if wide.empty:
            continue
        t, left, r = (wide[n].to_numpy(dtype=float) for n in names)
        ax.plot(t, left, r, color=style["color"], linestyle=linestyle, linewidth=1.3, gid=f"path_{run}")
        if run == "no_war":
            ax.scatter([t[-1]], [left[-1]], [r[-1]], s=45, facecolors="white", edgecolors=style["color"],
                       marker=style["marker"], linewidths=1.2, zorder=2)  # under the war run's marker


def far_east_status(outcomes: pd.DataFrame, ax, *, by: str = "scenario"):
    """Shares of replicates ending in each Far East status, one stacked bar per group.

    Parameters
    ----------
    outcomes : DataFrame
        Column ``far_east_status`` (categorical: russian, contested, de_facto_chinese,
        annexed) and optionally the grouping column ``by``.
    ax : matplotlib Axes
    by : str
        Grouping column; when absent, one bar for the whole table.

    Returns
    -------
    ax
    """
    _require(outcomes, ("far_east_status",), "far_east_status")
    if by in outcomes.columns:
        groups = [(str(k), g) for k, g in outcomes.groupby(by, observed=True, sort=False)]
    else:
        groups = [("all runs", outcomes)]
    names = [k for k, _ in groups]
    shares = np.array([[np.mean(g["far_east_status"].astype(str) == s) for s in FAR_EAST_STATUS]
                       for _, g in groups])  # (groups, statuses)
    y = np.arange(len(names))[::-1]
    left = np.zeros(len(names))
    for k, status in enumerate(FAR_EAST_STATUS):
        st = STATUS_STYLE[status]
        ax.barh(y, shares[:, k] * 100, left=left, color=st["color"], hatch=st["hatch"], edgecolor="black",
                linewidth=0.6, label=status.replace("_", " "))
        for yi, share, start in zip(y, shares[:, k], left):
            if share >= 0.08:
                ax.text(start + share * 50, yi, f"{share:.0%}", ha="center", va="center", fontsize=8,
                        bbox={"facecolor": "white", "alpha": 0.7, "linewidth": 0, "pad": 1})
        left += shares[:, k] * 100
    ax.set_yticks(y, names)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Far East status at the horizon (% of replicates)")
    ax.legend(fontsize=8, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    return ax


def ecdf(outcomes: pd.DataFrame, column: str, ax, *, by: str = "scenario"):
    """Empirical CDF of one outcome column, one step curve per group (line style + marker per group).

    Returns
    -------
    ax
    """
    _require(outcomes, (column,), "ecdf")
    groups = outcomes.groupby(by, observed=True, sort=False) if by in outcomes.columns else [("all runs", outcomes)]
    for i, (name, g) in enumerate(groups):
        v = np.sort(g[column].dropna().to_numpy(dtype=float))
        if len(v) == 0:
            continue
        st = SERIES_STYLES[i % len(SERIES_STYLES)]
        ax.step(v, np.arange(1, len(v) + 1) / len(v), where="post", color=st["color"],
                linestyle=st["linestyle"], marker=st["marker"], markevery=max(1, len(v) // 5), markersize=4,
                label=str(name))
    ax.set_xlabel(axis_label(column) if column in LABELS else column.replace("_", " "))
    ax.set_ylabel("Share of replicates at or below (ECDF, 0–1)")
    ax.legend(fontsize=8)
    return ax
