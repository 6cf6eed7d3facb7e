"""Evaluation policies: the random and scripted baselines, and a checkpoint wrapped alike.

Every policy here works on numpy batches so the suite runner can treat them the same way:
`bind(env)` ties it to a level (and checks that it fits: `CheckpointError` if not),
`reset(num_agents)` starts the episodes, `act(obs) -> (N, 2) int32` picks one
`(action, argument)` row per agent from the observations `(N, window, window, channels)`.

- `RandomPolicy`: uniform action ids and arguments (arguments out of range for an action make it
  fail, as they would for an untrained network): the floor of every score.
- `ScriptedPolicy`: a hand-written rule set, vectorised over all agents, that reads only the
  observation window (channel names from `env.feature_names`; `building.type` is the building
  index + 1 in `env.tables.building_names` order; the `inv.<resource>` channels at the centre
  cell are the agent's own inventory) plus the level's recipes, which it learns when bound:
    1. attack: a non-kin (kin channel <= 128), unfrozen agent in the 3x3 attack block in front,
       and the attack is affordable (energy, laser when the level consumes one) -> attack it;
    2. flee: a non-kin, unfrozen agent within 2 cells, the attack unaffordable, and something in
       the inventory to lose -> step away from it;
    3. otherwise the production chain: enough batteries (and energy) for an altar -> altar; low
       energy and a battery -> charger; ore for a generator -> generator; else -> mine. It walks to
       the nearest visible building of that type (ready ones first; falling back to the next
       useful type in sight), faces it and uses it; with nothing useful in sight it explores
       (a random heading kept until blocked; `memoryless=True`: along its own facing, turning to
       another heading when blocked, so that its choices depend on the observation alone: the
       kickstarting teacher, learn/training/teacher.py).
- `CheckpointPolicy`: a trained network from `python -m learn train`.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np

from game.mechanics import combat
from game.rules import constants
from learn.rundir.checkpoint import CheckpointError

BASELINES = ("random", "scripted")
DR, DC = np.array(constants.DR), np.array(constants.DC)
SR, SC = np.array(constants.RIGHT_DR), np.array(constants.RIGHT_DC)  # right of facing (attack's block)
OPPOSITE = np.array([1, 0, 3, 2])


class EvalPolicy:
    """The interface the suite runner uses; subclasses override `bind`, `reset` and `act`."""

    name = "policy"
    kind = "baseline"
    checkpoint: str | None = None
    step = 0

    def bind(self, env, level: str = "") -> None:
        self.nvec = [int(n) for n in env.single_action_space.nvec]

    def reset(self, num_agents: int) -> None:
        pass

    def reseed(self, key: str) -> None:
        """Restart the policy's randomness from (its seed, `key`): the suite runner calls it with
        the level and the first episode of each batch, so that a level's episodes do not depend on
        which levels ran before it in the suite."""

    def act(self, obs: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _key_seed(seed: int, key: str) -> list[int]:
    return [int(seed), zlib.crc32(key.encode())]


class RandomPolicy(EvalPolicy):
    name = "random"

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def reseed(self, key: str) -> None:
        self.rng = np.random.default_rng(_key_seed(self.seed, key))

    def act(self, obs: np.ndarray) -> np.ndarray:
        n = obs.shape[0]
        return np.stack([self.rng.integers(0, k, n) for k in self.nvec], 1).astype(np.int32)


class ScriptedPolicy(EvalPolicy):
    name = "scripted"

    def __init__(
        self,
        seed: int = 0,
        low_energy: int = 30,
        explore_turn: float = 0.08,
        memoryless: bool = False,
        peaceful: bool = False,
    ):
        self.seed = seed
        # peaceful: without the attack and flee rules (only the production chain), a teacher that
        # leaves what a learner does to other agents to the learner's own rewards
        self.peaceful = peaceful
        self.rng = np.random.default_rng(seed)
        self.low_energy = low_energy
        self.explore_turn = explore_turn
        # memoryless: explore along the agent's own facing instead of a heading kept apart, so
        # that every choice is a function of the observation (what a feed-forward learner can copy)
        self.memoryless = memoryless

    def bind(self, env, level: str = "") -> None:
        super().bind(env, level)
        f = {n: i for i, n in enumerate(env.feature_names)}
        a = {n: i for i, n in enumerate(env.action_names)}
        need = [
            "agent",
            "agent.energy",
            "agent.frozen",
            "agent.orientation",
            "wall",
            "building.type",
            "building.ready",
            "kin",
        ]
        missing = [n for n in need if n not in f] + [n for n in ("move", "rotate", "use") if n not in a]
        if missing:
            raise CheckpointError(f"scripted policy: level {level} lacks {', '.join(missing)}")
        self.f, self.a = f, a
        self.win = env.single_observation_space.shape[0]
        c = self.win // 2
        self.c = c
        ii, jj = np.mgrid[: self.win, : self.win]
        self.dist = (np.abs(ii - c) + np.abs(jj - c)).astype(np.int32)
        self.di, self.dj = ii - c, jj - c
        lv = env.level
        names = list(env.tables.building_names)
        self.bid = {n: i + 1 for i, n in enumerate(names)}  # building.type channel value
        b = lv.buildings
        self.altar_batt = int(b["altar"].inputs.get("battery", 0)) if "altar" in b else 99
        self.altar_energy = int(b["altar"].input_energy) if "altar" in b else 0
        self.gen_ore = int(b["generator"].inputs.get("ore", 1)) if "generator" in b else 99
        tab = env.tables
        from game.rules.constants import Act

        codes = list(tab.action_code)
        atk = codes.index(Act.ATTACK) if Act.ATTACK in codes else -1
        self.attack_id = a.get("attack", -1)
        # the cheapest group's attack cost is a fair rule of thumb for everyone
        self.attack_cost = int(tab.cost[:, Act.ATTACK].min()) if atk >= 0 else 10**6
        self.attack_laser = bool(lv.combat.consume_laser)
        self.max_energy = int(max(g.max_energy for g in lv.groups.values()))
        self.res = {r: f.get(f"inv.{r}") for r in env.resource_names}

    def reset(self, num_agents: int) -> None:
        self.heading = self.rng.integers(0, 4, num_agents)

    def reseed(self, key: str) -> None:
        self.rng = np.random.default_rng(_key_seed(self.seed, key))

    # ---- helpers over the whole batch ----------------------------------------------------
    def _inv(self, me: np.ndarray, r: str) -> np.ndarray:
        ch = self.res.get(r)
        return me[:, ch].astype(np.int32) if ch is not None else np.zeros(len(me), np.int32)

    def _nearest(self, mask: np.ndarray, extra_cost: np.ndarray | None = None):
        """Per agent, the masked cell nearest the centre: (found, di, dj, dist)."""
        cost = np.where(mask, self.dist[None] + (0 if extra_cost is None else extra_cost), 10**6)
        flat = cost.reshape(len(mask), -1)
        k = flat.argmin(1)
        found = flat[np.arange(len(mask)), k] < 10**6
        i, j = np.divmod(k, self.win)
        return found, i - self.c, j - self.c, self.dist[i, j]

    def act(self, obs: np.ndarray) -> np.ndarray:
        N, c, f = obs.shape[0], self.c, self.f
        me = obs[:, c, c, :]
        orient = me[:, f["agent.orientation"]].astype(np.int64) % 4
        energy = me[:, f["agent.energy"]].astype(np.int32)
        ore, batt, laser = self._inv(me, "ore"), self._inv(me, "battery"), self._inv(me, "laser")
        holding = sum(self._inv(me, r) for r in self.res)
        btype = obs[..., f["building.type"]].astype(np.int32)
        ready = obs[..., f["building.ready"]] > 0
        agent = obs[..., f["agent"]] > 0
        agent[:, c, c] = False
        kin = obs[..., f["kin"]].astype(np.int32)
        enemy = agent & (kin > 0) & (kin <= 128) & (obs[..., f["agent.frozen"]] == 0)
        blocked = (obs[..., f["wall"]] > 0) | (btype > 0) | agent

        out = np.zeros((N, 2), np.int32)  # noop
        decided = np.zeros(N, bool)
        rows = np.arange(N)

        # 1. attack a non-kin agent in the 3x3 block in front
        can_attack = (energy >= self.attack_cost + 5) & (self.attack_id >= 0) & (not self.peaceful)
        if self.attack_laser:
            can_attack &= laser > 0
        if self.attack_id >= 0 and can_attack.any():
            for arg in range(min(9, self.nvec[1])):
                d, s = 1 + arg // combat.ATTACK_WIDTH, arg % combat.ATTACK_WIDTH - 1
                ti = c + DR[orient] * d + SR[orient] * s
                tj = c + DC[orient] * d + SC[orient] * s
                hit = can_attack & ~decided & enemy[rows, ti, tj]
                out[hit] = (self.attack_id, arg)
                decided |= hit

        # 2. flee from a nearby non-kin agent when the attack is unaffordable
        found, di, dj, dist = self._nearest(enemy)
        flee = found & (dist <= 2) & ~can_attack & (holding > 0) & ~decided & (not self.peaceful)
        away = np.where(np.abs(di) >= np.abs(dj), np.where(di > 0, 0, 1), np.where(dj > 0, 2, 3))

        # 3. the production chain
        want = np.full(N, self.bid.get("mine", 0))
        gen = ore >= self.gen_ore
        want = np.where(gen, self.bid.get("generator", 0), want)
        charge = (energy < self.low_energy) & (batt >= 1) & ("charger" in self.bid)
        want = np.where(charge, self.bid.get("charger", 0), want)
        altar = (batt >= self.altar_batt) & (energy >= self.altar_energy + 2)
        want = np.where(altar, self.bid.get("altar", 0), want)
        not_ready = np.where(ready, 0, 6)
        found, ti, tj, tdist = self._nearest(btype == want[:, None, None], not_ready)
        # fall back: the next useful building in sight (a mine, or a generator with ore)
        fb = np.zeros_like(btype, dtype=bool)
        for name in ("mine", "generator"):
            if name in self.bid:
                m = btype == self.bid[name]
                if name == "generator":
                    m &= (ore >= self.gen_ore)[:, None, None]
                fb |= m
        f2, ti2, tj2, td2 = self._nearest(fb & ready, None)
        use_fb = ~found & f2
        ti, tj, tdist = np.where(use_fb, ti2, ti), np.where(use_fb, tj2, tj), np.where(use_fb, td2, tdist)
        found = found | f2

        # direction toward the target (or the exploration heading / the flight direction)
        toward = np.where(np.abs(ti) >= np.abs(tj), np.where(ti < 0, 0, 1), np.where(tj < 0, 2, 3))
        other = np.where(np.abs(ti) >= np.abs(tj), np.where(tj < 0, 2, 3), np.where(ti < 0, 0, 1))
        free = ~blocked[rows, c + DR[toward], c + DC[toward]]
        alt_ok = (np.minimum(np.abs(ti), np.abs(tj)) > 0) & ~blocked[rows, c + DR[other], c + DC[other]]
        step_dir = np.where(free | (tdist <= 1), toward, np.where(alt_ok, other, self.rng.integers(0, 4, N)))
        # exploring: keep a heading, turn when blocked or now and then
        h = orient if self.memoryless else self.heading
        turn = blocked[rows, c + DR[h], c + DC[h]] | (self.rng.random(N) < self.explore_turn)
        if self.memoryless:  # a new heading is another one: never the blocked facing again
            self.heading = h = np.where(turn, (h + self.rng.integers(1, 4, N)) % 4, h)
        else:
            self.heading = h = np.where(turn, self.rng.integers(0, 4, N), h)
        d = np.where(flee, away, np.where(found, step_dir, h))

        adjacent = found & (tdist == 1) & ~flee
        face = adjacent & (orient == toward)
        out[~decided & face] = (self.a["use"], 0)
        move = ~decided & ~face & (orient == d) & ~adjacent
        out[move] = (self.a["move"], 0)
        rot = ~decided & ~face & ~move
        out[rot, 0] = self.a["rotate"]
        out[rot, 1] = np.where(adjacent, toward, d)[rot]
        return out


class CheckpointPolicy(EvalPolicy):
    """A trained network; sampled actions unless `greedy`."""

    kind = "checkpoint"

    def __init__(
        self,
        path: str | Path,
        device: str = "cpu",
        greedy: bool = False,
        label: str | None = None,
        seed: int = 0,
        data: dict | None = None,
    ):
        """`data`: a checkpoint's contents already in memory (the policy a run is training:
        learn/training/periodic_eval.py); `path` then only names it."""
        from learn.rundir import checkpoint as ckpt

        if data is None:
            path = ckpt.resolve_checkpoint(path)  # a run directory or RUN_DIR@STEP: its checkpoint file
            data = ckpt.load_checkpoint(path, map_location=device)
        self.data = data
        self.checkpoint = str(path)
        self.step = int(self.data["global_step"])
        self.device, self.greedy = device, greedy
        self.seed, self._resets, self._key = seed, 0, None
        self.name = label or f"{ckpt.run_dir_of(path).name}@{self.step}"
        self.agent = None

    def bind(self, env, level: str = "") -> None:
        from learn.policies.agent import Agent

        super().bind(env, level)
        self.agent = Agent(self.data, env, self.checkpoint, level, device=self.device, greedy=self.greedy)

    def reset(self, num_agents: int) -> None:
        import torch

        # sampling draws from torch's global RNG: seed it per batch so a suite run repeats exactly,
        # from the batch's key where the runner gave one (reseed), so that it is the same batch in
        # any suite
        if self._key is not None:
            torch.manual_seed(zlib.crc32(f"{self.seed}/{self._key}".encode()))
        else:
            torch.manual_seed(self.seed * 100_003 + self._resets)
        self._resets += 1
        self.agent.reset(num_agents)

    def reseed(self, key: str) -> None:
        self._key = key

    def act(self, obs: np.ndarray) -> np.ndarray:
        return self.agent.act(obs)


def make_eval_policy(
    spec: str, device: str = "cpu", greedy: bool = False, seed: int = 0, label: str | None = None
) -> EvalPolicy:
    """`random`, `scripted`, or the path of a checkpoint (CheckpointError if missing/unusable)."""
    if spec == "random":
        p: EvalPolicy = RandomPolicy(seed)
    elif spec == "scripted":
        p = ScriptedPolicy(seed)
    else:
        return CheckpointPolicy(spec, device=device, greedy=greedy, label=label, seed=seed)
    if label:
        p.name = label
    return p


def policy_info(p: EvalPolicy) -> dict[str, Any]:
    return {"policy": p.name, "policy_kind": p.kind, "checkpoint": p.checkpoint or "", "step": int(p.step)}
