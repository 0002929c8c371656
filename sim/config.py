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
    return f"; did you mean {', '.join(near)}?" if near else ""


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
            _check_value(spec, value)


def _check_value(spec, value) -> None:
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
            return synthetic_world(n, int(actors.get("seed", 0)))
        return world_from_dict(actors, source="actors")
    except WorldError as err:
        raise ConfigError(str(err)) from None


def config_from_dict(d: dict) -> Config:
    """Convert a composed configuration (plain dict) into a checked :class:`Config`."""
    allowed = {"scenario_name", "description", "actors", "params", "replicates", "seed", "horizon", "engine",
               "keep_paths", "hydra", "launcher_threads", "progress"}
    for key in d:
        if key not in allowed:
            raise ConfigError(f"unknown key '{key}'{_nearest(key, allowed)}")
    params = d.get("params") or {}
    validate_params(params)
    engine = d.get("engine", "mesa")
    if engine not in ENGINES:
        raise ConfigError(f"engine={engine!r} is not an engine; allowed: {', '.join(ENGINES)}")
    seed = d.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed: expected a non-negative whole number, got {seed!r}")
    actors = d.get("actors") or {}
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


def compose_dict(scenario: str = "baseline", overrides: Iterable[str] = ()) -> dict:
    """Compose ``configs/config.yaml`` with Hydra's compose API into a plain dict."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    if scenario not in available("scenario"):
        raise ConfigError(f"unknown scenario {scenario!r}; available: {', '.join(available('scenario'))}")
    overrides = [f"scenario={scenario}", *overrides]
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides)
    except Exception as err:  # Hydra's own errors: turn into one clear line
        raise ConfigError(hydra_message(err)) from None
    return OmegaConf.to_container(cfg, resolve=True)


def hydra_message(err: Exception) -> str:
    """A one-line explanation of a Hydra/OmegaConf composition error."""
    msg = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    import re

    m = re.search(r"Could not override '([^']+)'", str(err)) or re.search(r"Key '([^']+)' is not in struct", str(err))
    if m:
        key = m.group(1)
        names = [s.name for s in SPECS] + ["replicates", "seed", "horizon", "engine", "scenario", "actors"]
        return f"unknown key '{key}'{_nearest(key, names)}"
    m = re.search(r"Could not find '([^']+)/([^']+)'", str(err))
    if m:
        group, option = m.group(1), m.group(2)
        return f"unknown {group} {option!r}; available: {', '.join(available(group))}"
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
