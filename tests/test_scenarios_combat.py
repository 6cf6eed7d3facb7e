"""Scenario tests of combat: attack, freeze, steal, shield, armor, lasers, building damage (maps and
conventions as in tests/test_env_scenarios.py)."""

from __future__ import annotations

import pytest

from tests.scenario_util import DOWN, DUEL, LEFT, RIGHT, UP, Scenario, arm_victim

# A building override making a recipe free and instant. Inputs are zeroed by name: a level's tables
# deep-merge onto the defaults, so `inputs = {}` would keep the default inputs.
FREE = {"inputs": {"ore": 0, "battery": 0}, "input_energy": 0, "cooldown": 0}


# ---- combat ------------------------------------------------------------------------------------
def test_attack_unshielded_freezes_zeroes_energy_and_steals():
    s = Scenario(DUEL, combat={"freeze_duration": 3})
    arm_victim(s)
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
    arm_victim(s)
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
