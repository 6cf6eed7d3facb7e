"""Board modification by altering objects (game/mechanics/alter/push.pyx): the `push` action moves
the building in front one cell further along the agent's facing, into an empty cell; the agent
stays where it is.

The mechanic's numpy/Python prototype (game/mechanics/alter/reference_push.py) is kept as the
reference, compared with the kernel on random states and, inside the env, over whole trajectories.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import game
from game.env.gridenv import make_env
from game.mechanics.alter import reference_push as ref
from game.mechanics.alter.push import KERNELS
from game.mechanics.movement import reference_movement as ref_move
from game.rules.constants import NUM_CODES, Act
from game.state.world import tables
from game.systems.binding import resolve
from tests.game_states import differential, random_state
from tests.scenario_util import DOWN, LEFT, RIGHT, Scenario, level, play_like_the_prototype

PUSH = KERNELS["push"]
ON = {"actions": {"push": {"enabled": True}}}
LEVELS = sorted(Path(game.__file__).parent.joinpath("levels").glob("*.toml"))

# agent 0 faces up at a mine with two empty cells beyond it
ROOM = """
#######
#.....#
#.....#
#..m..#
#..A..#
#######
"""


def building(s: Scenario, r: int, c: int) -> str | None:
    """The building at (r, c) of world 0, by name, or None."""
    row = int(s.grid()[r, c])
    if row < s.env.agents_per_world:
        return None
    return s.env.tables.building_names[int(s.env.world["building"].kind[0, row])]


def board(s: Scenario) -> tuple:
    """What a failed push must leave as it is: the grid, every position, every building's state."""
    w, p, b = s.env.world, s.env.world["position"], s.env.world["building"]
    return tuple(a.copy() for a in (s.grid(), p.r, p.c, b.kind, b.cooldown, b.stock, b.hp, w.alive))


def same(a: tuple, b: tuple) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


# ---- the kernel and its reference ------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(20))
def test_kernel_matches_the_reference_on_random_states(seed):
    differential(PUSH, ref.push, seed, steps=3, **ON)


@pytest.mark.parametrize("seed", range(12))
def test_kernel_matches_the_reference_over_random_ticks(seed):
    """Many ticks of one random world pair: each tick draws facings, an order and intents (mostly
    push), runs the kernel on one copy and the reference on the other and compares every array;
    then the agents wander (the movement reference, on both) so that they meet buildings anew."""
    rng = np.random.default_rng(1000 + seed)
    wa, tab, _ = random_state(seed, **ON)
    wb, _, _ = random_state(seed, **ON)
    A = wa.resources.num_agents
    pushed = 0
    for tick in range(40):
        W = wa.num_worlds
        orient = rng.integers(0, 4, (W, A)).astype(np.uint8)
        order = np.stack([rng.permutation(A) for _ in range(W)]).astype(np.int32)
        codes = np.where(rng.random((W, A)) < 0.7, int(Act.PUSH), rng.integers(-1, NUM_CODES, (W, A)))
        for w in (wa, wb):
            w["agent"].orientation[:, :A] = orient
            w.resources.order[...] = order
            w.resources.intent[..., 0] = codes
            w.resources.intent[..., 1] = 0
            w.resources.success[...] = 7  # the kernel must write 0/1 for pushers and leave the rest
        PUSH(**resolve(PUSH, wa, tab, {}))
        ref.push(**resolve(PUSH, wb, tab, {}))
        a, b = wa.state_arrays(), wb.state_arrays()
        for name in a:
            np.testing.assert_array_equal(
                a[name], b[name], err_msg=f"'{name}' differs (seed {seed}, tick {tick})"
            )
        pushed += int(((codes == Act.PUSH) & (wa.resources.success == 1)).sum())
        assert ((wa.resources.success == 7) == (codes != Act.PUSH)).all(), "success written for pushers only"
        # the objects' positions agree with the grid after every push
        for w in range(W):
            rows = np.flatnonzero(wa["building"].has[w] & (wa["building"].kind[w] >= 0))
            assert (wa.resources.grid[w, wa["position"].r[w, rows], wa["position"].c[w, rows]] == rows).all()
        moves = np.where(rng.random((W, A)) < 0.5, int(Act.MOVE), int(Act.ROTATE))
        args = np.where(moves == Act.MOVE, rng.integers(0, 2, (W, A)), rng.integers(0, 4, (W, A)))
        for w in (wa, wb):
            res, pos = w.resources, w["position"]
            res.intent[..., 0], res.intent[..., 1], res.active[...] = moves, args, 1
            ref_move.move_rotate(
                res.grid, pos.r, pos.c, w["agent"].orientation, res.intent, res.active, res.order, res.success
            )
    assert pushed > 20, f"only {pushed} pushes succeeded: the random ticks hardly test the mechanic"


def test_the_kernel_in_the_env_plays_like_the_prototype():
    """The same level, seed and actions, with the kernel and with the prototype in its place (and
    the kernel twice): the same trajectory, state for state."""
    room = level(
        "#########\n#s.m.s.s#\n#.A.s.A.#\n#s.s.A.g#\n#.A.s.A.#\n#s.a.s.m#\n#########",
        max_steps=1000,
        actions={"push": {"enabled": True}, "attack": {"enabled": False}},
    )
    envs = play_like_the_prototype(room, "push", ref.push_system, ticks=400, seed=3)
    code = envs[0].stat_names.index("action.push.success")
    assert envs[0].world.resources.stats[..., code].sum() > 0, "the random actions pushed something"


# ---- scenarios through the env ---------------------------------------------------------------------
def test_a_push_moves_the_building_one_cell_and_the_agent_stays():
    s = Scenario(ROOM, **ON)
    s.step({0: ("push", 0)})
    assert building(s, 2, 3) == "mine" and building(s, 3, 3) is None and s.pos(0) == (4, 3)
    assert s.stat(0, "action.push.success") == 1 and s.stat(0, "action.push.failed") == 0
    row = int(s.grid()[2, 3])
    p = s.env.world["position"]
    assert (p.r[0, row], p.c[0, row]) == (2, 3), "the building's position follows the grid"
    s.step({0: ("push", 0)})  # nothing in front any more
    assert building(s, 2, 3) == "mine" and s.stat(0, "action.push.failed") == 1


def test_a_pushed_building_keeps_working_and_is_seen_at_its_new_cell():
    s = Scenario(ROOM, actions={"push": {"enabled": True}}, buildings={"mine": {"cooldown": 10}})
    mine = s.env.tables.building_names.index("mine") + 1
    assert s.see(0, -1, 0, "building.type") == mine
    s.step({0: ("use", 0)})
    assert s.inv(0, "ore") == 1
    s.step({0: ("push", 0)})
    assert s.see(0, -1, 0, "building.type") == 0 and s.see(0, -2, 0, "building.type") == mine
    s.step({0: ("move", 0)})
    assert s.pos(0) == (3, 3) and s.see(0, -1, 0, "building.type") == mine
    s.step({0: ("use", 0)})  # it carried its cooldown along
    assert s.inv(0, "ore") == 1 and s.stat(0, "action.use.failed") == 1
    s.idle(int(s.env.world["building"].cooldown[0, s.grid()[2, 3]]))
    s.step({0: ("use", 0)})
    assert s.inv(0, "ore") == 2 and s.stat(0, "action.use.success") == 2


@pytest.mark.parametrize(
    "where, ascii, agent",
    [
        ("a terrain wall beyond", "###\n#m#\n#A#", 0),
        ("the map's edge beyond", "m\nA", 0),
        ("an agent beyond", "A\nm\nA", 1),
        ("another building beyond", "s\nm\nA", 0),
        ("a block beyond (no chain pushes)", ".\ns\ns\nA", 0),
        ("an agent in front", ".\nA\nA", 1),
        ("a terrain wall in front", ".\n#\nA", 0),
        ("nothing in front", ".\n.\nA", 0),
        ("the map's edge in front", "A.", 0),
    ],
)
def test_a_push_that_cannot_happen_fails_and_changes_nothing(where, ascii, agent):
    s = Scenario(ascii, **ON)
    before = board(s)
    s.step({agent: ("push", 0)})
    assert same(before, board(s)), f"{where}: the board changed"
    assert s.stat(agent, "action.push.failed") == 1 and s.stat(agent, "action.push.success") == 0, where
    assert s.energy(agent) == 99, f"{where}: the cost is paid even when the push fails"


def test_every_kind_of_building_is_pushed_terrain_walls_are_not():
    """A block, a wall with hp (an entity) and a recipe building move; a wall with hp 0 is terrain."""
    s = Scenario("...\nsmw\nAAA", buildings={"wall": {"char": "w", "hp": 20}}, **ON)
    s.step({0: ("push", 0), 1: ("push", 0), 2: ("push", 0)})
    assert [building(s, 0, c) for c in range(3)] == ["block", "mine", "wall"]
    assert sum(s.stat(i, "action.push.success") for i in range(3)) == 3
    s = Scenario(".\n#\nA", **ON)
    s.step({0: ("push", 0)})
    assert s.grid()[1, 0] == -2 and s.grid()[0, 0] == -1


def test_energy_is_paid_per_the_levels_cost():
    s = Scenario(ROOM, **ON)
    s.step({0: ("push", 0)})
    assert s.energy(0) == 99, "the default cost is 1"
    s = Scenario(ROOM, actions={"push": {"enabled": True, "cost": 4}})
    s.step({0: ("push", 0)})
    s.step({0: ("push", 0)})  # fails: still paid
    assert s.energy(0) == 92 and s.stat(0, "action.push.success") == 1
    s = Scenario(ROOM, actions={"push": {"enabled": True, "cost": 4}}, groups={"agent": {"start_energy": 3}})
    s.step({0: ("push", 0)})  # cannot pay: not attempted, nothing moves
    assert building(s, 3, 3) == "mine" and s.energy(0) == 3 and s.stat(0, "action.no_energy") == 1


def test_a_frozen_agent_cannot_push():
    s = Scenario("....\n.m..\n.AA.", combat={"freeze_duration": 5}, **ON)
    s.step({1: ("rotate", LEFT)})
    s.step({1: ("attack", 1)})
    assert s.agent(0)["frozen"] > 0
    s.step({0: ("push", 0)})
    assert building(s, 1, 1) == "mine" and s.stat(0, "action.push.success") == 0


def test_two_pushes_of_one_building_in_a_tick_one_wins_in_the_ticks_order():
    """Agent 0 pushes the mine right, agent 1 pushes it up: whoever comes first in the tick's
    order moves it; the other then faces an empty cell and fails."""
    seen = set()
    for seed in range(8):
        s = Scenario(".....\n.Am..\n..A..", seed=seed, **ON)
        s.step({0: ("rotate", RIGHT)})
        s.step({0: ("push", 0), 1: ("push", 0)})
        right, up = building(s, 1, 3) == "mine", building(s, 0, 2) == "mine"
        assert right + up == 1 and building(s, 1, 2) is None
        assert s.stat(0, "action.push.success") == right and s.stat(1, "action.push.success") == up
        seen.add(right)
    assert seen == {True, False}, "the order decides, and both orders happen"


def test_moves_resolve_before_pushes_and_a_level_may_change_that():
    """Agent 1 pushes the mine right while agent 0 steps down into the cell beyond: move (50)
    comes before push (55), so the step wins. With push's priority below move's, the push wins."""
    room = "#######\n#...A.#\n#.Am..#\n#######"
    for prio, pushed in ((55, False), (45, True)):
        s = Scenario(room, actions={"push": {"enabled": True, "priority": prio}})
        s.step({0: ("rotate", DOWN), 1: ("rotate", RIGHT)})
        s.step({0: ("move", 0), 1: ("push", 0)})
        assert (building(s, 2, 4) == "mine") == pushed and (s.pos(0) == (2, 4)) != pushed
        assert s.stat(1, "action.push.success") == pushed


def test_the_pusher_can_follow_the_building_on_the_next_tick():
    s = Scenario("#####\n#...#\n#.m.#\n#.A.#\n#####", **ON)
    s.step({0: ("push", 0)})
    s.step({0: ("move", 0)})
    assert s.pos(0) == (2, 2) and building(s, 1, 2) == "mine"


def test_pushed_buildings_are_back_after_an_episode_and_a_reset():
    s = Scenario(ROOM, max_steps=3, **ON)
    s.step({0: ("push", 0)})
    assert building(s, 2, 3) == "mine"
    s.idle(2)  # the third tick ends the episode: the world resets itself
    assert s.truncations.all() and building(s, 3, 3) == "mine" and building(s, 2, 3) is None
    s.step({0: ("push", 0)})
    assert building(s, 2, 3) == "mine"
    s.env.reset()
    assert building(s, 3, 3) == "mine" and building(s, 2, 3) is None


# ---- the action space ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", LEVELS, ids=lambda p: p.stem)
def test_push_is_off_in_every_shipped_level(path):
    assert "push" not in tables(game.load_level(path)).action_names


def test_enabling_push_appends_it_and_keeps_the_rest_of_the_spaces():
    env = make_env("arena")
    with_it = make_env("arena", **ON)
    assert with_it.action_names == env.action_names + ["push"]
    assert with_it.flat_action_names == env.flat_action_names + ["push"]
    assert with_it.feature_names == env.feature_names and with_it.world.capacity == env.world.capacity
    assert "push" not in env.scheduler.order and "push" in with_it.scheduler.order


def test_a_level_file_enables_it_with_an_actions_table(tmp_path):
    path = tmp_path / "pushing.toml"
    path.write_text(
        'name = "pushing"\n\n[actions.push]\nenabled = true\ncost = 2\n\n'
        '[map]\nascii = """\n#####\n#...#\n#.m.#\n#.A.#\n#####"""\n'
    )
    env = make_env(path)
    env.reset(0)
    assert "push" in env.action_names
    acts = np.array([[env.action_names.index("push"), 0]], np.int32)
    env.step(acts)
    assert env.inspect_agent(0)["energy"] == 98
    grid = env.world.resources.grid[0]
    assert grid[1, 2] >= env.agents_per_world and grid[2, 2] == -1
    assert env.inspect_agent(0)["position"] == (3, 2)


# ---- determinism -----------------------------------------------------------------------------------
def test_same_level_seed_and_actions_give_the_same_trajectory():
    room = level("#########\n#.s.m.s.#\n#.A.s.A.#\n#.s.A.g.#\n#.a.s.A.#\n#########", max_steps=40, **ON)
    envs = [make_env(room, num_worlds=3, seed=11) for _ in range(2)]
    for env in envs:
        env.reset(11)
    rng = np.random.default_rng(0)
    flat = np.asarray(envs[0].flat_actions)
    push = envs[0].action_names.index("push")
    code = envs[0].stat_names.index("action.push.success")
    pushed = 0
    for tick in range(120):
        pick = np.where(
            rng.random(envs[0].num_agents) < 0.4,
            np.flatnonzero(flat[:, 0] == push)[0],
            rng.integers(0, len(flat), envs[0].num_agents),
        )
        acts = np.ascontiguousarray(flat[pick], dtype=np.int32)
        for env in envs:
            env.step(acts)
        assert envs[0].state_hash() == envs[1].state_hash(), f"the two runs differ at tick {tick}"
        # stats restart with each episode
        pushed = max(pushed, int(envs[0].world.resources.stats[..., code].sum()))
    assert pushed > 0
