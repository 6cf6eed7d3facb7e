"""The fixed-tick Scheduler: named phases, ordered systems, delayed effects, timings.

A tick runs, in order:
  1. delayed effects due at this tick (`after()`), in the order they were scheduled;
  2. every enabled system, phase by phase (`PHASES` order); inside a phase each system runs
     after the systems it names in `after=` and before those it names in `before=` (Bevy's
     named ordering; a name that is not registered is no constraint), and otherwise by
     ascending `order` (lower runs first, Godot's convention), then registration order; a system
     whose `every_n_ticks` does not divide the tick is skipped;
  3. the World's deferred spawns and despawns (`World.flush`);
  4. signal dispatch to Python listeners;
  5. `world.tick += 1`.

A system is any callable `fn(world)`: a bound Cython kernel and a vectorized numpy function are
registered the same way, so a mechanic can be prototyped in Python and ported later. Each system
is timed with `perf_counter_ns`; `timings()` reports ns per tick and per agent.

Consecutive enabled systems that are bound Cython kernels (`Step`s) run as one `Pipeline` call:
no Python frame per system, which is most of a tick's cost when a world holds few agents.

The tick loop itself is compiled (engine/systems_cy/step.pyx, `Ticker`); it uses the public
`runs()`, `run_due()`, `run_system()` and `delayed` of this class and nothing private.
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
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
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


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


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
        after: str | Iterable[str] = (),
        before: str | Iterable[str] = (),
        every_n_ticks: int = 1,
        enabled: bool = True,
    ) -> System:
        if name in self._systems:
            raise SchedulerError(
                f"system '{name}' is already registered; remove it first or pick another name"
            )
        if phase not in self.phases:
            raise SchedulerError(f"system '{name}': unknown phase '{phase}'; phases are {list(self.phases)}")
        if not callable(fn):
            raise SchedulerError(
                f"system '{name}': fn must be callable as fn(world), got {type(fn).__name__}"
            )
        if not isinstance(every_n_ticks, int) or every_n_ticks < 1:
            raise SchedulerError(f"system '{name}': every_n_ticks must be an int >= 1, got {every_n_ticks!r}")
        after, before = _names(after), _names(before)
        if name in after or name in before:
            raise SchedulerError(f"system '{name}' cannot run after or before itself")
        system = System(
            name, fn, phase, int(order), every_n_ticks, bool(enabled), after, before, next(self._seq)
        )
        self._replan()
        self._systems[name] = system
        try:
            self._planned()
        except SchedulerError:
            del self._systems[name]
            self._plan = None
            raise
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

    def __getitem__(self, name: str) -> System:
        """The registered system `name` (its `fn` is the bound callable or Step)."""
        return self._get(name)

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
            self._plan = [s for phase in self.phases for s in self._phase_order(phase)]
        return self._plan

    def _phase_order(self, phase: str) -> list[System]:
        """The systems of one phase: a topological order of the after/before constraints that,
        among the systems free to run next, takes the lowest (order, registration)."""
        rank = {p: i for i, p in enumerate(self.phases)}
        members = {s.name: s for s in self._systems.values() if s.phase == phase}
        preds: dict[str, set[str]] = {n: set() for n in members}
        for s in members.values():
            for other, first, then in [(o, o, s.name) for o in s.after] + [(o, s.name, o) for o in s.before]:
                o = self._systems.get(other)
                if o is None:
                    continue
                if o.phase != phase:
                    if (rank[o.phase] < rank[phase]) != (first == other):
                        word = "after" if first == other else "before"
                        raise SchedulerError(
                            f"system '{s.name}' (phase {phase}) cannot run {word} '{other}' "
                            f"(phase {o.phase}): phases run in the order {list(self.phases)}"
                        )
                    continue
                preds[then].add(first)
        succs: dict[str, list[str]] = {n: [] for n in members}
        for n, ps in preds.items():
            for q in ps:
                succs[q].append(n)
        ready = [(m.order, m.seq, n) for n, m in members.items() if not preds[n]]
        heapq.heapify(ready)
        out: list[System] = []
        while ready:
            _, _, n = heapq.heappop(ready)
            out.append(members[n])
            for m in succs[n]:
                preds[m].discard(n)
                if not preds[m]:
                    heapq.heappush(ready, (members[m].order, members[m].seq, m))
        if len(out) < len(members):
            stuck = sorted(n for n in members if preds[n])
            raise SchedulerError(
                f"systems {stuck} of phase {phase} wait on each other (an after/before cycle)"
            )
        return out

    def runs(self) -> list[System | tuple[Pipeline, list[System]]]:
        """The enabled systems in run order, with each run of consecutive Steps as one Pipeline
        (`(pipeline, its systems)`); what a tick runs, kept until a system is added, removed,
        enabled or disabled."""
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
        self._ticker.replan()

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

    @property
    def delayed(self) -> list:
        """The queue of delayed effects (a heap, kept for the Scheduler's life): the tick loop
        tests it for emptiness before it calls `run_due`."""
        return self._delayed

    # ---- running ------------------------------------------------------------------------
    def tick(self, n: int = 1) -> None:
        """Runs n ticks (the loop is compiled: engine/systems_cy/step.pyx, Ticker)."""
        self._ticker.tick(n)

    def run_due(self, t: int) -> None:
        """The delayed effects due at tick t, in the order they were scheduled."""
        delayed = self._delayed
        while delayed and delayed[0].tick <= t:
            d = heapq.heappop(delayed)
            d.fn(self.world, *d.args)

    def run_system(self, run: System, t: int) -> None:
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
            out[s.name] = Timing(
                s.name, s.phase, s.calls, s.total_ns, per_tick, per_tick / max(self.num_agents, 1)
            )
        return out

    def reset_timings(self) -> None:
        self._collect_timings()
        for s in self._systems.values():
            s.calls = 0
            s.total_ns = 0
        self.ticks_run = 0
