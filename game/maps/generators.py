"""Map generators. Each is a parameter Struct plus `generate(level, params, rng, where)`.

Generators draw only from the numpy Generator they are given, so a map is a pure function of
the level and the seed. `where` is the TOML path of the parameters, used in error messages.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, NamedTuple

import numpy as np

from game.errors import MapError
from game.maps import ascii as _ascii
from game.maps import compose as _compose
from game.maps import maze as _maze
from game.maps import rooms as _rooms
from game.maps import scatter as _scatter
from game.maps.base import MapLayout, decode_params
from game.rules.schema import Level


class Generator(NamedTuple):
    params: type
    fn: Callable[..., MapLayout]


def run_generator(level: Level, name: str, params: dict, rng: np.random.Generator, where: str) -> MapLayout:
    gen = GENERATORS.get(name)
    if gen is None:
        raise MapError(f"{where}.generator: unknown generator {name!r}; expected one of {sorted(GENERATORS)}")
    p = decode_params(params, gen.params, f"{where}.params")
    p.check_size(f"{where}.params")  # a huge map is refused before it is drawn
    return gen.fn(level, p, rng, f"{where}.params")


GENERATORS: dict[str, Generator] = {
    "rooms": Generator(_rooms.RoomsParams, _rooms.generate),
    "scatter": Generator(_scatter.ScatterParams, _scatter.generate),
    "maze": Generator(_maze.MazeParams, _maze.generate),
    # compose runs its parts through this registry, handed over here so that it need not import it
    "compose": Generator(_compose.ComposeParams, partial(_compose.generate, run=run_generator)),
    "ascii": Generator(_ascii.AsciiParams, _ascii.generate),
}


__all__ = ["GENERATORS", "Generator", "run_generator"]
