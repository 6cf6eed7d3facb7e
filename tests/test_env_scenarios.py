"""Scenario tests: one tiny ASCII level per mechanic, scripted actions, checked through the env API.

Every expectation comes from GAME_RULES.md / docs/game_systems.md; see tests/scenario_util.py.
Maps: '#' wall, '.' empty, 'A' agent of the first group, m mine, g generator, c charger, a altar,
r armory, l lasery, s block. Agents start facing up.
"""

from __future__ import annotations

import numpy as np
import pytest

from game.rules.constants import Misc, ResStat, stat_misc_base
from game.env.gridenv import make_env
from tests.scenario_util import DOWN, LEFT, RIGHT, UP, Scenario, level

# A building override making a recipe free and instant. Inputs are zeroed by name: a level's tables
# deep-merge onto the defaults, so `inputs = {}` would keep the default inputs.
FREE = {"inputs": {"ore": 0, "battery": 0}, "input_energy": 0, "cooldown": 0}


# ---- movement ----------------------------------------------------------------------------------
def test_move_forward_backward_and_blocked_by_wall_and_agent():
    s = Scenario(
        """
#####
#A.A#
#####
"""
    )
    assert s.pos(0) == (1, 1) and s.pos(1) == (1, 3)
    s.step({0: ("move", 0)})  # facing up into the wall
    assert s.pos(0) == (1, 1)
    assert s.stat(0, "action.move.failed") == 1
    assert s.energy(0) == 99, "an attempted move pays its cost even when it fails"
    s.step({0: ("rotate", RIGHT)})
    s.step({0: ("move", 0)})
    assert s.pos(0) == (1, 2)
    assert s.grid()[1, 2] == 0 and s.grid()[1, 1] == -1
    s.step({0: ("move", 0)})  # agent 1 stands at (1, 3)
    assert s.pos(0) == (1, 2) and s.pos(1) == (1, 3)
    s.step({0: ("move", 1)})  # backward = left while facing right
    assert s.pos(0) == (1, 1)
    assert s.agent(0)["orientation"] == "right", "moving backward keeps the facing"
    assert s.stat(0, "action.move.success") == 2
    assert s.stat(0, "action.move.failed") == 2
    assert s.energy(0) == 100 - 4
    # the observation follows: agent 1 is seen two cells to the right
    assert s.see(0, 0, 2, "agent") == 1
    assert s.see(0, 0, 1, "agent") == 0
    assert s.see(0, -1, 0, "wall") == 1


def test_two_agents_moving_into_one_cell_only_one_gets_it():
    s = Scenario("#A.A#")
    s.step({0: ("rotate", RIGHT), 1: ("rotate", LEFT)})
    s.step({0: ("move", 0), 1: ("move", 0)})
    moved = [s.pos(0) == (0, 2), s.pos(1) == (0, 2)]
    assert sum(moved) == 1
    assert s.grid()[0, 2] in (0, 1)
    assert (s.grid() >= 0).sum() == 2


def test_rotate_sets_orientation_free_and_observed():
    s = Scenario("#A#")
    for arg, name in [(DOWN, "down"), (LEFT, "left"), (RIGHT, "right"), (UP, "up"), (RIGHT, "right")]:
        s.step({0: ("rotate", arg)})
        assert s.agent(0)["orientation"] == name
        assert s.see(0, 0, 0, "agent.orientation") == arg
    assert s.energy(0) == 100
    assert s.stat(0, "action.rotate.success") == 5
    assert s.see(0, 0, 0, "self.last_action") == s.ids["rotate"] + 1
    assert s.see(0, 0, 0, "self.last_success") == 1


# ---- buildings ---------------------------------------------------------------------------------
CROSS = """
#####
##m##
#gAa#
##c##
#####
"""


def test_mine_generator_altar_chain_inventory_and_reward():
    # mine up, generator left, altar right, charger down; mine and generator free of cooldown
    s = Scenario(CROSS, buildings={"mine": {"cooldown": 0}, "generator": {"cooldown": 0}})
    rewards = []
    for _ in range(3):
        rewards.append(s.step({0: ("use", 0)})[0])  # facing up: the mine
    assert s.inv(0, "ore") == 3
    assert rewards == pytest.approx([0.005] * 3)
    s.step({0: ("rotate", LEFT)})
    for _ in range(3):
        rewards.append(s.step({0: ("use", 0)})[0])  # generator: ore -> battery
    assert s.inv(0, "ore") == 0 and s.inv(0, "battery") == 3
    assert rewards[3:] == pytest.approx([0.01 - 0.005] * 3)
    s.step({0: ("rotate", RIGHT)})
    r = s.step({0: ("use", 0)})[0]  # altar: 3 battery + 10 energy -> heart
    assert s.agent(0)["last_success"]
    assert s.inv(0, "battery") == 0 and s.inv(0, "heart") == 1
    assert s.energy(0) == 90
    assert r == pytest.approx(1.0 - 0.03), "the heart pays +1 the tick it appears, the batteries are lost"
    # holding the heart pays nothing more
    assert s.step()[0] == pytest.approx(0.0)
    assert s.stat(0, "heart.gained") == 1
    assert s.stat(0, "battery.used") == 3 and s.stat(0, "battery.gained") == 3
    assert s.stat(0, "ore.used") == 3 and s.stat(0, "ore.gained") == 3
    assert s.agent(0)["episode_return"] == pytest.approx(1.0)
    # the observation shows the inventory at the centre cell
    assert s.see(0, 0, 0, "inv.heart") == 1


def test_altar_without_enough_batteries_fails_and_takes_nothing():
    s = Scenario(CROSS, buildings={"mine": {"cooldown": 0}, "generator": {"cooldown": 0}})
    s.step({0: ("use", 0)})
    s.step({0: ("rotate", LEFT)})
    s.step({0: ("use", 0)})
    s.step({0: ("rotate", RIGHT)})
    s.step({0: ("use", 0)})
    assert not s.agent(0)["last_success"]
    assert s.inv(0, "battery") == 1 and s.inv(0, "heart") == 0
    assert s.energy(0) == 100


def test_charger_gives_energy_clamped_to_max():
    s = Scenario(
        CROSS,
        buildings={"mine": {"cooldown": 0}, "generator": {"cooldown": 0}, "charger": {"cooldown": 0}},
        groups={"agent": {"start_energy": 20, "max_energy": 150}},
    )
    for _ in range(2):
        s.step({0: ("rotate", UP)})
        s.step({0: ("use", 0)})
        s.step({0: ("rotate", LEFT)})
        s.step({0: ("use", 0)})
    assert s.inv(0, "battery") == 2
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("use", 0)})
    assert s.energy(0) == 120
    assert s.inv(0, "battery") == 1
    s.step({0: ("use", 0)})
    assert s.energy(0) == 150, "clamped to max_energy"
    assert s.inv(0, "battery") == 0


@pytest.mark.parametrize("cooldown", [1, 5])
def test_cooldown_blocks_reuse_until_it_runs_out(cooldown):
    s = Scenario("m\nA", buildings={"mine": {"cooldown": cooldown}})
    s.step({0: ("use", 0)})
    assert s.inv(0, "ore") == 1
    # the cooldown counts down in the same tick as the use: a cooldown of 1 is ready again at once
    assert s.see(0, -1, 0, "building.ready") == (cooldown == 1)
    successes = []
    for t in range(1, cooldown + 2):
        s.step({0: ("use", 0)})
        successes.append((t, s.agent(0)["last_success"]))
    # uses succeed exactly `cooldown` ticks apart
    assert [t for t, ok in successes if ok] == [cooldown] + ([cooldown + 1] if cooldown == 1 else [])
    assert s.stat(0, "action.use.failed") == (cooldown if cooldown > 1 else 0)


def test_building_ready_channel_and_default_mine_cooldown():
    s = Scenario("m\nA")
    assert s.see(0, -1, 0, "building.type") == s.env.tables.building_names.index("mine") + 1
    assert s.see(0, -1, 0, "building.ready") == 1
    s.step({0: ("use", 0)})
    for _ in range(48):
        s.step({0: ("use", 0)})
        assert not s.agent(0)["last_success"]
    s.step()
    assert s.see(0, -1, 0, "building.ready") == 1
    s.step({0: ("use", 0)})
    assert s.inv(0, "ore") == 2


# ---- shield and energy -------------------------------------------------------------------------
def test_shield_toggle_and_upkeep_drain_drops_it_at_zero():
    s = Scenario("A", groups={"agent": {"start_energy": 3}})
    s.step({0: ("shield", 0)})
    a = s.agent(0)
    assert a["shield"] and a["energy"] == 2
    assert s.see(0, 0, 0, "agent.shield") == 1
    s.step()
    assert s.agent(0)["shield"] and s.energy(0) == 1
    s.step()
    assert s.energy(0) == 0
    assert not s.agent(0)["shield"], "the shield drops when energy reaches 0"
    s.step({0: ("shield", 0)})
    assert not s.agent(0)["shield"], "turning it on needs energy >= upkeep"
    assert s.stat(0, "action.shield.failed") == 1


def test_shield_toggle_off_stops_drain():
    s = Scenario("A", combat={"shield_upkeep": 5})
    s.step({0: ("shield", 0)})
    assert s.energy(0) == 95
    s.step({0: ("shield", 0)})
    assert not s.agent(0)["shield"] and s.energy(0) == 95
    s.idle(3)
    assert s.energy(0) == 95


# ---- combat ------------------------------------------------------------------------------------
DUEL = """
#####
#.A.#
#.A.#
#.m.#
#####
"""


def _arm_victim(s, res="ore"):
    """Agent 1 (facing the mine below it) mines one ore, then faces up again."""
    s.step({1: ("rotate", DOWN)})
    s.step({1: ("use", 0)})
    s.step({1: ("rotate", UP), 0: ("rotate", DOWN)})


def test_attack_unshielded_freezes_zeroes_energy_and_steals():
    s = Scenario(DUEL, combat={"freeze_duration": 3})
    _arm_victim(s)
    assert s.inv(1, "ore") == 1
    r = s.step({0: ("attack", 1)})  # distance 1, ahead
    v, a = s.agent(1), s.agent(0)
    assert a["last_success"]
    assert v["frozen"] == 3 and v["energy"] == 0
    assert v["inventory"]["ore"] == 0 and a["inventory"]["ore"] == 1
    assert a["energy"] == 90
    assert r[0] == pytest.approx(0.005) and r[1] == pytest.approx(-0.005)
    assert s.stat(0, "ore.stolen") == 1 and s.stat(1, "ore.lost") == 1
    assert s.stat(0, "freeze.caused") == 1
    assert s.stat(0, "attack.non_kin") == 1 and s.stat(1, "attacked.by_non_kin") == 1
    assert s.see(0, 1, 0, "agent.frozen") == 3
    assert s.see(0, 1, 0, "agent.energy") == 0


def test_attack_on_frozen_agent_fails():
    s = Scenario(DUEL, combat={"freeze_duration": 5})
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("attack", 1)})
    assert s.agent(1)["frozen"] == 5
    s.step({0: ("attack", 1)})
    assert not s.agent(0)["last_success"]
    assert s.agent(1)["frozen"] == 4, "a second hit does not refresh the freeze"
    assert s.stat(0, "freeze.caused") == 1


def test_frozen_agent_actions_ignored_then_thaws():
    s = Scenario(DUEL, combat={"freeze_duration": 3})
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("attack", 1)})
    assert s.agent(1)["frozen"] == 3
    for left in (2, 1, 0):
        s.step({1: ("rotate", LEFT)})
        assert s.agent(1)["orientation"] == "up", "a frozen agent's action is ignored"
        assert s.agent(1)["frozen"] == left
    assert s.stat(1, "action.frozen") == 3
    assert s.stat(1, "status.frozen.ticks") == 3
    assert s.stat(1, "action.rotate.failed") == 0 and s.stat(1, "action.rotate.success") == 0
    s.step({1: ("rotate", LEFT)})
    assert s.agent(1)["orientation"] == "left", "thawed after freeze_duration ticks"
    assert s.stat(1, "action.frozen") == 3


def test_frozen_agent_pays_nothing():
    s = Scenario(DUEL, combat={"freeze_duration": 3})
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("attack", 1)})
    # give the victim energy back through the level? it has 0; check that a move (cost 1) is not
    # turned into a no-energy failure while frozen: it is counted as frozen only
    s.step({1: ("move", 0)})
    assert s.stat(1, "action.frozen") == 1
    assert s.stat(1, "action.no_energy") == 0


def test_attack_on_shielded_agent_drains_energy_instead():
    s = Scenario(DUEL, combat={"damage": 7})
    _arm_victim(s)
    s.step({1: ("shield", 0)})
    e0 = s.energy(1)
    assert e0 == 99
    s.step({0: ("attack", 1)})
    v = s.agent(1)
    assert v["frozen"] == 0 and v["shield"]
    assert v["energy"] == e0 - 7 - 1, "damage, then the shield's upkeep"
    assert v["inventory"]["ore"] == 1 and s.inv(0, "ore") == 0
    assert s.stat(1, "shield.absorbed") == 1
    assert s.agent(0)["last_success"]


def test_attack_on_shielded_agent_energy_floors_at_zero_and_shield_drops():
    s = Scenario(DUEL, groups={"agent": {"start_energy": 15}}, combat={"damage": 50})
    s.step({1: ("shield", 0), 0: ("rotate", DOWN)})
    s.step({0: ("attack", 1)})
    v = s.agent(1)
    assert v["energy"] == 0 and not v["shield"] and v["frozen"] == 0


def test_armor_absorbs_one_hit():
    s = Scenario(
        """
###
#A#
#A#
#r#
###
""",
        buildings={"armory": FREE},
    )
    s.step({1: ("rotate", DOWN), 0: ("rotate", DOWN)})
    s.step({1: ("use", 0)})
    s.step({1: ("use", 0)})
    assert s.inv(1, "armor") == 2
    s.step({0: ("attack", 1)})
    v = s.agent(1)
    assert v["inventory"]["armor"] == 1 and v["frozen"] == 0 and v["energy"] == 100
    assert s.inv(0, "armor") == 0
    assert s.stat(1, "armor.destroyed") == 1
    s.step({0: ("attack", 1)})
    assert s.inv(1, "armor") == 0 and s.agent(1)["frozen"] == 0
    s.step({0: ("attack", 1)})
    assert s.agent(1)["frozen"] == 10, "no armor left: the third hit freezes"
    assert s.stat(1, "armor.destroyed") == 2


def test_consume_laser_needs_and_uses_a_laser():
    s = Scenario(
        """
####
#A.#
#Al#
####
""",
        combat={"consume_laser": True},
        buildings={"lasery": FREE},
    )
    s.step({0: ("rotate", DOWN), 1: ("rotate", RIGHT)})
    s.step({0: ("attack", 1)})  # no laser
    assert not s.agent(0)["last_success"]
    assert s.agent(1)["frozen"] == 0
    assert s.energy(0) == 90, "the failed attack still pays its cost"
    s.step({1: ("use", 0)})
    s.step({1: ("use", 0)})
    assert s.inv(1, "laser") == 2
    s.step({1: ("rotate", LEFT)})
    s.step({1: ("attack", 1)})  # the terrain wall at (2, 0): a miss
    assert s.inv(1, "laser") == 1, "a laser is used whether the attack hits or not"
    s.step({1: ("rotate", UP)})
    s.step({1: ("attack", 2)})  # distance 1, right of up: (1, 2) empty -> miss
    assert s.inv(1, "laser") == 0
    s.step({1: ("attack", 1)})  # agent 0 straight ahead, but no laser left
    assert s.agent(0)["frozen"] == 0
    assert s.stat(1, "laser.used") == 2


def test_consume_laser_hit_uses_the_laser_and_freezes():
    s = Scenario(
        """
####
#A.#
#Al#
####
""",
        combat={"consume_laser": True},
        buildings={"lasery": FREE},
    )
    s.step({1: ("rotate", RIGHT)})
    s.step({1: ("use", 0)})
    s.step({1: ("rotate", UP)})
    s.step({1: ("attack", 1)})  # agent 0 above
    assert s.agent(0)["frozen"] == 10
    assert s.inv(1, "laser") == 0
    assert s.stat(1, "laser.used") == 1


@pytest.mark.parametrize(
    "facing,arg,target",
    [
        (RIGHT, 0, (1, 3)),  # d1 left of right = up
        (RIGHT, 1, (2, 3)),
        (RIGHT, 2, (3, 3)),
        (RIGHT, 4, (2, 4)),  # d2 ahead
        (RIGHT, 8, (3, 5)),  # d3 right of right = down
        (UP, 2, (1, 3)),  # right of up = +c
        (DOWN, 0, (3, 3)),  # left of down = +c
        (LEFT, 5, (1, 0)),  # d2 right of left = up
    ],
)
def test_attack_geometry(facing, arg, target):
    rows = ["......", "......", "..A...", "......", "......"]
    rows = [list(r) for r in rows]
    rows[target[0]][target[1]] = "m"
    s = Scenario("\n".join("".join(r) for r in rows))
    hp = s.env.world["building"].hp
    row = int(s.grid()[target])
    assert row >= s.env.agents_per_world
    s.step({0: ("rotate", facing)})
    s.step({0: ("attack", arg)})
    assert s.agent(0)["last_success"]
    assert hp[0, row] == 30 - 10


def test_building_damage_and_destruction():
    s = Scenario("m\nA\n.", combat={"damage": 12})
    s.step({0: ("attack", 1)})
    s.step({0: ("attack", 1)})
    assert s.see(0, -1, 0, "building.hp") == 30 - 24
    assert s.stat(0, "attack.building") == 2
    s.step({0: ("attack", 1)})
    assert s.stat(0, "building.destroyed") == 1
    assert s.grid()[0, 0] == -1
    assert s.see(0, -1, 0, "building.type") == 0
    assert s.see(0, -1, 0, "building.hp") == 0
    s.step({0: ("use", 0)})
    assert not s.agent(0)["last_success"]
    s.step({0: ("attack", 1)})
    assert not s.agent(0)["last_success"], "nothing left to hit"
    s.step({0: ("move", 0)})
    assert s.pos(0) == (0, 0), "the destroyed building's cell is free"
    assert s.energy(0) == 100 - 40 - 1


def test_indestructible_wall_and_block_ignore_attacks():
    s = Scenario("#\nA\ns", combat={"damage": 100})
    s.step({0: ("attack", 1)})
    assert not s.agent(0)["last_success"]
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("attack", 1)})
    assert not s.agent(0)["last_success"]
    assert s.grid()[2, 0] >= 0


def test_kin_attack_stats():
    s = Scenario("A\nA", kinship={"mode": "teams"})
    s.step({1: ("attack", 1)})
    assert s.stat(1, "attack.kin") == 1 and s.stat(0, "attacked.by_kin") == 1
    assert s.stat(1, "attack.non_kin") == 0


# ---- interactions ------------------------------------------------------------------------------
def test_transfer_gives_one_unit_to_the_agent_in_front():
    s = Scenario(DUEL)
    _arm_victim(s)  # agent 1 holds 1 ore and faces agent 0
    ore = s.env.resource_names.index("ore")
    battery = s.env.resource_names.index("battery")
    r = s.step({1: ("transfer", ore)})
    assert s.inv(1, "ore") == 0 and s.inv(0, "ore") == 1
    assert r[0] == pytest.approx(0.005) and r[1] == pytest.approx(-0.005)
    assert s.stat(1, "ore.given") == 1 and s.stat(0, "ore.received") == 1
    s.step({1: ("transfer", ore)})
    assert not s.agent(1)["last_success"], "nothing left to give"
    s.step({1: ("transfer", battery)})
    assert not s.agent(1)["last_success"]
    s.step({0: ("rotate", UP)})
    s.step({0: ("transfer", ore)})  # a wall in front
    assert not s.agent(0)["last_success"] and s.inv(0, "ore") == 1


def test_transfer_respects_receiver_cap():
    s = Scenario(DUEL, resources={"ore": {"max": 1}}, buildings={"mine": {"cooldown": 0}})
    _arm_victim(s)
    s.step({0: ("rotate", DOWN), 1: ("rotate", UP)})
    # agent 0 steals nothing; give agent 0 an ore via transfer, then a second one must fail
    s.step({1: ("transfer", 0)})
    assert s.inv(0, "ore") == 1
    s.step({1: ("rotate", DOWN)})
    s.step({1: ("use", 0)})
    s.step({1: ("rotate", UP)})
    s.step({1: ("transfer", 0)})
    assert not s.agent(1)["last_success"]
    assert s.inv(0, "ore") == 1 and s.inv(1, "ore") == 1


def test_swap_with_block():
    s = Scenario("As.", map={})
    s.step({0: ("rotate", RIGHT)})
    block = int(s.grid()[0, 1])
    s.step({0: ("swap", 0)})
    assert s.pos(0) == (0, 1)
    assert s.grid()[0, 0] == block and s.grid()[0, 1] == 0
    assert s.energy(0) == 99
    assert s.see(0, 0, -1, "wall") == 2, "a block shows as wall value 2"
    s.step({0: ("swap", 0)})  # empty cell in front
    assert not s.agent(0)["last_success"] and s.pos(0) == (0, 1)


def test_swap_with_wall_or_unfrozen_agent_fails_with_frozen_agent_succeeds():
    s = Scenario("#\nA\nA", combat={"freeze_duration": 5})
    s.step({0: ("swap", 0)})
    assert not s.agent(0)["last_success"]
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("swap", 0)})
    assert not s.agent(0)["last_success"] and s.pos(0) == (1, 0)
    s.step({0: ("attack", 1)})
    s.step({0: ("swap", 0)})
    assert s.agent(0)["last_success"]
    assert s.pos(0) == (2, 0) and s.pos(1) == (1, 0)
    assert s.grid()[2, 0] == 0 and s.grid()[1, 0] == 1


def test_color_ops_and_clamp():
    s = Scenario("A")
    seq = [(1, 0), (0, 1), (2, 2), (2, 4), (3, 2), (0, 3)]
    for arg, want in seq:
        s.step({0: ("color", arg)})
        assert s.agent(0)["color"] == want
        assert s.see(0, 0, 0, "agent.color") == want
    for _ in range(10):
        s.step({0: ("color", 2)})
    assert s.agent(0)["color"] == 255
    s.step({0: ("color", 0)})
    assert s.agent(0)["color"] == 255


# ---- mate and kinship --------------------------------------------------------------------------
MATE = """
#A#
#A#
#m#
"""


def test_mate_forms_a_bond_visible_in_inspect_and_obs():
    s = Scenario(MATE, mate={"cost": 7, "duration": 20})
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("mate", 0), 1: ("mate", 0)})
    assert s.agent(0)["bonds"] == [1] and s.agent(1)["bonds"] == [0]
    assert s.energy(0) == 100 - 10 - 7 and s.energy(1) == 100 - 10 - 7
    assert s.stat(0, "bonds.formed") == 1 and s.stat(1, "bonds.formed") == 1
    assert s.see(0, 1, 0, "bond") == 1
    assert s.see(1, -1, 0, "bond") == 1
    assert s.see(0, 0, 0, "bond") == 0


def test_mate_within_window_across_ticks_and_not_after():
    s = Scenario(MATE, mate={"window": 3})
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("mate", 0)})
    s.step()
    s.step({1: ("mate", 0)})
    assert s.agent(0)["bonds"] == [1]
    s2 = Scenario(MATE, mate={"window": 2})
    s2.step({0: ("rotate", DOWN)})
    s2.step({0: ("mate", 0)})
    s2.step()
    s2.step({1: ("mate", 0)})
    assert s2.agent(0)["bonds"] == [], "the proposal expired"
    assert s2.see(0, 1, 0, "bond") == 0


def test_bond_shares_reward_and_expires():
    s = Scenario(MATE, mate={"share": 0.5, "duration": 5})
    s.step({0: ("rotate", DOWN)})
    s.step({0: ("mate", 0), 1: ("mate", 0)})
    s.step({1: ("rotate", DOWN)})
    r = s.step({1: ("use", 0)})
    assert r[1] == pytest.approx(0.005)
    assert r[0] == pytest.approx(0.5 * 0.005), "the partner gets mate.share of the raw reward"
    s.idle(3)
    assert s.agent(0)["bonds"] == []
    assert s.see(0, 1, 0, "bond") == 0
    s.step({1: ("transfer", 0)})  # agent 1 faces the mine: fails, no reward
    s.step({1: ("rotate", UP)})
    r = s.step({1: ("transfer", 0)})
    assert r[1] == pytest.approx(-0.005) and r[0] == pytest.approx(0.005), "no bond sharing after expiry"


TEAMS = """
.......
AmAA.B.
.......
"""


def _team_scenario(**kin):
    return Scenario(
        TEAMS,
        groups={"red": {}, "blue": {}},
        map={"legend": {"A": "agent.red", "B": "agent.blue"}},
        resources={"ore": {"reward": 0.0}},
        buildings={"mine": {"reward": 1.0, "cooldown": 0}},
        kinship=kin,
    )


def test_team_kinship_matches_group_reward_pct():
    s = _team_scenario(mode="teams", share=0.5)
    # red: agents 0 (1,0), 1 (1,2), 2 (1,3); blue: agent 3 (1,5). Agent 0 uses the mine to its right
    assert s.agent(3)["group"] == "blue"
    s.step({0: ("rotate", RIGHT)})
    r = s.step({0: ("use", 0)})
    n = 3
    assert r[0] == pytest.approx(0.5 + 0.5 / n)
    assert r[1] == pytest.approx(0.5 / n) and r[2] == pytest.approx(0.5 / n)
    assert r[3] == pytest.approx(0.0)
    assert r.sum() == pytest.approx(1.0), "team sharing conserves the reward"
    # kinship to the observer in the obs: teammates 128 + 127 * K
    kin = s.see(1, 0, 1, "kin")
    assert kin == round(128 + 127 * 0.5 / n)
    assert s.see(1, 0, 3, "kin") == 128


def test_kinship_none_keeps_rewards_private():
    s = _team_scenario(mode="none")
    s.step({0: ("rotate", RIGHT)})
    r = s.step({0: ("use", 0)})
    assert r.tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0])


def test_matrix_kinship_mixes_rewards():
    K = [[1.0, 0.0, 0.0, 0.0], [0.25, 1.0, 0.0, 0.0], [-0.5, 0.0, 1.0, 0.0], [0.75, 0.0, 0.0, 1.0]]
    s = _team_scenario(mode="matrix", matrix=K)
    s.step({0: ("rotate", RIGHT)})
    r = s.step({0: ("use", 0)})
    assert r.tolist() == pytest.approx([1.0, 0.25, -0.5, 0.75])


def test_random_kinship_symmetric_in_range_and_seeded():
    def weights(seed):
        s = Scenario(TEAMS, seed=seed, groups={"red": {}, "blue": {}},
                     map={"legend": {"A": "agent.red", "B": "agent.blue"}},
                     resources={"ore": {"reward": 0.0}},
                     buildings={"mine": {"reward": 1.0, "cooldown": 0}},
                     kinship={"mode": "random", "low": 0.1, "high": 0.9})
        s.step({0: ("rotate", RIGHT), 1: ("rotate", LEFT)})
        col0 = s.step({0: ("use", 0)})
        col1 = s.step({1: ("use", 0)})
        return col0, col1

    c0, c1 = weights(0)
    assert c0[0] == pytest.approx(1.0) and c1[1] == pytest.approx(1.0)
    assert c0[1] == pytest.approx(c1[0]), "K is symmetric"
    off = np.concatenate([c0[1:], c1[[0, 2, 3]]])
    assert ((off >= 0.1 - 1e-6) & (off <= 0.9 + 1e-6)).all()
    assert len(set(np.round(off, 5))) > 2, "weights are drawn, not constant"
    d0, _ = weights(0)
    assert d0.tolist() == pytest.approx(c0.tolist()), "same seed, same weights"
    e0, _ = weights(1)
    assert e0.tolist() != pytest.approx(c0.tolist()), "another seed, other weights"


def test_clans_kinship_weights():
    # groups a, b share family 0 and clan 0; c is family 1 of clan 0; d is family 2 of clan 1
    s = Scenario(
        "abcd",
        groups={
            "a": {"family": 0, "clan": 0},
            "b": {"family": 0, "clan": 0},
            "c": {"family": 1, "clan": 0},
            "d": {"family": 2, "clan": 1},
        },
        map={"legend": {"a": "agent.a", "b": "agent.b", "c": "agent.c", "d": "agent.d"}},
        kinship={"mode": "clans", "family_weight": 0.5, "clan_weight": 0.2, "hive_weight": 0.1},
        obs={"window": 9},
    )
    # read K through the obs kin channel: agent 0 sees agents 1..3 to its right
    want = [0.5 + 0.2 + 0.1, 0.2 + 0.1, 0.1]
    for j, k in enumerate(want, start=1):
        assert s.see(0, 0, j, "kin") == round(128 + 127 * k)
    assert s.see(0, 0, 0, "kin") == 255


def test_clans_default_family_is_one_per_agent():
    """config.py: Group.family "-1 = one family per agent": two agents of one group with the default
    family are not family, only clan (the team) and hive."""
    s = Scenario("A.A", kinship={"mode": "clans", "family_weight": 0.5, "clan_weight": 0.2, "hive_weight": 0.0})
    assert s.see(0, 0, 2, "kin") == round(128 + 127 * 0.2)


# ---- energy profiles and costs -----------------------------------------------------------------
def test_per_group_energy_profiles():
    s = Scenario(
        "R.B.",
        groups={
            "red": {"start_energy": 50, "upkeep": 2, "max_energy": 60, "costs": {"move": 5, "attack": 3}},
            "blue": {},
        },
        map={"legend": {"R": "agent.red", "B": "agent.blue"}},
    )
    assert s.agent(0)["group"] == "red" and s.agent(1)["group"] == "blue"
    assert s.energy(0) == 50 and s.agent(0)["max_energy"] == 60
    assert s.energy(1) == 100 and s.agent(1)["max_energy"] == 255
    s.step({0: ("rotate", RIGHT), 1: ("rotate", RIGHT)})
    assert s.energy(0) == 48 and s.energy(1) == 100
    s.step({0: ("move", 0), 1: ("move", 0)})
    assert s.energy(0) == 48 - 5 - 2 and s.energy(1) == 99
    s.step({0: ("attack", 1), 1: ("attack", 1)})
    assert s.energy(0) == 41 - 3 - 2 and s.energy(1) == 89
    assert s.stat(0, "energy.spent") == 8 and s.stat(1, "energy.spent") == 11


def test_upkeep_floors_at_zero_and_zero_energy_blocks_costly_actions():
    s = Scenario("A.", groups={"agent": {"start_energy": 3, "upkeep": 2}})
    s.step()
    assert s.energy(0) == 1
    s.step()
    assert s.energy(0) == 0
    s.step({0: ("rotate", RIGHT)})
    s.step({0: ("move", 0)})
    assert s.pos(0) == (0, 0)
    assert s.stat(0, "action.no_energy") == 1


def test_action_cost_above_energy_fails_without_paying():
    s = Scenario("A\nA", groups={"agent": {"start_energy": 9}})
    s.step({1: ("attack", 1)})
    assert s.energy(1) == 9, "an unaffordable action costs nothing"
    assert s.agent(0)["frozen"] == 0
    assert s.stat(1, "action.no_energy") == 1
    assert not s.agent(1)["last_success"]
    s.step({1: ("move", 1)})
    assert s.energy(1) == 8


def test_level_action_override_keeps_the_other_actions():
    """Overriding one action's settings in a level must merge onto the default actions table."""
    lv = level("A.", actions={"attack": {"cost": 5}})
    env = make_env(lv)
    assert env.action_names[:3] == ["noop", "move", "rotate"]
    costs = dict(zip(env.action_names, env.tables.cost[0]))
    assert costs["attack"] == 5 and costs["move"] == 1 and costs["mate"] == 10


def test_disabled_action_leaves_the_action_space():
    acts = {"mate": {"enabled": False}, "color": {"enabled": False}}
    s = Scenario("A.", actions=acts)
    assert "mate" not in s.env.action_names and "color" not in s.env.action_names
    assert s.env.single_action_space.nvec[0] == 8
    s.step({0: ("rotate", RIGHT)})
    s.step({0: ("move", 0)})
    assert s.pos(0) == (0, 1)


@pytest.mark.parametrize("action,arg", [("rotate", 4), ("move", 2), ("attack", 9), ("color", 4), ("use", 1),
                                        ("transfer", 6), ("rotate", -1)])
def test_argument_out_of_range_fails_and_is_counted(action, arg):
    s = Scenario("A.", combat={})
    s.step({0: ("rotate", RIGHT)})
    before = s.agent(0)
    tried = s.stat(0, f"action.{action}.success") + s.stat(0, f"action.{action}.failed")
    s.step({0: (action, arg)})
    after = s.agent(0)
    assert s.stat(0, "action.invalid_arg") == 1
    assert after["position"] == before["position"] and after["orientation"] == before["orientation"]
    assert after["energy"] == before["energy"], "a bad argument costs nothing"
    assert after["color"] == 0
    assert not after["last_success"]
    assert s.stat(0, f"action.{action}.success") + s.stat(0, f"action.{action}.failed") == tried


# ---- episodes ----------------------------------------------------------------------------------
def test_truncation_auto_reset_and_summary():
    s = Scenario("m.\nA.", max_steps=4)
    s.step({0: ("use", 0)})
    s.step({0: ("rotate", RIGHT)})
    s.step({0: ("move", 0)})
    assert not s.truncations.any() and s.infos == []
    assert s.pos(0) == (1, 1)
    s.step()
    assert s.truncations.all()
    assert len(s.infos) == 1
    info = s.infos[0]
    assert info["episodes"] == 1 and info["episode_length"] == 4
    assert info["episode_return"] == pytest.approx(0.005)
    assert info["ore.gained"] == pytest.approx(1.0)
    assert info["action.move.success"] == pytest.approx(1.0)
    # the world reset itself: fresh agent, fresh mine, tick 0
    a = s.agent(0)
    assert a["position"] == (1, 0) and a["orientation"] == "up" and a["inventory"]["ore"] == 0
    assert a["energy"] == 100 and a["episode_return"] == 0.0
    assert s.see(0, -1, 0, "building.ready") == 1
    assert s.see(0, 0, 0, "self.progress") == 0
    assert s.env.world.resources.episode_tick[0] == 0
    assert s.stat(0, "ore.gained") == 0
    s.step({0: ("use", 0)})
    assert not s.truncations.any() and s.inv(0, "ore") == 1


def test_report_interval_batches_summaries():
    s = Scenario("A", max_steps=2, report_interval=3)
    got = []
    for t in range(1, 10):
        s.step({0: ("color", 0)})
        if s.infos:
            got.append((t, s.infos[0]["episodes"]))
        assert s.truncations.all() == (t % 2 == 0)
    assert got == [(3, 1), (6, 2), (9, 1)]


def test_episode_progress_channel():
    s = Scenario("A", max_steps=10)
    s.idle(5)
    assert s.see(0, 0, 0, "self.progress") == 5 * 255 // 10


def test_batch_worlds_truncate_together_and_report_means():
    s = Scenario("m\nA", num_worlds=3, max_steps=3)
    s.step({0: ("use", 0), 2: ("use", 0)})
    s.idle(2)
    assert s.truncations.all()
    info = s.infos[0]
    assert info["episodes"] == 3
    assert info["ore.gained"] == pytest.approx(2 / 3)
    assert info["episode_return"] == pytest.approx(0.005 * 2 / 3)


def test_misc_stat_layout_matches_names():
    names = make_env(level("A")).stat_names
    base = stat_misc_base(6)
    assert names[base + Misc.FREEZES_CAUSED] == "freeze.caused"
    assert names[23 + 7 * 0 + ResStat.STOLEN] == "ore.stolen"


def test_noop_succeeds():
    """A noop does nothing, successfully (MettaGrid's noop returns success): it must not be
    counted as `action.noop.failed` nor shown as a failure in `self.last_success`."""
    s = Scenario("A")
    s.step({0: ("noop", 0)})
    assert s.stat(0, "action.noop.success") == 1
    assert s.stat(0, "action.noop.failed") == 0
    assert s.agent(0)["last_success"]
    assert s.see(0, 0, 0, "self.last_success") == 1
