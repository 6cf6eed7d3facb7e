"""The `[kinship]` section of a level: how rewards are mixed between agents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from game.mechanics.section import Base, Problems, doc


class Kinship(Base):
    """How raw rewards are mixed: agent i receives sum_j K[i, j] * r[j]."""

    mode: Annotated[
        Literal["none", "teams", "clans", "random", "matrix"],
        doc("none: K = I; teams: share within a team; clans: nested weights; random: drawn; matrix: given"),
    ] = "none"
    share: Annotated[
        float, doc("teams: fraction of each reward pooled and split equally in the team", ge=0, le=1)
    ] = 0.5
    family_weight: Annotated[float, doc("clans: K between agents of one family")] = 0.5
    clan_weight: Annotated[float, doc("clans: K between agents of one clan (added to family)")] = 0.2
    hive_weight: Annotated[float, doc("clans: K between any two agents of the world (added)")] = 0.0
    distribution: Annotated[
        Literal["uniform", "normal"], doc("random: distribution of the off-diagonal weights")
    ] = "uniform"
    low: Annotated[float, doc("random/uniform: lower bound", ge=-1, le=1)] = 0.0
    high: Annotated[float, doc("random/uniform: upper bound", ge=-1, le=1)] = 1.0
    mean: Annotated[float, doc("random/normal: mean (clipped to [-1, 1])")] = 0.0
    std: Annotated[float, doc("random/normal: standard deviation", ge=0)] = 0.3
    matrix: Annotated[
        list[list[float]], doc("matrix: K per agent pair, agents_per_world x agents_per_world")
    ] = []
    draw: Annotated[
        Literal["world", "episode"],
        doc(
            "random: draw K once per world for the whole run (world), or anew at the start of every "
            "episode (episode: one run covers the distribution's range of relatedness; episode 0 uses "
            "the world's draw)"
        ),
    ] = "world"

    def problems(self, level: Any, path: str) -> Problems:
        # the matrix's size needs the map's agents: game/load/validate.py checks it
        if self.mode == "random" and self.low > self.high:
            yield f"{path}.low", f"expected low <= high, got {self.low} > {self.high}"
        if self.draw == "episode" and self.mode != "random":
            yield f"{path}.draw", f"draw = 'episode' needs mode = 'random', got mode = {self.mode!r}"
        for i, row in enumerate(self.matrix):
            for j, v in enumerate(row):
                if not -1.0 <= v <= 1.0:
                    yield f"{path}.matrix[{i}][{j}]", f"expected a weight in [-1, 1], got {v}"
