"""Episodes: the tick counter, rewards and truncations handed to the env (episode.pyx), and the
reset of the worlds whose episode ended (the env's Python, on those ticks only)."""

from game.mechanics.args import given, scalar, state
from game.mechanics.mechanic import Mechanic, System


def scalars(level, tab) -> dict:
    return {"max_steps": level.max_steps}


MECHANIC = Mechanic(
    name="episode",
    systems=(
        System(
            name="episode",
            phase="rewards",
            kernel="episode",
            after=("kinship",),
            switchable=False,
            does="count the tick, hand rewards and truncations to the env",
            args=(
                state("episode_tick", "worlds"),
                state("reward", "worlds", "agents"),
                given("env_rewards", "worlds", "agents"),
                given("env_truncations", "worlds", "agents"),
                given("ended", "worlds"),
                given("ended_count", 1),
                scalar("max_steps"),
            ),
        ),
        System(
            name="episode_end",
            phase="rewards",
            kernel=None,
            after=("episode",),
            switchable=False,
            does="reset the worlds whose episode ended (Python, on those ticks only)",
        ),
    ),
    scalars=scalars,
)
