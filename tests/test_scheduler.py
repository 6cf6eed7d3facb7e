import pytest

from engine import PHASES, Scheduler, SchedulerError, World
from tests.movement_world import Position


def make():
    world = World(2, 4, [Position])
    return world, Scheduler(world, num_agents=8)


def test_phases_then_order_then_registration():
    world, s = make()
    ran = []
    s.add("observe_a", lambda w: ran.append("observe_a"), phase="observe")
    s.add("world_late", lambda w: ran.append("world_late"), phase="world", order=5)
    s.add("world_early", lambda w: ran.append("world_early"), phase="world", order=-1)
    s.add("actions_1", lambda w: ran.append("actions_1"), phase="actions", order=0)
    s.add("actions_2", lambda w: ran.append("actions_2"), phase="actions", order=0)
    s.add("rewards", lambda w: ran.append("rewards"), phase="rewards")
    expected = ["actions_1", "actions_2", "world_early", "world_late", "rewards", "observe_a"]
    assert s.order == expected
    s.tick()
    assert ran == expected and world.tick == 1
    assert PHASES == ("actions", "world", "rewards", "observe")


def test_every_n_ticks_counts_from_tick_zero():
    world, s = make()
    seen = []
    s.add("third", lambda w: seen.append(w.tick), phase="world", every_n_ticks=3)
    s.tick(7)
    assert seen == [0, 3, 6]


def test_enable_disable_and_configure():
    world, s = make()
    seen = []
    s.add("a", lambda w: seen.append("a"), phase="world")
    s.add("b", lambda w: seen.append("b"), phase="world", enabled=False)
    s.tick()
    s.configure({"a": False, "b": True})
    s.tick()
    s.enable("a")
    s.tick()
    assert seen == ["a", "b", "a", "b"]


def test_delayed_effects_run_at_start_of_their_tick_in_schedule_order():
    world, s = make()
    log = []
    s.add("sys", lambda w: log.append(("sys", w.tick)), phase="actions")
    s.after(2, lambda w, tag: log.append((tag, w.tick)), "second")
    s.after(2, lambda w, tag: log.append((tag, w.tick)), "second-b")
    s.after(1, lambda w, tag: log.append((tag, w.tick)), "first")
    assert s.pending_effects == 3
    s.tick(3)
    assert log == [("sys", 0), ("first", 1), ("sys", 1), ("second", 2), ("second-b", 2), ("sys", 2)]
    assert s.pending_effects == 0
    with pytest.raises(SchedulerError, match=">= 1"):
        s.after(0, lambda w: None)


def test_spawns_from_systems_appear_at_the_tick_boundary():
    world, s = make()
    seen_alive = []

    def spawner(w):
        if w.tick == 0:
            w.spawn(1, Position(2, 3))

    s.add("spawner", spawner, phase="actions")
    s.add("watcher", lambda w: seen_alive.append(int(w.alive[1].sum())), phase="observe")
    s.tick(2)
    assert seen_alive == [0, 1]


def test_bad_registrations_are_named():
    world, s = make()
    s.add("move", lambda w: None, phase="actions")
    with pytest.raises(SchedulerError, match="'move' is already registered"):
        s.add("move", lambda w: None, phase="actions")
    with pytest.raises(SchedulerError, match="unknown phase 'physics'"):
        s.add("x", lambda w: None, phase="physics")
    with pytest.raises(SchedulerError, match="every_n_ticks"):
        s.add("y", lambda w: None, phase="world", every_n_ticks=0)
    with pytest.raises(SchedulerError, match="callable"):
        s.add("z", 3, phase="world")
    with pytest.raises(SchedulerError, match="unknown system 'nope'"):
        s.disable("nope")


def test_timings_are_recorded_per_system():
    world, s = make()
    s.add("busy", lambda w: sum(range(20000)), phase="world")
    s.add("idle", lambda w: None, phase="world", enabled=False)
    s.tick(4)
    t = s.timings()
    assert t["busy"].calls == 4 and t["busy"].total_ns > 0
    assert t["busy"].ns_per_tick == pytest.approx(t["busy"].total_ns / 4)
    assert t["busy"].ns_per_agent == pytest.approx(t["busy"].ns_per_tick / 8)
    assert t["idle"].calls == 0 and t["idle"].total_ns == 0
    s.reset_timings()
    assert s.timings()["busy"].calls == 0


def test_a_failing_system_stops_its_tick_and_the_next_tick_runs():
    world, s = make()
    log = []
    s.add("first", lambda w: log.append(w.tick), phase="actions")

    failed = []

    def fails_once(w):
        if w.tick == 1 and not failed:
            failed.append(1)
            raise RuntimeError("boom")

    s.add("fails", fails_once, phase="world")
    s.add("last", lambda w: log.append(-w.tick), phase="observe")
    s.tick()
    with pytest.raises(RuntimeError, match="boom"):
        s.tick()
    assert world.tick == 1 and s.ticks_run == 1 and log == [0, 0, 1]
    s.tick()  # the tick that failed runs again from its start
    assert world.tick == 2 and s.ticks_run == 2 and log == [0, 0, 1, 1, -1]


def test_world_and_signals_are_fixed_for_the_schedulers_life():
    world, s = make()  # the compiled tick loop keeps both (and the World's queues)
    with pytest.raises(AttributeError):
        s.world = World(1, 4, [Position])
    with pytest.raises(AttributeError):
        s.signals = None
    assert s.world is world


def test_a_system_may_change_the_plan_during_a_tick():
    world, s = make()
    seen = []

    def switch(w):
        seen.append("switch")
        s.disable("switch")
        s.enable("late")

    s.add("switch", switch, phase="actions")
    s.add("late", lambda w: seen.append("late"), phase="observe", enabled=False)
    s.tick(2)
    # the tick that changed the plan finishes on the old plan; the next runs the new one
    assert seen == ["switch", "late"]


def test_decorator_registration():
    world, s = make()

    @s.system(phase="rewards", order=2)
    def tally(w):
        w.resources.total += 1

    world.resources.add("total", 0)
    s.tick(3)
    assert world.resources.total == 3 and s.order == ["tally"]


def test_named_order_after_and_before():
    world, s = make()
    ran = []
    log = lambda name: (lambda w: ran.append(name))  # noqa: E731
    s.add("c", log("c"), phase="world", after="b")
    s.add("a", log("a"), phase="world", before=("b", "c"), order=5)  # named order beats `order`
    s.add("b", log("b"), phase="world", after="a")
    s.add("free", log("free"), phase="world", order=1)
    s.add("ghost_ok", log("ghost_ok"), phase="world", after="not_registered", order=9)  # no constraint
    s.add("obs", log("obs"), phase="observe", after="a")  # a later phase already runs after
    assert s.order == ["free", "a", "b", "c", "ghost_ok", "obs"]
    s.tick()
    assert ran == s.order


def test_named_order_mistakes_are_refused_and_leave_the_plan_intact():
    world, s = make()
    s.add("a", lambda w: None, phase="world")
    s.add("b", lambda w: None, phase="world", after="a")
    with pytest.raises(SchedulerError, match=r"\['a', 'b', 'c'\] of phase world wait on each other"):
        s.add("c", lambda w: None, phase="world", after="b", before="a")
    with pytest.raises(SchedulerError, match="cannot run before 'a' \\(phase world\\)"):
        s.add("r", lambda w: None, phase="rewards", before="a")
    with pytest.raises(SchedulerError, match="after or before itself"):
        s.add("d", lambda w: None, phase="world", after="d")
    assert s.order == ["a", "b"]
    s.tick()
