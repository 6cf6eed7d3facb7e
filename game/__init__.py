"""The game: MettaGrid's mechanics on the engine, as a native PufferLib env."""

from game.level import LevelError, load_level


def make_env(*args, **kwargs):
    from game.env import make_env as _make_env

    return _make_env(*args, **kwargs)


__all__ = ["LevelError", "load_level", "make_env"]
