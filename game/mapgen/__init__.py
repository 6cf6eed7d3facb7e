"""Map generators. Each is a parameter Struct plus `generate(level, params, rng, where)`.

Generators draw only from the numpy Generator they are given, so a map is a pure function of
the level and the seed. `where` is the TOML path of the parameters, used in error messages.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from game.config import Level
from game.mapgen import ascii as _ascii
from game.mapgen import compose as _compose
from game.mapgen import maze as _maze
from game.mapgen import rooms as _rooms
from game.mapgen import scatter as _scatter
from game.mapgen.base import MapError, MapLayout, Params, decode_params


class Generator(NamedTuple):
    params: type
    fn: Callable[..., MapLayout]


GENERATORS: dict[str, Generator] = {
    "rooms": Generator(_rooms.RoomsParams, _rooms.generate),
    "scatter": Generator(_scatter.ScatterParams, _scatter.generate),
    "maze": Generator(_maze.MazeParams, _maze.generate),
    "compose": Generator(_compose.ComposeParams, _compose.generate),
    "ascii": Generator(_ascii.AsciiParams, _ascii.generate),
}


def run_generator(level: Level, name: str, params: dict, rng: np.random.Generator, where: str) -> MapLayout:
    gen = GENERATORS.get(name)
    if gen is None:
        raise MapError(f"{where}.generator: unknown generator {name!r}; expected one of {sorted(GENERATORS)}")
    p = decode_params(params, gen.params, f"{where}.params")
    if hasattr(p, "height") and hasattr(p, "width"):  # refused before a huge map is drawn
        from game.limits import check_map_side

        check_map_side(f"{where}.params", p.height, p.width)
    return gen.fn(level, p, rng, f"{where}.params")


__all__ = ["GENERATORS", "MapError", "MapLayout", "Params", "run_generator"]
