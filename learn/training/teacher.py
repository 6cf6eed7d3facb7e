"""A teacher for kickstarting: a baseline whose choices the policy is pulled toward early on.

Kickstarting (Schmitt et al. 2018, "Kickstarting Deep Reinforcement Learning"; Metta's trainer
has it as `kickstart`) adds to the PPO loss `coef * -log pi(a_teacher | s)` on the states the
*learner* visits, with `coef` decaying to 0, so that the learner starts from the teacher's
competence and PPO takes over from there (it may then leave the teacher behind). The learner
still acts: the rollout and the PPO terms are on-policy as ever; the teacher only labels the
states with what it would have done.

The teacher here is the scripted baseline (learn/evaluation/baselines.py) in its memoryless form (it explores
along the agent's facing rather than a heading it keeps apart, so each of its choices is a
function of the observation, which a feed-forward learner can copy), bound once per level: with a
curriculum each env object's current level picks its teacher, since recipes differ by level
(harvest's altar takes 2 batteries, the arena's 3 and 10 energy). Its `(action, argument)` rows
become indices into the level's flat action list (game/rules/action_table.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from game.rules.action_table import flat_index
from learn.training.config import ConfigError


def _scripted(**options):
    def make(seed: int):
        from learn.evaluation.baselines import ScriptedPolicy

        return ScriptedPolicy(seed, memoryless=True, **options)

    return make


def _act(act: str):
    def make(seed: int):
        from learn.evaluation.control import ControlPolicy

        return ControlPolicy(act, None, seed=seed, memoryless=True)

    return make


# name -> a maker of the teacher policy from a seed. "scripted_peaceful" teaches the production
# chain only; "giver" and "attacker" show how to do the social act (turn to the other agent and
# give, or strike), to any agent at any relatedness, and produce otherwise: they teach how, never
# when, so what a learner does about relatedness it learns from its rewards alone
TEACHERS = {
    "scripted": _scripted(),
    "scripted_peaceful": _scripted(peaceful=True),
    "giver": _act("give"),
    "attacker": _act("attack"),
}


def teacher_coef(coef: float, steps: int, global_step: int) -> float:
    """The distillation weight at `global_step`: `coef` falling linearly to 0 at `steps`."""
    if coef <= 0 or steps <= 0:
        return 0.0
    return coef * max(0.0, 1.0 - global_step / steps)


class Teacher:
    """Labels a vector's observations with the teacher's flat action indices (-1: no label).

    Works on the serial vector backend (the env objects live in this process, so each one's
    current level is known); one scripted policy per (env object, level), each with its own
    exploration state for that env object's agents."""

    def __init__(self, name: str, vecenv, seed: int = 0):
        if name not in TEACHERS:
            raise ConfigError(
                f'teacher: unknown teacher {name!r}; choose one of {", ".join(TEACHERS)} (or "" for none)'
            )
        envs = getattr(vecenv, "envs", None)
        if not envs:
            raise ConfigError('teacher: needs vector = "serial" (the teacher reads each env object\'s level)')
        self.envs = envs
        self.rows = [e.num_agents for e in envs]
        self.policies: list[dict[str, Any]] = []
        self.tables: dict[str, np.ndarray] = {}
        for i, env in enumerate(envs):
            per_level = {}
            for level_env in _levels(env):
                p = TEACHERS[name](seed * 1009 + i)
                p.bind(level_env, level_env.level_name)
                p.reset(env.num_agents)
                per_level[level_env.level_name] = p
                if level_env.level_name not in self.tables:
                    nvec = level_env.single_action_space.nvec
                    self.tables[level_env.level_name] = flat_index(
                        level_env.flat_actions, int(nvec[0]), int(nvec[1])
                    )
            self.policies.append(per_level)

    def label(self, obs: np.ndarray) -> np.ndarray:
        """obs (N, window, window, C) of the whole vector -> (N,) int64 flat indices or -1."""
        out = np.empty(len(obs), np.int64)
        start = 0
        for env, per_level, n in zip(self.envs, self.policies, self.rows):
            level = _current(env).level_name
            pairs = per_level[level].act(obs[start : start + n])
            out[start : start + n] = self.tables[level][pairs[:, 0], pairs[:, 1]]
            start += n
        return out


def _levels(env) -> list[Any]:
    """The game envs an env object can be on: a curriculum's levels, or itself."""
    return list(getattr(env, "envs", None) or [env])


def _current(env):
    return env.env if hasattr(env, "envs") and hasattr(env, "current") else env
