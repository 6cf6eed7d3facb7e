"""The viewer's simulation side, without pygame: one world of a level, who drives which agent,
the actions played so far, periodic snapshots and seeking (replay scrubbing).

Time is in ticks only. The app decides when a tick happens (real time at `speed` ticks per
second, a single step, or a key press in turn-based play); this class just steps.

Snapshots: every `SNAPSHOT_EVERY` ticks the state arrays of the world (`world.state_arrays()`,
the RNG included), the tick counters and the observation buffer are copied. `seek(t)` restores
the latest snapshot at or before t and re-simulates the recorded actions up to t, so scrubbing
back costs at most SNAPSHOT_EVERY ticks.

After each step `events` (viewer.events.EventLog) reads what happened on that tick, for the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from game.state.kinship import kin_row
from viewer.events import EventLog

SNAPSHOT_EVERY = 50

# Episode stats shown in the panel: label -> stat name (summed over the world's agents).
EPISODE_STATS = (
    ("hearts made", "heart.gained"),
    ("ore mined", "ore.gained"),
    ("batteries made", "battery.gained"),
    ("uses ok", "action.use.success"),
    ("attacks ok", "action.attack.success"),
    ("freezes", "freeze.caused"),
    ("ore stolen", "ore.stolen"),
    ("given", None),
    ("bonds formed", "bonds.formed"),
)


@dataclass
class Snapshot:
    tick: int
    world_tick: int
    env_tick: int
    arrays: dict[str, np.ndarray]
    obs: np.ndarray
    rewards: np.ndarray


class Session:
    """One world (`env.num_worlds == 1`) of a level and who acts in it.

    mode: "play" (keyboard drives `controlled`, the rest follow `policy`), "spectate" (everyone
    follows `policy` until an agent is taken over) or "replay" (actions come from `replay`).
    """

    def __init__(
        self,
        env,
        mode: str = "play",
        policy: Callable | None = None,
        level_path: str | Path = "",
        seed: int = 0,
        overrides: dict[str, Any] | None = None,
        replay=None,
        controlled: int | None = 0,
    ):
        if env.num_worlds != 1:
            raise ValueError("the viewer shows one world: make the env with num_worlds=1")
        if mode not in ("play", "spectate", "replay"):
            raise ValueError(f"unknown mode {mode!r}")
        self.env = env
        self.mode = mode
        self.level_path = str(level_path)
        self.seed = seed
        self.overrides = dict(overrides or {})
        self.replay = replay
        self.A = env.agents_per_world
        from viewer.policy import RandomPolicy

        self.policy = policy if policy is not None else RandomPolicy(env, seed)
        self.noop = env.action_names.index("noop") if "noop" in env.action_names else 0
        self.controlled: int | None = None if mode != "play" else (controlled or 0)
        self.selected = self.controlled or 0
        self.pending: tuple[int, int] | None = None  # the keyboard's action for the next tick
        self._reset_tracking()

    # ---- state ------------------------------------------------------------------------
    def _reset_tracking(self) -> None:
        self.env.reset()
        if hasattr(self.policy, "reset"):
            self.policy.reset()
        self.tick = 0
        self.log: list[np.ndarray] = []  # actions played, one (A, 2) per tick (the recording)
        self.trace: dict[int, str] = {}  # the state hash after each recorded tick (replay verification)
        self.last_actions = np.full((self.A, 2), -1, np.int32)
        self.prev_r = self.env.world["position"].r[0, : self.A].copy()
        self.prev_c = self.env.world["position"].c[0, : self.A].copy()
        self.snapshots: dict[int, Snapshot] = {0: self.snapshot()}
        self.events = EventLog(self.env)  # what happened on the last ticks, for the map

    def snapshot(self) -> Snapshot:
        env = self.env
        return Snapshot(
            tick=self.tick,
            world_tick=env.world.tick,
            env_tick=env.tick,
            arrays={k: a.copy() for k, a in env.world.state_arrays().items()},
            obs=env.observations.copy(),
            rewards=env.rewards.copy(),
        )

    def restore(self, snap: Snapshot) -> None:
        env = self.env
        for k, a in env.world.state_arrays().items():
            a[...] = snap.arrays[k]
        env.world.sync_free_rows(0)
        env.world.tick = snap.world_tick
        env.tick = snap.env_tick
        env.observations[...] = snap.obs
        env.rewards[...] = snap.rewards
        self.tick = snap.tick
        self.prev_r = env.world["position"].r[0, : self.A].copy()
        self.prev_c = env.world["position"].c[0, : self.A].copy()
        self.events.sync()

    @property
    def length(self) -> int | None:
        """Ticks in the replay (None when the session is live)."""
        return self.replay.ticks if self.replay is not None else None

    @property
    def finished(self) -> bool:
        return self.replay is not None and self.tick >= self.replay.ticks

    @property
    def episode_tick(self) -> int:
        return int(self.env.world.resources.episode_tick[0])

    # ---- acting -----------------------------------------------------------------------
    def queue(self, action: str | int, arg: int = 0) -> None:
        """The keyboard's action for the controlled agent on the next tick."""
        a = self.env.action_names.index(action) if isinstance(action, str) else int(action)
        self.pending = (a, int(arg))

    def has_action(self, name: str) -> bool:
        return name in self.env.action_names

    def actions_for_tick(self) -> np.ndarray:
        if self.replay is not None:
            return self.replay.actions[self.tick]
        from viewer.policy import check_actions

        a = check_actions(
            self.policy(self.env.observations), self.A, getattr(self.policy, "name", "policy")
        ).copy()
        if self.controlled is not None:
            a[self.controlled] = self.pending if self.pending is not None else (self.noop, 0)
        return a

    def step(self) -> bool:
        """Advance one tick; False at the end of a replay."""
        if self.finished:
            return False
        a = self.actions_for_tick()
        pos = self.env.world["position"]
        self.prev_r[:] = pos.r[0, : self.A]
        self.prev_c[:] = pos.c[0, : self.A]
        self.env.step(a)
        self.last_actions = np.array(a, np.int32)
        if self.replay is None:
            self.log.append(self.last_actions)
            self.trace[len(self.log)] = self.env.state_hash([0])
        self.pending = None
        self.tick += 1
        self.events.record(self.tick)
        if self.tick % SNAPSHOT_EVERY == 0 and self.tick not in self.snapshots:
            self.snapshots[self.tick] = self.snapshot()
        return True

    def seek(self, target: int) -> None:
        """Go to tick `target` of a replay (restore a snapshot, re-simulate the actions)."""
        if self.replay is None:
            raise ValueError("seeking needs a replay (live play cannot go back)")
        target = max(0, min(int(target), self.replay.ticks))
        if target == self.tick:
            return
        base = max(t for t in self.snapshots if t <= target)
        if not (base <= self.tick <= target):
            self.restore(self.snapshots[base])
        while self.tick < target:
            self.step()
        if self.tick > 0:
            self.last_actions = np.array(self.replay.actions[self.tick - 1], np.int32)

    # ---- who is driven ------------------------------------------------------------------
    def select(self, i: int) -> None:
        self.selected = int(i) % self.A

    def cycle(self, step: int = 1) -> None:
        """Select the next agent; in play the keyboard follows the selection."""
        self.select(self.selected + step)
        if self.mode == "play":
            self.controlled = self.selected
            self.pending = None

    def take_over(self) -> None:
        """Spectate: drive the selected agent from the keyboard, or give it back to the policy."""
        if self.mode == "replay":
            return
        if self.controlled == self.selected and self.mode == "spectate":
            self.controlled = None
        else:
            self.controlled = self.selected
        self.pending = None

    # ---- what the panel shows -----------------------------------------------------------
    def agent_info(self, i: int | None = None) -> dict[str, Any]:
        i = self.selected if i is None else i
        env = self.env
        info = env.inspect_agent(i)
        r = env.world.resources
        info["kin_row"] = [float(x) for x in kin_row(r, 0, i)]
        info["reward_so_far"] = info["episode_return"]
        a, arg = (int(x) for x in self.last_actions[i])
        info["last_action_arg"] = arg if a >= 0 else None
        info["controlled"] = self.controlled == i
        return info

    def episode_stats(self) -> dict[str, float]:
        env = self.env
        st = env.world.resources.stats[0]
        names = env.stat_names
        out: dict[str, float] = {}
        for label, key in EPISODE_STATS:
            if key is None:
                cols = [names.index(n) for n in names if n.endswith(".given")]
                out[label] = float(st[:, cols].sum())
            elif key in names:
                out[label] = float(st[:, names.index(key)].sum())
        out["mean return"] = float(env.world.resources.episode_return[0].mean())
        return out

    # ---- recording ----------------------------------------------------------------------
    def save(self, path: str | Path, **meta: Any) -> Path:
        from game.tools.replay import save_replay, trace_ticks

        actions = np.stack(self.log) if self.log else np.zeros((0, self.A, 2), np.int32)
        over = dict(self.overrides)
        T = len(self.log)
        trace = {t: self.trace[t] for t in trace_ticks(T) if t in self.trace}
        return save_replay(
            path,
            self.level_path,
            self.seed,
            actions,
            self.env.state_hash([0]),
            trace=trace,
            overrides=over,
            max_steps=self.env.level.max_steps,
            agents_per_world=self.A,
            recorded_by=f"viewer {self.mode}",
            policy=getattr(self.policy, "name", "callable"),
            **meta,
        )
