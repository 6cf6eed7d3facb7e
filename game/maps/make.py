"""Maps: an ASCII map with a legend, or a named generator; both produce a `MapLayout`.

A layout lists what stands where; `game.state.world` turns it into entities. Generators (in
`game.maps.generators`) draw only from a numpy Generator seeded by the caller, so a map is a pure
function of the level and the seed:

- `make_layout(level, seed)` is the one entry point. `game.state.world.build` calls it with
  `seed + w` for world w. With `[map] seed >= 0` the caller's seed is ignored and every world
  (and every episode) gets the map of that seed.
- For a fresh map per episode (`[map] fixed = false`) the env calls
  `make_layout(level, episode_seed(seed, w, episode))`; episode 0 gives `seed + w`, the map
  `build` made. Every map of one level has the same size, agent count and object count (the
  generators' parameters fix them), so it fits the arrays built for the first one.
"""

from __future__ import annotations

import functools

import msgspec
import numpy as np

from game.errors import MapError
from game.maps.ascii import from_text, legend
from game.maps.base import MapLayout
from game.maps.generators import GENERATORS, run_generator
from game.maps.rooms import RoomsParams
from game.rules.schema import Level

__all__ = [
    "GENERATORS",
    "MapError",
    "MapLayout",
    "RoomsParams",
    "episode_seed",
    "from_ascii",
    "legend",
    "make_layout",
]


def from_ascii(level: Level) -> MapLayout:
    return from_text(level, level.map.ascii, "$.map.ascii")


def episode_seed(seed: int, world: int, episode: int) -> int:
    """The map seed of `world`'s `episode`-th episode (0 = the first) for an env seeded `seed`.

    Episode 0 is `seed + world`, the seed `game.state.world.build` uses, so a level switched from
    fixed to fresh maps keeps its first map; later episodes hash (seed + world, episode), so world
    k of an env seeded s sees the same maps as world 0 of an env seeded s + k."""
    if episode == 0:
        return seed + world
    base = (seed + world) & 0xFFFFFFFFFFFFFFFF
    return int(np.random.SeedSequence([base, episode, 0x6D6170]).generate_state(2, np.uint64)[0] >> 1)


def make_layout(level: Level, seed: int) -> MapLayout:
    """World `seed`'s map (a fresh copy the caller may change).

    A map is a pure function of the level and the seed it draws from, so the last few are kept:
    loading a level builds world 0's map to check it and the env's build asks for it again, and
    an ASCII map or a fixed `[map] seed` is one map for every world."""
    m = level.map
    drawn = -1 if m.ascii else (m.seed if m.seed >= 0 else seed)
    return _layout(msgspec.msgpack.encode(level), drawn).copy()


@functools.lru_cache(maxsize=8)
def _layout(encoded: bytes, drawn: int) -> MapLayout:
    level = msgspec.msgpack.decode(encoded, type=Level)
    m = level.map
    if m.ascii:
        if m.generator:
            raise MapError("$.map: give either `ascii` or `generator`, not both")
        layout = from_ascii(level)
    elif m.generator:
        rng = np.random.default_rng(drawn)
        layout = run_generator(level, m.generator, m.params, rng, "$.map")
    else:
        raise MapError("$.map: expected either `ascii` (a map drawn with the legend) or `generator`")
    if not layout.agents:
        raise MapError("$.map: the map places no agents; expected at least one")
    # agents sorted by group declaration order, then map order: stable, documented rows
    order = {g: i for i, g in enumerate(level.groups)}
    layout.agents.sort(key=lambda a: order[a[0]])
    return layout
