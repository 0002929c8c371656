"""The notebooks: saved without outputs, sized by one variable, no model logic inside, and each
runs top to bottom (nbclient) at a small size."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = [p.name for p in NOTEBOOKS]
SMALL = "8"  # replicates per ensemble when CI executes the notebooks


def test_the_three_notebooks_exist():
    assert NAMES == ["01_quickstart.ipynb", "02_outcome_distributions.ipynb", "03_both_sides_lose.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_is_saved_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell was saved with outputs"
            assert cell.execution_count is None, f"{path.name}: a code cell was saved with an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_has_one_size_variable_at_the_top_and_no_model_logic(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code").source
    assert 'REPLICATES = int(os.environ.get("GG_NB_REPLICATES"' in first_code
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import sim" in source
    # the model lives in sim: no kernels, numba or hand-rolled random draws in a notebook
    for forbidden in ("import numba", "sim.kernels", "np.random", "import random", "@njit"):
        assert forbidden not in source, f"{path.name} contains {forbidden!r}"
    # every ensemble call uses the size variable, never a literal count
    for call in re.findall(r"replicates=([^,)]+)", source):
        assert call.strip() == "REPLICATES", f"{path.name}: replicates={call} (use REPLICATES)"


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_runs_top_to_bottom(path, monkeypatch, tmp_path):
    from nbclient import NotebookClient

    monkeypatch.setenv("GG_NB_REPLICATES", SMALL)
    monkeypatch.setenv("NUMBA_NUM_THREADS", os.environ.get("NUMBA_NUM_THREADS", "1"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, when any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no figure"
    if path.name != "02_outcome_distributions.ipynb":
        m = re.search(r"P\(both sides lose\) = ([\d.]+)%", text)
        assert m and 0.0 <= float(m[1]) <= 100.0, text[:500]
    else:
        assert f"x {SMALL} replicates" in text or "loaded" in text


SEEDS = ROOT.parent / "shared" / "seeds"  # the op-ed, beside the checkout (not part of the repository)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_paraphrases_the_op_ed_never_copies_it(path):
    sources = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not sources:
        pytest.skip(f"the op-ed is not beside the checkout ({SEEDS})")
    nb = nbformat.read(path, as_version=4)
    mine = _words(" ".join(c.source for c in nb.cells))
    for source in sources:
        theirs = _words(source.read_text(encoding="utf-8"))
        runs = {tuple(theirs[i:i + 9]) for i in range(len(theirs) - 8)}
        copied = [" ".join(mine[i:i + 9]) for i in range(len(mine) - 8) if tuple(mine[i:i + 9]) in runs]
        assert not copied, f"{path.name} copies a 9-word run of {source.name}: {copied[0]!r}"
