"""The ``greatgame`` command line: runs, determinism, sweeps, collection and user-facing errors.

Runs are tiny (2 replicates, 4 quarters, the numba ensemble engine); each command is a real
subprocess, as a user would run it, in a temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim import io
from sim.config import available, load_config

ROOT = Path(__file__).resolve().parent.parent
TINY = ["replicates=2", "horizon=4", "engine=ensemble"]


def greatgame(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``greatgame ARGS`` (as ``python -m sim.cli``) in ``cwd``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_NUM_THREADS": "1", "HYDRA_FULL_ERROR": "0"}
    proc = subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"greatgame {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def collect(sweep_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from sim.cli import collect_main; collect_main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, str(sweep_dir)], env=env, capture_output=True, text=True,
                          timeout=300)


def job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted((p for p in sweep_dir.iterdir() if p.is_dir() and (p / ".hydra").is_dir()),
                  key=lambda p: int(p.name))


def overrides_of(job_dir: Path) -> list[str]:
    import yaml

    return yaml.safe_load((job_dir / ".hydra" / "overrides.yaml").read_text())


# --- shared sweeps (module scope: each costs a process start and a few jobs) -----------------------

@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory) -> Path:
    """A 2 x 2 sweep (scenario x seed) run one job after another (Hydra's basic launcher)."""
    cwd = tmp_path_factory.mktemp("basic")
    greatgame(["-m", "scenario=baseline,point_east", "seed=1,2", *TINY, "hydra.sweep.dir=sweep"], cwd)
    return cwd / "sweep"


# --- one run --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_scenario_runs_from_the_command_line_and_from_python(tmp_path):
    greatgame(["-m", "scenario=glob(*)", *TINY, "hydra.sweep.dir=all"], tmp_path)
    jobs = job_dirs(tmp_path / "all")
    assert len(jobs) == len(available("scenario"))
    seen = set()
    for job in jobs:
        assert io.is_complete(job)
        for name in (io.OUTCOMES, io.TRAJECTORIES, io.SUMMARY, io.CONFIG):
            assert (job / name).is_file(), f"{job.name} lacks {name}"
        (scenario,) = [o.split("=", 1)[1] for o in overrides_of(job) if o.startswith("scenario=")]
        seen.add(scenario)
        from_cli = pd.read_parquet(job / io.OUTCOMES)
        from_python = io.read_job(job)["summary"]
        assert from_python["scenario"] == scenario and from_python["replicates"] == 2
        # the same job from Python gives the same table
        import sim

        results = sim.simulate(load_config(scenario, TINY))
        pd.testing.assert_frame_equal(from_cli, results.outcomes.reset_index(drop=True))
    assert seen == set(available("scenario"))


@pytest.mark.slow
def test_same_command_twice_gives_identical_outcomes_and_a_rerun_skips(tmp_path):
    args = ["scenario=west_fatigue", "seed=11", *TINY]
    greatgame([*args, "hydra.run.dir=first"], tmp_path)
    greatgame([*args, "hydra.run.dir=second"], tmp_path)
    first = pq.read_table(tmp_path / "first" / io.OUTCOMES)
    second = pq.read_table(tmp_path / "second" / io.OUTCOMES)
    assert first.num_rows == 2 and first.equals(second)
    assert (tmp_path / "first" / io.OUTCOMES).read_bytes() == (tmp_path / "second" / io.OUTCOMES).read_bytes()

    done = tmp_path / "first" / io.DONE
    before = (done.stat().st_mtime_ns, done.read_text())
    again = greatgame([*args, "hydra.run.dir=first"], tmp_path)
    assert "already complete" in again.stdout
    assert (done.stat().st_mtime_ns, done.read_text()) == before

    # a different seed is a different job: no skipping, different replicate seeds
    other = greatgame(["scenario=west_fatigue", "seed=12", *TINY, "hydra.run.dir=first"], tmp_path)
    assert "already complete" not in other.stdout
    assert done.read_text() != before[1]


@pytest.mark.slow
def test_summary_and_paths_when_asked(tmp_path):
    greatgame(["scenario=baseline", *TINY, "keep_paths=true", "hydra.run.dir=job"], tmp_path)
    job = tmp_path / "job"
    summary = io.read_job(job)["summary"]
    for key in ("scenario", "replicates", "seed", "p_both_sides_lose", "p_both_sides_lose_ci",
                "median_rupture_quarter", "far_east_status_shares", "leading_power", "package_version",
                "git_commit"):
        assert key in summary, key
    lo, hi = summary["p_both_sides_lose_ci"]
    assert 0 <= lo <= summary["p_both_sides_lose"] <= hi <= 1
    paths = pd.read_parquet(job / io.PATHS)
    # war and paired no-war runs, 2 replicates, 5 observation quarters (0..4)
    assert set(paths["run"]) == {"war", "no_war"} and len(paths) == 2 * 2 * 5
    assert list(job.glob(".*.tmp")) == []


# --- sweeps ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_sweep_collected_into_one_table(basic_sweep):
    proc = collect(basic_sweep)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_parquet(basic_sweep / "sweep.parquet")
    assert len(table) == 2 * 2 * 2  # scenarios x seeds x replicates
    assert {"job", "scenario", "job.seed", "replicate", "seed", "both_sides_lose", "war_effect_RUS",
            "alliance_rupture_quarter", "far_east_status"} <= set(table.columns)
    assert sorted(set(zip(table["scenario"], table["job.seed"]))) == [
        ("baseline", 1), ("baseline", 2), ("point_east", 1), ("point_east", 2)]
    assert table.groupby("job").size().tolist() == [2, 2, 2, 2]
    assert "4 of 4 jobs complete" in proc.stderr


@pytest.mark.slow
def test_joblib_sweep_equals_the_same_jobs_one_by_one(basic_sweep, tmp_path):
    greatgame(["-m", "hydra/launcher=parallel", "hydra.launcher.n_jobs=2", "scenario=baseline,point_east",
               "seed=1,2", *TINY, "hydra.sweep.dir=sweep"], tmp_path)
    for serial, parallel in zip(job_dirs(basic_sweep), job_dirs(tmp_path / "sweep"), strict=True):
        assert overrides_of(serial) == overrides_of(parallel)
        assert pq.read_table(serial / io.OUTCOMES).equals(pq.read_table(parallel / io.OUTCOMES))
        assert (serial / io.DONE).read_text() == (parallel / io.DONE).read_text()


@pytest.mark.slow
def test_collect_reports_incomplete_and_missing_jobs(basic_sweep, tmp_path):
    import shutil

    sweep = tmp_path / "sweep"
    shutil.copytree(basic_sweep, sweep)
    (sweep / "sweep.parquet").unlink(missing_ok=True)
    (sweep / "1" / io.DONE).unlink()  # started, never finished
    shutil.rmtree(sweep / "3")  # never started
    proc = collect(sweep)
    assert proc.returncode == 0, proc.stderr
    assert "2 of 4 jobs complete" in proc.stderr
    assert "incomplete (started, no DONE marker): 1" in proc.stderr
    assert "missing (not started): 3" in proc.stderr
    table = pd.read_parquet(sweep / "sweep.parquet")
    assert sorted(set(table["job"])) == ["0", "2"] and len(table) == 4


def test_collect_without_complete_jobs_fails_clearly(tmp_path):
    (tmp_path / "0" / ".hydra").mkdir(parents=True)
    proc = collect(tmp_path)
    assert proc.returncode == 1
    assert "no complete job" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "sweep.parquet").exists()


# --- help and errors --------------------------------------------------------------------------------

def test_help_lists_groups_and_scenarios(tmp_path):
    out = greatgame(["--help"], tmp_path).stdout
    for scenario in available("scenario"):
        assert scenario in out
    for group in ("scenario:", "actors:", "experiment:"):
        assert group in out
    assert "replicates" in out and "parallel" in out and "slurm" in out
    assert list(tmp_path.iterdir()) == []


ERRORS = {
    "unknown scenario": (["scenario=pointeast"],
                         ["unknown scenario 'pointeast'", "did you mean point_east", "available: baseline"]),
    "unknown key": (["replicate=3"], ["unknown key 'replicate'", "did you mean replicates"]),
    "unknown parameter": (["params.war.hazrd_base=0.1"],
                          ["unknown key 'params.war.hazrd_base'", "params.war.hazard_base"]),
    "out of range": (["params.war.hazard_base=0.9"], ["params.war.hazard_base=0.9", "[0, 0.2]"]),
    "replicates out of range": (["replicates=0"], ["replicates=0", "[1, 10000000]"]),
    "malformed number": (["params.war.hazard_base=abc"], ["params.war.hazard_base", "expected a number", "'abc'"]),
    "malformed whole number": (["horizon=1.5"], ["horizon", "expected a whole number", "1.5"]),
    "malformed boolean": (["params.war.enabled=maybe"], ["params.war.enabled", "expected a boolean"]),
    "unknown engine": (["engine=numba"], ["engine='numba'", "allowed: mesa, ensemble"]),
    "bad value inside a sweep": (["-m", "seed=1,2", "params.war.aid_level=1,9"],
                                 ["params.war.aid_level=9", "[0, 3]"]),
    "unknown scenario inside a sweep": (["-m", "scenario=baseline,nowar"], ["unknown scenario 'nowar'", "no_war"]),
    "sweep without -m": (["seed=1,2"], ["add -m"]),
    "unknown launcher": (["-m", "hydra/launcher=sluurm", "seed=1,2"], ["unknown hydra/launcher 'sluurm'", "slurm"]),
    "key given twice": (["seed=1", "seed=2"], ["seed is given twice"]),
    "unreadable override": (["seed=(1"], ["cannot read the override", "seed=(1"]),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_input_is_one_clear_line_and_writes_nothing(case, tmp_path, monkeypatch, capsys):
    """In-process (fast): the message, exit code 2, and an untouched working directory."""
    from sim.cli import main

    args, expected = ERRORS[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["greatgame", *args])
    given = {a.split("=")[0] for a in args}
    with pytest.raises(SystemExit) as exit_info:
        main([*args, *(t for t in TINY if t.split("=")[0] not in given)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("greatgame: error: ")
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    assert list(tmp_path.iterdir()) == []


def test_bad_input_from_the_shell_has_no_traceback(tmp_path):
    proc = greatgame(["scenario=nope", *TINY], tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "greatgame: error: unknown scenario 'nope'; available: " + ", ".join(available("scenario"))]
    assert proc.stdout == "" and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_submitit_local_sweep_equals_the_same_jobs_one_by_one(basic_sweep, tmp_path):
    """The Slurm code path (submitit), run locally: same numbers as the basic launcher."""
    greatgame(["-m", "hydra/launcher=local", "scenario=baseline,point_east", "seed=1,2", *TINY,
               "hydra.sweep.dir=sweep"], tmp_path)
    for serial, submitted in zip(job_dirs(basic_sweep), job_dirs(tmp_path / "sweep"), strict=True):
        assert overrides_of(serial) == overrides_of(submitted)
        assert pq.read_table(serial / io.OUTCOMES).equals(pq.read_table(submitted / io.OUTCOMES))


def test_atomic_write_leaves_old_file_or_nothing(tmp_path, monkeypatch):
    """A write that fails half-way leaves the previous file intact and no temporary file."""
    target = tmp_path / "outcomes.parquet"
    io.write_parquet(pd.DataFrame({"x": [1, 2]}), target)

    def half_write(table, where):
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", half_write)
    with pytest.raises(OSError, match="disk full"):
        io.write_parquet(pd.DataFrame({"x": [3, 4]}), target)
    monkeypatch.undo()
    assert pd.read_parquet(target)["x"].tolist() == [1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outcomes.parquet"]


def test_done_marker_decides_completeness(tmp_path):
    cfg = {"scenario_name": "baseline", "replicates": 2, "seed": 1}
    assert not io.is_complete(tmp_path)
    (tmp_path / io.DONE).write_text(io.job_hash(cfg) + "\n")
    assert io.is_complete(tmp_path, io.job_hash(cfg))
    assert not io.is_complete(tmp_path, io.job_hash({**cfg, "seed": 2}))
    # settings that cannot change the numbers do not change the hash
    assert io.job_hash({**cfg, "progress": True}) == io.job_hash(cfg)
