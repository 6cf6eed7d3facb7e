"""The combat kernels (shield, attack): differential tests and focused scenarios."""

import numpy as np
import pytest

from game.mechanics.combat.combat import KERNELS
from game.systems.binding import resolve, scalars
from game.rules.constants import RES_STATS, STAT_RES, Act, Misc, ResStat, stat_misc_base
from tests.game_states import differential, random_state
from game.mechanics.combat import reference_combat as ref

A = 10  # agents per world in tests.game_states' level; 0..4 one team, 5..9 the other
ME, MATE, FOE, FOE2 = 0, 1, 5, 6


# -- differential ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_shield_matches_reference(seed):
    differential(KERNELS["shield"], ref.shield, seed, steps=3)


@pytest.mark.parametrize("seed", range(40))
def test_attack_matches_reference(seed):
    differential(KERNELS["attack"], ref.attack, seed, steps=3)


VARIANTS = {
    "no_steal_lasers": {"combat": {"steal": False, "consume_laser": True}},
    "free_attacks_tight_caps": {
        "combat": {"consume_laser": False, "damage": 25},
        "agent": {"inventory_max": 9},
        "resources": {"ore": {"max": 3}, "battery": {"max": 4}},
    },
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(100, 115))
def test_attack_matches_reference_in_level_variants(seed, variant):
    differential(KERNELS["attack"], ref.attack, seed, steps=3, **VARIANTS[variant])


def brawl(world, tab, rng):
    """Most agents attack with a valid argument, few are protected: freezes and thefts happen."""
    A_, ag, r = world.resources.num_agents, world["agent"], world.resources
    W = world.num_worlds
    r.intent[..., 0] = np.where(rng.random((W, A_)) < 0.8, Act.ATTACK, r.intent[..., 0])
    r.intent[..., 1] = np.where(r.intent[..., 0] == Act.ATTACK, rng.integers(0, 9, (W, A_)), r.intent[..., 1])
    ag.shield[:, :A_] &= rng.random((W, A_)) < 0.3
    ag.frozen[:, :A_] *= rng.random((W, A_)) < 0.3
    world["inventory"].items[:, :A_, rid(tab, "armor")] *= rng.random((W, A_)) < 0.3
    world["inventory"].items[:, :A_, rid(tab, "laser")] += rng.integers(0, 2, (W, A_))


@pytest.mark.parametrize("variant", [None, *sorted(VARIANTS)])
@pytest.mark.parametrize("seed", range(200, 220))
def test_attack_matches_reference_in_brawls(seed, variant):
    """Like `differential`, on states where attacks mostly land on agents."""
    over = VARIANTS.get(variant, {})
    worlds = []
    for _ in range(2):
        world, tab, level = random_state(seed, **over)
        brawl(world, tab, np.random.default_rng(seed))
        worlds.append(world)
    (wa, wb), extra = worlds, scalars(level, tab)
    kernel = KERNELS["attack"]
    for step in range(3):
        kernel(**resolve(kernel, wa, tab, extra))
        ref.attack(**resolve(kernel, wb, tab, extra))
        a, b = wa.state_arrays(), wb.state_arrays()
        for name in a:
            msg = f"'{name}' differs (seed {seed}, step {step})"
            np.testing.assert_array_equal(a[name], b[name], err_msg=msg)


# -- scenarios ---------------------------------------------------------------------------------


def scene():
    """World 0 of a random state, emptied: no one acts, is frozen or shielded, or holds anything."""
    world, tab, level = random_state(3)
    r, ag = world.resources, world["agent"]
    assert r.num_agents == A
    r.grid[0] = -1
    r.intent[0] = (-1, 0)
    r.success[0] = 0
    r.stats[0] = 0
    r.order[0] = np.arange(A)
    # kin: agents 0-4 to each other, and 5-9 (two classes, K 0.25 within, 0 across)
    r.kin_class[0] = np.arange(A) >= 5
    r.kin_weight[0] = [[0.25, 0], [0, 0.25]]
    ag.frozen[0], ag.shield[0], ag.energy[0], ag.orientation[0] = 0, 0, 100, 0
    world["inventory"].items[0] = 0
    return world, tab, level


def place(world, row, r, c):
    world.resources.grid[0, r, c] = row
    world["position"].r[0, row], world["position"].c[0, row] = r, c


def building(world, r, c, hp):
    """An object row (after the agents) at (r, c) with `hp`; returns the row."""
    row = int(np.flatnonzero(world["building"].has[0])[0])
    assert row >= A
    place(world, row, r, c)
    world["building"].hp[0, row] = hp
    world["building"].kind[0, row] = 2
    return row


def run(name, world, tab, level, **over):
    kernel = KERNELS[name]
    kernel(**resolve(kernel, world, tab, {**scalars(level, tab), **over}))


def attack(world, who, arg=1, orientation=0):
    world.resources.intent[0, who] = (Act.ATTACK, arg)
    world["agent"].orientation[0, who] = orientation


def res_stat(res, k):
    return STAT_RES + RES_STATS * res + k


def misc(tab, k):
    return stat_misc_base(len(tab.resource_names)) + k


def rid(tab, name):
    """The id of resource `name` (what combat's `laser` and `armor` scalars hold)."""
    return tab.resource_names.index(name)


def test_shield_toggles_on_only_with_energy_for_upkeep_and_off_always():
    world, tab, level = scene()
    ag, r = world["agent"], world.resources
    ag.energy[0, :4] = (5, 4, 0, 0)
    ag.shield[0, :4] = (0, 0, 1, 1)
    r.intent[0, :3] = (Act.SHIELD, 0)
    r.success[0, 3] = 1  # agent 3 does not shield: left alone
    run("shield", world, tab, level, shield_upkeep=5)
    assert ag.shield[0, :4].tolist() == [1, 0, 0, 1]
    assert r.success[0, :4].tolist() == [1, 0, 1, 1]
    assert ag.energy[0, :4].tolist() == [5, 4, 0, 0]  # toggling is paid by decode, not here


# Where argument 0..8 strikes, per orientation, as (dr, dc) from the attacker: rows of three are
# left, ahead, right at distance 1, 2, 3. Written out by hand, not with the kernel's formula.
STRIKES = {
    0: [(-1, -1), (-1, 0), (-1, 1), (-2, -1), (-2, 0), (-2, 1), (-3, -1), (-3, 0), (-3, 1)],  # up
    1: [(1, 1), (1, 0), (1, -1), (2, 1), (2, 0), (2, -1), (3, 1), (3, 0), (3, -1)],  # down
    2: [(1, -1), (0, -1), (-1, -1), (1, -2), (0, -2), (-1, -2), (1, -3), (0, -3), (-1, -3)],  # left
    3: [(-1, 1), (0, 1), (1, 1), (-1, 2), (0, 2), (1, 2), (-1, 3), (0, 3), (1, 3)],  # right
}


@pytest.mark.parametrize("arg", range(9))
@pytest.mark.parametrize("orientation", range(4))
def test_attack_strikes_the_cell_its_argument_names(orientation, arg):
    world, tab, level = scene()
    place(world, ME, 4, 9)
    dr, dc = STRIKES[orientation][arg]
    target = building(world, 4 + dr, 9 + dc, hp=30)
    attack(world, ME, arg, orientation)
    run("attack", world, tab, level, damage=7, consume_laser=0)
    assert world.resources.success[0, ME] == 1
    assert world["building"].hp[0, target] == 23


def test_shielded_target_loses_energy_but_never_below_zero():
    world, tab, level = scene()
    ag, st = world["agent"], world.resources.stats
    place(world, ME, 4, 4), place(world, FOE, 3, 4)  # FOE in front of ME (facing up)
    place(world, MATE, 4, 8), place(world, FOE2, 3, 8)
    ag.shield[0, [FOE, FOE2]] = 1
    ag.energy[0, [FOE, FOE2]] = (4, 20)
    attack(world, ME), attack(world, MATE)
    run("attack", world, tab, level, damage=7, consume_laser=0)
    assert ag.energy[0, [FOE, FOE2]].tolist() == [0, 13]
    assert ag.shield[0, [FOE, FOE2]].tolist() == [1, 1]  # the energy system drops it, not combat
    assert ag.frozen[0, [FOE, FOE2]].tolist() == [0, 0]
    assert world.resources.success[0, [ME, MATE]].tolist() == [1, 1]
    assert st[0, [FOE, FOE2], misc(tab, Misc.SHIELD_ABSORBED)].tolist() == [1, 1]
    assert st[0, [ME, MATE], misc(tab, Misc.ATTACK_NON_KIN)].tolist() == [1, 1]
    assert st[0, [FOE, FOE2], misc(tab, Misc.ATTACKED_BY_NON_KIN)].tolist() == [1, 1]
    assert st[0, :, misc(tab, Misc.ATTACK_KIN)].sum() == 0


def test_armor_absorbs_a_hit_and_kin_attacks_are_counted_as_kin():
    world, tab, level = scene()
    ag, st, inv = world["agent"], world.resources.stats, world["inventory"].items
    armor = rid(tab, "armor")
    place(world, ME, 4, 4), place(world, MATE, 3, 4)
    inv[0, MATE, armor] = 2
    inv[0, MATE, 0] = 5
    ag.energy[0, MATE] = 40
    attack(world, ME)
    run("attack", world, tab, level, consume_laser=0)
    assert inv[0, MATE, armor] == 1 and inv[0, MATE, 0] == 5 and inv[0, ME].sum() == 0
    assert ag.frozen[0, MATE] == 0 and ag.energy[0, MATE] == 40
    assert st[0, MATE, res_stat(armor, ResStat.DESTROYED)] == 1
    assert st[0, ME, misc(tab, Misc.ATTACK_KIN)] == 1 and st[0, MATE, misc(tab, Misc.ATTACKED_BY_KIN)] == 1
    assert st[0, ME, misc(tab, Misc.FREEZES_CAUSED)] == 0
    assert world.resources.success[0, ME] == 1


def test_unprotected_target_is_frozen_and_robbed_up_to_the_attackers_caps():
    world, tab, level = scene()
    ag, st, inv = world["agent"], world.resources.stats, world["inventory"].items
    place(world, ME, 4, 4), place(world, FOE, 4, 3)
    assert tab.resource_names[:3] == ["ore", "battery", "heart"]
    tab.res_max[:] = 50
    tab.res_max[0] = 3  # ore
    inv[0, ME, :2] = (2, 4)  # 6 items of a total cap of 10
    victim = np.zeros(len(tab.resource_names), np.int32)
    victim[[0, 1, 2, 5]] = (5, 3, 2, 1)
    inv[0, FOE] = victim
    ag.energy[0, FOE] = 60
    attack(world, ME, arg=1, orientation=2)  # facing left
    run("attack", world, tab, level, consume_laser=0, steal=1, inventory_max=10, freeze_duration=6)
    # ore: room min(3 - 2, 10 - 6) = 1; battery: all 3 fit (total 10); nothing else fits.
    assert inv[0, ME, :3].tolist() == [3, 7, 0] and inv[0, ME].sum() == 10
    assert inv[0, FOE, [0, 1, 2, 5]].tolist() == [4, 0, 2, 1]
    assert ag.frozen[0, FOE] == 6 and ag.energy[0, FOE] == 0
    assert [st[0, ME, res_stat(k, ResStat.STOLEN)] for k in range(3)] == [1, 3, 0]
    assert [st[0, FOE, res_stat(k, ResStat.LOST)] for k in range(3)] == [1, 3, 0]
    assert st[0, ME, misc(tab, Misc.FREEZES_CAUSED)] == 1
    assert world.resources.success[0, ME] == 1


def test_without_steal_a_freeze_takes_nothing():
    world, tab, level = scene()
    ag, inv = world["agent"], world["inventory"].items
    place(world, ME, 4, 4), place(world, FOE, 3, 4)
    inv[0, FOE, 0] = 5
    run_args = dict(consume_laser=0, steal=0, freeze_duration=4)
    attack(world, ME)
    run("attack", world, tab, level, **run_args)
    assert ag.frozen[0, FOE] == 4 and inv[0, FOE, 0] == 5 and inv[0, ME].sum() == 0
    assert world.resources.stats[0, ME, res_stat(0, ResStat.STOLEN)] == 0


def test_first_attacker_in_order_freezes_and_the_next_attack_on_the_frozen_agent_fails():
    for order, winner, loser in (([ME, MATE], ME, MATE), ([MATE, ME], MATE, ME)):
        world, tab, level = scene()
        inv, st = world["inventory"].items, world.resources.stats
        place(world, FOE, 3, 4), place(world, ME, 4, 4), place(world, MATE, 2, 4)
        attack(world, ME, orientation=0), attack(world, MATE, orientation=1)  # both face FOE
        inv[0, FOE, 0] = 5
        world.resources.order[0] = order + [a for a in range(A) if a not in order]
        run("attack", world, tab, level, consume_laser=0, steal=1)
        assert world.resources.success[0, [winner, loser]].tolist() == [1, 0]
        assert inv[0, winner, 0] == 5 and inv[0, loser, 0] == 0
        assert st[0, loser, misc(tab, Misc.ATTACK_KIN)] == st[0, loser, misc(tab, Misc.ATTACK_NON_KIN)] == 0
        assert st[0, FOE, misc(tab, Misc.ATTACKED_BY_NON_KIN)] == 1


def test_attack_on_a_frozen_agent_fails_but_still_burns_the_laser():
    world, tab, level = scene()
    ag, st, inv = world["agent"], world.resources.stats, world["inventory"].items
    place(world, ME, 4, 4), place(world, FOE, 3, 4)
    ag.frozen[0, FOE], ag.energy[0, FOE] = 2, 30
    inv[0, ME, rid(tab, "laser")] = 2
    inv[0, FOE, 0] = 3
    attack(world, ME)
    run("attack", world, tab, level, consume_laser=1)
    assert world.resources.success[0, ME] == 0
    assert inv[0, ME, rid(tab, "laser")] == 1 and st[0, ME, res_stat(rid(tab, "laser"), ResStat.USED)] == 1
    assert ag.frozen[0, FOE] == 2 and ag.energy[0, FOE] == 30 and inv[0, FOE, 0] == 3
    assert st[0, FOE].sum() == 0 and st[0, ME, misc(tab, Misc.ATTACK_NON_KIN)] == 0


def test_without_a_laser_the_attack_does_nothing():
    world, tab, level = scene()
    ag, st = world["agent"], world.resources.stats
    place(world, ME, 4, 4), place(world, FOE, 3, 4)
    ag.energy[0, FOE] = 30
    attack(world, ME)
    run("attack", world, tab, level, consume_laser=1)
    assert world.resources.success[0, ME] == 0
    assert ag.frozen[0, FOE] == 0 and ag.energy[0, FOE] == 30 and st[0].sum() == 0


def test_buildings_lose_hp_and_are_removed_at_zero():
    world, tab, level = scene()
    b, st, grid = world["building"], world.resources.stats, world.resources.grid
    place(world, ME, 4, 4)
    target = building(world, 3, 4, hp=14)
    attack(world, ME)
    hits = []
    for _ in range(3):
        world.resources.success[0] = 0
        run("attack", world, tab, level, damage=7, consume_laser=0)
        hits.append(
            (
                int(world.resources.success[0, ME]),
                int(b.hp[0, target]),
                int(b.kind[0, target]),
                int(grid[0, 3, 4]),
            )
        )
    assert hits == [(1, 7, 2, target), (1, 0, -1, -1), (0, 0, -1, -1)]  # removed at exactly 0
    assert st[0, ME, misc(tab, Misc.ATTACK_BUILDING)] == 2
    assert st[0, ME, misc(tab, Misc.BUILDINGS_DESTROYED)] == 1


@pytest.mark.parametrize("what", ["empty", "terrain", "hp0_object", "off_map"])
def test_attack_on_nothing_destructible_fails_and_still_uses_a_laser(what):
    world, tab, level = scene()
    st, inv, grid = world.resources.stats, world["inventory"].items, world.resources.grid
    place(world, ME, 0 if what == "off_map" else 4, 4)
    if what == "terrain":
        grid[0, 3, 4] = -2
    if what == "hp0_object":
        target = building(world, 3, 4, hp=0)
    inv[0, ME, rid(tab, "laser")] = 1
    attack(world, ME)
    run("attack", world, tab, level, consume_laser=1)
    assert world.resources.success[0, ME] == 0
    assert inv[0, ME, rid(tab, "laser")] == 0 and st[0, ME, res_stat(rid(tab, "laser"), ResStat.USED)] == 1
    assert st[0, ME, misc(tab, Misc.ATTACK_BUILDING)] == 0
    if what == "hp0_object":
        assert grid[0, 3, 4] == target and world["building"].kind[0, target] == 2
