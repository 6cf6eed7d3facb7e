"""The egocentric frame: the cell in front is above the centre, rotations are read relative to
the facing, and a policy in the frame steps the env with valid absolute actions."""

import numpy as np
import pytest
import torch

import game
from game.rules.constants import DC, DR
from learn.policies.egocentric import EgoFrame, action_maps, cell_maps
from learn.policies.policy import make_policy
from learn.rundir import checkpoint as ckpt

ORIENT = ("up", "down", "left", "right")


def _frame(env):
    sp = ckpt.spaces_of(env)
    return EgoFrame(tuple(sp["obs_shape"]), sp["feature_names"], sp["flat_action_names"])


def test_cell_maps_are_rotations():
    m = cell_maps(5)
    assert (m[0] == np.arange(25)).all()  # facing up: the frame is the window
    for o in range(4):
        assert sorted(m[o]) == list(range(25))  # a permutation
        assert m[o][12] == 12  # the centre stays
        assert m[o][7] == (2 + DR[o]) * 5 + (2 + DC[o])  # above the centre: the cell in front
    # a quarter turn each way undo each other; a half turn undoes itself
    assert (m[3][m[2]] == np.arange(25)).all()
    assert (m[1][m[1]] == np.arange(25)).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_the_cell_in_front_is_above_the_centre(seed):
    env = game.make_env("game/levels/harvest.toml", num_worlds=2, seed=seed)
    frame = _frame(env)
    env.reset()
    rng = np.random.default_rng(seed)
    seen = set()
    c = env.single_observation_space.shape[0] // 2
    for _ in range(30):
        obs, *_ = env.step(env.flat_actions[rng.integers(0, len(env.flat_actions), env.num_agents)])
        t = torch.from_numpy(obs)
        facing = frame.facing(t)
        rot = frame.rotate(t, facing)
        for i in range(env.num_agents):
            o = int(facing[i])
            assert env.inspect_agent(i)["orientation"] == ORIENT[o]
            assert torch.equal(rot[i, c - 1, c], t[i, c + DR[o], c + DC[o]])  # in front
            assert torch.equal(rot[i, c + 1, c], t[i, c - DR[o], c - DC[o]])  # behind
            assert torch.equal(rot[i, c, c], t[i, c, c])
            seen.add(o)
    assert seen == {0, 1, 2, 3}


def test_rotations_are_relative_to_the_facing():
    names = ["noop", "rotate_up", "rotate_down", "rotate_left", "rotate_right", "use"]
    m = action_maps(names)
    r = {n: names.index(n) for n in names}
    # env action X takes the logit of the frame action that turns the agent to X
    assert m[0].tolist() == list(range(6))  # facing up: the frame is the world
    assert m[1][r["rotate_up"]] == r["rotate_down"]  # facing down, up is behind
    assert m[2][r["rotate_up"]] == r["rotate_right"]  # facing left, up is to the right
    assert m[3][r["rotate_up"]] == r["rotate_left"]  # facing right, up is to the left
    for o in range(4):
        assert m[o][r["rotate_" + ORIENT[o]]] == r["rotate_up"]  # "face ahead" keeps the facing
        assert m[o][r["noop"]] == r["noop"] and m[o][r["use"]] == r["use"]
        assert sorted(m[o]) == list(range(6))
    assert (action_maps(["noop", "use"]) == np.arange(2)).all()  # no rotations: nothing to map


def test_an_egocentric_policy_turns_the_way_its_frame_says():
    """A frame logit for "turn left" becomes the env rotation to the agent's left, per facing."""
    env = game.make_env("game/levels/harvest.toml", num_worlds=1)
    sp = ckpt.spaces_of(env)
    policy = make_policy("cnn", sp, egocentric=True)
    names = sp["flat_action_names"]
    with torch.no_grad():
        policy.heads.actor.weight.zero_()
        policy.heads.actor.bias.zero_()
        policy.heads.actor.bias[names.index("rotate_left")] = 50.0
    obs = np.zeros((4, *sp["obs_shape"]), np.uint8)
    c = sp["obs_shape"][0] // 2
    obs[:, c, c, sp["feature_names"].index("agent.orientation")] = [0, 1, 2, 3]
    logits, _, _ = policy(torch.from_numpy(obs))
    chosen = [names[i] for i in logits.argmax(1).tolist()]
    assert chosen == ["rotate_left", "rotate_right", "rotate_down", "rotate_up"]


def test_the_frame_needs_its_channel():
    with pytest.raises(ValueError, match="agent.orientation"):
        EgoFrame((5, 5, 2), ["a", "b"], ["noop"])
    with pytest.raises(ValueError, match="square"):
        EgoFrame((5, 7, 1), ["agent.orientation"], ["noop"])
