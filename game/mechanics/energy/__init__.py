"""Energy upkeep and the shield's cost, every tick."""

from game.mechanics.mechanic import Mechanic, System

MECHANIC = Mechanic(
    name="energy",
    systems=(System(name="energy", phase="world", kernel="energy", does="upkeep and shield cost"),),
)
