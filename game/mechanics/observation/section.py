"""The `[obs]` section of a level: the observation window."""

from __future__ import annotations

from typing import Annotated, Any

from game.mechanics.section import Base, Problems, doc


class Observation(Base):
    """What each agent sees: an egocentric square window of feature channels.

    The channels are fixed by the resources (see `python -m game describe LEVEL` for the list);
    levels that keep the default resources share one observation space.
    """

    window: Annotated[int, doc("side of the egocentric square window; odd and at least 1", le=63)] = 11

    def problems(self, level: Any, path: str) -> Problems:
        if self.window % 2 == 0 or self.window < 1:
            yield f"{path}.window", f"expected an odd window of at least 1 (e.g. 11), got {self.window}"
