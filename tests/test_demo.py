"""`make demo` at a tiny size: it writes the figure and prints the summary lines."""

import importlib.util
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[1] / "experiments" / "demo.py"


def _demo():
    spec = importlib.util.spec_from_file_location("demo", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_demo_writes_figure_and_prints_summary(tmp_path, capsys):
    code = _demo().main(["--replicates", "6", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    assert (tmp_path / "demo.png").stat().st_size > 10_000
    assert (tmp_path / "demo.pdf").stat().st_size > 1_000
    out = capsys.readouterr().out
    assert "P(both sides lose)" in out and "Wilson" in out
    for power in ("Russia", "China", "West"):
        assert power in out


@pytest.mark.parametrize("argv", [["--replicates", "0"], ["--scenario", "no_such"], ["--scenario", "no_war"]])
def test_demo_rejects_bad_input_with_one_line(tmp_path, capsys, argv):
    assert _demo().main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("demo:")
    assert not list(tmp_path.iterdir())
