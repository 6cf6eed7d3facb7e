"""Pieces the policies' encoders share: orthogonal initialisation and the observation scale."""

from __future__ import annotations

import torch
from torch import nn


def init_layer(layer: nn.Module, gain: float = 2**0.5) -> nn.Module:
    """Orthogonal weights with `gain`, zero bias (the PPO implementations' habit)."""
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


class ObsScaled(nn.Module):
    """An encoder that divides each observation channel by the largest value seen in it so far.

    `obs_max` is a buffer (it travels with checkpoints) that the trainer raises between epochs
    with `update_obs_scale`, so features of any range arrive near [0, 1]."""

    def __init__(self, channels: int):
        super().__init__()
        self.register_buffer("obs_max", torch.ones(channels))

    @torch.no_grad()
    def update_obs_scale(self, obs: torch.Tensor) -> None:
        """Raise the per-channel maxima to cover a batch of raw observations (..., C)."""
        seen = obs.reshape(-1, obs.shape[-1]).amax(0).to(self.obs_max)
        torch.maximum(self.obs_max, seen, out=self.obs_max)
