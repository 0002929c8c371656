"""The front door: ``simulate(config, replicates, seed, engine)`` returns the job's tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.config import ENGINES, Config, ConfigError, load_config
from sim.kernels.observe import n_observables
from sim.outcomes import observable_names, outcome_table, quantile_frame, summarize
from sim.params import to_vector
from sim.state import initial_state, no_war


@dataclass
class Results:
    """The tables of one job (the same as the files ``greatgame`` writes)."""

    outcomes: pd.DataFrame
    trajectories: pd.DataFrame
    summary: dict
    paths: pd.DataFrame | None = field(default=None, repr=False)


def replicate_seeds(seed: int, replicates: int) -> np.ndarray:
    """One seed per replicate from the root seed: ``SeedSequence(seed).spawn(replicates)``.

    Replicate i gets the same seed whatever the number of replicates, so a larger run
    extends a smaller one.
    """
    children = np.random.SeedSequence(int(seed)).spawn(int(replicates))
    return np.array([c.generate_state(1, dtype=np.uint64)[0] for c in children], dtype=np.uint64)


def _mesa_paths(config: Config, seeds, war: bool, progress: bool) -> np.ndarray:
    from sim.model import GreatGameModel

    out = []
    iterator = seeds
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(seeds, desc="mesa " + ("war" if war else "no war"), unit="run")
    for s in iterator:
        out.append(GreatGameModel(config, rng=int(s), war=war).run())
    return np.array(out)


def _ensemble_paths(config: Config, seeds, war: bool, progress: bool) -> np.ndarray:
    from sim.ensemble import draws, run_paths

    world = config.world
    params = config.params if war else no_war(config.params)
    w = world.to_vector()
    x0 = initial_state(world, params, w)
    U, Z = draws(seeds, config.horizon, world.n)
    return run_paths(x0, w, to_vector(params), U, Z, config.horizon, n_observables(w))


def simulate(config: Config | None = None, replicates: int | None = None, seed: int | None = None,
             engine: str | None = None, keep_paths: bool = False, progress: bool = False) -> Results:
    """Run ``replicates`` replicates of ``config`` (and, when it has a war, their paired no-war
    counterfactuals with the same seeds) and reduce them to tables.

    Returns :class:`Results` with ``outcomes`` (one row per replicate), ``trajectories``
    (mean and 5/25/50/75/95% quantiles per quarter, variable and run) and ``summary``;
    ``paths`` (every replicate's observations) when ``keep_paths``.
    """
    config = config if config is not None else load_config()
    replicates = int(config.replicates if replicates is None else replicates)
    seed = int(config.seed if seed is None else seed)
    engine = config.engine if engine is None else engine
    if engine not in ENGINES:
        raise ConfigError(f"engine={engine!r} is not an engine; allowed: {', '.join(ENGINES)}")
    if replicates < 1:
        raise ConfigError(f"replicates={replicates} is outside its range [1, 10000000]")
    seeds = replicate_seeds(seed, replicates)
    run = _mesa_paths if engine == "mesa" else _ensemble_paths
    has_war = bool(config.params.war.enabled)
    paths_war = run(config, seeds, True, progress)
    paths_nowar = run(config, seeds, False, progress) if has_war else None
    names = observable_names(config.world)
    outcomes = outcome_table(config.world, seeds, paths_war[:, -1], None if paths_nowar is None else paths_nowar[:, -1])
    frames = [quantile_frame(paths_war, names, "war" if has_war else "no_war")]
    if paths_nowar is not None:
        frames.append(quantile_frame(paths_nowar, names, "no_war"))
    trajectories = pd.concat(frames, ignore_index=True)
    summary = summarize(outcomes, config.world, config.scenario, seed, has_war)
    summary["engine"] = engine
    summary["horizon"] = config.horizon
    paths = None
    if keep_paths:
        paths = _long_paths(paths_war, names, "war" if has_war else "no_war")
        if paths_nowar is not None:
            paths = pd.concat([paths, _long_paths(paths_nowar, names, "no_war")], ignore_index=True)
    return Results(outcomes, trajectories, summary, paths)


def _long_paths(paths: np.ndarray, names, run: str) -> pd.DataFrame:
    R, T1, V = paths.shape
    frame = pd.DataFrame(paths.reshape(R * T1, V), columns=names)
    frame.insert(0, "quarter", np.tile(np.arange(T1), R))
    frame.insert(0, "replicate", np.repeat(np.arange(R), T1))
    frame.insert(0, "run", run)
    return frame
