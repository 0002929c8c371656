"""Mesa agents, one class per *behaviour*: great powers choose postures, small states hedge.

Agents are thin: each holds its actor index into the model's arrays and calls the decision
kernels.  To try another decision rule, subclass and override :meth:`GreatPower.decide` or
:meth:`SmallState.target_alignment`, then pass the classes to ``GreatGameModel``.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.kernels import layout as lay
from sim.kernels.alignment import alignment_target
from sim.kernels.step import choose_posture


class GreatPower(mesa.Agent):
    """Russia, China or the West: chooses a budget posture each quarter."""

    def __init__(self, model, index: int, role: int):
        super().__init__(model)
        self.index = index  # actor index in the world
        self.role = role  # 0 Russia, 1 China, 2 the West (row of the alignment matrix)
        self.code = model.world.codes[index]

    @property
    def posture_names(self) -> tuple[str, ...]:
        return self.model.world.posture_names[self.role]

    def decide(self) -> int:
        """Index of this quarter's posture: logit choice over a one-step look-ahead (kernel)."""
        m = self.model
        u = m.uniforms[m.quarter, lay.U_CHOICE + self.role]
        return choose_posture(m.x, m.w, m.theta, self.role, u, m.targets, m.work[1], m.work[2], m.work)

    def choose_posture(self) -> None:
        self.model.chosen[self.role] = int(self.decide())


class SmallState(mesa.Agent):
    """A Central Asian state hedging between the three great powers."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index
        self.code = model.world.codes[index]

    @property
    def alignment(self) -> np.ndarray:
        """Current alignment over (Russia, China, the West), on the simplex."""
        return self.model.alignment[self.index].copy()

    def target_alignment(self) -> np.ndarray:
        """Where this state would like to stand this quarter (kernel: benefit, leverage,
        institutions, threat, hedging)."""
        m = self.model
        w = m.world
        out = np.zeros(3)
        s, Y, M, A, D, D0 = lay.state_views(m.x, w.n, w.k)
        alignment_target(self.index, D, m.work[2], m.shares, s, m.actor, w.prox, w.inst, w.weights,
                         tuple(w.gp), m.theta, out)
        return out

    def choose_alignment(self) -> None:
        self.model.targets[self.index] = self.target_alignment()
