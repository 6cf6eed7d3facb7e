"""The game constants that kernels copy into C enums (so their loops touch no Python object)
equal the originals in game/constants.py: each such kernel exports its copies as CONSTANTS, and
every name there is checked against the one source by its prefix."""

import re
from pathlib import Path

import pytest

from engine.systems_cy import combat, decode, freeze
from game import constants
from game.constants import Act, Misc, ResStat, Signal


def original(name: str) -> int:
    kind, _, rest = name.partition("_")
    if hasattr(constants, name):  # NUM_CODES, STAT_RES, RES_STATS, STAT_FROZEN, ATTACK_ARGS, ...
        return getattr(constants, name)
    return {"ACT": Act, "RES": ResStat, "MISC": Misc, "SIGNAL": Signal}[kind][rest]


@pytest.mark.parametrize("module", [combat, decode, freeze], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_kernel_copies_equal_game_constants(module):
    assert module.CONSTANTS, f"{module.__name__} exports no CONSTANTS"
    wrong = {k: (v, original(k)) for k, v in module.CONSTANTS.items() if v != original(k)}
    assert wrong == {}, f"{module.__name__}: copies that differ from game/constants.py (copy, original): {wrong}"


def test_every_enum_of_these_kernels_is_exported():
    """A copy added to a kernel's enum but not to its CONSTANTS would escape the check above."""
    for module in (combat, decode, freeze):
        src = Path(module.__file__).with_suffix(".pyx")
        if not src.exists():  # an installed build without sources: the compiled CONSTANTS still count
            src = Path(__file__).resolve().parents[1] / "engine" / "systems_cy" / (module.__name__.rsplit(".", 1)[1] + ".pyx")
        body = re.search(r"^cdef enum:\n((?:    .*\n)+)", src.read_text(), re.M).group(1)
        names = set(re.findall(r"^    ([A-Z_]+) =", body, re.M))
        assert names == set(module.CONSTANTS), (module.__name__, names ^ set(module.CONSTANTS))


def test_kernel_direction_tables_equal_game_constants():
    """The C direction arrays (step ahead DR/DC, step to the right RR/RC) of every kernel that
    writes them out equal game/constants.py's."""
    want = {"DR": constants.DR, "DC": constants.DC, "RR": constants.RIGHT_DR, "RC": constants.RIGHT_DC}
    found = 0
    for src in sorted((Path(__file__).resolve().parents[1] / "engine" / "systems_cy").glob("*.pyx")):
        for name, values in re.findall(r"^(DR|DC|RR|RC)\[:\] = \[([-0-9, ]+)\]", src.read_text(), re.M):
            assert tuple(int(v) for v in values.split(",")) == want[name], f"{src.name}: {name}"
            found += 1
    assert found >= 8  # buildings, combat and movement write theirs out; the others import them
