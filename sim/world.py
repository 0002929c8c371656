"""Worlds as data: actors, roles, channels and dependency shares, and the synthetic generator.

A world is read from a plain dict (the content of ``configs/actors/*.yaml``), checked, and
turned into arrays.  Countries are data, not classes: any N >= 4 actors load, as long as the
three roles ``russia``, ``china`` and ``west`` name great powers and at least one small
state exists.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import numpy as np
import yaml

from sim.kernels import layout as lay

ROLE_ORDER = ("russia", "china", "west")
CATEGORIES = ("war", "influence", "east", "support", "growth")

# Institutional pull toward each great power (assumptions, see docs/MODEL.md).
PULL_RUSSIA = {"csto": 0.4, "eaeu": 0.3, "eaeu_observer": 0.15, "russian_base": 0.3, "sco": 0.1}
PULL_CHINA = {"sco": 0.1, "china_debt_share": 1.0}


class WorldError(ValueError):
    """A world file that cannot be used; the message names the key, the value and what is allowed."""


def _allowed_range(low: float, high: float) -> str:
    if math.isinf(high):
        return f"a number >= {low:g}" if low != 1e-9 else "a number > 0"
    return f"a number in [{low:g}, {high:g}]"


def _num(value: Any, where: str, low: float = -math.inf, high: float = math.inf) -> float:
    """A figure given either bare or as ``{value: x, source: ...}``, checked for type and range.

    ``low = 1e-9`` is how callers say "strictly positive".
    """
    allowed = _allowed_range(low, high)
    if isinstance(value, dict):
        if "value" not in value:
            raise WorldError(f"{where}: expected a number or a mapping with 'value', got keys {sorted(value)}; "
                             f"allowed: {allowed}")
        value = value["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WorldError(f"{where}: expected a number, got {value!r}; allowed: {allowed}")
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        raise WorldError(f"{where}: {v} is not a finite number; allowed: {allowed}")
    if not low <= v <= high:
        raise WorldError(f"{where}: {v:g} is out of range; allowed: {allowed}")
    return v


def _flag(value: Any, where: str, default: bool) -> bool:
    """A yes/no setting: YAML ``true``/``false`` only (``"no"`` as a string would read as true)."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise WorldError(f"{where}: expected true or false, got {value!r}")
    return value


def _mapping(value: Any, where: str, what: str, optional: bool = False) -> dict:
    """A YAML mapping (``None`` is an empty one when ``optional``)."""
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise WorldError(f"{where}: expected a mapping of {what}, got {value!r}")
    return value


def _known_keys(d: dict, allowed: Iterable[str], where: str) -> None:
    """Reject keys the loader would silently ignore (a typo would otherwise cost a night's sweep)."""
    allowed = list(allowed)
    for key in d:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise WorldError(f"{where}: unknown key {key!r}{hint}; allowed keys: {', '.join(allowed)}")


@dataclass(frozen=True)
class World:
    """A world as arrays.  Money per quarter (US$ bn), growth per quarter.

    Shapes: n actors, k channels, c candidate postures per great power.
    """

    name: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    channels: tuple[str, ...]
    gp: tuple[int, int, int]  # actor index of russia, china, west
    small: np.ndarray  # (n,) bool
    growth: np.ndarray  # (n,) per quarter
    milex: np.ndarray  # (n,) share of output
    budget: np.ndarray  # (n,) share of output
    remit: np.ndarray  # (n,) share of GDP, from Russia
    output0: np.ndarray  # (n,) US$ bn / quarter
    military0: np.ndarray  # (n,) US$ bn
    volatility: np.ndarray  # (n,)
    prox: np.ndarray  # (n, n)
    inst: np.ndarray  # (n, 3)
    subst: np.ndarray  # (k, n)
    weights: np.ndarray  # (k,)
    chan: np.ndarray  # (2, k): moved by influence / by China's support
    cand: np.ndarray  # (3, c, 5)
    posture_names: tuple[tuple[str, ...], ...]
    initial_posture: tuple[int, int, int]
    D: np.ndarray  # (k, n, n) at the start
    D0: np.ndarray  # (k, n, n) baseline the links relax toward
    scalars: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def k(self) -> int:
        return len(self.channels)

    @property
    def small_codes(self) -> tuple[str, ...]:
        return tuple(c for c, s in zip(self.codes, self.small) if s)

    @property
    def power_codes(self) -> tuple[str, str, str]:
        return tuple(self.codes[i] for i in self.gp)

    def to_vector(self) -> np.ndarray:
        """The flat float64 world vector read by the kernels (layout in sim/kernels/layout.py)."""
        n, k, c = self.n, self.k, self.cand.shape[1]
        header = np.zeros(lay.N_WHEADER)
        header[[lay.W_N, lay.W_K, lay.W_C]] = n, k, c
        header[[lay.W_RUS, lay.W_CHN, lay.W_WST]] = self.gp
        sc = self.scalars
        header[lay.W_FE_OUTPUT] = sc["fe_output_share"]
        header[lay.W_WAR_REF] = sc["war_reference_effort"]
        header[lay.W_AID0] = sc["aid_pace"]
        header[lay.W_INTENT_WC] = sc["intent_west"]
        header[lay.W_INTENT_CC] = sc["intent_china"]
        actor = np.zeros((lay.N_WACTOR, n))
        actor[lay.WA_SMALL] = self.small
        actor[lay.WA_GROWTH] = self.growth
        actor[lay.WA_MILEX] = self.milex
        actor[lay.WA_BUDGET] = self.budget
        actor[lay.WA_REMIT] = self.remit
        actor[lay.WA_OUTPUT0] = self.output0
        actor[lay.WA_MIL0] = self.military0
        actor[lay.WA_VOL] = self.volatility
        actor[lay.WA_DRAW] = np.argsort(np.argsort(np.array(self.codes)))  # rank of the code
        parts = [header, actor.ravel(), self.prox.ravel(), self.inst.ravel(), self.subst.ravel(),
                 self.weights, self.chan.ravel(), self.cand.ravel()]
        w = np.concatenate(parts).astype(np.float64)
        assert w.size == lay.world_size(n, k, c)
        return w

    def permuted(self, order) -> World:
        """The same world with actors listed in ``order`` (a permutation of range(n))."""
        order = np.asarray(order)
        pos = np.argsort(order)  # new index of old actor
        return replace(
            self,
            codes=tuple(self.codes[i] for i in order), names=tuple(self.names[i] for i in order),
            gp=tuple(int(pos[g]) for g in self.gp), small=self.small[order],
            growth=self.growth[order], milex=self.milex[order], budget=self.budget[order],
            remit=self.remit[order], output0=self.output0[order], military0=self.military0[order],
            volatility=self.volatility[order], prox=self.prox[np.ix_(order, order)],
            inst=self.inst[order], subst=self.subst[:, order],
            D=self.D[:, order][:, :, order], D0=self.D0[:, order][:, :, order],
        )


TOP_KEYS = ("name", "start", "roles", "channels", "far_east", "war", "alliance", "actors", "dependencies",
            "synthetic")
CHANNEL_KEYS = ("weight", "influence", "support", "substitutability")
ACTOR_KEYS = ("name", "role", "output", "population", "growth", "milex_share", "budget_share", "military_stock",
              "volatility", "remittances_from_russia", "proximity", "substitutability", "institutions",
              "institutions_source", "initial_posture", "postures")
INSTITUTION_KEYS = ("csto", "eaeu", "eaeu_observer", "sco", "russian_base", "china_debt_share")
DEPENDENCY_KEYS = ("channel", "from", "to", "value", "baseline", "source", "range", "note", "unit")
FAR_EAST_KEYS = ("output_share", "population", "presence", "salience", "east_defence")
WAR_KEYS = ("front", "reference_effort", "aid_pace")
ALLIANCE_KEYS = ("strength", "intent_west", "intent_china")
MAX_ACTORS = 1024  # the state holds 2 k n^2 dependency shares per replicate
MAX_VOLATILITY = 0.05  # sd of the quarterly output shock
ROW_TOL = 1e-12  # round-off allowed above 1 in a row sum (sim.invariants checks the same bound)


def _channel_table(raw: dict, where: str):
    if not isinstance(raw, dict) or not raw:
        raise WorldError(f"{where}: expected a mapping of channel name to settings {{{', '.join(CHANNEL_KEYS)}}}, "
                         f"got {raw!r}")
    names = tuple(str(c) for c in raw)
    for c in raw:
        _known_keys(_mapping(raw[c], f"{where}.{c}", "channel settings"), CHANNEL_KEYS, f"{where}.{c}")
    weights = np.array([_num(raw[c].get("weight"), f"{where}.{c}.weight", 0.0, 1.0) for c in raw])
    if not np.isclose(weights.sum(), 1.0, atol=1e-6):
        raise WorldError(f"{where}: channel weights must sum to 1, they sum to {weights.sum():.4f} "
                         f"({', '.join(f'{n}={v:g}' for n, v in zip(names, weights))})")
    chan = np.array([[_flag(raw[c].get("influence"), f"{where}.{c}.influence", True) for c in raw],
                     [_flag(raw[c].get("support"), f"{where}.{c}.support", False) for c in raw]], dtype=float)
    subst = np.array([_num(raw[c].get("substitutability", 0.5), f"{where}.{c}.substitutability", 0.0, 1.0)
                      for c in raw])
    return names, weights, chan, subst


def _roles(d: dict, actors: dict, codes: tuple[str, ...], source: str) -> list[int]:
    """Actor index of russia, china and west: three different great powers named in ``roles``."""
    roles = _mapping(d["roles"], f"{source}.roles", "role to actor code (russia, china, west)")
    missing = [r for r in ROLE_ORDER if r not in roles]
    if missing:
        raise WorldError(f"{source}.roles: missing role(s) {missing}; required roles are {list(ROLE_ORDER)}")
    _known_keys(roles, ROLE_ORDER, f"{source}.roles")
    gp = []
    for r in ROLE_ORDER:
        code = roles[r]
        if code not in codes:
            raise WorldError(f"{source}.roles.{r}: unknown actor code {code!r}; known codes are {list(codes)}")
        role = actors[code].get("role")
        if role != "great_power":
            raise WorldError(f"{source}.actors.{code}.role: the {r} role needs a great_power, got {role!r}")
        gp.append(codes.index(code))
    if len(set(gp)) != 3:
        raise WorldError(f"{source}.roles: russia, china and west must be three different actors, got {roles}")
    return gp


def world_from_dict(d: dict, source: str = "actors") -> World:
    """Check a world mapping (the content of ``configs/actors/<name>.yaml``) and build a :class:`World`.

    Every problem raises :class:`WorldError` with one message naming the key (prefixed by
    ``source``, e.g. the file name), the bad value and what is allowed.
    """
    if not isinstance(d, dict):
        raise WorldError(f"{source}: expected a mapping with keys {list(TOP_KEYS)}, got {type(d).__name__}")
    for key in ("roles", "channels", "actors", "dependencies"):
        if key not in d:
            raise WorldError(f"{source}: missing required key '{key}'")
    _known_keys(d, TOP_KEYS, source)
    actors = _mapping(d["actors"], f"{source}.actors", "actor code to actor settings")
    if not 4 <= len(actors) <= MAX_ACTORS:
        raise WorldError(f"{source}.actors: a world needs between 4 and {MAX_ACTORS} actors "
                         f"(three great powers and at least one small state), got {len(actors)}")
    for code, a in actors.items():
        if not isinstance(code, str) or not code:
            raise WorldError(f"{source}.actors: actor codes must be non-empty strings, got {code!r}")
        _known_keys(_mapping(a, f"{source}.actors.{code}", "actor settings"), ACTOR_KEYS, f"{source}.actors.{code}")
    codes = tuple(actors)
    gp = _roles(d, actors, codes, source)
    n = len(codes)
    channels, weights, chan, subst_default = _channel_table(d["channels"], f"{source}.channels")
    small = np.zeros(n, dtype=bool)
    growth, milex, budget, remit, out0, mil0, vol = (np.zeros(n) for _ in range(7))
    prox = np.zeros((n, n))
    inst = np.zeros((n, 3))
    subst = np.tile(subst_default[:, None], (1, n))
    names = []
    for i, code in enumerate(codes):
        a = actors[code]
        where = f"{source}.actors.{code}"
        role = a.get("role")
        if role not in ("great_power", "small_state"):
            raise WorldError(f"{where}.role: {role!r} is not a role; allowed: 'great_power', 'small_state'")
        if role == "great_power" and i not in gp:
            raise WorldError(f"{where}.role: great power {code} has no role in {source}.roles "
                             f"(the model has exactly three: {list(ROLE_ORDER)}); make it a small_state")
        small[i] = role == "small_state"
        name = a.get("name", code)
        if not isinstance(name, str):
            raise WorldError(f"{where}.name: expected a text, got {name!r}")
        names.append(name)
        out0[i] = _num(a.get("output"), f"{where}.output", 1e-9) / 4.0
        growth[i] = (1.0 + _num(a.get("growth", 0.0), f"{where}.growth", -0.5, 0.5)) ** 0.25 - 1.0
        milex[i] = _num(a.get("milex_share", 0.0), f"{where}.milex_share", 0.0, 0.5)
        budget[i] = _num(a.get("budget_share", 0.0), f"{where}.budget_share", 0.0, 0.5)
        remit[i] = _num(a.get("remittances_from_russia", 0.0), f"{where}.remittances_from_russia", 0.0, 1.0)
        mil0[i] = _num(a.get("military_stock"), f"{where}.military_stock", 1e-9)
        # output moves by (1 + growth + volatility z) a quarter: 0.05 (5% sd a quarter, beyond any
        # economy's record) keeps a shock that wipes out output (z < -20) impossible in practice
        vol[i] = _num(a.get("volatility", 0.0), f"{where}.volatility", 0.0, MAX_VOLATILITY)
        for other, value in _mapping(a.get("proximity"), f"{where}.proximity", "actor code to proximity",
                                     optional=True).items():
            if other not in codes:
                raise WorldError(f"{where}.proximity: unknown actor code {other!r}; known codes are {list(codes)}")
            prox[i, codes.index(other)] = _num(value, f"{where}.proximity.{other}", 0.0, 1.0)
        for ch_name, value in _mapping(a.get("substitutability"), f"{where}.substitutability",
                                       "channel to substitutability", optional=True).items():
            if ch_name not in channels:
                raise WorldError(f"{where}.substitutability: unknown channel {ch_name!r}; channels are {list(channels)}")
            subst[channels.index(ch_name), i] = _num(value, f"{where}.substitutability.{ch_name}", 0.0, 1.0)
        ins = _mapping(a.get("institutions"), f"{where}.institutions", "institution to membership", optional=True)
        _known_keys(ins, INSTITUTION_KEYS, f"{where}.institutions")
        inst[i, 0] = sum(w * float(_flag(ins.get(key), f"{where}.institutions.{key}", False))
                         for key, w in PULL_RUSSIA.items())
        inst[i, 1] = (PULL_CHINA["sco"] * float(_flag(ins.get("sco"), f"{where}.institutions.sco", False))
                      + _num(ins.get("china_debt_share", 0.0), f"{where}.institutions.china_debt_share", 0.0, 1.0))
    if not small.any():
        raise WorldError(f"{source}.actors: a world needs at least one small_state, got only great powers "
                         f"{list(codes)}")
    cand, posture_names, initial = _postures(actors, codes, gp, source)
    D, D0 = _dependencies(d["dependencies"], codes, channels, source)
    fe = _mapping(d.get("far_east"), f"{source}.far_east", "Far East settings", optional=True)
    war = _mapping(d.get("war"), f"{source}.war", "war settings", optional=True)
    al = _mapping(d.get("alliance"), f"{source}.alliance", "alliance settings", optional=True)
    for sub, keys, name in ((fe, FAR_EAST_KEYS, "far_east"), (war, WAR_KEYS, "war"), (al, ALLIANCE_KEYS, "alliance")):
        _known_keys(sub, keys, f"{source}.{name}")
    scalars = {
        "fe_output_share": _num(fe.get("output_share", 0.05), f"{source}.far_east.output_share", 0.0, 0.5),
        "presence": _num(fe.get("presence", 0.1), f"{source}.far_east.presence", 0.0, 1.0),
        "salience": _num(fe.get("salience", 0.3), f"{source}.far_east.salience", 0.0, 1.0),
        "east_defence": _num(fe.get("east_defence", 5.0), f"{source}.far_east.east_defence", 0.0),
        "front": _num(war.get("front", 0.7), f"{source}.war.front", 0.0, 1.0),
        "war_reference_effort": _num(war.get("reference_effort", 40.0), f"{source}.war.reference_effort", 1e-9),
        "aid_pace": _num(war.get("aid_pace", 21.0), f"{source}.war.aid_pace", 1e-9),
        "alliance": _num(al.get("strength", 0.8), f"{source}.alliance.strength", 0.0, 1.0),
        "intent_west": _num(al.get("intent_west", 1.0), f"{source}.alliance.intent_west", 0.0, 10.0),
        "intent_china": _num(al.get("intent_china", 0.5), f"{source}.alliance.intent_china", 0.0, 10.0),
    }
    name = d.get("name", source)
    if not isinstance(name, str):
        raise WorldError(f"{source}.name: expected a text, got {name!r}")
    return World(
        name=name, codes=codes, names=tuple(names), channels=channels,
        gp=tuple(gp), small=small, growth=growth, milex=milex, budget=budget, remit=remit,
        output0=out0, military0=mil0, volatility=vol, prox=prox, inst=inst, subst=subst,
        weights=weights, chan=chan, cand=cand, posture_names=posture_names, initial_posture=initial,
        D=D, D0=D0, scalars=scalars,
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys (plain PyYAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise WorldError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}; "
                                 f"every key may appear once in a mapping")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def world_from_file(path) -> World:
    """Read and check a world file (``configs/actors/<name>.yaml``); errors name the file."""
    from pathlib import Path

    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise WorldError(f"{path}: cannot read the world file ({err.strerror})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except WorldError as err:
        raise WorldError(f"{path}: {err}") from None
    except yaml.YAMLError as err:
        raise WorldError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    return world_from_dict(data, source=str(path))


def _postures(actors, codes, gp, source):
    tables = []
    for g in gp:
        code = codes[g]
        raw = actors[code].get("postures")
        where = f"{source}.actors.{code}.postures"
        if not isinstance(raw, dict) or not raw:
            raise WorldError(f"{where}: a great power needs candidate postures {{name: [{', '.join(CATEGORIES)}]}}, "
                             f"got {raw!r}")
        tables.append(raw)
    c = len(tables[0])
    if any(len(t) != c for t in tables):
        raise WorldError(f"{source}: every great power needs the same number of candidate postures, got "
                         + ", ".join(f"{codes[g]}={len(t)}" for g, t in zip(gp, tables)))
    cand = np.zeros((3, c, len(CATEGORIES)))
    names, initial = [], []
    for p, (g, table) in enumerate(zip(gp, tables)):
        where = f"{source}.actors.{codes[g]}.postures"
        for ci, (pname, alloc) in enumerate(table.items()):
            if not isinstance(alloc, (list, tuple)) or len(alloc) != len(CATEGORIES):
                raise WorldError(f"{where}.{pname}: expected {len(CATEGORIES)} budget shares {list(CATEGORIES)}, "
                                 f"got {alloc!r}")
            vals = [_num(v, f"{where}.{pname}[{CATEGORIES[q]}]", 0.0, 1.0) for q, v in enumerate(alloc)]
            if not np.isclose(sum(vals), 1.0, atol=1e-6):
                raise WorldError(f"{where}.{pname}: budget shares {vals} sum to {sum(vals):.4f}; "
                                 f"they must sum to 1")
            cand[p, ci] = vals
        names.append(tuple(str(t) for t in table))
        first = actors[codes[g]].get("initial_posture", names[-1][0])
        if first not in table:
            raise WorldError(f"{source}.actors.{codes[g]}.initial_posture: {first!r} is not one of {list(table)}")
        initial.append(names[-1].index(first))
    return cand, tuple(names), tuple(initial)


def _dependencies(entries, codes, channels, source):
    n, k = len(codes), len(channels)
    D = np.zeros((k, n, n))
    D0 = np.full((k, n, n), np.nan)
    if not isinstance(entries, list):
        raise WorldError(f"{source}.dependencies: expected a list of {{channel, from, to, value}} entries, "
                         f"got {entries!r}")
    seen: dict[tuple, int] = {}
    for e_i, e in enumerate(entries):
        where = f"{source}.dependencies[{e_i}]"
        if not isinstance(e, dict):
            raise WorldError(f"{where}: expected a mapping {{channel, from, to, value}}, got {e!r}")
        _known_keys(e, DEPENDENCY_KEYS, where)
        ch, a, b = e.get("channel"), e.get("from"), e.get("to")
        if ch not in channels:
            raise WorldError(f"{where}.channel: unknown channel {ch!r}; channels are {list(channels)}")
        for key, code in (("from", a), ("to", b)):
            if code not in codes:
                raise WorldError(f"{where}.{key}: unknown actor code {code!r}; known codes are {list(codes)}")
        if a == b:
            raise WorldError(f"{where}: an actor cannot depend on itself (from = to = {a!r}); "
                             f"its own supply is the part of the row not listed")
        if (ch, a, b) in seen:
            raise WorldError(f"{where}: duplicate entry for {ch} {a}->{b} (already given in "
                             f"{source}.dependencies[{seen[ch, a, b]}]); each link may be listed once")
        seen[ch, a, b] = e_i
        kk, i, j = channels.index(ch), codes.index(a), codes.index(b)
        D[kk, i, j] = _num(e.get("value"), f"{where}.value ({ch} {a}->{b})", 0.0, 1.0)
        if "baseline" in e:
            D0[kk, i, j] = _num(e["baseline"], f"{where}.baseline ({ch} {a}->{b})", 0.0, 1.0)
    D0 = np.where(np.isnan(D0), D, D0)
    for name, arr in (("value", D), ("baseline", D0)):
        rows = arr.sum(axis=2)
        kk, i = np.unravel_index(np.argmax(rows), rows.shape)
        if rows[kk, i] > 1.0 + ROW_TOL:
            raise WorldError(f"{source}.dependencies: the {name} shares of {codes[i]} in channel "
                             f"{channels[kk]!r} sum to {rows[kk, i]:.3f}; a row may sum to at most 1")
    return D, D0


def synthetic_world(n: int, seed: int = 0, base: World | None = None) -> World:
    """A synthetic world of ``n`` actors (3 great powers + n - 3 small states) for scaling studies.

    The great powers and channels are copied from ``base`` (default: the calibrated world);
    the small states get random output, proximity, institutions and Dirichlet dependency rows
    from ``numpy.random.default_rng(seed)``.  Deterministic in (n, seed).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 4 <= n <= MAX_ACTORS:
        raise WorldError(f"actors.n: a synthetic world needs a whole number of actors in [4, {MAX_ACTORS}], got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise WorldError(f"actors.seed: expected a non-negative whole number, got {seed!r}")
    if base is None:
        from sim.config import default_world

        base = default_world()
    rng = np.random.default_rng(seed)
    k = base.k
    gp_old = list(base.gp)
    m = n - 3
    codes = tuple(base.codes[g] for g in gp_old) + tuple(f"S{i:03d}" for i in range(m))
    small = np.array([False] * 3 + [True] * m)

    def gp_then(arr, fill):
        return np.concatenate([arr[gp_old], fill])

    out0 = gp_then(base.output0, rng.lognormal(np.log(20.0), 1.0, m))
    prox = np.zeros((n, n))
    prox[:3, :3] = base.prox[np.ix_(gp_old, gp_old)]
    prox[3:, :3] = rng.uniform(0.1, 1.0, (m, 3))
    prox[3:, 2] *= 0.3  # the West is far from every small state
    inst = np.zeros((n, 3))
    inst[3:, 0] = rng.uniform(0.0, 1.0, m)
    inst[3:, 1] = rng.uniform(0.0, 0.6, m)
    D = np.zeros((k, n, n))
    D[:, :3, :3] = base.D[:, gp_old][:, :, gp_old]
    D0 = D.copy()
    D0[:, :3, :3] = base.D0[:, gp_old][:, :, gp_old]
    for kk in range(k):
        for i in range(3, n):
            partners = np.concatenate([[0, 1, 2], rng.choice(np.arange(3, n)[np.arange(3, n) != i],
                                                             size=min(3, m - 1), replace=False)]).astype(int)
            shares = rng.dirichlet(np.ones(partners.size + 1))[:-1] * rng.uniform(0.5, 0.95)
            D[kk, i, partners] = shares
    D0[:, 3:, :] = D[:, 3:, :]
    return World(
        name=f"synthetic_{n}_{seed}", codes=codes, names=codes, channels=base.channels, gp=(0, 1, 2),
        small=small, growth=gp_then(base.growth, np.full(m, 0.012)),
        milex=gp_then(base.milex, np.full(m, 0.01)), budget=gp_then(base.budget, np.zeros(m)),
        remit=gp_then(base.remit, rng.uniform(0.0, 0.2, m)), output0=out0,
        military0=gp_then(base.military0, out0[3:] * 0.2), volatility=gp_then(base.volatility, np.full(m, 0.008)),
        prox=prox, inst=inst, subst=np.concatenate([base.subst[:, gp_old], np.tile(base.subst[:, 3:4], (1, m))], axis=1)
        if base.subst.shape[1] > 3 else np.tile(base.subst[:, :1], (1, n)),
        weights=base.weights, chan=base.chan, cand=base.cand, posture_names=base.posture_names,
        initial_posture=base.initial_posture, D=D, D0=D0, scalars=dict(base.scalars),
    )
