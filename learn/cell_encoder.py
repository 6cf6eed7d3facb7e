"""An encoder that reads every cell of the window apart: what stands in each cell, then where.

The CNN `Encoder` (learn/policy.py) mixes 3x3 blocks of cells in its first layer; behaviour
cloning the scripted baseline showed that it cannot tell well enough which building is in front
of the agent or next to it (held-out agreement 0.66, the clone made 0.44 of the teacher's 2.99
return on arena_rooms). This one embeds each cell on its own, then lets one linear layer see all
cells at their positions (the clone: agreement 0.73, 2.29 return; docs/training.md):

- per cell: the scaled channels and a one-hot of the building type (a type is a category, not a
  magnitude: an altar is not "more" than a mine) -> `cell_dim` features, relu;
- all cells flattened -> `hidden`, relu;
- the agent itself apart: its centre cell, a one-hot of its facing, and thresholds of its
  inventory (>= 1, 2, 3 of each resource: recipes need 1, 2 or 3 of a thing) and of its energy
  (>= 10, 30, 60: what actions cost), so that "can I use this altar now" is one linear step;
- joined -> `hidden`, relu.

The per-cell layer is a matmul over (batch * cells) rows that needs no input gradient, so the
update stays cheap on a CPU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from learn.layers import ObsScaled, init_layer

BUILDING_KINDS = 16  # building.type values above this share the last one-hot slot
INVENTORY_THRESHOLDS = (1, 2, 3)
ENERGY_THRESHOLDS = (10, 30, 60)


class CellEncoder(ObsScaled):
    def __init__(self, obs_shape: tuple[int, int, int], feature_names: list[str], hidden: int = 128,
                 cell_dim: int = 16, self_dim: int = 64):
        h, w, c = obs_shape
        super().__init__(c)
        names = list(feature_names)
        if len(names) != c:
            raise ValueError(f"CellEncoder: {len(names)} feature names for {c} observation channels")
        self.cells, self.centre = h * w, (h // 2) * w + (w // 2)
        self.type_channel = names.index("building.type")
        self.orientation_channel = names.index("agent.orientation")
        self.energy_channel = names.index("agent.energy")
        self.inventory_channels = [i for i, n in enumerate(names) if n.startswith("inv.")]
        self.cell_fc = init_layer(nn.Linear(c + BUILDING_KINDS + 1, cell_dim))
        self.fc = init_layer(nn.Linear(self.cells * cell_dim, hidden))
        n_self = c + 4 + len(self.inventory_channels) * len(INVENTORY_THRESHOLDS) + len(ENERGY_THRESHOLDS)
        self.self_fc = init_layer(nn.Linear(n_self, self_dim))
        self.out = init_layer(nn.Linear(hidden + self_dim, hidden))
        for name, values in (("inv_thresholds", INVENTORY_THRESHOLDS), ("energy_thresholds", ENERGY_THRESHOLDS)):
            self.register_buffer(name, torch.tensor(values, dtype=torch.float32), persistent=False)
        self.register_buffer("kinds", torch.arange(BUILDING_KINDS + 1, dtype=torch.uint8), persistent=False)
        self.out_dim = hidden

    def cell_inputs(self, raw: torch.Tensor) -> torch.Tensor:
        """(B, cells, C) uint8 -> (B, cells, C + kinds) float: the raw channels and the type's one-hot.

        Built in uint8 and converted once (on a CPU the float copies of these tensors cost more
        than the matmuls); the channel scale is applied to the weights instead (`forward`)."""
        kind = raw[..., self.type_channel:self.type_channel + 1].clamp(max=BUILDING_KINDS) == self.kinds
        return torch.cat([raw, kind.to(torch.uint8)], 2).float()

    def self_inputs(self, me: torch.Tensor) -> torch.Tensor:
        """(B, C) raw centre cell -> the agent's own features: scaled channels, facing one-hot,
        inventory and energy thresholds."""
        facing = F.one_hot(me[:, self.orientation_channel].long().clamp(0, 3), 4).to(me.dtype)
        inv = (me[:, self.inventory_channels].unsqueeze(-1) >= self.inv_thresholds).flatten(1).to(me.dtype)
        energy = (me[:, self.energy_channel:self.energy_channel + 1] >= self.energy_thresholds).to(me.dtype)
        return torch.cat([me / self.obs_max, facing, inv, energy], 1)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        B = obs.shape[0]
        raw = obs.reshape(B, self.cells, -1)
        cells = self.cell_inputs(raw)
        scale = torch.cat([1.0 / self.obs_max, self.obs_max.new_ones(BUILDING_KINDS + 1)])
        z = F.relu(F.linear(cells, self.cell_fc.weight * scale, self.cell_fc.bias))
        grid = F.relu(self.fc(z.flatten(1)))
        me = F.relu(self.self_fc(self.self_inputs(cells[:, self.centre, :raw.shape[2]])))
        return F.relu(self.out(torch.cat([grid, me], 1)))
