"""The Gymnasium and PettingZoo adapters pass their libraries' own API checkers."""

import warnings

import numpy as np
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

from game.adapters import GymnasiumGridEnv, PettingZooGridEnv

SMALL = {
    "max_steps": 30,
    "map": {"params": {"rows": 1, "cols": 2, "room_height": 6, "room_width": 6, "border": 1, "agents_per_room": 2,
                       "objects": {"mine": 1, "generator": 1, "altar": 1, "charger": 0, "block": 0, "wall": 0}}},
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
    vec = gymnasium.vector.SyncVectorEnv([lambda: gymnasium.make("KinshipGrid/arena-v0", seed=s, **SMALL)
                                          for s in (0, 1)])
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
