"""The typed encoder (learn/policies/typed_encoder.py): the conv reads each cell's channels but the
observer's own and a one-hot of its building type, the agent's path reads the cell in front of
it (by its facing, or above the centre in the egocentric frame), the folded channel scale equals
scaling the inputs, and the typed policy trains, checkpoints and acts."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import game
from game.rules.constants import DC, DR
from learn.policies.agent import Agent
from learn.policies.policy import make_policy
from learn.policies.typed_encoder import TYPED_KINDS, TypedEncoder
from learn.rundir import checkpoint as ckpt
from learn.training.train import train
from tests.encoder_util import ARENA, arena_obs, build_encoder
from tests.tiny_training import EPOCH, tiny


def test_cell_inputs_leave_out_the_observers_own_channels_and_one_hot_the_type():
    env, obs = arena_obs(0)
    enc = build_encoder(TypedEncoder, env)
    own = [i for i, n in enumerate(env.feature_names) if n.startswith("self.")]
    assert own and enc.cell_channels == own[0] == len(env.feature_names) - len(own)
    raw = obs.reshape(obs.shape[0], -1, obs.shape[-1]).clone()
    raw[0, 5, enc.type_channel] = 200  # a level's own building past the table shares the last slot
    got = enc.cell_inputs(raw)
    kinds = raw[..., enc.type_channel].long().clamp(max=TYPED_KINDS)
    want = torch.cat([raw[..., : own[0]].float(), F.one_hot(kinds, TYPED_KINDS + 1).float()], 2)
    assert torch.equal(got, want)
    assert got.shape[-1] == enc.cell_width == enc.conv.in_channels
    assert got[0, 5, own[0] + TYPED_KINDS] == 1
    # every building of the default set has a slot of its own
    assert len(env.tables.building_names) < TYPED_KINDS


@pytest.mark.parametrize("facing", range(4))
def test_the_cell_in_front_follows_the_facing(facing):
    env, obs = arena_obs(1)
    enc = build_encoder(TypedEncoder, env)
    h, w, c = obs.shape[1:]
    one = obs[:1].clone()
    one[0, h // 2, w // 2, enc.orientation_channel] = facing
    marked = one.clone()
    marked[0, h // 2 + DR[facing], w // 2 + DC[facing], enc.type_channel] = 7
    cells = enc.cell_inputs(marked.reshape(1, h * w, c))
    front = enc.front(cells)
    assert front[0, enc.type_channel] == 7 and front[0, enc.cell_channels + 7] == 1
    # in the egocentric frame the agent faces up whatever the channel says
    ego = build_encoder(TypedEncoder, env, egocentric=True)
    up = one.clone()
    up[0, h // 2 - 1, w // 2, enc.type_channel] = 9
    assert ego.front(ego.cell_inputs(up.reshape(1, h * w, c)))[0, enc.type_channel] == 9


def test_the_agents_path_reads_the_building_in_front_and_not_its_neighbours():
    env, obs = arena_obs(2)
    enc = build_encoder(TypedEncoder, env, egocentric=True)
    with torch.no_grad():  # the grid path off: what changes the output comes through the agent's path
        enc.fc.weight.zero_()
    h, w, _ = obs.shape[1:]
    base = obs[:1].clone()
    base[0, h // 2 - 1, w // 2, enc.type_channel] = 3
    front = base.clone()
    front[0, h // 2 - 1, w // 2, enc.type_channel] = 4
    side = base.clone()
    side[0, h // 2, w // 2 - 1, enc.type_channel] = 4
    assert not torch.allclose(enc(base), enc(front))
    assert torch.allclose(enc(base), enc(side))


def test_folded_scale_equals_scaling_the_inputs():
    env, obs = arena_obs(3)
    enc = build_encoder(TypedEncoder, env)
    enc.update_obs_scale(obs)
    assert enc.obs_max.max() > 1
    B, h, w, c = obs.shape
    cells = enc.cell_inputs(obs.reshape(B, h * w, c))
    k = enc.cell_channels
    scaled = torch.cat([cells[..., :k] / enc.obs_max[:k], cells[..., k:]], 2)
    g = F.relu(enc.conv(scaled.view(B, h, w, -1).permute(0, 3, 1, 2)))
    g = F.relu(enc.fc(g.flatten(1)))
    front = enc.front(cells)[:, :k] / enc.obs_max[:k]  # the facing is read from the raw cell
    me = torch.cat([enc.self_inputs(obs[:, h // 2, w // 2].float()), front, enc.front(cells)[:, k:]], 1)
    want = F.relu(enc.out(torch.cat([g, F.relu(enc.self_fc(me))], 1)))
    assert torch.allclose(enc(obs), want, atol=1e-5)


def test_typed_policy_trains_checkpoints_and_acts(tmp_path):
    s = train(tiny(tmp_path / "typed", policy="typed", total_steps=2 * EPOCH, checkpoint_interval=1))
    assert s["global_step"] == 2 * EPOCH and np.isfinite(s["last_metrics"]["losses/value"])
    data = ckpt.load_checkpoint(s["checkpoint"])
    assert data["policy"] == "typed"
    env = game.make_env(ARENA, num_worlds=2, seed=0)
    agent = Agent(data, env, s["checkpoint"])
    obs, _ = env.reset()
    a = agent.act(obs)
    assert {tuple(r) for r in a} <= {tuple(r) for r in env.flat_actions}
    assert (agent.policy.encoder.obs_max > 1).any()  # the scale travelled with the checkpoint
    fresh = make_policy("typed", ckpt.spaces_of(env), egocentric=data["config"]["egocentric"])
    fresh.load_state_dict(data["model"])
    assert torch.equal(fresh(torch.from_numpy(obs))[0], agent.policy(torch.from_numpy(obs))[0])
