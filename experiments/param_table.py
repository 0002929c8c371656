"""Generate the tables of docs/MODEL.md so that they cannot drift from the code and the data.

Three blocks, each written between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers:

* ``params``: every behavioural parameter from :data:`sim.params.SPECS` (name, meaning,
  unit, default, range, source);
* ``world``: the calibrated default world, figure by figure with its source (or
  "assumption") and range, from ``configs/actors/central_asia.yaml``;
* ``pull``: the institutional pull weights of :mod:`sim.world` and the pull each small state
  of the default world gets from them.

Usage::

    python experiments/param_table.py                        # print the parameter table
    python experiments/param_table.py --block world          # print another block
    python experiments/param_table.py --check docs/MODEL.md  # exit 1 if a block is stale
    python experiments/param_table.py --write docs/MODEL.md  # rewrite the blocks in place

``tests/test_docs.py`` runs the check.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORLD_FILE = ROOT / "configs" / "actors" / "central_asia.yaml"
POWERS = ("RUS", "CHN", "WST")
CATEGORIES = ("war", "influence", "east", "support", "growth")

#: Units of the actor fields when the data file gives none.
ACTOR_FIELDS = {
    "output": "US$ bn/yr",
    "population": "million",
    "growth": "1/yr",
    "milex_share": "share of output",
    "budget_share": "share of output",
    "military_stock": "US$ bn",
    "volatility": "1/quarter",
    "remittances_from_russia": "share of GDP",
}
SCALAR_UNITS = {"output_share": "share of Russia's output", "presence": "index in [0, 1]",
                "salience": "index in [0, 1]", "front": "share of the stakes held by Russia",
                "strength": "index in [0, 1]", "intent_west": "1", "intent_china": "1",
                "east_defence": "US$ bn"}
UNSOURCED = "assumption (no source in the data file)"
NOT_USED = "context only, not used by the dynamics"
#: Start-state scalars of the world file and the key the loader stores them under.
LOADER_SCALARS = {
    "far_east": {"output_share": "fe_output_share", "presence": "presence", "salience": "salience",
                 "east_defence": "east_defence"},
    "war": {"front": "front", "reference_effort": "war_reference_effort", "aid_pace": "aid_pace"},
    "alliance": {"strength": "alliance", "intent_west": "intent_west", "intent_china": "intent_china"},
}


# --- small helpers -------------------------------------------------------------------------------
def _cell(value) -> str:
    """One markdown table cell: no pipes or line breaks inside."""
    return str(value).replace("|", "\\|").replace("\n", " ").strip()


def _row(*cells) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    lines = [_row(*header), "|" + "|".join("---" for _ in header) + "|"]
    lines += [_row(*r) for r in rows]
    return "\n".join(lines)


def _num(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return f"{v:g}"
    return str(v)


def _figure(raw) -> tuple[str, str | None, str, str]:
    """(value, unit, source, range and note) of a figure given bare or as a mapping."""
    if not isinstance(raw, dict):
        return _num(raw), None, UNSOURCED, "no range given"
    source = str(raw.get("source", UNSOURCED))
    extra = []
    if "range" in raw:
        lo, hi = raw["range"]
        extra.append(f"[{_num(lo)}, {_num(hi)}]")
    elif source.strip().lower().startswith("assumption"):
        extra.append("no range given")
    if "note" in raw:
        extra.append(str(raw["note"]))
    return _num(raw.get("value")), raw.get("unit"), source, "; ".join(extra)


# --- the blocks ------------------------------------------------------------------------------------
def params_table() -> str:
    """The parameter table, one sub-table per group, in the order of ``SPECS`` (= theta)."""
    from sim.params import GROUPS, SPECS

    assumed = sum(s.source.strip().lower().startswith("assumption") for s in SPECS)
    parts = [f"{len(SPECS)} parameters: {len(SPECS) - assumed} calibrated (against a sourced figure or an observed pattern), "
             f"{assumed} assumptions (some bounded by a sourced figure)."]
    for group in GROUPS:
        rows = []
        for s in SPECS:
            if s.group != group:
                continue
            if s.kind == "bool":
                default, rng = _num(bool(s.default)), "false / true"
            elif s.kind == "int":
                default, rng = f"{int(s.default)}", f"[{int(s.low)}, {int(s.high)}]"
            else:
                default, rng = _num(s.default), f"[{_num(s.low)}, {_num(s.high)}]"
            rows.append((f"`{s.name}`", s.meaning, s.unit, default, rng, s.source))
        parts.append(f"**{group}**\n\n" + _table(("name", "meaning", "unit", "default", "range", "source"), rows))
    return "\n\n".join(parts)


def world_tables(raw: dict | None = None) -> str:
    """The calibrated default world as tables: every figure with its source or 'assumption' and range."""
    raw = _load_world() if raw is None else raw
    parts = []
    # channels
    rows = []
    for name, ch in raw["channels"].items():
        rows.append((name, _num(ch.get("weight")), _num(ch.get("substitutability", 0.5)),
                     _num(ch.get("influence", True)), _num(ch.get("support", False))))
    parts.append("**Channels** (weights and default substitutability are assumptions without a range in the "
                 "data file)\n\n" + _table(("channel", "weight w_k", "substitutability", "moved by influence",
                                             "moved by China's support"), rows))
    # start-state scalars
    rows = []
    for section in ("far_east", "war", "alliance"):
        given = raw.get(section) or {}
        for key, fig in given.items():
            value, unit, source, extra = _figure(fig)
            if key == "population":
                extra = "; ".join(filter(None, [extra, NOT_USED]))
            rows.append((f"actors.{section}.{key}", value, unit or SCALAR_UNITS.get(key, ""), source, extra))
        for key, scalar in LOADER_SCALARS[section].items():
            if key not in given:  # the loader's default applies: say so
                rows.append((f"actors.{section}.{key}", _num(_loaded_world(raw).scalars[scalar]), SCALAR_UNITS.get(key, ""),
                             "default of the loader (sim/world.py): assumption", "no range given"))
    parts.append("**Start state (2024Q2)**\n\n" + _table(("figure", "value", "unit", "source", "range; note"), rows))
    # actors
    rows = []
    for code, a in raw["actors"].items():
        for key, default_unit in ACTOR_FIELDS.items():
            if key not in a:
                continue
            value, unit, source, extra = _figure(a[key])
            if key == "population":
                extra = "; ".join(filter(None, [extra, NOT_USED]))
            rows.append((f"{code}.{key}", value, unit or default_unit, source, extra))
    parts.append("**Actors** (money per year here; the loader divides by 4 and converts growth to a "
                 "quarterly rate)\n\n" + _table(("figure", "value", "unit", "source", "range; note"), rows))
    # proximity
    rows = []
    for code, a in raw["actors"].items():
        prox = a.get("proximity") or {}
        rows.append((code, *(_num(prox[p]) if p in prox else "-" for p in POWERS)))
    parts.append("**Proximity** to each great power (Walt's proximity; " + UNSOURCED + ", no range given)\n\n"
                 + _table(("actor", *POWERS), rows))
    # memberships
    rows = []
    for code, a in raw["actors"].items():
        ins = a.get("institutions")
        if ins is None:
            continue
        members = ", ".join(k for k, v in ins.items() if v is True) or "none"
        rows.append((code, members, _num(ins.get("china_debt_share", 0.0)), a.get("institutions_source", UNSOURCED)))
    parts.append("**Institutions**\n\n" + _table(("state", "member / host of", "china_debt_share", "source"), rows))
    # postures
    rows = []
    for code, a in raw["actors"].items():
        for pname, alloc in (a.get("postures") or {}).items():
            initial = " (start)" if a.get("initial_posture") == pname else ""
            rows.append((code, pname + initial, *(_num(v) for v in alloc)))
    parts.append("**Candidate postures**: budget shares per category (" + UNSOURCED + "; the West's "
                 "`aid_steady` war share of 0.35 reproduces the Kiel aid pace)\n\n"
                 + _table(("power", "posture", *CATEGORIES), rows))
    # dependencies
    rows = []
    for e in raw["dependencies"]:
        value, _, source, extra = _figure(e)
        base = _num(e["baseline"]) if "baseline" in e else "= value"
        rows.append((e["channel"], f"{e['from']} -> {e['to']}", value, base, source, extra))
    parts.append("**Dependency shares** D[k, i, j] (share of i's need in channel k met by j; the baseline is "
                 "the pre-war value the links relax toward)\n\n"
                 + _table(("channel", "i -> j", "value 2024Q2", "baseline", "source", "range; note"), rows))
    return "\n\n".join(parts)


def pull_table(raw: dict | None = None) -> str:
    """The institutional pull weights of sim/world.py and the resulting pull of each small state."""
    from sim.world import PULL_CHINA, PULL_RUSSIA

    raw = _load_world() if raw is None else raw
    rows = [(f"`{key}`", "Russia", _num(w)) for key, w in PULL_RUSSIA.items()]
    rows += [(f"`{key}`", "China", _num(w) + (" x share" if key == "china_debt_share" else ""))
             for key, w in PULL_CHINA.items()]
    weights = _table(("institution", "pulls toward", "weight"), rows)
    world = _loaded_world(raw)
    rows = [(code, *(f"{world.inst[i, p]:.3g}" for p in range(3)))
            for i, code in enumerate(world.codes) if world.small[i]]
    result = _table(("state", "pull to RUS", "pull to CHN", "pull to WST"), rows)
    return weights + "\n\nResulting pull `inst[j, p]` in the default world:\n\n" + result


BLOCKS = {"params": params_table, "world": world_tables, "pull": pull_table}


def _loaded_world(raw: dict):
    """The world as the model loads it (for loader defaults and derived arrays)."""
    from sim.world import world_from_dict

    return world_from_dict(raw, source="actors")


def _load_world() -> dict:
    with open(WORLD_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


# --- markers ---------------------------------------------------------------------------------------
def markers(block: str) -> tuple[str, str]:
    return f"<!-- {block}:start -->", f"<!-- {block}:end -->"


def extract(text: str, block: str) -> str | None:
    """The text between a block's markers (stripped), or None when the markers are missing."""
    start, end = markers(block)
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        return None
    return text[i + len(start):j].strip()


def replace_block(text: str, block: str, content: str) -> str:
    start, end = markers(block)
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise KeyError(f"markers {start} ... {end} not found")
    return text[:i + len(start)] + "\n" + content.strip() + "\n" + text[j:]


def stale_blocks(text: str) -> list[str]:
    """Names of the blocks whose text differs from the generated one (or whose markers are missing)."""
    return [b for b, make in BLOCKS.items() if extract(text, b) != make().strip()]


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--block", default="params", help=f"block to print: {', '.join(BLOCKS)} (default: params)")
    ap.add_argument("--check", metavar="MD", help="exit 1 if a generated block in MD is stale")
    ap.add_argument("--write", metavar="MD", help="rewrite every generated block in MD in place")
    args = ap.parse_args(argv)
    if args.block not in BLOCKS:
        print(f"--block={args.block!r} is not a block; allowed: {', '.join(BLOCKS)}", file=sys.stderr)
        return 2
    target = args.check or args.write
    if target is None:
        print(BLOCKS[args.block]())
        return 0
    path = Path(target)
    if not path.is_file():
        print(f"{'--check' if args.check else '--write'}={target}: no such file", file=sys.stderr)
        return 2
    text = path.read_text(encoding="utf-8")
    missing = [b for b in BLOCKS if extract(text, b) is None]
    if missing:
        print(f"{target}: markers missing for block(s) {missing}; add "
              + " and ".join(" ... ".join(markers(b)) for b in missing), file=sys.stderr)
        return 2
    if args.check:
        stale = stale_blocks(text)
        if stale:
            print(f"{target}: stale block(s) {stale}; run python experiments/param_table.py --write {target}",
                  file=sys.stderr)
            return 1
        print(f"{target}: every generated block is up to date")
        return 0
    for b, make in BLOCKS.items():
        text = replace_block(text, b, make())
    _write_atomic(path, text)
    print(f"{target}: rewrote blocks {list(BLOCKS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
