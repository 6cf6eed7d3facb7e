"""The observation channel table: one list, from which names and kernel offsets are derived.

Cell channels describe whatever occupies a cell (the kernel encodes them once per entity into a
record table and copies the record each window cell's grid code names); observer channels depend
on who looks (kinship, bond) and are written per agent; self channels are the observer's own
state, written at the centre cell of its window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Features:
    names: tuple[str, ...]
    agent: int  # first agent channel: agent, group, energy, frozen, orientation, shield, color
    inventory: int  # first of num_resources inventory channels (any agent's inventory)
    wall: int  # 1 wall, 2 block
    building: int  # type (+1), ready, stock, hp
    self_: int  # last_action (+1), last_success, last_reward (128 + 64 * r, clipped), progress (0..255)
    cell_channels: int  # channels [0, cell_channels) come from the cell records

    @property
    def count(self) -> int:
        return len(self.names)

    def channel(self, name: str) -> int:
        """The place of channel `name`, or -1 where the level has no such channel (a mechanic's
        channel in a level that does not enable it)."""
        return self.names.index(name) if name in self.names else -1


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
SELF_CHANNELS = ("self.last_action", "self.last_success", "self.last_reward", "self.progress")


def features(
    resources: list[str], channels: tuple[str, ...] = (), observer: tuple[str, ...] = ()
) -> Features:
    """The channel table of a level with `resources`, plus the cell `channels` and the `observer`
    channels its mechanics add (game/mechanics/mechanic.py: profile's `agent.profile` where it is
    enabled; kinship's `kin`, the seen agent's kinship to the observer, 128 + 127 K, 0 where no
    agent; mate's `bond`, 1 where the seen agent is bonded to the observer)."""
    names = [*AGENT_CHANNELS, *(f"inv.{r}" for r in resources), "wall", *BUILDING_CHANNELS, *channels]
    cell = len(names)
    names += [*observer, *SELF_CHANNELS]
    idx = names.index
    return Features(
        names=tuple(names),
        agent=0,
        inventory=len(AGENT_CHANNELS),
        wall=idx("wall"),
        building=idx("building.type"),
        self_=idx("self.last_action"),
        cell_channels=cell,
    )


def offsets() -> dict[str, int]:
    """The observation kernel's C constants (its constants.pxd): each channel's offset from its
    group's first channel, `CH_<NAME>` (`agent.energy` -> `CH_AGENT_ENERGY`)."""
    groups = (AGENT_CHANNELS, BUILDING_CHANNELS, SELF_CHANNELS)
    return {"CH_" + re.sub(r"\W", "_", name).upper(): i for group in groups for i, name in enumerate(group)}
