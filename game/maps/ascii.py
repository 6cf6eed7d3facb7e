"""ASCII maps: one character per cell, looked up in the legend."""

from __future__ import annotations

from typing import Annotated

import numpy as np

from game.errors import MapError
from game.maps.base import MapLayout, Params, place
from game.rules.limits import check_map_side
from game.mechanics.section import doc
from game.rules.schema import Level


class AsciiParams(Params):
    """`ascii` generator (useful as a part of `compose`): a hand-drawn map using the level's legend."""

    ascii: Annotated[str, doc("the map, one line per row, characters from the level's legend")] = ""


def legend(level: Level) -> dict[str, str]:
    """Default legend (building chars, '.' and ' ' empty, 'A' an agent of the first group),
    overridden by the level's own."""
    out = {" ": "empty", ".": "empty"}
    for name, b in level.buildings.items():
        out[b.char] = name
    out["A"] = f"agent.{next(iter(level.groups))}"
    out.update(level.map.legend)
    return out


def from_text(level: Level, text: str, where: str = "$.map.ascii") -> MapLayout:
    lines = [ln.rstrip("\r") for ln in text.strip("\n").split("\n")]
    if not any(ln.strip() for ln in lines):
        raise MapError(f"{where}: the map is empty; expected one line of characters per row")
    width = len(lines[0])
    for i, ln in enumerate(lines):
        if len(ln) != width:
            raise MapError(
                f"{where}: ragged map: line {i + 1} has {len(ln)} characters, line 1 has {width}; "
                "expected every line to have the same length"
            )
    check_map_side(where, len(lines), width)
    leg = legend(level)
    for ch, what in level.map.legend.items():
        if len(ch) != 1:
            raise MapError(f"$.map.legend.{ch}: expected a single character as the key, got {ch!r}")
    layout = MapLayout(len(lines), width, np.zeros((len(lines), width), dtype=bool))
    for r, ln in enumerate(lines):
        for c, ch in enumerate(ln):
            if ch not in leg:
                raise MapError(
                    f"{where}: line {r + 1} column {c + 1}: character {ch!r} is not in the legend; "
                    f"expected one of {''.join(sorted(leg))!r}, or add it to [map.legend]"
                )
            place(level, layout, leg[ch], r, c, f"$.map.legend.{ch}")
    return layout


def generate(level: Level, p: AsciiParams, rng: np.random.Generator, where: str) -> MapLayout:
    return from_text(level, p.ascii, f"{where}.ascii")
