"""Curricula: training on a set of levels with weights, and a learning-progress sampler.

A curriculum is a list of (level, weight). `CurriculumEnv` is one PufferLib env over the agents
of `num_worlds` worlds of its most crowded level that plays one of its levels at a time: each
level is a game env of `agents / agents_per_world` worlds (so every level fills the same agent
slots), and all of them write into the same buffers. The worlds of a game env start together and are truncated
together after the level's `max_steps` (no level has terminals), so that step is the episode
boundary for all of them: there the sampler draws the next episode's level. A vector of
several CurriculumEnvs (`num_envs`) mixes levels within one batch.

Samplers (`sampler` in the config):
- `weights`: level i with probability weight_i / sum(weights).
- `learning_progress` (the default): after Portelas et al. 2020 and Metta's learning-progress
  curriculum. Each level keeps a fast and a slow exponential moving average of its episode
  returns (rates `FAST`, `SLOW`); its learning progress is |fast - slow|, which is large while
  the score is changing (up or down) and goes to 0 once it is flat (less a tolerance of
  `PROGRESS_TOL * (1 + |slow|)`, so that the fading tail of an old change does not outweigh
  levels that are exactly flat). The draw is
  `p = (1 - explore) * weight * lp / sum(weight * lp) + explore * weight / sum(weight)`, the
  plain weights until every level has been scored, and the plain weights again when no level
  is changing. So levels being learned now are played most, mastered or hopeless ones less,
  and every level is still played now and then.

Every level must have the spaces of the first (observation shape and channels, actions, flat
action list), and the agent count must divide into whole worlds of each level: a mismatch is
refused at start, naming the levels and the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pufferlib

import game
from learn.training.config import ConfigError, level_file

FAST, SLOW = 0.1, 0.02  # moving-average rates of the learning-progress sampler
EXPLORE = 0.2
PROGRESS_TOL = 1e-3


class CurriculumError(ConfigError):
    """A curriculum that cannot be trained on (the message names the level and the field)."""


@dataclass(frozen=True)
class Entry:
    level: str
    weight: float = 1.0

    @property
    def name(self) -> str:
        return Path(self.level).stem


def parse_curriculum(text: str) -> list[Entry]:
    """`"a.toml:1, b.toml:3"` (a weight after the last colon is optional) -> entries."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        level, sep, weight = part.rpartition(":")
        if not sep or not weight.replace(".", "", 1).isdigit():
            level, weight = part, "1"
        try:
            out.append(Entry(level, float(weight)))
        except ValueError:
            raise CurriculumError(
                f"--curriculum: bad weight {weight!r} in {part!r} (use LEVEL.toml:WEIGHT)"
            ) from None
    return out


def check_entries(entries: list[Entry]) -> None:
    names = [e.name for e in entries]
    for e in entries:
        try:
            level_file(e.level)
        except ConfigError:
            raise CurriculumError(f"curriculum: level file {e.level} not found") from None
        if not (e.weight > 0 and np.isfinite(e.weight)):
            raise CurriculumError(f"curriculum: level {e.level} has weight {e.weight}; weights must be > 0")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise CurriculumError(
            f"curriculum: level name(s) {', '.join(dup)} appear twice (each level once, with its weight)"
        )


class LearningProgress:
    """The learning-progress sampler over `weights` (see the module docstring)."""

    def __init__(
        self,
        weights,
        rng: np.random.Generator,
        explore: float = EXPLORE,
        fast: float = FAST,
        slow: float = SLOW,
    ):
        self.weights = np.asarray(weights, np.float64)
        self.rng, self.explore, self.rates = rng, explore, (fast, slow)
        self.fast = np.zeros(len(self.weights))
        self.slow = np.zeros(len(self.weights))
        self.seen = np.zeros(len(self.weights), bool)

    def update(self, i: int, score: float) -> None:
        if not self.seen[i]:
            self.fast[i] = self.slow[i] = score
            self.seen[i] = True
            return
        f, s = self.rates
        self.fast[i] += f * (score - self.fast[i])
        self.slow[i] += s * (score - self.slow[i])

    def progress(self) -> np.ndarray:
        return np.maximum(np.abs(self.fast - self.slow) - PROGRESS_TOL * (1 + np.abs(self.slow)), 0.0)

    def probabilities(self) -> np.ndarray:
        base = self.weights / self.weights.sum()
        lp = self.weights * self.progress()
        if not self.seen.all() or lp.sum() <= 0:
            return base
        return (1 - self.explore) * lp / lp.sum() + self.explore * base

    def sample(self) -> int:
        return int(self.rng.choice(len(self.weights), p=self.probabilities()))


class FixedWeights(LearningProgress):
    """The plain weights; scores are kept (for the logs) but do not move the draw."""

    def probabilities(self) -> np.ndarray:
        return self.weights / self.weights.sum()


SAMPLERS = {"learning_progress": LearningProgress, "weights": FixedWeights}


def _spaces(env) -> dict[str, Any]:
    return {
        "observation shape": tuple(env.single_observation_space.shape),
        "observation channels": list(env.feature_names),
        "actions": list(env.action_names),
        "flat action list": list(env.flat_action_names),
    }


class CurriculumEnv(pufferlib.PufferEnv):
    """One env over the agents of `num_worlds` worlds of its most crowded level, playing its
    curriculum's levels in turn (each level with as many worlds as fill those agents)."""

    def __init__(
        self,
        entries: list[Entry],
        num_worlds: int,
        seed: int = 0,
        buf: Any = None,
        sampler: str = "learning_progress",
        **overrides,
    ):
        check_entries(entries)
        if sampler not in SAMPLERS:
            raise CurriculumError(f"curriculum sampler {sampler!r}: use one of {', '.join(SAMPLERS)}")
        self.entries = list(entries)
        self.level_names = [e.name for e in entries]
        probes = [game.make_env(e.level, num_worlds=1, **overrides) for e in entries]
        first = probes[0]
        self.single_observation_space = first.single_observation_space
        self.single_action_space = first.single_action_space
        self.num_agents = int(num_worlds) * max(p.agents_per_world for p in probes)
        self.feature_names, self.action_names = first.feature_names, first.action_names
        self.flat_actions, self.flat_action_names = first.flat_actions, first.flat_action_names
        self.resource_names = first.resource_names
        self.level_name = first.level_name
        super().__init__(buf)
        shared = {
            k: getattr(self, k)
            for k in (
                "observations",
                "rewards",
                "terminals",
                "truncations",
                "masks",
                "actions",
                "teacher_actions",
            )
        }
        # every episode's summary comes back at its last step, so the sampler sees it before the draw
        overrides = {**overrides, "report_interval": 1}
        want = _spaces(first)
        self.envs = []
        for i, (e, probe) in enumerate(zip(entries, probes)):
            got = _spaces(probe)
            diff = [f"{k}: {want[k]} vs {got[k]}" for k in want if want[k] != got[k]]
            if diff:
                raise CurriculumError(
                    f"curriculum: level {e.level} does not share the spaces of {entries[0].level}:"
                    f" " + "; ".join(diff)
                )
            A = probe.agents_per_world
            if self.num_agents % A:
                raise CurriculumError(
                    f"curriculum: level {e.level} has {A} agents per world, which does not divide "
                    f"the {self.num_agents} agents of each env ({num_worlds} worlds of the most "
                    f"crowded level): make num_worlds such that they do"
                )
            self.envs.append(
                game.make_env(
                    e.level,
                    num_worlds=self.num_agents // A,
                    seed=_level_seed(seed, i),
                    buf=shared,
                    **overrides,
                )
            )
        self.seed = seed
        self.sampler = SAMPLERS[sampler]([e.weight for e in entries], np.random.default_rng(seed))
        self.current = 0
        self.started: set[int] = set()  # levels that have played since the last reset

    @property
    def env(self):
        return self.envs[self.current]

    def reset(self, seed: int | None = None):
        """A new seed reseeds every level's worlds and the sampler's draws (its scores stay)."""
        if seed is not None and seed != self.seed:
            self.seed = seed
            self.sampler.rng = np.random.default_rng(seed)
            for i, env in enumerate(self.envs):
                env.reset(_level_seed(seed, i))
        self.current = self.sampler.sample()
        self.env.reset()
        self.started = {self.current}
        return self.observations, []

    def step(self, actions):
        env, name = self.env, self.level_names[self.current]
        _, _, _, _, infos = env.step(actions)
        for info in infos:
            info["level"] = name
            if "episode_return" in info:
                self.sampler.update(self.current, float(info["episode_return"]))
            info.update({f"curriculum.{n}": p for n, p in self.probabilities().items()})
        if self.truncations.all():
            # the episode boundary of every world: the next episode may be on another level. A
            # level played before left its worlds reset at its own last boundary (on their next
            # maps), so it only writes its observations again; the last step's rewards and
            # truncations stay what they were.
            nxt = self.sampler.sample()
            if nxt != self.current:
                rewards = self.rewards.copy()
                self.current = nxt
                if nxt in self.started:
                    self.env.observe()
                else:
                    self.env.reset()
                    self.started.add(nxt)
                self.rewards[:] = rewards
                self.truncations[:] = True
        return self.observations, self.rewards, self.terminals, self.truncations, infos

    def probabilities(self) -> dict[str, float]:
        return dict(zip(self.level_names, self.sampler.probabilities().tolist()))

    def close(self) -> None:
        for env in self.envs:
            env.close()


def _level_seed(seed: int, i: int) -> int:
    """World w of level i's env has seed _level_seed(seed, i) + w: two levels never share one."""
    return seed + i * 1_000_003
