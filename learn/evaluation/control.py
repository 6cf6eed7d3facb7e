"""The scripted control of a study: a policy that follows the study's prediction exactly.

A study that predicts a threshold (Hamilton's rule: give when r * b > c, so when r > c/b; kin
aggression: attack when (1 - r) h > e, so when r < 1 - e/h) names it as `threshold` and the act as
`act`. The control plays that rule from what an agent sees: the relatedness of a neighbour is its
`kin` channel (128 + 127 K: `kin_view` in game/state/kinship.py), and the rule is read on those same bytes
(`kin > kin_view(threshold)` for a gift, `<` for an attack): exact at every value of r whose byte
differs from the threshold's (within 0.004 of it, r counts as at the threshold).

Per agent, each tick:
1. an agent of the study's `actors` groups (all groups when the study names none) with a
   neighbour the rule selects (for a gift: one of the four cells beside it, holding something to
   give; for an attack: an unfrozen agent in the attack block ahead, or beside it, holding a
   laser where the level's attacks consume one) faces it and acts: `transfer` of the first
   resource it holds, or `attack` at the target's cell;
2. otherwise it produces: the peaceful scripted baseline (learn/evaluation/baselines.py) where the level
   lets agents move; where it does not (game/levels/hamilton.toml, kin_aggression.toml), it uses
   the ready building in front and otherwise turns to the next building beside it.

It runs through the same evaluation, fit and report as the trained policies: its fitted threshold
must come out at the prediction, or the pipeline (level, counts, fit) cannot show the effect.
"""

from __future__ import annotations

import numpy as np

from game.mechanics import combat
from game.rules import constants
from game.state.kinship import kin_view
from learn.evaluation.baselines import EvalPolicy, ScriptedPolicy
from learn.rundir.checkpoint import CheckpointError

DR, DC = np.array(constants.DR), np.array(constants.DC)
SR, SC = np.array(constants.RIGHT_DR), np.array(constants.RIGHT_DC)
ACTS = ("give", "attack")


class ControlPolicy(EvalPolicy):
    name = "control"

    def __init__(
        self,
        act: str,
        threshold: float | None,
        actors: list[str] | None = None,
        seed: int = 0,
        memoryless: bool = False,
    ):
        """threshold None: the act toward every neighbour, whatever its relatedness (a teacher of how
        to act, learn/training/teacher.py); memoryless: the scripted production explores along the agent's
        facing (a function of the observation alone, as a teacher must be)."""
        if act not in ACTS:
            raise ValueError(f"control: act must be one of {', '.join(ACTS)}, got {act!r}")
        self.act_name, self.threshold, self.actors, self.seed = act, threshold, list(actors or []), seed
        self.memoryless = memoryless
        # the rule on the kin channel's bytes (agents show 1..255; 0 is "no agent")
        self.cut = (
            (0 if act == "give" else 256) if threshold is None else int(kin_view(np.array([threshold]))[0])
        )
        self.base: ScriptedPolicy | None = None

    def bind(self, env, level: str = "") -> None:
        super().bind(env, level)
        f = {n: i for i, n in enumerate(env.feature_names)}
        a = {n: i for i, n in enumerate(env.action_names)}
        need = "transfer" if self.act_name == "give" else "attack"
        missing = [n for n in (need, "rotate") if n not in a]
        if missing:
            raise CheckpointError(f"control policy: level {level} has no {' or '.join(missing)} action")
        unknown = [g for g in self.actors if g not in env.group_names]
        if unknown:
            raise CheckpointError(
                f"control policy: level {level} has no group {', '.join(unknown)} "
                f"(groups: {', '.join(env.group_names)})"
            )
        self.f, self.a = f, a
        self.c = env.single_observation_space.shape[0] // 2
        names = list(env.group_names)  # the agent.group channel shows the group's index + 1
        self.actor_codes = np.array([names.index(g) + 1 for g in (self.actors or names)])
        reach = 3 if self.act_name == "attack" else 1  # the attack block reaches 3 cells ahead
        if self.c < reach:
            raise CheckpointError(
                f"control policy: level {level}'s observation window "
                f"({2 * self.c + 1}) does not show the cells the {self.act_name} reaches "
                f"(a window of at least {2 * reach + 1})"
            )
        self.inv = [f[f"inv.{r}"] for r in env.resource_names if f"inv.{r}" in f]
        # an attack the level pays with a laser needs one in hand: without, the agent produces
        self.laser = f.get("inv.laser") if env.level.combat.consume_laser else None
        if env.level.combat.consume_laser and self.act_name == "attack" and self.laser is None:
            raise CheckpointError(
                f"control policy: level {level}'s attacks consume a laser it has no resource for"
            )
        self.base = (
            ScriptedPolicy(self.seed, peaceful=True, memoryless=self.memoryless) if "move" in a else None
        )
        if self.base:
            self.base.bind(env, level)

    def reset(self, num_agents: int) -> None:
        if self.base:
            self.base.reset(num_agents)

    def reseed(self, key: str) -> None:
        if self.base:
            self.base.reseed(key)

    def _chosen(self, cells: np.ndarray) -> np.ndarray:
        """Which of the observed cells (..., channels) hold an agent the rule acts on."""
        f = self.f
        kin = cells[..., f["kin"]].astype(np.int32)
        agent = cells[..., f["agent"]] > 0
        if self.act_name == "give":
            return agent & (kin > self.cut)
        return agent & (kin < self.cut) & (cells[..., f["agent.frozen"]] == 0)

    def act(self, obs: np.ndarray) -> np.ndarray:
        N, c, f, a = obs.shape[0], self.c, self.f, self.a
        rows = np.arange(N)
        me = obs[:, c, c]
        orient = me[:, f["agent.orientation"]].astype(np.int64) % 4
        actor = np.isin(me[:, f["agent.group"]], self.actor_codes)
        held = me[:, self.inv] > 0
        out = self.base.act(obs) if self.base else self._use_beside(obs, orient)
        decided = np.zeros(N, bool)
        if self.act_name == "attack":  # a chosen agent in the block ahead: strike its cell
            if self.laser is not None:
                actor &= me[:, self.laser] > 0
            for arg in range(combat.ATTACK_ARGS):
                d, s = 1 + arg // combat.ATTACK_WIDTH, arg % combat.ATTACK_WIDTH - 1
                hit = (
                    actor
                    & ~decided
                    & self._chosen(
                        obs[rows, c + DR[orient] * d + SR[orient] * s, c + DC[orient] * d + SC[orient] * s]
                    )
                )
                out[hit] = (a["attack"], arg)
                decided |= hit
        else:  # facing a chosen agent, holding something: give the first resource held
            ahead = self._chosen(obs[rows, c + DR[orient], c + DC[orient]])
            give = actor & held.any(1) & ahead
            out[give, 0] = a["transfer"]
            out[give, 1] = held.argmax(1)[give]
            decided |= give
            actor &= held.any(1)
        # a chosen agent beside it but not ahead: turn to it
        beside = np.stack([self._chosen(obs[:, c + DR[d], c + DC[d]]) for d in range(4)], 1)
        turn = actor & ~decided & beside.any(1)
        out[turn, 0] = a["rotate"]
        out[turn, 1] = beside.argmax(1)[turn]
        return out

    def _use_beside(self, obs: np.ndarray, orient: np.ndarray) -> np.ndarray:
        """Agents that cannot move: use the ready building in front, unless using it just failed
        (a recipe it cannot pay); else turn to the next building beside it, clockwise from its
        facing, ready ones first."""
        N, c, f, a = obs.shape[0], self.c, self.f, self.a
        rows = np.arange(N)
        out = np.zeros((N, 2), np.int32)
        out[:, 0] = a.get("noop", 0)
        cells = np.stack([obs[:, c + DR[d], c + DC[d]] for d in range(4)], 1)  # (N, 4 facings, channels)
        building = cells[..., f["building.type"]] > 0
        ready = building & (cells[..., f["building.ready"]] > 0)
        me = obs[:, c, c]
        failed = (me[:, f["self.last_action"]] == a.get("use", -2) + 1) & (me[:, f["self.last_success"]] == 0)
        use = ready[rows, orient] & ~failed & ("use" in a)
        out[use, 0] = a.get("use", 0)
        # the next building clockwise (up, right, down, left) after the current facing; ready ones first
        order = np.array([0, 3, 1, 2])  # facings in clockwise order
        pos = np.argsort(order)[orient]  # the facing's place in that order
        after = order[(pos[:, None] + 1 + np.arange(4)[None, :]) % 4]  # (N, 4): the next facings, then itself
        score = np.where(ready[rows[:, None], after], 2, np.where(building[rows[:, None], after], 1, 0))
        pick = after[rows, score.argmax(1)]
        turn = ~use & building.any(1) & (pick != orient)
        out[turn, 0] = a["rotate"]
        out[turn, 1] = pick[turn]
        return out
