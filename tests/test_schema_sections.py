"""A schema section carries its mechanic's checks (`problems()`) and tables (`tables()`) beside
its fields: level validation walks every section, and a kernel declares a section's table as
`table(name)` like any other table."""

import numpy as np
import pytest

from game import LevelError
from game.load.level import load_level
from game.mechanics.creation.section import Build
from game.mechanics.observation.section import Observation
from game.rules import schema
from game.state.world import build, tables
from game.mechanics.args import table
from game.mechanics.creation.creation import KERNELS
from game.systems.binding import resolve, scalars, source

BUILDER = {
    "actions": {"build": {"enabled": True}},
    "build": {"buildings": ["block", "mine"], "capacity": 3},
    "buildings": {"block": {"build_cost": {"ore": 2}}, "mine": {"build_cost": {"ore": 1, "battery": 4}}},
}


def test_sections_are_every_struct_of_the_level_with_its_toml_path():
    paths = dict(schema.sections(load_level("arena")))
    assert isinstance(paths["$"], schema.Level)
    assert isinstance(paths["$.build"], Build)
    assert isinstance(paths["$.groups.red"], schema.Group)
    assert isinstance(paths["$.buildings.mine"], schema.Building)
    assert isinstance(paths["$.resources.ore"], schema.Resource)
    assert isinstance(paths["$.actions.move"], schema.Action)


def test_a_sections_tables_are_bound_to_kernels_as_declared():
    level = load_level("arena", BUILDER)
    world, tab, _ = build(level, num_worlds=1, seed=0)
    res, names = tab.resource_names, tab.building_names
    cost = tab.build_cost
    assert cost.shape == (2, len(res)) and cost.dtype == np.int32
    assert cost[0, res.index("ore")] == 2 and cost[1, res.index("battery")] == 4 and cost.sum() == 7
    assert list(tab.build_kind) == [names.index("block"), names.index("mine")]
    assert tab.reserved_rows == 3
    bound = resolve(KERNELS["build"], world, tab, scalars(level, tab))
    assert bound["t_build_cost"] is cost  # what the build kernel receives
    assert bound["t_b_hp"] is tab.b_hp  # the fields of Tables bind the same way
    with pytest.raises(
        KeyError, match="k: argument 't_nope' \\(table nope\\): the level's Tables have no table 'nope'"
    ):
        source(table("nope", "types"), world, tab, "k")
    off = load_level("arena", {**BUILDER, "actions": {"build": {"enabled": False}}})
    assert tables(off).reserved_rows == 0  # no rows are reserved when nobody can build


def test_a_table_name_given_twice_is_refused_with_the_section_that_gave_it(monkeypatch):
    level = load_level("arena")
    monkeypatch.setattr(Observation, "tables", lambda self, lv: {"b_hp": np.zeros(1)})
    with pytest.raises(ValueError, match=r"\$\.obs: table 'b_hp' is already a table of the level"):
        tables(level)
    monkeypatch.setattr(Observation, "tables", lambda self, lv: {"build_cost": np.zeros(1)})
    with pytest.raises(ValueError, match=r"\$\.obs: table 'build_cost'"):
        tables(level)


def test_a_sections_problem_is_reported_at_its_path_for_every_entry_of_a_table(monkeypatch):
    """The walk reaches sections inside tables (each building), so a check written once in its
    section runs for every entry and names it."""

    def problems(self, level, path):
        if self.cooldown > 60:
            yield f"{path}.cooldown", "too slow"

    monkeypatch.setattr(schema.Building, "problems", problems)
    load_level("arena")  # no building of the arena is that slow
    with pytest.raises(LevelError, match=r"^arena\.toml: \$\.buildings\.altar\.cooldown: too slow$"):
        load_level("arena", {"buildings": {"altar": {"cooldown": 61}}})


def test_every_field_of_a_building_or_resource_is_a_table_by_name():
    level = load_level("arena")
    tab = tables(level)
    names, res = tab.building_names, tab.resource_names
    altar, ore, battery = names.index("altar"), res.index("ore"), res.index("battery")
    assert tab.b_inputs.shape == (len(names), len(res)) and tab.b_inputs.dtype == np.int32
    assert tab.b_inputs[altar, battery] == level.buildings["altar"].inputs["battery"]
    assert tab.b_outputs[names.index("mine"), ore] == level.buildings["mine"].outputs["ore"]
    assert tab.b_cooldown[altar] == level.buildings["altar"].cooldown and tab.b_cooldown.dtype == np.int32
    assert tab.b_usable.dtype == np.uint8 and tab.b_usable[names.index("wall")] == 0
    assert tab.b_reward.dtype == np.float32 and tab.res_reward_max.dtype == np.float32
    assert tab.res_max[ore] == level.resources["ore"].max
    assert tab.res_reward_max[res.index("heart")] == -1  # uncapped, as the level says it
    assert not hasattr(tab, "b_char")  # text is not a table
    fields = set(schema.Building.__struct_fields__) - {"char"}
    assert {f"b_{f}" for f in fields} <= set(tab.derived)


def test_tables_copy_and_pickle_with_their_derived_tables():
    import copy
    import pickle

    tab = tables(load_level("arena", BUILDER))
    for twin in (copy.deepcopy(tab), pickle.loads(pickle.dumps(tab))):
        assert np.array_equal(twin.build_cost, tab.build_cost) and np.array_equal(twin.b_hp, tab.b_hp)
        assert not hasattr(twin, "nope")


def test_a_building_field_of_a_kind_no_table_is_made_from_is_an_error(monkeypatch):
    monkeypatch.setitem(schema.field_types(schema.Building), "tags", list[str])
    monkeypatch.setattr(schema.Building, "tags", ["x"], raising=False)
    with pytest.raises(TypeError, match=r"Building\.tags: no table for a field of type list\[str\]"):
        tables(load_level("arena"))
