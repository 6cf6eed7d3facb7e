"""The system table (game/rules/system_table.py) is the one source of the run order, the switchable
system names and the docs' order table."""

from pathlib import Path

from game import make_env
from game.load.level import load_level
from game.mechanics.registry import MECHANICS
from game.rules.schema import SYSTEM_NAMES as VALIDATED  # what level checks accept
from game.rules.action_table import ARG_NAMES
from game.rules.constants import ACTION_NAMES, ACTION_RULES, Act
from game.rules.defaults import ACTIONS, DECLARED
from game.rules.system_table import SPECS, SYSTEM_NAMES, SYSTEMS, order_table
from game.state.world import tables

ROOT = Path(__file__).resolve().parents[1]


def test_env_runs_the_table_in_its_order():
    env = make_env(ROOT / "game" / "levels" / "arena.toml", num_worlds=2, seed=0)
    installed = env.scheduler.order
    table = [s.name for s in SYSTEMS if s.name in installed]
    assert installed == table  # arena's default priorities are the table's order
    assert installed[:2] == ["freeze", "decode"] and installed[-1] == "observation"
    env.close()


def test_priorities_reorder_the_action_systems_only():
    arena = ROOT / "game" / "levels" / "arena.toml"
    env = make_env(arena, num_worlds=1, seed=0)
    default = env.scheduler.order
    env.close()
    assert default.index("attack") < default.index("use")
    env = make_env(arena, num_worlds=1, seed=0, actions={"use": {"priority": -5}})
    order = env.scheduler.order
    env.close()
    assert order.index("decode") < order.index("use") < order.index("attack") < order.index("tally")
    assert [n for n in order if n != "use"] == [n for n in default if n != "use"]


def test_validated_names_and_docs_come_from_the_table():
    assert VALIDATED is SYSTEM_NAMES
    assert "episode_end" not in SYSTEM_NAMES and "observation" in SYSTEM_NAMES
    docs = (ROOT / "docs" / "game_systems.md").read_text()
    assert order_table() in docs, (
        "docs/game_systems.md's order table is stale: paste game.rules.system_table.order_table()"
    )


def test_an_actions_facts_come_from_its_row_of_the_action_table():
    """The id, defaults, argument names and count, and system of each action are read from
    ACTION_RULES, so a row is all a new action needs in game/rules."""

    tab = tables(load_level(ROOT / "game" / "levels" / "arena.toml"))
    assert ACTION_NAMES == tuple(r.name for r in ACTION_RULES)
    for code, r in enumerate(ACTION_RULES):
        assert Act[r.name.upper()] == code
        assert DECLARED[r.name]["cost"] == r.cost and DECLARED[r.name]["priority"] == r.priority
        assert DECLARED[r.name].get("enabled", True) == r.enabled
        assert (r.name in ACTIONS) == r.listed  # every level lists it, or only one that names it
        if isinstance(r.args, tuple) and r.args:
            assert ARG_NAMES[code] == r.args and tab.arg_count[code] == len(r.args)
        if r.system:  # resolved by a system of the mechanic that declares the action
            owner = next(m.name for m in MECHANICS if r in m.actions)
            assert code in SPECS[r.system].acts and SPECS[r.system].mechanic == owner
    # arguments that index the level's lists: one per resource; at least one where the list is empty
    assert tab.arg_count[Act.TRANSFER] == len(tab.resource_names)
    assert tab.arg_count[Act.BUILD] == 1 and tab.arg_count[Act.PROFILE] == 1
    assert SPECS["move"].acts == (Act.MOVE, Act.ROTATE)
