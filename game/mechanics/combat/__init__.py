"""Combat: `attack` freezes, damages or robs what is in a cell of the 3x3 block ahead (argument k
is k // 3 + 1 cells ahead, k % 3 - 1 to the right), `shield` toggles the shield."""

from game.mechanics.combat.section import Combat
from game.mechanics.mechanic import Action, Mechanic, Section, System

ATTACK = Action(name="attack", cost=10, priority=20, system="attack", args=tuple(str(i) for i in range(9)))
ATTACK_ARGS = len(ATTACK.args)  # attack's argument: a cell of the 3x3 block in front
ATTACK_WIDTH = (
    3  # the block's cells across (left, ahead, right); argument k is k // 3 + 1 ahead, k % 3 - 1 right
)


def scalars(level, tab) -> dict:
    c = level.combat
    return {
        "damage": c.damage,
        "freeze_duration": c.freeze_duration,
        "consume_laser": int(c.consume_laser),
        "shield_upkeep": c.shield_upkeep,
        "steal": int(c.steal),
        "laser": tab.laser,
        "armor": tab.armor,
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
        ),
        System(name="shield", phase="actions", kernel="combat", acts=("shield",), does="toggle the shield"),
    ),
    scalars=scalars,
    constants={"ATTACK_ARGS": ATTACK_ARGS, "ATTACK_WIDTH": ATTACK_WIDTH},
    section=Section(name="combat", cls=Combat, doc="attack and shield rules"),
)
