"""What the encoder tests share: arena observations after a few random steps, and an encoder
built for that env's spaces."""

import numpy as np
import torch

import game
from learn.rundir import checkpoint as ckpt

ARENA = "game/levels/arena.toml"


def arena_obs(seed: int, steps: int = 20):
    """(env, obs): one arena world after `steps` random flat actions, obs as a torch uint8 copy."""
    env = game.make_env(ARENA, num_worlds=1, seed=seed)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        obs, *_ = env.step(env.flat_actions[rng.integers(0, len(env.flat_actions), env.num_agents)])
    return env, torch.from_numpy(obs.copy())


def build_encoder(cls, env, **kw):
    sp = ckpt.spaces_of(env)
    return cls(tuple(sp["obs_shape"]), sp["feature_names"], **kw)
