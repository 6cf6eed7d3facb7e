"""Acts between agents read per opportunity: for every ordered pair (actor, target) of a world and
every episode, how often the target stood where the actor could do the act to it, and how often
the actor did it, with the pair's relatedness K[actor, target] and whether they share a group.

An act counted without its opportunities misleads: team-mates that spawn side by side are
attacked more by anyone, kin or not. So the evaluation counts, each tick, before the tick's
actions are decoded (after `freeze`, so positions and energy are those the tick starts from; the
attack and transfer kernels run before movement):
- an **attack opportunity** of actor a on target t: a can attack this tick (it is not frozen, has
  the energy the attack costs its body, and a laser where the level's attacks consume one) and t
  is an unfrozen agent (an attack on a frozen one does nothing) within a's reach: a cell of the
  attack's 3x3 block ahead for one of the four facings; an **attack**: a's `attack` this tick
  aims at t's cell and succeeds;
- a **give opportunity**: a can give (not frozen, the energy `transfer` costs, and at least one
  unit of some resource) and t stands in one of the four cells beside a (a frozen receiver still
  receives); a **gift**: a's `transfer` to the agent it faces, t, succeeds.
Reach is counted for every facing, not only the one the actor has: an agent that declines an act
also declines to turn toward its target, so opportunities counted in its facing alone would vanish
exactly where the act is declined, and the rate would be read only where the act is chosen. One
turn (a tick) brings any of these cells ahead. An act never happens without its opportunity, so
acts / opportunities is a rate in [0, 1].

Eval only (learn/evaluation/coop.py's EpisodeRecorder attaches it): numpy over all worlds and agents at once,
two small systems per tick; training never installs it.
"""

from __future__ import annotations

import numpy as np

from game.mechanics import combat
from game.rules import constants
from game.rules.constants import Act
from game.rules.system_table import ACTION_SYSTEMS

DR, DC = np.array(constants.DR), np.array(constants.DC)
SR, SC = np.array(constants.RIGHT_DR), np.array(constants.RIGHT_DC)
# the attack block's cells in argument order: k // 3 + 1 ahead, k % 3 - 1 to the right
_AHEAD = 1 + np.arange(combat.ATTACK_ARGS) // combat.ATTACK_WIDTH
_RIGHT = np.arange(combat.ATTACK_ARGS) % combat.ATTACK_WIDTH - 1
# reach: the cells of the block for any facing (row, column offsets), and the four neighbours
_ATTACK_REACH = np.array(
    sorted(
        {
            (int(d * DR[o] + s * SR[o]), int(d * DC[o] + s * SC[o]))
            for o in range(4)
            for d, s in zip(_AHEAD, _RIGHT)
        }
    )
)
_GIVE_REACH = np.stack([DR, DC], 1)

# the per-pair counts of one episode, in the order of the suite_pairs columns
COUNTS = ("attack_opportunities", "attacks", "give_opportunities", "gifts")


class PairRecorder:
    """Per-pair counts of the current episode of every world; `take(w)` hands world w's over and
    starts its next episode from zero."""

    def __init__(self, env, prefix: str = "eval.pairs"):
        self.env = env
        W, A = env.num_worlds, env.agents_per_world
        self.A = A
        self.counts = np.zeros((len(COUNTS), W, A, A), np.int64)
        self._attack_target = np.full((W, A), -1, np.int64)
        self._give_target = np.full((W, A), -1, np.int64)
        self._w = np.arange(W)[:, None]
        tab = env.tables
        self._actions = env._actions  # (W, A, 2) env action ids and arguments: the kernels' input
        self._code = np.asarray(tab.action_code)  # env action id -> Act code
        self._cost, self._body_rows = np.asarray(tab.cost), int(tab.body_rows)
        codes = set(int(c) for c in self._code)
        # an act the level does not enable has no opportunities
        self._can_attack, self._can_give = int(Act.ATTACK) in codes, int(Act.TRANSFER) in codes
        res = list(env.resource_names)
        laser = combat.resource_id(res, combat.LASER)
        self._laser = laser if env.level.combat.consume_laser and laser >= 0 else None
        if env.level.combat.consume_laser and self._laser is None:
            self._can_attack = False  # attacks that need a laser the level has no resource for
        sched = env.scheduler
        installed = [s.name for s in ACTION_SYSTEMS if s.name in sched._systems]
        sched.add(
            f"{prefix}.aim",
            self._aim,
            phase="actions",
            after=[n for n in ("freeze",) if n in sched._systems],
            before=["decode", *installed],
        )
        sched.add(f"{prefix}.count", self._count, phase="actions", after=["tally"] + installed)

    def _affords(self, world, act: Act) -> np.ndarray:
        """(W, A): whether each agent has the energy `act` costs its body (row group * body_rows +
        profile)."""
        ag = world["agent"]
        body = ag.group[:, : self.A] * self._body_rows + ag.profile[:, : self.A]
        return ag.energy[:, : self.A] >= self._cost[body, int(act)]

    def _aim(self, world) -> None:
        A, r = self.A, world.resources
        pos, agent = world["position"], world["agent"]
        o = agent.orientation[:, :A].astype(np.int64)
        unfrozen = agent.frozen[:, :A] == 0
        acting = r.active[:, :A] > 0  # the freeze system's: not frozen this tick
        items = world["inventory"].items[:, :A]
        w = self._w

        def agents_at(dr, dc):  # the agent (or -1) at (row + dr, col + dc) of each actor
            code = self._grid_code(r.grid, pos.r[:, :A, None] + dr, pos.c[:, :A, None] + dc)
            return np.where((code >= 0) & (code < A), code, -1)

        can_attack = acting & self._affords(world, Act.ATTACK) & self._can_attack
        if self._laser is not None:
            can_attack &= items[..., self._laser] > 0
        can_give = acting & self._affords(world, Act.TRANSFER) & (items.sum(-1) > 0) & self._can_give
        near = agents_at(_ATTACK_REACH[:, 0], _ATTACK_REACH[:, 1])  # (W, A, cells)
        in_reach = (near >= 0) & can_attack[..., None] & unfrozen[w[..., None], np.maximum(near, 0)]
        self._add(0, in_reach, near)
        beside = agents_at(_GIVE_REACH[:, 0], _GIVE_REACH[:, 1])
        self._add(2, (beside >= 0) & can_give[..., None], beside)
        # the target of this tick's attack and transfer, if it is an agent the act can reach
        act = self._code[np.clip(self._actions[:, :A, 0], 0, len(self._code) - 1)]
        arg = np.clip(self._actions[:, :A, 1], 0, combat.ATTACK_ARGS - 1)
        hit = agents_at(
            (_AHEAD[arg] * DR[o] + _RIGHT[arg] * SR[o])[..., None],
            (_AHEAD[arg] * DC[o] + _RIGHT[arg] * SC[o])[..., None],
        )[..., 0]
        ok = (act == Act.ATTACK) & (hit >= 0) & can_attack & unfrozen[w, np.maximum(hit, 0)]
        self._attack_target = np.where(ok, hit, -1)
        front = agents_at(DR[o][..., None], DC[o][..., None])[..., 0]
        self._give_target = np.where((act == Act.TRANSFER) & (front >= 0) & can_give, front, -1)

    def _grid_code(self, grid, rr, cc) -> np.ndarray:
        """Grid codes at (rr, cc) of each world (shapes (W, ...)); -1 off the map."""
        H, Wd = grid.shape[1:]
        inside = (rr >= 0) & (rr < H) & (cc >= 0) & (cc < Wd)
        w = self._w.reshape((-1,) + (1,) * (rr.ndim - 1))
        return np.where(inside, grid[w, np.clip(rr, 0, H - 1), np.clip(cc, 0, Wd - 1)], -1)

    def _add(self, k: int, mask: np.ndarray, target: np.ndarray) -> None:
        """counts[k][w, a, target] += 1 where mask (target's last axis aligned with mask's)."""
        if mask.ndim == 2:
            mask, target = mask[..., None], target[..., None]
        w, a, _ = np.nonzero(mask)
        np.add.at(self.counts[k], (w, a, target[mask]), 1)

    def _count(self, world) -> None:
        done = world.resources.success[:, : self.A] > 0
        self._add(1, done & (self._attack_target >= 0), self._attack_target)
        self._add(3, done & (self._give_target >= 0), self._give_target)

    def take(self, w: int) -> dict[str, np.ndarray]:
        out = {name: self.counts[k, w].copy() for k, name in enumerate(COUNTS)}
        self.counts[:, w] = 0
        return out


def pair_rows(kinship: np.ndarray, groups: np.ndarray, counts: dict[str, np.ndarray]) -> list[dict]:
    """One row per ordered pair (actor != target) of one episode: relatedness, groups, counts."""
    A = len(groups)
    a, t = np.nonzero(~np.eye(A, dtype=bool))
    return [
        dict(
            actor=int(i),
            target=int(j),
            actor_group=int(groups[i]),
            target_group=int(groups[j]),
            same_group=bool(groups[i] == groups[j]),
            relatedness=float(kinship[i, j]),
            **{n: int(counts[n][i, j]) for n in COUNTS},
        )
        for i, j in zip(a, t)
    ]


def rates(kinship: np.ndarray, groups: np.ndarray, counts: dict[str, np.ndarray]) -> dict[str, float | None]:
    """The episode's acts per opportunity toward kin (K > 0) and non-kin, the same group and other
    groups (independent of kinship, so a no-kinship arm is a real control); None without any
    opportunity of that kind."""
    A = len(groups)
    off = ~np.eye(A, dtype=bool)
    sets = {
        "kin": off & (kinship > 0),
        "non_kin": off & (kinship <= 0),
        "same_group": off & (groups[:, None] == groups[None, :]),
        "other_group": off & (groups[:, None] != groups[None, :]),
    }
    out: dict[str, float | None] = {}
    for act, opp, done in (
        ("attack", "attack_opportunities", "attacks"),
        ("give", "give_opportunities", "gifts"),
    ):
        for name, m in sets.items():
            n = counts[opp][m].sum()
            out[f"{act}_rate_{name}"] = float(counts[done][m].sum() / n) if n > 0 else None
    return out
