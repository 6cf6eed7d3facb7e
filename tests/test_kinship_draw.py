"""Relatedness as a treatment inside training: `kinship.draw = "episode"` draws a `random` K anew at
every episode start (per pair, from the level's distribution), reproducibly from (env seed, world,
episode), and the agents see it in their `kin` channel; `draw = "world"` keeps one K per world."""

import numpy as np
import pytest

from game import LevelError
from game.env.gridenv import make_env
from game.maps.make import episode_seed
from game.state.kinship import dense, kin_view, random_matrix

LOW, HIGH = -0.5, 0.9
EPISODE = {"mode": "random", "distribution": "uniform", "low": LOW, "high": HIGH, "draw": "episode"}
STEPS = 5  # max_steps of the small envs


def _env(seed=5, num_worlds=3, kinship=EPISODE, **over):
    return make_env(
        "hamilton.toml", num_worlds=num_worlds, seed=seed, max_steps=STEPS, kinship=kinship, **over
    )


def _noop(env):
    return np.zeros((env.num_agents, 2), np.int32)


def _ks(env, episodes=4):
    """K of every world at the start of each of `episodes` episodes (from a reset), (episodes, W, A, A)."""
    out = [[dense(env.world.resources, w) for w in range(env.num_worlds)]]
    for _ in range(episodes - 1):
        for _ in range(STEPS):
            env.step(_noop(env))
        out.append([dense(env.world.resources, w) for w in range(env.num_worlds)])
    return np.array(out)


def test_each_episode_draws_a_fresh_k_from_its_episode_seed():
    env = _env()
    env.reset()
    template = [dense(env.template.resources, w) for w in range(3)]
    ks = _ks(env, 4)
    assert (env.episodes == 3).all()
    A = env.agents_per_world
    for e in range(4):
        for w in range(3):
            K = ks[e, w]
            # episode 0 is the world's build-time draw (seed + w), later ones the episode's seed
            want = random_matrix(env.level, A, episode_seed(5, w, e)).astype(np.float32)
            np.testing.assert_array_equal(K, want, err_msg=f"episode {e}, world {w}")
            np.testing.assert_array_equal(K, K.T)
            np.testing.assert_array_equal(np.diagonal(K), 1.0)
            off = K[~np.eye(A, dtype=bool)]
            assert (off >= np.float32(LOW)).all() and (off <= np.float32(HIGH)).all()
    np.testing.assert_array_equal(ks[0], template)
    for w in range(3):
        # the template keeps episode 0's K: only the world's own is redrawn
        np.testing.assert_array_equal(dense(env.template.resources, w), template[w])
        assert len({K[0, 1] for K in ks[:, w]}) == 4, f"world {w}: K changes between episodes"
    for e in range(4):
        assert len({K[0, 1] for K in ks[e]}) == 3, f"episode {e}: K differs between worlds"


def test_the_draws_replay_with_the_seed_and_change_with_it():
    runs = []
    for seed in (5, 5, 6):
        env = _env(seed=seed)
        env.reset()
        runs.append(_ks(env, 4))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0][1:], runs[2][1:])


def test_reset_restores_episode_zeros_k_and_replays_the_draws():
    env = _env()
    env.reset()
    first = _ks(env, 4)
    for _ in range(2):  # end two more episodes, then reset with the same seed, then with none
        env.step(_noop(env))
    for seed in (5, None):
        env.reset(seed=seed)
        assert (env.episodes == 0).all()
        np.testing.assert_array_equal(_ks(env, 4), first, err_msg=f"reset(seed={seed})")
    env.reset(seed=6)  # a new seed: a new sequence, whose episode 0 is the new worlds' draw
    other = _ks(env, 2)
    np.testing.assert_array_equal(other, _ks_fresh(6, 2))
    assert not np.array_equal(other, first[:2])


def _ks_fresh(seed, episodes):
    env = _env(seed=seed)
    env.reset()
    return _ks(env, episodes)


def test_the_kin_channel_shows_the_new_k_in_the_first_observation_of_an_episode():
    env = _env()
    obs, _ = env.reset()
    kin = env.feature_names.index("kin")
    W, A = env.num_worlds, env.agents_per_world
    c = env.level.obs.window // 2  # the observer's own cell

    def seen(obs):
        """(world, observer) -> the kin byte at the other agent's cell; the observer's own is 255."""
        o = obs.reshape(W, A, *obs.shape[1:])[..., kin]
        out = np.zeros((W, A), np.uint8)
        for w in range(W):
            for i in range(A):
                assert o[w, i, c, c] == 255  # K[i, i] = 1
                other = o[w, i].copy()
                other[c, c] = 0
                vals = other[other > 0]
                assert len(vals) == 1, "hamilton's two agents stand side by side and see each other"
                out[w, i] = vals[0]
        return out

    before = None  # the previous episode's view (compared from episode 1 on)
    for e in range(3):
        want = np.array([kin_view(dense(env.world.resources, w))[[0, 1], [1, 0]] for w in range(W)])
        np.testing.assert_array_equal(seen(obs), want, err_msg=f"episode {e}")
        if e:
            assert not np.array_equal(want, before), "the view changed with the draw"
        before = want
        for t in range(STEPS):
            obs, _, _, trunc, _ = env.step(_noop(env))
        assert trunc.all()  # the truncation step's observation is the next episode's first


def test_the_kernels_mix_rewards_and_bond_shares_with_the_new_k():
    env = _env(num_worlds=2)
    env.reset()
    r = env.world.resources
    rng = np.random.default_rng(0)
    acts = env.flat_actions
    for _ in range(STEPS):  # into episode 1
        env.step(acts[rng.integers(0, len(acts), env.num_agents)])
    share = env.level.mate.share
    # a live bond between the two agents of world 1: its share adds to the redrawn K
    r.bond_partner[1, 0, 0], r.bond_partner[1, 1, 0] = 1, 0
    r.bond_until[1, :, 0] = 10_000
    items = env.world["inventory"].items
    ore = env.resource_names.index("ore")
    paid = 0
    for t in range(STEPS - 1):  # the episode's ticks before its last (which resets the world)
        items[:, 0, ore] += 1 + t  # ore appears in the agents' hands: raw rewards of 0.5 a unit
        items[:, 1, ore] += 3
        _, rew, *_ = env.step(acts[rng.integers(0, len(acts), env.num_agents)])
        for w in range(2):
            K = dense(r, w).astype(np.float64)
            if w == 1:
                K = K + share * (1 - np.eye(2))
            want = K @ r.raw_reward[w]
            np.testing.assert_allclose(rew.reshape(2, 2)[w], want, rtol=1e-5, atol=1e-6)
            paid += int(np.count_nonzero(r.raw_reward[w]))
    assert paid, "some raw reward was mixed"


def test_draw_world_keeps_one_k_for_the_whole_run():
    env = _env(kinship={**EPISODE, "draw": "world"})
    env.reset()
    ks = _ks(env, 4)
    for e in range(1, 4):
        np.testing.assert_array_equal(ks[e], ks[0])
    assert len({K[0, 1] for K in ks[0]}) == 3  # still one draw per world


def test_fresh_maps_and_per_episode_kinship_go_together():
    env = _env(map={"fixed": False})
    env.reset()
    template = [dense(env.template.resources, w) for w in range(3)]
    ks = _ks(env, 3)
    for e in range(3):
        for w in range(3):
            want = random_matrix(env.level, 2, episode_seed(5, w, e)).astype(np.float32)
            np.testing.assert_array_equal(ks[e, w], want)
    for w in range(3):  # the next map's template keeps episode 0's K
        np.testing.assert_array_equal(dense(env.template.resources, w), template[w])
    env.reset()
    np.testing.assert_array_equal(_ks(env, 3), ks)


@pytest.mark.parametrize("mode", ["none", "teams", "clans", "matrix"])
def test_draw_episode_needs_random_kinship(mode):
    with pytest.raises(LevelError, match=r"\$\.kinship\.draw: draw = 'episode' needs mode = 'random'"):
        _env(kinship={"mode": mode, "draw": "episode"})


def test_low_equal_to_high_is_a_fixed_relatedness():
    for draw in ("world", "episode"):
        env = make_env(
            "kinship_random",
            num_worlds=2,
            seed=1,
            max_steps=3,
            kinship={"mode": "random", "low": 0.3, "high": 0.3, "draw": draw},
        )
        env.reset()
        A = env.agents_per_world
        for _ in range(2):
            for w in range(2):
                K = dense(env.world.resources, w)
                np.testing.assert_array_equal(K[~np.eye(A, dtype=bool)], np.float32(0.3))
                np.testing.assert_array_equal(np.diagonal(K), 1.0)
            for _ in range(3):
                env.step(_noop(env))


def test_the_same_seed_and_actions_give_the_same_run():
    runs = []
    for _ in range(2):
        env = _env()
        obs, _ = env.reset()
        rng = np.random.default_rng(1)
        acts = env.flat_actions
        trace = [obs.copy()]
        for _ in range(3 * STEPS):
            obs, rew, *_ = env.step(acts[rng.integers(0, len(acts), env.num_agents)])
            trace += [obs.copy(), rew.copy()]
        runs.append((trace, env.state_hash()))
    assert runs[0][1] == runs[1][1]
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][0], runs[1][0]))
