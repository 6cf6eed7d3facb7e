"""The `[build]` section of a level: what agents may build, and the rows kept for it."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np

from game.mechanics.section import Base, Problems, doc

MAX_BUILDABLES = 16  # build's argument: an entry of the level's [build] buildings


class Build(Base):
    """The `build` action: an agent creates a building in the empty cell in front of it."""

    buildings: Annotated[
        list[str], doc("what `build` creates: argument k makes the k-th (each pays its `build_cost`)")
    ] = []
    capacity: Annotated[
        int, doc("objects agents may create per world and episode (rows reserved for them)", ge=0, le=4096)
    ] = 16

    def problems(self, level: Any, path: str) -> Problems:
        if len(self.buildings) > MAX_BUILDABLES:
            yield (
                f"{path}.buildings",
                f"expected at most {MAX_BUILDABLES} buildings, got {len(self.buildings)}",
            )
        for k, bname in enumerate(self.buildings):
            if bname not in level.buildings:
                yield (
                    f"{path}.buildings[{k}]",
                    f"unknown building '{bname}'; expected one of {sorted(level.buildings)}",
                )
            if bname in self.buildings[:k]:  # two arguments doing one thing, under one action name
                yield (
                    f"{path}.buildings[{k}]",
                    f"'{bname}' is already argument {self.buildings.index(bname)}; list each building once",
                )

    def tables(self, level: Any) -> dict[str, Any]:
        rid = {r: i for i, r in enumerate(level.resources)}
        cost = np.zeros((len(self.buildings), len(rid)), np.int32)
        for k, bname in enumerate(self.buildings):
            for r, n in level.buildings[bname].build_cost.items():
                cost[k, rid[r]] = n
        return {
            "build_kind": np.array(
                [list(level.buildings).index(b) for b in self.buildings], np.int32
            ),  # (K,)
            "build_cost": cost,  # (K, R): what the builder pays for argument k
            # the rows each world keeps free for objects made during an episode (game/state/world.py)
            "reserved_rows": self.capacity if level.actions["build"].enabled else 0,
        }
