"""The grid policy's encoder (learn/policies/cell_encoder.py): each cell's inputs are its channels and a
one-hot of its building type, the channel scale folded into the weights equals scaling the
inputs, the agent's own features are thresholds of its inventory and energy, and a grid policy
trains, checkpoints and acts like the others."""

import numpy as np
import torch
import torch.nn.functional as F

import game
from learn.policies.agent import Agent
from learn.policies.cell_encoder import CellEncoder
from learn.policies.cell_inputs import BUILDING_KINDS, ENERGY_THRESHOLDS, INVENTORY_THRESHOLDS
from learn.rundir import checkpoint as ckpt
from learn.training.train import train
from tests.encoder_util import ARENA, arena_obs, build_encoder
from tests.tiny_training import EPOCH, tiny


def test_cell_inputs_are_the_channels_and_the_building_type_one_hot():
    env, obs = arena_obs(0)
    enc = build_encoder(CellEncoder, env)
    raw = obs.reshape(obs.shape[0], -1, obs.shape[-1])
    raw[0, 5, enc.type_channel] = 200  # an id past the table shares the last slot
    got = enc.cell_inputs(raw)
    kinds = raw[..., enc.type_channel].long().clamp(max=BUILDING_KINDS)
    want = torch.cat([raw.float(), F.one_hot(kinds, BUILDING_KINDS + 1).float()], 2)
    assert torch.equal(got, want)
    assert got[0, 5, obs.shape[-1] + BUILDING_KINDS] == 1
    assert (raw[..., enc.type_channel] > 0).any()  # the window holds buildings to encode


def test_folded_scale_equals_scaling_the_inputs():
    env, obs = arena_obs(1)
    enc = build_encoder(CellEncoder, env)
    enc.update_obs_scale(obs)
    assert (enc.obs_max >= 1).all() and enc.obs_max.max() > 1
    raw = obs.reshape(obs.shape[0], -1, obs.shape[-1])
    cells = enc.cell_inputs(raw)
    c = obs.shape[-1]
    scaled = torch.cat([cells[..., :c] / enc.obs_max, cells[..., c:]], 2)
    z = F.relu(enc.cell_fc(scaled))
    grid = F.relu(enc.fc(z.flatten(1)))
    me = F.relu(enc.self_fc(enc.self_inputs(raw[:, enc.centre].float())))
    want = F.relu(enc.out(torch.cat([grid, me], 1)))
    assert torch.allclose(enc(obs), want, atol=1e-5)


def test_self_inputs_threshold_inventory_and_energy():
    env, obs = arena_obs(2)
    enc = build_encoder(CellEncoder, env)
    me = obs[:, obs.shape[1] // 2, obs.shape[2] // 2].float().clone()
    inv0 = enc.inventory_channels[0]
    me[0, inv0], me[0, enc.energy_channel], me[0, enc.orientation_channel] = 2, 35, 3
    x = enc.self_inputs(me)
    c = obs.shape[-1]
    assert torch.equal(x[0, c : c + 4], torch.tensor([0.0, 0, 0, 1]))  # facing right
    inv = x[0, c + 4 : c + 4 + len(INVENTORY_THRESHOLDS)]
    assert inv.tolist() == [1.0, 1.0, 0.0]  # >= 1, >= 2, not >= 3
    assert x[0, -len(ENERGY_THRESHOLDS) :].tolist() == [1.0, 1.0, 0.0]  # 35: >= 10, >= 30, not >= 60
    assert x.shape[1] == enc.self_fc.in_features


def test_the_building_type_changes_the_encoding():
    env, obs = arena_obs(3)
    enc = build_encoder(CellEncoder, env)
    a = obs[:1].clone()
    b = a.clone()
    c = obs.shape[1] // 2
    a[0, c - 1, c, enc.type_channel], b[0, c - 1, c, enc.type_channel] = 2, 3  # in front: two kinds
    assert not torch.allclose(enc(a), enc(b))


def test_grid_policy_trains_checkpoints_and_acts(tmp_path):
    s = train(
        tiny(tmp_path / "grid", policy="grid", egocentric=True, total_steps=2 * EPOCH, checkpoint_interval=1)
    )
    assert s["global_step"] == 2 * EPOCH and np.isfinite(s["last_metrics"]["losses/value"])
    data = ckpt.load_checkpoint(s["checkpoint"])
    assert data["policy"] == "grid" and data["config"]["egocentric"] is True
    env = game.make_env(ARENA, num_worlds=2, seed=0)
    agent = Agent(data, env, s["checkpoint"])
    obs, _ = env.reset()
    a = agent.act(obs)
    assert a.shape == (env.num_agents, 2)
    assert {tuple(r) for r in a} <= {tuple(r) for r in env.flat_actions}
    assert (agent.policy.encoder.obs_max > 1).any()  # the scale travelled with the checkpoint
