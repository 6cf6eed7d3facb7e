"""Policies the viewer can run for the agents nobody drives: `obs (N, win, win, C) -> actions (N, 2)`.

`load_policy(spec, env)` accepts:
- `random` (the default): a random valid (action, argument) per agent, biased to moving;
- `forager`: a small scripted policy (use the building in front when it is ready, else wander);
- `scripted`: the scripted baseline of `python -m learn eval --policy scripted` (learn.evaluation.baselines);
- a checkpoint file written by `python -m learn train`, a run directory (its latest checkpoint) or
  `RUN_DIR@STEP` (needs torch; loaded through `learn.rundir.checkpoint.load_checkpoint` and
  `learn.policies.agent.Agent`, sampled like `learn.evaluation.evaluate`);
- `module:factory`: `factory(env)` must return a callable `obs -> actions`.
Any callable `obs -> actions` can also be passed to `Session` directly.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np

from game.rules.constants import DC, DR, Act


class PolicyError(ValueError):
    pass


class RandomPolicy:
    """Random valid actions; moves and rotations are likelier so that the world looks alive."""

    name = "random"
    WEIGHT = {
        "noop": 1.0,
        "move": 5.0,
        "rotate": 3.0,
        "use": 3.0,
        "attack": 0.3,
        "shield": 0.2,
        "transfer": 0.3,
        "swap": 0.3,
        "color": 0.3,
        "mate": 0.2,
    }

    def __init__(self, env, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.pairs = env.flat_actions
        ids = self.pairs[:, 0]
        # an action's weight is shared among its valid arguments
        w = np.array([self.WEIGHT.get(env.action_names[a], 1.0) for a in ids]) / np.bincount(ids)[ids]
        self.p = w / w.sum()

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        return self.pairs[self.rng.choice(len(self.p), size=obs.shape[0], p=self.p)]


class ForagerPolicy:
    """Scripted: use the building in front when the observation says it is ready, else wander."""

    name = "forager"

    def __init__(self, env, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        names = env.action_names
        self.ids = {n: names.index(n) for n in ("noop", "move", "rotate", "use") if n in names}
        f = env.feature_names
        self.btype, self.bready = f.index("building.type"), f.index("building.ready")
        self.orient = f.index("agent.orientation")
        self.half = env.single_observation_space.shape[0] // 2

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        n, h = obs.shape[0], self.half
        orient = np.clip(obs[:, h, h, self.orient].astype(np.int64), 0, 3)  # the observer's own facing
        dr = np.array(DR)[orient]
        dc = np.array(DC)[orient]
        front = obs[np.arange(n), h + dr, h + dc]
        ready = (front[:, self.btype] > 0) & (front[:, self.bready] > 0)
        out = np.zeros((n, 2), np.int32)
        u = self.rng.random(n)
        move = u < 0.7
        out[move, 0] = self.ids.get("move", 0)
        rot = ~move
        out[rot, 0] = self.ids.get("rotate", 0)
        out[rot, 1] = self.rng.integers(0, 4, rot.sum())
        if "use" in self.ids:
            out[ready, 0] = self.ids["use"]
            out[ready, 1] = 0
        return out


class BaselinePolicy:
    """A baseline of learn.evaluation.baselines (`scripted`), the same rules and seed handling as in eval."""

    def __init__(self, name: str, env, seed: int = 0):
        from learn.evaluation.baselines import make_eval_policy

        self.policy = make_eval_policy(name, seed=seed)
        self.policy.bind(env, env.level_name)
        self.name, self.num_agents = name, env.num_agents
        self.reset()

    def reset(self) -> None:
        self.policy.reset(self.num_agents)

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        return self.policy.act(obs)


class CheckpointPolicy:
    """A policy from a `learn` checkpoint (feed-forward or LSTM), sampled as learn.evaluation.evaluate
    does."""

    def __init__(self, path: str | Path, env, greedy: bool = False, device: str = "cpu"):
        try:
            from learn.policies.agent import Agent
            from learn.rundir import checkpoint as ckpt
        except ImportError as e:
            raise PolicyError(f"loading a checkpoint needs torch and the learn package: {e}") from None
        try:
            self.agent = Agent(
                ckpt.load_checkpoint(path, map_location=device),
                env,
                path,
                env.level_name,
                device=device,
                greedy=greedy,
            )
        except ckpt.CheckpointError as e:
            raise PolicyError(str(e)) from None
        self.name = f"checkpoint {ckpt.resolve_checkpoint(path).name}"

    def reset(self) -> None:
        self.agent.batch = 0  # a fresh state at the next call

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        return self.agent.act(obs)


def load_policy(spec: str | Callable | None, env, seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    if spec is None or spec == "random":
        return RandomPolicy(env, seed)
    if callable(spec):
        return spec
    if spec == "forager":
        return ForagerPolicy(env, seed)
    if spec == "scripted":
        return BaselinePolicy(spec, env, seed)
    p = Path(spec)
    if p.exists() or re.fullmatch(r".+@\d+", spec):
        return CheckpointPolicy(spec, env)
    if ":" in spec and not p.suffix:
        mod, _, attr = spec.partition(":")
        try:
            factory: Any = getattr(importlib.import_module(mod), attr)
        except (ImportError, AttributeError) as e:
            raise PolicyError(f"policy {spec}: {e}") from None
        pol = factory(env)
        if not callable(pol):
            raise PolicyError(f"policy {spec}: {attr}(env) must return a callable obs -> actions")
        return pol
    raise PolicyError(
        f"policy {spec}: no such checkpoint file (use a checkpoint, a run directory, RUN_DIR@STEP, 'random', "
        f"'scripted', 'forager' or module:factory)"
    )


def check_actions(actions: Any, n: int, who: str = "policy") -> np.ndarray:
    a = np.asarray(actions)
    if a.shape != (n, 2):
        raise PolicyError(f"{who} returned actions of shape {a.shape}, expected ({n}, 2)")
    return a.astype(np.int32, copy=False)


NOOP = int(Act.NOOP)
