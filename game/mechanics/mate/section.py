"""The `[mate]` section of a level: how bonds form and what they add."""

from __future__ import annotations

from typing import Annotated

from game.mechanics.section import Base, doc


class Mate(Base):
    """Mate selection: mutual `mate` proposals form a bond that adds kinship between the partners."""

    window: Annotated[int, doc("ticks within which two mutual proposals form a bond", ge=1)] = 5
    cost: Annotated[int, doc("energy each partner pays when a bond forms", ge=0)] = 10
    share: Annotated[float, doc("kinship weight added between partners while bonded", ge=-1, le=1)] = 0.5
    duration: Annotated[int, doc("ticks a bond lasts", ge=1)] = 200
    max_bonds: Annotated[int, doc("bonds an agent can hold at once", ge=1, le=16)] = 4
