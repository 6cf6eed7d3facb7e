"""transfer, swap and color (game/mechanics/interact/interact.pyx): differential and scenario tests."""

import numpy as np
import pytest

from game.mechanics.interact.interact import KERNELS
from game.systems.binding import resolve, scalars
from game.rules.constants import RES_STATS, STAT_RES, Act, Misc, ResStat, stat_misc_base
from game.state.kinship import kin_row
from tests.game_states import differential, random_state
from game.mechanics.interact import reference_interact as ref

REFERENCES = {"transfer": ref.transfer, "swap": ref.swap, "color": ref.color}
RIGHT, LEFT = 3, 2


@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("seed", range(30))
def test_kernel_matches_reference_on_random_states(name, seed):
    differential(KERNELS[name], REFERENCES[name], seed, steps=3)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_random_states_exercise_both_outcomes(name):
    """Guards the differential test's power: its states must reach successes and failures."""
    outcomes = set()
    # a transfer succeeds in ~1 random state of 30 (an agent in front, a unit to give); 60 states,
    # since the states draw their intents over every action code and `push` made them 13
    for seed in range(60):
        world, tab, level = random_state(seed)
        run(name, world, tab, level)
        mine = world.resources.intent[..., 0] == getattr(Act, name.upper())
        outcomes |= set(world.resources.success[mine].tolist())
    assert outcomes == {0, 1}


# ---- scenarios: one world, nobody acts but the agents a test sets up --------------------------


def scene(seed=0):
    world, tab, level = random_state(seed, num_worlds=1)
    world.resources.intent[..., 0] = -1
    world.resources.success[...] = 0
    world.resources.order[0] = np.arange(world.resources.num_agents)
    return world, tab, level


def place(world, row, r, c, orientation=None):
    """Move `row` to (r, c); whoever was there takes row's old cell, so the grid stays consistent."""
    grid, p = world.resources.grid[0], world["position"]
    old = int(p.r[0, row]), int(p.c[0, row])
    occupant = int(grid[r, c])
    assert occupant != -2, "scenarios place things on open cells only"
    grid[old] = occupant
    if occupant >= 0:
        p.r[0, occupant], p.c[0, occupant] = old
    grid[r, c] = row
    p.r[0, row], p.c[0, row] = r, c
    if orientation is not None:
        world["agent"].orientation[0, row] = orientation


def act(world, a, code, arg=0):
    world.resources.intent[0, a] = (code, arg)


def run(name, world, tab, level):
    kernel = KERNELS[name]
    kernel(**resolve(kernel, world, tab, scalars(level, tab)))


def row_of(world, tab, building):
    kinds = world["building"].kind[0]
    return int(np.flatnonzero(kinds == tab.building_names.index(building))[0])


def res_stat(res, k):
    return STAT_RES + RES_STATS * res + k


# ---- transfer -----------------------------------------------------------------------------------


def transfer_scene(giver_items, receiver_items, res=0):
    world, tab, level = scene()
    place(world, 0, 4, 3, RIGHT)
    place(world, 1, 4, 4, LEFT)
    items = world["inventory"].items[0]
    items[0], items[1] = giver_items, receiver_items
    act(world, 0, Act.TRANSFER, res)
    return world, tab, level


def test_transfer_moves_exactly_one_unit_and_counts_it():
    world, tab, level = transfer_scene([3, 1, 0, 0, 0, 0], [2, 0, 4, 0, 0, 0])
    stats_before = world.resources.stats[0].copy()
    run("transfer", world, tab, level)
    items = world["inventory"].items[0]
    assert items[0].tolist() == [2, 1, 0, 0, 0, 0]
    assert items[1].tolist() == [3, 0, 4, 0, 0, 0]
    assert world.resources.success[0, 0] == 1
    diff = world.resources.stats[0] - stats_before
    assert diff[0, res_stat(0, ResStat.GIVEN)] == 1 and diff[1, res_stat(0, ResStat.RECEIVED)] == 1
    kin = kin_row(world.resources, 0, 0)[1] > 0
    misc = stat_misc_base(len(tab.resource_names))
    assert diff[0, misc + (Misc.GIVEN_KIN if kin else Misc.GIVEN_NON_KIN)] == 1
    assert np.count_nonzero(diff) == 3


@pytest.mark.parametrize(
    "weight, counter", [(0.3, "GIVEN_KIN"), (0.0, "GIVEN_NON_KIN"), (-0.2, "GIVEN_NON_KIN")]
)
def test_transfer_counts_kin_and_non_kin_receivers(weight, counter):
    world, tab, level = transfer_scene([3, 1, 0, 0, 0, 0], [2, 0, 4, 0, 0, 0])
    r = world.resources
    r.kin_class[0, :2] = (0, 1)
    r.kin_weight[0, 0, 1] = weight
    assert kin_row(r, 0, 0)[1] == np.float32(weight)
    misc = stat_misc_base(len(tab.resource_names))
    before = world.resources.stats[0, 0, misc + np.array([Misc.GIVEN_KIN, Misc.GIVEN_NON_KIN])].copy()
    run("transfer", world, tab, level)
    after = world.resources.stats[0, 0, misc + np.array([Misc.GIVEN_KIN, Misc.GIVEN_NON_KIN])]
    expected = [1, 0] if counter == "GIVEN_KIN" else [0, 1]
    assert (after - before).tolist() == expected


@pytest.mark.parametrize(
    "receiver, ok",
    [
        ([49, 0, 0, 0, 0, 0], True),  # one below both caps (res_max 50, inventory_max 50)
        ([50, 0, 0, 0, 0, 0], False),  # at the resource's cap
        ([0, 20, 29, 0, 0, 0], True),  # one below the total cap
        ([0, 20, 30, 0, 0, 0], False),  # at the total cap, though ore itself has room
    ],
)
def test_transfer_respects_the_receivers_caps(receiver, ok):
    world, tab, level = transfer_scene([1, 0, 0, 0, 0, 0], receiver)
    assert tab.res_max[0] == 50 and tab.inventory_max == 50  # the cases above are built on these
    stats_before = world.resources.stats[0].copy()
    run("transfer", world, tab, level)
    items = world["inventory"].items[0]
    assert world.resources.success[0, 0] == ok
    assert items[0, 0] == 1 - ok and items[1, 0] == receiver[0] + ok
    assert np.count_nonzero(world.resources.stats[0] - stats_before) == 3 * ok  # given, received, kin split


def test_transfer_fails_without_the_resource_or_without_an_agent_in_front():
    world, tab, level = transfer_scene([0, 5, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], res=0)
    run("transfer", world, tab, level)
    assert world.resources.success[0, 0] == 0 and world["inventory"].items[0, 1, 0] == 0
    world, tab, level = transfer_scene([5, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0])
    place(world, row_of(world, tab, "mine"), 4, 4)  # the receiver is pushed aside by a building
    run("transfer", world, tab, level)
    assert world.resources.success[0, 0] == 0 and world["inventory"].items[0, 0, 0] == 5


# ---- swap ----------------------------------------------------------------------------------------


def swap_scene(target_setup):
    world, tab, level = scene()
    place(world, 0, 4, 3, RIGHT)
    target = target_setup(world, tab)
    place(world, target, 4, 4)
    act(world, 0, Act.SWAP)
    run("swap", world, tab, level)
    grid, p = world.resources.grid[0], world["position"]
    return world, target, grid, p


def frozen_agent(world, tab):
    world["agent"].frozen[0, 1] = 2
    return 1


def block(world, tab):
    return row_of(world, tab, "block")


@pytest.mark.parametrize("target_setup", [frozen_agent, block])
def test_swap_exchanges_cells_with_a_frozen_agent_or_a_block(target_setup):
    world, target, grid, p = swap_scene(target_setup)
    assert world.resources.success[0, 0] == 1
    assert grid[4, 4] == 0 and grid[4, 3] == target
    assert (p.r[0, 0], p.c[0, 0]) == (4, 4) and (p.r[0, target], p.c[0, target]) == (4, 3)


def unfrozen_agent(world, tab):
    world["agent"].frozen[0, 1] = 0
    return 1


def mine(world, tab):
    return row_of(world, tab, "mine")


@pytest.mark.parametrize("target_setup", [unfrozen_agent, mine])
def test_swap_fails_with_an_unfrozen_agent_or_a_building(target_setup):
    world, target, grid, p = swap_scene(target_setup)
    assert world.resources.success[0, 0] == 0
    assert grid[4, 3] == 0 and grid[4, 4] == target
    assert (p.r[0, 0], p.c[0, 0]) == (4, 3) and (p.r[0, target], p.c[0, target]) == (4, 4)


def test_swap_fails_facing_terrain():
    world, tab, level = scene()
    place(world, 0, 4, 1, LEFT)  # (4, 0) is the border wall
    act(world, 0, Act.SWAP)
    run("swap", world, tab, level)
    assert world.resources.success[0, 0] == 0 and world.resources.grid[0, 4, 1] == 0


# ---- color ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, op, end",
    [(10, 0, 11), (10, 1, 9), (10, 2, 20), (11, 3, 5), (255, 0, 255), (0, 1, 0), (200, 2, 255), (1, 3, 0)],
)
def test_color_ops_clamp_to_a_byte(start, op, end):
    world, tab, level = scene()
    color = world["agent"].color[0]
    color[0], color[1] = start, 77
    act(world, 0, Act.COLOR, op)
    act(world, 1, Act.MOVE, op)
    run("color", world, tab, level)
    assert color[0] == end and world.resources.success[0, 0] == 1
    assert color[1] == 77  # an agent doing something else is untouched


def test_color_with_an_unknown_op_fails_and_keeps_the_color():
    world, tab, level = scene()
    world["agent"].color[0, 0] = 40
    act(world, 0, Act.COLOR, 4)
    world.resources.success[0, 0] = 1
    run("color", world, tab, level)
    assert world["agent"].color[0, 0] == 40 and world.resources.success[0, 0] == 0
