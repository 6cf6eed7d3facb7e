"""The cooldown kernel (cooldown.pyx): differential test against the reference, then scenarios."""

import numpy as np
import pytest

from engine.ecs.world import Entity
from game.mechanics.buildings.cooldown import KERNELS
from game.systems.binding import resolve
from tests.game_states import differential, random_state
from game.mechanics.buildings import reference_cooldown as ref

COOLDOWN = KERNELS["cooldown"]


@pytest.mark.parametrize("seed", range(30))
def test_kernel_matches_reference_on_random_states(seed):
    differential(COOLDOWN, ref.cooldown, seed, steps=3)


@pytest.mark.parametrize("seed", range(10))
def test_kernel_matches_reference_with_destroyed_and_regenerating_walls(seed):
    # Walls that regenerate and destroyed buildings (kind -1) are rare in the default states.
    over = {"buildings": {"wall": {"max_stock": 2, "regen": 2}}}
    wa, tab, _ = random_state(seed, **over)
    wb, _, _ = random_state(seed, **over)
    for w in (wa, wb):
        kind = w["building"].kind
        kind[:, w.resources.num_agents :: 5] = -1
    for step in range(4):
        COOLDOWN(**resolve(COOLDOWN, wa, tab, {}))
        ref.cooldown(**resolve(COOLDOWN, wb, tab, {}))
        a, b = wa.state_arrays(), wb.state_arrays()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"'{name}' differs ({seed=}, {step=})")


def state(**over):
    world, tab, _ = random_state(0, **over)
    A = world.resources.num_agents
    b = world["building"]

    def row_of(name):
        return A + int(np.flatnonzero(b.kind[0, A:] == tab.building_names.index(name))[0])

    def tick(n=1):
        for _ in range(n):
            COOLDOWN(**resolve(COOLDOWN, world, tab, {}))

    return world, b, row_of, tick


def test_cooldown_counts_down_to_zero_and_stays_there():
    world, b, row_of, tick = state()
    g = row_of("generator")
    b.cooldown[0, g] = 2
    tick()
    assert b.cooldown[0, g] == 1
    tick(2)
    assert b.cooldown[0, g] == 0


def test_limited_stock_regenerates_one_unit_per_regen_ticks_up_to_the_max():
    world, b, row_of, tick = state()  # the random level's mine: max_stock 3, regen 4
    m = row_of("mine")
    b.stock[0, m], b.regen_timer[0, m] = 1, 0
    tick(3)
    assert (b.stock[0, m], b.regen_timer[0, m]) == (1, 3)
    tick()
    assert (b.stock[0, m], b.regen_timer[0, m]) == (2, 0)
    tick(4)
    assert (b.stock[0, m], b.regen_timer[0, m]) == (3, 0)
    tick(10)  # full: neither the stock nor the timer moves
    assert (b.stock[0, m], b.regen_timer[0, m]) == (3, 0)


def test_unlimited_and_non_regenerating_stock_never_changes():
    world, b, row_of, tick = state(buildings={"altar": {"max_stock": 5}})
    g, a = row_of("generator"), row_of("altar")
    b.stock[0, a], b.regen_timer[0, a] = 2, 0
    b.regen_timer[0, g] = 1
    tick(20)
    assert b.stock[0, g] == -1 and b.regen_timer[0, g] == 1
    assert b.stock[0, a] == 2 and b.regen_timer[0, a] == 0


def test_destroyed_buildings_are_left_alone():
    world, b, row_of, tick = state()
    m = row_of("mine")
    b.kind[0, m], b.cooldown[0, m], b.stock[0, m], b.regen_timer[0, m] = -1, 3, 0, 1
    tick(5)
    assert (b.cooldown[0, m], b.stock[0, m], b.regen_timer[0, m]) == (3, 0, 1)


def test_unused_rows_stay_all_zero():
    world, b, row_of, tick = state()
    m = row_of("mine")
    world.despawn(Entity(0, m, int(world.generation[0, m])))
    world.flush()
    world.resources.grid[0][world.resources.grid[0] == m] = -1
    assert not world["building"].has[0, m]
    tick(10)
    for field in ("kind", "cooldown", "stock", "regen_timer"):
        assert b[field][0, m] == 0, field


def test_unused_rows_stay_all_zero_even_when_walls_regenerate():
    # a freed row reads as kind 0 (the wall): a regenerating wall must not bring it to life
    world, b, row_of, tick = state(buildings={"wall": {"max_stock": 2, "regen": 1}})
    m = row_of("mine")
    world.despawn(Entity(0, m, int(world.generation[0, m])))
    world.flush()
    world.resources.grid[0][world.resources.grid[0] == m] = -1
    tick(5)
    for field in ("kind", "cooldown", "stock", "regen_timer"):
        assert b[field][0, m] == 0, field


def test_agent_rows_are_not_buildings_even_when_kind_0_regenerates():
    # Agents' building columns are zeros, i.e. a wall with stock 0; a wall that regenerates must
    # not make agents grow stock.
    world, b, row_of, tick = state(buildings={"wall": {"max_stock": 2, "regen": 1}})
    A = world.resources.num_agents
    wall = row_of("wall")
    b.stock[0, wall], b.regen_timer[0, wall] = 0, 0
    tick()
    assert b.stock[0, wall] == 1
    assert not b.stock[:, :A].any() and not b.regen_timer[:, :A].any()
