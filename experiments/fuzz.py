"""Fuzz the model's invariants over the whole declared parameter space and several world sizes.

Samples parameter vectors by Latin hypercube from the ranges of :func:`sim.parameter_space`
(ints and bools over their allowed values), spreads them over worlds of several sizes (the
calibrated world, its "stress" version with full dependency rows, and synthetic worlds of 4,
8 and 32 actors, a new random one per chunk of vectors), runs each through the compiled
kernels quarter by quarter (:func:`sim.invariants.run_checked`, the quarter sequence of
``run_replicate``) and checks every invariant of :mod:`sim.invariants` after every quarter.

    NUMBA_NUM_THREADS=1 python experiments/fuzz.py --vectors 10000 [--seed 0] [--horizon 40]

Prints the number of vectors tried and the violations per invariant; exits 1 on any violation
(the first failing vectors are printed as Hydra overrides so they can be re-run).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
from scipy.stats import qmc

from sim import parameter_space, replicate_seeds, synthetic_world
from sim.config import default_world
from sim.ensemble import draws
from sim.invariants import INVARIANTS, N_INVARIANTS, describe, run_checked
from sim.params import from_vector
from sim.state import initial_state
from sim.world import MAX_VOLATILITY, World

#: Synthetic world sizes fuzzed beside the calibrated world.
SIZES = (4, 8, 32)


def sample_vectors(n: int, rng: np.random.Generator, specs=None) -> np.ndarray:
    """``n`` parameter vectors (n, N_THETA) by Latin hypercube over the declared ranges.

    Floats are uniform on [low, high]; ints uniform over {low, ..., high}; bools over {0, 1}.
    """
    specs = parameter_space() if specs is None else specs
    u = qmc.LatinHypercube(d=len(specs), seed=rng).random(n)
    theta = np.empty((n, len(specs)))
    for i, s in enumerate(specs):
        if s.kind == "float":
            theta[:, i] = s.low + u[:, i] * (s.high - s.low)
        else:  # int and bool: every allowed value equally likely
            theta[:, i] = np.minimum(np.floor(s.low + u[:, i] * (s.high - s.low + 1)), s.high)
    return theta


def stress_world(base: World | None = None) -> World:
    """The calibrated world pushed to the edges its loader allows.

    Every dependency row that has a named partner sums to exactly 1 (nothing left to the rest of
    the world), nothing is substitutable (exposure = dependence: the worst case of the
    propagation ``(I - alpha E)^-1``) and every actor's output shock has the largest allowed
    volatility.
    """
    base = default_world() if base is None else base

    def full_rows(D):
        rows = D.sum(axis=2, keepdims=True)
        return np.where(rows > 0.0, D / np.where(rows > 0.0, rows, 1.0), D)

    return replace(base, name="stress", D=full_rows(base.D), D0=full_rows(base.D0),
                   subst=np.zeros_like(base.subst), volatility=np.full(base.n, MAX_VOLATILITY))


def fuzz_worlds(seed: int = 0) -> list[WorldSource]:
    """World sources: the calibrated world, its stress version and synthetic worlds of each size
    in :data:`SIZES` (a new random synthetic world for every chunk of vectors)."""
    calibrated = default_world()
    fixed = [WorldSource(calibrated.name, calibrated.n, lambda chunk: calibrated),
             WorldSource("stress", calibrated.n, lambda chunk: stress_world(calibrated))]
    synthetic = [WorldSource(f"synthetic_{n}", n, lambda chunk, n=n: synthetic_world(n, seed * 100_000 + chunk))
                 for n in SIZES]
    return fixed + synthetic


@dataclass(frozen=True)
class WorldSource:
    """A family of worlds of one size: ``make(chunk)`` builds the world a chunk of vectors runs in."""

    name: str
    n: int
    make: Callable[[int], World]


@dataclass
class FuzzResult:
    """Counts of one fuzz run; ``failures`` holds (world, theta, first quarter, messages)."""

    tried: int = 0
    quarters: int = 0
    counts: np.ndarray = field(default_factory=lambda: np.zeros(N_INVARIANTS, dtype=np.int64))
    failing_vectors: int = 0
    failures: list = field(default_factory=list)
    per_world: dict = field(default_factory=dict)


def fuzz_block(world: World, theta: np.ndarray, seeds, horizon: int):
    """Run the vectors ``theta`` (V, N_THETA) in ``world`` with checks; returns (counts, first, first_q)."""
    w = world.to_vector()
    x0 = np.stack([initial_state(world, from_vector(t), w) for t in theta])
    U, Z = draws(seeds, horizon, world.n)
    counts = np.zeros((len(theta), N_INVARIANTS), dtype=np.int64)
    first = np.zeros((len(theta), N_INVARIANTS))
    first_q = np.zeros(len(theta), dtype=np.int64)
    run_checked(x0, w, np.ascontiguousarray(theta), U, Z, horizon, counts, first, first_q)
    return counts, first, first_q


def fuzz(vectors: int, seed: int = 0, horizon: int = 40, worlds: list[WorldSource] | None = None,
         chunk: int = 250, progress: bool = False) -> FuzzResult:
    """Fuzz ``vectors`` parameter vectors, assigned round-robin to the world sources ``worlds``."""
    worlds = fuzz_worlds(seed) if worlds is None else worlds
    rng = np.random.default_rng(seed)
    theta = sample_vectors(vectors, rng)
    seeds = replicate_seeds(seed, vectors)
    owner = np.arange(vectors) % len(worlds)
    result = FuzzResult(tried=vectors, quarters=vectors * horizon)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=vectors, unit="vector")
    for wi, source in enumerate(worlds):
        idx = np.flatnonzero(owner == wi)
        n_bad = 0
        for ci, start in enumerate(range(0, idx.size, chunk)):
            part = idx[start:start + chunk]
            world = source.make(ci)
            counts, first, first_q = fuzz_block(world, theta[part], seeds[part], horizon)
            result.counts += counts.sum(axis=0)
            for row in np.flatnonzero(first_q >= 0):
                n_bad += 1
                result.failures.append((world.name, theta[part[row]], int(first_q[row]),
                                        describe(counts[row], first[row])))
            if bar is not None:
                bar.update(part.size)
        result.per_world[f"{source.name} (n={source.n})"] = (int(idx.size), n_bad)
        result.failing_vectors += n_bad
    if bar is not None:
        bar.close()
    return result


def overrides(theta: np.ndarray) -> str:
    """A parameter vector as Hydra overrides (to re-run a failing vector)."""
    parts = []
    for s, v in zip(parameter_space(), theta):
        parts.append(f"{s.name}={int(v) if s.kind != 'float' else repr(float(v))}")
    return " ".join(parts)


def report(result: FuzzResult, seconds: float, show: int = 3) -> str:
    lines = [f"fuzzed {result.tried} parameter vectors ({result.quarters} checked quarters) in {seconds:.1f} s",
             f"vectors with a violation: {result.failing_vectors}"]
    for name, (tried, bad) in result.per_world.items():
        lines.append(f"  {name}: {tried} vectors, {bad} with a violation")
    for i, (name, _) in enumerate(INVARIANTS):
        lines.append(f"  {name:26s} {int(result.counts[i])}")
    for world, theta, q, messages in result.failures[:show]:
        lines.append(f"FAIL world={world} first bad quarter={q}: {'; '.join(messages)}")
        lines.append(f"  vector: {overrides(theta)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", type=int, default=1000, help="parameter vectors to try (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="root seed of the sample and the draws")
    ap.add_argument("--horizon", type=int, default=40, help="quarters per run (default 40)")
    ap.add_argument("--progress", action="store_true", help="show a progress bar")
    args = ap.parse_args(argv)
    for name, value, low in (("--vectors", args.vectors, 1), ("--horizon", args.horizon, 1), ("--seed", args.seed, 0)):
        if value < low:
            print(f"fuzz: {name}={value} is not allowed; it must be >= {low}", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    result = fuzz(args.vectors, args.seed, args.horizon, progress=args.progress)
    print(report(result, time.perf_counter() - t0))
    return 1 if result.failing_vectors else 0


if __name__ == "__main__":
    sys.exit(main())
