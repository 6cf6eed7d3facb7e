"""The game: MettaGrid's mechanics on the engine, as a native PufferLib env.

A level travels load -> maps -> state -> systems -> env, one subpackage each; adapters/ and tools/
sit on top. game/rules holds the game as data and game/errors the level errors. Imports go one
way, in the order errors, rules, maps, load (which builds the first map to check the level),
state, systems, env, then tools and adapters (tests/test_game_layers.py checks it).
"""

from game.errors import LevelError
from game.load.level import load_level


def __getattr__(name: str):
    # `game.make_env` is game.env.gridenv.make_env itself (its signature and docstring show in
    # help()), imported on first use so that `import game` (loading and checking levels) loads
    # no compiled kernel and no pufferlib
    if name == "make_env":
        from game.env.gridenv import make_env

        return make_env
    raise AttributeError(f"module 'game' has no attribute {name!r}")


__all__ = ["LevelError", "load_level", "make_env"]
