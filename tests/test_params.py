"""The parameter registry, its YAML file and the kernels' index constants agree."""

from pathlib import Path

import numpy as np

import sim
from sim.kernels import layout
from sim.params import SPECS, Params, from_vector, render_params_yaml, to_vector

ABBR = {"dependency": "DEP", "war": "WAR", "far_east": "FE", "alignment": "AL", "russia": "RU",
        "decision": "DEC", "power": "POW"}


def test_layout_constants_match_registry_order():
    for i, spec in enumerate(SPECS):
        assert getattr(layout, f"{ABBR[spec.group]}_{spec.key.upper()}") == i, spec.name
    assert layout.N_THETA == len(SPECS)


def test_params_yaml_is_generated_from_registry():
    path = Path(__file__).resolve().parents[1] / "configs" / "params" / "default.yaml"
    assert path.read_text() == render_params_yaml(), "regenerate: python -m sim.params > configs/params/default.yaml"


def test_parameter_space_records_are_complete_and_defaults_in_range():
    space = sim.parameter_space()
    assert len(space) == len(SPECS) >= 50
    for p in space:
        assert p.name.startswith("params.") and p.unit and p.source and p.meaning
        assert p.low <= p.default <= p.high, p.name
        assert p.low < p.high, p.name


def test_vector_round_trip():
    theta = to_vector(Params())
    assert theta.shape == (len(SPECS),)
    np.testing.assert_array_equal(to_vector(from_vector(theta)), theta)
