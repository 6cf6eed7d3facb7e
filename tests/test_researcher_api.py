"""What a researcher hits first (issue 36): seeds as numpy gives them, every stat in every
episode summary, `make_env`'s real signature, and one call from a run to a policy that acts."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import game
from game.env.gridenv import make_env
from game.load.level import LEVELS_DIR, load_level

TINY = "tests/levels/tiny_harvest.toml"


def test_numpy_integer_seeds_work_and_equal_python_ints():
    seed = np.random.default_rng(0).integers(0, 100)  # what people pass: a numpy int64
    a, b = make_env(TINY, seed=seed), make_env(TINY, seed=int(seed))
    a.reset()
    b.reset()
    assert a.seed == int(seed) and type(a.seed) is int and a.state_hash() == b.state_hash()
    a.reset(seed=np.int64(7))
    b.reset(seed=7)
    assert a.state_hash() == b.state_hash()


@pytest.mark.parametrize("bad", [1.5, 0.999, 2.0, True, np.bool_(False), "3", None, -1, np.int64(-2)])
def test_seeds_that_are_not_non_negative_integers_are_refused_naming_seed(bad):
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer"):
        make_env(TINY, seed=bad)
    if bad is not None:  # reset(None) keeps the seed
        env = make_env(TINY)
        with pytest.raises(ValueError, match=r"^seed must be a non-negative integer"):
            env.reset(seed=bad)


def test_the_adapters_take_numpy_seeds():
    from game.adapters import GymnasiumGridEnv, PettingZooGridEnv

    g = GymnasiumGridEnv(TINY, version=1)
    obs, _ = g.reset(seed=np.int64(3))
    np.testing.assert_array_equal(obs, GymnasiumGridEnv(TINY, seed=3, version=1).reset()[0])
    p = PettingZooGridEnv(TINY, seed=np.int64(3))
    p.reset(seed=np.int64(4))
    assert p.grid_env.seed == 4


def test_every_stat_is_in_every_episode_summary_zeros_included():
    env = make_env("arena", seed=0, max_steps=5)
    env.reset()
    infos = []
    for _ in range(5):  # noop only: nothing but noops and upkeep happen
        infos += env.step(np.zeros((env.num_agents, 2), np.int32))[4]
    (info,) = infos
    assert set(env.stat_names) <= set(info)
    assert info["attack.non_kin"] == 0.0 and info["action.noop.success"] == 5.0


def test_make_env_shows_its_real_signature_and_docstring():
    sig = inspect.signature(game.make_env)
    assert list(sig.parameters)[:4] == ["level_path", "num_worlds", "seed", "buf"]
    assert "num_worlds" in game.make_env.__doc__ and game.make_env is make_env


def test_the_shipped_tiny_harvest_is_the_tests_tiny_harvest():
    import msgspec

    shipped, ours = load_level(LEVELS_DIR / "tiny_harvest.toml"), load_level(TINY)
    assert shipped.description and msgspec.structs.replace(shipped, description=ours.description) == ours


def test_load_agent_turns_a_run_into_a_policy_acting_on_the_env_and_its_adapters(tiny_run):
    import gymnasium

    import game.adapters  # noqa: F401  registers the ids
    from learn.policies.agent import load_agent
    from learn.rundir.checkpoint import CheckpointError
    from tests.tiny_training import TINY as SETTINGS

    run_dir, _ = tiny_run
    env = make_env(SETTINGS["level"], max_steps=SETTINGS["max_steps"])
    obs, _ = env.reset()
    agent = load_agent(run_dir, env)
    rows = agent.act(obs)
    assert rows.shape == (env.num_agents, 2) and any((rows == r).all(1).any() for r in env.flat_actions)
    env.step(rows)
    gym = gymnasium.make("KinshipGrid/arena-v1", max_steps=SETTINGS["max_steps"])
    gobs, _ = gym.reset(seed=0)
    idx = load_agent(run_dir, gym, greedy=True).act_index(gobs)
    assert gym.action_space.contains(idx)
    gym.step(idx)
    with pytest.raises(CheckpointError, match="does not match checkpoint"):
        load_agent(run_dir, make_env("hamilton"))
