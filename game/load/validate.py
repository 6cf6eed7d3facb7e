"""Semantic checks a type checker cannot do: each section's own `problems()` (game/rules/schema.py,
beside its fields), and what only the map shows: a map that can actually be built (generated once,
from seed 0) and a kinship matrix of one row per agent on it."""

from __future__ import annotations

from game.errors import LevelError, MapError
from game.maps.make import make_layout
from game.rules.schema import Level, sections


def check_level(level: Level, name: str) -> None:
    """Raises LevelError, naming the file `name` and the TOML path, on the first problem found."""

    def err(path: str, msg: str) -> None:
        raise LevelError(f"{name}: {path}: {msg}")

    for path, section in sections(level):
        for problem in section.problems(level, path):
            err(*problem)

    # the map: built once to catch what only building shows (legend, room, parameters)
    try:
        layout = make_layout(level, 0)
    except MapError as exc:
        err(*str(exc).split(": ", 1)) if ": " in str(exc) else err("$.map", str(exc))
        return
    n = len(layout.agents)
    k = level.kinship
    if k.mode == "matrix" or k.matrix:
        rows = len(k.matrix)
        if rows != n or any(len(r) != n for r in k.matrix):
            cols = sorted({len(r) for r in k.matrix})
            err(
                "$.kinship.matrix",
                f"expected {n}x{n} weights (one row and one column per agent; the map has {n} agents), "
                f"got {rows} rows of {'/'.join(map(str, cols)) or 0}",
            )
