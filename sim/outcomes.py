"""From observations to results: the per-replicate outcome table, trajectory quantiles, summary.

Everything here works on plain arrays/DataFrames; both engines reduce through it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.kernels.observe import CORE_NAMES
from sim.world import World

POWERS = ("RUS", "CHN", "WST")
FAR_EAST_STATUS = ("russian", "contested", "de_facto_chinese", "annexed")
WAR_STATUS = ("none", "ongoing", "ceasefire", "russian_victory", "rollback")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_IDX = {name: i for i, name in enumerate(CORE_NAMES)}


def observable_names(world: World) -> list[str]:
    """Names of the observables recorded each quarter, in the kernel's order."""
    names = list(CORE_NAMES)
    for code in world.small_codes:
        names += [f"alignment_{code}_{p}" for p in POWERS]
    return names


def outcome_table(world: World, seeds, final_war: np.ndarray, final_nowar: np.ndarray | None,
                  first_replicate: int = 0) -> pd.DataFrame:
    """One row per replicate from the final observations (R, n_obs) of the run and of its
    paired no-war counterfactual (None when the scenario has no war)."""
    names = observable_names(world)
    R = final_war.shape[0]
    col = {name: final_war[:, i] for i, name in enumerate(names)}
    out = {
        "replicate": np.arange(first_replicate, first_replicate + R, dtype=np.int64),
        "seed": np.asarray(seeds, dtype=np.uint64),
    }
    for p in POWERS:
        out[f"power_share_{p}"] = col[f"power_share_{p}"]
        out[f"objective_{p}"] = col[f"objective_{p}"]
    if final_nowar is not None:
        for p in POWERS:
            out[f"war_effect_{p}"] = col[f"objective_{p}"] - final_nowar[:, _IDX[f"objective_{p}"]]
            out[f"share_effect_{p}"] = col[f"power_share_{p}"] - final_nowar[:, _IDX[f"power_share_{p}"]]
        out["both_sides_lose"] = ((out["war_effect_RUS"] < 0) & (out["war_effect_WST"] < 0)
                                  & (out["war_effect_CHN"] > 0))
    else:
        for p in POWERS:
            out[f"war_effect_{p}"] = np.full(R, np.nan)
            out[f"share_effect_{p}"] = np.full(R, np.nan)
        out["both_sides_lose"] = np.zeros(R, dtype=bool)
    for name in ("rus_dependence_on_chn", "rus_concentration", "chn_leverage_over_rus", "alliance_strength",
                 "far_east_presence", "claim_salience", "front", "war_cost_RUS", "war_cost_WST",
                 "secondary_sanction_cost_CHN", "east_bias", "rus_east_defence"):
        out[name] = col[name]
    if final_nowar is not None:
        out["rus_dependence_on_chn_nowar"] = final_nowar[:, _IDX["rus_dependence_on_chn"]]
    rupture = col["alliance_rupture_quarter"]
    out["alliance_rupture_quarter"] = pd.array(np.where(rupture >= 0, rupture, 0).astype(np.int64),
                                               dtype="Int64")
    out["alliance_rupture_quarter"][rupture < 0] = pd.NA
    out["far_east_status"] = pd.Categorical.from_codes(col["far_east_status"].astype(int),
                                                      categories=list(FAR_EAST_STATUS))
    out["passportization"] = col["passportization"] > 0.5
    out["war_status"] = pd.Categorical.from_codes(col["war_status"].astype(int), categories=list(WAR_STATUS))
    for code in world.small_codes:
        for p in POWERS:
            out[f"alignment_{code}_{p}"] = col[f"alignment_{code}_{p}"]
    return pd.DataFrame(out)


def quantile_frame(paths: np.ndarray, names: list[str], run: str) -> pd.DataFrame:
    """Mean and quantiles over replicates of paths (R, T+1, n_obs), in long form."""
    return _long_frame(paths.mean(axis=0), _quantiles_over_replicates(paths), names, run)


def _quantiles_over_replicates(paths: np.ndarray) -> np.ndarray:
    """``np.quantile(paths, QUANTILES, axis=0)`` (5, T+1, n_obs), the same numbers, faster:
    each cell's replicates made contiguous before numpy partitions them."""
    R = paths.shape[0]
    cells = np.ascontiguousarray(paths.reshape(R, -1).T)
    return np.quantile(cells, QUANTILES, axis=1).reshape((len(QUANTILES),) + paths.shape[1:])


class TrajectoryStats:
    """Mean and quantiles over replicates of paths fed block by block (one run).

    While every path fed so far fits ``budget_bytes`` the paths are kept and the quantiles are
    exact (``np.quantile``, linear interpolation: the same numbers as :func:`quantile_frame`
    on all paths at once).  Past the budget it switches, for good, to a streaming
    approximation so memory stops growing with replicates: per quarter x variable a histogram
    of ``bins`` equal bins between ``lo`` and ``lo + bins * width``.  Its range starts at the
    kept paths' min..max; when a value falls outside, the width doubles (pairs of bins merge,
    edges stay aligned) until the value fits, so counts are never re-binned approximately.
    A quantile is read by locating the order statistics ``floor(h)`` and ``floor(h) + 1``
    (``h = (R - 1) q``, numpy's linear rule) in their bins, placing them uniformly within the
    bin and clipping to the exact running min and max.  Error bound: each order statistic is
    off by less than one bin width, so a quantile is off by less than ``width`` = (histogram
    range) / ``bins``; the range is at most twice the span of the values seen (plus the start
    span), i.e. the error is below ~0.2% of a variable's observed range at 1024 bins.
    The mean is exact (a running float64 sum; rounding differs from one ``mean`` over all
    paths by ~1e-16 relative).
    """

    def __init__(self, budget_bytes: float, bins: int = 1024):
        if bins < 2 or bins % 2:
            raise ValueError(f"bins={bins} must be an even number >= 2")
        self.budget_bytes = budget_bytes
        self.bins = int(bins)
        self.kept: list[np.ndarray] = []
        self.kept_bytes = 0
        self.count = 0
        self.total = None
        self.hist = None  # (cells, bins) int64 once streaming
        self.lo = self.width = self.vmin = self.vmax = None

    @property
    def exact(self) -> bool:
        return self.hist is None

    def add(self, paths: np.ndarray) -> None:
        """Feed a block of paths (B, T+1, n_obs)."""
        paths = np.asarray(paths, dtype=np.float64)
        block_sum = paths.sum(axis=0)
        self.total = block_sum if self.total is None else self.total + block_sum
        self.count += paths.shape[0]
        if self.exact and self.kept_bytes + paths.nbytes <= self.budget_bytes:
            self.kept.append(paths.copy())
            self.kept_bytes += paths.nbytes
            return
        if self.exact:
            self._start_histograms(paths.shape[1:])
        self._add_to_histograms(paths)

    def _start_histograms(self, shape) -> None:
        kept = self.kept
        first = kept[0] if kept else None
        self.shape = shape
        cells = int(np.prod(shape))
        self.hist = np.zeros((cells, self.bins), dtype=np.int64)
        if first is None:
            self.lo = None
        else:
            vmin = np.min([b.reshape(b.shape[0], -1).min(axis=0) for b in kept], axis=0)
            vmax = np.max([b.reshape(b.shape[0], -1).max(axis=0) for b in kept], axis=0)
            self._set_range(vmin, vmax)
        self.kept = []
        self.kept_bytes = 0
        for b in kept:
            self._add_to_histograms(b)

    def _set_range(self, vmin: np.ndarray, vmax: np.ndarray) -> None:
        span = vmax - vmin
        floor = 1e-9 * np.maximum(1.0, np.abs(vmin))  # a constant cell still gets a positive width
        self.lo = vmin.copy()
        self.width = np.maximum(span, floor) / self.bins
        self.vmin = vmin.copy()
        self.vmax = vmax.copy()

    def _add_to_histograms(self, paths: np.ndarray) -> None:
        flat = paths.reshape(paths.shape[0], -1)  # (B, cells)
        bmin, bmax = flat.min(axis=0), flat.max(axis=0)
        if self.lo is None:
            self._set_range(bmin, bmax)
        self.vmin = np.minimum(self.vmin, bmin)
        self.vmax = np.maximum(self.vmax, bmax)
        self._grow_to(bmin, bmax)
        idx = np.floor((flat - self.lo) / self.width).astype(np.int64)
        np.clip(idx, 0, self.bins - 1, out=idx)
        cells = flat.shape[1]
        idx += np.arange(cells, dtype=np.int64) * self.bins
        self.hist += np.bincount(idx.ravel(), minlength=cells * self.bins).reshape(cells, self.bins)

    def _grow_to(self, bmin: np.ndarray, bmax: np.ndarray) -> None:
        """Double the width of every cell whose range misses a value, until all fit."""
        half = self.bins // 2
        while True:
            hi = self.lo + self.bins * self.width
            up = bmax > hi
            down = (bmin < self.lo) & ~up  # grow one side per round; loop until both fit
            if not (up.any() or down.any()):
                return
            for mask, upward in ((up, True), (down, False)):
                if not mask.any():
                    continue
                merged = self.hist[mask].reshape(-1, half, 2).sum(axis=2)
                grown = np.zeros((merged.shape[0], self.bins), dtype=np.int64)
                if upward:  # keep lo, the old range becomes the lower half
                    grown[:, :half] = merged
                else:  # keep hi, the old range becomes the upper half
                    grown[:, half:] = merged
                    self.lo[mask] = self.lo[mask] - self.bins * self.width[mask]
                self.hist[mask] = grown
                self.width[mask] = 2.0 * self.width[mask]

    def _order_statistic(self, k: np.ndarray) -> np.ndarray:
        """Estimated k-th smallest value (0-based) of each cell from its histogram."""
        cum = np.cumsum(self.hist, axis=1)
        b = (cum <= k[:, None]).sum(axis=1)  # the bin holding order statistic k
        b = np.minimum(b, self.bins - 1)
        rows = np.arange(self.hist.shape[0])
        before = np.where(b > 0, cum[rows, np.maximum(b - 1, 0)], 0)
        inside = self.hist[rows, b]
        frac = (k - before + 0.5) / np.maximum(inside, 1)
        value = self.lo + self.width * (b + frac)
        return np.clip(value, self.vmin, self.vmax)

    def quantiles(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean (T+1, n_obs), quantiles (len(QUANTILES), T+1, n_obs))."""
        if self.exact:
            paths = np.concatenate(self.kept, axis=0) if len(self.kept) > 1 else self.kept[0]
            return paths.mean(axis=0), _quantiles_over_replicates(paths)
        R = self.count
        out = []
        for qq in QUANTILES:
            h = (R - 1) * qq
            k0 = int(np.floor(h))
            k1 = min(k0 + 1, R - 1)
            cells = self.hist.shape[0]
            x0 = self._order_statistic(np.full(cells, k0))
            x1 = self._order_statistic(np.full(cells, k1))
            out.append((x0 + (h - k0) * (x1 - x0)).reshape(self.shape))
        return self.total / R, np.array(out)

    def frame(self, names: list[str], run: str) -> pd.DataFrame:
        """The long-form table of :func:`quantile_frame`."""
        mean, q = self.quantiles()
        return _long_frame(mean, q, names, run)


def _long_frame(mean: np.ndarray, q: np.ndarray, names: list[str], run: str) -> pd.DataFrame:
    T1, V = mean.shape
    quarter = np.repeat(np.arange(T1), V)
    variable = np.tile(np.array(names, dtype=object), T1)
    frame = {"run": run, "quarter": quarter, "variable": variable, "mean": mean.ravel()}
    for qi, qq in enumerate(QUANTILES):
        frame[f"q{int(round(qq * 100)):02d}"] = q[qi].ravel()
    return pd.DataFrame(frame)


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a binomial proportion k/n."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (float(max(0.0, centre - half)), float(min(1.0, centre + half)))


def summarize(outcomes: pd.DataFrame, world: World, scenario: str, seed: int, has_war: bool) -> dict:
    """The job's summary: P(both sides lose) with its 95% interval, rupture, Far East, leaders."""
    n = len(outcomes)
    k = int(outcomes["both_sides_lose"].sum())
    lo, hi = wilson_interval(k, n)
    rupture = outcomes["alliance_rupture_quarter"]
    ruptured = rupture.notna()
    leading = {}
    for code in world.small_codes:
        cols = [f"alignment_{code}_{p}" for p in POWERS]
        lead = outcomes[cols].to_numpy().argmax(axis=1)
        counts = np.bincount(lead, minlength=3) / max(n, 1)
        leading[code] = {"leader": POWERS[int(counts.argmax())],
                         "shares": {p: float(c) for p, c in zip(POWERS, counts)}}
    return {
        "scenario": scenario,
        "replicates": n,
        "seed": int(seed),
        "has_war": bool(has_war),
        "p_both_sides_lose": k / n if n else float("nan"),
        "p_both_sides_lose_ci": [lo, hi],
        "mean_war_effect": {p: float(outcomes[f"war_effect_{p}"].mean()) if has_war else None for p in POWERS},
        "p_alliance_ruptured": float(ruptured.mean()),
        "median_rupture_quarter": float(rupture[ruptured].median()) if ruptured.any() else None,
        "far_east_status_shares": {s: float((outcomes["far_east_status"] == s).mean()) for s in FAR_EAST_STATUS},
        "leading_power": leading,
        "mean_rus_dependence_on_chn": float(outcomes["rus_dependence_on_chn"].mean()),
    }


