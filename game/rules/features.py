"""The observation channel table: one list, from which names and kernel offsets are derived.

Cell channels describe whatever occupies a cell (the kernel encodes them once per entity into a
record table and copies the record each window cell's grid code names); observer channels depend
on who looks (kinship, bond) and are written per agent; self channels are the observer's own
state, written at the centre cell of its window.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Features:
    names: tuple[str, ...]
    agent: int  # first agent channel: agent, group, energy, frozen, orientation, shield, color
    inventory: int  # first of num_resources inventory channels (any agent's inventory)
    wall: int  # 1 wall, 2 block
    building: int  # type (+1), ready, stock, hp
    profile: int  # the seen agent's energy profile (+1); -1: the level has no `profile` action
    kin: int  # kinship of the seen agent to the observer: 128 + 127 * K, 0 where no agent
    bond: int  # 1 if the seen agent is bonded to the observer
    self_: int  # last_action (+1), last_success, last_reward (128 + 64 * r, clipped), progress (0..255)
    cell_channels: int  # channels [0, cell_channels) come from the cell records

    @property
    def count(self) -> int:
        return len(self.names)


AGENT_CHANNELS = (
    "agent",
    "agent.group",
    "agent.energy",
    "agent.frozen",
    "agent.orientation",
    "agent.shield",
    "agent.color",
)
BUILDING_CHANNELS = ("building.type", "building.ready", "building.stock", "building.hp")
PROFILE_CHANNELS = ("agent.profile",)  # only in levels with the `profile` action: the others keep their space
SELF_CHANNELS = ("self.last_action", "self.last_success", "self.last_reward", "self.progress")


def features(resources: list[str], profiles: bool = False) -> Features:
    names = [*AGENT_CHANNELS, *(f"inv.{r}" for r in resources), "wall", *BUILDING_CHANNELS]
    if profiles:
        names += PROFILE_CHANNELS
    cell = len(names)
    names += ["kin", "bond", *SELF_CHANNELS]
    idx = names.index
    return Features(
        names=tuple(names),
        agent=0,
        inventory=len(AGENT_CHANNELS),
        wall=idx("wall"),
        building=idx("building.type"),
        profile=idx(PROFILE_CHANNELS[0]) if profiles else -1,
        kin=idx("kin"),
        bond=idx("bond"),
        self_=idx("self.last_action"),
        cell_channels=cell,
    )
