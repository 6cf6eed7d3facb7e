"""Map generators: reproducible from the seed, the shapes they promise, clear errors."""

from __future__ import annotations

import hashlib
from collections import deque

import numpy as np
import pytest

from game.load.level import LevelError, decode, load_level
from game.maps.make import episode_seed, make_layout


def level(map_: dict, **raw):
    groups = raw.pop("groups", {"red": {}, "blue": {}})
    return decode({"groups": groups, "map": map_, **raw}, "test.toml")


def gen(name: str, seed: int = 0, **params):
    return make_layout(level({"generator": name, "params": params}), seed)


def key(lay) -> tuple:
    return (lay.height, lay.width, lay.walls.tobytes(), tuple(lay.objects), tuple(lay.agents))


def reachable(walls: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    seen = np.zeros_like(walls)
    seen[start] = True
    q = deque([start])
    while q:
        r, c = q.popleft()
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            rr, cc = r + dr, c + dc
            if (
                0 <= rr < walls.shape[0]
                and 0 <= cc < walls.shape[1]
                and not walls[rr, cc]
                and not seen[rr, cc]
            ):
                seen[rr, cc] = True
                q.append((rr, cc))
    return seen


CASES = {
    "rooms": dict(rows=2, cols=3, room_height=6, room_width=7, border=2, agents_per_room=2,
                  objects={"mine": 3}),
    "scatter": dict(height=15, width=12, wall_density=0.2, agents=5, objects={"mine": 4, "altar": 2}),
    "maze": dict(height=15, width=17, loops=0.1, agents=3, objects={"altar": 3}),
    "compose": dict(height=11, width=22, doors=[[5, 10], [5, 11]], parts=[
        {"at": [0, 0], "generator": "maze", "params": {"height": 11, "width": 11, "agents": 2}},
        {"at": [0, 11], "generator": "scatter",
         "params": {"height": 11, "width": 11, "agents": 2, "objects": {"mine": 2}}},
    ]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_generators_are_reproducible_from_the_seed(name):
    a, b, c = gen(name, 3, **CASES[name]), gen(name, 3, **CASES[name]), gen(name, 4, **CASES[name])
    assert key(a) == key(b)
    assert key(a) != key(c)
    # every map of a level has the same size and counts, whatever the seed
    assert (a.height, a.width, len(a.agents), len(a.objects)) == (
        c.height,
        c.width,
        len(c.agents),
        len(c.objects),
    )
    occ = [(r, c) for _, r, c in a.objects + a.agents]
    assert len(set(occ)) == len(occ), "two things on one cell"
    assert not any(a.walls[r, c] for r, c in occ), "something on a wall"


def test_arena_map_is_unchanged():
    lay = make_layout(load_level("arena"), 0)
    digest = hashlib.md5(repr((lay.walls.tobytes(), lay.agents, lay.objects)).encode()).hexdigest()
    assert digest == "e3f3706aec84da4143f224530de0ac18"


def test_rooms_sealed_or_joined_by_corridors():
    p = dict(rows=2, cols=2, room_height=5, room_width=5, border=2, agents_per_room=1)
    sealed = gen("rooms", 0, **p)
    start = sealed.agents[0][1:]
    assert reachable(sealed.walls, start).sum() == 25
    joined = gen("rooms", 0, corridor_width=1, **p)
    seen = reachable(joined.walls, start)
    assert all(seen[r, c] for _, r, c in joined.agents)
    assert seen.sum() == 4 * 25 + 4 * 2  # four rooms plus four corridors through 2-thick walls


def test_scatter_counts_and_density():
    lay = gen("scatter", 1, height=12, width=10, border=1, wall_density=0.25, agents=6, objects={"mine": 5})
    inner = 10 * 8
    assert lay.walls.sum() == (12 * 10 - inner) + round(0.25 * inner)
    assert len(lay.agents) == 6 and [g for g, _, _ in lay.agents] == ["red"] * 3 + ["blue"] * 3
    assert len(lay.objects) == 5


def test_maze_is_perfect_and_objects_sit_in_dead_ends():
    lay = gen("maze", 5, height=21, width=25, agents=2, objects={"altar": 4})
    free = ~lay.walls
    assert free.sum() == 2 * 10 * 12 - 1  # a spanning tree over 10x12 cells
    assert reachable(lay.walls, tuple(np.argwhere(free)[0])).sum() == free.sum()  # connected
    pad = np.pad(free, 1)
    for _, r, c in lay.objects:
        assert pad[r, c + 1] + pad[r + 2, c + 1] + pad[r + 1, c] + pad[r + 1, c + 2] == 1


def test_maze_loops_add_cycles():
    tree = gen("maze", 2, height=21, width=21, agents=1)
    loopy = gen("maze", 2, height=21, width=21, agents=1, loops=0.3)
    assert (~loopy.walls).sum() > (~tree.walls).sum()


def test_compose_pastes_parts_and_opens_doors():
    lay = gen("compose", 0, **CASES["compose"])
    assert (lay.height, lay.width) == (11, 22)
    left = [a for a in lay.agents if a[2] < 11]
    right = [a for a in lay.agents if a[2] >= 11]
    assert len(left) == 2 and len(right) == 2
    assert all(c >= 11 for _, r, c in lay.objects)
    assert not lay.walls[5, 10] and not lay.walls[5, 11]
    seen = reachable(lay.walls, left[0][1:])
    assert all(seen[r, c] for _, r, c in lay.agents)  # the door joins the maze to the field


def test_compose_with_an_ascii_part():
    lay = make_layout(level({"generator": "compose", "params": {
        "height": 3, "width": 8, "fill": "empty", "parts": [
            {"at": [0, 0], "generator": "ascii", "params": {"ascii": "###\n#A#\n###"}},
            {"at": [0, 3], "generator": "scatter", "params": {"height": 3, "width": 5, "agents": 1}},
        ]}}), 0)  # fmt: skip
    assert ("red", 1, 1) in lay.agents and lay.walls[:, :3].sum() == 8


@pytest.mark.parametrize(
    "params, message",
    [
        ({"parts": [{"at": [0, 0], "generator": "scatter", "params": {"height": 30, "agents": 1}}]},
         "$.map.params.parts[0].at: a 30x20"),
        ({"parts": [{"at": [0, 0], "generator": "nope"}]},
         "$.map.params.parts[0].generator: unknown generator 'nope'"),
        ({"parts": [{"at": [0, 0], "generator": "scatter", "params": {"bad": 1}}]},
         "$.map.params.parts[0].params.bad: unknown field"),
        ({"parts": [{"at": [0, 0], "generator": "scatter", "params": {"agents": 1}},
                    {"at": [5, 5], "generator": "scatter", "params": {"agents": 1}}]},
         "$.map.params.parts[1].at: overlaps part 0"),
        ({"parts": [{"at": [0, 0], "generator": "scatter", "params": {"agents": 1}}], "doors": [[99, 0]]},
         "$.map.params.doors[0]"),
        ({"parts": []}, "$.map.params.parts: expected at least one part"),
    ],
)  # fmt: skip
def test_compose_errors(params, message):
    with pytest.raises(LevelError) as exc:
        level({"generator": "compose", "params": {"height": 25, "width": 40, **params}})
    assert str(exc.value).startswith(f"test.toml: {message}"), str(exc.value)


def test_unknown_generator_and_missing_map():
    with pytest.raises(
        LevelError, match=r"test.toml: \$.map.generator: unknown generator 'cave'; expected one of"
    ):
        level({"generator": "cave"})
    with pytest.raises(LevelError, match=r"test.toml: \$.map: expected either `ascii`"):
        level({})


def test_room_errors_name_the_parameters():
    with pytest.raises(
        LevelError,
        match=r"\$.map.params: a room of 2x2 has room for 4 agents and objects, but 3 agents and 2",
    ):
        level(
            {
                "generator": "rooms",
                "params": {"room_height": 2, "room_width": 2, "agents_per_room": 3, "objects": {"mine": 2}},
            }
        )
    with pytest.raises(LevelError, match=r"\$.map.params.objects.castle: unknown building"):
        level({"generator": "scatter", "params": {"objects": {"castle": 1}}})
    with pytest.raises(LevelError, match=r"\$.map.params.groups: unknown group 'green'"):
        level({"generator": "maze", "params": {"groups": ["green"]}})


def test_map_seed_pins_one_map_for_every_world():
    lv = level({"generator": "maze", "seed": 7, "params": {"agents": 2}})
    assert key(make_layout(lv, 0)) == key(make_layout(lv, 123))
    free = level({"generator": "maze", "params": {"agents": 2}})
    assert key(make_layout(free, 7)) == key(make_layout(lv, 0))


def test_episode_seeds():
    assert episode_seed(10, 3, 0) == 13  # the map `build` made for world 3
    seeds = {episode_seed(10, w, e) for w in range(4) for e in range(1, 50)}
    assert len(seeds) == 4 * 49 and all(0 <= s < 2**63 for s in seeds)
    assert episode_seed(10, 1, 5) == episode_seed(10, 1, 5)


def test_env_worlds_get_maps_from_seed_plus_world():
    from game.env.gridenv import make_env

    env = make_env("maze", num_worlds=3, seed=20)
    for w in range(3):
        assert key(env.layouts[w]) == key(make_layout(env.level, 20 + w))


def test_a_layout_is_built_once_and_handed_out_as_copies():
    from game.maps.make import _layout

    _layout.cache_clear()
    level = load_level("arena")  # loading built world 0's map to check it
    before = _layout.cache_info()
    a = make_layout(level, 0)
    assert _layout.cache_info().misses == before.misses  # ...so the env's world 0 reuses it
    a.walls[:] = True
    a.agents.clear()
    b = make_layout(level, 0)
    assert b.agents and not b.walls.all()  # a caller changing its copy changes no one else's
    make_layout(level, 1)  # arena is generated: another world's seed is another map
    assert _layout.cache_info().misses == before.misses + 1


def test_an_ascii_map_is_one_build_for_every_world():
    from game.maps.make import _layout
    from game.state.world import build

    _layout.cache_clear()
    level = decode({"map": {"ascii": "#####\n#A.m#\n#####", "legend": {"A": "agent.agent"}}}, "t.toml")
    before = _layout.cache_info().misses
    build(level, 8, 3)
    assert _layout.cache_info().misses == before  # decode checked it; 8 worlds reuse that map
