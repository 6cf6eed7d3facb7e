"""The arguments of the engine's own kernels, with their dims (engine/params.py; the build writes
their binding tables from these)."""

from engine.params import array

KERNELS = {
    "order": {"order": (array("rng", "worlds"), array("order", "worlds", "agents"))},
}
