"""``make bench``: the ensemble engine against the Mesa path, ``mesa.batch_run`` and its own floor.

Every figure is measured in this one run, side by side, so that the ratios compare like with
like on whatever the machine is doing at the time.  Timings are medians over ``--repeats``
warm repetitions (compilation is reported separately, from fresh subprocesses).  Prints a
table and writes ``bench.json`` (atomically).

Clocks: ``wall`` is elapsed time; ``cpu`` is the process's CPU time (all threads).  On a
machine shared with other work the CPU time of a single-threaded run is the steadier measure
of its cost; ratios of single-threaded figures use it, figures involving several cores use
wall time.

Usage: ``python experiments/bench.py [--out bench.json] [--repeats 3] [--skip-cold] [--quick]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

TARGETS = {
    "ensemble_over_batch_run": (">=", 30.0),
    "engine_over_floor": ("<=", 1.5),
    "dep_speedup_n8": (">=", 20.0),
    "dep_speedup_n256": (">=", 1.0),
    "parallel_efficiency": (">=", 0.80),
    "peak_memory_100k_gb": ("<", 2.0),
}


# --- helpers ---------------------------------------------------------------------------------
def timed(fn, repeats: int) -> dict:
    """Median wall and CPU seconds of ``fn()`` over ``repeats`` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {"wall_s": median(walls), "cpu_s": median(cpus), "repeats": repeats}


def run_python(code: str, env_extra: dict | None = None, timeout: float = 900) -> dict:
    """Run ``code`` in a fresh interpreter with this checkout on the path; it prints one JSON line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    w0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=timeout)
    wall = time.perf_counter() - w0
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed",
                "process_wall_s": wall}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = wall
    return out


def scheduler_note() -> str:
    """Linux autogroup gives each session one share of the CPUs, whatever its thread count:
    on a machine shared with other sessions, wall-time speed-ups from threads are capped."""
    try:
        enabled = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return "unknown"
    return "autogroup on: this session competes as one group with the other sessions" if enabled else "autogroup off"


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import mesa
    import numba

    return {"cpu": cpu, "cores": os.cpu_count(), "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "platform": platform.platform(), "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__, "mesa": mesa.__version__,
            "load_average_start": list(os.getloadavg()), "scheduler": scheduler_note()}


def batch_run_seeded(model_cls, seeds, parameters: dict, **kwargs):
    """``mesa.batch_run`` with one run per seed, on either Mesa line.

    Mesa 3.3 - 3.4: seeds go as a list under ``rng`` in ``parameters``.  Mesa >= 3.5: as
    ``batch_run``'s own ``rng=`` argument (a list under ``parameters['rng']`` is replaced by
    ``None`` there, and every run would be unseeded).
    """
    import mesa

    major, minor = (int(p) for p in mesa.__version__.split(".")[:2])
    seeds = [int(s) for s in seeds]
    if (major, minor) >= (3, 5):
        return mesa.batch_run(model_cls, parameters=parameters, rng=seeds, **kwargs)
    return mesa.batch_run(model_cls, parameters={**parameters, "rng": seeds}, **kwargs)


def numpy_dependency(D, subst, wk, alpha):
    """The dependency kernel's formulas in plain NumPy (batched LAPACK solve)."""
    n = D.shape[1]
    E = D * (1.0 - subst)[:, :, None]
    A = np.eye(n)[None] - alpha * E
    # P (I - aE) = E  <=>  (I - aE)^T P^T = E^T
    P = np.linalg.solve(A.transpose(0, 2, 1), E.transpose(0, 2, 1)).transpose(0, 2, 1)
    L = np.einsum("k,kji->ij", wk, P) - np.einsum("k,kij->ij", wk, P)
    H = np.einsum("k,kij->i", wk, D * D)
    return E, P, L, H


# --- sections --------------------------------------------------------------------------------
def bench_throughput(cfg, replicates: int, repeats: int) -> dict:
    """Ensemble on 1 thread, the floor, ensemble on all threads: interleaved, round by round.

    Each round times the three back to back, so the per-round ratios (engine / floor,
    parallel efficiency) compare runs made under the same load; medians over rounds.
    """
    import numba

    import sim

    all_threads = numba.config.NUMBA_NUM_THREADS
    rq = replicates * 2 * cfg.horizon
    floor_go, floor_evals = floor_setup(cfg)
    run = lambda: sim.simulate(cfg, replicates=replicates, seed=1, engine="ensemble")  # noqa: E731
    rounds = []
    for _ in range(repeats):
        numba.set_num_threads(1)
        one = timed(run, 1)
        floor = timed(floor_go, 1)
        numba.set_num_threads(all_threads)
        many = timed(run, 1)
        rounds.append({"one_wall": one["wall_s"], "one_cpu": one["cpu_s"], "floor_cpu": floor["cpu_s"],
                       "all_wall": many["wall_s"], "all_cpu": many["cpu_s"]})
    med = lambda key: median(r[key] for r in rounds)  # noqa: E731
    out = {"replicates": replicates, "horizon": cfg.horizon, "replicate_quarters": rq, "rounds": rounds}
    out["one_core"] = {"threads": 1, "wall_s": med("one_wall"), "cpu_s": med("one_cpu"),
                       "rq_per_s": rq / med("one_wall"), "cpu_us_per_rq": 1e6 * med("one_cpu") / rq}
    out["all_cores"] = {"threads": all_threads, "wall_s": med("all_wall"), "cpu_s": med("all_cpu"),
                        "rq_per_s": rq / med("all_wall"), "cpu_us_per_rq": 1e6 * med("all_cpu") / rq}
    out["floor"] = {"cpu_us_per_rq": 1e6 * med("floor_cpu") / floor_evals, "evaluations": floor_evals,
                    "what": "propagation + small-state targets + 3 look-aheads (decide_all) + advance, "
                            "on the states and draws of 160 real replicate-quarters"}
    out["engine_over_floor"] = median((r["one_cpu"] / rq) / (r["floor_cpu"] / floor_evals) for r in rounds)
    out["parallel_efficiency"] = median(r["one_wall"] / (all_threads * r["all_wall"]) for r in rounds)
    # work done, whatever share of the cores the scheduler grants: 1.0 = no parallel overhead
    out["parallel_work_efficiency"] = median(r["one_cpu"] / r["all_cpu"] for r in rounds)
    return out


def bench_mesa(cfg, replicates: int, repeats: int) -> dict:
    import sim

    rq = replicates * 2 * cfg.horizon
    t = timed(lambda: sim.simulate(cfg, replicates=replicates, seed=1, engine="mesa"), repeats)
    t.update(replicates=replicates, replicate_quarters=rq, rq_per_s=rq / t["wall_s"],
             cpu_us_per_rq=1e6 * t["cpu_s"] / rq)
    return t


def bench_batch_run(cfg, replicates: int, repeats: int) -> dict:
    from sim.model import GreatGameModel
    from sim.simulate import replicate_seeds

    seeds = replicate_seeds(1, replicates)
    rq = replicates * 2 * cfg.horizon
    rows = []

    def go():
        rows[:] = batch_run_seeded(GreatGameModel, seeds, {"war": [True, False], "horizon": cfg.horizon},
                                   number_processes=None, display_progress=False)

    t = timed(go, repeats)
    t.update(replicates=replicates, runs=len(rows), replicate_quarters=rq, rq_per_s=rq / t["wall_s"],
             processes=os.cpu_count(), note="includes starting the worker processes (spawn), as users pay it")
    return t


def floor_setup(cfg, calls: int = 40, n_seeds: int = 2):
    """The floor's work: kernel evaluations alone for real replicate-quarters.

    The states are those replicates pass through (war run and no-war twin, ``n_seeds`` seeds,
    every quarter, taken from the Mesa model), each with that quarter's draws, so the floor does
    exactly the kernel work the engine does on those replicate-quarters (propagation,
    small-state targets, the three look-aheads, advance) without the observation, the draws,
    the copies and the reduction.  Returns (go, evaluations per go()).
    """
    from sim.ensemble import floor_quarters
    from sim.kernels.step import make_work
    from sim.model import GreatGameModel
    from sim.params import to_vector
    from sim.simulate import replicate_seeds
    from sim.state import no_war

    world = cfg.world
    w = world.to_vector()
    items = []
    for war in (True, False):
        theta = to_vector(cfg.params if war else no_war(cfg.params))
        for seed in replicate_seeds(99, n_seeds):
            model = GreatGameModel(cfg, rng=int(seed), war=war)
            t = 0
            while model.running:
                items.append((model.x.copy(), theta, model.uniforms[t], model.normals[t]))
                model.step()
                t += 1
    work = make_work(world.n, world.k, world.cand.shape[1])
    chosen = np.zeros(3, dtype=np.int64)
    state = np.empty_like(items[0][0])

    def go():
        for x, theta, u, z in items:
            floor_quarters(x, w, theta, u, z, calls, work, chosen, state)

    x, theta, u, z = items[0]
    floor_quarters(x, w, theta, u, z, 1, work, chosen, state)
    return go, len(items) * calls


def bench_dependency(repeats: int) -> dict:
    import sim
    from sim.ensemble import dependency_repeat, dependency_update

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        threadpool_limits = None
    out = {}
    for n, calls in ((8, 2000), (256, 3)):
        world = sim.load_config("baseline").world if n == 8 else sim.synthetic_world(n, seed=0)
        D, subst, wk, alpha = world.D.copy(), world.subst.copy(), world.weights.copy(), 0.5
        k = D.shape[0]
        E, P, L, H, solve = (np.zeros((k, n, n)), np.zeros((k, n, n)), np.zeros((n, n)), np.zeros(n),
                             np.zeros((n, 2 * n)))
        dependency_update(D, subst, wk, alpha, E, P, L, H, solve)

        dependency_repeat(D, subst, wk, alpha, E, P, L, H, solve, 1)

        def numba_calls():
            dependency_repeat(D, subst, wk, alpha, E, P, L, H, solve, calls)

        def numpy_calls():
            for _ in range(calls):
                numpy_dependency(D, subst, wk, alpha)

        pairs = []
        for _ in range(repeats):  # interleaved, so each ratio compares runs under the same load
            t_nb = timed(numba_calls, 1)
            if threadpool_limits is not None:
                with threadpool_limits(limits=1):
                    t_np1 = timed(numpy_calls, 1)
            else:
                t_np1 = timed(numpy_calls, 1)
            pairs.append((t_nb["cpu_s"], t_np1["cpu_s"]))
        t_np = timed(numpy_calls, 1)
        t_nb = {"cpu_s": median(p[0] for p in pairs), "wall_s": median(p[0] for p in pairs)}
        t_np1 = {"cpu_s": median(p[1] for p in pairs)}
        speedup = median(p[1] / p[0] for p in pairs)
        ref = numpy_dependency(D, subst, wk, alpha)
        err = max(float(np.max(np.abs(a - b))) for a, b in zip((E, P, L, H), ref))
        out[f"n{n}"] = {
            "k": k, "numba_us": 1e6 * t_nb["cpu_s"] / calls, "numpy_1thread_us": 1e6 * t_np1["cpu_s"] / calls,
            "numpy_blas_threads_wall_us": 1e6 * t_np["wall_s"] / calls,
            "speedup_vs_numpy_1thread": speedup, "rounds": repeats,
            "numpy_all_blas_threads_over_numba": t_np["wall_s"] / t_nb["wall_s"], "max_abs_difference": err}
    return out


def bench_scaling(cfg, repeats: int) -> dict:
    import numba

    import sim
    from sim.ensemble import run_block
    from sim.kernels.observe import n_observables
    from sim.params import to_vector
    from sim.state import initial_state, no_war

    numba.set_num_threads(1)
    plan = {8: (16, 10), 16: (16, 10), 32: (8, 8), 64: (4, 4), 128: (1, 3), 256: (1, 2)}
    rows = []
    for n, (R, H) in plan.items():
        world = sim.synthetic_world(n, seed=0)
        w = world.to_vector()
        runs = (cfg.params, no_war(cfg.params))
        x0 = np.stack([initial_state(world, p, w) for p in runs])
        theta = np.stack([to_vector(p) for p in runs])
        seeds = sim.replicate_seeds(1, R)
        nobs = n_observables(w)
        reps = repeats if n <= 64 else 1
        t = timed(lambda: run_block(x0, w, theta, seeds, H, nobs), reps)
        rq = 2 * R * H
        rows.append({"n": n, "replicates": R, "horizon": H, "cpu_ms_per_rq": 1e3 * t["cpu_s"] / rq,
                     "wall_ms_per_rq": 1e3 * t["wall_s"] / rq, "repeats": reps})
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    ns = np.array([r["n"] for r in rows], dtype=float)
    ts = np.array([r["cpu_ms_per_rq"] for r in rows])
    big = ns >= 64
    return {"rows": rows, "exponent_all": float(np.polyfit(np.log(ns), np.log(ts), 1)[0]),
            "exponent_n_ge_64": float(np.polyfit(np.log(ns[big]), np.log(ts[big]), 1)[0])}


MEMORY_CODE = """
import json, resource, time, sim
cfg = sim.load_config("baseline", ["horizon={horizon}"])
sim.simulate(cfg, replicates=2, seed=1, engine="ensemble")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
r = sim.simulate(cfg, replicates={replicates}, seed=1, engine="ensemble")
wall = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"replicates": len(r.outcomes), "horizon": {horizon}, "peak_rss_mb": peak / 1024,
                  "rss_after_warmup_mb": before / 1024, "wall_s": wall,
                  "trajectory_quantiles": r.summary["trajectory_quantiles"]}}))
"""

COMPILE_CODE = """
import json, time
t0 = time.perf_counter()
import sim
t1 = time.perf_counter()
sim.simulate(sim.load_config("baseline", ["horizon=4"]), replicates=2, seed=1, engine="ensemble")
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_simulate_s": t2 - t1}))
"""


def bench_memory(replicates: int, horizon: int) -> dict:
    out = run_python(MEMORY_CODE.format(replicates=replicates, horizon=horizon))
    if "error" in out:
        return out
    # what depends on the horizon: the exact paths kept (capped by QUANTILE_BUDGET_BYTES) and,
    # once past the cap, the two runs' histograms (quarters x variables x bins x 8 bytes)
    from sim.outcomes import observable_names
    from sim.simulate import QUANTILE_BUDGET_BYTES
    import sim

    n_obs = len(observable_names(sim.load_config("baseline").world))

    def horizon_bytes(h):
        paths = replicates * 2 * (h + 1) * n_obs * 8
        if paths <= QUANTILE_BUDGET_BYTES:
            return paths
        return QUANTILE_BUDGET_BYTES + 2 * (h + 1) * n_obs * 1024 * 8

    out["projected_peak_mb_horizon_40"] = out["peak_rss_mb"] + (horizon_bytes(40) - horizon_bytes(horizon)) / 2**20
    return out


def bench_compile(skip_cold: bool) -> dict:
    out = {"warm_cache": run_python(COMPILE_CODE)}
    if skip_cold:
        out["empty_cache"] = {"skipped": True}
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out["empty_cache"] = run_python(COMPILE_CODE, {"NUMBA_CACHE_DIR": tmp}, timeout=1800)
    return out


# --- report ----------------------------------------------------------------------------------
def headline(res: dict) -> dict:
    thr, mesa_, br = res["throughput"], res["mesa_path"], res["batch_run"]
    return {
        "ensemble_rq_per_s_one_core": thr["one_core"]["rq_per_s"],
        "ensemble_rq_per_s_all_cores": thr["all_cores"]["rq_per_s"],
        "mesa_rq_per_s": mesa_["rq_per_s"],
        "batch_run_rq_per_s": br["rq_per_s"],
        "ensemble_over_mesa_same_cores": thr["one_core"]["rq_per_s"] / mesa_["rq_per_s"],
        "ensemble_over_mesa": thr["all_cores"]["rq_per_s"] / mesa_["rq_per_s"],
        "ensemble_over_batch_run": thr["all_cores"]["rq_per_s"] / br["rq_per_s"],
        "floor_us_per_rq": thr["floor"]["cpu_us_per_rq"],
        "engine_us_per_rq_one_core_cpu": thr["one_core"]["cpu_us_per_rq"],
        "engine_over_floor": thr["engine_over_floor"],
        "dep_speedup_n8": res["dependency"]["n8"]["speedup_vs_numpy_1thread"],
        "dep_speedup_n256": res["dependency"]["n256"]["speedup_vs_numpy_1thread"],
        "scaling_exponent_all": res["scaling"]["exponent_all"],
        "scaling_exponent_n_ge_64": res["scaling"]["exponent_n_ge_64"],
        "parallel_efficiency": thr["parallel_efficiency"],
        "parallel_work_efficiency": thr["parallel_work_efficiency"],
        "peak_memory_100k_gb": res["memory"].get("peak_rss_mb", float("nan")) / 1024,
    }


def table(res: dict) -> str:
    h = res["headline"]
    lines = [f"greatgame bench - {res['machine']['cpu']}, {res['machine']['cores']} cores, "
             f"numba threads {res['machine']['numba_threads']}, load average at start "
             f"{res['machine']['load_average_start'][0]:.1f}",
             f"{'figure':<52}{'value':>14}  target"]

    def row(name, value, fmt, key=None):
        target = ""
        if key in TARGETS:
            op, bound = TARGETS[key]
            ok = value >= bound if op == ">=" else (value <= bound if op == "<=" else value < bound)
            target = f"{op} {bound:g}  {'met' if ok else 'MISSED'}"
        lines.append(f"{name:<52}{format(value, fmt):>14}  {target}")

    thr = res["throughput"]
    row("ensemble, 1 core (replicate-quarters/s)", h["ensemble_rq_per_s_one_core"], ",.0f")
    row(f"ensemble, {thr['all_cores']['threads']} cores (replicate-quarters/s)", h["ensemble_rq_per_s_all_cores"], ",.0f")
    row("Mesa path, 1 process (replicate-quarters/s)", h["mesa_rq_per_s"], ",.1f")
    row("mesa.batch_run, all cores (replicate-quarters/s)", h["batch_run_rq_per_s"], ",.1f")
    row("ensemble 1 core / Mesa path", h["ensemble_over_mesa_same_cores"], ",.0f")
    row("ensemble all cores / Mesa path", h["ensemble_over_mesa"], ",.0f")
    row("ensemble / batch_run (both all cores)", h["ensemble_over_batch_run"], ",.0f", "ensemble_over_batch_run")
    row("floor: kernels of one replicate-quarter (us, cpu)", h["floor_us_per_rq"], ".1f")
    row("engine per replicate-quarter, 1 core (us, cpu)", h["engine_us_per_rq_one_core_cpu"], ".1f")
    row("engine / floor", h["engine_over_floor"], ".2f", "engine_over_floor")
    dep = res["dependency"]
    row("dependency kernel N=8: numba (us)", dep["n8"]["numba_us"], ".2f")
    row("dependency kernel N=8: NumPy (us)", dep["n8"]["numpy_1thread_us"], ".2f")
    row("dependency kernel N=8: numba speed-up", h["dep_speedup_n8"], ".1f", "dep_speedup_n8")
    row("dependency kernel N=256: numba (ms)", dep["n256"]["numba_us"] / 1e3, ".1f")
    row("dependency kernel N=256: NumPy, 1 BLAS thread (ms)", dep["n256"]["numpy_1thread_us"] / 1e3, ".1f")
    row("dependency kernel N=256: numba speed-up", h["dep_speedup_n256"], ".2f", "dep_speedup_n256")
    for r in res["scaling"]["rows"]:
        row(f"cost per replicate-quarter, N={r['n']} (ms, cpu)", r["cpu_ms_per_rq"], ".3f")
    row("fitted exponent, N=8..256", h["scaling_exponent_all"], ".2f")
    row("fitted exponent, N=64..256", h["scaling_exponent_n_ge_64"], ".2f")
    row(f"parallel efficiency, 1 -> {thr['all_cores']['threads']} cores", h["parallel_efficiency"], ".2f",
        "parallel_efficiency")
    row("  CPU time 1 thread / CPU time all threads (work)", h["parallel_work_efficiency"], ".2f")
    mem = res["memory"]
    row(f"peak memory, {mem.get('replicates', 0):,} replicates, horizon {mem.get('horizon', '?')} (GB)",
        h["peak_memory_100k_gb"], ".2f", "peak_memory_100k_gb")
    if "projected_peak_mb_horizon_40" in mem:
        row("  projected at horizon 40 (GB)", mem["projected_peak_mb_horizon_40"] / 1024, ".2f")
    comp = res["compile"]
    for label, key in (("first call, warm cache (s)", "warm_cache"), ("first call, empty cache (s)", "empty_cache")):
        c = comp.get(key, {})
        if "first_simulate_s" in c:
            row(label + " [import + simulate]", c["import_s"] + c["first_simulate_s"], ".1f")
        else:
            lines.append(f"{label:<52}{'skipped' if c.get('skipped') else c.get('error', '?'):>14}")
    lines.append(f"load average at end {res['machine']['load_average_end'][0]:.1f}; "
                 f"bench took {res['bench_wall_s']:.0f} s; scheduler: {res['machine']['scheduler']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench.json")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--replicates", type=int, default=256, help="ensemble replicates per timing")
    ap.add_argument("--mesa-replicates", type=int, default=4)
    ap.add_argument("--batch-replicates", type=int, default=16)
    ap.add_argument("--memory-replicates", type=int, default=100_000)
    ap.add_argument("--memory-horizon", type=int, default=1)
    ap.add_argument("--skip-cold", action="store_true", help="skip the empty-cache compile (slow)")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats, args.replicates, args.mesa_replicates, args.batch_replicates = 2, 16, 1, 2
        args.memory_replicates, args.skip_cold = 2000, True
    t_start = time.perf_counter()
    import sim

    res = {"machine": machine()}
    cfg = sim.load_config("baseline")
    print("compile (fresh subprocesses) ...", flush=True)
    res["compile"] = {"warm_cache": run_python(COMPILE_CODE)}  # also fills the cache if empty
    sim.simulate(cfg, replicates=2, seed=1, engine="ensemble")  # warm this process
    sim.simulate(sim.load_config("baseline", ["horizon=2"]), replicates=1, seed=1, engine="mesa")
    steps = [("throughput", lambda: bench_throughput(cfg, args.replicates, args.repeats)),
             ("mesa_path", lambda: bench_mesa(cfg, args.mesa_replicates, 2)),
             ("batch_run", lambda: bench_batch_run(cfg, args.batch_replicates, 1)),
             ("dependency", lambda: bench_dependency(args.repeats)),
             ("scaling", lambda: bench_scaling(cfg, 3)),
             ("memory", lambda: bench_memory(args.memory_replicates, args.memory_horizon))]
    for name, fn in steps:
        print(f"{name} ...", flush=True)
        res[name] = fn()
    if not args.skip_cold:
        print("compile with an empty cache ...", flush=True)
    res["compile"].update({k: v for k, v in bench_compile(args.skip_cold).items() if k == "empty_cache"})
    res["machine"]["load_average_end"] = list(os.getloadavg())
    res["bench_wall_s"] = time.perf_counter() - t_start
    res["headline"] = headline(res)
    res["targets"] = {k: {"op": op, "bound": b, "value": res["headline"][k]} for k, (op, b) in TARGETS.items()}
    text = table(res)
    res["table"] = text
    print(text)
    out = Path(args.out)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(res, indent=2, default=float))
    os.replace(tmp, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
