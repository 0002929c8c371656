"""numba's on-disk cache under several processes starting at once (joblib / submitit jobs).

Round 1: three processes with the same fresh, empty cache directory import ``sim`` and run a
tiny ensemble at the same moment.  All must finish, and all must give the same outcome table.
Round 2: three more processes reuse the cache; none may recompile, so no cache file (index
``*.nbi`` or data ``*.nbc``) may be written or rewritten, and they must reproduce round 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
N_PROCESSES = 3

CHILD = r"""
import hashlib, os, time
t0 = time.perf_counter()
import sim
from sim.config import load_config
from sim.simulate import simulate
cfg = load_config("baseline", ["engine=ensemble", "replicates=6", "horizon=4", "seed=7"])
res = simulate(cfg)
text = res.outcomes.to_csv(index=False, float_format="%.17g")
print("CACHE", os.environ["NUMBA_CACHE_DIR"])
print("DIGEST", hashlib.sha256(text.encode()).hexdigest())
print("SECONDS", round(time.perf_counter() - t0, 2))
"""


def _start_all(env: dict) -> list[subprocess.Popen]:
    """Start every process before waiting for any: they compile (or load) at the same time."""
    return [subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(N_PROCESSES)]


def _finish(procs) -> list[dict]:
    results = []
    for p in procs:
        out, err = p.communicate(timeout=1800)
        assert p.returncode == 0, f"a process crashed (exit {p.returncode}):\n{out}\n{err}"
        fields = dict(line.split(" ", 1) for line in out.splitlines() if line.split(" ", 1)[0] in
                      ("CACHE", "DIGEST", "SECONDS"))
        results.append(fields)
    return results


def _cache_files(cache: Path) -> dict[str, tuple[int, int]]:
    """Every file of the cache with its modification time (ns) and size."""
    return {str(p.relative_to(cache)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in cache.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_concurrent_processes_share_a_fresh_numba_cache_safely(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(GREATGAME_CACHE=str(tmp_path), PYTHONPATH=str(ROOT), NUMBA_NUM_THREADS="1")

    first = _finish(_start_all(env))
    caches = {r["CACHE"] for r in first}
    assert len(caches) == 1, caches  # same kernel sources -> same cache directory
    cache = Path(caches.pop())
    assert cache.is_relative_to(tmp_path)
    assert len({r["DIGEST"] for r in first}) == 1, "processes racing on the cache disagree"
    files = _cache_files(cache)
    assert any(f.endswith(".nbi") for f in files) and any(f.endswith(".nbc") for f in files), files

    second = _finish(_start_all(env))
    assert {r["CACHE"] for r in second} == {str(cache)}, "the kernel sources changed during the test"
    assert {r["DIGEST"] for r in second} == {first[0]["DIGEST"]}, "a cached kernel gives other numbers"
    after = _cache_files(cache)
    rewritten = sorted(f for f in after if files.get(f) != after[f])
    assert not rewritten, f"a warm start recompiled and rewrote cache files: {rewritten[:5]}"
    # loading from the cache is much faster than compiling (reported, loosely checked)
    slow = max(float(r["SECONDS"]) for r in first)
    warm = max(float(r["SECONDS"]) for r in second)
    assert warm < slow, (warm, slow)
