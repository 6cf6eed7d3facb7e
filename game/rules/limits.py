"""The documented size limits (docs/levels.md, "Limits"); the memory check that uses
MEMORY_SHARE is game/state/memory.py.

A level past a limit is refused with one line that names the field, instead of growing until
the machine runs out or a counter overflows.
"""

from __future__ import annotations

from game.errors import MapError

MAX_MAP_SIDE = 1024  # cells a side of any map (1M cells): far beyond any shipped level (40x40)
MAX_STEPS = 2**31 - 1  # ticks per episode: the episode tick is an int32
MEMORY_SHARE = 0.8  # an env may take at most this share of the memory available when it is built


def check_map_side(where: str, height: int, width: int) -> None:
    for name, v in (("height", height), ("width", width)):
        if v > MAX_MAP_SIDE:
            raise MapError(f"{where}.{name}: {v} is over the limit of {MAX_MAP_SIDE} cells a side "
                           f"(docs/levels.md, Limits); use a smaller map")
