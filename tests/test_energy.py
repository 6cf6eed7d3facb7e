"""The energy kernel (energy.pyx): differential test against the reference, then scenarios."""

import pytest

from game.mechanics.energy.energy import KERNELS
from game.systems.binding import resolve, scalars
from tests.game_states import differential, random_state
from game.mechanics.energy import reference_energy as ref

ENERGY = KERNELS["energy"]


@pytest.mark.parametrize("seed", range(30))
def test_kernel_matches_reference_on_random_states(seed):
    differential(ENERGY, ref.energy, seed, steps=3)


@pytest.mark.parametrize("seed", range(10))
def test_kernel_matches_reference_with_heavy_upkeep(seed):
    over = {"groups": {"red": {"upkeep": 7}}, "combat": {"shield_upkeep": 9}}
    differential(ENERGY, ref.energy, seed, steps=3, **over)


def scene(**over):
    """World 0 with agent 0 red (upkeep 0) and agent A-1 blue (upkeep 2), shield upkeep 3."""
    over = {"groups": {"blue": {"upkeep": 2}}, "combat": {"shield_upkeep": 3}, **over}
    world, tab, level = random_state(0, **over)
    ag = world["agent"]
    A = world.resources.num_agents
    assert ag.group[0, 0] == 0 and ag.group[0, A - 1] == 1  # rows are sorted by group
    ag.shield[...] = 0

    def tick():
        ENERGY(**resolve(ENERGY, world, tab, scalars(level, tab)))

    return ag, 0, A - 1, tick


def test_each_group_pays_its_own_upkeep():
    ag, red, blue, tick = scene()
    ag.energy[0, red], ag.energy[0, blue] = 50, 50
    tick()
    assert (ag.energy[0, red], ag.energy[0, blue]) == (50, 48)


def test_shield_costs_its_upkeep_on_top():
    ag, red, blue, tick = scene()
    ag.energy[0, red], ag.energy[0, blue] = 50, 50
    ag.shield[0, red] = ag.shield[0, blue] = 1
    tick()
    assert (ag.energy[0, red], ag.energy[0, blue]) == (47, 45)
    assert ag.shield[0, red] == 1 and ag.shield[0, blue] == 1


@pytest.mark.parametrize("start", [0, 1, 5])
def test_energy_stops_at_zero_and_the_shield_drops(start):
    ag, red, blue, tick = scene()
    ag.energy[0, blue] = start  # blue pays 2 + 3
    ag.shield[0, blue] = 1
    tick()
    assert ag.energy[0, blue] == 0 and ag.shield[0, blue] == 0


def test_shield_stays_while_energy_remains():
    ag, red, blue, tick = scene()
    ag.energy[0, blue] = 6
    ag.shield[0, blue] = 1
    tick()
    assert ag.energy[0, blue] == 1 and ag.shield[0, blue] == 1
    tick()
    assert ag.energy[0, blue] == 0 and ag.shield[0, blue] == 0


def test_frozen_agents_pay_upkeep_too():
    ag, red, blue, tick = scene()
    ag.energy[0, blue], ag.frozen[0, blue] = 10, 3
    tick()
    assert ag.energy[0, blue] == 8 and ag.frozen[0, blue] == 3
