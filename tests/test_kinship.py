"""Kinship in class form (game/state/kinship.py): the same K as the dense rules, a few bytes per agent
where teams and clans make it blocks, and the kernel's per-class mixing on edge cases."""

import numpy as np
import pytest

from game.mechanics.kinship import kinship
from game.env.gridenv import make_env
from game.state.kinship import KIN_ARRAYS, dense, kin_row, kin_view
from tests.game_states import random_state, run_kernel
from game.mechanics.kinship.reference_kinship import kinship_matrix

RNG = np.random.default_rng(7)
MATRIX = np.round(RNG.uniform(-1, 1, (24, 24)), 3)  # not symmetric, diagonal not 1: all of K is free

CASES = {
    "none": ("arena", {"kinship": {"mode": "none"}}),
    "teams": ("kinship_teams", {}),
    "teams, share 0.8": ("arena", {"kinship": {"mode": "teams", "share": 0.8}}),
    "clans": ("kinship_clans", {}),
    "clans, one family per agent": (
        "arena",
        {"kinship": {"mode": "clans", "family_weight": 0.5, "clan_weight": 0.2, "hive_weight": 0.1}},
    ),
    "random": ("kinship_random", {}),
    "random normal": ("arena", {"kinship": {"mode": "random", "distribution": "normal", "std": 0.6}}),
    "matrix": ("arena", {"kinship": {"mode": "matrix", "matrix": MATRIX.tolist()}}),
}


@pytest.mark.parametrize("case", CASES)
def test_classes_give_the_dense_rules_k(case):
    level, over = CASES[case]
    env = make_env(level, num_worlds=2, seed=5, **over)
    r, A = env.world.resources, env.agents_per_world
    for w in range(2):
        want = kinship_matrix(env.level, env.world["agent"].group[w, :A], 5 + w)
        np.testing.assert_array_equal(dense(r, w), want, err_msg=f"{case}: world {w}")
        np.testing.assert_array_equal(kin_row(r, w, 3), want[3])
        # the bytes the observation shows are the view of the same K
        cls = r.kin_class[w]
        seen = r.kin_view[w][cls[:, None], cls[None, :]]
        np.fill_diagonal(seen, r.kin_self_view[w][cls])
        np.testing.assert_array_equal(seen, kin_view(want))


def test_block_kinship_costs_bytes_per_agent_not_a_row():
    # 4,096 agents in one world: dense K and its view took 5 x 4,096 bytes per agent (plus the
    # template's copy); the class form is an int32 class per agent and a group x group table
    env = make_env("arena", num_worlds=1, map={"params": {"rows": 32, "cols": 32, "agents_per_room": 4}})
    r = env.world.resources
    assert env.num_agents == 4096
    kin = sum(getattr(r, name).nbytes for name in KIN_ARRAYS)
    assert kin / env.num_agents < 8


@pytest.mark.parametrize("case", ["random", "teams"])
def test_a_worlds_kinship_outlives_its_maps(case):
    # fresh maps each episode (map.fixed false): K is drawn once per world and stays with it
    level, over = CASES[case]
    env = make_env(level, num_worlds=2, seed=3, max_steps=4, map={"fixed": False}, **over)
    env.reset()
    r = env.world.resources
    before = [dense(r, w) for w in range(2)]
    first = env.world.resources.grid.copy()
    for _ in range(9):  # two episode ends
        env.step(np.zeros((env.num_agents, 2), np.int32))
    assert (env.episodes == 2).all() and not np.array_equal(r.grid, first), "new maps were made"
    for w in range(2):
        np.testing.assert_array_equal(dense(r, w), before[w])
        np.testing.assert_array_equal(dense(env.template.resources, w), before[w])
    assert not np.array_equal(before[0], before[1]) or case == "teams"


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("mode", ["none", "teams", "clans", "random", "matrix"])
def test_kernel_reward_is_k_times_raw(mode, seed):
    # the kernel against K of the dense rules (not the per-class reference): reward = K @ raw
    rng = np.random.default_rng(seed)
    over = {"mode": mode}
    if mode == "matrix":
        over["matrix"] = np.round(rng.uniform(-1, 1, (10, 10)), 3).tolist()
    world, tab, level = random_state(seed, kinship=over)
    r, A = world.resources, world.resources.num_agents
    r.bond_partner[...] = -1
    r.raw_reward[...] = rng.normal(size=r.raw_reward.shape) * (rng.random(r.raw_reward.shape) < 0.5)
    run_kernel(kinship.KERNELS["kinship"], world, tab, level)
    for w in range(world.num_worlds):
        K = kinship_matrix(level, world["agent"].group[w, :A], seed + w)
        np.testing.assert_allclose(r.reward[w], K @ r.raw_reward[w], rtol=1e-5, atol=1e-6)
