"""The action pipeline: frozen agents lose their action (freeze.pyx), env actions become intents
with their energy paid and an agent order (decode.pyx: decode), and each intent's success or
failure is counted (decode.pyx: tally). `noop` is its one action."""

from game.mechanics.args import column, given, scalar, state, table
from game.mechanics.mechanic import Action, Mechanic, System

MECHANIC = Mechanic(
    name="actions",
    actions=(Action(name="noop", cost=0, priority=90),),
    systems=(
        System(
            name="freeze",
            phase="actions",
            kernel="freeze",
            does="frozen agents lose their action and count down",
            args=(
                column("agent", "frozen", "worlds", "rows"),
                state("active", "worlds", "agents"),
                state("intent", "worlds", "agents", 2),
                state("stats", "worlds", "agents", "stats"),
                scalar("stat_misc"),
            ),
        ),
        System(
            name="decode",
            phase="actions",
            kernel="decode",
            after=("freeze",),
            does="env actions to intents: argument, energy, agent order",
            args=(
                given("actions", "worlds", "agents", 2),
                table("action_code", "num_actions"),
                table("arg_count", "NUM_CODES"),
                table("cost", "bodies", "NUM_CODES"),
                column("agent", "group", "worlds", "rows"),
                column("agent", "profile", "worlds", "rows"),
                column("agent", "energy", "worlds", "rows"),
                state("active", "worlds", "agents"),
                state("intent", "worlds", "agents", 2),
                state("success", "worlds", "agents"),
                state("last_action", "worlds", "agents"),
                state("raw_reward", "worlds", "agents"),
                state("stats", "worlds", "agents", "stats"),
                state("rng", "worlds"),
                state("order", "worlds", "agents"),
                scalar("stat_misc"),
                scalar("profiles"),
            ),
        ),
        System(
            name="tally",
            phase="actions",
            kernel="decode",
            after=("decode",),
            does="count each intent's success or failure",
            args=(
                state("intent", "worlds", "agents", 2),
                state("success", "worlds", "agents"),
                state("stats", "worlds", "agents", "stats"),
            ),
        ),
    ),
    # its counters, after the per-action and per-resource ones (game/env/stats.py), in registry
    # order: {KEY: name}; its kernels add to stat_misc + MISC_<KEY>
    stats={"FROZEN_TICKS": "status.frozen.ticks", "ENERGY_SPENT": "energy.spent"},
)
