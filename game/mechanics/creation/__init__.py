"""Creating objects: `build` makes a building of the level's [build] list in the empty cell in
front, paying its build cost. Off by default. Its priority (45) is before move's (50): a wall built
this tick already blocks the agent stepping there."""

from typing import Annotated

from game.mechanics.creation.section import MAX_BUILDABLES, Build
from game.mechanics.args import alive, column, has, state, table
from game.mechanics.mechanic import Action, Field, Mechanic, Section, System
from game.mechanics.section import doc

MECHANIC = Mechanic(
    name="creation",
    actions=(
        Action(
            name="build",
            cost=0,
            priority=45,
            system="build",
            enabled=False,
            args=lambda level: tuple(level.build.buildings),
        ),
    ),  # build_wall, ...
    systems=(
        System(
            name="build",
            phase="actions",
            kernel="creation",
            acts=("build",),
            does="create a building in the empty cell in front, paying its build cost",
            args=(
                state("grid", "worlds", "height", "width"),
                alive("worlds", "rows"),
                has("position", "worlds", "rows"),
                has("building", "worlds", "rows"),
                column("position", "r", "worlds", "rows"),
                column("position", "c", "worlds", "rows"),
                column("agent", "orientation", "worlds", "rows"),
                column("inventory", "items", "worlds", "rows", "resources"),
                column("building", "kind", "worlds", "rows"),
                column("building", "cooldown", "worlds", "rows"),
                column("building", "stock", "worlds", "rows"),
                column("building", "hp", "worlds", "rows"),
                column("building", "regen_timer", "worlds", "rows"),
                state("intent", "worlds", "agents", 2),
                state("order", "worlds", "agents"),
                state("success", "worlds", "agents"),
                state("stats", "worlds", "agents", "stats"),
                table("build_kind", "buildables"),
                table("build_cost", "buildables", "resources"),
                table("b_max_stock", "types"),
                table("b_hp", "types"),
            ),
        ),
    ),
    constants={"MAX_BUILDABLES": MAX_BUILDABLES},
    section=Section(name="build", cls=Build, doc="what agents may build"),
    building_fields=(
        Field(
            name="build_cost",
            default={},
            type=Annotated[
                dict[str, int], doc("resources the builder pays to create one with `build` ([build])")
            ],
        ),
    ),
)
