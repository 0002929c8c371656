"""Hydra at the edge: compose ``configs/`` once and convert it to typed, checked Python objects.

The Mesa model, the ensemble engine, notebooks and the app only ever see :class:`Config`
(plain dataclasses and arrays), never an OmegaConf object.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from sim.params import SPECS, Params, params_from_dict
from sim.world import World, WorldError, synthetic_world, world_from_dict

ENGINES = ("mesa", "ensemble")
MAX_REPLICATES = 10_000_000
MAX_HORIZON = 400


class ConfigError(ValueError):
    """A configuration a user gave that cannot run; the message says what is allowed."""


def config_dir() -> Path:
    """The ``configs/`` directory (``GREATGAME_CONFIGS`` overrides it)."""
    env = os.environ.get("GREATGAME_CONFIGS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "configs"


def available(group: str) -> list[str]:
    """Names of the options of a config group (e.g. ``available("scenario")``)."""
    return sorted(p.stem for p in (config_dir() / group).glob("*.yaml"))


@dataclass(frozen=True)
class Config:
    """Everything one job needs, typed."""

    scenario: str
    world: World
    params: Params
    replicates: int = 200
    seed: int = 0
    horizon: int = 40
    engine: str = "mesa"
    actors: str = "central_asia"

    def with_params(self, params: Params) -> "Config":
        return replace(self, params=params)


def _nearest(word: str, choices: Iterable[str]) -> str:
    near = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(near)}?)" if near else ""


def validate_params(values: dict[str, Any]) -> None:
    """Check a nested ``{group: {key: value}}`` mapping against :func:`sim.parameter_space`."""
    known = {s.name: s for s in SPECS}
    groups = {s.group for s in SPECS}
    for group, sub in (values or {}).items():
        if group not in groups:
            raise ConfigError(f"unknown parameter group 'params.{group}'{_nearest(group, groups)} "
                              f"(groups: {', '.join(sorted(groups))})")
        if not isinstance(sub, dict):
            raise ConfigError(f"params.{group}: expected a mapping of parameters, got {sub!r}")
        for key, value in sub.items():
            name = f"params.{group}.{key}"
            spec = known.get(name)
            if spec is None:
                raise ConfigError(f"unknown parameter '{name}'{_nearest(name, known)}")
            check_value(spec, value)


def check_value(spec, value) -> None:
    """Raise ConfigError unless ``value`` has the type and lies in the range of parameter ``spec``."""
    if spec.kind == "bool":
        if not isinstance(value, bool) and value not in (0, 1):
            raise ConfigError(f"{spec.name}: expected a boolean (true/false), got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{spec.name}: expected a {'whole number' if spec.kind == 'int' else 'number'}, "
                          f"got {value!r}")
    if spec.kind == "int" and float(value) != int(value):
        raise ConfigError(f"{spec.name}: expected a whole number, got {value!r}")
    if value != value or not spec.low <= float(value) <= spec.high:
        raise ConfigError(f"{spec.name}={value} is outside its range [{spec.low:g}, {spec.high:g}] ({spec.unit})")


def _positive_int(name: str, value: Any, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name}: expected a whole number, got {value!r}")
    if not 1 <= value <= high:
        raise ConfigError(f"{name}={value} is outside its range [1, {high}]")
    return value


def world_from_config(actors: dict) -> World:
    """The world of an ``actors`` config: a data file, or ``synthetic: true`` with ``n`` and ``seed``."""
    try:
        if actors.get("synthetic"):
            n = actors.get("n")
            if isinstance(n, bool) or not isinstance(n, int):
                raise ConfigError(f"actors.n: expected a whole number of actors, got {n!r}")
            return synthetic_world(n, actors.get("seed", 0))
        return world_from_dict(actors, source="actors")
    except WorldError as err:
        raise ConfigError(str(err)) from None


#: Top-level keys of a composed configuration.
TOP_LEVEL_KEYS = ("scenario_name", "description", "actors", "params", "replicates", "seed", "horizon", "engine",
                  "keep_paths", "hydra", "launcher_threads", "progress")
#: Keys a user sets on the command line (for "did you mean" suggestions).
USER_KEYS = ("scenario", "replicates", "seed", "horizon", "engine", "actors", "keep_paths", "experiment")


def check_setting(key: str, value: Any) -> None:
    """Check one user setting (``replicates``, ``seed``, ``horizon``, ``engine``, ``keep_paths`` or
    ``params.<group>.<key>``) without composing a whole config; raises :class:`ConfigError`."""
    if key.startswith("params."):
        parts = key.split(".")
        if len(parts) != 3:
            raise ConfigError(f"unknown parameter '{key}'{_nearest(key, [s.name for s in SPECS])}")
        validate_params({parts[1]: {parts[2]: value}})
    elif key == "replicates":
        _positive_int("replicates", value, MAX_REPLICATES)
    elif key == "horizon":
        _positive_int("horizon", value, MAX_HORIZON)
    elif key == "seed":
        _seed(value)
    elif key == "engine":
        _engine(value)
    elif key in ("keep_paths", "progress"):
        _bool(key, value)


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed: expected a whole number >= 0, got {seed!r}")
    if not 0 <= seed < 2**63:
        raise ConfigError(f"seed={seed} is outside its range [0, 2^63 - 1]")
    return seed


def _engine(engine: Any) -> str:
    if engine not in ENGINES:
        raise ConfigError(f"engine={engine!r} is not an engine; allowed: {', '.join(ENGINES)}")
    return engine


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name}: expected a boolean (true/false), got {value!r}")
    return value


def config_from_dict(d: dict) -> Config:
    """Convert a composed configuration (plain dict) into a checked :class:`Config`."""
    for key in d:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(f"unknown key '{key}'{_nearest(key, USER_KEYS)} "
                              f"(top-level keys: {', '.join(USER_KEYS)})")
    params = d.get("params") or {}
    validate_params(params)
    engine = _engine(d.get("engine", "mesa"))
    seed = _seed(d.get("seed", 0))
    for flag in ("keep_paths", "progress"):
        if flag in d:
            _bool(flag, d[flag])
    actors = d.get("actors") or {}
    if not isinstance(actors, dict):
        raise ConfigError(f"actors: expected one of {', '.join(available('actors'))}, got {actors!r}")
    return Config(
        scenario=str(d.get("scenario_name", "custom")),
        world=world_from_config(actors),
        params=params_from_dict(params),
        replicates=_positive_int("replicates", d.get("replicates", 200), MAX_REPLICATES),
        seed=seed,
        horizon=_positive_int("horizon", d.get("horizon", 40), MAX_HORIZON),
        engine=engine,
        actors=str(actors.get("name", "custom")),
    )


def compose_dict(scenario: str | None = "baseline", overrides: Iterable[str] = ()) -> dict:
    """Compose ``configs/config.yaml`` with Hydra's compose API into a plain dict.

    ``scenario=None`` keeps the scenario the defaults (or an ``+experiment``) choose.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    if scenario is not None:
        check_option("scenario", scenario)
        overrides = [f"scenario={scenario}", *overrides]
    overrides = list(overrides)
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides)
    except Exception as err:  # Hydra's own errors: turn into one clear line
        raise ConfigError(hydra_message(err)) from None
    return OmegaConf.to_container(cfg, resolve=True)


def check_option(group: str, option: str) -> None:
    """Raise :class:`ConfigError` unless ``option`` is an option of config group ``group``."""
    options = available(group)
    if option not in options:
        raise ConfigError(f"unknown {group} {option!r}{_nearest(str(option), options)}; "
                          f"available: {', '.join(options)}")


def hydra_message(err: Exception) -> str:
    """A one-line explanation of a Hydra/OmegaConf composition error."""
    msg = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    import re

    m = re.search(r"Could not override '([^']+)'", str(err)) or re.search(r"Key '([^']+)' is not in struct", str(err))
    if m:
        key = m.group(1)
        names = [s.name for s in SPECS] + list(USER_KEYS)
        hint = _nearest(key, names) or f"; valid keys: {', '.join(USER_KEYS)} and params.<group>.<key>"
        return f"unknown key '{key}'{hint}"
    m = re.search(r"Could not find '([^']+)/([^']+)'", str(err))
    if m:
        group, option = m.group(1), m.group(2)
        options = available(group)
        return f"unknown {group} {option!r}{_nearest(option, options)}; available: {', '.join(options)}"
    m = re.search(r'found duplicate key (\S+)\s+in "([^"]+)", line (\d+)', str(err))
    if m:
        return f"{m.group(2)}, line {m.group(3)}: duplicate key '{m.group(1)}'; every key may appear once in a mapping"
    return msg


@lru_cache(maxsize=32)
def _load_cached(scenario: str, overrides: tuple[str, ...]) -> Config:
    return config_from_dict(compose_dict(scenario, overrides))


def load_config(scenario: str = "baseline", overrides: Iterable[str] = ()) -> Config:
    """A typed :class:`Config` composed from ``configs/`` (Hydra's compose API).

    ``overrides`` are Hydra ``key=value`` strings, e.g. ``["params.war.hazard_base=0.05", "horizon=20"]``.
    """
    return _load_cached(scenario, tuple(overrides))


def default_world() -> World:
    """The calibrated default world (``configs/actors/central_asia.yaml``)."""
    return load_config().world
