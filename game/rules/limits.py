"""The documented size limits (docs/levels.md, "Limits"); the memory check that uses
MEMORY_SHARE is game/state/memory.py.

A level past a limit is refused with one line that names the field, instead of growing until
the machine runs out or a counter overflows. Files are limited too: a level or replay path that
names a device (`/dev/zero`), a pipe or a huge file is refused before it is read, not read until
memory runs out.
"""

from __future__ import annotations

from game.errors import MapError

MAX_MAP_SIDE = 1024  # cells a side of any map (1M cells): far beyond any shipped level (40x40)
MAX_STEPS = 2**31 - 1  # ticks per episode: the episode tick is an int32
MEMORY_SHARE = 0.8  # an env may take at most this share of the memory available when it is built
# a 1024x1024 ASCII map is 1 MiB and a kinship matrix for 1,000 agents about 5 MiB of TOML
MAX_LEVEL_BYTES = 16 * 2**20
# the arrays of a replay, uncompressed: 100,000 ticks of 200 agents' actions (int32 pairs) are 160 MB
MAX_REPLAY_BYTES = 512 * 2**20


def check_map_side(
    where: str,
    height: int,
    width: int,
    names: tuple[str, str] = ("height", "width"),
    how: tuple[str, str] = ("", ""),
) -> None:
    """Refuse a map past MAX_MAP_SIDE before it is drawn. `names` are the fields the error names
    (under `where`), `how` what each side is made of when it is not a field itself (`rows *
    room_height + (rows + 1) * border`)."""
    for name, v, made, side in zip(names, (height, width), how, ("high", "wide")):
        if v > MAX_MAP_SIDE:
            what = f"the map would be {v} cells {side} ({made}), which" if made else str(v)
            raise MapError(
                f"{where}.{name}: {what} is over the limit of {MAX_MAP_SIDE} cells a side "
                f"(docs/levels.md, Limits); use a smaller map"
            )
