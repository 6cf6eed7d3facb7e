"""Scenario tests of what agents do to each other besides combat: transfer, swap, color, mate
bonds and kinship modes (maps and conventions as in tests/test_env_scenarios.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.scenario_util import DOWN, DUEL, LEFT, RIGHT, UP, Scenario, arm_victim


# ---- interactions ------------------------------------------------------------------------------
def test_transfer_gives_one_unit_to_the_agent_in_front():
    s = Scenario(DUEL)
    arm_victim(s)  # agent 1 holds 1 ore and faces agent 0
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
    arm_victim(s)
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
        s = Scenario(
            TEAMS,
            seed=seed,
            groups={"red": {}, "blue": {}},
            map={"legend": {"A": "agent.red", "B": "agent.blue"}},
            resources={"ore": {"reward": 0.0}},
            buildings={"mine": {"reward": 1.0, "cooldown": 0}},
            kinship={"mode": "random", "low": 0.1, "high": 0.9},
        )
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
    s = Scenario(
        "A.A", kinship={"mode": "clans", "family_weight": 0.5, "clan_weight": 0.2, "hive_weight": 0.0}
    )
    assert s.see(0, 0, 2, "kin") == round(128 + 127 * 0.2)
