"""Bad input is refused at load time with one message naming the key, the bad value and what is allowed.

World files: each case writes a broken copy of ``configs/actors/central_asia.yaml`` into
``tmp_path`` and loads it with ``world_from_dict(yaml.safe_load(...), source=<file name>)``.
Configurations: each case breaks a composed configuration (or a Hydra override) and loads it
with ``config_from_dict`` / ``load_config``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from sim.config import ConfigError, compose_dict, config_from_dict, load_config
from sim.world import WorldError, synthetic_world, world_from_dict, world_from_file

WORLD_FILE = Path(__file__).resolve().parent.parent / "configs" / "actors" / "central_asia.yaml"
BASE_WORLD = yaml.safe_load(WORLD_FILE.read_text())


def _dep(d, channel, a, b):
    """The dependency entry (channel, a -> b) of world mapping d."""
    return next(e for e in d["dependencies"] if (e["channel"], e["from"], e["to"]) == (channel, a, b))


def _set(path, value):
    def mutate(d):
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _del(path):
    def mutate(d):
        node = d
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


def _dep_value(channel, a, b, value, key="value"):
    def mutate(d):
        _dep(d, channel, a, b)[key] = value
    return mutate


def _drop_small_states(keep: int):
    def mutate(d):
        small = [c for c, a in d["actors"].items() if a["role"] == "small_state"]
        for code in small[keep:]:
            del d["actors"][code]
        d["dependencies"] = [e for e in d["dependencies"] if e["from"] in d["actors"] and e["to"] in d["actors"]]
    return mutate


def _append_dep(entry):
    def mutate(d):
        d["dependencies"].append(entry)
    return mutate


# (case id, mutation of the calibrated world, substrings the message must contain: key, value, allowed)
WORLD_CASES = [
    ("share_above_one", _dep_value("trade", "RUS", "CHN", 1.5),
     ["dependencies[0].value", "trade RUS->CHN", "1.5", "allowed: a number in [0, 1]"]),
    ("share_negative", _dep_value("energy", "KAZ", "WST", -0.2),
     ["dependencies[", ".value (energy KAZ->WST)", "-0.2", "allowed: a number in [0, 1]"]),
    ("baseline_above_one", _dep_value("trade", "RUS", "WST", 1.01, key="baseline"),
     [".baseline (trade RUS->WST)", "1.01", "allowed: a number in [0, 1]"]),
    ("row_sum_above_one", _dep_value("energy", "TKM", "RUS", 0.35),
     ["dependencies", "TKM", "'energy'", "sum to 1.150", "at most 1"]),
    ("unknown_actor_in_dependency", _dep_value("trade", "KAZ", "CHN", "XYZ", key="to"),
     ["dependencies[", ".to", "'XYZ'", "known codes are", "'KAZ'"]),
    ("unknown_actor_in_roles", _set(["roles", "china"], "PRC"),
     ["roles.china", "'PRC'", "known codes are"]),
    ("missing_role", _del(["roles", "west"]),
     ["roles", "missing role(s) ['west']", "required roles are ['russia', 'china', 'west']"]),
    ("nan_output", _set(["actors", "KAZ", "output", "value"], float("nan")),
     ["actors.KAZ.output", "nan", "allowed: a number > 0"]),
    ("negative_output", _set(["actors", "UZB", "output"], -101.6),
     ["actors.UZB.output", "-101.6", "allowed: a number > 0"]),
    ("infinite_military_stock", _set(["actors", "RUS", "military_stock"], float("inf")),
     ["actors.RUS.military_stock", "inf", "allowed: a number > 0"]),
    ("output_wrong_type", _set(["actors", "TJK", "output"], "about twelve"),
     ["actors.TJK.output", "'about twelve'", "expected a number"]),
    ("flag_wrong_type", _set(["channels", "trade", "influence"], "yes"),
     ["channels.trade.influence", "'yes'", "expected true or false"]),
    ("institution_wrong_type", _set(["actors", "KAZ", "institutions", "csto"], "member"),
     ["actors.KAZ.institutions.csto", "'member'", "expected true or false"]),
    ("duplicate_dependency", _append_dep({"channel": "trade", "from": "KAZ", "to": "CHN", "value": 0.1}),
     ["duplicate entry for trade KAZ->CHN", "already given in", "dependencies[22]", "listed once"]),
    ("self_dependency", _append_dep({"channel": "trade", "from": "KAZ", "to": "KAZ", "value": 0.1}),
     ["from = to = 'KAZ'", "cannot depend on itself"]),
    ("posture_shares_not_one", _set(["actors", "RUS", "postures", "mobilise"], [0.75, 0.15, 0.10, 0.0, 0.10]),
     ["actors.RUS.postures.mobilise", "sum to 1.1000", "must sum to 1"]),
    ("posture_share_negative", _set(["actors", "WST", "postures", "growth"], [0.3, -0.1, 0.0, 0.0, 0.8]),
     ["actors.WST.postures.growth[influence]", "-0.1", "allowed: a number in [0, 1]"]),
    ("unknown_initial_posture", _set(["actors", "CHN", "initial_posture"], "assertive"),
     ["actors.CHN.initial_posture", "'assertive'", "is not one of", "'cautious'"]),
    ("unknown_channel_in_dependency", _dep_value("trade", "KGZ", "CHN", "tourism", key="channel"),
     [".channel", "unknown channel 'tourism'", "channels are ['trade', 'energy', 'finance', 'security']"]),
    ("unknown_channel_in_substitutability", _set(["actors", "KAZ", "substitutability"], {"water": 0.2}),
     ["actors.KAZ.substitutability", "unknown channel 'water'", "channels are"]),
    ("channel_weights_not_one", _set(["channels", "trade", "weight"], 0.5),
     ["channels", "weights must sum to 1", "sum to 1.1500", "trade=0.5"]),
    ("too_few_actors", _drop_small_states(0),
     ["actors", "between 4 and 1024 actors", "got 3"]),
    ("no_small_state", lambda d: (_drop_small_states(1)(d), _set(["actors", "KAZ", "role"], "great_power")(d)),
     ["actors.KAZ.role", "great power KAZ has no role", "make it a small_state"]),
    ("unknown_role", _set(["actors", "KGZ", "role"], "buffer_state"),
     ["actors.KGZ.role", "'buffer_state'", "allowed: 'great_power', 'small_state'"]),
    ("role_not_great_power", _set(["roles", "west"], "KAZ"),
     ["actors.KAZ.role", "the west role needs a great_power", "'small_state'"]),
    ("same_actor_two_roles", lambda d: d["roles"].update(west="CHN"),
     ["roles", "three different actors"]),
    ("misspelt_actor_key", lambda d: d["actors"]["KAZ"].update(outptu=1.0),
     ["actors.KAZ", "unknown key 'outptu'", "did you mean 'output'", "allowed keys"]),
    ("misspelt_top_key", lambda d: d.update(far_est={"presence": 0.2}),
     ["unknown key 'far_est'", "did you mean 'far_east'"]),
    ("proximity_out_of_range", _set(["actors", "TJK", "proximity", "CHN"], 2.0),
     ["actors.TJK.proximity.CHN", "2", "allowed: a number in [0, 1]"]),
    ("volatility_too_high", _set(["actors", "KGZ", "volatility", "value"], 0.2),
     ["actors.KGZ.volatility", "0.2", "allowed: a number in [0, 0.05]"]),
    ("row_sum_just_above_one", lambda d: (_dep_value("security", "KGZ", "RUS", 0.95)(d),
                                          _dep_value("security", "KGZ", "CHN", 0.0500001)(d)),
     ["dependencies", "KGZ", "'security'", "sum to 1.000", "at most 1"]),
    ("scalar_out_of_range", _set(["alliance", "strength", "value"], 1.3),
     ["alliance.strength", "1.3", "allowed: a number in [0, 1]"]),
    ("actor_not_a_mapping", _set(["actors", "TKM"], ["gas", "neutral"]),
     ["actors.TKM", "expected a mapping of actor settings", "['gas', 'neutral']"]),
    ("dependencies_not_a_list", _set(["dependencies"], {"trade": 0.2}),
     ["dependencies", "expected a list of {channel, from, to, value} entries", "{'trade': 0.2}"]),
]


@pytest.mark.parametrize("mutate, expected", [pytest.param(m, e, id=i) for i, m, e in WORLD_CASES])
def test_bad_world_file_is_refused_with_one_clear_message(tmp_path, mutate, expected):
    d = copy.deepcopy(BASE_WORLD)
    mutate(d)
    path = tmp_path / "bad_world.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    with pytest.raises(WorldError) as info:
        world_from_dict(yaml.safe_load(path.read_text()), source=path.name)
    msg = str(info.value)
    assert msg.startswith("bad_world.yaml"), msg  # names the file
    assert "\n" not in msg, msg  # one message, one line
    for part in expected:
        assert part in msg, f"{part!r} not in {msg!r}"


def test_the_calibrated_world_passes_every_check():
    world = world_from_dict(copy.deepcopy(BASE_WORLD), source=WORLD_FILE.name)
    assert world.n == 8 and world.small.sum() == 5


def test_duplicate_yaml_key_in_a_world_file_is_refused(tmp_path):
    # plain yaml.safe_load keeps the last of two 'KAZ' blocks silently; the file loader refuses
    text = WORLD_FILE.read_text()
    block = text[text.index("  KAZ:\n"):text.index("  UZB:\n")]
    path = tmp_path / "twice.yaml"
    path.write_text(text.replace(block, block + block))
    with pytest.raises(WorldError) as info:
        world_from_file(path)
    msg = str(info.value)
    assert str(path) in msg and "duplicate key 'KAZ'" in msg and "once" in msg, msg


def test_unreadable_world_file_names_the_file(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(WorldError, match="missing.yaml: cannot read the world file"):
        world_from_file(path)


@pytest.mark.parametrize("n, seed, expected", [
    (3, 0, "actors.n: a synthetic world needs a whole number of actors in [4, 1024], got 3"),
    (4.5, 0, "got 4.5"),
    (8, -1, "actors.seed: expected a non-negative whole number, got -1"),
])
def test_synthetic_world_size_and_seed(n, seed, expected):
    with pytest.raises(WorldError) as info:
        synthetic_world(n, seed)
    assert expected in str(info.value)


# --- configurations: parameters, horizon, replicates, seed, engine ---------------------------


@pytest.fixture(scope="module")
def base_config() -> dict:
    return compose_dict("baseline")


def _broken(base: dict, **changes) -> dict:
    d = copy.deepcopy(base)
    for dotted, value in changes.items():
        node = d
        keys = dotted.split("__")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return d


CONFIG_CASES = [
    ("param_above_range", {"params__war__hazard_base": 0.5},
     ["params.war.hazard_base=0.5", "outside its range [0, 0.2]"]),
    ("param_below_range", {"params__alignment__inertia": 0.1},
     ["params.alignment.inertia=0.1", "[0.5, 0.99]"]),
    ("param_nan", {"params__dependency__alpha": float("nan")},
     ["params.dependency.alpha=nan", "[0, 0.9]"]),
    ("param_wrong_type", {"params__war__attrition": "high"},
     ["params.war.attrition", "expected a number", "'high'"]),
    ("param_int_not_whole", {"params__war__ceasefire_quarter": 2.5},
     ["params.war.ceasefire_quarter", "whole number", "2.5"]),
    ("param_int_out_of_range", {"params__war__ceasefire_quarter": -5},
     ["params.war.ceasefire_quarter=-5", "[-1, 200]"]),
    ("param_bool_wrong", {"params__far_east__passportization": 2},
     ["params.far_east.passportization", "boolean (true/false)", "2"]),
    ("param_unknown", {"params__war__hazard_bse": 0.1},
     ["unknown parameter 'params.war.hazard_bse'", "did you mean params.war.hazard_base"]),
    ("param_group_unknown", {"params__warfare__hazard_base": 0.1},
     ["unknown parameter group 'params.warfare'", "groups:"]),
    ("horizon_zero", {"horizon": 0}, ["horizon=0", "[1, 400]"]),
    ("horizon_too_long", {"horizon": 401}, ["horizon=401", "[1, 400]"]),
    ("horizon_wrong_type", {"horizon": "ten"}, ["horizon", "whole number", "'ten'"]),
    ("replicates_zero", {"replicates": 0}, ["replicates=0", "[1, 10000000]"]),
    ("replicates_too_many", {"replicates": 10**9}, ["replicates=1000000000", "[1, 10000000]"]),
    ("replicates_float", {"replicates": 2.5}, ["replicates", "whole number", "2.5"]),
    ("seed_negative", {"seed": -3}, ["seed", "range [0, 2^63 - 1]", "-3"]),
    ("seed_float", {"seed": 1.5}, ["seed", "whole number >= 0", "1.5"]),
    ("seed_bool", {"seed": True}, ["seed", "whole number >= 0", "True"]),
    ("engine_unknown", {"engine": "gpu"}, ["engine='gpu'", "allowed: mesa, ensemble"]),
    ("top_key_unknown", {"replicats": 10}, ["unknown key 'replicats'", "did you mean replicates"]),
    ("world_in_config", {"actors__actors__KAZ__output": -1.0},
     ["actors.actors.KAZ.output", "-1", "allowed: a number > 0"]),
]


@pytest.mark.parametrize("changes, expected", [pytest.param(c, e, id=i) for i, c, e in CONFIG_CASES])
def test_bad_configuration_is_refused_with_one_clear_message(base_config, changes, expected):
    with pytest.raises(ConfigError) as info:
        config_from_dict(_broken(base_config, **changes))
    msg = str(info.value)
    assert "\n" not in msg, msg
    for part in expected:
        assert part in msg, f"{part!r} not in {msg!r}"


def test_the_composed_baseline_passes(base_config):
    cfg = config_from_dict(copy.deepcopy(base_config))
    assert cfg.horizon >= 1 and cfg.replicates >= 1 and cfg.world.n == 8


@pytest.mark.parametrize("override, expected", [
    ("params.war.hazard_base=0.5", ["params.war.hazard_base=0.5", "[0, 0.2]"]),
    ("horizon=0", ["horizon=0", "[1, 400]"]),
    ("params.war.hazard_bse=0.1", ["unknown", "params.war.hazard_bse", "params.war.hazard_base"]),
])
def test_bad_hydra_override_is_refused(override, expected):
    with pytest.raises(ConfigError) as info:
        load_config("baseline", [override])
    msg = str(info.value)
    for part in expected:
        assert part in msg, f"{part!r} not in {msg!r}"
