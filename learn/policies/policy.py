"""Policies: a registry, the typed policy (the default: a CNN over cells read by building type,
the agent's own state and the cell in front; learn/policies/typed_encoder.py), a lean CNN over the raw
channels, a grid policy that reads each cell apart (learn/policies/cell_encoder.py) and an LSTM variant.

A policy maps a batch of uint8 observations (B, window, window, channels) to logits over the
level's flat action list (`env.flat_actions`: every valid (action, argument) pair once, see
game/rules/action_table.py) and a value. Recurrent policies also take and return a state. Register
your own with `@register_policy("name")`; the class is built as `cls(spaces, **kwargs)`, where
`spaces` is the level's `learn.rundir.checkpoint.spaces_of` dict (obs_shape, feature_names,
flat_action_names...) and kwargs are `policy_kwargs(config)`, and must provide
`forward(obs, state) -> (logits, value, state)` where `logits` is (B, num_actions) and `value` is
(B,), plus `initial_state(batch, device)` (None for feed-forward policies). learn/policies/agent.py
turns chosen indices into the env's (action, argument) rows.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from learn.policies.cell_encoder import CellEncoder
from learn.policies.egocentric import EgoFrame
from learn.policies.layers import ObsScaled, init_layer
from learn.policies.typed_encoder import TypedEncoder

POLICIES: dict[str, type[nn.Module]] = {}


def register_policy(name: str) -> Callable[[type[nn.Module]], type[nn.Module]]:
    """Class decorator: make a policy class selectable as `policy = "name"` in the config."""

    def deco(cls: type[nn.Module]) -> type[nn.Module]:
        if name in POLICIES and POLICIES[name] is not cls:
            raise ValueError(f"policy {name!r} is already registered ({POLICIES[name].__qualname__})")
        POLICIES[name] = cls
        cls.policy_name = name
        return cls

    return deco


def make_policy(name: str, spaces: dict[str, Any], **kwargs) -> nn.Module:
    if name not in POLICIES:
        raise ValueError(f"unknown policy {name!r}; registered: {', '.join(sorted(POLICIES))}")
    return POLICIES[name](spaces, **kwargs)


def policy_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """The policy's keyword arguments from a (resolved or saved) training config."""
    return dict(hidden=int(config.get("hidden", 128)), egocentric=bool(config.get("egocentric", False)))


class Encoder(ObsScaled):
    """Observation window -> feature vector, cheap on a CPU (few FLOPs and small activations).

    - Each channel is scaled by 1 / (the largest value seen in it so far): a buffer that the
      trainer raises between epochs (`update_obs_scale`), so features of any range arrive near
      [0, 1]; the scale is folded into the first layer's weights and travels with checkpoints.
    - The first layer is one 3x3 stride-2 conv straight over the raw channels (11x11 -> 5x5,
      every cell covered): it needs no gradient for its input, and no full-resolution
      activation is ever stored, which is what made a 1x1 embedding layer slow on a CPU.
    - Then a linear layer over the flattened 5x5 map. The agent's own centre cell (its
      inventory, energy, last action...) is embedded apart and joined before the last layer.
    """

    def __init__(
        self, obs_shape: tuple[int, int, int], conv: int = 16, hidden: int = 128, self_dim: int = 32
    ):
        h, w, c = obs_shape
        super().__init__(c)
        self.centre = (h // 2, w // 2)
        self.conv = init_layer(nn.Conv2d(c, conv, 3, stride=2))
        oh, ow = (h - 3) // 2 + 1, (w - 3) // 2 + 1
        self.fc = init_layer(nn.Linear(conv * oh * ow, hidden))
        self.self_fc = init_layer(nn.Linear(c, self_dim))
        self.out = init_layer(nn.Linear(hidden + self_dim, hidden))
        self.out_dim = hidden

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        inv = 1.0 / self.obs_max
        x = obs.float()  # (B, H, W, C)
        me = x[:, self.centre[0], self.centre[1], :] * inv
        # NHWC data viewed as NCHW is channels_last: no copy, and the fast conv layout on CPU
        weight = self.conv.weight * inv.view(1, -1, 1, 1)
        x = F.relu(F.conv2d(x.permute(0, 3, 1, 2), weight, self.conv.bias, stride=2))
        x = F.relu(self.fc(x.flatten(1)))
        me = F.relu(self.self_fc(me))
        return F.relu(self.out(torch.cat([x, me], 1)))


class Heads(nn.Module):
    """One categorical head over the flat action list, and a critic."""

    def __init__(self, hidden: int, num_actions: int):
        super().__init__()
        self.actor = init_layer(nn.Linear(hidden, num_actions), 0.01)
        self.critic = init_layer(nn.Linear(hidden, 1), 1.0)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.actor(h), self.critic(h).squeeze(1)


@register_policy("cnn")
class CNNPolicy(nn.Module):
    """`Encoder` (the lean CNN over raw channels; the default before the typed policy) then the
    heads; feed-forward. Subclasses change the encoder (`make_encoder`)."""

    recurrent = False

    def __init__(self, spaces: dict[str, Any], hidden: int = 128, egocentric: bool = False):
        super().__init__()
        self.frame = _frame(spaces, egocentric)
        self.encoder = self.make_encoder(spaces, hidden, egocentric)
        self.heads = Heads(hidden, len(spaces["flat_action_names"]))

    @staticmethod
    def make_encoder(spaces: dict[str, Any], hidden: int, egocentric: bool) -> nn.Module:
        return Encoder(tuple(spaces["obs_shape"]), hidden=hidden)

    def initial_state(self, batch: int, device: torch.device | str = "cpu"):
        return None

    def update_obs_scale(self, obs: torch.Tensor) -> None:
        self.encoder.update_obs_scale(obs)

    def forward(self, obs: torch.Tensor, state=None):
        obs, facing = _into_frame(self.frame, obs)
        logits, value = self.heads(self.encoder(obs))
        return _out_of_frame(self.frame, logits, facing), value, None


@register_policy("grid")
class GridPolicy(CNNPolicy):
    """`CellEncoder` (each cell read apart, learn/policies/cell_encoder.py) then the heads; feed-forward."""

    @staticmethod
    def make_encoder(spaces: dict[str, Any], hidden: int, egocentric: bool) -> nn.Module:
        return CellEncoder(tuple(spaces["obs_shape"]), spaces["feature_names"], hidden=hidden)


@register_policy("typed")
class TypedPolicy(CNNPolicy):
    """The default: `TypedEncoder` (a CNN over cells read by type, the agent's own state and the
    cell in front; learn/policies/typed_encoder.py) then the heads; feed-forward."""

    @staticmethod
    def make_encoder(spaces: dict[str, Any], hidden: int, egocentric: bool) -> nn.Module:
        return TypedEncoder(
            tuple(spaces["obs_shape"]), spaces["feature_names"], hidden=hidden, egocentric=egocentric
        )


@register_policy("lstm")
class LSTMPolicy(nn.Module):
    """`Encoder`, then an LSTM cell (state per agent, zeroed at episode starts), then the heads.

    `forward` takes one step: obs (B, ...) and state (h, c), each (B, hidden). `forward_sequence`
    takes (T, B, ...) observations with `starts` (T, B) marking the first step of an episode.
    """

    recurrent = True

    def __init__(self, spaces: dict[str, Any], hidden: int = 128, egocentric: bool = False):
        super().__init__()
        self.hidden = hidden
        self.frame = _frame(spaces, egocentric)
        self.encoder = Encoder(tuple(spaces["obs_shape"]), hidden=hidden)
        self.cell = nn.LSTMCell(hidden, hidden)
        for name, p in self.cell.named_parameters():
            if "bias" in name:
                nn.init.zeros_(p)
            else:
                nn.init.orthogonal_(p, 1.0)
        self.heads = Heads(hidden, len(spaces["flat_action_names"]))

    def initial_state(self, batch: int, device: torch.device | str = "cpu"):
        z = torch.zeros(batch, self.hidden, device=device)
        return (z, z.clone())

    def update_obs_scale(self, obs: torch.Tensor) -> None:
        self.encoder.update_obs_scale(obs)

    def forward(self, obs: torch.Tensor, state):
        obs, facing = _into_frame(self.frame, obs)
        h, c = self.cell(self.encoder(obs), state)
        logits, value = self.heads(h)
        return _out_of_frame(self.frame, logits, facing), value, (h, c)

    def forward_sequence(self, obs: torch.Tensor, starts: torch.Tensor, state):
        T, B = obs.shape[:2]
        flat, facing = _into_frame(self.frame, obs.reshape(T * B, *obs.shape[2:]))
        z = self.encoder(flat).reshape(T, B, -1)
        keep = (~starts).to(z.dtype).unsqueeze(-1)
        h, c = state
        outs = []
        for t in range(T):
            h, c = self.cell(z[t], (h * keep[t], c * keep[t]))
            outs.append(h)
        logits, value = self.heads(torch.stack(outs).reshape(T * B, -1))
        return _out_of_frame(self.frame, logits, facing), value, (h, c)


def _frame(spaces: dict[str, Any], egocentric: bool) -> EgoFrame | None:
    if not egocentric:
        return None
    return EgoFrame(tuple(spaces["obs_shape"]), spaces["feature_names"], spaces["flat_action_names"])


def _into_frame(frame: EgoFrame | None, obs: torch.Tensor):
    if frame is None:
        return obs, None
    facing = frame.facing(obs)
    return frame.rotate(obs, facing), facing


def _out_of_frame(frame: EgoFrame | None, logits: torch.Tensor, facing):
    return logits if frame is None else frame.to_absolute(logits, facing)


def sample_actions(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample one action index per row (Gumbel-max) -> (actions (B,) int64, log-prob (B,))."""
    lp = F.log_softmax(logits, 1)
    u = torch.rand_like(lp).clamp_(1e-20, 1.0)
    a = (lp - torch.log(-torch.log(u))).argmax(1)
    return a, lp.gather(1, a.unsqueeze(1)).squeeze(1)


def evaluate_actions(logits: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-prob (B,) of given action indices (B,) and the entropy (B,) of the distribution."""
    lp = F.log_softmax(logits, 1)
    return lp.gather(1, actions.unsqueeze(1)).squeeze(1), -(lp.exp() * lp).sum(1)


def greedy_actions(logits: torch.Tensor) -> torch.Tensor:
    return logits.argmax(1)
