"""Behavioural parameters: one registry, typed dataclasses, and the flat vector the kernels read.

Every parameter is declared once in :data:`SPECS` with its meaning, unit, default,
plausible range and source.  From that registry we derive

* the typed, nested :class:`Params` dataclass (``params.war.hazard_base`` ...),
* :func:`parameter_space`, the public list used for sweeps, sensitivity and fuzzing,
* :func:`to_vector`, the float64 vector ``theta`` that the numba kernels index with
  the constants of :mod:`sim.kernels.layout` (a test checks that the two agree).

Units: time is one quarter; money is US$ bn (2023 prices) per quarter unless stated;
shares are dimensionless in [0, 1].
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ASSUMPTION = "assumption"


@dataclass(frozen=True)
class ParamSpec:
    """One behavioural parameter as researchers see it."""

    group: str
    key: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str = ASSUMPTION
    kind: str = "float"  # "float", "int" or "bool"

    @property
    def name(self) -> str:
        """The dotted Hydra override key, e.g. ``params.war.hazard_base``."""
        return f"params.{self.group}.{self.key}"


def _p(group, key, default, low, high, unit, meaning, source=ASSUMPTION, kind="float"):
    return ParamSpec(group, key, float(default), float(low), float(high), unit, meaning, source, kind)


KIEL = "Kiel Institute Ukraine Support Tracker (calibration.md, 'The war and aid')"
CUSTOMS = "Russian customs / Gaidar Institute via calibration.md ('Russia's trade')"

#: The registry.  Order matters: it is the layout of ``theta`` (see sim/kernels/layout.py).
SPECS: tuple[ParamSpec, ...] = (
    # --- dependency kernel ---------------------------------------------------------
    _p("dependency", "alpha", 0.5, 0.0, 0.9, "1",
       "Damping of indirect dependence through chains, P = E (I - alpha E)^-1 (Katz/Leontief closure)"),
    _p("dependency", "sanction_rate", 0.15, 0.0, 0.4, "1/quarter",
       "Share of the remaining Russia-West links cut each quarter under full sanctions",
       "calibrated: EU share of Russian trade ~38% (2021) -> 17.6% (2022), " + CUSTOMS),
    _p("dependency", "diversion_to_china", 0.6, 0.0, 1.0, "1",
       "Share of a cut Russia-West link that is re-routed to China (the rest goes to the rest of the world)",
       "calibrated: China's share of Russian trade ~18% (2021) -> 32% (2023) while the EU's fell ~20 points, "
       + CUSTOMS),
    _p("dependency", "china_capacity", 0.6, 0.3, 0.9, "1",
       "Largest share of Russia's need in any channel that China can meet (capacity limit of diversion)",
       "assumption bounded by ~50% of Russian oil exports going to China in 2023 (calibration.md)"),
    _p("dependency", "relax_rate", 0.02, 0.0, 0.1, "1/quarter",
       "Rate at which every link relaxes toward its (slowly drifting) baseline"),
    _p("dependency", "lock_in_rate", 0.01, 0.0, 0.05, "1/quarter",
       "Rate at which the baseline itself drifts toward current links (infrastructure and contract lock-in)"),
    _p("dependency", "influence_gain", 0.02, 0.0, 0.1, "1/quarter",
       "Largest share of a small state's need a power can win per quarter by influence spending"),
    _p("dependency", "influence_scale", 1.0, 0.1, 10.0, "US$ bn/quarter",
       "Spending in one small state at which the influence gain reaches 63% of its maximum (diminishing returns)",
       "assumption; order of China's Xi'an pledge of ~US$3.7bn (2023) spread over a year (calibration.md)"),
    _p("dependency", "support_gain", 0.03, 0.0, 0.1, "1/quarter",
       "Largest share of Russia's finance and security need that China's support adds per quarter"),
    _p("dependency", "support_scale", 5.0, 0.5, 20.0, "US$ bn/quarter",
       "China's support spending at which its effect reaches 63% of the maximum"),
    # --- war -------------------------------------------------------------------------
    _p("war", "enabled", 1, 0, 1, "bool", "Whether the Ukraine war is running at the start", kind="bool"),
    _p("war", "ceasefire_quarter", -1, -1, 200, "quarter",
       "Quarter at which a ceasefire is imposed (-1: only the hazard ends the war)", kind="int"),
    _p("war", "hazard_base", 0.01, 0.0, 0.2, "1/quarter", "Baseline ceasefire hazard"),
    _p("war", "hazard_exhaustion", 0.02, 0.0, 0.2, "1/quarter",
       "Extra ceasefire hazard per unit of mutual exhaustion (geometric mean of Russia's cost in years of its "
       "peacetime defence spending and the West's in years of the calibrated aid pace)"),
    _p("war", "front_speed", 0.03, 0.0, 0.2, "1/quarter",
       "Share of the contested stakes that changes hands per quarter at full superiority"),
    _p("war", "front_noise", 0.01, 0.0, 0.05, "1/quarter", "Standard deviation of the front's quarterly move"),
    _p("war", "attrition", 0.03, 0.0, 0.2, "1/quarter",
       "Share of the engaged military stock lost per quarter at full intensity (Lanchester-style)"),
    _p("war", "aid_level", 1.0, 0.0, 3.0, "1",
       "Western aid relative to the calibrated 2023-24 pace", "calibrated level: " + KIEL),
    _p("war", "aid_fatigue", 0.0, 0.0, 0.2, "1/quarter", "Quarterly decay of the aid level (Western fatigue)"),
    _p("war", "aid_effectiveness", 0.8, 0.2, 3.0, "1",
       "Ukrainian effort per US$ of aid relative to Russian effort per US$ (part of aid is not military; "
       "defender's advantage)",
       "calibrated: the 2024 postures give a near-stalemate with a slow Russian advance, as observed in 2024"),
    _p("war", "ukraine_own_effort", 4.0, 0.0, 20.0, "US$ bn/quarter",
       "Ukraine's own war effort not financed by Western aid",
       "assumption; SIPRI: Ukraine military expenditure US$64.7bn in 2024, much of it aid-financed"),
    _p("war", "support_effect", 0.5, 0.0, 2.0, "1",
       "Increase of Russian effective effort per unit of China's support relative to Russia's war spending"),
    _p("war", "output_drain", 0.004, 0.0, 0.02, "1/quarter",
       "Share of Russia's output lost per quarter at full war intensity (mobilisation, war economy)"),
    _p("war", "sanction_output_cost", 0.3, 0.0, 1.0, "1",
       "Output lost (level) per unit of channel-weighted coverage lost to the rest of the world (and "
       "regained when links come back); substitutability softens it",
       "assumption; gives Russia a few % of output and the EU ~1.5% (2022 energy shock) at calibrated cuts"),
    _p("war", "sanction_decay", 0.05, 0.0, 0.5, "1/quarter", "Quarterly decay of sanctions after the war ends"),
    _p("war", "secondary_sanction", 0.5, 0.0, 3.0, "1",
       "Cost to China per US$ of support, scaled by China's propagated dependence on the West"),
    _p("war", "stake_output", 0.03, 0.0, 0.1, "1",
       "Output of the whole contested zone as a share of Russia's initial output (what can change hands)",
       "assumption; pre-war output of the contested oblasts, order of US$50-70bn/yr"),
    _p("war", "decisive_margin", 0.05, 0.0, 0.3, "1",
       "The war ends decisively when the front leaves [margin, 1 - margin]"),
    # --- Far East --------------------------------------------------------------------
    _p("far_east", "presence_drift", 0.003, 0.0, 0.02, "1/quarter",
       "Baseline growth of Chinese presence (migration, trade, leases) per quarter, scaled by Russian weakness",
       "assumption; Far East population -23% 1991-2017 (Russian Academy of Sciences) against >98m in NE China"),
    _p("far_east", "pressure_effect", 0.01, 0.0, 0.1, "1/quarter",
       "Largest presence gain per quarter from China's Far East pressure spending"),
    _p("far_east", "pressure_scale", 3.0, 0.5, 20.0, "US$ bn/quarter",
       "China's pressure spending at which its effect reaches 63% of the maximum"),
    _p("far_east", "defence_effect", 0.03, 0.0, 0.1, "1/quarter",
       "Largest presence reduction per quarter from Russia's eastern defence stock"),
    _p("far_east", "defence_scale", 40.0, 5.0, 200.0, "US$ bn",
       "Russian eastern defence stock at which its effect reaches 63% of the maximum"),
    _p("far_east", "salience_gain", 0.03, 0.0, 0.2, "1/quarter",
       "Growth of claim salience per quarter per unit of presence"),
    _p("far_east", "salience_decay", 0.02, 0.0, 0.2, "1/quarter", "Decay of claim salience per quarter"),
    _p("far_east", "contested_threshold", 0.3, 0.1, 0.6, "1", "Presence above which the Far East becomes contested"),
    _p("far_east", "de_facto_threshold", 0.6, 0.3, 0.9, "1",
       "Presence above which de facto Chinese control can set in"),
    _p("far_east", "transition_hazard", 0.1, 0.0, 0.5, "1/quarter",
       "Hazard of a status step up once its threshold is passed, scaled by Russian weakness"),
    _p("far_east", "annex_hazard", 0.02, 0.0, 0.2, "1/quarter",
       "Hazard of de jure annexation from de facto control, scaled by weakness and salience, doubled after rupture"),
    _p("far_east", "passportization", 0, 0, 1, "bool", "Whether China may hand out passports in the Far East",
       kind="bool"),
    _p("far_east", "passport_threshold", 0.15, 0.0, 0.6, "1", "Presence above which China starts passportization"),
    _p("far_east", "passport_boost", 2.0, 1.0, 5.0, "1",
       "Multiplier on presence drift and status hazards once passportization has started"),
    # --- small states' alignment -------------------------------------------------------
    _p("alignment", "hedging", 0.3, 0.0, 0.9, "1",
       "Weight of the even spread (multi-vector hedging) in a small state's target alignment"),
    _p("alignment", "inertia", 0.9, 0.5, 0.99, "1", "Share of last quarter's alignment kept each quarter"),
    _p("alignment", "benefit_weight", 3.0, 0.0, 10.0, "1",
       "Pull of benefits (weighted dependency share, remittances, investment) in the alignment score"),
    _p("alignment", "threat_weight", 2.0, 0.0, 10.0, "1", "Push of Walt-style threat in the alignment score"),
    _p("alignment", "leverage_weight", 2.0, 0.0, 10.0, "1", "Pull of a power's leverage over the state"),
    _p("alignment", "institution_weight", 1.0, 0.0, 5.0, "1", "Pull of institutions (CSTO, EAEU, SCO, bases)"),
    _p("alignment", "war_threat_boost", 1.0, 0.0, 3.0, "1",
       "Extra hostile intent a small state reads into a neighbour that is at war"),
    # --- Russia's perceptions and the Sino-Russian alignment ------------------------------
    _p("russia", "east_bias", 0.8, 0.0, 1.0, "1",
       "Initial discount on Russia's perceived China threat (the West-fixated worldview)"),
    _p("russia", "point_east", 0.0, 0.0, 1.0, "1", "Western effort to make Russia see the eastern threat"),
    _p("russia", "bias_erosion", 0.1, 0.0, 0.5, "1/quarter", "Erosion of the eastern bias per unit of point-east effort"),
    _p("russia", "leverage_intent", 2.0, 0.0, 10.0, "1",
       "Hostile intent Russia reads into China's leverage over it"),
    _p("russia", "alliance_rate", 0.1, 0.01, 0.5, "1/quarter", "Adjustment rate of the Sino-Russian alignment strength"),
    _p("russia", "alliance_sensitivity", 6.0, 0.5, 20.0, "1",
       "Slope of the alignment's target strength in the perceived threat gap (West minus China)"),
    _p("russia", "rupture_threshold", 0.25, 0.05, 0.5, "1", "Alignment strength below which the alignment ruptures"),
    # --- decisions ---------------------------------------------------------------------
    _p("decision", "rationality", 5000.0, 0.0, 50000.0, "1/objective",
       "Logit precision of posture choice (0: random postures; large: always the best one-step posture). "
       "One quarter moves an objective by ~1e-4, so 5000 makes a 1e-4 advantage worth a factor e^0.5"),
    _p("decision", "growth_return", 0.06, 0.0, 0.2, "1/quarter",
       "Quarterly output growth per unit of output invested from the external budget"),
    _p("decision", "russia_territory", 1.0, 0.0, 5.0, "1", "Russia's value of the contested stakes held"),
    _p("decision", "russia_far_east", 0.5, 0.0, 5.0, "1", "Russia's value of holding its Far East"),
    _p("decision", "russia_autonomy", 0.3, 0.0, 5.0, "1", "Russia's value of autonomy from China"),
    _p("decision", "west_security", 0.5, 0.0, 5.0, "1", "The West's value of a reduced Russian threat"),
    _p("decision", "west_cost", 8.0, 0.0, 100.0, "1", "The West's disutility per unit of cumulative war cost / output"),
    _p("decision", "china_sanction_cost", 20.0, 0.0, 100.0, "1",
       "China's disutility per unit of cumulative secondary-sanction cost / output"),
    _p("decision", "china_leverage", 1.0, 0.0, 5.0, "1", "China's value of leverage over Russia"),
    _p("decision", "china_realign", 0.3, 0.0, 5.0, "1",
       "China's disutility from a Russia that ruptures the alignment or collapses"),
    _p("decision", "influence", 0.05, 0.0, 1.0, "1",
       "Every great power's value of the small states' mean alignment toward it"),
    # --- power ---------------------------------------------------------------------------
    _p("power", "military_weight", 0.5, 0.0, 1.0, "1",
       "Weight of military stock against output in the composite (CINC-like) power share"),
    _p("power", "depreciation", 0.05, 0.01, 0.15, "1/quarter",
       "Depreciation of military stocks (0.05: a stock of about five years of spending is in steady state)"),
)

_BY_NAME = {s.name: s for s in SPECS}
GROUPS = tuple(dict.fromkeys(s.group for s in SPECS))


def parameter_space() -> list[ParamSpec]:
    """Every behavioural parameter as a record with ``name``, ``default``, ``low``, ``high``,
    ``unit``, ``source`` (and ``meaning``, ``kind``).  ``name`` is the Hydra override key."""
    return list(SPECS)


def _python_type(kind: str):
    return {"float": float, "int": int, "bool": bool}[kind]


def _make_group_class(group: str):
    fields = []
    for s in SPECS:
        if s.group != group:
            continue
        typ = _python_type(s.kind)
        fields.append((s.key, typ, field(default=typ(s.default), metadata={"spec": s})))
    cls_name = "".join(part.capitalize() for part in group.split("_")) + "Params"
    cls = dataclasses.make_dataclass(cls_name, fields, frozen=True)
    cls.__module__ = __name__  # so instances pickle (joblib, mesa.batch_run)
    return cls


_GROUP_CLASSES = {g: _make_group_class(g) for g in GROUPS}
globals().update({cls.__name__: cls for cls in _GROUP_CLASSES.values()})

Params = dataclasses.make_dataclass(
    "Params",
    [(g, cls, field(default_factory=cls)) for g, cls in _GROUP_CLASSES.items()],
    frozen=True,
)
Params.__module__ = __name__
Params.__doc__ = "All behavioural parameters, grouped as in configs/params/default.yaml."


def params_from_dict(values: dict[str, dict[str, Any]] | None) -> Params:
    """Build :class:`Params` from a nested ``{group: {key: value}}`` dict (missing keys keep defaults).

    Values are not range-checked here; :func:`sim.config.validate_params` does that with messages.
    """
    values = values or {}
    groups = {}
    for g, cls in _GROUP_CLASSES.items():
        given = dict(values.get(g) or {})
        kinds = {s.key: _python_type(s.kind) for s in SPECS if s.group == g}
        groups[g] = cls(**{k: kinds[k](v) for k, v in given.items() if k in kinds})
    return Params(**groups)


def with_overrides(params: Params, **dotted: float) -> Params:
    """Return a copy of ``params`` with ``group.key=value`` replacements (Python-side overrides),
    checked against :func:`parameter_space` (unknown names and out-of-range values raise ConfigError)."""
    from sim.config import ConfigError, validate_params

    changes: dict[str, dict[str, Any]] = {}
    for name, value in dotted.items():
        parts = name.removeprefix("params.").split(".")
        if len(parts) != 2:
            raise ConfigError(f"parameter '{name}': expected 'group.key', e.g. 'war.hazard_base'")
        changes.setdefault(parts[0], {})[parts[1]] = value
    validate_params(changes)  # unknown names and values out of range fail here, with the range
    nested = to_dict(params)
    for group, values in changes.items():
        nested[group].update(values)
    return params_from_dict(nested)


def to_dict(params: Params) -> dict[str, dict[str, Any]]:
    return {g: dataclasses.asdict(getattr(params, g)) for g in GROUPS}


def to_vector(params: Params) -> np.ndarray:
    """The float64 vector ``theta`` read by the kernels, in the order of :data:`SPECS`."""
    return np.array([float(getattr(getattr(params, s.group), s.key)) for s in SPECS], dtype=np.float64)


def from_vector(theta: np.ndarray) -> Params:
    """Inverse of :func:`to_vector` (ints and bools are rounded)."""
    nested: dict[str, dict[str, Any]] = {g: {} for g in GROUPS}
    for s, v in zip(SPECS, np.asarray(theta, dtype=float)):
        nested[s.group][s.key] = round(v) if s.kind in ("int", "bool") else float(v)
    return params_from_dict(nested)


def render_params_yaml() -> str:
    """The text of ``configs/params/default.yaml`` (a test checks the file matches the registry)."""
    lines = ["# Behavioural parameters (defaults). Generated from sim/params.py: SPECS is the single source;",
             "# edit there and regenerate with `python -m sim.params > configs/params/default.yaml`.",
             "# Override any of them: greatgame params.war.hazard_base=0.05"]
    for g in GROUPS:
        lines.append(f"{g}:")
        for s in SPECS:
            if s.group != g:
                continue
            value = {"bool": lambda v: "true" if v else "false", "int": lambda v: str(int(v))}.get(
                s.kind, lambda v: repr(float(v)))(s.default)
            lines.append(f"  {s.key}: {value}  # [{s.low:g}, {s.high:g}] {s.unit}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_params_yaml(), end="")
