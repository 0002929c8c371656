"""The Mesa model: state arrays, agents deciding, the step kernel advancing, a DataCollector."""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from sim.agents import GreatPower, SmallState
from sim.config import Config, load_config
from sim.kernels import layout as lay
from sim.kernels.observe import n_observables, observe
from sim.kernels.power import power_shares
from sim.kernels.step import advance, make_work, propagation, record_postures
from sim.outcomes import observable_names
from sim.params import to_vector
from sim.state import initial_state, no_war


class GreatGameModel(mesa.Model):
    """Great-power competition over Russia's Far East and Central Asia, one replicate.

    Parameters
    ----------
    config : sim.config.Config, optional
        The world and parameters (default: the calibrated world, baseline scenario).
    rng : int or numpy seed-like, optional
        The replicate's seed.  All randomness is drawn from ``self.rng`` at start-up.
    scenario : str, optional
        Shortcut for ``load_config(scenario)`` when no config is given (handy for ``batch_run``).
    horizon : int, optional
        Quarters to run before ``running`` turns False (default: the config's horizon).
    war : bool
        False runs the paired no-war counterfactual of the same config.
    """

    def __init__(self, config: Config | None = None, rng=None, *, scenario: str | None = None,
                 horizon: int | None = None, war: bool = True,
                 great_power_class=GreatPower, small_state_class=SmallState):
        super().__init__(rng=rng)
        self.config = config if config is not None else load_config(scenario or "baseline")
        self.world = world = self.config.world
        self.params = self.config.params if war else no_war(self.config.params)
        self.horizon = int(horizon if horizon is not None else self.config.horizon)
        self.w = world.to_vector()
        self.theta = to_vector(self.params)
        self.x = initial_state(world, self.params, self.w)
        n, k = world.n, world.k
        # every random number this replicate will use, drawn once and in a fixed order
        self.uniforms = self.rng.random((self.horizon, lay.N_UNIFORM))
        self.normals = self.rng.standard_normal((self.horizon, lay.n_normal(n)))
        self.work = make_work(n, k, world.cand.shape[1])
        self.actor = self.w[lay.N_WHEADER:lay.N_WHEADER + lay.N_WACTOR * n].reshape(lay.N_WACTOR, n)
        self.targets = self.work[12]
        self.shares = self.work[10]
        self.chosen = np.zeros(3, dtype=np.int64)
        self.quarter = 0
        self.great_powers = [great_power_class(self, index=index, role=role)
                             for role, index in enumerate(world.gp)]
        self.small_states = [small_state_class(self, index=int(index)) for index in np.flatnonzero(world.small)]
        self.names = observable_names(world)
        self.obs = np.zeros(n_observables(self.w))
        self.observations = []
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(_observable, index=i) for i, name in enumerate(self.names)})
        self._observe()

    @property
    def alignment(self) -> np.ndarray:
        return lay.state_views(self.x, self.world.n, self.world.k)[3]

    def _observe(self) -> None:
        """Propagate dependence through chains for the current state, record the observables."""
        E, P, L, solve, hhi, obj = (self.work[i] for i in (0, 1, 2, 3, 15, 11))
        propagation(self.x, self.w, self.theta, E, P, L, solve)
        observe(self.x, self.w, self.theta, L, hhi, self.shares, obj, self.obs)
        self.observations.append(self.obs.copy())
        self.datacollector.collect(self)
        self.running = self.quarter < self.horizon

    def step(self) -> None:
        """One quarter: small states and great powers decide (simultaneously), the kernel advances."""
        s, Y, M = lay.state_views(self.x, self.world.n, self.world.k)[:3]
        power_shares(Y, M, self.world.gp, self.theta[lay.POW_MILITARY_WEIGHT], self.shares)
        for state in self.small_states:  # each writes only its own row: order cannot matter
            state.choose_alignment()
        for power in self.great_powers:  # all look ahead from the same state: simultaneous
            power.choose_posture()
        self._advance()
        self.quarter += 1
        self._observe()

    def _advance(self) -> None:
        record_postures(self.x, self.chosen)
        t = self.quarter
        advance(self.x, self.w, self.theta, self.chosen, self.targets, self.uniforms[t], self.normals[t], True,
                self.work)

    def run(self) -> np.ndarray:
        """Run to the horizon; returns the observations, shape (horizon + 1, n_observables)."""
        while self.running:
            self.step()
        return np.array(self.observations)


def _observable(model: GreatGameModel, index: int) -> float:
    """Model reporter: one observable (a partial of a module function pickles for batch_run)."""
    return float(model.obs[index])
