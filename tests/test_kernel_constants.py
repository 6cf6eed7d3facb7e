"""The kernels get the game's ids from one source: engine/systems_cy/constgen.py turns
game/rules/constants.py and game/rules/features.py into constants.pxd, which the kernels cimport. These tests
check the generated table against the Python originals, that the built file is current, and that
no kernel writes a game number of its own (a copy that could drift)."""

import re
from pathlib import Path

import pytest

from engine.systems_cy import constgen
from game.rules import constants, features
from game.rules.constants import Act, Dir, Misc, ResStat, Signal

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "engine" / "systems_cy"


@pytest.fixture(scope="module")
def table():
    return constgen.table([constgen.load(ROOT / s) for s in constgen.SOURCES])


def test_every_enum_member_and_constant_is_in_the_table(table):
    ints, arrays = table
    prefixes = {Act: "ACT", Dir: "DIR", ResStat: "RES_STAT", Misc: "MISC", Signal: "SIGNAL"}
    for enum, prefix in prefixes.items():
        for member in enum:
            assert ints[f"{prefix}_{member.name}"] == int(member)
    for name in ("NUM_CODES", "ATTACK_ARGS", "ATTACK_WIDTH", "NUM_DIRS", "EMPTY", "TERRAIN_WALL", "ACTION_STATS",
                 "STAT_FROZEN", "STAT_BAD_ARG", "STAT_NO_ENERGY", "STAT_RES", "RES_STATS"):
        assert ints[name] == getattr(constants, name)
    assert arrays == {"DR": constants.DR, "DC": constants.DC, "RIGHT_DR": constants.RIGHT_DR, "RIGHT_DC": constants.RIGHT_DC}


def test_channel_offsets_follow_the_feature_table(table):
    ints, _ = table
    f = features.features(["ore", "heart"])
    for group, first in ((features.AGENT_CHANNELS, f.agent), (features.BUILDING_CHANNELS, f.building),
                         (features.SELF_CHANNELS, f.self_)):
        for name in group:
            c_name = "CH_" + re.sub(r"\W", "_", name).upper()
            assert f.names[first + ints[c_name]] == name


def test_built_constants_pxd_is_current():
    built = KERNELS / "constants.pxd"
    assert built.read_text() == constgen.render(ROOT), "constants.pxd is stale: run make build"


def test_two_values_for_one_name_stop_the_build(tmp_path):
    rules = tmp_path / "game" / "rules"
    rules.mkdir(parents=True)
    (rules / "constants.py").write_text("from enum import IntEnum\nclass Act(IntEnum):\n    MOVE = 1\nACT_MOVE = 2\n")
    (rules / "features.py").write_text("")
    with pytest.raises(SystemExit, match="two values for ACT_MOVE"):
        constgen.render(tmp_path)


def test_no_kernel_keeps_its_own_copy_of_a_game_number(table):
    """Every game id a kernel uses comes from constants.pxd: none imports the game package, defines a
    name of the table itself, or writes out a direction array."""
    ints, arrays = table
    names = set(ints) | set(arrays)
    others = [p for p in sorted(KERNELS.glob("*.pxd")) + sorted(KERNELS.glob("*.h")) if p.name != "constants.pxd"]
    for src in sorted(KERNELS.glob("*.pyx")) + others:
        text = src.read_text()
        assert not re.search(r"^\s*(from|import) game\b", text, re.M), f"{src.name} imports the game"
        defined = set(re.findall(r"^\s+([A-Z][A-Z0-9_]*) = ", text, re.M))  # enum members
        defined |= set(re.findall(r"^cdef (?:const )?int ([A-Z][A-Z0-9_]*)\b", text, re.M))
        defined |= set(re.findall(r"^#define ([A-Z][A-Z0-9_]*)\b", text, re.M))  # C headers
        assert not defined & names, f"{src.name} defines its own {sorted(defined & names)}"
        assert not re.search(r"^\w+\[:\] = \[", text, re.M), f"{src.name} writes out a C array by hand"
