"""The kernels get their ids from one source each: engine/systems_cy/constgen.py turns engine/grid.py
into engine/systems_cy/constants.pxd (the grid's geometry), game/rules/constants.py into
game/mechanics/constants.pxd, and each mechanic's declaration (action codes, counters, constants
such as the observation's channel offsets) into its folder's constants.pxd (game/mechanics/build.py),
which the kernels cimport. These tests check the generated tables against the Python originals, that the
built files are current, and that no kernel writes a number of its own (a copy that could drift)."""

import re
from pathlib import Path

import pytest

from engine.systems_cy import constgen
from game.mechanics import build as game_build
from game.mechanics.combat import ATTACK_ARGS, ATTACK_WIDTH
from game.mechanics.registry import MECHANICS
from game.mechanics.observation import features
from game.rules import constants
from game.rules.constants import Act, Dir, Misc, ResStat, Signal

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "engine" / "systems_cy"
GAME = ROOT / "game" / "mechanics"


@pytest.fixture(scope="module")
def table():
    """Every table, merged: the engine's geometry, the game's shared ids and each mechanic's own (its
    actions' codes, its counters' offsets and declared constants); no name is in two of them."""
    ints, arrays = constgen.table([constgen.load(ROOT / s) for s in constgen.SOURCES])
    skip = game_build.geometry() | game_build.OWN
    game_ints, game_arrays = constgen.table([constgen.load(ROOT / s) for s in game_build.SOURCES], skip)
    assert not (set(ints) | set(arrays)) & (set(game_ints) | set(game_arrays))
    for m in MECHANICS:
        own = game_build.mechanic_ints(m)
        assert not set(own) & (set(ints) | set(game_ints)), m.name
        game_ints |= own
    return ints | game_ints, arrays | game_arrays


def test_every_enum_member_and_constant_is_in_the_table(table):
    ints, arrays = table
    prefixes = {Act: "ACT", Dir: "DIR", ResStat: "RES_STAT", Misc: "MISC", Signal: "SIGNAL"}
    for enum, prefix in prefixes.items():
        for member in enum:
            assert ints[f"{prefix}_{member.name}"] == int(member)
    assert (ints["ATTACK_ARGS"], ints["ATTACK_WIDTH"]) == (ATTACK_ARGS, ATTACK_WIDTH)
    for name in (
        "NUM_CODES",
        "NUM_DIRS",
        "EMPTY",
        "TERRAIN_WALL",
        "ACTION_STATS",
        "STAT_FROZEN",
        "STAT_BAD_ARG",
        "STAT_NO_ENERGY",
        "STAT_RES",
        "RES_STATS",
    ):
        assert ints[name] == getattr(constants, name)
    assert arrays == {
        "DR": constants.DR,
        "DC": constants.DC,
        "RIGHT_DR": constants.RIGHT_DR,
        "RIGHT_DC": constants.RIGHT_DC,
    }


def test_channel_offsets_follow_the_feature_table(table):
    ints, _ = table
    f = features.features(["ore", "heart"])
    for group, first in (
        (features.AGENT_CHANNELS, f.agent),
        (features.BUILDING_CHANNELS, f.building),
        (features.SELF_CHANNELS, f.self_),
    ):
        for name in group:
            c_name = "CH_" + re.sub(r"\W", "_", name).upper()
            assert f.names[first + ints[c_name]] == name


def test_built_constants_pxd_is_current():
    assert (ENGINE / "constants.pxd").read_text() == constgen.render(ROOT), (
        "constants.pxd is stale: run make build"
    )
    assert (GAME / "constants.pxd").read_text() == game_build.render_constants(), "stale: run make build"
    built = {p.parent.name: p.read_text() for p in GAME.glob("*/constants.pxd")}
    assert built == game_build.mechanic_constants(), "a mechanic's constants.pxd is stale: run make build"


def test_two_values_for_one_name_stop_the_build(tmp_path):
    rules = tmp_path / "game" / "rules"
    rules.mkdir(parents=True)
    (rules / "constants.py").write_text(
        "from enum import IntEnum\nclass Act(IntEnum):\n    MOVE = 1\nACT_MOVE = 2\n"
    )
    with pytest.raises(SystemExit, match="two values for ACT_MOVE"):
        constgen.render(tmp_path, game_build.SOURCES)


def test_no_kernel_keeps_its_own_copy_of_a_game_number(table):
    """Every id a kernel uses comes from a generated constants.pxd: no kernel imports the game
    package's Python, an engine kernel cimports nothing of the game, none defines a name of the
    tables itself or writes out a direction array."""
    ints, arrays = table
    names = set(ints) | set(arrays)
    engine = [
        p
        for p in sorted(ENGINE.glob("*.pxd")) + sorted(ENGINE.glob("*.h")) + sorted(ENGINE.glob("*.pyx"))
        if p.name != "constants.pxd"
    ]
    for src in engine + sorted(GAME.glob("*/*.pyx")):  # (the generated .pxd files hold the names)
        text = src.read_text()
        assert not re.search(r"^\s*(from game\b[\w.]* import|import game\b)", text, re.M), (
            f"{src.name} imports the game"
        )
        if src in engine:
            assert not re.search(r"\bgame\.", text), f"{src.name}: the engine cimports the game"
        defined = set(re.findall(r"^\s+([A-Z][A-Z0-9_]*) = ", text, re.M))  # enum members
        defined |= set(re.findall(r"^cdef (?:const )?int ([A-Z][A-Z0-9_]*)\b", text, re.M))
        defined |= set(re.findall(r"^#define ([A-Z][A-Z0-9_]*)\b", text, re.M))  # C headers
        assert not defined & names, f"{src.name} defines its own {sorted(defined & names)}"
        assert not re.search(r"^\w+\[:\] = \[", text, re.M), f"{src.name} writes out a C array by hand"
