"""What the typed and grid encoders read from a cell and from the agent itself, in one place.

- A cell: its raw channels and a one-hot of its building type. A type is a category, not a
  magnitude (an altar is not "more" than a mine), and a scaled type channel made the CNN's clone
  of the scripted baseline confuse buildings (docs/training.md, behaviour cloning).
- The agent itself (its centre cell): the scaled channels, a one-hot of its facing, and
  thresholds of its inventory (>= 1, 2, 3 of each resource: recipes need 1, 2 or 3 of a thing)
  and of its energy (>= 10, 30, 60: what actions cost), so that "can I use this altar now" is one
  linear step. Scaled by the largest value seen, 2 batteries would be 0.04 once an agent has
  held 50.

Inputs are built in uint8 and converted to float once: on a CPU the float copies of these
tensors cost more than the matmuls. The channel scale is applied to the first layer's weights
instead (`input_scale`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from learn.policies.layers import ObsScaled

BUILDING_KINDS = 16  # building.type values above this share the last one-hot slot
INVENTORY_THRESHOLDS = (1, 2, 3)
ENERGY_THRESHOLDS = (10, 30, 60)


class CellInputs(ObsScaled):
    """Base of the encoders that read cells by type: the channel indices and the two input builders."""

    def __init__(
        self,
        obs_shape: tuple[int, int, int],
        feature_names: list[str],
        kinds: int = BUILDING_KINDS,
        spatial_only: bool = False,
    ):
        """`kinds`: building types with a one-hot slot of their own (higher ones share the last).
        `spatial_only`: cell_inputs leaves out the self.* channels, which are zero but at the
        centre (self_inputs reads them there)."""
        h, w, c = obs_shape
        super().__init__(c)
        names = list(feature_names)
        if len(names) != c:
            raise ValueError(
                f"{type(self).__name__}: {len(names)} feature names for {c} observation channels"
            )
        self.cells, self.centre = h * w, (h // 2) * w + (w // 2)
        self.type_channel = names.index("building.type")
        self.orientation_channel = names.index("agent.orientation")
        self.energy_channel = names.index("agent.energy")
        self.inventory_channels = [i for i, n in enumerate(names) if n.startswith("inv.")]
        self.num_kinds = kinds
        # cell_inputs reads channels [0, cell_channels): all, or all but the observer's own
        self.cell_channels = (
            min([i for i, n in enumerate(names) if n.startswith("self.")] or [c]) if spatial_only else c
        )
        self.cell_width = self.cell_channels + kinds + 1  # what cell_inputs gives per cell
        self.self_width = (
            c + 4 + len(self.inventory_channels) * len(INVENTORY_THRESHOLDS) + len(ENERGY_THRESHOLDS)
        )
        for name, values in (
            ("inv_thresholds", INVENTORY_THRESHOLDS),
            ("energy_thresholds", ENERGY_THRESHOLDS),
        ):
            self.register_buffer(name, torch.tensor(values, dtype=torch.float32), persistent=False)
        self.register_buffer("kinds", torch.arange(kinds + 1, dtype=torch.uint8), persistent=False)

    def cell_inputs(self, raw: torch.Tensor) -> torch.Tensor:
        """(..., C) uint8 -> (..., cell_width) float: the raw channels (all, or all but the
        self.* ones) and the type's one-hot."""
        kind = raw[..., self.type_channel : self.type_channel + 1].clamp(max=self.num_kinds) == self.kinds
        return torch.cat([raw[..., : self.cell_channels], kind.to(torch.uint8)], -1).float()

    def input_scale(self) -> torch.Tensor:
        """(cell_width,): what multiplies cell_inputs' columns (1 / the channel's max; 1 for the one-hot)."""
        return torch.cat(
            [1.0 / self.obs_max[: self.cell_channels], self.obs_max.new_ones(self.num_kinds + 1)]
        )

    def self_inputs(self, me: torch.Tensor) -> torch.Tensor:
        """(B, C) raw centre cell (float) -> the agent's own features: scaled channels, facing
        one-hot, inventory and energy thresholds."""
        facing = F.one_hot(me[:, self.orientation_channel].long().clamp(0, 3), 4).to(me.dtype)
        inv = (me[:, self.inventory_channels].unsqueeze(-1) >= self.inv_thresholds).flatten(1).to(me.dtype)
        energy = (me[:, self.energy_channel : self.energy_channel + 1] >= self.energy_thresholds).to(me.dtype)
        return torch.cat([me / self.obs_max, facing, inv, energy], 1)
