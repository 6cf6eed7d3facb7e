"""The egocentric frame: the observation turned so that the agent's facing is up.

The game's observations are egocentric in position but not in rotation (docs/game_systems.md,
item 17: not rotated with the agent's facing), so "the cell in front" is a different cell of the
window for each of the four facings, and a policy must learn every rule four times. In this frame
the cell in front is always the one above the centre, and the relative actions (move forward/backward,
attack's 3x3 block in front) mean the same as before. The absolute ones (rotate_up ...) are
read in the frame too: the policy's `rotate_up` means "face the way I face", `rotate_left`
"turn to my left", and `to_absolute` maps those logits back to the env's absolute rotations.

Rotated window cell (i, j), at offset (dr, dc) from the centre, shows the original cell at
-dr * forward + dc * right, where forward = (DR[o], DC[o]) and right = (forward_c, -forward_r).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from game.rules.constants import DC, DR

ORIENTATION_CHANNEL = "agent.orientation"
ROTATIONS = ("rotate_up", "rotate_down", "rotate_left", "rotate_right")  # in Dir order, as DR/DC


def _to_original(o: int, dr: int, dc: int) -> tuple[int, int]:
    fr, fc = DR[o], DC[o]
    rr, rc = fc, -fr
    return -dr * fr + dc * rr, -dr * fc + dc * rc


def cell_maps(size: int) -> np.ndarray:
    """(4, size * size): for each facing, the original flat cell index of each rotated cell."""
    c = size // 2
    out = np.zeros((4, size * size), np.int64)
    for o in range(4):
        for i in range(size):
            for j in range(size):
                r, s = _to_original(o, i - c, j - c)
                out[o, i * size + j] = (c + r) * size + (c + s)
    return out


def action_maps(flat_action_names: list[str]) -> np.ndarray:
    """(4, n): for each facing, which frame action's logit each env action takes (identity but
    for the rotations, which are read relative to the facing)."""
    n = len(flat_action_names)
    out = np.tile(np.arange(n, dtype=np.int64), (4, 1))
    if not all(r in flat_action_names for r in ROTATIONS):
        return out
    idx = [flat_action_names.index(r) for r in ROTATIONS]
    direction = {(DR[d], DC[d]): d for d in range(4)}
    for o in range(4):
        for rel in range(4):
            absolute = direction[_to_original(o, DR[rel], DC[rel])]
            out[o, idx[absolute]] = idx[rel]
    return out


class EgoFrame(nn.Module):
    """Turns (B, H, W, C) observations into the frame and frame logits back to env actions."""

    def __init__(
        self, obs_shape: tuple[int, int, int], feature_names: list[str], flat_action_names: list[str]
    ):
        super().__init__()
        h, w, c = obs_shape
        if h != w:
            raise ValueError(f"the egocentric frame needs a square window, got {h}x{w}")
        if ORIENTATION_CHANNEL not in feature_names:
            raise ValueError(f"the egocentric frame needs the {ORIENTATION_CHANNEL!r} observation channel")
        self.size, self.channels = h, c
        self.orientation_channel = feature_names.index(ORIENTATION_CHANNEL)
        self.register_buffer("cells", torch.from_numpy(cell_maps(h)), persistent=False)
        self.register_buffer("actions", torch.from_numpy(action_maps(flat_action_names)), persistent=False)

    def facing(self, obs: torch.Tensor) -> torch.Tensor:
        c = self.size // 2
        return obs[:, c, c, self.orientation_channel].long().clamp_(0, 3)

    def rotate(self, obs: torch.Tensor, facing: torch.Tensor) -> torch.Tensor:
        # whole cells (C bytes each) picked by one index_select over the batch's cells: on a CPU
        # several times faster than a gather with a per-byte index
        B, n = obs.shape[0], self.size * self.size
        rows = self.cells[facing] + torch.arange(B, device=obs.device).unsqueeze(1) * n
        return obs.reshape(B * n, self.channels).index_select(0, rows.reshape(-1)).view(obs.shape)

    def to_absolute(self, logits: torch.Tensor, facing: torch.Tensor) -> torch.Tensor:
        return logits.gather(1, self.actions[facing])
