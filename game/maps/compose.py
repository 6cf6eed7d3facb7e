"""Composition: several generators, each filling its own rectangle of one map."""

from __future__ import annotations

from typing import Annotated, Any, Callable, Literal

import msgspec
import numpy as np

from game.errors import MapError
from game.maps.base import MapLayout, Params
from game.mechanics.section import doc
from game.rules.schema import Level


class Part(Params):
    """One part of a `compose` map: a generator's map pasted with its top-left corner at `at`."""

    at: Annotated[list[int], doc("[row, col] of the part's top-left cell")] = msgspec.field(
        default_factory=lambda: [0, 0]
    )
    generator: Annotated[str, doc("the part's generator: rooms, scatter, maze, compose or ascii")] = ""
    params: Annotated[dict[str, Any], doc("the part's generator parameters")] = {}


class ComposeParams(Params):
    """`compose`: a `height` x `width` map filled with `fill`, onto which every part's map is
    pasted (parts must not overlap); then the cells of `doors` are opened (walls removed), e.g.
    to join a maze part to an arena part. Each part draws from its own seed derived from the map's."""

    height: Annotated[int, doc("rows of the whole map", ge=1)] = 20
    width: Annotated[int, doc("columns of the whole map", ge=1)] = 40
    fill: Annotated[Literal["wall", "empty"], doc("what the cells no part covers hold")] = "wall"
    parts: Annotated[list[Part], doc("the parts, each a generator in its own rectangle")] = []
    doors: Annotated[list[list[int]], doc("[row, col] cells whose walls are removed after pasting")] = []


def generate(
    level: Level, p: ComposeParams, rng: np.random.Generator, where: str, *, run: Callable
) -> MapLayout:
    """`run(level, generator, params, rng, where)` builds a part (game/maps/generators.py passes its
    `run_generator`)."""
    if p.height < 1 or p.width < 1:
        raise MapError(f"{where}: expected height and width of at least 1, got {p.height}x{p.width}")
    if p.fill not in ("wall", "empty"):
        raise MapError(f"{where}.fill: expected 'wall' or 'empty', got {p.fill!r}")
    if not p.parts:
        raise MapError(f"{where}.parts: expected at least one part")
    layout = MapLayout(p.height, p.width, np.full((p.height, p.width), p.fill == "wall"))
    owner = np.full((p.height, p.width), -1, np.int32)
    seeds = rng.integers(0, 2**63 - 1, size=len(p.parts))
    for i, part in enumerate(p.parts):
        pw = f"{where}.parts[{i}]"
        if len(part.at) != 2:
            raise MapError(f"{pw}.at: expected [row, col], got {part.at}")
        if part.generator == "compose":
            pass  # nesting is allowed
        sub = run(level, part.generator, part.params, np.random.default_rng(int(seeds[i])), pw)
        r0, c0 = part.at
        if r0 < 0 or c0 < 0 or r0 + sub.height > p.height or c0 + sub.width > p.width:
            raise MapError(
                f"{pw}.at: a {sub.height}x{sub.width} part at {part.at} does not fit in the "
                f"{p.height}x{p.width} map; expected 0 <= row <= {p.height - sub.height}, "
                f"0 <= col <= {p.width - sub.width}"
            )
        region = owner[r0 : r0 + sub.height, c0 : c0 + sub.width]
        if (region >= 0).any():
            raise MapError(f"{pw}.at: overlaps part {int(region.max())}; expected parts side by side")
        region[...] = i
        layout.walls[r0 : r0 + sub.height, c0 : c0 + sub.width] = sub.walls
        layout.objects += [(n, r + r0, c + c0) for n, r, c in sub.objects]
        layout.agents += [(g, r + r0, c + c0) for g, r, c in sub.agents]
    occupied = {(r, c) for _, r, c in layout.objects + layout.agents}
    for j, d in enumerate(p.doors):
        if len(d) != 2 or not (0 <= d[0] < p.height and 0 <= d[1] < p.width):
            raise MapError(
                f"{where}.doors[{j}]: expected [row, col] inside the {p.height}x{p.width} map, got {d}"
            )
        if (d[0], d[1]) in occupied:
            raise MapError(
                f"{where}.doors[{j}]: cell {d} holds an agent or object; expected a wall or empty cell"
            )
        layout.walls[d[0], d[1]] = False
    return layout
