"""Board modification by creation (creation.pyx): the `build` action creates a building of the
level's [build] list in the empty cell in front, paying its build cost from inventory.

The mechanic was first a numpy system (game/mechanics/creation/reference_creation.py); it is kept
as the reference, compared with the kernel on random states and, inside the env, over whole trajectories.
"""

import re

import pytest
from game.mechanics.creation.creation import KERNELS

from game import LevelError
from game.env.gridenv import make_env
from game.load.level import decode
from tests.game_states import differential
from game.mechanics.creation import reference_creation as ref
from tests.scenario_util import DOWN, UP, Scenario, play_like_the_prototype

BUILD = KERNELS["build"]
WALL, BLOCK, MINE = 0, 1, 2  # build's arguments in BUILDER's [build] list

# agent 0 faces up at an empty cell; a second agent at the right, a wall at the left
ROOM = """
######
#....#
#.A.A#
#....#
######
"""
BUILDER = {
    "actions": {"build": {"enabled": True}},
    "build": {"buildings": ["wall", "block", "mine"], "capacity": 2},
    "buildings": {
        "wall": {"build_cost": {"ore": 1}},
        "block": {"build_cost": {"ore": 2}},
        "mine": {"build_cost": {"ore": 1, "battery": 1}, "cooldown": 0},
    },
}


def builder(ore=3, battery=1, **over) -> Scenario:
    s = Scenario(ROOM, **{**BUILDER, **over})
    items = s.env.world["inventory"].items
    items[0, 0, s.env.resource_names.index("ore")] = ore
    items[0, 0, s.env.resource_names.index("battery")] = battery
    return s


def built(s: Scenario, r: int, c: int) -> str | None:
    """The building at (r, c) of world 0, by name, or None."""
    row = int(s.grid()[r, c])
    if row < s.env.agents_per_world:
        return None
    return s.env.tables.building_names[int(s.env.world["building"].kind[0, row])]


@pytest.mark.parametrize("seed", range(30))
def test_kernel_matches_the_numpy_prototype_on_random_states(seed):
    differential(BUILD, ref.build, seed, steps=3)


def test_a_built_wall_blocks_the_way_and_the_cost_is_paid():
    s = builder()
    s.step({0: ("build", WALL)})
    assert built(s, 1, 2) == "wall" and s.inv(0, "ore") == 2
    assert s.stat(0, "action.build.success") == 1 and s.stat(0, "ore.used") == 1
    s.step({0: ("move", 0)})
    assert s.pos(0) == (2, 2)  # the wall stands in the way
    assert s.see(0, -1, 0, "wall") == 1  # and the builder sees it as a wall


def test_a_built_block_can_be_swapped():
    s = builder()
    s.step({0: ("build", BLOCK)})
    assert built(s, 1, 2) == "block"
    s.step({0: ("swap", 0)})
    assert s.pos(0) == (1, 2) and built(s, 2, 2) == "block"


def test_a_built_mine_works_like_a_placed_one_and_can_be_destroyed():
    s = builder(ore=1, battery=1, combat={"damage": 40})
    s.step({0: ("build", MINE)})
    assert built(s, 1, 2) == "mine" and s.inv(0, "ore") == 0 and s.inv(0, "battery") == 0
    assert s.see(0, -1, 0, "building.type") == s.env.tables.building_names.index("mine") + 1
    s.step({0: ("use", 0)})
    assert s.inv(0, "ore") == 1
    s.step({0: ("attack", 1)})  # straight ahead: a mine has hp 30 < damage 40
    assert built(s, 1, 2) is None and s.stat(0, "building.destroyed") == 1


def test_without_the_cost_nothing_is_built_and_nothing_paid():
    s = builder(ore=1, battery=0)
    s.step({0: ("build", MINE)})  # needs a battery too
    assert built(s, 1, 2) is None and s.inv(0, "ore") == 1 and s.stat(0, "action.build.failed") == 1


def test_an_occupied_cell_in_front_fails():
    s = Scenario("#####\n#.m.#\n#.A.#\n#.A.#\n#####", **BUILDER)
    s.env.world["inventory"].items[0, :2, :] = 5
    s.step({0: ("build", WALL), 1: ("build", WALL)})  # a mine in front of agent 0, agent 0 in front of 1
    assert s.stat(0, "action.build.failed") == 1 and s.stat(1, "action.build.failed") == 1
    assert s.env.world["inventory"].items[0, :2].min() == 5  # nothing paid
    s.step({0: ("rotate", 2)})
    s.step({0: ("build", WALL)})
    s.step({0: ("build", WALL)})  # the wall it just built
    assert s.stat(0, "action.build.success") == 1 and s.stat(0, "action.build.failed") == 2


def test_off_the_map_fails():
    s = Scenario("A.", **BUILDER)
    s.env.world["inventory"].items[0, 0, :] = 5
    s.step({0: ("build", WALL)})  # facing up from row 0
    assert s.stat(0, "action.build.failed") == 1


def test_a_buildable_past_the_list_is_a_bad_argument_and_an_empty_list_builds_nothing():
    s = builder()
    s.step({0: ("build", 3)})
    assert s.stat(0, "action.invalid_arg") == 1 and built(s, 1, 2) is None
    s = builder(build={"buildings": []})
    s.step({0: ("build", 0)})
    assert s.stat(0, "action.build.failed") == 1 and built(s, 1, 2) is None


def test_the_reserved_rows_bound_what_can_be_built():
    s = builder(ore=9)
    for turn in (UP, DOWN):
        s.step({0: ("rotate", turn)})
        s.step({0: ("build", WALL)})
    s.step({0: ("rotate", 2)})
    s.step({0: ("build", WALL)})  # a third: capacity 2
    assert s.stat(0, "action.build.success") == 2 and s.stat(0, "action.build.failed") == 1
    assert s.inv(0, "ore") == 7


def test_a_frozen_agent_cannot_build():
    s = builder(combat={"freeze_duration": 5})
    s.step({1: ("rotate", 2)})
    s.step({1: ("move", 0)})  # agent 1 now right of agent 0, facing it
    s.step({1: ("attack", 1)})
    assert s.agent(0)["frozen"] > 0
    s.step({0: ("build", WALL)})
    assert built(s, 1, 2) is None


def test_built_objects_are_gone_after_a_reset_and_after_an_episode():
    s = builder(max_steps=3)
    s.step({0: ("build", WALL)})
    assert built(s, 1, 2) == "wall"
    s.idle(2)  # the third tick ends the episode: the world resets itself
    assert s.truncations.all() and built(s, 1, 2) is None
    s.env.world["inventory"].items[0, 0, 0] = 3
    s.step({0: ("build", WALL)})
    assert built(s, 1, 2) == "wall"
    s.env.reset()
    assert built(s, 1, 2) is None
    assert not s.env.world.alive[0, s.env.agents_per_world :].any()  # the reserved rows are free again


def test_the_kernel_in_the_env_plays_like_the_prototype():
    """The same level, seed and actions, with the kernel and with the numpy system in its place
    (and the kernel twice): the same trajectory, state for state."""
    level = decode(
        {
            **BUILDER,
            "build": {"buildings": ["wall", "block", "mine"], "capacity": 6},
            "buildings": {k: {"build_cost": {}} for k in ("wall", "block", "mine")},
            "map": {"ascii": ROOM.strip("\n")},
        },
        "room.toml",
    )
    envs = play_like_the_prototype(level, "build", ref.build_system, ticks=80, seed=5)
    A = envs[0].agents_per_world
    assert envs[0].world.alive[:, A:].any(), "the random actions built something"


def test_levels_without_the_action_reserve_nothing_and_keep_their_spaces():
    env = make_env("arena")
    with_it = make_env(
        "arena", actions={"build": {"enabled": True}}, build={"buildings": ["wall"], "capacity": 5}
    )
    assert "build" not in env.action_names and with_it.action_names == env.action_names + ["build"]
    assert with_it.feature_names == env.feature_names
    assert with_it.world.capacity == env.world.capacity + 5


def test_the_flat_action_list_names_what_each_build_argument_makes():
    env = make_env(
        "arena", actions={"build": {"enabled": True}}, build={"buildings": ["wall", "mine", "block"]}
    )
    names = env.flat_action_names
    assert [n for n in names if n.startswith("build")] == ["build_wall", "build_mine", "build_block"]
    # each name's row builds that building: argument k of the build action
    build = env.action_names.index("build")
    rows = [tuple(env.flat_actions[i]) for i, n in enumerate(names) if n.startswith("build")]
    assert rows == [(build, 0), (build, 1), (build, 2)]


@pytest.mark.parametrize(
    "raw, where",
    [
        ({"build": {"buildings": ["tower"]}}, "$.build.buildings[0]: unknown building 'tower'"),
        (
            {"build": {"buildings": ["wall", "mine", "wall"]}},
            "$.build.buildings[2]: 'wall' is already argument 0",
        ),
        (
            {"buildings": {"wall": {"build_cost": {"gold": 1}}}},
            "$.buildings.wall.build_cost.gold: unknown resource",
        ),
        (
            {"buildings": {"wall": {"build_cost": {"ore": -1}}}},
            "$.buildings.wall.build_cost.ore: expected a count >= 0",
        ),
        ({"build": {"capacity": -1}}, "$.build.capacity: Expected `int` >= 0"),
        ({"build": {"buildings": ["wall"] * 17}}, "$.build.buildings: expected at most 16"),
        ({"build": {"slots": 3}}, "$.build.slots: unknown field"),
    ],
)
def test_bad_build_tables_are_refused_naming_the_field(raw, where):
    with pytest.raises(LevelError, match="^" + re.escape(f"b.toml: {where}")):
        decode({**raw, "map": {"ascii": "#A#"}}, "b.toml")
