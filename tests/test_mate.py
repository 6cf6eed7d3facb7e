"""mate (game/mechanics/mate/mate.pyx): differential and scenario tests of proposals and bonds."""

import numpy as np
import pytest

from game.mechanics.mate.mate import KERNELS
from game.systems.binding import resolve, scalars
from game.rules.constants import DC, DR, Act, Misc
from tests.game_states import differential, random_state
from game.mechanics.mate.reference_mate import mate as reference

KERNEL = KERNELS["mate"]
TICK = 20
RIGHT, LEFT = 3, 2


@pytest.mark.parametrize("seed", range(30))
def test_kernel_matches_reference_on_random_states(seed):
    differential(KERNEL, reference, seed, steps=3)


def courting_state(seed):
    """A random state where most agents mate and many face and propose to a neighbour who faces them.

    Plain random states almost never hold two agents who face and propose to each other, so
    bonds would go untested by the differential test alone.
    """
    world, tab, level = random_state(seed)
    rng = np.random.default_rng(seed)
    res, ag, p = world.resources, world["agent"], world["position"]
    W, A = res.proposal.shape
    _, H, WD = res.grid.shape
    for w in range(W):
        for a in range(A):
            o = int(ag.orientation[w, a])
            r, c = int(p.r[w, a]) + DR[o], int(p.c[w, a]) + DC[o]
            front = int(res.grid[w, r, c]) if 0 <= r < H and 0 <= c < WD else -2
            if 0 <= front < A and rng.random() < 0.5:
                ag.orientation[w, front] = o ^ 1  # turn it to face a: up<->down, left<->right
                res.proposal[w, a] = front
                res.proposal_tick[w, a] = res.episode_tick[w] - rng.integers(0, 2 * level.mate.window)
            if rng.random() < 0.7:
                res.intent[w, a, 0] = Act.MATE
    return world, tab, level


@pytest.mark.parametrize("seed", range(30))
def test_kernel_matches_reference_on_courting_states(seed):
    wa, tab, level = courting_state(seed)
    wb, _, _ = courting_state(seed)
    extra = scalars(level, tab)
    for step in range(3):
        KERNEL(**resolve(KERNEL, wa, tab, extra))
        reference(**resolve(KERNEL, wb, tab, extra))
        a, b = wa.state_arrays(), wb.state_arrays()
        for name in a:
            msg = f"'{name}' differs (seed {seed}, step {step})"
            np.testing.assert_array_equal(a[name], b[name], err_msg=msg)


def test_courting_states_form_bonds():
    """Guards the test above: its states must reach bonds, not only proposals."""
    formed = 0
    for seed in range(30):
        world, tab, level = courting_state(seed)
        before = world.resources.bond_partner.copy()
        run(world, tab, level)
        formed += int((world.resources.bond_partner != before).sum())
    assert formed >= 20  # about 16 bonds, two slots each


# ---- scenarios: agents 0 and 1 face each other at (4, 3) and (4, 4) ---------------------------


def run(world, tab, level):
    KERNEL(**resolve(KERNEL, world, tab, scalars(level, tab)))


def place(world, row, r, c, orientation=None):
    """Move `row` to (r, c); whoever was there takes row's old cell, so the grid stays consistent."""
    grid, p = world.resources.grid[0], world["position"]
    old = int(p.r[0, row]), int(p.c[0, row])
    occupant = int(grid[r, c])
    assert occupant != -2
    grid[old] = occupant
    if occupant >= 0:
        p.r[0, occupant], p.c[0, occupant] = old
    grid[r, c] = row
    p.r[0, row], p.c[0, row] = r, c
    if orientation is not None:
        world["agent"].orientation[0, row] = orientation


def couple(both_act=True, energy=(50, 50)):
    """Agents 0 and 1 face each other, hold no bonds and no proposals; 0 (and 1) mate, 0 first."""
    world, tab, level = random_state(0, num_worlds=1)
    res = world.resources
    res.intent[..., 0] = -1
    res.success[...] = 0
    res.order[0] = np.arange(res.num_agents)
    res.episode_tick[0] = TICK
    place(world, 0, 4, 3, RIGHT)
    place(world, 1, 4, 4, LEFT)
    res.bond_partner[0, :2] = -1
    res.bond_until[0, :2] = 0
    res.proposal[0, :2] = -1
    world["agent"].energy[0, :2] = energy
    res.intent[0, 0] = (Act.MATE, 0)
    if both_act:
        res.intent[0, 1] = (Act.MATE, 0)
    return world, tab, level


def bonds_formed(world, level, tab):
    return world.resources.stats[0, :2, scalars(level, tab)["stat_misc"] + Misc.BONDS_FORMED]


def assert_no_bond(world, energy=(50, 50)):
    res = world.resources
    assert world["agent"].energy[0, :2].tolist() == list(energy)
    assert not ((res.bond_partner[0, 0] == 1) & (res.bond_until[0, 0] > TICK)).any()
    assert not ((res.bond_partner[0, 1] == 0) & (res.bond_until[0, 1] > TICK)).any()


def test_mutual_mating_the_same_tick_forms_a_bond():
    world, tab, level = couple()
    cost, duration = level.mate.cost, level.mate.duration
    stats_before = bonds_formed(world, level, tab).copy()
    run(world, tab, level)
    res = world.resources
    assert res.success[0, :2].tolist() == [1, 1]
    assert world["agent"].energy[0, :2].tolist() == [50 - cost, 50 - cost]
    assert res.bond_partner[0, 0, 0] == 1 and res.bond_partner[0, 1, 0] == 0
    assert res.bond_until[0, 0, 0] == res.bond_until[0, 1, 0] == TICK + duration
    assert (res.bond_partner[0, :2, 1:] == -1).all()  # one slot each, not more
    assert res.proposal[0, :2].tolist() == [-1, -1]
    assert (bonds_formed(world, level, tab) - stats_before).tolist() == [1, 1]


@pytest.mark.parametrize("age_past_window, forms", [(-1, True), (0, False)])
def test_an_earlier_proposal_counts_only_within_the_window(age_past_window, forms):
    world, tab, level = couple(both_act=False)
    res = world.resources
    made = TICK - level.mate.window - age_past_window  # age window - 1 forms, age window does not
    res.proposal[0, 1], res.proposal_tick[0, 1] = 0, made
    run(world, tab, level)
    assert res.success[0, 0] == 1
    assert (res.bond_partner[0, 0, 0] == 1) == forms
    if forms:
        assert world["agent"].energy[0, :2].tolist() == [50 - level.mate.cost] * 2
    else:
        assert_no_bond(world)
        assert (res.proposal[0, 0], res.proposal_tick[0, 0]) == (1, TICK)  # 0's proposal stands
        assert (res.proposal[0, 1], res.proposal_tick[0, 1]) == (0, made)


def test_a_proposal_to_someone_else_does_not_form_a_bond():
    world, tab, level = couple(both_act=False)
    world.resources.proposal[0, 1], world.resources.proposal_tick[0, 1] = 2, TICK
    run(world, tab, level)
    assert_no_bond(world)
    assert world.resources.proposal[0, 0] == 1


def test_full_bond_slots_prevent_a_bond():
    world, tab, level = couple()
    res = world.resources
    res.bond_partner[0, 1] = np.arange(2, 2 + res.bond_partner.shape[2])
    res.bond_until[0, 1] = TICK + 1
    partners, until = res.bond_partner[0].copy(), res.bond_until[0].copy()
    run(world, tab, level)
    assert res.success[0, :2].tolist() == [1, 1]
    assert_no_bond(world)
    assert (res.bond_partner[0] == partners).all() and (res.bond_until[0] == until).all()
    assert res.proposal[0, :2].tolist() == [1, 0]


def test_a_slot_whose_bond_ends_now_is_free():
    world, tab, level = couple()
    res = world.resources
    res.bond_partner[0, 1] = np.arange(2, 2 + res.bond_partner.shape[2])
    res.bond_until[0, 1] = TICK + 1
    res.bond_until[0, 1, 2] = TICK  # expires this tick
    run(world, tab, level)
    assert res.bond_partner[0, 1, 2] == 0 and res.bond_until[0, 1, 2] == TICK + level.mate.duration
    assert res.bond_partner[0, 0, 0] == 1


@pytest.mark.parametrize("holders", [(0,), (1,), (0, 1)])
def test_a_bond_already_held_is_not_formed_twice(holders):
    """Either side holding a live bond with the other blocks a new one (states may be one-sided)."""
    world, tab, level = couple()
    res = world.resources
    for x in holders:
        res.bond_partner[0, x, 2], res.bond_until[0, x, 2] = 1 - x, TICK + 5
    partners, until = res.bond_partner[0].copy(), res.bond_until[0].copy()
    stats_before = bonds_formed(world, level, tab).copy()
    run(world, tab, level)
    assert world["agent"].energy[0, :2].tolist() == [50, 50]
    assert (res.bond_partner[0] == partners).all() and (res.bond_until[0] == until).all()
    assert (bonds_formed(world, level, tab) == stats_before).all()


@pytest.mark.parametrize("energy, forms", [((10, 10), True), ((10, 9), False), ((9, 50), False)])
def test_both_partners_must_afford_the_cost(energy, forms):
    world, tab, level = couple(energy=energy)
    assert level.mate.cost == 10  # the cases above are built on it
    run(world, tab, level)
    assert (world.resources.bond_partner[0, 1, 0] == 0) == forms
    paid = level.mate.cost * forms
    assert world["agent"].energy[0, :2].tolist() == [energy[0] - paid, energy[1] - paid]


def test_mating_with_no_agent_in_front_fails_and_keeps_the_old_proposal():
    world, tab, level = couple(both_act=False)
    res = world.resources
    world["agent"].orientation[0, 0] = LEFT  # faces (4, 2): make sure it is not an agent
    place(world, res.num_agents + 5, 4, 2)  # an object row
    res.proposal[0, 0], res.proposal_tick[0, 0] = 3, TICK - 1
    res.success[0, 0] = 1
    run(world, tab, level)
    assert res.success[0, 0] == 0
    assert (res.proposal[0, 0], res.proposal_tick[0, 0]) == (3, TICK - 1)
