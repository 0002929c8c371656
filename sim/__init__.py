"""greatgame: an agent-based simulation of great-power competition over Russia's Far East and
Central Asia (Russia, China, the West and the five Central Asian states).

Public API: :class:`GreatGameModel`, :func:`load_config`, :func:`parameter_space`,
:func:`simulate`.
"""

from sim._cache import configure_numba_cache

configure_numba_cache()

from sim.config import Config, ConfigError, load_config  # noqa: E402
from sim.params import Params, parameter_space  # noqa: E402
from sim.simulate import Results, replicate_seeds, simulate  # noqa: E402
from sim.world import World, WorldError, synthetic_world  # noqa: E402

__version__ = "0.1.0"


def __getattr__(name):
    # the Mesa layer imports mesa (slow); load it on first use
    if name in ("GreatGameModel", "GreatPower", "SmallState"):
        from sim import agents, model

        return {"GreatGameModel": model.GreatGameModel, "GreatPower": agents.GreatPower,
                "SmallState": agents.SmallState}[name]
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = ["Config", "ConfigError", "GreatGameModel", "GreatPower", "Params", "Results", "SmallState", "World",
           "WorldError", "load_config", "parameter_space", "replicate_seeds", "simulate", "synthetic_world"]
