"""The Gymnasium and PettingZoo adapters pass their libraries' own API checkers."""

import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

from game.adapters import GymnasiumGridEnv, PettingZooGridEnv

SMALL = {
    "max_steps": 30,
    "map": {
        "params": {
            "rows": 1,
            "cols": 2,
            "room_height": 6,
            "room_width": 6,
            "border": 1,
            "agents_per_room": 2,
            "objects": {"mine": 1, "generator": 1, "altar": 1, "charger": 0, "block": 0, "wall": 0},
        }
    },
}


def test_gymnasium_checker_passes_without_warnings():
    env = GymnasiumGridEnv("arena", seed=3, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, skip_render_check=True)


def test_gymnasium_episode_truncates_and_reports_agent_rewards():
    env = GymnasiumGridEnv("arena", seed=0, **SMALL)
    obs, _ = env.reset(seed=0)
    assert obs.shape == env.observation_space.shape and obs.dtype == np.uint8
    for t in range(30):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert reward == np.float32(info["agent_rewards"].sum())
        assert not terminated and truncated == (t == 29)
    assert "episode" not in info and info["grid_episode"]["episode_length"] == 30


def test_pettingzoo_parallel_api_test_passes():
    parallel_api_test(PettingZooGridEnv("arena", seed=1, **SMALL), num_cycles=40)


def test_pettingzoo_agents_leave_at_truncation_and_return_on_reset():
    env = PettingZooGridEnv("arena", seed=0, **SMALL)
    obs, _ = env.reset(seed=0)
    assert set(obs) == set(env.possible_agents) == set(env.agents)
    for _ in range(30):
        out = env.step({a: env.action_space(a).sample() for a in env.agents})
    assert all(out[3].values()) and env.agents == []
    env.reset()
    assert env.agents == env.possible_agents


def test_gymnasium_ids_and_the_standard_wrappers():
    import gymnasium
    from gymnasium.wrappers import RecordEpisodeStatistics

    from game.load.level import LEVELS_DIR

    env = RecordEpisodeStatistics(gymnasium.make("game.adapters:KinshipGrid/arena-v0", seed=0, **SMALL))
    assert {f"KinshipGrid/{p.stem}-v0" for p in LEVELS_DIR.glob("*.toml")} <= set(gymnasium.registry)
    env.reset(seed=0)
    total = 0.0
    for t in range(30):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        total += reward
    assert truncated and info["episode"]["l"] == 30 and np.isclose(info["episode"]["r"], total)
    assert info["grid_episode"]["episode_length"] == 30  # the game's own summary, beside the wrapper's
    env.close()
    # a vector env of two, autoresetting across the episode end
    vec = gymnasium.vector.SyncVectorEnv(
        [lambda: gymnasium.make("KinshipGrid/arena-v0", seed=s, **SMALL) for s in (0, 1)]
    )
    obs, _ = vec.reset(seed=0)
    assert obs.shape[0] == 2
    ends = 0
    for _ in range(35):
        obs, rewards, terminated, truncated, infos = vec.step(vec.action_space.sample())
        ends += int(truncated.sum())
    assert ends == 2 and rewards.shape == (2,)
    vec.close()


def test_pettingzoo_parallel_seed_test_passes():
    from pettingzoo.test import parallel_seed_test

    parallel_seed_test(lambda: PettingZooGridEnv("arena", **SMALL), num_cycles=20)


# ---- -v1: flat actions and the final observation; rendering; PettingZoo's state and infos ----

TINY = "tests/levels/tiny_harvest.toml"


def test_gymnasium_v1_with_rgb_array_passes_the_checker_render_check_included():
    import gymnasium

    env = gymnasium.make("KinshipGrid/arena-v1", seed=3, render_mode="rgb_array", **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)


def test_gymnasium_v1_acts_by_flat_index_so_every_sample_is_valid():
    import gymnasium

    env = gymnasium.make("game.adapters:KinshipGrid/arena-v1", seed=0, **SMALL)
    grid = env.unwrapped.grid_env
    assert env.action_space == gymnasium.spaces.MultiDiscrete([len(grid.flat_actions)] * grid.num_agents)
    env.reset(seed=0)
    invalid = grid.stat_names.index("action.invalid_arg")
    for _ in range(20):
        env.step(env.action_space.sample())
    assert grid.world.resources.stats[..., invalid].sum() == 0  # v0's raw grid: about 2/3 invalid
    with pytest.raises(ValueError, match=r"action of agent 0: flat-action index 30 is out of range 0\.\.29"):
        env.step(np.full(grid.num_agents, 30))
    with pytest.raises(ValueError, match="action must be 4 integer flat-action indices"):
        env.step(np.zeros((grid.num_agents, 2), np.int64))
    # v0 keeps its raw (agents, 2) grid
    assert gymnasium.make("KinshipGrid/arena-v0", **SMALL).action_space.shape == (grid.num_agents, 2)


def test_gymnasium_v1_returns_the_final_observation_at_truncation_and_reset_continues():
    """At truncation the observation is the episode's last (what stepping a twin env that never
    ends shows), and reset() returns the first of the next episode (what the env reports then)."""
    import gymnasium

    long = GymnasiumGridEnv(TINY, seed=5, version=1, max_steps=1000)  # the same play, no episode end at 64
    env = gymnasium.make("KinshipGrid/tiny_harvest-v1", seed=5)
    obs, _ = env.reset(seed=5)
    long.reset(seed=5)
    same = [i for i, n in enumerate(long.feature_names) if n != "self.progress"]  # a share of max_steps
    rng = np.random.default_rng(0)
    for t in range(64):
        a = rng.integers(0, env.action_space.nvec)
        obs, _, _, truncated, info = env.step(a)
        want, *_ = long.step(a)
        np.testing.assert_array_equal(obs[..., same], want[..., same], err_msg=f"step {t}")
    assert truncated and info["grid_episode"]["episode_length"] == 64
    grid = env.unwrapped.grid_env
    nxt, _ = env.reset()
    np.testing.assert_array_equal(nxt, grid.observations)  # the env's own next episode, already begun
    first, _ = GymnasiumGridEnv(TINY, seed=5, version=1).reset(seed=5)
    np.testing.assert_array_equal(nxt, first)  # a fixed map: the next episode starts where the first did


def test_gymnasium_render_mode_rgb_array_draws_the_live_world():
    import gymnasium

    env = gymnasium.make("KinshipGrid/tiny_harvest-v1", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (7 * 16, 7 * 16, 3) and frame.dtype == np.uint8
    grid = env.unwrapped.grid_env
    move = grid.flat_action_names.index("move_forward")
    for _ in range(2):
        env.step(np.array([move]))
    assert not np.array_equal(env.render(), frame)  # the agent moved up, and the frame shows it
    with pytest.raises(ValueError, match=r"render_mode must be None or one of \['rgb_array'\], got 'human'"):
        GymnasiumGridEnv(TINY, render_mode="human")
    assert GymnasiumGridEnv(TINY).render() is None


def test_pettingzoo_state_is_the_whole_map_in_the_observation_channels():
    env = PettingZooGridEnv("arena", seed=0, **SMALL)
    env.reset(seed=0)
    state = env.state()
    assert env.state_space.contains(state)
    names = env.grid_env.feature_names
    grid = env.grid_env.world.resources.grid[0]
    assert state.shape == (*grid.shape, len(names))
    obs = env.grid_env.observations
    half = obs.shape[1] // 2
    cell_channels = [i for i, n in enumerate(names) if n not in ("kin", "bond") and not n.startswith("self.")]
    for i in range(env.grid_env.num_agents):  # each agent's own cell, as its window's centre shows it
        r, c = env.grid_env.inspect_agent(i)["position"]
        np.testing.assert_array_equal(state[r, c, cell_channels], obs[i, half, half, cell_channels])
    walls = state[..., names.index("wall")]
    assert (walls[0] == 1).all() and state[..., names.index("agent")].sum() == env.grid_env.num_agents


def test_pettingzoo_infos_are_each_agents_own_with_its_group():
    env = PettingZooGridEnv("kinship_harvest", seed=0, max_steps=30)
    _, infos = env.reset(seed=0)
    assert [infos[a]["group"] for a in env.possible_agents] == [
        env.grid_env.inspect_agent(i)["group"] for i in range(len(env.possible_agents))
    ]
    assert len({infos[a]["group"] for a in env.agents}) == 2
    total = {a: 0.0 for a in env.possible_agents}
    rng = np.random.default_rng(1)
    for _ in range(30):  # agent_0 waits, the others act at random
        out = env.step(
            {a: (0, 0) if a == "agent_0" else (rng.integers(1, 4), rng.integers(0, 4)) for a in env.agents}
        )
        for a, r in out[1].items():
            total[a] += r
    infos = out[4]
    for a in env.possible_agents:
        assert infos[a]["episode_return"] == pytest.approx(total[a], abs=1e-5), a
        assert infos[a]["episode_length"] == 30 and "attack.non_kin" in infos[a]
    assert infos["agent_0"]["action.noop.success"] == 30  # its own counters, not the world's mean
    assert all(infos[a]["action.noop.success"] == 0 for a in env.possible_agents[1:])


def test_pettingzoo_observation_at_truncation_is_the_last_one():
    long = PettingZooGridEnv(TINY, seed=2, max_steps=1000)
    env = PettingZooGridEnv(TINY, seed=2)
    env.reset(seed=2)
    long.reset(seed=2)
    same = [
        i for i, n in enumerate(env.grid_env.feature_names) if n != "self.progress"
    ]  # a share of max_steps
    for _ in range(64):
        obs, *_ = env.step({"agent_0": (1, 0)})  # move forward into the wall and stay
        want, *_ = long.step({"agent_0": (1, 0)})
    assert env.agents == []
    np.testing.assert_array_equal(obs["agent_0"][..., same], want["agent_0"][..., same])
