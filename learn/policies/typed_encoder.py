"""The default encoder: a lean CNN over cells read by type, the agent's own state, and the cell
in front of it.

- The grid: each cell's `cell_inputs` (learn/policies/cell_inputs.py: raw channels plus a one-hot of the
  building type) through one 3x3 stride-2 conv (11x11 -> 5x5, every cell covered; no
  full-resolution activation is stored and the input needs no gradient, which keeps the update
  cheap on a CPU), then a linear layer over the flattened map.
- The agent: `self_inputs` (its centre cell, facing one-hot, inventory and energy thresholds) and
  the cell in front of it (what `use`, `transfer`, `swap` and `mate` act on), read apart from
  the conv's mixing of 3x3 blocks.
- Joined -> `hidden`, relu.

Against the raw-channel CNN (`Encoder`, learn/policies/policy.py) it tells buildings apart by kind and
sees "can I use what is in front of me" in one linear step; against the grid policy
(learn/policies/cell_encoder.py) it trains about twice as fast. Figures: docs/training.md.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from game.rules.constants import DC, DR, Dir
from learn.policies.cell_inputs import CellInputs
from learn.policies.layers import init_layer

# the default building set's 11 types (walls and blocks among them) have a one-hot slot each; a
# level's own buildings share the twelfth
TYPED_KINDS = 12


class TypedEncoder(CellInputs):
    def __init__(
        self,
        obs_shape: tuple[int, int, int],
        feature_names: list[str],
        hidden: int = 128,
        conv: int = 16,
        self_dim: int = 64,
        egocentric: bool = False,
    ):
        super().__init__(obs_shape, feature_names, kinds=TYPED_KINDS, spatial_only=True)
        h, w, c = obs_shape
        self.shape = (h, w, c)
        # in the egocentric frame (learn/policies/egocentric.py) the agent always faces up
        self.egocentric = egocentric
        self.conv = init_layer(nn.Conv2d(self.cell_width, conv, 3, stride=2))
        oh, ow = (h - 3) // 2 + 1, (w - 3) // 2 + 1
        self.fc = init_layer(nn.Linear(conv * oh * ow, hidden))
        self.self_fc = init_layer(nn.Linear(self.self_width + self.cell_width, self_dim))
        self.out = init_layer(nn.Linear(hidden + self_dim, hidden))
        front = [(h // 2 + DR[o]) * w + (w // 2 + DC[o]) for o in range(4)]
        self.register_buffer("front_cells", torch.tensor(front), persistent=False)
        self.out_dim = hidden

    def front(self, cells: torch.Tensor) -> torch.Tensor:
        """(B, cells, width) -> (B, width): the cell in front of each agent."""
        B = cells.shape[0]
        if self.egocentric:
            return cells[:, int(self.front_cells[Dir.UP])]
        # the raw orientation value: the channel scale is applied after this
        facing = cells[:, self.centre, self.orientation_channel].long().clamp(0, 3)
        return cells[torch.arange(B, device=cells.device), self.front_cells[facing]]

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        h, w, c = self.shape
        B = obs.shape[0]
        cells = self.cell_inputs(obs.reshape(B, self.cells, c))  # (B, cells, width)
        scale = self.input_scale()
        # NHWC data viewed as NCHW is channels_last: no copy, and the fast conv layout on CPU
        grid = cells.view(B, h, w, -1).permute(0, 3, 1, 2)
        g = F.relu(F.conv2d(grid, self.conv.weight * scale.view(1, -1, 1, 1), self.conv.bias, stride=2))
        g = F.relu(self.fc(g.flatten(1)))
        me = torch.cat([self.self_inputs(obs[:, h // 2, w // 2].float()), self.front(cells) * scale], 1)
        me = F.relu(self.self_fc(me))
        return F.relu(self.out(torch.cat([g, me], 1)))
