"""A group's energy profiles (`[groups.NAME.profiles.PROFILE]`): the bodies `profile` switches
among, each with its cap, upkeep and action costs over the group's."""

from __future__ import annotations

from typing import Annotated

from game.mechanics.section import Base, Problems, doc

MAX_PROFILES = 16  # profile's argument: the group's own body (0) and up to 15 declared profiles


class Profile(Base):
    """An energy profile (a posture or mood) the group's agents may switch to with `profile`."""

    max_energy: Annotated[
        int,
        doc(
            "energy cap in this profile (energy above it is lost on switching); -1 = the group's",
            ge=-1,
            le=255,
        ),
    ] = -1
    upkeep: Annotated[int, doc("energy drained every tick in this profile; -1 = the group's", ge=-1)] = -1
    costs: Annotated[dict[str, int], doc("per-action energy costs in this profile, over the group's")] = {}

    def problems(self, level, path: str) -> Problems:
        if self.max_energy == 0:
            yield f"{path}.max_energy", "expected -1 (the group's cap) or a cap of 1..255, got 0"
        yield from level.cost_problems(f"{path}.costs", self.costs)


PROFILES = Annotated[
    dict[str, Profile],
    doc(
        "energy profiles the `profile` action switches among: argument 0 is the group's own body, "
        "k the k-th of these"
    ),
]


def group_problems(profiles: dict[str, Profile], group, level, path: str) -> Problems:
    """A group's profiles: at most MAX_PROFILES - 1, and only where `profile` can reach them."""
    if len(profiles) >= MAX_PROFILES:
        yield f"{path}.profiles", f"expected at most {MAX_PROFILES - 1} profiles, got {len(profiles)}"
    if profiles and not level.enabled("profile"):  # unreachable bodies are a mistake, not a no-op
        yield (
            f"{path}.profiles",
            "profiles need the `profile` action to switch among them; set actions.profile.enabled = true",
        )
