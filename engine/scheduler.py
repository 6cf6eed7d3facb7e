"""The fixed-tick Scheduler: named phases, ordered systems, delayed effects, timings.

A tick runs, in order:
  1. delayed effects due at this tick (`after()`), in the order they were scheduled;
  2. every enabled system, phase by phase (`PHASES` order), and inside a phase by ascending
     `order` (lower runs first, Godot's convention; ties keep registration order), skipping a
     system whose `every_n_ticks` does not divide the tick;
  3. the World's deferred spawns and despawns (`World.flush`);
  4. signal dispatch to Python listeners;
  5. `world.tick += 1`.

A system is any callable `fn(world)`: a bound Cython kernel and a vectorized numpy function are
registered the same way, so a mechanic can be prototyped in Python and ported later. Each system
is timed with `perf_counter_ns`; `timings()` reports ns per tick and per agent.

Consecutive enabled systems that are bound Cython kernels (`Step`s) run as one `Pipeline` call:
no Python frame per system, which is most of a tick's cost when a world holds few agents.
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from engine.ecs.world import World
from engine.signals import Signals
from engine.systems_cy.step import Pipeline, Step, Ticker

PHASES: tuple[str, ...] = ("actions", "world", "rewards", "observe")

SystemFn = Callable[[World], Any]


class SchedulerError(ValueError):
    pass


@dataclass
class System:
    name: str
    fn: SystemFn
    phase: str
    order: int = 0
    every_n_ticks: int = 1
    enabled: bool = True
    seq: int = 0
    calls: int = 0
    total_ns: int = 0


@dataclass(frozen=True)
class Timing:
    name: str
    phase: str
    calls: int
    total_ns: int
    ns_per_tick: float
    ns_per_agent: float


@dataclass(order=True)
class _Delayed:
    tick: int
    seq: int
    fn: Callable[..., Any] = field(compare=False)
    args: tuple = field(compare=False)


class Scheduler:
    def __init__(
        self,
        world: World,
        phases: Iterable[str] = PHASES,
        signals: Signals | None = None,
        num_agents: int | None = None,
    ):
        self._world = world
        self.phases = tuple(phases)
        if len(set(self.phases)) != len(self.phases) or not self.phases:
            raise SchedulerError(f"phases must be a non-empty list of unique names, got {self.phases}")
        self._signals = signals
        self.num_agents = num_agents if num_agents is not None else world.num_worlds * world.capacity
        self._systems: dict[str, System] = {}
        self._seq = itertools.count()
        self._plan: list[System] | None = None
        self._runs: list[System | tuple[Pipeline, list[System]]] | None = None
        self._delayed: list[_Delayed] = []
        self._ticker = Ticker(self)

    # read-only: the compiled tick loop keeps them (and the World's spawn queues) from the start
    @property
    def world(self) -> World:
        return self._world

    @property
    def signals(self) -> Signals | None:
        return self._signals

    @property
    def ticker(self) -> Ticker:
        """The compiled tick loop, for a caller in C that ticks every step (an env's step)."""
        return self._ticker

    @property
    def ticks_run(self) -> int:
        return self._ticker.ticks_run

    @ticks_run.setter
    def ticks_run(self, n: int) -> None:
        self._ticker.ticks_run = n

    # ---- registration -------------------------------------------------------------------
    def add(
        self,
        name: str,
        fn: SystemFn,
        *,
        phase: str,
        order: int = 0,
        every_n_ticks: int = 1,
        enabled: bool = True,
    ) -> System:
        if name in self._systems:
            raise SchedulerError(f"system '{name}' is already registered; remove it first or pick another name")
        if phase not in self.phases:
            raise SchedulerError(f"system '{name}': unknown phase '{phase}'; phases are {list(self.phases)}")
        if not callable(fn):
            raise SchedulerError(f"system '{name}': fn must be callable as fn(world), got {type(fn).__name__}")
        if not isinstance(every_n_ticks, int) or every_n_ticks < 1:
            raise SchedulerError(f"system '{name}': every_n_ticks must be an int >= 1, got {every_n_ticks!r}")
        system = System(name, fn, phase, int(order), every_n_ticks, bool(enabled), next(self._seq))
        self._systems[name] = system
        self._replan()
        return system

    def system(self, name: str | None = None, **kwargs: Any) -> Callable[[SystemFn], SystemFn]:
        """Decorator form of `add`: `@sched.system(phase="world")`."""

        def wrap(fn: SystemFn) -> SystemFn:
            self.add(name or fn.__name__, fn, **kwargs)
            return fn

        return wrap

    def remove(self, name: str) -> None:
        self._get(name)
        self._replan()
        del self._systems[name]

    def enable(self, name: str, enabled: bool = True) -> None:
        system = self._get(name)
        if system.enabled != bool(enabled):
            self._replan()
            system.enabled = bool(enabled)

    def disable(self, name: str) -> None:
        self.enable(name, False)

    def configure(self, enabled: dict[str, bool]) -> None:
        """Enable or disable systems by name, e.g. from a level's `[systems]` table."""
        for name, flag in enabled.items():
            self.enable(name, bool(flag))

    def _get(self, name: str) -> System:
        try:
            return self._systems[name]
        except KeyError:
            raise SchedulerError(f"unknown system '{name}'; registered: {sorted(self._systems)}") from None

    @property
    def order(self) -> list[str]:
        """Names of all registered systems in run order (enabled or not)."""
        return [s.name for s in self._planned()]

    def _planned(self) -> list[System]:
        if self._plan is None:
            rank = {p: i for i, p in enumerate(self.phases)}
            self._plan = sorted(self._systems.values(), key=lambda s: (rank[s.phase], s.order, s.seq))
        return self._plan

    def _running(self) -> list[System | tuple[Pipeline, list[System]]]:
        """The enabled systems in run order, with each run of consecutive Steps as one Pipeline."""
        if self._runs is None:
            runs: list = []
            for s in self._planned():
                if not s.enabled:
                    continue
                if isinstance(s.fn, Step):
                    if runs and isinstance(runs[-1], list):
                        runs[-1].append(s)
                    else:
                        runs.append([s])
                else:
                    runs.append(s)
            self._runs = [
                (Pipeline([s.fn for s in r], [s.every_n_ticks for s in r]), r) if isinstance(r, list) else r
                for r in runs
            ]
        return self._runs

    def _replan(self) -> None:
        """Forget the plan; first move the pipelines' timings into their systems."""
        self._collect_timings()
        self._plan = None
        self._runs = None

    def _collect_timings(self) -> None:
        for run in self._runs or ():
            if isinstance(run, tuple):
                pipeline, systems = run
                ns = pipeline.ns
                for i, s in enumerate(systems):
                    s.total_ns += int(ns[i])
                    s.calls += int(pipeline.calls[i])
                pipeline.reset_timings()

    # ---- delayed effects ----------------------------------------------------------------
    def after(self, ticks: int, fn: Callable[..., Any], *args: Any) -> None:
        """Run `fn(world, *args)` at the start of the tick `ticks` from now (>= 1)."""
        if ticks < 1:
            raise SchedulerError(f"after(): ticks must be >= 1, got {ticks}")
        heapq.heappush(self._delayed, _Delayed(self.world.tick + ticks, next(self._seq), fn, args))

    @property
    def pending_effects(self) -> int:
        return len(self._delayed)

    # ---- running ------------------------------------------------------------------------
    def tick(self, n: int = 1) -> None:
        """Runs n ticks (the loop is compiled: engine/systems_cy/step.pyx, Ticker)."""
        self._ticker.tick(n)

    def _run_due(self, t: int) -> None:
        """The delayed effects due at tick t, in the order they were scheduled."""
        delayed = self._delayed
        while delayed and delayed[0].tick <= t:
            d = heapq.heappop(delayed)
            d.fn(self.world, *d.args)

    def _run_system(self, run: System, t: int) -> None:
        """A system that is a plain callable, timed."""
        if t % run.every_n_ticks == 0:
            t0 = time.perf_counter_ns()
            run.fn(self.world)
            run.total_ns += time.perf_counter_ns() - t0
            run.calls += 1

    # ---- profiling ----------------------------------------------------------------------
    def timings(self) -> dict[str, Timing]:
        """Per-system time: ns per tick counts every tick run, so sparse systems look cheap."""
        self._collect_timings()
        ticks = max(self.ticks_run, 1)
        out = {}
        for s in self._planned():
            per_tick = s.total_ns / ticks
            out[s.name] = Timing(s.name, s.phase, s.calls, s.total_ns, per_tick, per_tick / max(self.num_agents, 1))
        return out

    def reset_timings(self) -> None:
        self._collect_timings()
        for s in self._systems.values():
            s.calls = 0
            s.total_ns = 0
        self.ticks_run = 0
