"""A sweep killed part-way and re-run with the same command (issue 7, items 2 and 5).

Finished jobs must not be recomputed (their DONE marker is untouched), unfinished ones must be
completed, and the collected table must equal that of a sweep that was never interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import io

ROOT = Path(__file__).resolve().parent.parent
JOBS = 8
#: Replicates large enough that one job takes a noticeable time, so the kill lands mid-sweep.
SWEEP = ["-m", "scenario=baseline,west_fatigue", "seed=range(1,5)", "replicates=300", "horizon=12",
         "engine=ensemble"]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_NUM_THREADS": "1"}


def _command(sweep_dir: str) -> list[str]:
    return [sys.executable, "-m", "sim.cli", *SWEEP, f"hydra.sweep.dir={sweep_dir}"]


def _done(sweep: Path) -> dict[str, tuple[int, str]]:
    """``{job: (DONE mtime in ns, DONE content)}`` of the finished jobs."""
    out = {}
    for marker in sweep.glob(f"*/{io.DONE}"):
        out[marker.parent.name] = (marker.stat().st_mtime_ns, marker.read_text())
    return out


def _collect(sweep: Path) -> pd.DataFrame:
    code = "import sys; from sim.cli import collect_main; collect_main(sys.argv[1:])"
    proc = subprocess.run([sys.executable, "-c", code, str(sweep)], env=_env(), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return pd.read_parquet(sweep / "sweep.parquet")


@pytest.mark.slow
def test_killed_sweep_resumes_without_recomputing_finished_jobs(tmp_path):
    # 1. start the sweep and kill it (the whole process group we started) once two jobs are done
    proc = subprocess.Popen(_command("sweep"), cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    sweep = tmp_path / "sweep"
    deadline = time.monotonic() + 600
    try:
        while not (sweep.exists() and len(_done(sweep)) >= 2):
            assert proc.poll() is None, "the sweep ended before it could be interrupted"
            assert time.monotonic() < deadline, "no job finished within 10 minutes"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = _done(sweep)
    assert 2 <= len(finished) < JOBS, f"the kill should land mid-sweep, {len(finished)} of {JOBS} were done"
    interrupted_report = subprocess.run(
        [sys.executable, "-c", "import sys; from sim.cli import collect_main; collect_main(sys.argv[1:])",
         str(sweep)], env=_env(), capture_output=True, text=True, timeout=300)
    assert f"{len(finished)} of {JOBS} jobs complete" in interrupted_report.stderr

    # 2. the same command again: finished jobs are skipped, the rest run
    rerun = subprocess.run(_command("sweep"), cwd=tmp_path, env=_env(), capture_output=True, text=True,
                           timeout=900)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.count("already complete") == len(finished)
    after = _done(sweep)
    assert len(after) == JOBS
    for job, marker in finished.items():
        assert after[job] == marker, f"job {job} was recomputed"

    # 3. the collected table equals an uninterrupted sweep's
    uninterrupted = subprocess.run(_command("clean"), cwd=tmp_path, env=_env(), capture_output=True, text=True,
                                   timeout=900)
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    resumed_table = _collect(sweep)
    clean_table = _collect(tmp_path / "clean")
    assert len(resumed_table) == JOBS * 300
    pd.testing.assert_frame_equal(resumed_table, clean_table)
