"""The compiled ensemble engine: same tables as the Mesa path, whatever the threads or blocks;
the look-ahead and elimination shortcuts are bit-identical; streamed quantiles within their bound."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas.testing as pdt
import pytest
from numba import njit

import sim
import importlib
from sim.kernels.dependency import leverage, propagate, propagate_rows
from sim.outcomes import QUANTILES, TrajectoryStats

simulate_module = importlib.import_module("sim.simulate")  # the module (sim.simulate is also the function)

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["horizon=8"]


@pytest.fixture(scope="module")
def cfg():
    return sim.load_config("baseline", SHORT)


def test_mesa_and_ensemble_give_the_same_tables_bit_for_bit(cfg):
    mesa_run = sim.simulate(cfg, replicates=3, seed=21, engine="mesa")
    ens_run = sim.simulate(cfg, replicates=3, seed=21, engine="ensemble")
    pdt.assert_frame_equal(mesa_run.outcomes, ens_run.outcomes, check_exact=True)
    pdt.assert_frame_equal(mesa_run.trajectories, ens_run.trajectories, check_exact=True)
    assert set(ens_run.trajectories["run"]) == {"war", "no_war"}


def test_a_scenario_without_war_runs_once_and_agrees(cfg):
    c = sim.load_config("no_war", SHORT)
    mesa_run = sim.simulate(c, replicates=2, seed=4, engine="mesa")
    ens_run = sim.simulate(c, replicates=2, seed=4, engine="ensemble")
    pdt.assert_frame_equal(mesa_run.outcomes, ens_run.outcomes, check_exact=True)
    assert set(ens_run.trajectories["run"]) == {"no_war"}
    assert ens_run.outcomes["war_effect_RUS"].isna().all()


def test_engine_none_means_the_configs_engine(cfg):
    a = sim.simulate(replace(cfg, engine="ensemble"), replicates=2, seed=3)
    assert a.summary["engine"] == "ensemble"
    with pytest.raises(sim.ConfigError, match="engine='gpu'"):
        sim.simulate(cfg, replicates=2, seed=3, engine="gpu")


def test_blocks_do_not_change_results(cfg, monkeypatch):
    whole = sim.simulate(cfg, replicates=7, seed=8, engine="ensemble", keep_paths=True)
    monkeypatch.setattr(simulate_module, "BLOCK", 3)
    blocked = sim.simulate(cfg, replicates=7, seed=8, engine="ensemble", keep_paths=True, progress=True)
    pdt.assert_frame_equal(whole.outcomes, blocked.outcomes, check_exact=True)
    pdt.assert_frame_equal(whole.paths, blocked.paths, check_exact=True)
    # quantiles are exact in both; the mean sums blocks in another order (rounding only)
    pdt.assert_frame_equal(whole.trajectories.drop(columns="mean"), blocked.trajectories.drop(columns="mean"),
                           check_exact=True)
    np.testing.assert_allclose(whole.trajectories["mean"], blocked.trajectories["mean"], rtol=1e-12, atol=1e-12)
    assert blocked.summary["trajectory_quantiles"] == "exact"


def test_keep_paths_match_the_outcome_table(cfg):
    r = sim.simulate(cfg, replicates=3, seed=2, engine="ensemble", keep_paths=True)
    last = r.paths[(r.paths["run"] == "war") & (r.paths["quarter"] == cfg.horizon)]
    np.testing.assert_array_equal(last["front"].to_numpy(), r.outcomes["front"].to_numpy())
    assert len(r.paths) == 2 * 3 * (cfg.horizon + 1)


THREADS_CODE = """
import json, sys, numba, sim
cfg = sim.load_config("baseline", ["horizon=6"])
r = sim.simulate(cfg, replicates=9, seed=17, engine="ensemble")
num = r.outcomes.select_dtypes("number").astype(float)
print(json.dumps({"threads": numba.get_num_threads(), "values": num.to_numpy().tolist(),
                  "q": r.trajectories[["q05", "q50", "q95"]].to_numpy().tolist()}))
"""


@pytest.mark.slow
def test_one_and_two_numba_threads_give_the_same_table():
    out = {}
    for threads in (1, 2):
        env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-c", THREADS_CODE], env=env, capture_output=True, text=True,
                              check=True, timeout=900)
        out[threads] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out[1]["threads"] == 1 and out[2]["threads"] == 2
    np.testing.assert_array_equal(np.array(out[1]["values"]), np.array(out[2]["values"]))
    np.testing.assert_array_equal(np.array(out[1]["q"]), np.array(out[2]["q"]))


@njit(cache=False)
def _textbook_gauss_jordan(E, alpha, work):
    """Reference: unblocked Gauss-Jordan over every column of [(I - aE)^T | E^T]."""
    n = E.shape[0]
    for i in range(n):
        for j in range(n):
            work[i, j] = -alpha * E[j, i]
            work[i, n + j] = E[j, i]
        work[i, i] += 1.0
    for c in range(n):
        piv = 1.0 / work[c, c]
        for j in range(2 * n):
            work[c, j] *= piv
        for r in range(n):
            if r != c:
                f = work[r, c]
                if f != 0.0:
                    for j in range(2 * n):
                        work[r, j] -= f * work[c, j]
    return work[:, n:].T.copy()


def _random_exposure(k, n, seed):
    rng = np.random.default_rng(seed)
    D = rng.dirichlet(np.ones(n + 1), size=(k, n))[:, :, :n] * rng.uniform(0.3, 1.0, (k, n, 1))
    D[D < 0.02] = 0.0  # some exact zeros, as in real dependency tables
    return D


@pytest.mark.parametrize("n", [3, 8, 17, 40, 70])
def test_blocked_and_partial_elimination_are_bit_identical_to_textbook(n):
    k, alpha = 2, 0.6
    E = _random_exposure(k, n, seed=n)
    P = propagate(E, alpha, np.zeros((k, n, n)), np.zeros((n, 2 * n)))
    for c in range(k):
        ref = _textbook_gauss_jordan(E[c], alpha, np.zeros((n, 2 * n)))
        np.testing.assert_array_equal(P[c], ref)
    np.testing.assert_allclose(P[0], E[0] @ np.linalg.inv(np.eye(n) - alpha * E[0]), rtol=1e-10, atol=1e-13)
    i0, i1 = n - 1, 0
    rows = propagate_rows(E, alpha, i0, i1, np.full((k, n, n), np.nan), np.zeros((n, 2 * n)))
    np.testing.assert_array_equal(rows[:, [i0, i1]], P[:, [i0, i1]])
    assert np.isnan(rows[:, 1:n - 1]).all()  # the other rows are not computed


def test_lookahead_leverage_entry_equals_the_full_leverage():
    from sim.kernels.dependency import leverage_entry

    E = _random_exposure(3, 9, seed=1)
    wk = np.array([0.5, 0.3, 0.2])
    P = propagate(E, 0.5, np.zeros_like(E), np.zeros((9, 18)))
    L = leverage(P, wk, np.zeros((9, 9)))
    assert leverage_entry(P, wk, 1, 0) == L[1, 0]


def test_streamed_quantiles_stay_within_one_bin_of_exact():
    rng = np.random.default_rng(0)
    R, T1, V = 3000, 4, 5
    paths = np.empty((R, T1, V))
    paths[..., 0] = rng.normal(0.0, 1.0, (R, T1))
    paths[..., 1] = rng.lognormal(0.0, 1.0, (R, T1)) * np.arange(1, T1 + 1)  # heavy tail, growing range
    paths[..., 2] = rng.integers(0, 4, (R, T1))  # a status code
    paths[..., 3] = 7.0  # constant
    paths[..., 4] = np.cumsum(rng.normal(0, 1, (R, T1)), axis=1) * 1e3
    exact = TrajectoryStats(np.inf)
    stream = TrajectoryStats(budget_bytes=paths[:100].nbytes, bins=256)
    for start in range(0, R, 100):
        exact.add(paths[start:start + 100])
        stream.add(paths[start:start + 100])
    assert exact.exact and not stream.exact
    m_exact, q_exact = exact.quantiles()
    m_stream, q_stream = stream.quantiles()
    np.testing.assert_allclose(m_stream, m_exact, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(q_exact, np.quantile(paths, QUANTILES, axis=0))
    width = stream.width.reshape(T1, V)
    assert (np.abs(q_stream - q_exact) <= width[None] + 1e-12).all()
    np.testing.assert_array_equal(q_stream[..., 3], 7.0)
    # the bound is useful: bins stay within a few times the observed span / bins
    span = (paths.max(axis=0) - paths.min(axis=0))
    assert (width[:, [0, 1, 4]] <= 4 * span[:, [0, 1, 4]] / 256).all()


def test_switch_to_streaming_in_simulate_is_reported(cfg, monkeypatch):
    monkeypatch.setattr(simulate_module, "QUANTILE_BUDGET_BYTES", 1)
    r = sim.simulate(cfg, replicates=4, seed=1, engine="ensemble")
    assert r.summary["trajectory_quantiles"].startswith("histogram")
    exact = sim.simulate(cfg, replicates=4, seed=1, engine="ensemble")
    pdt.assert_frame_equal(r.outcomes, exact.outcomes, check_exact=True)
    assert np.isfinite(r.trajectories[["q05", "q50", "q95"]].to_numpy()).all()


@pytest.mark.slow
@pytest.mark.parametrize("n", [8, 16, 32, 64, 128, 256])
def test_synthetic_worlds_run_at_every_size(n):
    world = sim.synthetic_world(n, seed=0)
    c = replace(sim.load_config("baseline", ["horizon=1"]), world=world)
    r = sim.simulate(c, replicates=1, seed=1, engine="ensemble")
    num = r.outcomes.drop(columns="alliance_rupture_quarter").select_dtypes("number").astype(float)
    assert len(r.outcomes) == 1 and np.isfinite(num.to_numpy()).all()
    assert sum(col.startswith("alignment_S") for col in r.outcomes.columns) == 3 * (n - 3)
