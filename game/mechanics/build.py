"""The game's generated kernel files (setup.py runs `generate` before it builds).

- game/mechanics/constants.pxd: the ids all mechanics share as C constants (game/rules/constants.py:
  the stats layout, signals, the number of action codes), by the engine's constgen; the grid's
  geometry is the engine's (engine/systems_cy/constants.pxd) and is left out here, so each C
  constant has one .pxd.
- each mechanic folder's constants.pxd: its actions' codes (`ACT_<NAME>`), its counters' offsets
  (`MISC_<KEY>`) and the `constants` its declaration names (the observation's channel offsets
  `CH_<NAME>`), from the declaration itself.
- each mechanic folder's `<module>_steps.pxi`: the Step classes and binding tables of its kernels,
  by the engine's stepgen, from the kernels' signatures and the arguments its systems declare.
Plain module, read before anything of the game is compiled.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.systems_cy import constgen, stepgen  # plain modules of the engine's build
from game.mechanics.registry import MECHANICS
from game.rules.constants import Act, Misc

HERE = Path(__file__).resolve().parent  # game/mechanics/
ROOT = HERE.parents[1]
SOURCES = ("game/rules/constants.py",)


def kernel_dirs() -> list[str]:
    """Every mechanic folder that holds a kernel, relative to the project root."""
    return sorted(os.path.relpath(p.parent, ROOT) for p in HERE.glob("*/*.pyx"))


def geometry() -> frozenset[str]:
    """The names of the engine's constants (engine/grid.py), which the game's .pxd leaves out."""
    return frozenset(vars(constgen.load(ROOT / "engine" / "grid.py")))


# left out of the shared .pxd: each action's code and counter go to its own mechanic's (`mechanic_constants`)
OWN = frozenset({"Act", "Misc"})


def render_constants() -> str:
    """What game/mechanics/constants.pxd holds."""
    return constgen.render(ROOT, SOURCES, skip=geometry() | OWN, prefix="KGAME")


def mechanic_ints(m) -> dict[str, int]:
    """The C constants of mechanic `m`'s constants.pxd: its actions' codes, its counters' offsets
    from stat_misc, its declared constants."""
    return (
        {f"ACT_{a.name.upper()}": int(Act[a.name.upper()]) for a in m.actions}
        | {f"MISC_{key}": int(Misc[key]) for key in m.stats}
        | dict(m.constants)
    )


def mechanic_constants() -> dict[str, str]:
    """{mechanic folder name: the text of its constants.pxd} for each mechanic with kernels and
    something to hold (`mechanic_ints`)."""
    out = {}
    for m in MECHANICS:
        ints = mechanic_ints(m)
        if ints and any((HERE / m.name).glob("*.pyx")):
            out[m.name] = constgen.pxd(
                ints, {}, f"game/mechanics/{m.name}/__init__.py (its declaration)", "K" + m.name.upper()
            )
    return out


def declared(m) -> dict[str, dict[str, tuple]]:
    """{kernel module: {kernel: its declared arguments}} of mechanic `m`: each system's kernel is
    the function of the system's name in its module."""
    out: dict[str, dict[str, tuple]] = {}
    for s in m.systems:
        if s.kernel is not None:
            out.setdefault(s.kernel, {})[s.name] = s.args
    return out


def generate() -> None:
    constgen.generate(HERE, ROOT, SOURCES, skip=geometry() | OWN, prefix="KGAME")
    for name, text in mechanic_constants().items():
        constgen.write(HERE / name / "constants.pxd", text)
    for m in MECHANICS:
        if any((HERE / m.name).glob("*.pyx")) or declared(m):
            stepgen.generate(HERE / m.name, declared(m), f"game/mechanics/{m.name}/__init__.py")
