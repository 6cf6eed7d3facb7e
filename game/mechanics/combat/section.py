"""The `[combat]` section of a level: what a hit does and what a shield costs."""

from __future__ import annotations

from typing import Annotated

from game.mechanics.section import Base, doc


class Combat(Base):
    """The `attack` and `shield` actions: what a hit does and what a shield costs."""

    damage: Annotated[int, doc("energy a shield absorbs per hit, and hp a building loses", ge=0)] = 10
    freeze_duration: Annotated[int, doc("ticks a hit agent stays frozen", ge=0)] = 10
    consume_laser: Annotated[bool, doc("attacks need and consume one `laser` item")] = False
    shield_upkeep: Annotated[int, doc("energy drained per tick while the shield is on", ge=0)] = 1
    steal: Annotated[bool, doc("a hit that freezes also moves the victim's inventory to the attacker")] = True
