"""The documented size limits (docs/levels.md, "Limits") and the memory check before a build.

A level past a limit, or an env that would not fit in memory, is refused with one line that
names the field (or the worlds) and, for memory, how much it would need against what the
machine has, instead of growing until the machine runs out or a counter overflows.
"""

from __future__ import annotations

MAX_MAP_SIDE = 1024  # cells a side of any map (1M cells): far beyond any shipped level (40x40)
MAX_STEPS = 2**31 - 1  # ticks per episode: the episode tick is an int32
MEMORY_SHARE = 0.8  # an env may take at most this share of the memory available when it is built


def check_map_side(where: str, height: int, width: int) -> None:
    from game.mapgen.base import MapError

    for name, v in (("height", height), ("width", width)):
        if v > MAX_MAP_SIDE:
            raise MapError(f"{where}.{name}: {v} is over the limit of {MAX_MAP_SIDE} cells a side "
                           f"(docs/levels.md, Limits); use a smaller map")


def env_bytes(level, num_worlds: int, name: str = "level") -> int:
    """Bytes an env of `num_worlds` worlds of `level` holds: its state arrays twice (the worlds
    and their reset template), measured on one built world, plus the observation buffers."""
    from game.state import build

    one, tab, _ = build(level, 1, 0, name)
    per_world = sum(a.nbytes for a in one.state_arrays().values())
    agents = one.resources.num_agents
    obs = agents * level.obs.window ** 2 * tab.features.count
    return num_worlds * (2 * per_world + 2 * obs)


def check_memory(level, num_worlds: int, name: str = "level") -> None:
    """LevelError when the env would take more than MEMORY_SHARE of the available memory."""
    import psutil

    from game.level import LevelError

    need = env_bytes(level, num_worlds, name)
    avail = psutil.virtual_memory().available
    if need > MEMORY_SHARE * avail:
        raise LevelError(f"{name}: {num_worlds:,} worlds would need about {_gib(need)} of memory and "
                         f"{_gib(avail)} is available; use fewer worlds (num_worlds) or a smaller map")


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**28 else f"{n / 2**20:.0f} MiB"
