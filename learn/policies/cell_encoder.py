"""An encoder that reads every cell of the window apart: what stands in each cell, then where.

The CNN `Encoder` (learn/policies/policy.py) mixes 3x3 blocks of raw cells in its first layer; behaviour
cloning the scripted baseline showed that it cannot tell well enough which building is in front
of the agent or next to it (held-out agreement 0.66, the clone made 0.44 of the teacher's 2.99
return on arena_rooms). This one embeds each cell on its own, then lets one linear layer see all
cells at their positions (the clone: agreement 0.73, 2.29 return; docs/training.md):

- per cell: `cell_inputs` (learn/policies/cell_inputs.py: the channels and the building type's one-hot)
  -> `cell_dim` features, relu;
- all cells flattened -> `hidden`, relu;
- the agent itself apart: `self_inputs` (its centre cell, facing, inventory and energy
  thresholds);
- joined -> `hidden`, relu.

The per-cell layer is a matmul over (batch * cells) rows that needs no input gradient. The
default typed encoder (learn/policies/typed_encoder.py) reads the same inputs through a stride-2 conv plus
the cell in front; it clones the teacher as well and trains about twice as fast end to end.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from learn.policies.cell_inputs import CellInputs
from learn.policies.layers import init_layer


class CellEncoder(CellInputs):
    def __init__(
        self,
        obs_shape: tuple[int, int, int],
        feature_names: list[str],
        hidden: int = 128,
        cell_dim: int = 16,
        self_dim: int = 64,
    ):
        super().__init__(obs_shape, feature_names)
        self.cell_fc = init_layer(nn.Linear(self.cell_width, cell_dim))
        self.fc = init_layer(nn.Linear(self.cells * cell_dim, hidden))
        self.self_fc = init_layer(nn.Linear(self.self_width, self_dim))
        self.out = init_layer(nn.Linear(hidden + self_dim, hidden))
        self.out_dim = hidden

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        B = obs.shape[0]
        raw = obs.reshape(B, self.cells, -1)
        cells = self.cell_inputs(raw)
        z = F.relu(F.linear(cells, self.cell_fc.weight * self.input_scale(), self.cell_fc.bias))
        grid = F.relu(self.fc(z.flatten(1)))
        me = F.relu(self.self_fc(self.self_inputs(cells[:, self.centre, : raw.shape[2]])))
        return F.relu(self.out(torch.cat([grid, me], 1)))
