"""Adapters for people who use Gymnasium or PettingZoo rather than PufferLib."""

from game.adapters.gymnasium_env import GymnasiumGridEnv
from game.adapters.pettingzoo_env import PettingZooGridEnv

__all__ = ["GymnasiumGridEnv", "PettingZooGridEnv"]
