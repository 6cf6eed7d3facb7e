"""Every mechanic of the game, one line each. The order is the action codes' order (`Act`: each
mechanic's actions in turn), within a phase the systems' run order, and the order of the Level's
sections (so of a resolved Level's bytes); a new mechanic goes at the end so that none of them
moves."""

from __future__ import annotations

from importlib import import_module

from game.mechanics.mechanic import Action, Mechanic

NAMES = (
    "actions",  # noop; freeze, decode, tally: the action pipeline
    "movement",  # move, rotate
    "energy",  # upkeep and shield cost
    "buildings",  # use; cooldown
    "combat",  # attack, shield; [combat]
    "interact",  # transfer, swap, color
    "rewards",  # inventory_reward
    "kinship",  # reward mixing by kinship; [kinship]
    "mate",  # mate; [mate]
    "profile",  # profile
    "creation",  # build; [build]
    "episode",  # episode counting and ends
    "observation",  # the observation kernel; [obs]
    "alter",  # push
)

MECHANICS: tuple[Mechanic, ...] = tuple(import_module(f"game.mechanics.{name}").MECHANIC for name in NAMES)


def _check() -> None:
    """Each mechanic sits in the folder of its name; an action or system name has one owner;
    an action names a system of its own mechanic."""
    actions: dict[str, str] = {}
    systems: dict[str, str] = {}
    for name, m in zip(NAMES, MECHANICS):
        if m.name != name:
            raise ValueError(
                f"game/mechanics/{name}/__init__.py: MECHANIC.name is {m.name!r}, not its folder's name"
            )
        for names, owners in (([a.name for a in m.actions], actions), ([s.name for s in m.systems], systems)):
            for thing in names:
                if thing in owners:
                    raise ValueError(f"game/mechanics/{m.name}: {thing!r} is declared by {owners[thing]} too")
                owners[thing] = m.name
        own = {s.name for s in m.systems}
        for a in m.actions:
            if a.system and a.system not in own:
                raise ValueError(
                    f"game/mechanics/{m.name}: action {a.name!r} names system {a.system!r}, "
                    f"which the mechanic does not declare"
                )


_check()

ACTIONS: tuple[Action, ...] = tuple(a for m in MECHANICS for a in m.actions)
