"""The action pipeline: frozen agents lose their action (freeze.pyx), env actions become intents
with their energy paid and an agent order (decode.pyx: decode), and each intent's success or
failure is counted (decode.pyx: tally). `noop` is its one action."""

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
        ),
        System(
            name="decode",
            phase="actions",
            kernel="decode",
            after=("freeze",),
            does="env actions to intents: argument, energy, agent order",
        ),
        System(
            name="tally",
            phase="actions",
            kernel="decode",
            after=("decode",),
            does="count each intent's success or failure",
        ),
    ),
)
