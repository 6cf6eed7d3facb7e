"""The env's public API: determinism, batch independence, reset, input errors, spaces, inspection,
and PufferLib vectorization."""

from __future__ import annotations

import gymnasium
import numpy as np
import pufferlib
import pufferlib.vector
import pytest

from game.env.gridenv import GridEnv, make_env

LEVEL = "arena"
OVR = {"max_steps": 40}  # short episodes so that auto-resets happen inside every run


def random_actions(rng: np.random.Generator, env: GridEnv) -> np.ndarray:
    ids = rng.integers(0, len(env.action_names), env.num_agents)
    args = rng.integers(0, env.single_action_space.nvec[1], env.num_agents)
    return np.stack([ids, args], axis=1).astype(np.int32)


def trajectory(env: GridEnv, steps: int, action_seed: int, reset_seed=None):
    obs, _ = env.reset(reset_seed) if reset_seed is not None else env.reset()
    out = [(obs.copy(), None, env.state_hash())]
    rng = np.random.default_rng(action_seed)
    for _ in range(steps):
        obs, rew, term, trunc, infos = env.step(random_actions(rng, env))
        out.append((obs.copy(), rew.copy(), env.state_hash(), trunc.copy()))
    return out


def assert_same(t1, t2):
    assert len(t1) == len(t2)
    for k, (a, b) in enumerate(zip(t1, t2)):
        np.testing.assert_array_equal(a[0], b[0], err_msg=f"obs differ at step {k}")
        if a[1] is not None:
            np.testing.assert_array_equal(a[1], b[1], err_msg=f"rewards differ at step {k}")
            np.testing.assert_array_equal(a[3], b[3], err_msg=f"truncations differ at step {k}")
        assert a[2] == b[2], f"state hash differs at step {k}"


# ---- determinism -------------------------------------------------------------------------------
def test_same_level_seed_actions_same_trajectory():
    t1 = trajectory(make_env(LEVEL, num_worlds=2, seed=11, **OVR), 120, 5, reset_seed=11)
    t2 = trajectory(make_env(LEVEL, num_worlds=2, seed=11, **OVR), 120, 5, reset_seed=11)
    assert_same(t1, t2)
    assert any(t[3].any() for t in t1[1:]), "the run crossed an episode boundary"
    assert any(t[1].any() for t in t1[1:]), "some reward happened"


def test_different_seeds_differ():
    a = make_env(LEVEL, num_worlds=1, seed=1)
    b = make_env(LEVEL, num_worlds=1, seed=2)
    a.reset(1)
    b.reset(2)
    assert a.state_hash() != b.state_hash()
    assert not np.array_equal(a.observations, b.observations)


@pytest.mark.parametrize("k", [0, 1, 37, 63])
def test_world_k_of_a_batch_equals_world_0_seeded_s_plus_k(k):
    s = 100
    batch = make_env(LEVEL, num_worlds=64, seed=s, **OVR)
    single = make_env(LEVEL, num_worlds=1, seed=s + k, **OVR)
    A = batch.agents_per_world
    assert single.agents_per_world == A
    ob, _ = batch.reset(s)
    os_, _ = single.reset(s + k)
    sl = slice(k * A, (k + 1) * A)
    np.testing.assert_array_equal(ob[sl], os_)
    assert batch.state_hash([k]) == single.state_hash([0])
    rng = np.random.default_rng(9)
    for t in range(100):
        act = random_actions(rng, batch)
        ob, rb, _, tb, _ = batch.step(act)
        os_, rs, _, ts, _ = single.step(act[sl])
        np.testing.assert_array_equal(ob[sl], os_, err_msg=f"step {t}")
        np.testing.assert_array_equal(rb[sl], rs, err_msg=f"step {t}")
        np.testing.assert_array_equal(tb[sl], ts, err_msg=f"step {t}")
    assert batch.state_hash([k]) == single.state_hash([0])


def test_reset_with_a_new_seed_equals_a_fresh_env():
    env = make_env(LEVEL, num_worlds=2, seed=0, **OVR)
    trajectory(env, 30, 1, reset_seed=0)
    t_reset = trajectory(env, 60, 2, reset_seed=5)
    t_fresh = trajectory(make_env(LEVEL, num_worlds=2, seed=5, **OVR), 60, 2, reset_seed=5)
    assert_same(t_reset, t_fresh)


def test_reset_with_the_same_seed_replays():
    """reset(seed) must be reproducible, also when `seed` is the env's current seed."""
    env = make_env(LEVEL, num_worlds=2, seed=3, **OVR)
    first = trajectory(env, 60, 1, reset_seed=3)
    again = trajectory(env, 60, 1, reset_seed=3)
    assert_same(first, again)


def test_reset_twice_with_a_new_seed_replays():
    env = make_env(LEVEL, num_worlds=1, seed=0, **OVR)
    first = trajectory(env, 30, 4, reset_seed=8)
    again = trajectory(env, 30, 4, reset_seed=8)
    assert_same(first, again)


def test_reset_restores_the_initial_state():
    env = make_env(LEVEL, num_worlds=2, seed=4, **OVR)
    obs0, infos = env.reset()
    obs0 = obs0.copy()
    assert infos == []
    rng = np.random.default_rng(0)
    for _ in range(15):
        env.step(random_actions(rng, env))
    obs1, _ = env.reset()
    np.testing.assert_array_equal(obs1, obs0)
    assert (env.rewards == 0).all() and not env.truncations.any()
    for i in (0, 30):
        a = env.inspect_agent(i)
        assert a["episode_return"] == 0.0 and a["last_action"] is None


# ---- bad input ---------------------------------------------------------------------------------
def test_float_actions_rejected():
    env = make_env(LEVEL, seed=0)
    env.reset()
    h = env.state_hash()
    with pytest.raises(ValueError, match="integer"):
        env.step(np.zeros((env.num_agents, 2), np.float32))
    assert env.state_hash() == h, "a rejected step changes nothing"
    assert env.tick == 0 and env.world.tick == 0


@pytest.mark.parametrize("shape", [(24,), (24, 3), (23, 2), (25, 2), (2, 24), (1, 24, 2)])
def test_wrong_shape_rejected(shape):
    env = make_env(LEVEL, seed=0)
    env.reset()
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(shape, np.int32))


@pytest.mark.parametrize("bad", [10, -1, 1000])
def test_action_id_out_of_range_names_the_agent(bad):
    env = make_env(LEVEL, num_worlds=2, seed=0)
    env.reset()
    h = env.state_hash()
    a = np.zeros((env.num_agents, 2), np.int32)
    a[29, 0] = bad
    with pytest.raises(ValueError, match=r"agent 29 \(world 1, agent 5\)"):
        env.step(a)
    assert env.state_hash() == h
    assert env.tick == 0 and env.world.tick == 0
    a[29, 0] = 0  # the env steps on as usual afterwards
    env.step(a)
    assert env.tick == 1 and env.world.tick == 1


def test_steps_are_counted_and_reset_clears_the_count():
    env = make_env(LEVEL, seed=0)
    env.reset()
    for _ in range(3):
        env.step(np.zeros((env.num_agents, 2), np.int32))
    assert env.tick == 3 and env.world.tick == 3 and env.scheduler.ticks_run == 3
    env.reset()
    assert env.tick == 0 and env.world.tick == 0
    env.reset(seed=7)  # a new seed builds a new world and step core
    env.step(np.zeros((env.num_agents, 2), np.int32))
    assert env.tick == 1 and env.world.tick == 1


def assert_layouts_step_alike(layouts, steps: int, action_seed: int) -> None:
    """Envs given the same actions in different layouts (each a function of the native int32
    array) see identical observations and end in the same state."""
    envs = [make_env(LEVEL, seed=2) for _ in layouts]
    for e in envs:
        e.reset()
    rng = np.random.default_rng(action_seed)
    for _ in range(steps):
        a = random_actions(rng, envs[0])
        obs = [e.step(layout(a))[0].copy() for e, layout in zip(envs, layouts)]
        for o in obs[1:]:
            np.testing.assert_array_equal(obs[0], o)
    assert len({e.state_hash() for e in envs}) == 1


def every_other_column(a: np.ndarray) -> np.ndarray:
    wide = np.zeros((a.shape[0], 4), np.int32)
    wide[:, ::2] = a
    return wide[:, ::2]  # not C-contiguous


def test_int64_actions_accepted_and_equal_to_int32():
    assert_layouts_step_alike([lambda a: a, lambda a: a.astype(np.int64)], steps=10, action_seed=3)


def test_byte_swapped_and_list_actions_equal_native_int32():
    # only native, aligned, C-contiguous int32 arrays take the C loader; the rest go through
    # numpy and must give the same steps (a byte-swapped array read raw would be nonsense ids)
    assert_layouts_step_alike(
        [lambda a: a, lambda a: a.astype(">i4"), lambda a: a.tolist()], steps=5, action_seed=5
    )


def test_bad_num_worlds():
    with pytest.raises(ValueError, match="num_worlds"):
        make_env(LEVEL, num_worlds=0)


# ---- spaces ------------------------------------------------------------------------------------
def test_spaces_and_buffers():
    env = make_env(LEVEL, num_worlds=3, seed=0)
    C = len(env.feature_names)
    sp = env.single_observation_space
    assert isinstance(sp, gymnasium.spaces.Box)
    assert sp.shape == (11, 11, C) and sp.dtype == np.uint8
    assert sp.low.min() == 0 and sp.high.max() == 255
    asp = env.single_action_space
    assert isinstance(asp, gymnasium.spaces.MultiDiscrete)
    assert list(asp.nvec) == [len(env.action_names), 9]
    assert env.num_agents == 3 * 24 == env.agents_per_world * env.num_worlds
    obs, _ = env.reset()
    assert obs.shape == (env.num_agents, 11, 11, C) and obs.dtype == np.uint8
    assert env.rewards.shape == (env.num_agents,) and env.rewards.dtype == np.float32
    assert env.terminals.shape == env.truncations.shape == (env.num_agents,)
    assert len(set(env.feature_names)) == C
    for name in ("agent", "agent.energy", "wall", "kin", "bond", "building.type"):
        assert name in env.feature_names
    assert env.action_names == [
        "noop",
        "move",
        "rotate",
        "use",
        "attack",
        "shield",
        "transfer",
        "swap",
        "color",
        "mate",
    ]
    assert all(sp.contains(o) for o in obs[:3])
    # sampled actions are accepted
    env.step(np.stack([asp.sample() for _ in range(env.num_agents)]).astype(np.int32))


def test_window_override_changes_obs_shape():
    env = make_env(LEVEL, seed=0, obs={"window": 7})
    obs, _ = env.reset()
    assert env.single_observation_space.shape == (7, 7, len(env.feature_names))
    assert obs.shape[1:] == (7, 7, len(env.feature_names))


# ---- inspection --------------------------------------------------------------------------------
def test_inspect_agent_fields():
    env = make_env(LEVEL, num_worlds=2, seed=0)
    env.reset()
    a = env.inspect_agent(30)
    assert set(a) >= {
        "agent",
        "world",
        "index",
        "position",
        "orientation",
        "energy",
        "max_energy",
        "inventory",
        "frozen",
        "shield",
        "color",
        "group",
        "bonds",
        "episode_return",
        "last_action",
        "last_success",
    }
    assert (a["agent"], a["world"], a["index"]) == (30, 1, 6)
    assert a["orientation"] == "up" and a["energy"] == 100 and a["max_energy"] == 255
    assert a["inventory"] == {r: 0 for r in env.resource_names}
    assert a["group"] == "blue", "agents are numbered by group declaration order: 6 red, then 6 blue"
    assert env.inspect_agent(0)["group"] == "red" and env.inspect_agent(23)["group"] == "yellow"
    r, c = a["position"]
    assert env.world.resources.grid[1, r, c] == 6
    assert a["bonds"] == [] and a["frozen"] == 0 and a["shield"] is False
    with pytest.raises(IndexError):
        env.inspect_agent(48)
    with pytest.raises(IndexError):
        env.inspect_agent(-1)
    acts = np.zeros((env.num_agents, 2), np.int32)
    acts[30] = (env.action_names.index("rotate"), 2)
    env.step(acts)
    a = env.inspect_agent(30)
    assert a["orientation"] == "left" and a["last_action"] == "rotate" and a["last_success"] is True


# ---- PufferLib vectorization -------------------------------------------------------------------
def creator(buf=None, seed=0, level=LEVEL, num_worlds=1, **overrides):
    return make_env(level, num_worlds=num_worlds, seed=seed, buf=buf, **overrides)


def test_pufferlib_serial_vectorization_matches_standalone_envs():
    vec = pufferlib.vector.make(
        creator,
        backend=pufferlib.vector.Serial,
        num_envs=2,
        env_kwargs={"num_worlds": 2, "max_steps": 30},
        seed=7,
    )
    n = 2 * 2 * 24
    assert vec.num_agents == n
    obs, _ = vec.reset(seed=7)
    assert obs.shape == (n, 11, 11, len(vec.driver_env.feature_names))
    solo = [make_env(LEVEL, num_worlds=2, seed=7 + i, max_steps=30) for i in range(2)]
    solo_obs = np.concatenate([e.reset(7 + i)[0].copy() for i, e in enumerate(solo)])
    np.testing.assert_array_equal(obs, solo_obs)
    rng = np.random.default_rng(0)
    for t in range(40):
        act = np.concatenate([random_actions(rng, e) for e in solo])
        obs, rew, term, trunc, infos = vec.step(act)
        outs = [e.step(act[i * 48 : (i + 1) * 48]) for i, e in enumerate(solo)]
        np.testing.assert_array_equal(obs, np.concatenate([o[0] for o in outs]), err_msg=f"step {t}")
        np.testing.assert_array_equal(rew, np.concatenate([o[1] for o in outs]), err_msg=f"step {t}")
        np.testing.assert_array_equal(trunc, np.concatenate([o[3] for o in outs]), err_msg=f"step {t}")
        if t == 29:
            assert trunc.all()
            assert any("episode_return" in i for i in infos)
    vec.close()


def test_env_writes_into_a_given_buffer():
    env0 = make_env(LEVEL, num_worlds=1, seed=0)
    n = env0.num_agents
    buf = dict(
        observations=np.zeros((n, *env0.single_observation_space.shape), np.uint8),
        rewards=np.zeros(n, np.float32),
        terminals=np.zeros(n, bool),
        truncations=np.zeros(n, bool),
        masks=np.ones(n, bool),
        actions=np.zeros((n, 2), np.int32),
        teacher_actions=np.zeros((n, 2), np.int32),
    )
    env = make_env(LEVEL, num_worlds=1, seed=0, buf=buf)
    env.reset()
    assert env.observations is buf["observations"] or np.shares_memory(env.observations, buf["observations"])
    assert buf["observations"].any()
    np.testing.assert_array_equal(buf["observations"], env0.reset()[0])
    rng = np.random.default_rng(1)
    for _ in range(5):
        a = random_actions(rng, env)
        env.step(a)
        o0, r0, *_ = env0.step(a)
        np.testing.assert_array_equal(buf["observations"], o0)
        np.testing.assert_array_equal(buf["rewards"], r0)


def test_make_env_with_a_level_object_does_not_drop_overrides():
    """make_env(Level, **overrides) must apply the overrides or refuse them, never ignore them."""
    from tests.scenario_util import level

    lv = level("A.")
    try:
        env = make_env(lv, max_steps=5)
    except (TypeError, ValueError):
        return  # refusing is fine
    assert env.level.max_steps == 5


def test_strided_int32_actions_accepted_and_equal_to_contiguous():
    assert_layouts_step_alike([lambda a: a, every_other_column], steps=5, action_seed=4)


def test_step_before_reset_and_after_close_raise():
    from game.env.gridenv import EnvStateError

    env = make_env("game/levels/arena.toml", num_worlds=1, seed=0)
    actions = np.zeros((env.num_agents, 2), np.int32)
    with pytest.raises(EnvStateError, match=r"step\(\) before reset\(\): call env.reset\(\) first"):
        env.step(actions)
    env.reset()
    env.step(actions)
    assert env.tick == 1
    env.close()
    with pytest.raises(EnvStateError, match=r"step\(\) after close\(\)"):
        env.step(actions)
