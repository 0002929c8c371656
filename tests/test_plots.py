"""sim.plots: each function draws what its table says, returns its ax, labels axes with units,
and keeps every series distinguishable without colour.

The tables are built by hand (small, known numbers) so each assertion checks a drawn value
against an answer worked out independently; one test runs the real pipeline end to end.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sim import plots  # noqa: E402

QCOLS = ("q05", "q25", "q50", "q75", "q95")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _trajectories(variable="power_share_RUS", T=8):
    rows = []
    for run, base in (("war", 0.04), ("no_war", 0.05)):
        for q in range(T + 1):
            centre = base - 0.001 * q if run == "war" else base
            rows.append({"run": run, "quarter": q, "variable": variable, "mean": centre,
                         **{c: centre + d for c, d in zip(QCOLS, (-0.004, -0.002, 0.0, 0.002, 0.004))}})
    return pd.DataFrame(rows)


def _outcomes(R=40, seed=1):
    rng = np.random.default_rng(seed)
    out = {"replicate": np.arange(R)}
    for p, loc in (("RUS", -0.01), ("CHN", 0.01), ("WST", 0.0)):
        out[f"war_effect_{p}"] = rng.normal(loc, 0.005, R)
        out[f"share_effect_{p}"] = rng.normal(loc / 2, 0.002, R)
    for s in ("KAZ", "UZB"):
        a = rng.dirichlet([5, 3, 2], R)
        for i, p in enumerate(plots.POWERS):
            out[f"alignment_{s}_{p}"] = a[:, i]
    frame = pd.DataFrame(out)
    frame["both_sides_lose"] = ((frame.war_effect_RUS < 0) & (frame.war_effect_WST < 0) & (frame.war_effect_CHN > 0))
    return frame


def _has_unit(label: str) -> bool:
    return "(" in label and ")" in label


def test_fan_chart_draws_war_and_counterfactual_medians_with_different_line_styles():
    traj = _trajectories()
    fig, ax = plt.subplots()
    assert plots.fan_chart(traj, "power_share_RUS", ax) is ax
    war, nowar = ax.lines[0], ax.lines[1]
    expected_war = traj.query("run == 'war'").sort_values("quarter")["q50"].to_numpy()
    expected_nowar = traj.query("run == 'no_war'").sort_values("quarter")["q50"].to_numpy()
    np.testing.assert_allclose(war.get_ydata(), expected_war)
    np.testing.assert_allclose(nowar.get_ydata(), expected_nowar)
    # distinguishable without colour: a different dash pattern and a hatched band
    assert war.get_linestyle() != nowar.get_linestyle()
    hatches = [c.get_hatch() for c in ax.collections]
    assert any(h for h in hatches), "the counterfactual band must be hatched"
    assert _has_unit(ax.get_xlabel()) and _has_unit(ax.get_ylabel())
    assert "Russia" in ax.get_ylabel()


def test_fan_chart_without_counterfactual_and_unknown_variable():
    traj = _trajectories()
    fig, ax = plt.subplots()
    plots.fan_chart(traj, "power_share_RUS", ax, counterfactual=False)
    assert len(ax.lines) == 1
    with pytest.raises(ValueError, match="no_such_variable"):
        plots.fan_chart(traj, "no_such_variable", ax)
    with pytest.raises(ValueError, match="q95"):
        plots.fan_chart(traj.drop(columns="q95"), "power_share_RUS", ax)


def test_war_effects_boxes_match_the_data_and_state_share_below_zero():
    out = _outcomes()
    fig, ax = plt.subplots()
    assert plots.war_effects(out, ax) is ax
    texts = [t.get_text() for t in ax.texts]
    for p in plots.POWERS:
        expected = f"below 0: {np.mean(out[f'war_effect_{p}'] < 0):.0%}"
        assert expected in texts
    # boxplot medians (horizontal: the x data of each median line) equal the data medians
    medians = sorted(line.get_xdata()[0] for line in ax.lines if line.get_gid() == "median")
    expected = sorted(np.median(out[f"war_effect_{p}"]) for p in plots.POWERS)
    np.testing.assert_allclose(medians, expected)
    assert len({box.get_hatch() for box in ax.patches if box.get_hatch()}) == 3
    assert _has_unit(ax.get_xlabel())
    with pytest.raises(ValueError, match="kind"):
        plots.war_effects(out, ax, kind="nonsense")


def test_war_effects_refuses_a_table_without_war_effects():
    out = _outcomes()
    for p in plots.POWERS:
        out[f"war_effect_{p}"] = np.nan
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="no war effect"):
        plots.war_effects(out, ax)


def test_heatmap_cells_are_the_per_cell_shares():
    rows = []
    # cell (x, y) gets k "both lose" out of 4 replicates, with k = x_index + 2*y_index (worked by hand)
    for ix, x in enumerate((0.5, 1.0)):
        for iy, y in enumerate((0.0, 0.1)):
            k = ix + 2 * iy
            rows += [{"x": x, "y": y, "both_sides_lose": i < k} for i in range(4)]
    table = pd.DataFrame(rows)
    fig, ax = plt.subplots()
    assert plots.both_sides_lose_heatmap(table, "x", "y", ax) is ax
    image = ax.images[0].get_array()
    np.testing.assert_allclose(np.asarray(image), [[0.0, 0.25], [0.5, 0.75]])  # rows: y, columns: x
    assert sorted(t.get_text() for t in ax.texts) == sorted(["0%", "25%", "50%", "75%"])
    assert ax.images[0].get_cmap().name == "cividis"


def test_heatmap_labels_registry_parameters_with_units():
    table = pd.DataFrame({"params.war.aid_level": [0.5, 1.0], "params.dependency.sanction_rate": [0.1, 0.1],
                          "both_sides_lose": [True, False]})
    fig, ax = plt.subplots()
    plots.both_sides_lose_heatmap(table, "params.war.aid_level", "params.dependency.sanction_rate", ax)
    assert ax.get_xlabel() == "aid_level (dimensionless)"
    assert ax.get_ylabel() == "sanction_rate (1/quarter)"


def test_alliance_survival_censors_missing_ruptures_at_the_horizon():
    # 4 replicates: ruptures at quarters 5 and 10, two never (NA, censored at 40).
    # Kaplan–Meier by hand: S = 1 before 5, 3/4 from 5, 3/4 * 2/3 = 1/2 from 10 to 40.
    out = pd.DataFrame({"alliance_rupture_quarter": pd.array([5, 10, pd.NA, pd.NA], dtype="Int64"),
                        "scenario": "baseline"})
    fig, ax = plt.subplots()
    assert plots.alliance_survival(out, ax, horizon=40, ci=False) is ax
    line = ax.lines[0]
    x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    at = lambda t: y[np.searchsorted(x, t, side="right") - 1]  # noqa: E731  (step function value)
    assert at(4) == pytest.approx(1.0)
    assert at(7) == pytest.approx(0.75)
    assert at(39) == pytest.approx(0.5)
    assert at(40) == pytest.approx(0.5) and y[-1] == pytest.approx(0.5)  # censored at 40 is not a rupture
    assert "2 of 4 ruptured" in ax.get_legend().get_texts()[0].get_text()
    assert _has_unit(ax.get_xlabel())


def test_alliance_survival_one_curve_per_scenario_with_distinct_line_styles():
    out = pd.DataFrame({"alliance_rupture_quarter": pd.array([3, pd.NA, pd.NA, 7], dtype="Int64"),
                        "scenario": ["a", "a", "b", "b"]})
    fig, ax = plt.subplots()
    plots.alliance_survival(out, ax, horizon=10)
    curves = [ln for ln in ax.lines if ln.get_label() and not ln.get_label().startswith("_")]
    assert len(curves) == 2
    assert curves[0].get_linestyle() != curves[1].get_linestyle()
    assert curves[0].get_marker() != curves[1].get_marker()
    with pytest.raises(ValueError, match="horizon"):
        plots.alliance_survival(out, ax, horizon=5)


def test_alignment_ternary_requires_a_ternary_axes_and_plots_means():
    import mpltern  # noqa: F401  (registers the projection)

    out = _outcomes()
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="ternary"):
        plots.alignment_ternary(out, ax)
    tax = fig.add_subplot(projection="ternary")
    assert plots.alignment_ternary(out, tax, points=False) is tax
    labels = [t.get_text() for t in tax.get_legend().get_texts()]
    assert labels == ["KAZ", "UZB"]
    assert "Russia" in tax.get_tlabel() and "China" in tax.get_llabel() and "West" in tax.get_rlabel()
    markers = {h.get_paths()[0].vertices.shape for h in tax.collections}
    assert len(markers) == 2, "each state needs its own marker shape"


def test_far_east_status_bars_are_the_status_shares():
    status = pd.Categorical(["russian"] * 6 + ["contested"] * 3 + ["annexed"], categories=plots.FAR_EAST_STATUS)
    out = pd.DataFrame({"far_east_status": status, "scenario": "x"})
    fig, ax = plt.subplots()
    assert plots.far_east_status(out, ax) is ax
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths, [60, 30, 0, 10])
    assert len({p.get_hatch() for p in ax.patches}) == 4
    assert "%" in ax.get_xlabel()


def test_styles_are_okabe_ito_and_never_colour_alone():
    palette = {c.lower() for c in plots.OKABE_ITO.values()}
    for table in (plots.POWER_STYLE, plots.STATE_STYLE, plots.STATUS_STYLE):
        for style in table.values():
            assert style["color"].lower() in palette
    for key in ("linestyle", "marker", "hatch"):
        assert len({str(s[key]) for s in plots.POWER_STYLE.values()}) == 3
    assert len({s["marker"] for s in plots.STATE_STYLE.values()}) == len(plots.STATE_STYLE)
    assert len({s["hatch"] for s in plots.STATUS_STYLE.values()}) == len(plots.STATUS_STYLE)
    # the three powers stay distinguishable in grey-scale print too (luminance differs)
    grey = sorted(np.dot(mcolors.to_rgb(s["color"]), (0.299, 0.587, 0.114)) for s in plots.POWER_STYLE.values())
    assert min(np.diff(grey)) > 0.05


def test_ecdf_is_a_step_to_one_per_group():
    out = _outcomes().assign(scenario=["a", "b"] * 20)
    fig, ax = plt.subplots()
    assert plots.ecdf(out, "war_effect_RUS", ax) is ax
    for line in ax.lines:
        y = np.asarray(line.get_ydata())
        assert y[-1] == pytest.approx(1.0) and np.all(np.diff(y) >= 0)
    assert _has_unit(ax.get_xlabel())


@pytest.mark.slow
def test_plots_accept_the_tables_of_simulate():
    import mpltern  # noqa: F401

    import sim

    res = sim.simulate(sim.load_config(overrides=["horizon=8"]), replicates=6, seed=3, engine="ensemble")
    fig = plt.figure()
    plots.fan_chart(res.trajectories, "rus_dependence_on_chn", fig.add_subplot(2, 3, 1))
    plots.war_effects(res.outcomes, fig.add_subplot(2, 3, 2))
    plots.alliance_survival(res.outcomes.assign(scenario="baseline"), fig.add_subplot(2, 3, 3), horizon=8)
    plots.alignment_ternary(res.outcomes, fig.add_subplot(2, 3, 4, projection="ternary"))
    plots.far_east_status(res.outcomes, fig.add_subplot(2, 3, 5))
    ax = fig.add_subplot(2, 3, 6)
    table = pd.concat([res.outcomes.assign(a=a, b=b) for a in (1, 2) for b in (1, 2)])
    plots.both_sides_lose_heatmap(table, "a", "b", ax)
    assert ax.images[0].get_array()[0, 0] == pytest.approx(res.outcomes["both_sides_lose"].mean())


def test_alignment_ternary_draws_war_and_no_war_paths_differently():
    import mpltern  # noqa: F401

    out = _outcomes()
    rows = []
    for run, shift in (("war", 0.0), ("no_war", 0.05)):
        for q in range(5):
            for s in ("KAZ", "UZB"):
                share = {"RUS": 0.5 - shift - 0.01 * q, "CHN": 0.3 + 0.01 * q, "WST": 0.2 + shift}
                for p in plots.POWERS:
                    rows.append({"run": run, "quarter": q, "variable": f"alignment_{s}_{p}", "mean": share[p]})
    traj = pd.DataFrame(rows)
    fig = plt.figure()
    tax = fig.add_subplot(projection="ternary")
    plots.alignment_ternary(out, tax, trajectories=traj, points=False)
    war = [ln for ln in tax.lines if ln.get_gid() == "path_war"]
    nowar = [ln for ln in tax.lines if ln.get_gid() == "path_no_war"]
    assert len(war) == len(nowar) == 2
    assert war[0].get_linestyle() != nowar[0].get_linestyle()
