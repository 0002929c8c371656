"""The ``greatgame`` command (a Hydra app over ``configs/``) and ``greatgame-collect``.

``greatgame scenario=point_east replicates=2000 seed=7`` runs one job;
``greatgame -m scenario=baseline,point_east seed=1,2`` sweeps (one job per combination);
``greatgame-collect SWEEP_DIR`` gathers the finished jobs of a sweep into ``SWEEP_DIR/sweep.parquet``.

Before Hydra starts, :func:`main` checks every job of the command (each value of each swept key)
with the same code that converts a composed config, so a typo costs a second, prints one line on
stderr, exits with code 2 and leaves no directory behind.  It also picks deterministic output
directories (``outputs/<overrides>`` and ``multirun/<overrides>``), so re-running the same command
finds the jobs already complete (their ``DONE`` marker matches config and code) and skips them.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from sim.config import (ConfigError, available, check_option, check_setting, compose_dict, config_dir,
                        config_from_dict)

log = logging.getLogger(__name__)
PROG = "greatgame"
EXIT_USAGE = 2
#: Launchers (``hydra/launcher=...``): our presets in configs/hydra/launcher plus Hydra's and its plugins'.
BUILTIN_LAUNCHERS = ("basic", "joblib", "submitit_local", "submitit_slurm")
#: Settings whose swept values are checked one by one without composing (see check_setting).
CHEAP_SETTINGS = ("replicates", "seed", "horizon", "engine", "keep_paths", "progress")


class _Usage(Exception):
    """A command-line mistake: one line for the user."""


def available_cores() -> int:
    """Cores this process may run on (respects taskset / cgroups affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _register_resolvers() -> None:
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("greatgame_cores"):
        OmegaConf.register_new_resolver("greatgame_cores", available_cores)


# registered at import: worker processes (joblib, submitit) import this module to unpickle run_job
_register_resolvers()


# --- checking a command before Hydra runs it ---------------------------------------------------

def _parse_overrides(strings: list[str]):
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    try:
        return OverridesParser.create().parse_overrides(strings)
    except OverrideParseException as err:
        first = str(err).strip().splitlines()[0]
        raise ConfigError(f"cannot read the override: {first}") from None


def _is_hydra(override) -> bool:
    return override.key_or_group == "hydra" or override.key_or_group.startswith(("hydra.", "hydra/"))


def _values(override) -> list[str]:
    """The value strings of one override: one for a plain value, every element of a sweep."""
    from hydra.core.override_parser.types import ValueType

    if not override.is_sweep_override():
        return [override.get_value_element_as_str()]
    if override.value_type == ValueType.GLOB_CHOICE_SWEEP:
        group = override.key_or_group
        return override.value().filter(available(group))
    if not override.is_discrete_sweep():
        raise ConfigError(f"{override.input_line}: only lists (a,b,c), range(...) and glob(...) can be swept")
    return list(override.sweep_string_iterator())


def _typed(key: str, text: str):
    """The typed value Hydra gives ``key=text`` (int, float, bool, str, list ...)."""
    (override,) = _parse_overrides([f"{key}={text}"])
    return override.value()


def _check_launcher(hydra_overrides) -> str:
    launcher = "basic"
    for o in hydra_overrides:
        if o.key_or_group == "hydra/launcher":
            launcher = o.get_value_element_as_str()
            options = sorted({*available("hydra/launcher"), *BUILTIN_LAUNCHERS})
            if launcher not in options:
                raise ConfigError(f"unknown hydra/launcher {launcher!r}; available: {', '.join(options)}")
    return launcher


def check_command(overrides: list[str], multirun: bool) -> tuple[dict, set[str], str]:
    """Check every job a command would run, without running any.

    The first job (first value of every key) is composed in full; every further value of a
    swept group (scenario, actors, experiment) is composed too, and every further value of a
    swept setting is checked on its own (cheap, so ``seed='range(0,10000)'`` costs nothing).

    Returns
    -------
    (first job's composed config, engines used, launcher name)
    """
    parsed = _parse_overrides(overrides)
    hydra_part = [o for o in parsed if _is_hydra(o)]
    job_part = [o for o in parsed if not _is_hydra(o)]
    launcher = _check_launcher(hydra_part)
    values = {}
    for o in job_part:
        if o.get_key_element() in values:  # Hydra would silently keep the last one
            raise ConfigError(f"{o.key_or_group} is given twice; give it once")
        values[o.get_key_element()] = _values(o)
        if o.is_sweep_override() and not multirun:
            raise ConfigError(f"{o.input_line} gives several values: add -m (--multirun) to run one job per value")
        if not values[o.get_key_element()]:
            raise ConfigError(f"{o.input_line}: the sweep has no values")
    if multirun:  # an experiment may sweep too (hydra.sweeper.params); the command line wins
        given = {k.lstrip("+~") for k in values}
        plain = [f"{o.get_key_element()}={values[o.get_key_element()][0]}" for o in job_part]
        plain += [o.input_line for o in hydra_part if not o.is_sweep_override()]
        for key, text in _sweeper_params(plain).items():
            if key not in given:
                (o,) = _parse_overrides([f"{key}={text}"])
                values[key] = _values(o)
    first = {k: v[0] for k, v in values.items()}
    scenario_keys = [k for k in first if k.lstrip("+~") == "scenario"]

    def compose(choice: dict) -> dict:
        scenario = choice.get(scenario_keys[0]) if scenario_keys else None
        rest = [f"{k}={v}" for k, v in choice.items() if k not in scenario_keys]
        return compose_dict(scenario, rest)

    cfg = compose(first)
    first_config = config_from_dict(cfg)
    engines = {first_config.engine}
    for key, vals in values.items():
        name = key.lstrip("+~")
        for text in vals[1:]:
            if not (name in CHEAP_SETTINGS or name.startswith("params.") and name.count(".") == 2):
                if name == "scenario":
                    check_option("scenario", text)
                config_from_dict(compose({**first, key: text}))
            else:
                value = _typed(name, text)
                check_setting(name, value)
                if name == "engine":
                    engines.add(value)
    return cfg, engines, launcher


def _sweeper_params(overrides: list[str]) -> dict[str, str]:
    """``hydra.sweeper.params`` of the composed config (set by an experiment file), as strings."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
    except Exception as err:  # Hydra's errors: one line
        from sim.config import hydra_message

        raise ConfigError(hydra_message(err)) from None
    finally:
        GlobalHydra.instance().clear()
    params = OmegaConf.select(cfg, "hydra.sweeper.params")
    if params is None:
        return {}
    return {str(k): str(v) for k, v in OmegaConf.to_container(params, resolve=False).items()}


# --- deterministic output directories -----------------------------------------------------------

def _slug(job_overrides: list[str]) -> str:
    """A directory name for a command's overrides, e.g. ``scenario=point_east,seed=7``."""
    text = ",".join(job_overrides) if job_overrides else "default"
    text = re.sub(r"[^A-Za-z0-9=._,+-]", "_", text.replace("/", "-"))
    if len(text) > 100:  # keep names short; the hash keeps them distinct
        text = text[:80] + "-" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return text


def hydra_defaults(overrides: list[str], multirun: bool) -> list[str]:
    """Hydra settings added to the user's: our help, the job name, deterministic output dirs."""
    given = {o.split("=", 1)[0].lstrip("+") for o in overrides}
    job_overrides = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    extra = []
    if "hydra/help" not in given:
        extra.append("hydra/help=greatgame")
    if "hydra.job.name" not in given:
        extra.append(f"hydra.job.name={PROG}")
    if multirun and "hydra.sweep.dir" not in given:
        extra.append(f"hydra.sweep.dir='multirun/{_slug(job_overrides)}'")
    if not multirun and "hydra.run.dir" not in given:
        extra.append(f"hydra.run.dir='outputs/{_slug(job_overrides)}'")
    return extra


# --- numba under parallel launchers -------------------------------------------------------------

def warm_numba(cfg: dict, engines: set[str]) -> None:
    """Compile (or load) the kernels once in this process, before parallel jobs start.

    Parallel workers then only read numba's on-disk cache (keyed by the kernel sources, see
    sim/_cache.py) instead of several compiling and writing it at once.
    """
    from sim.simulate import simulate

    config = config_from_dict(cfg)
    tiny = replace(config, replicates=1, horizon=2)
    for engine in sorted(engines):
        simulate(tiny, replicates=1, seed=0, engine=engine)


def job_threads(hydra_cfg) -> int:
    """numba threads for one job so that processes x threads <= cores."""
    cores = available_cores()
    launcher = hydra_cfg.launcher
    target = str(launcher.get("_target_", ""))
    if "joblib" in target.lower():
        n_jobs = int(launcher.get("n_jobs") or 1)
        if n_jobs < 0:  # joblib: -1 means all cores, -2 all but one ...
            n_jobs = max(1, cores + 1 + n_jobs)
        return max(1, cores // n_jobs)
    if "submitit" in target.lower():
        return int(launcher.get("cpus_per_task") or 1)
    return cores  # the basic launcher runs one job at a time


def _limit_threads(threads: int) -> int:
    """Use at most ``threads`` numba threads (and never more than NUMBA_NUM_THREADS); returns the count."""
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    return numba.get_num_threads()


# --- one job -----------------------------------------------------------------------------------

def _only_hydra_artifacts(job_dir: Path) -> bool:
    return job_dir.is_dir() and all(p.name == ".hydra" or p.suffix == ".log" for p in job_dir.iterdir())


def _remove_unfinished(job_dir: Path) -> None:
    """Remove a job directory that holds nothing but what Hydra wrote before the job failed."""
    if _only_hydra_artifacts(job_dir):
        shutil.rmtree(job_dir, ignore_errors=True)


def run_job(cfg) -> None:
    """The Hydra task: convert the composed config once, skip if complete, simulate, write."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    from sim import io
    from sim.simulate import simulate

    hydra_cfg = HydraConfig.get()
    job_dir = Path(hydra_cfg.runtime.output_dir)
    plain = OmegaConf.to_container(cfg, resolve=True)
    try:
        config = config_from_dict(plain)
    except ConfigError as err:
        _remove_unfinished(job_dir)
        print(f"{PROG}: error: {err}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    if io.is_complete(job_dir, io.job_hash(plain)):
        print(f"already complete: {job_dir}")
        return
    threads = _limit_threads(job_threads(hydra_cfg))
    log.info("numba threads for this job: %d", threads)
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    results = simulate(config, keep_paths=bool(plain.get("keep_paths", False)),
                       progress=bool(plain.get("progress", False)))
    io.write_job(job_dir, results, plain, OmegaConf.to_yaml(cfg, resolve=True))
    s = results.summary
    lo, hi = s["p_both_sides_lose_ci"]
    print(f"{job_dir}: {s['scenario']}, {s['replicates']} replicates: P(both sides lose) = "
          f"{s['p_both_sides_lose']:.3f} [{lo:.3f}, {hi:.3f}]")


#: Top-level switches that configs/config.yaml may not declare: set them with ``++`` (add or override).
OPTIONAL_KEYS = ("keep_paths", "progress")


def _optional_key(arg: str) -> str:
    key = arg.split("=", 1)[0]
    return f"++{arg}" if "=" in arg and key in OPTIONAL_KEYS else arg


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``greatgame`` (see ``greatgame --help``)."""
    import hydra
    from hydra._internal.utils import get_args_parser

    argv = [_optional_key(a) for a in (sys.argv[1:] if argv is None else argv)]
    args = get_args_parser().parse_args(argv)
    _register_resolvers()
    informational = args.help or args.hydra_help or args.cfg or args.info or args.shell_completion
    if not informational:
        try:
            cfg, engines, launcher = check_command(args.overrides, args.multirun)
        except ConfigError as err:
            print(f"{PROG}: error: {err}", file=sys.stderr)
            sys.exit(EXIT_USAGE)
        if args.multirun and launcher != "basic":
            warm_numba(cfg, engines)
    # Hydra reads sys.argv; ours go after the user's (a user's own hydra.run.dir etc. are kept).
    sys.argv = [sys.argv[0], *argv, *hydra_defaults(args.overrides, args.multirun)]
    app = hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")(run_job)
    try:
        app()
    except BrokenPipeError:  # `greatgame --help | head`: the reader left; not an error of ours
        sys.stderr.close()
        os._exit(0)


# --- greatgame-collect --------------------------------------------------------------------------

def collect_main(argv: list[str] | None = None) -> None:
    """Entry point of ``greatgame-collect SWEEP_DIR``: every finished job into ``SWEEP_DIR/sweep.parquet``."""
    from sim import io

    parser = argparse.ArgumentParser(
        prog="greatgame-collect",
        description="Gather the outcomes of every finished job of a sweep into one table, one row per "
                    "job x replicate, with each overridden key of the job as a column. Missing and "
                    "unfinished jobs are reported on stderr, not dropped silently.")
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="where to write the table (default: SWEEP_DIR/sweep.parquet)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.sweep_dir.is_dir():
        print(f"greatgame-collect: error: {args.sweep_dir} is not a directory", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    table, report = io.collect_sweep(args.sweep_dir)
    for line in report.lines():
        print(f"greatgame-collect: {line}", file=sys.stderr)
    if table is None:
        print(f"greatgame-collect: error: no complete job in {args.sweep_dir}", file=sys.stderr)
        sys.exit(1)
    out = args.output or args.sweep_dir / "sweep.parquet"
    io.write_parquet(table, out)
    print(f"greatgame-collect: {len(table)} rows from {len(report.complete)} jobs -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
