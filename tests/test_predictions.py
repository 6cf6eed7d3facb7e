"""The payoffs the studies' predictions assume, played by hand: one gift changes the giver's return
by exactly r * b - c (Hamilton's rule), one theft changes the attacker's by exactly (1 - r) h - e
(kin aggression), at r in {0, 0.5, 1}. If the game paid anything else, a study's predicted
threshold would be wrong before any learning."""

from __future__ import annotations

import numpy as np
import pytest

import game
from tests.scenario_util import RIGHT, Scenario


def _giver_return(r: float, give: bool) -> float:
    """game/levels/hamilton.toml at relatedness r: the giver mines one ore, then (if `give`) turns
    to the receiver and hands it over; the receiver turns it into a heart at once."""
    env = game.make_env(
        "hamilton.toml", num_worlds=1, max_steps=8, kinship={"mode": "random", "low": r, "high": r}
    )
    names, fa = env.flat_action_names, np.asarray(env.flat_actions)
    env.reset()
    plan = [
        ("use", "noop"),
        ("rotate_right" if give else "noop", "noop"),
        ("transfer_ore" if give else "noop", "noop"),
        ("noop", "use"),
    ] + [("noop", "noop")] * 4
    total = 0.0
    for g, rcv in plan:
        _, rew, *_ = env.step(np.stack([fa[names.index(g)], fa[names.index(rcv)]]).astype(np.int32))
        total += float(rew[0])
    env.close()
    return total


@pytest.mark.parametrize("r", [0.0, 0.5, 1.0])
def test_a_gift_pays_the_giver_r_b_minus_c(r):
    c, b = 0.5, 1.0  # the ore the giver no longer holds; the ore plus the heart it becomes
    assert _giver_return(r, give=True) - _giver_return(r, give=False) == pytest.approx(r * b - c)


H, E = 0.6, 0.25  # a unit of ore (taken), a laser (spent on the attack)


def _attacker_return(r: float, attack: bool) -> float:
    """Two agents face to face; the victim holds 2 ore worth H / 2 each, the attacker one laser
    worth E that an attack consumes; a hit freezes the victim and takes its ore."""
    s = Scenario(
        "AA",
        kinship={"mode": "random", "low": r, "high": r},
        combat={"consume_laser": True},
        resources={"ore": {"reward": H / 2}, "laser": {"reward": E}},
    )
    inv = s.env.world["inventory"].items
    res = s.env.resource_names
    inv[0, 0, res.index("laser")] = 1
    inv[0, 1, res.index("ore")] = 2
    s.step({0: ("rotate", RIGHT)})  # the held items' value is paid on this tick, alike in both plays
    total = float(s.step({0: ("attack", 1)} if attack else {})[0])
    for _ in range(3):
        total += float(s.step()[0])
    return total


@pytest.mark.parametrize("r", [0.0, 0.5, 1.0])
def test_a_theft_pays_the_attacker_one_minus_r_h_minus_e(r):
    assert _attacker_return(r, attack=True) - _attacker_return(r, attack=False) == pytest.approx(
        (1 - r) * H - E
    )


def _kin_aggression_return(r: float, attack: bool, e: float, tick: int = 1) -> float:
    """game/levels/kin_aggression.toml at relatedness r over its 10-tick episode: the attacker takes a
    laser while the victim mines its ore; then (if `attack`) the attacker strikes the victim on its
    front-right diagonal on `tick`, without turning from its lasery, and takes its next laser at tick 5."""
    env = game.make_env(
        "kin_aggression.toml",
        num_worlds=1,
        resources={"laser": {"reward": e}},
        kinship={"mode": "random", "low": r, "high": r},
    )
    names, fa = env.flat_action_names, np.asarray(env.flat_actions)
    env.reset()
    plan = [("use", "use")] + [("use", "noop")] * 8
    if attack:
        plan[tick] = ("attack_2", "noop")
    total = 0.0
    for a, v in plan:
        _, rew, *_ = env.step(np.stack([fa[names.index(a)], fa[names.index(v)]]).astype(np.int32))
        total += float(rew[0])
    stolen = env.world["inventory"].items[0, 0, env.resource_names.index("ore")] == 1
    assert stolen == (attack and tick == 1), "a strike takes the ore on tick 1, and only then"
    env.close()
    return total


@pytest.mark.parametrize("e", [0.3, 0.7])
@pytest.mark.parametrize("r", [0.0, 0.5, 1.0])
def test_a_theft_in_the_kin_aggression_level_nets_one_minus_r_h_minus_e(r, e):
    h = 1.0
    assert _kin_aggression_return(r, True, e) - _kin_aggression_return(r, False, e) == pytest.approx(
        (1 - r) * h - e
    )


@pytest.mark.parametrize("tick", [2, 5])
def test_the_kin_aggression_attacker_has_one_opportunity_an_episode(tick):
    """Its energy pays for a strike on tick 1 only: a strike later fails and costs nothing, so
    declining on tick 1 is declining for the episode (not striking later)."""
    assert _kin_aggression_return(0.0, True, 0.5, tick) == pytest.approx(
        _kin_aggression_return(0.0, False, 0.5)
    )


def test_the_kin_aggression_victim_mines_on_tick_0_or_never():
    """A victim able to mine after the attacker's one chance learned to, leaving nothing to take; its
    energy pays for `use` on tick 0 only, so it holds its ore whenever the attacker can strike."""
    held = []
    for tick in (0, 1):
        env = game.make_env("kin_aggression.toml", num_worlds=1)
        names, fa = env.flat_action_names, np.asarray(env.flat_actions)
        env.reset()
        for t in range(3):
            env.step(
                np.stack([fa[names.index("noop")], fa[names.index("use" if t == tick else "noop")]]).astype(
                    np.int32
                )
            )
        held.append(int(env.world["inventory"].items[0, 1, env.resource_names.index("ore")]))
        env.close()
    assert held == [1, 0]
