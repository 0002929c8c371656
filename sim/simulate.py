"""The front door: ``simulate(config, replicates, seed, engine)`` returns the job's tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.config import ENGINES, Config, ConfigError, load_config
from sim.kernels.observe import n_observables
from sim.outcomes import TrajectoryStats, observable_names, outcome_table, summarize
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


BLOCK = 256  # replicates per block: one compiled call, one progress tick, bounded memory
QUANTILE_BUDGET_BYTES = 256 * 2**20  # paths kept for exact quantiles; beyond: histograms


def _runs(config: Config) -> tuple[list, list[str]]:
    """The runs of a job: the scenario and, when it has a war, its paired no-war counterfactual."""
    has_war = bool(config.params.war.enabled)
    if has_war:
        return [config.params, no_war(config.params)], ["war", "no_war"]
    return [config.params], ["no_war"]


def _mesa_block(config: Config, seeds, run_params, n_obs: int) -> np.ndarray:
    """Paths (G, B, T+1, n_obs) of a block through the Mesa model, one model per run and seed."""
    from sim.model import GreatGameModel

    out = np.empty((len(run_params), len(seeds), config.horizon + 1, n_obs))
    for g in range(len(run_params)):
        for r, s in enumerate(seeds):
            # war=True runs the config as it is (which may have no war); False its no-war twin
            out[g, r] = GreatGameModel(config, rng=int(s), war=(g == 0)).run()
    return out


def _ensemble_block_runner(config: Config, run_params):
    """A function seeds -> paths (G, B, T+1, n_obs) through the compiled engine."""
    from sim.ensemble import run_block

    world = config.world
    w = world.to_vector()
    x0 = np.stack([initial_state(world, p, w) for p in run_params])
    theta = np.stack([to_vector(p) for p in run_params])
    n_obs = n_observables(w)
    return lambda seeds: run_block(x0, w, theta, seeds, config.horizon, n_obs)


def simulate(config: Config | None = None, replicates: int | None = None, seed: int | None = None,
             engine: str | None = None, keep_paths: bool = False, progress: bool = False) -> Results:
    """Run ``replicates`` replicates of ``config`` (and, when it has a war, their paired no-war
    counterfactuals with the same seeds) and reduce them to tables.

    Replicates run in blocks of :data:`BLOCK`; each block is reduced at once to its outcome
    rows and to trajectory statistics, so memory does not grow with replicates beyond the
    outcome table unless ``keep_paths``.  Trajectory quantiles are exact while all paths fit
    :data:`QUANTILE_BUDGET_BYTES`, else streamed through fixed-bin histograms
    (:class:`sim.outcomes.TrajectoryStats`; ``summary["trajectory_quantiles"]`` says which).

    Parameters
    ----------
    config : Config, default ``load_config()``
    replicates, seed : int, default the config's
    engine : {"ensemble", "mesa"}, default the config's ``engine``; both give the same tables
    keep_paths : bool, also return every replicate's observations (long form)
    progress : bool, a tqdm progress bar over blocks

    Returns
    -------
    Results with ``outcomes`` (one row per replicate), ``trajectories`` (mean and
    5/25/50/75/95% quantiles per run, quarter and variable), ``summary`` and ``paths``.
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
    run_params, run_names = _runs(config)
    has_war = len(run_params) == 2
    names = observable_names(config.world)
    n_obs = len(names)
    if engine == "ensemble":
        block_paths = _ensemble_block_runner(config, run_params)
    else:
        block_paths = lambda block: _mesa_block(config, block, run_params, n_obs)  # noqa: E731
    budget = np.inf if keep_paths else QUANTILE_BUDGET_BYTES
    stats = [TrajectoryStats(budget) for _ in run_params]
    finals = np.empty((len(run_params), replicates, n_obs))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=replicates, desc=f"{engine} {config.scenario}", unit="replicate")
    for start in range(0, replicates, BLOCK):
        block = seeds[start:start + BLOCK]
        paths = block_paths(block)  # (G, B, T+1, n_obs)
        finals[:, start:start + len(block)] = paths[:, :, -1]
        for g, st in enumerate(stats):
            st.add(paths[g])
        del paths
        if bar is not None:
            bar.update(len(block))
    if bar is not None:
        bar.close()
    outcomes = outcome_table(config.world, seeds, finals[0], finals[1] if has_war else None)
    trajectories = pd.concat([st.frame(names, run) for st, run in zip(stats, run_names)], ignore_index=True)
    summary = summarize(outcomes, config.world, config.scenario, seed, has_war)
    summary["engine"] = engine
    summary["horizon"] = config.horizon
    summary["trajectory_quantiles"] = ("exact" if all(st.exact for st in stats)
                                       else f"histogram ({stats[0].bins} bins per quarter and variable)")
    paths = None
    if keep_paths:
        paths = pd.concat([_long_paths(np.concatenate(st.kept, axis=0), names, run)
                           for st, run in zip(stats, run_names)], ignore_index=True)
    return Results(outcomes, trajectories, summary, paths)


def _long_paths(paths: np.ndarray, names, run: str) -> pd.DataFrame:
    R, T1, V = paths.shape
    frame = pd.DataFrame(paths.reshape(R * T1, V), columns=names)
    frame.insert(0, "quarter", np.tile(np.arange(T1), R))
    frame.insert(0, "replicate", np.repeat(np.arange(R), T1))
    frame.insert(0, "run", run)
    return frame
