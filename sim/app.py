"""Browser app (``make app``: ``solara run sim/app.py``): Mesa's SolaraViz page with sliders.

The sliders are the levers an instructor wants to move: war intensity and duration, Western aid,
sanctions, Chinese support, the West's "point east" effort and Central Asian hedging.  SolaraViz
rebuilds the model from the slider values when **Reset** is pressed (``model_params`` are the
keyword arguments of :class:`AppModel`); **Step** / play advance it one quarter at a time and the
plots follow the model's DataCollector.  A panel runs a small ensemble (``sim.simulate``, ensemble
engine, paired no-war counterfactuals) for the model's current parameters and shows P(both sides
lose) with its 95% interval.

The configuration is built in plain Python: :func:`sim.load_config` once, then the slider values
as parameter overrides (:func:`sim.params.with_overrides`); no Hydra beyond ``load_config``.

Offline: the page's JavaScript comes from the ``solara-assets`` package through Solara's asset
proxy (``SOLARA_ASSETS_PROXY``, on by default outside Colab/VS Code); set
``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False`` so the server sends no telemetry (the Makefile's
``app`` target and the browser test do).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

if __package__ in (None, ""):  # `solara run sim/app.py` loads this file as a script
    _root = str(Path(__file__).resolve().parent.parent)
    if _root not in sys.path:
        sys.path.insert(0, _root)

import solara  # noqa: E402
from mesa.visualization import SolaraViz, make_plot_component  # noqa: E402

import sim  # noqa: E402
from sim.config import Config, ConfigError, check_value  # noqa: E402
from sim.model import GreatGameModel  # noqa: E402
from sim.outcomes import wilson_interval  # noqa: E402
from sim.params import SPECS, with_overrides  # noqa: E402
from sim.plots import OKABE_ITO, POWER_STYLE  # noqa: E402

ENSEMBLE_REPLICATES = int(os.environ.get("GG_APP_REPLICATES", 200))


@dataclass(frozen=True)
class Lever:
    """One slider: the model keyword, the parameter it sets, its label and step."""

    name: str
    param: str  # dotted key in sim.parameter_space(), without the "params." prefix
    label: str
    step: float
    high: float | None = None  # narrower than the registry's range where the full range is useless

    @property
    def spec(self):
        return next(s for s in SPECS if s.name == "params." + self.param)


LEVERS = (
    Lever("ceasefire_quarter", "war.ceasefire_quarter", "War ends by quarter (-1: hazard only)", 1, high=40),
    Lever("hazard_base", "war.hazard_base", "Ceasefire hazard (1/quarter)", 0.005),
    Lever("attrition", "war.attrition", "War intensity: attrition (1/quarter)", 0.005),
    Lever("aid_level", "war.aid_level", "Western aid (x 2023-24 pace)", 0.1),
    Lever("sanction_rate", "dependency.sanction_rate", "Sanctions (links cut, 1/quarter)", 0.01),
    Lever("support_gain", "dependency.support_gain", "Chinese support (gain, 1/quarter)", 0.005),
    Lever("point_east", "russia.point_east", "West's point-east effort (0-1)", 0.05),
    Lever("hedging", "alignment.hedging", "Central Asian hedging (0-0.9)", 0.05),
)


def make_config(scenario: str = "baseline", horizon: int | None = None, **levers: float) -> Config:
    """The config for a set of slider values: ``load_config(scenario)`` plus parameter overrides.

    Parameters
    ----------
    scenario : str
        A scenario of ``configs/scenario``.
    horizon : int, optional
        Quarters to run (default: the scenario's).
    **levers
        Slider values keyed by :data:`LEVERS` names, e.g. ``aid_level=0.5``.

    Raises
    ------
    ConfigError
        An unknown lever, or a value outside the parameter's range (the message names both).
    """
    by_name = {lever.name: lever for lever in LEVERS}
    overrides = {}
    for name, value in levers.items():
        if name not in by_name:
            raise ConfigError(f"unknown lever {name!r}; levers: {', '.join(by_name)}")
        lever = by_name[name]
        value = int(round(value)) if lever.spec.kind == "int" else float(value)
        check_value(lever.spec, value)
        overrides[lever.param] = value
    base = sim.load_config(scenario)
    config = replace(base, params=with_overrides(base.params, **overrides))
    return replace(config, horizon=int(horizon)) if horizon is not None else config


class AppModel(GreatGameModel):
    """:class:`GreatGameModel` built from slider values (what SolaraViz re-creates on Reset).

    Parameters
    ----------
    seed : int
        The replicate's seed (``rng``).
    scenario_name : str
        A scenario of ``configs/scenario``.  Not called ``scenario``: from Mesa 3.5 on, SolaraViz's
        Reset passes ``scenario=<mesa Scenario>`` to every model whose constructor accepts that name.
    **levers
        Slider values (see :data:`LEVERS`); missing ones keep the scenario's values.
    """

    def __init__(self, seed: int = 42, scenario_name: str = "baseline", ceasefire_quarter=None, hazard_base=None,
                 attrition=None, aid_level=None, sanction_rate=None, support_gain=None, point_east=None,
                 hedging=None):
        given = {k: v for k, v in dict(ceasefire_quarter=ceasefire_quarter, hazard_base=hazard_base,
                                        attrition=attrition, aid_level=aid_level, sanction_rate=sanction_rate,
                                        support_gain=support_gain, point_east=point_east,
                                        hedging=hedging).items() if v is not None}
        super().__init__(config=make_config(scenario_name, **given), rng=int(seed))
        self.seed = int(seed)


def model_params(config: Config | None = None) -> dict:
    """SolaraViz ``model_params``: one slider per lever, starting at the config's value."""
    config = config or sim.load_config()
    params = {}
    params["seed"] = {"type": "SliderInt", "value": 42, "label": "Seed", "min": 0, "max": 999, "step": 1}
    for lever in LEVERS:
        spec = lever.spec
        group, key = lever.param.split(".")
        value = getattr(getattr(config.params, group), key)
        kind = "SliderInt" if spec.kind == "int" else "SliderFloat"
        params[lever.name] = {"type": kind, "label": lever.label, "value": value, "min": spec.low,
                              "max": lever.high if lever.high is not None else spec.high, "step": lever.step}
    return params


def _styled(labels: dict[str, str], ylabel: str, log: bool = False):
    """post_process for a Mesa plot: line styles and markers besides colour, labels with units."""
    cycle = ("-", "--", "-.", ":")
    markers = ("o", "s", "^", "D")

    def post(ax):
        for i, line in enumerate(ax.lines):
            line.set_linestyle(cycle[i % len(cycle)])
            line.set_marker(markers[i % len(markers)])
            line.set_markevery(max(1, len(line.get_xdata()) // 8))
            line.set_label(labels.get(line.get_label(), line.get_label()))
        if log:
            ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.set_xlabel("Quarter after 2024Q2 (quarters)")
        ax.legend(fontsize=8, loc="best")

    return post


PLOTS = [
    make_plot_component({f"power_share_{p}": POWER_STYLE[p]["color"] for p in ("RUS", "CHN", "WST")},
                        post_process=_styled({"power_share_RUS": "Russia", "power_share_CHN": "China",
                                              "power_share_WST": "West"},
                                             "Power share (share of the three powers, log scale)", log=True)),
    make_plot_component({"rus_dependence_on_chn": OKABE_ITO["reddish_purple"],
                         "chn_leverage_over_rus": OKABE_ITO["black"]},
                        post_process=_styled({"rus_dependence_on_chn": "Russia's dependence on China",
                                              "chn_leverage_over_rus": "China's leverage over Russia"},
                                             "Share of need / leverage (0-1)")),
    make_plot_component({f"alignment_mean_{p}": POWER_STYLE[p]["color"] for p in ("RUS", "CHN", "WST")},
                        post_process=_styled({"alignment_mean_RUS": "with Russia", "alignment_mean_CHN": "with China",
                                              "alignment_mean_WST": "with the West"},
                                             "Central Asia's mean alignment (0-1)")),
    make_plot_component({"far_east_presence": OKABE_ITO["orange"], "claim_salience": OKABE_ITO["sky_blue"],
                         "alliance_strength": OKABE_ITO["black"]},
                        post_process=_styled({"far_east_presence": "Chinese presence in the Far East",
                                              "claim_salience": "Salience of Chinese claims",
                                              "alliance_strength": "Sino-Russian alignment strength"},
                                             "Far East and alignment (0-1)")),
]


def run_ensemble(config: Config, replicates: int = ENSEMBLE_REPLICATES, seed: int = 0) -> dict:
    """P(both sides lose) with its 95% Wilson interval for ``config`` (ensemble engine)."""
    res = sim.simulate(config, replicates=replicates, seed=seed, engine="ensemble")
    k = int(res.outcomes["both_sides_lose"].sum())
    lo, hi = wilson_interval(k, replicates)
    effects = {p: float(res.outcomes[f"war_effect_{p}"].mean()) for p in ("RUS", "CHN", "WST")}
    return {"p": k / replicates, "lo": lo, "hi": hi, "n": replicates, "effects": effects,
            "has_war": bool(config.params.war.enabled)}


@solara.component
def EnsemblePanel(model):
    """The ensemble panel; keyed by the model so that Reset (a new model) clears the old answer."""
    _EnsembleCard(model).key(f"ensemble-{id(model)}")


@solara.component
def _EnsembleCard(model):
    """Runs a small ensemble for the model's current parameters on request (in a worker thread)."""
    config = model.config

    def ensemble():
        return run_ensemble(config)

    # dependencies=None: runs only when the button calls it
    task = solara.lab.use_task(ensemble, dependencies=None, raise_error=False)

    with solara.Card("Ensemble: does the war make both sides lose?"):
        solara.Markdown(f"Runs {ENSEMBLE_REPLICATES} replicates of the model's current parameters (press "
                        "**Reset** after moving sliders) and their no-war twins with the same seeds.")
        solara.Button(f"Run {ENSEMBLE_REPLICATES}-replicate ensemble", on_click=task, disabled=task.pending,
                      color="primary")
        solara.ProgressLinear(task.pending)
        if task.pending:
            solara.Text("running the ensemble ...")
        if task.error:
            solara.Error(f"ensemble failed: {task.exception}")
        if task.finished and task.value is not None:
            result = task.value
            if not result["has_war"]:
                solara.Text("This configuration has no war: nothing to compare.")
            else:
                solara.Markdown(
                    f"**P(both sides lose) = {result['p']:.1%}** (95% interval {result['lo']:.1%} to "
                    f"{result['hi']:.1%}, {result['n']} paired replicates)\n\n"
                    + "\n".join(f"- mean war effect, {name}: {result['effects'][p]:+.4f}"
                                for p, name in (("RUS", "Russia"), ("CHN", "China"), ("WST", "West"))))


def _disable_telemetry() -> None:
    """No calls home from the server (belt and braces; the env variable is the reliable switch)."""
    try:
        import solara.server.settings as server_settings

        server_settings.telemetry.mixpanel_enable = False
    except Exception:  # not running under solara-server (e.g. imported in a notebook or test)
        pass


_disable_telemetry()
AppModel().step()  # compile (or load from numba's cache) the quarter step now, not on the first click
model = AppModel()
page = SolaraViz(model, components=[*PLOTS, (EnsemblePanel, 0)], model_params=model_params(model.config),
                 name="The Great Game: Russia, China, the West and Central Asia", play_interval=150)
page  # noqa: B018  (solara run renders the module-level `page`)
