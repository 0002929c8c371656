"""Numerical safety over the whole declared parameter space and worlds of several sizes.

* the invariant checker flags each kind of broken state (so a clean fuzz run means something),
* a hypothesis property test: any parameter vector inside the declared ranges, any of the
  fuzzed worlds, any seed -> no invariant broken in any quarter,
* ``experiments/fuzz.py`` at a small N exits 0 and reports what it tried,
* the propagation ``P = E (I - alpha E)^-1`` at the top of alpha's range with rows summing
  to exactly 1 is finite, matches numpy.linalg.inv and obeys the bound row sum <= 1/(1 - alpha).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import parameter_space, synthetic_world
from sim.config import default_world, validate_params
from sim.invariants import INVARIANTS, N_INVARIANTS, check_state, describe, run_checked
from sim.kernels import layout as lay
from sim.kernels.dependency import propagate
from sim.params import Params, from_vector, to_dict, to_vector
from sim.state import initial_state

ROOT = Path(__file__).resolve().parent.parent
FUZZ = ROOT / "experiments" / "fuzz.py"
SPECS = parameter_space()


def _load_fuzz():
    spec = importlib.util.spec_from_file_location("greatgame_fuzz", FUZZ)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def _world(n):
    """0: the calibrated world; "stress": its version with full rows; else synthetic_world(n, 0)."""
    if n == "stress":
        return _load_fuzz().stress_world(default_world())
    return default_world() if n == 0 else synthetic_world(n, 0)


def _start(world, theta=None):
    theta = to_vector(Params()) if theta is None else theta
    return initial_state(world, from_vector(theta)), theta


# --- the checker can fail ---------------------------------------------------------------


def _views(x, world):
    return lay.state_views(x, world.n, world.k)


def _break_nan(x, world):
    _views(x, world)[1][0] = np.nan


def _break_share(x, world):
    _views(x, world)[4][0, 3, 1] = 1.2


def _break_row(x, world):
    D = _views(x, world)[4]
    D[1, 3, :] = 0.3  # 8 partners x 0.3 > 1


def _break_baseline(x, world):
    _views(x, world)[5][2, 4, 0] = -0.01


def _break_simplex(x, world):
    A = _views(x, world)[3]
    j = int(np.flatnonzero(world.small)[0])
    A[j] = [0.5, 0.4, 0.2]


def _break_output(x, world):
    _views(x, world)[1][2] = 0.0


def _break_military(x, world):
    _views(x, world)[2][1] = -1.0


def _break_east_defence(x, world):
    x[lay.S_EAST_DEF] = -0.5


def _break_unit(x, world):
    x[lay.S_ALLIANCE] = 1.5


def _break_cost(x, world):
    x[lay.S_COST_W] = -3.0


def _break_war_status(x, world):
    x[lay.S_WAR_STATUS] = 7.0


def _break_fe_status(x, world):
    x[lay.S_FE_STATUS] = 1.5


def _break_flag(x, world):
    x[lay.S_PASSPORT] = 0.5


def _break_posture(x, world):
    x[lay.S_POSTURE_C] = world.cand.shape[1]


BREAKS = [
    ("finite_state", _break_nan), ("D_entries", _break_share), ("D_rows", _break_row),
    ("D0_entries", _break_baseline), ("alignment_simplex", _break_simplex), ("output_positive", _break_output),
    ("military_nonnegative", _break_military), ("east_defence_nonnegative", _break_east_defence),
    ("unit_indices", _break_unit), ("costs_nonnegative", _break_cost), ("war_status", _break_war_status),
    ("far_east_status", _break_fe_status), ("flags", _break_flag), ("postures", _break_posture),
]


def test_the_stress_world_has_full_rows_and_no_substitutes():
    world = _world("stress")
    rows = world.D.sum(axis=2)
    named = _world(0).D.sum(axis=2) > 0
    np.testing.assert_allclose(rows[named], 1.0, rtol=0, atol=1e-12)
    assert not world.subst.any() and world.volatility.min() > 0


def test_a_valid_start_state_keeps_every_invariant():
    for n in (0, "stress", 4, 8, 32):
        x, _ = _start(_world(n))
        assert check_state(x, _world(n)) == []


@pytest.mark.parametrize("name, breaker", BREAKS, ids=[b[0] for b in BREAKS])
def test_the_checker_flags_each_broken_invariant(name, breaker):
    world = _world(0)
    x, _ = _start(world)
    breaker(x, world)
    messages = check_state(x, world)
    assert any(m.startswith(name + ":") for m in messages), messages
    allowed = dict(INVARIANTS)[name]
    assert any(allowed in m for m in messages)


def test_the_checked_runner_reports_a_broken_start_at_quarter_zero():
    world = _world(0)
    x, theta = _start(world)
    _break_row(x, world)
    counts = np.zeros((1, N_INVARIANTS), dtype=np.int64)
    first = np.zeros((1, N_INVARIANTS))
    first_q = np.zeros(1, dtype=np.int64)
    U = np.full((1, 3, lay.N_UNIFORM), 0.5)
    Z = np.zeros((1, 3, lay.n_normal(world.n)))
    run_checked(x[None, :], world.to_vector(), theta[None, :], U, Z, 3, counts, first, first_q)
    assert first_q[0] == 0
    assert any(m.startswith("D_rows:") for m in describe(counts[0], first[0]))


# --- the property test over the declared space ------------------------------------------


def _spec_strategy(s):
    if s.kind == "bool":
        return st.integers(0, 1).map(float)
    if s.kind == "int":
        return st.integers(int(s.low), int(s.high)).map(float)
    return st.floats(s.low, s.high, allow_nan=False, allow_infinity=False)


THETA = st.tuples(*[_spec_strategy(s) for s in SPECS]).map(lambda t: np.array(t, dtype=np.float64))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(theta=THETA, n=st.sampled_from([0, "stress", 4, 8, 32]), seed=st.integers(0, 2**32 - 1))
def test_no_invariant_breaks_anywhere_in_the_declared_space(theta, n, seed):
    world = _world(n)
    horizon = 6
    x0 = initial_state(world, from_vector(theta))
    rng = np.random.default_rng(seed)
    U = rng.random((1, horizon, lay.N_UNIFORM))
    Z = rng.standard_normal((1, horizon, lay.n_normal(world.n)))
    counts = np.zeros((1, N_INVARIANTS), dtype=np.int64)
    first = np.zeros((1, N_INVARIANTS))
    first_q = np.zeros(1, dtype=np.int64)
    run_checked(x0[None, :], world.to_vector(), theta[None, :], U, Z, horizon, counts, first, first_q)
    assert first_q[0] == -1, f"{world.name}, quarter {first_q[0]}: {describe(counts[0], first[0])}"


# --- the fuzz script ---------------------------------------------------------------------


def test_fuzz_samples_only_the_declared_space():
    fuzz = _load_fuzz()
    theta = fuzz.sample_vectors(300, np.random.default_rng(1))
    lows = np.array([s.low for s in SPECS])
    highs = np.array([s.high for s in SPECS])
    assert np.all(theta >= lows) and np.all(theta <= highs)
    for i, s in enumerate(SPECS):
        if s.kind != "float":  # whole numbers, and every allowed value of a bool is drawn
            assert np.array_equal(theta[:, i], np.round(theta[:, i]))
        if s.kind == "bool":
            assert set(theta[:, i]) == {0.0, 1.0}
    # Latin hypercube: every float parameter is spread over its whole range
    spans = [(theta[:, i].max() - theta[:, i].min()) / (s.high - s.low) for i, s in enumerate(SPECS)
             if s.kind == "float"]
    assert min(spans) > 0.95
    for row in theta[:20]:  # and the config checker accepts every sampled vector
        validate_params(to_dict(from_vector(row)))


@pytest.mark.slow
def test_fuzz_script_at_small_n_exits_zero():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(FUZZ), "--vectors", "12", "--horizon", "4", "--seed", "3"],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fuzzed 12 parameter vectors (48 checked quarters)" in proc.stdout
    assert "vectors with a violation: 0" in proc.stdout
    for size in ("n=4", "n=8", "n=32"):
        assert size in proc.stdout


def test_fuzz_script_refuses_a_bad_argument():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(FUZZ), "--vectors", "0"], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 2
    assert "--vectors=0" in proc.stderr and ">= 1" in proc.stderr and "Traceback" not in proc.stderr


# --- the propagation bound ---------------------------------------------------------------

ALPHA_MAX = next(s.high for s in SPECS if s.name == "params.dependency.alpha")


def _stochastic_rows(n, rng):
    """Rows summing to exactly 1 (up to round-off), zero diagonal: the worst case the model allows."""
    E = rng.dirichlet(np.ones(n - 1), size=n)
    full = np.zeros((n, n))
    for i in range(n):
        full[i, np.arange(n) != i] = E[i]
    return full


def _cycle(n):
    return np.roll(np.eye(n), 1, axis=1)  # eigenvalues on the unit circle, including 1


@pytest.mark.parametrize("case", ["dirichlet_8", "dirichlet_32", "cycle_2", "cycle_33", "all_on_one"])
def test_propagation_at_alpha_max_with_full_rows_is_finite_and_exact(case):
    assert ALPHA_MAX < 1.0  # the declared range keeps I - alpha E invertible
    rng = np.random.default_rng(11)
    kind, n = case.rsplit("_", 1) if case != "all_on_one" else ("all_on_one", "6")
    n = int(n)
    if kind == "dirichlet":
        E = _stochastic_rows(n, rng)
    elif kind == "cycle":
        E = _cycle(n)
    else:  # every actor depends wholly on actor 0, and actor 0 wholly on actor 1
        E = np.zeros((n, n))
        E[1:, 0] = 1.0
        E[0, 1] = 1.0
    np.testing.assert_allclose(E.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    P = propagate(E[None].copy(), ALPHA_MAX, np.zeros((1, n, n)), np.zeros((n, 2 * n)))[0]
    assert np.all(np.isfinite(P))
    expected = E @ np.linalg.inv(np.eye(n) - ALPHA_MAX * E)
    np.testing.assert_allclose(P, expected, rtol=1e-10, atol=1e-12)
    # P = sum_m alpha^m E^(m+1) >= 0 with row sums <= sum_m alpha^m = 1 / (1 - alpha)
    assert P.min() >= -1e-12
    assert P.sum(axis=1).max() <= 1.0 / (1.0 - ALPHA_MAX) + 1e-9


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 20), seed=st.integers(0, 2**31), alpha=st.floats(0.0, ALPHA_MAX))
def test_propagation_bound_holds_for_any_valid_rows(n, seed, alpha):
    rng = np.random.default_rng(seed)
    E = _stochastic_rows(n, rng) * rng.uniform(0.0, 1.0, (n, 1)) ** rng.integers(0, 2)
    P = propagate(E[None].copy(), alpha, np.zeros((1, n, n)), np.zeros((n, 2 * n)))[0]
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P, E @ np.linalg.inv(np.eye(n) - alpha * E), rtol=1e-9, atol=1e-12)
    assert P.sum(axis=1).max() <= 1.0 / (1.0 - alpha) + 1e-9
