"""The game's systems in one table: name, phase, kernel and named order, derived from what the
mechanics declare (game/mechanics/registry.py).

The run order (game/systems/install.py installs from it), the system names a level may switch
(`[systems]`, checked by `Level.problems` in game/rules/schema.py) and the order table of
docs/game_systems.md all come from `SYSTEMS`. Action systems run between `decode` and `tally` in
the level's priority order (lower first), which the installer adds as a chain of `after=`
constraints. Plain data, so that validating a level needs no compiled kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

from game.mechanics.mechanic import Mechanic, System
from game.mechanics.registry import MECHANICS
from game.rules.constants import ACTION_RULES, Act


@dataclass(frozen=True)
class SystemSpec:
    name: str
    phase: str
    kernel: (
        str | None
    )  # the module (game.mechanics.<mechanic>.<kernel>) whose KERNELS[name] it runs; None: the env's Python
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    acts: tuple[Act, ...] = ()  # an action system: installed when the level enables one of these
    switchable: bool = True  # whether a level's [systems] table may turn it off
    does: str = ""
    mechanic: str = ""  # the folder of game/mechanics/ that declares it


def _spec(m: Mechanic, s: System) -> SystemSpec:
    acts = tuple(Act[a.upper()] for a in s.acts)
    # an action system runs after decode and before tally, in the level's priority order
    after, before = (("decode",) + s.after, ("tally",) + s.before) if acts else (s.after, s.before)
    return SystemSpec(s.name, s.phase, m.kernel_module(s), after, before, acts, s.switchable, s.does, m.name)


def _systems() -> tuple[SystemSpec, ...]:
    """Every mechanic's systems in registry order, with the action systems after `decode` in the
    order of their actions' default priorities (the run order of a level that keeps them)."""
    plain = [_spec(m, s) for m in MECHANICS for s in m.systems if not s.acts]
    acting = [_spec(m, s) for m in MECHANICS for s in m.systems if s.acts]
    acting.sort(key=lambda spec: min(ACTION_RULES[a].priority for a in spec.acts))
    at = next(i for i, spec in enumerate(plain) if spec.name == "decode") + 1
    return tuple(plain[:at] + acting + plain[at:])


SYSTEMS: tuple[SystemSpec, ...] = _systems()
ACTION_SYSTEMS = tuple(s for s in SYSTEMS if s.acts)

SPECS = {s.name: s for s in SYSTEMS}
SYSTEM_NAMES = tuple(s.name for s in SYSTEMS if s.switchable)  # what a level's [systems] may name


def order_table() -> str:
    """The default run order as a markdown table (docs/game_systems.md holds a copy; a test compares)."""
    rows = ["| phase | system | runs after | kernel | what it does |", "|---|---|---|---|---|"]
    for s in SYSTEMS:
        kernel = f"`{s.kernel.split('.')[-1]}.pyx`" if s.kernel else "Python (game/env/gridenv.py)"
        after = ", ".join(s.after) + (", then by priority" if s.acts else "")
        rows.append(f"| {s.phase} | `{s.name}` | {after} | {kernel} | {s.does} |")
    return "\n".join(rows) + "\n"
