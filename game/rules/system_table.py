"""The game's systems in one table: name, phase, kernel and named order.

The run order (game/systems/install.py installs from it), the system names a level may switch
(`[systems]`, checked by `Level.problems` in game/rules/schema.py) and the order table of docs/game_systems.md all come
from `SYSTEMS`. Action systems run between `decode` and `tally` in the level's priority order
(lower first), which the installer adds as a chain of `after=` constraints. Plain data, so that
validating a level needs no compiled kernel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from game.rules.constants import ACTION_RULES, Act


@dataclass(frozen=True)
class SystemSpec:
    name: str
    phase: str
    kernel: str | None  # the module engine/systems_cy/<kernel>.pyx whose KERNELS[name] it runs; None: the env's Python
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    acts: tuple[Act, ...] = ()  # an action system: installed when the level enables one of these
    switchable: bool = True  # whether a level's [systems] table may turn it off
    does: str = ""


def _action_systems() -> tuple[SystemSpec, ...]:
    """One system per distinct `system` of the action table (move resolves move and rotate), in
    the order of the default priorities (the run order of a level that keeps them); each runs
    after decode and before tally, in the level's priority order."""
    out: dict[str, SystemSpec] = {}
    for r in ACTION_RULES:
        if not r.system:
            continue
        acts = (Act[r.name.upper()],)
        if r.system in out:
            out[r.system] = replace(out[r.system], acts=out[r.system].acts + acts)
        else:
            out[r.system] = SystemSpec(r.system, "actions", r.kernel, ("decode",), ("tally",), acts, does=r.does)
    first = {name: min(r.priority for r in ACTION_RULES if r.system == name) for name in out}
    return tuple(sorted(out.values(), key=lambda spec: first[spec.name]))


ACTION_SYSTEMS = _action_systems()

SYSTEMS: tuple[SystemSpec, ...] = (
    SystemSpec("freeze", "actions", "freeze", does="frozen agents lose their action and count down"),
    SystemSpec("decode", "actions", "decode", after=("freeze",), does="env actions to intents: argument, energy, agent order"),
    *ACTION_SYSTEMS,
    SystemSpec("tally", "actions", "decode", after=("decode",), does="count each intent's success or failure"),
    SystemSpec("energy", "world", "energy", does="upkeep and shield cost"),
    SystemSpec("cooldown", "world", "cooldown", after=("energy",), does="building cooldowns and stock regeneration"),
    SystemSpec("inventory_reward", "rewards", "inventory_reward", does="reward for what agents hold"),
    SystemSpec("kinship", "rewards", "kinship", after=("inventory_reward",), does="mix rewards by kinship and bonds"),
    SystemSpec("episode", "rewards", "episode", after=("kinship",), switchable=False,
               does="count the tick, hand rewards and truncations to the env"),
    SystemSpec("episode_end", "rewards", None, after=("episode",), switchable=False,
               does="reset the worlds whose episode ended (Python, on those ticks only)"),
    SystemSpec("observation", "observe", "observation", does="encode every agent's window"),
)  # fmt: skip

SPECS = {s.name: s for s in SYSTEMS}
SYSTEM_NAMES = tuple(s.name for s in SYSTEMS if s.switchable)  # what a level's [systems] may name


def order_table() -> str:
    """The default run order as a markdown table (docs/game_systems.md holds a copy; a test compares)."""
    rows = ["| phase | system | runs after | kernel | what it does |", "|---|---|---|---|---|"]
    for s in SYSTEMS:
        kernel = f"`{s.kernel}.pyx`" if s.kernel else "Python (game/env/gridenv.py)"
        after = ", ".join(s.after) + (", then by priority" if s.acts else "")
        rows.append(f"| {s.phase} | `{s.name}` | {after} | {kernel} | {s.does} |")
    return "\n".join(rows) + "\n"
