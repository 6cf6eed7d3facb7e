"""The trainer's vector of envs (pufferlib.vector): which envs, how they are seeded, and the
config checks that must pass before any env is built.

Seeds: env i of rank r's vector gets seed + r * num_envs + i (`env_seed` plus pufferlib's own
+ i), and its worlds (base + i) * num_worlds + w, so no two worlds of a run share a seed.
"""

from __future__ import annotations

from typing import Any

import pufferlib.vector

import game
from learn.training.config import ConfigError, TrainConfig, level_file, to_dict


def check_levels(c: TrainConfig) -> None:
    """ConfigError (CurriculumError) for a level or curriculum level that is not there: said at
    once, rather than from inside a worker process."""
    level_file(c.level)
    if c.curriculum:
        from learn.training.curriculum import Entry, check_entries

        check_entries([Entry(e.level, e.weight) for e in c.curriculum])


def check_workers(c: TrainConfig) -> None:
    """ConfigError when the multiprocessing backend's workers cannot share the envs evenly."""
    if c.vector != "serial" and c.num_envs % (c.num_workers or c.num_envs):
        raise ConfigError(
            f"num_workers: {c.num_workers} workers cannot share {c.num_envs} envs evenly; choose "
            f"num_envs a multiple of num_workers (or num_workers = 0: one per env)"
        )


def _seed_per_world(env, num_worlds: int):
    """A later reset(seed=s) (the multiprocessing backend sends one) keeps the mapping of env
    seed s to world seeds s * num_worlds + w."""
    reset = env.reset
    env.reset = lambda seed=None: reset(None if seed is None else seed * num_worlds)
    return env


def env_creator(level_path: str, num_worlds: int, buf=None, seed: int = 0, **overrides):
    """Env i of a vector: pufferlib passes seed = base + i; its worlds get seeds
    (base + i) * num_worlds + w, so no two worlds of a vector share a seed."""
    env = game.make_env(level_path, num_worlds=num_worlds, seed=seed * num_worlds, buf=buf, **overrides)
    return _seed_per_world(env, num_worlds)


def env_seed(config: TrainConfig, rank: int = 0) -> int:
    """The vector seed of a rank: seed + rank * num_envs, so that env i of rank r has seed
    seed + r * num_envs + i and no two ranks (nor envs, nor worlds) share a world seed."""
    return config.seed + rank * config.num_envs


def curriculum_env_creator(
    entries: list[dict[str, Any]], num_worlds: int, sampler: str, buf=None, seed: int = 0, **overrides
):
    """Env i of a curriculum vector: `num_worlds` worlds of its most crowded level (every level
    fills as many agents); seeds as env_creator's."""
    from learn.training.curriculum import CurriculumEnv, Entry

    es = [Entry(e["level"], float(e["weight"])) for e in entries]
    env = CurriculumEnv(es, num_worlds, seed=seed * num_worlds, buf=buf, sampler=sampler, **overrides)
    return _seed_per_world(env, num_worlds)


def make_vecenv(config: TrainConfig, rank: int = 0):
    overrides = {"max_steps": config.max_steps} if config.max_steps else {}
    if config.curriculum:
        creator = curriculum_env_creator
        kwargs = dict(
            entries=to_dict(config)["curriculum"],
            num_worlds=config.num_worlds,
            sampler=config.curriculum_sampler,
            **overrides,
        )
    else:
        creator = env_creator
        kwargs = dict(level_path=config.level, num_worlds=config.num_worlds, **overrides)
    seed = env_seed(config, rank)
    if config.vector == "serial":
        return pufferlib.vector.make(
            creator, backend=pufferlib.vector.Serial, num_envs=config.num_envs, env_kwargs=kwargs, seed=seed
        )
    workers = config.num_workers or config.num_envs
    return pufferlib.vector.make(
        creator,
        backend=pufferlib.vector.Multiprocessing,
        num_envs=config.num_envs,
        num_workers=workers,
        batch_size=config.num_envs,
        env_kwargs=kwargs,
        seed=seed,
    )
