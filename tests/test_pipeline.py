"""Bound Cython kernels (Steps) as Scheduler systems: run in Pipelines, with Python semantics."""

import numpy as np
import pytest

from engine import Scheduler, World
from engine.systems_cy import order
from engine.systems_cy.step import Pipeline, Step, When
from game import make_env
from tests.movement_world import Position


def shuffler(seed: int = 1):
    """The agent-order kernel bound to its own arrays: each run advances `rng` and redraws `out`."""
    rng = np.arange(seed, seed + 2, dtype=np.uint64)
    out = np.zeros((2, 5), np.int32)
    return order.KERNELS["order"].bind(rng=rng, order=out), rng, out


def scheduler():
    world = World(1, 1, [Position])
    return world, Scheduler(world, num_agents=10)


def test_a_bound_kernel_is_a_step_that_runs_when_called():
    step, rng, out = shuffler()
    before = rng.copy()
    assert isinstance(step, Step)
    step()
    assert (rng != before).all()
    assert all(sorted(row) == list(range(5)) for row in out.tolist())


def test_steps_run_between_the_python_systems_around_them():
    world, s = scheduler()
    step, rng, _ = shuffler()
    seen = []
    s.add("before", lambda w: seen.append(rng.copy()), phase="actions")
    s.add("shuffle", step, phase="world")
    s.add("after", lambda w: seen.append(rng.copy()), phase="rewards")
    s.tick(2)
    assert not np.array_equal(seen[0], seen[1])  # moved inside tick 0
    np.testing.assert_array_equal(seen[1], seen[2])  # and not between tick 0's end and tick 1's start
    assert not np.array_equal(seen[2], seen[3])


def test_a_pipeline_equals_calling_its_steps_in_order():
    a, rng_a, out_a = shuffler(3)
    b, rng_b, out_b = shuffler(3)
    pipeline = Pipeline([a, a], [1, 1])
    pipeline.run(0)
    b()
    b()
    np.testing.assert_array_equal(rng_a, rng_b)
    np.testing.assert_array_equal(out_a, out_b)
    assert pipeline.calls.tolist() == [1, 1] and (pipeline.ns >= 0).all()


def test_pipeline_times_steps_in_nanoseconds_and_resets():
    # the Pipeline counts in the CPU's time-stamp counter where it has one and converts to ns
    # at read time: a step that sleeps 20 ms must read as about 20 ms, not as counter ticks
    import time

    flag = np.ones(1, np.int32)
    sleeper = When(flag, lambda: time.sleep(0.02))
    pipeline = Pipeline([sleeper, sleeper], [1, 2])
    t0 = time.perf_counter_ns()
    for tick in range(3):  # the second step runs on ticks 0 and 2
        pipeline.run(tick)
    wall = time.perf_counter_ns() - t0
    ns = pipeline.ns
    assert ns.dtype == np.int64 and pipeline.calls.tolist() == [3, 2]
    # five sleeps of 20 ms, all inside the wall time around them (raw counts would be ~GHz x s)
    assert 0.099e9 <= ns.sum() <= wall * 1.01, (ns, wall)
    assert ns[0] >= 0.059e9 and ns[1] >= 0.039e9, ns
    pipeline.reset_timings()
    assert pipeline.ns.tolist() == [0, 0] and pipeline.calls.tolist() == [0, 0]


def test_every_n_ticks_enable_disable_and_timings_hold_for_steps():
    world, s = scheduler()
    step, rng, _ = shuffler()
    twin, rng_twin, _ = shuffler()
    s.add("shuffle", step, phase="world", every_n_ticks=3)
    s.add("python", lambda w: None, phase="world", order=1)
    s.tick(7)  # ticks 0, 3, 6
    for _ in range(3):
        twin()
    np.testing.assert_array_equal(rng, rng_twin)
    t = s.timings()["shuffle"]
    assert t.calls == 3 and t.total_ns > 0
    s.disable("shuffle")
    s.tick(3)  # ticks 7..9 (9 would have run it)
    np.testing.assert_array_equal(rng, rng_twin)
    s.enable("shuffle")
    s.tick(3)  # ticks 10..12: runs at 12
    twin()
    np.testing.assert_array_equal(rng, rng_twin)
    assert s.timings()["shuffle"].calls == 4
    s.reset_timings()
    assert s.timings()["shuffle"].calls == 0


def test_pipeline_rejects_what_it_cannot_run():
    step, _, _ = shuffler()
    with pytest.raises(TypeError, match="Steps"):
        Pipeline([step, lambda: None], [1, 1])
    with pytest.raises(ValueError, match="every_n_ticks"):
        Pipeline([step], [0])
    with pytest.raises(ValueError, match="every_n_ticks"):
        Pipeline([step], [1, 1])


def test_every_game_system_runs_as_a_step():
    # a system that fell back to a Python call would cost microseconds per tick and split the
    # pipeline
    env = make_env("arena")
    fns = {name: env.scheduler._get(name).fn for name in env.scheduler.order}
    assert [name for name, fn in fns.items() if not isinstance(fn, Step)] == []


def test_when_calls_python_only_on_flagged_ticks():
    world, s = scheduler()
    flag = np.zeros(1, np.int32)
    calls = []
    s.add("raise_flag", lambda w: flag.__setitem__(0, w.tick % 3 == 2), phase="world")
    s.add("on_flag", When(flag, lambda: calls.append(world.tick)), phase="rewards")
    s.tick(9)
    assert calls == [2, 5, 8]
    assert s.timings()["on_flag"].calls == 9  # it ran (as a C test) every tick
    with pytest.raises(TypeError, match="callable"):
        When(flag, 3)
