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
    assert "episode" in info and info["episode"]["episode_length"] == 30


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
