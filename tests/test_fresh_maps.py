"""Levels with `map.fixed = false` get a fresh, reproducible map every episode."""

import numpy as np
import pytest

from game import make_env
from game.load.level import decode
from game.maps.make import episode_seed
from game.state.kinship import KIN_ARRAYS
from game.state.world import build

RAW = {
    "max_steps": 5,
    "map": {
        "generator": "rooms",
        "fixed": False,
        "params": {
            "rows": 1,
            "cols": 1,
            "room_height": 7,
            "room_width": 7,
            "border": 1,
            "agents_per_room": 2,
            "objects": {"mine": 3, "wall": 4},
        },
    },
}


def run(level, num_worlds, seed, episodes):
    env = make_env(level, num_worlds=num_worlds, seed=seed)
    env.reset()
    noop = np.zeros((env.num_agents, 2), np.int32)
    grids = []
    for _ in range(episodes):
        for _ in range(level.max_steps):
            env.step(noop)
        grids.append(env.world.resources.grid.copy())
    return env, grids


def test_each_episode_gets_a_new_map_and_observations_match_it():
    level = decode(RAW, "fresh.toml")
    env, grids = run(level, 2, 0, 3)
    assert not np.array_equal(grids[0], grids[1]) and not np.array_equal(grids[1], grids[2])
    # after the switch, world 1 stands on the map of its third episode
    from game.maps.make import episode_seed, make_layout

    layout = make_layout(level, episode_seed(0, 1, 3))
    assert (env.world.resources.grid[1] == -2).sum() == layout.walls.sum()
    obs = env.observations.reshape(2, 2, *env.single_observation_space.shape)
    agents = env.world["position"]
    for k in range(2):  # each agent sees itself at the centre of its window
        assert obs[1, k, 5, 5, env.feature_names.index("agent")] == 1
        assert env.world.resources.grid[1, agents.r[1, k], agents.c[1, k]] == k


def test_fixed_maps_stay_and_fresh_maps_are_reproducible_across_batches():
    fixed = decode({**RAW, "map": {**RAW["map"], "fixed": True}}, "fixed.toml")
    _, grids = run(fixed, 1, 0, 3)
    assert all(np.array_equal(grids[0], g) for g in grids)
    level = decode(RAW, "fresh.toml")
    _, big = run(level, 4, 10, 3)
    _, small = run(level, 1, 13, 3)
    for b, s in zip(big, small):
        np.testing.assert_array_equal(b[3], s[0])


def test_reset_goes_back_to_the_first_map():
    level = decode(RAW, "fresh.toml")
    env, grids = run(level, 1, 0, 2)
    env.reset()
    first = make_env(level, num_worlds=1, seed=0)
    first.reset()
    assert env.state_hash() == first.state_hash()


def test_a_fresh_map_that_does_not_fit_the_env_is_refused_by_its_seed(monkeypatch):
    """Worlds keep the rows and the grid of the first maps: a later map with more objects, or of
    another size, is an error naming the map's seed, never a silent overwrite."""
    from game.env import gridenv
    from game.errors import BuildError
    from game.maps.base import MapLayout

    level = decode(RAW, "fresh.toml")
    env = make_env(level, num_worlds=2, seed=3)
    env.reset()
    first = env.layouts[0]
    crowded = MapLayout(first.height, first.width, first.walls, first.objects * 9, first.agents)
    monkeypatch.setattr(gridenv, "make_layout", lambda lv, seed: crowded.copy())
    room = len(first.objects)  # the rows the env was built with: the first maps' objects, no builder
    with pytest.raises(
        BuildError, match=rf"map of seed \d+ has {room * 9} objects, more than the {room} its env"
    ):
        env._next_map(1)
    wide = MapLayout(
        first.height, first.width + 1, np.zeros((first.height, first.width + 1), bool), [], first.agents
    )
    monkeypatch.setattr(gridenv, "make_layout", lambda lv, seed: wide.copy())
    with pytest.raises(BuildError, match=r"map of seed \d+ differs in size or agent count from world 0's"):
        env._next_map(1)
    monkeypatch.undo()
    before = env.template.state_hash([0])
    env._next_map(1)  # a map that fits goes into world 1's reset template only
    assert env.template.state_hash([0]) == before
    # and is what a fresh build of that map holds (the kinship is the world's own, the RNG runs on)
    alone, _, _ = build(level, 1, episode_seed(env.seed, 1, int(env.episodes[1])))
    theirs = alone.state_arrays()
    kept = {"resource.rng"} | {f"resource.{k}" for k in KIN_ARRAYS}
    for k, a in env.template.state_arrays().items():
        if k not in kept:
            assert np.array_equal(a[1], theirs[k][0]), k
