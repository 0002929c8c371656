"""Mesa's own ``mesa.batch_run`` runs GreatGameModel, seeded, stops at the horizon, and reports what
``sim.simulate`` computes for the same seeds.

The seeding trap: on Mesa 3.3 - 3.4 the seeds go as a list under ``rng`` in ``parameters``; on
Mesa >= 3.5 as ``batch_run``'s own ``rng=`` argument (there a list under ``parameters['rng']``
is silently replaced by None and every run is unseeded).  :func:`batch_run_seeded` picks the call.
"""

import mesa
import numpy as np
import pytest

import sim
from sim.model import GreatGameModel
from sim.outcomes import observable_names

HORIZON = 5
MESA = tuple(int(p) for p in mesa.__version__.split(".")[:2])


def batch_run_seeded(seeds, parameters, **kwargs):
    """One run per seed (and per combination of ``parameters``) on either Mesa line."""
    seeds = [int(s) for s in seeds]
    if MESA >= (3, 5):
        return mesa.batch_run(GreatGameModel, parameters=parameters, rng=seeds, **kwargs)
    return mesa.batch_run(GreatGameModel, parameters={**parameters, "rng": seeds}, **kwargs)


@pytest.fixture(scope="module")
def reference():
    """sim.simulate for the same seeds, every path kept."""
    cfg = sim.load_config("baseline", [f"horizon={HORIZON}"])
    seeds = sim.replicate_seeds(7, 3)
    res = sim.simulate(cfg, replicates=3, seed=7, engine="ensemble", keep_paths=True)
    return cfg, seeds, res


def _check_rows_match(rows, cfg, seeds, res, war_runs=("war",)):
    names = observable_names(cfg.world)
    paths = res.paths.set_index(["run", "replicate", "quarter"])
    seed_index = {int(s): i for i, s in enumerate(seeds)}
    assert rows, "batch_run returned no rows"
    for row in rows:
        run = "war" if row.get("war", True) else "no_war"
        assert run in war_runs or run == "no_war"
        # Mesa 3.3 reports the row of step model.steps - 1 (mesa issue #2514); newer Mesa the last
        # collected one: compare with the quarter it says it reports
        quarter = int(row["Step"])
        assert 0 <= quarter <= HORIZON
        seed = int(row["rng"])  # both lines report the seed each run was given
        expected = paths.loc[(run, seed_index[seed], quarter), names].to_numpy(dtype=float)
        got = np.array([row[name] for name in names], dtype=float)
        np.testing.assert_array_equal(got, expected)


def test_batch_run_is_seeded_stops_at_horizon_and_matches_simulate(reference):
    cfg, seeds, res = reference
    rows = batch_run_seeded(seeds, {"horizon": HORIZON}, number_processes=1, display_progress=False,
                            max_steps=10 * HORIZON)
    assert len(rows) == len(seeds)  # one end-of-run row per seed: the model stopped by itself
    _check_rows_match(rows, cfg, seeds, res)
    # really seeded: the rows differ between seeds and repeat exactly for a repeated seed
    again = batch_run_seeded([seeds[0], seeds[0]], {"horizon": HORIZON}, number_processes=1,
                             display_progress=False)
    assert again[0]["front"] == again[1]["front"] and again[0]["output_RUS"] == again[1]["output_RUS"]
    assert len({row["output_RUS"] for row in rows}) == len(seeds)


def test_batch_run_every_step_and_no_war_twin(reference):
    cfg, seeds, res = reference
    rows = batch_run_seeded(seeds[:2], {"horizon": HORIZON, "war": [True, False]}, number_processes=1,
                            data_collection_period=1, display_progress=False)
    steps = sorted({row["Step"] for row in rows})
    assert steps[0] == 0 and steps[-1] >= HORIZON - 1
    _check_rows_match(rows, cfg, seeds, res, war_runs=("war", "no_war"))


def test_model_stops_by_itself_at_the_horizon():
    model = GreatGameModel(rng=1, horizon=HORIZON)
    while model.running:
        model.step()
    assert model.quarter == HORIZON and model.running is False
    assert len(model.datacollector.get_model_vars_dataframe()) == HORIZON + 1


@pytest.mark.slow
def test_batch_run_in_parallel_processes_matches(reference):
    cfg, seeds, res = reference
    rows = batch_run_seeded(seeds, {"horizon": HORIZON}, number_processes=2, display_progress=False)
    _check_rows_match(rows, cfg, seeds, res)
