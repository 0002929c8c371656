"""docs/MODEL.md agrees with the code: generated tables are current, every parameter and
observable is documented, the ODD sections are there, and the op-ed is paraphrased, not copied.

Fast: no simulation, nothing compiled (numba is imported but no kernel is called).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from sim.kernels.observe import CORE_NAMES
from sim.params import SPECS

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = ROOT / "docs" / "MODEL.md"
SEEDS = ROOT.parent / "shared" / "seeds"  # the op-ed, beside the checkout (not part of the repository)


def _load_generator():
    spec = importlib.util.spec_from_file_location("param_table", ROOT / "experiments" / "param_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def text() -> str:
    return MODEL_MD.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    """MODEL.md without its generated blocks."""
    for block in gen.BLOCKS:
        start, end = gen.markers(block)
        i, j = text.find(start), text.find(end)
        if i >= 0 and j > i:
            text = text[:i] + text[j + len(end):]
    return text


@pytest.mark.parametrize("block", list(gen.BLOCKS))
def test_generated_block_is_current(text, block):
    found = gen.extract(text, block)
    assert found is not None, f"markers for '{block}' missing in docs/MODEL.md"
    assert found == gen.BLOCKS[block]().strip(), (
        f"the '{block}' block of docs/MODEL.md is stale: run python experiments/param_table.py --write docs/MODEL.md")


def test_parameter_table_lists_every_parameter_once(text):
    table = gen.extract(text, "params")
    for s in SPECS:
        assert table.count(f"| `{s.name}` |") == 1, s.name


def test_every_parameter_appears_in_the_equations(text):
    """Each parameter is used somewhere in the prose (Submodels), not only in the table."""
    prose = _prose(text)
    missing = [s.name for s in SPECS if f"{s.group}.{s.key}" not in prose]
    assert not missing, f"parameters never mentioned outside the generated table: {missing}"


def test_every_observable_is_documented(text):
    """Each recorded observable is named, literally or as its per-power template ``name_<P>``."""
    def documented(name):
        return name in text or re.sub(r"_(RUS|CHN|WST)$", "_<P>", name) in text

    missing = [name for name in CORE_NAMES if not documented(name)]
    assert not missing, f"observables missing from docs/MODEL.md: {missing}"
    assert "alignment_<S>_<P>" in text


def test_odd_sections_present(text):
    headings = [h.strip().lower() for h in re.findall(r"^#+ (.+)$", text, flags=re.M)]
    required = ["purpose and patterns", "entities, state variables and scales", "process overview and scheduling",
                "design concepts", "initialization", "input data", "submodels", "parameter table",
                "changes from the reference formulation", "what the model cannot say"]
    for name in required:
        assert any(name in h for h in headings), f"section '{name}' missing"
    concepts = ["basic principles", "emergence", "adaptation", "objectives", "learning", "prediction", "sensing",
                "interaction", "stochasticity", "collectives", "observation"]
    design = text.split("## 2. Design concepts", 1)[1].split("\n## ", 1)[0].lower()
    for c in concepts:
        assert f"**{c}" in design, f"design concept '{c}' missing"


def test_the_staleness_check_can_fail(text):
    """Changing one default in the document (or dropping a marker) is detected."""
    spec = SPECS[0]
    row = next(line for line in gen.extract(text, "params").splitlines() if f"`{spec.name}`" in line)
    tampered = text.replace(row, row.replace(f"| {spec.default:g} |", "| 12345 |"), 1)
    assert tampered != text
    assert gen.stale_blocks(tampered) == ["params"]
    assert "world" in gen.stale_blocks(text.replace("<!-- world:end -->", ""))


def _words(s: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", s.lower().replace("\u2019", "'").replace("'", ""))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the op-ed is not beside this checkout")
def test_op_ed_is_paraphrased_not_copied(text):
    """No run of nine consecutive words of MODEL.md occurs in the op-ed."""
    n = 9
    source = set()
    for path in SEEDS.glob("*.txt"):
        w = _words(path.read_text(encoding="utf-8"))
        source |= {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}
    w = _words(text)
    copied = [" ".join(w[i:i + n]) for i in range(len(w) - n + 1) if tuple(w[i:i + n]) in source]
    assert not copied, f"runs copied from the op-ed: {copied[:3]}"
