"""Dynamic energy profiles (profile.pyx): the agent's body (action costs, upkeep, maximum energy)
switched by the `profile` action among the profiles its group declares.

The mechanic was first a numpy system (game/mechanics/profile/reference_profile.py); it is kept as
the reference, compared with the kernel on random states and, inside the env, over whole trajectories.
"""

import re

import pytest
from game.mechanics.profile.profile import KERNELS

from game import LevelError
from game.env.gridenv import make_env
from game.load.level import decode
from tests.game_states import differential
from game.mechanics.profile import reference_profile as ref
from tests.scenario_util import Scenario, play_like_the_prototype

PROFILE = KERNELS["profile"]

# agent 0 (red) above agent 1 (blue), facing each other; a charger beside agent 0
ROOM = """
#####
#cA.#
#.B.#
#####
"""
BODIES = {
    "groups": {
        "red": {
            "start_energy": 100,
            "max_energy": 200,
            "upkeep": 1,
            "profiles": {
                "calm": {"upkeep": 0, "max_energy": 60, "costs": {"move": 5}},
                "rage": {"upkeep": 4, "costs": {"color": 7}},
            },
        },
        "blue": {"start_energy": 100},
    },
    "map": {"legend": {"B": "agent.blue"}},
    "actions": {"profile": {"enabled": True}},
}


def room(**over) -> Scenario:
    return Scenario(ROOM, **{**BODIES, **over})


@pytest.mark.parametrize("seed", range(30))
def test_kernel_matches_the_numpy_prototype_on_random_states(seed):
    differential(PROFILE, ref.profile, seed, steps=2)


def test_switching_changes_upkeep_costs_and_max_energy():
    s = room()
    red, blue = 0, 1
    assert s.energy(red) == 100
    s.step()
    assert s.energy(red) == 99  # the group's own body: upkeep 1
    s.step({red: ("profile", 1)})  # calm: max 60 at once, and its upkeep 0 this very tick (energy runs after)
    assert s.agent(red)["profile"] == 1 and s.stat(red, "action.profile.success") == 1
    assert s.energy(red) == 60
    s.step()
    assert s.energy(red) == 60
    s.step({red: ("move", 1)})  # calm moves cost 5 (the group pays 1)
    assert s.energy(red) == 55
    s.step({red: ("profile", 2)})  # rage: the group's max again, upkeep 4
    assert s.agent(red)["max_energy"] == 200 and s.energy(red) == 51
    s.step({red: ("color", 0)})  # rage's color costs 7
    assert s.energy(red) == 51 - 4 - 7
    s.step({red: ("profile", 0)})
    s.step()
    assert s.agent(red)["profile"] == 0 and s.energy(red) == 40 - 1 - 1
    assert s.energy(blue) == 100  # blue declares no profile and keeps its body


def test_a_charger_fills_only_up_to_the_profile_max():
    s = room(buildings={"charger": {"inputs": {"battery": 0}, "output_energy": 100, "cooldown": 0}})
    s.step({0: ("profile", 1)})  # calm: max 60
    s.step({0: ("rotate", 2)})  # face the charger on the left
    s.step({0: ("use", 0)})
    assert s.energy(0) == 60


def test_a_profile_the_group_lacks_fails_and_one_past_every_group_is_a_bad_argument():
    s = room()
    s.step({1: ("profile", 1)})  # blue has no profile 1 (red has two)
    assert s.agent(1)["profile"] == 0 and s.stat(1, "action.profile.failed") == 1
    s.step({0: ("profile", 3)})  # no group has a third profile: out of the action's range
    assert s.agent(0)["profile"] == 0 and s.stat(0, "action.invalid_arg") == 1


def test_a_frozen_agent_cannot_switch():
    s = room(combat={"freeze_duration": 5})
    s.step({1: ("attack", 1)})  # blue hits red straight ahead (blue faces up, red is above it)
    assert s.agent(0)["frozen"] > 0
    s.step({0: ("profile", 1)})
    assert s.agent(0)["profile"] == 0


def test_others_see_the_profile():
    s = room()
    s.step({0: ("profile", 2)})
    assert s.see(1, -1, 0, "agent.profile") == 3  # blue sees red (just above it) in profile 2, +1
    assert s.see(0, 0, 0, "agent.profile") == 3  # and red sees itself
    assert s.see(0, 1, 0, "agent.profile") == 1  # blue in its group's own body
    assert s.see(1, 0, 1, "agent.profile") == 0  # an empty cell


def test_levels_without_the_action_keep_their_spaces():
    env = make_env("arena")
    assert "profile" not in env.action_names and "agent.profile" not in env.feature_names
    with_it = make_env("arena", actions={"profile": {"enabled": True}})
    assert with_it.action_names == env.action_names + ["profile"]
    assert (
        with_it.feature_names
        == env.feature_names[: with_it.tables.features.cell_channels - 1]
        + ["agent.profile"]
        + env.feature_names[with_it.tables.features.cell_channels - 1 :]
    )
    assert "profile" in with_it.flat_action_names  # one profile (the body) when no group declares any


def test_the_kernel_in_the_env_plays_like_the_prototype():
    """The same level, seed and actions, once with the kernel and once with the numpy system in
    its place: the same trajectory, state for state (and the same for two runs of the kernel)."""
    level = decode({**BODIES, "map": {"ascii": ROOM.strip("\n"), "legend": {"B": "agent.blue"}}}, "room.toml")
    envs = play_like_the_prototype(level, "profile", ref.profile_system, ticks=60, seed=3)
    assert envs[0].world["agent"].profile.any(), "the random actions switched some profile"


PROFILE_ON = {"actions": {"profile": {"enabled": True}}}


@pytest.mark.parametrize(
    "profiles, field, over",
    [
        ({"x": {"costs": {"fly": 1}}}, "$.groups.agent.profiles.x.costs.fly", PROFILE_ON),
        ({"x": {"costs": {"move": -1}}}, "$.groups.agent.profiles.x.costs.move", PROFILE_ON),
        ({f"p{i}": {} for i in range(16)}, "$.groups.agent.profiles", PROFILE_ON),
        ({"x": {"max_energy": 300}}, "$.groups.agent.profiles.x.max_energy", PROFILE_ON),
        (
            {"x": {"max_energy": 0}},
            "$.groups.agent.profiles.x.max_energy: expected -1 (the group's cap) or a cap",
            PROFILE_ON,
        ),
        (
            {"x": {"speed": 2}},
            "$.groups.agent.profiles.x.speed: unknown field; expected one of: max_energy",
            PROFILE_ON,
        ),
        # declared but unreachable: the action that switches to them is off (as it is by default)
        ({"x": {}}, "$.groups.agent.profiles: profiles need the `profile` action", {}),
    ],
)
def test_bad_profiles_are_refused_naming_the_field(profiles, field, over):
    with pytest.raises(LevelError, match="^" + re.escape(f"p.toml: {field}")):
        decode({"groups": {"agent": {"profiles": profiles}}, "map": {"ascii": "#A#"}, **over}, "p.toml")
