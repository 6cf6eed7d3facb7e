"""Scenario tests: one tiny ASCII level per mechanic, scripted actions, checked through the env API.

Every expectation comes from docs/game_systems.md; see tests/scenario_util.py.
Maps: '#' wall, '.' empty, 'A' agent of the first group, m mine, g generator, c charger, a altar,
r armory, l lasery, s block. Agents start facing up.
"""

from __future__ import annotations

import pytest

from game.env.gridenv import make_env
from game.rules.constants import RES_STATS, STAT_RES, Misc, ResStat, stat_misc_base
from tests.scenario_util import DOWN, LEFT, RIGHT, UP, Scenario, level


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


@pytest.mark.parametrize(
    "action,arg",
    [("rotate", 4), ("move", 2), ("attack", 9), ("color", 4), ("use", 1), ("transfer", 6), ("rotate", -1)],
)
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
    assert names[STAT_RES + RES_STATS * 0 + ResStat.STOLEN] == "ore.stolen"


def test_noop_succeeds():
    """A noop does nothing, successfully (MettaGrid's noop returns success): it must not be
    counted as `action.noop.failed` nor shown as a failure in `self.last_success`."""
    s = Scenario("A")
    s.step({0: ("noop", 0)})
    assert s.stat(0, "action.noop.success") == 1
    assert s.stat(0, "action.noop.failed") == 0
    assert s.agent(0)["last_success"]
    assert s.see(0, 0, 0, "self.last_success") == 1
