"""The memory check before a build: an env that would not fit in memory is refused with one
line that names the worlds, how much they would need and what the machine has."""

from __future__ import annotations

import psutil

from game.errors import LevelError
from game.rules.limits import MEMORY_SHARE
from game.state.world import build


def env_bytes(level, num_worlds: int, name: str = "level") -> int:
    """Bytes an env of `num_worlds` worlds of `level` holds: its state arrays twice (the worlds
    and their reset template), measured on one built world, plus the observation buffers."""
    one, tab, _ = build(level, 1, 0, name)
    per_world = sum(a.nbytes for a in one.state_arrays().values())
    agents = one.resources.num_agents
    obs = agents * level.obs.window**2 * tab.features.count
    return num_worlds * (2 * per_world + 2 * obs)


def check_memory(level, num_worlds: int, name: str = "level") -> None:
    """LevelError when the env would take more than MEMORY_SHARE of the available memory."""
    need = env_bytes(level, num_worlds, name)
    avail = psutil.virtual_memory().available
    if need > MEMORY_SHARE * avail:
        raise LevelError(
            f"{name}: {num_worlds:,} worlds would need about {_gib(need)} of memory and "
            f"{_gib(avail)} is available; use fewer worlds (num_worlds) or a smaller map"
        )


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**28 else f"{n / 2**20:.0f} MiB"
