"""Calibration check: does the model's start reproduce the figures it was calibrated from?

1. **Initial state.** The trade shares of ../shared/calibration.md (national statistics, customs)
   against the dependency tensor D of the initial state (``sim.state.initial_state``), share by
   share: the figure, the model's value, the difference.

2. **The 2021 -> 2023 jump.** The world file also holds each Russian link's pre-war value
   (``baseline``, 2021-ish).  Starting from those links with the war and sanctions switched on at
   2022Q1, does the model move China's share of Russian trade from ~18% (2021) to ~32%
   (Jan-Oct 2023, Gaidar Institute) and the West's from ~40% to the EU's 17.6% (2022, Russian
   customs)?  Honest limits, printed with the result: only the links are set to 2021; outputs,
   military stocks, alignments and the front stay at their 2024Q2 values; and
   ``sanction_rate`` / ``diversion_to_china`` were themselves calibrated on this jump, so this is an
   in-sample consistency check, not out-of-sample validation.  Russia's trade row moves only by
   sanctions, diversion and relaxation (no random draw touches it), so one run suffices.

Run::

    python experiments/calibration_check.py

Writes results/calibration_initial.csv and results/calibration_jump.csv.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

import sim
from sim.kernels import layout as lay  # read D out of the state vector (no public accessor yet)
from sensitivity import RESULTS, write_csv

#: (channel, from, to, figure, period, source) as given in ../shared/calibration.md; "derived"
#: figures are computed there from customs totals.
FIGURES = [
    ("trade", "KAZ", "CHN", 0.213, "Jan-Sep 2023", "Kazakh national statistics bureau"),
    ("trade", "KAZ", "RUS", 0.186, "Jan-Sep 2023", "Kazakh national statistics bureau"),
    ("trade", "KAZ", "WST", 0.35, "~2022 (weak)", "presidential statement (EU)"),
    ("trade", "UZB", "CHN", 0.219, "2023", "Uzbek statistics agency"),
    ("trade", "UZB", "RUS", 0.158, "2023", "Uzbek statistics agency"),
    ("trade", "UZB", "KAZ", 0.07, "2023", "Uzbek statistics agency"),
    ("trade", "KGZ", "CHN", 0.339, "2023", "Kyrgyz statistics committee"),
    ("trade", "KGZ", "RUS", 0.20, "2024-25", "Russian Economy Ministry"),
    ("trade", "TJK", "RUS", 0.226, "Jan-Nov 2023", "Tajik statistics agency"),
    ("trade", "TJK", "CHN", 0.196, "Jan-Nov 2023", "Tajik statistics agency"),
    ("trade", "TKM", "CHN", 0.50, "2023 (derived)", "Chinese customs: US$9.6bn exports, ~half of trade"),
    ("trade", "RUS", "CHN", 0.32, "Jan-Oct 2023", "Gaidar Institute"),
    ("trade", "CHN", "RUS", 240.1 / 5900, "2023 (derived)", "Chinese customs: US$240.1bn of ~US$5.9tn"),
    ("trade", "CHN", "KAZ", 41.0 / 5900, "2023 (derived)", "Chinese customs: US$41bn"),
    ("trade", "CHN", "KGZ", 19.8 / 5900, "2023 (derived)", "Chinese customs: US$19.8bn"),
    ("trade", "CHN", "UZB", 14.0 / 5900, "2023 (derived)", "Chinese customs: US$14bn"),
    ("trade", "CHN", "TKM", 10.6 / 5900, "2023 (derived)", "Chinese customs: US$10.6bn"),
]

#: The jump: (partner, figure, model quarters averaged, period, source).  Quarter 0 = 2022Q1.
JUMP = [
    ("CHN", 0.18, (0, 0), "2021", "Chinese customs US$147bn (derived in the world file)"),
    ("WST", 0.40, (0, 0), "2021", "Russian customs: EU ~38% (the model's West includes the US)"),
    ("WST", 0.176, (1, 4), "2022", "Russian customs: EU 17.6%"),
    ("CHN", 0.32, (5, 8), "Jan-Oct 2023", "Gaidar Institute: 32%"),
]


def dependency_at_start(config: sim.Config) -> np.ndarray:
    """D (k, n, n) of the initial state of ``config``."""
    from sim.state import initial_state

    world = config.world
    x = initial_state(world, config.params)
    return lay.state_views(x, world.n, world.k)[4].copy()


def initial_table(config: sim.Config) -> pd.DataFrame:
    world = config.world
    D = dependency_at_start(config)
    rows = []
    for ch, a, b, fig, period, source in FIGURES:
        v = D[world.channels.index(ch), world.codes.index(a), world.codes.index(b)]
        rows.append({"channel": ch, "from": a, "to": b, "figure": fig, "model_t0": v, "difference": v - fig,
                     "period": period, "source": source})
    return pd.DataFrame(rows)


def jump_paths(config: sim.Config, quarters: int = 8, seed: int = 2021) -> np.ndarray:
    """Russia's trade row (quarters + 1, n) from a start with the links at their pre-war baseline."""
    world = dataclasses.replace(config.world, D=config.world.D0.copy())
    cfg = dataclasses.replace(config, world=world, horizon=quarters)
    model = sim.GreatGameModel(cfg, rng=seed)
    r = world.gp[0]
    trade = world.channels.index("trade")
    rows = [lay.state_views(model.x, world.n, world.k)[4][trade, r].copy()]
    for _ in range(quarters):
        model.step()
        rows.append(lay.state_views(model.x, world.n, world.k)[4][trade, r].copy())
    return np.array(rows)


def jump_table(config: sim.Config) -> tuple[pd.DataFrame, np.ndarray]:
    world = config.world
    path = jump_paths(config)
    rows = []
    for partner, fig, (q0, q1), period, source in JUMP:
        v = path[q0:q1 + 1, world.codes.index(partner)].mean()
        rows.append({"partner": partner, "period": period, "model_quarters": f"{q0}-{q1}", "figure": fig,
                     "model": v, "difference": v - fig, "source": source})
    return pd.DataFrame(rows), path


def main() -> int:
    config = sim.load_config("baseline")
    init = initial_table(config)
    jump, path = jump_table(config)
    write_csv(init, RESULTS / "calibration_initial.csv")
    write_csv(jump, RESULTS / "calibration_jump.csv")
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print("1. Initial state (2024Q2) against the calibration figures")
        print(init.round(4).to_string(index=False))
        print(f"   largest absolute difference: {init['difference'].abs().max():.4f}")
        print("\n2. From the 2021 links with the 2022 sanctions (quarter 0 = 2022Q1)")
        print(jump.round(4).to_string(index=False))
        codes = config.world.codes
        print("   Russia's trade shares by quarter:  CHN " +
              " ".join(f"{v:.3f}" for v in path[:, codes.index("CHN")]) + "\n"
              "                                     WST " +
              " ".join(f"{v:.3f}" for v in path[:, codes.index("WST")]))
    print("\n   Limits: only the links start at 2021 values (outputs, stocks, alignments and the front stay at "
          "2024Q2);\n   sanction_rate and diversion_to_china were calibrated on this jump: an in-sample check.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
