"""What a mechanic declares besides its actions and systems reaches the game where it belongs
(game/mechanics/mechanic.py): fields it adds to another section's entries, in their place and
with their checks; agent columns; observation channels; bodies; tables. `profile` declares one of
each, so it is the example here."""

import dataclasses
from typing import Annotated

import msgspec
import numpy as np
import pytest

from game import LevelError
from game.env.gridenv import make_env
from game.load.level import load_level
from game.mechanics.mechanic import Field
from game.mechanics.section import Base, doc
from game.rules import schema
from game.state import world as world_mod
from game.state.world import Agent, tables

PROFILE_ON = {"actions": {"profile": {"enabled": True}}}


def test_a_declared_group_field_keeps_its_place_and_runs_its_checks_after_the_groups_own():
    names = [f.name for f in msgspec.structs.fields(schema.Group)]
    assert names.index("profiles") == names.index("clan") + 1  # where it was before it moved
    with pytest.raises(LevelError, match=r"\$\.groups\.red\.profiles: profiles need the `profile` action"):
        load_level("arena", {"groups": {"red": {"profiles": {"x": {}}}}})
    # the group's own checks come first (a level error names the first problem)
    with pytest.raises(LevelError, match=r"\$\.groups\.red\.costs\.fly: unknown action"):
        load_level("arena", {"groups": {"red": {"costs": {"fly": 1}, "profiles": {"x": {}}}}})


def test_declared_fields_are_placed_in_turn_and_checked_in_turn():
    class _Core(Base):
        a: int = 0
        b: int = 0

        def problems(self, level, path):
            yield f"{path}.a", "own"

    def check(tag):
        return lambda value, entry, level, path: iter([(f"{path}.{tag}", str(value))])

    declared = (
        Field(name="x", type=Annotated[int, doc("x")], default=1, after="a", problems=check("x")),
        Field(name="y", type=Annotated[int, doc("y")], default=2, after="a", problems=check("y")),
        Field(name="z", type=Annotated[int, doc("z")], default=3),
    )
    Core = schema._extended(_Core, [], tuple(("m", f) for f in declared))
    assert [f.name for f in msgspec.structs.fields(Core)] == ["a", "x", "y", "b", "z"]
    assert list(Core().problems(None, "$")) == [("$.a", "own"), ("$.x", "1"), ("$.y", "2")]
    lost = Field(name="w", type=Annotated[int, doc("w")], default=0, after="nope")
    with pytest.raises(ValueError, match=r"game/mechanics/m: field 'w' follows 'nope', which Core has not"):
        schema._extended(_Core, [], (("m", lost),))


def test_a_mechanics_channel_is_in_the_observation_only_where_its_action_is_enabled():
    off = tables(load_level("arena")).features
    on = tables(load_level("arena", PROFILE_ON)).features
    assert "agent.profile" not in off.names and off.channel("agent.profile") == -1
    at = on.channel("agent.profile")
    assert on.names[at - 1] == "building.hp" and at == on.cell_channels - 1  # after the buildings'
    assert on.names[:at] + on.names[at + 1 :] == off.names


def test_a_mechanics_agent_column_is_state_the_env_shows():
    fields = [f.name for f in msgspec.structs.fields(Agent)]
    assert fields[-2:] == ["color", "profile"]
    level = {**PROFILE_ON, "groups": {"red": {"profiles": {"calm": {"upkeep": 0}}}}}
    env = make_env("arena", **level)
    env.reset(seed=0)
    env.world["agent"].profile[0, 0] = 1
    assert env.inspect_agent(0)["profile"] == 1 and env.inspect_agent(1)["profile"] == 0


def test_bodies_become_rows_of_the_body_tables():
    level = load_level(
        "arena",
        {
            **PROFILE_ON,
            "groups": {
                "red": {"upkeep": 2, "max_energy": 200, "profiles": {"calm": {"upkeep": 0}, "hot": {}}}
            },
        },
    )
    tab = tables(level)
    red = list(level.groups).index("red")
    assert tab.body_rows == 3  # red's own body and its two profiles
    rows = tab.upkeep[red * 3 : red * 3 + 3]
    assert list(rows) == [2, 0, 2] and list(tab.max_energy[red * 3 : red * 3 + 3]) == [200, 200, 200]
    assert list(tab.profile_count) == [3 if g == "red" else 1 for g in level.groups]


def test_a_mechanics_table_may_not_take_a_name_already_taken(monkeypatch):
    level = load_level("arena")
    patched = tuple(
        dataclasses.replace(m, tables=lambda lv: {"b_hp": np.zeros(1)}) if m.name == "profile" else m
        for m in world_mod.MECHANICS
    )
    monkeypatch.setattr(world_mod, "MECHANICS", patched)
    with pytest.raises(
        ValueError, match="game/mechanics/profile: table 'b_hp' is already a table of the level"
    ):
        tables(level)


def test_observer_channels_are_the_mechanics_own_in_every_level():
    for over in ({}, PROFILE_ON):
        f = tables(load_level("arena", over)).features
        kin, bond = f.channel("kin"), f.channel("bond")
        # kinship's, then mate's (registry order), right after the cell channels, before the self channels
        assert (kin, bond) == (f.cell_channels, f.cell_channels + 1) and f.self_ == bond + 1
    declared = {m.name: m.observer_channels for m in world_mod.MECHANICS if m.observer_channels}
    assert declared == {"kinship": ("kin",), "mate": ("bond",)}


def test_a_mechanics_counters_follow_the_game_counters_in_registry_order():
    from game.env.stats import stat_names
    from game.rules.constants import Misc, stat_misc_base

    names = stat_names(["ore", "heart"])
    declared = [(m.name, key, name) for m in world_mod.MECHANICS for key, name in m.stats.items()]
    assert names[stat_misc_base(2) :] == [name for _, _, name in declared]
    assert [int(Misc[key]) for _, key, _ in declared] == list(range(len(declared)))
    assert {m for m, _, _ in declared} == {"actions", "buildings", "combat", "interact", "mate"}
    assert names.index("attack.kin") == stat_misc_base(2) + Misc.ATTACK_KIN
