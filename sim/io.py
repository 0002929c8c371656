"""Crash-safe job outputs: atomic writes and the job-directory protocol.

A job directory holds either its complete outputs or no ``DONE`` marker:

* ``outcomes.parquet``      one row per replicate (see :func:`sim.outcomes.outcome_table`)
* ``trajectories.parquet``  per run, quarter and variable: mean and 5/25/50/75/95 % quantiles
* ``paths.parquet``         every replicate's path (only with ``keep_paths=true``)
* ``summary.json``          P(both sides lose) with its 95 % interval, rupture, Far East, leaders,
                            package version and git commit
* ``config.yaml``           the resolved configuration of the job
* ``DONE``                  written LAST; holds the hash of (resolved config + code version)

Every file is written to a temporary name in the same directory and renamed with
:func:`os.replace`, which is atomic on POSIX: a killed job leaves either the old file, the new
file, or a stray ``.*.tmp`` file, never a half-written output.  A job directory without ``DONE``
is incomplete; re-running a job whose ``DONE`` holds the same hash skips it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import pandas as pd

DONE = "DONE"
OUTCOMES = "outcomes.parquet"
TRAJECTORIES = "trajectories.parquet"
PATHS = "paths.parquet"
SUMMARY = "summary.json"
CONFIG = "config.yaml"

#: Keys of the composed config that do not change a job's numbers (left out of its hash).
NON_RESULT_KEYS = ("hydra", "progress", "launcher_threads")


# --- atomic writes --------------------------------------------------------------------------------

def _atomic(path: Path, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_name)`` on a temporary file next to ``path``, fsync it, rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:  # flush to disk before the rename makes it visible
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` (without its index) to Parquet atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    return _atomic(Path(path), lambda tmp: pq.write_table(table, tmp))


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` (without its index) to CSV atomically, floats with 6 significant digits."""
    return _atomic(Path(path), lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g"))


def save_figure(fig, path: str | Path, **savefig_kw) -> Path:
    """Save a matplotlib figure atomically; the format follows the file's suffix."""
    path = Path(path)
    return _atomic(path, lambda tmp: fig.savefig(tmp, format=path.suffix.lstrip("."), **savefig_kw))


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` (UTF-8) atomically."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    return _atomic(Path(path), write)


def write_json(obj: Any, path: str | Path) -> Path:
    """Write ``obj`` as indented JSON atomically (NaN becomes null)."""
    return write_text(json.dumps(_jsonable(obj), indent=2, sort_keys=False) + "\n", path)


def _jsonable(obj: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, NaN/inf to None."""
    import math

    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


# --- code version and job hash --------------------------------------------------------------------

@lru_cache(maxsize=1)
def source_hash() -> str:
    """Hash of every ``sim/**/*.py`` source: the code version that decides whether results are stale."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The git commit of the checkout ``sim`` is imported from (``+dirty`` if modified), or None."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        if not commit:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim"], cwd=root, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def code_version() -> str:
    """``<package version>+<source hash>``."""
    import sim

    return f"{sim.__version__}+{source_hash()}"


def result_config(cfg: dict) -> dict:
    """The part of a composed config that determines a job's numbers."""
    return {k: v for k, v in cfg.items() if k not in NON_RESULT_KEYS}


def job_hash(cfg: dict) -> str:
    """Hash of (resolved config + code version): equal hashes mean equal outputs."""
    blob = json.dumps({"config": result_config(cfg), "code": code_version()}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# --- the job directory ----------------------------------------------------------------------------

def is_complete(job_dir: str | Path, expected_hash: str | None = None) -> bool:
    """Whether ``job_dir`` holds a ``DONE`` marker (with ``expected_hash``, if given)."""
    done = Path(job_dir) / DONE
    if not done.is_file():
        return False
    return expected_hash is None or done.read_text().strip() == expected_hash


def write_job(job_dir: str | Path, results, cfg: dict, config_yaml: str) -> Path:
    """Write a job's outputs atomically, ``DONE`` last.  Returns the ``DONE`` path.

    Parameters
    ----------
    job_dir : the job's directory (created if needed).
    results : :class:`sim.simulate.Results`.
    cfg : the resolved composed config (plain dict, no ``hydra`` node).
    config_yaml : the same config as YAML text (written to ``config.yaml``).
    """
    job_dir = Path(job_dir)
    job_dir.mkdir(parents=True, exist_ok=True)
    done = job_dir / DONE
    if done.exists():  # about to overwrite: the directory is incomplete until DONE is rewritten
        done.unlink()
    write_parquet(results.outcomes, job_dir / OUTCOMES)
    write_parquet(results.trajectories, job_dir / TRAJECTORIES)
    if results.paths is not None:
        write_parquet(results.paths, job_dir / PATHS)
    elif (job_dir / PATHS).exists():  # left over from an earlier keep_paths run
        (job_dir / PATHS).unlink()
    summary = dict(results.summary)
    summary.update(package_version=_version(), git_commit=git_commit(), code_version=code_version(),
                   keep_paths=results.paths is not None)
    write_json(summary, job_dir / SUMMARY)
    write_text(config_yaml, job_dir / CONFIG)
    return write_text(job_hash(cfg) + "\n", done)


def _version() -> str:
    import sim

    return sim.__version__


def read_job(job_dir: str | Path) -> dict:
    """The outputs of a complete job: ``{"outcomes", "trajectories", "summary", "paths"}``."""
    job_dir = Path(job_dir)
    if not is_complete(job_dir):
        raise FileNotFoundError(f"{job_dir} has no {DONE} marker: the job did not finish")
    paths = job_dir / PATHS
    return {
        "outcomes": pd.read_parquet(job_dir / OUTCOMES),
        "trajectories": pd.read_parquet(job_dir / TRAJECTORIES),
        "summary": json.loads((job_dir / SUMMARY).read_text()),
        "paths": pd.read_parquet(paths) if paths.exists() else None,
    }


# --- collecting a sweep ---------------------------------------------------------------------------

class SweepReport:
    """Which jobs of a sweep are complete, incomplete (started, no DONE), unreadable or missing."""

    def __init__(self) -> None:
        self.complete: list[str] = []
        self.incomplete: list[str] = []
        self.unreadable: list[str] = []
        self.missing: list[str] = []
        self.expected: int | None = None

    def lines(self) -> list[str]:
        total = self.expected if self.expected is not None else (
            len(self.complete) + len(self.incomplete) + len(self.unreadable))
        out = [f"{len(self.complete)} of {total} jobs complete"]
        if self.incomplete:
            out.append(f"incomplete (started, no {DONE} marker): {', '.join(self.incomplete)}")
        if self.unreadable:
            out.append(f"unreadable outputs despite {DONE}: {', '.join(self.unreadable)}")
        if self.missing:
            out.append(f"missing (not started): {', '.join(self.missing)}")
        return out


def _job_overrides(job_dir: Path) -> dict:
    """``{key: typed value}`` of a job's task overrides (``.hydra/overrides.yaml``)."""
    import yaml
    from hydra.core.override_parser.overrides_parser import OverridesParser

    path = job_dir / ".hydra" / "overrides.yaml"
    if not path.exists():
        return {}
    lines = yaml.safe_load(path.read_text()) or []
    parsed = OverridesParser.create().parse_overrides(lines)
    return {o.key_or_group: o.value() for o in parsed}


def expected_jobs(sweep_dir: Path) -> list[str] | None:
    """Names of the job directories a sweep will create, from its ``multirun.yaml``; None if unknown.

    Only for the basic sweeper with the default ``hydra.job.num`` subdirectories.
    """
    from omegaconf import OmegaConf

    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return None
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser

        conf = OmegaConf.load(path)
        hydra = conf.hydra
        if str(OmegaConf.to_container(hydra.sweep, resolve=False).get("subdir")) != "${hydra.job.num}":
            return None
        if "BasicSweeper" not in str(hydra.sweeper.get("_target_", "")):
            return None
        task = list(hydra.overrides.task)
        given = {line.split("=", 1)[0].lstrip("+~") for line in task}
        swept = [f"{k}={v}" for k, v in (hydra.sweeper.get("params") or {}).items() if k not in given]
        parser = OverridesParser.create()
        batches = BasicSweeper.split_arguments(parser.parse_overrides(swept + task), None)
        return [str(i) for i in range(len(batches[0]))]
    except Exception:  # an unusual sweep: fall back to the directories present
        return None


def collect_sweep(sweep_dir: str | Path) -> tuple[pd.DataFrame | None, SweepReport]:
    """Gather the outcomes of every complete job of a sweep into one table.

    Returns
    -------
    table : one row per job x replicate: ``job``, each key the job overrode (e.g. ``scenario``,
        ``params.russia.point_east``; a key that is also an outcome column, like ``seed``, gets
        the prefix ``job.``), ``scenario``, then the outcome columns.  None if no job is complete.
    report : :class:`SweepReport`.
    """
    sweep_dir = Path(sweep_dir)
    report = SweepReport()
    present = {p.name: p for p in sweep_dir.iterdir() if p.is_dir() and (p / ".hydra").is_dir()}
    expected = expected_jobs(sweep_dir)
    names = sorted(set(present) | set(expected or []), key=lambda n: (not n.isdigit(), int(n) if n.isdigit() else 0, n))
    report.expected = len(names) if expected is not None else None
    frames = []
    for name in names:
        job_dir = present.get(name)
        if job_dir is None:
            report.missing.append(name)
            continue
        if not is_complete(job_dir):
            report.incomplete.append(name)
            continue
        try:
            outcomes = pd.read_parquet(job_dir / OUTCOMES)
            summary = json.loads((job_dir / SUMMARY).read_text())
            keys = _job_overrides(job_dir)
        except Exception:
            report.unreadable.append(name)
            continue
        front = {"job": name}
        for key, value in keys.items():
            column = f"job.{key}" if key in outcomes.columns or key == "job" else key
            front[column] = value if not isinstance(value, (list, dict)) else json.dumps(value)
        front.setdefault("scenario", summary.get("scenario"))
        head = pd.DataFrame({k: [v] * len(outcomes) for k, v in front.items()})
        frames.append(pd.concat([head, outcomes.reset_index(drop=True)], axis=1))
        report.complete.append(name)
    if not frames:
        return None, report
    return pd.concat(frames, ignore_index=True), report
