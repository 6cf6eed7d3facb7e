"""Combat: `attack` freezes, damages or robs what is in a cell of the 3x3 block ahead (argument k
is k // 3 + 1 cells ahead, k % 3 - 1 to the right), `shield` toggles the shield."""

from game.mechanics.combat.section import Combat
from game.mechanics.args import column, scalar, state, table
from game.mechanics.mechanic import Action, Mechanic, Section, System

ATTACK = Action(name="attack", cost=10, priority=20, system="attack", args=tuple(str(i) for i in range(9)))
ATTACK_ARGS = len(ATTACK.args)  # attack's argument: a cell of the 3x3 block in front
ATTACK_WIDTH = (
    3  # the block's cells across (left, ahead, right); argument k is k // 3 + 1 ahead, k % 3 - 1 right
)


# the resources combat knows by name: an attack may consume a laser, and armor absorbs a hit
# (docs/game_systems.md, attack); a level without them has attacks that need no laser and no armor
LASER, ARMOR = "laser", "armor"


def resource_id(resources: list[str], name: str) -> int:
    """The id of resource `name` (LASER, ARMOR) in a level's `resources`, or -1 where it has none."""
    return resources.index(name) if name in resources else -1


def scalars(level, tab) -> dict:
    c = level.combat
    return {
        "damage": c.damage,
        "freeze_duration": c.freeze_duration,
        "consume_laser": int(c.consume_laser),
        "shield_upkeep": c.shield_upkeep,
        "steal": int(c.steal),
        "laser": resource_id(tab.resource_names, LASER),
        "armor": resource_id(tab.resource_names, ARMOR),
    }


MECHANIC = Mechanic(
    name="combat",
    actions=(
        ATTACK,
        Action(name="shield", cost=0, priority=10, system="shield"),
    ),
    systems=(
        System(
            name="attack",
            phase="actions",
            kernel="combat",
            acts=("attack",),
            does="freeze, damage or rob what is ahead",
            args=(
                state("grid", "worlds", "height", "width"),
                state("intent", "worlds", "agents", 2),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                column("agent", "energy", "worlds", "rows"),
                column("agent", "shield", "worlds", "rows"),
                column("agent", "frozen", "worlds", "rows"),
                column("inventory", "items", "worlds", "rows", "resources"),
                column("building", "kind", "worlds", "rows"),
                column("building", "hp", "worlds", "rows"),
                state("stats", "worlds", "agents", "stats"),
                state("kin_class", "worlds", "agents"),
                state("kin_weight", "worlds", "kin_classes", "kin_classes"),
                table("res_max", "resources"),
                state("signal_buffer", "signal_capacity", 4),
                state("signal_count", 1),
                state("signal_enabled", "signal_kinds"),
                scalar("damage"),
                scalar("freeze_duration"),
                scalar("consume_laser"),
                scalar("steal"),
                scalar("laser"),
                scalar("armor"),
                scalar("stat_misc"),
                scalar("inventory_max"),
            ),
        ),
        System(
            name="shield",
            phase="actions",
            kernel="combat",
            acts=("shield",),
            does="toggle the shield",
            args=(
                state("intent", "worlds", "agents", 2),
                state("success", "worlds", "agents"),
                column("agent", "energy", "worlds", "rows"),
                column("agent", "shield", "worlds", "rows"),
                scalar("shield_upkeep"),
            ),
        ),
    ),
    scalars=scalars,
    constants={"ATTACK_ARGS": ATTACK_ARGS, "ATTACK_WIDTH": ATTACK_WIDTH},
    section=Section(name="combat", cls=Combat, doc="attack and shield rules"),
    stats={
        "ATTACK_KIN": "attack.kin",
        "ATTACK_NON_KIN": "attack.non_kin",
        "ATTACKED_BY_KIN": "attacked.by_kin",
        "ATTACKED_BY_NON_KIN": "attacked.by_non_kin",
        "ATTACK_BUILDING": "attack.building",
        "SHIELD_ABSORBED": "shield.absorbed",
        "FREEZES_CAUSED": "freeze.caused",
        "BUILDINGS_DESTROYED": "building.destroyed",
    },
)
