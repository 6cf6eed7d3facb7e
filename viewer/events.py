"""What happened on each tick, as a few events to draw on the map: attacks, freezes, uses of a
building, transfers, bonds and steals. No pygame here (viewer.marks draws them).

Everything is read from arrays the env keeps anyway, by diffing them between two ticks with
numpy (no loop over agents, nothing added to the env's step): the per-agent stats counters
(`action.<name>.success`, `<resource>.stolen`, `<resource>.given`), the freeze counters and the
bond slots. The cell an action aimed at comes from the actor's position and facing after the
tick: an agent whose attack, use or transfer succeeded did not move or turn on that tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from game.mechanics.combat import ATTACK_WIDTH
from game.rules.constants import DC, DR, RIGHT_DC, RIGHT_DR

KINDS = ("attack", "freeze", "use", "transfer", "bond", "steal")
FADE_TICKS = 6  # an event stays on the map this many ticks, fading

_DR, _DC = np.array(DR), np.array(DC)
_RR, _RC = np.array(RIGHT_DR), np.array(RIGHT_DC)  # right of facing, as the attack kernel


class Event(NamedTuple):
    tick: int  # the tick it happened on (session.tick after that step)
    kind: str  # one of KINDS
    src: tuple[int, int]  # the actor's cell (steal: the thief's)
    dst: tuple[int, int]  # the cell acted on (freeze: the victim's own; steal: the victim's)
    amount: int = 0  # units transferred or stolen


@dataclass
class Frame:
    """The arrays diffed between ticks (copies, one world)."""

    stats: np.ndarray
    frozen: np.ndarray
    bond_partner: np.ndarray
    bond_until: np.ndarray

    @classmethod
    def of(cls, env) -> Frame:
        A, r = env.agents_per_world, env.world.resources
        return cls(
            r.stats[0].copy(),
            env.world["agent"].frozen[0, :A].copy(),
            r.bond_partner[0].copy(),
            r.bond_until[0].copy(),
        )


class StatColumns:
    """Where the counters the events are read from sit in the stats row."""

    def __init__(self, stat_names: list[str], resource_names: list[str]):
        col = stat_names.index
        self.attack, self.use, self.transfer = (
            col(f"action.{a}.success") for a in ("attack", "use", "transfer")
        )
        self.stolen = [col(f"{r}.stolen") for r in resource_names]
        self.given = [col(f"{r}.given") for r in resource_names]


def front_cells(r, c, orient, dist=1, side=0):
    """The cell `dist` ahead and `side` to the right of each (r, c) facing `orient` (arrays)."""
    return r + dist * _DR[orient] + side * _RR[orient], c + dist * _DC[orient] + side * _RC[orient]


def _cells(r, c) -> list[tuple[int, int]]:
    return list(zip(r.tolist(), c.tolist()))


def extract(prev: Frame, now: Frame, r, c, orient, attack_arg, cols: StatColumns, tick: int) -> list[Event]:
    """The events between two frames. r, c, orient, attack_arg: each agent's after the tick."""
    d = now.stats - prev.stats  # negative across an episode reset: no events then
    out: list[Event] = []
    hit = np.flatnonzero(d[:, cols.attack] > 0)
    tr, tc = front_cells(
        r[hit], c[hit], orient[hit], 1 + attack_arg[hit] // ATTACK_WIDTH, attack_arg[hit] % ATTACK_WIDTH - 1
    )
    out += [Event(tick, "attack", a, b) for a, b in zip(_cells(r[hit], c[hit]), _cells(tr, tc))]
    stolen = d[hit][:, cols.stolen].sum(axis=1)
    thief = stolen > 0
    thieves, victims = _cells(r[hit][thief], c[hit][thief]), _cells(tr[thief], tc[thief])
    out += [Event(tick, "steal", a, b, n) for a, b, n in zip(thieves, victims, stolen[thief].tolist())]
    fz = np.flatnonzero(now.frozen > prev.frozen)
    out += [Event(tick, "freeze", a, a) for a in _cells(r[fz], c[fz])]
    for kind, col in (("use", cols.use), ("transfer", cols.transfer)):
        i = np.flatnonzero(d[:, col] > 0)
        fr, fc = front_cells(r[i], c[i], orient[i])
        n = d[i][:, cols.given].sum(axis=1).tolist() if kind == "transfer" else [0] * len(i)
        out += [Event(tick, kind, a, b, k) for a, b, k in zip(_cells(r[i], c[i]), _cells(fr, fc), n)]
    renewed = (now.bond_partner != prev.bond_partner) | (now.bond_until > prev.bond_until)
    new = (now.bond_partner >= 0) & renewed
    ii, kk = np.nonzero(new)
    pairs = {tuple(sorted(p)) for p in zip(ii.tolist(), now.bond_partner[ii, kk].tolist())}
    out += [Event(tick, "bond", (int(r[i]), int(c[i])), (int(r[j]), int(c[j]))) for i, j in sorted(pairs)]
    return out


class EventLog:
    """The events of the last FADE_TICKS ticks of one session's world."""

    def __init__(self, env):
        self.env = env
        self.A = env.agents_per_world
        self.cols = StatColumns(env.stat_names, env.resource_names)
        self.events: list[Event] = []
        self.sync()

    def sync(self) -> None:
        """Forget the past: the world was reset or restored (replay seeking)."""
        self.prev = Frame.of(self.env)
        self.events = []

    def record(self, tick: int) -> list[Event]:
        """Read the events of the tick that just ran (call after each env.step)."""
        env, A = self.env, self.A
        now = Frame.of(env)
        pos = env.world["position"]
        orient = env.world["agent"].orientation[0, :A].astype(np.int64)
        new = extract(
            self.prev,
            now,
            pos.r[0, :A],
            pos.c[0, :A],
            orient,
            env.world.resources.intent[0, :, 1],
            self.cols,
            tick,
        )
        self.prev = now
        self.events = [e for e in self.events if tick - e.tick < FADE_TICKS] + new
        return new

    def recent(self, tick: int) -> list[tuple[Event, int]]:
        """(event, age in ticks) for the events still shown at `tick`, oldest first."""
        return [(e, tick - e.tick) for e in self.events if 0 <= tick - e.tick < FADE_TICKS]
