import esper

from engine import Scheduler, Signals, World
from tests.movement_world import Position


def test_signals_reach_listeners_in_order_at_tick_end():
    world = World(2, 4, [Position])
    sig = Signals(["frozen", "destroyed"])
    sched = Scheduler(world, signals=sig)
    got = []
    sig.connect("frozen", lambda w, e, v: got.append(("frozen", w, e, v, world.tick)))
    sig.connect("destroyed", lambda w, e, v: got.append(("destroyed", w, e, v, world.tick)))

    def system(w):
        sig.emit("destroyed", 1, 3, 30)
        sig.emit("frozen", 0, 2, 10)

    sched.add("emitter", system, phase="world")
    sched.tick()
    # dispatched after the systems, before the tick counter advances
    assert got == [("destroyed", 1, 3, 30, 0), ("frozen", 0, 2, 10, 0)]
    assert sig.count[0] == 0


def test_unheard_signals_are_not_buffered_or_dispatched(monkeypatch):
    calls = []
    monkeypatch.setattr(esper, "dispatch_event", lambda *a: calls.append(a))
    sig = Signals(["frozen"])
    for _ in range(100):
        sig.emit("frozen", 0, 1, 2)
    assert sig.count[0] == 0 and not sig.enabled.any()
    assert sig.dispatch() == 0 and calls == []


def test_disconnect_stops_delivery_and_overflow_is_counted():
    sig = Signals(["hit"], capacity=2)
    got = []
    listener = lambda w, e, v: got.append(v)  # noqa: E731 - a lambda must survive esper's weakref
    sig.connect("hit", listener)
    for v in range(3):
        sig.emit("hit", 0, 0, v)
    assert sig.dispatch() == 2 and got == [0, 1] and sig.dropped == 1
    sig.disconnect("hit", listener)
    sig.emit("hit", 0, 0, 9)
    assert sig.dispatch() == 0 and got == [0, 1] and not sig.listening("hit")


def test_unknown_signal_is_named():
    import pytest

    from engine import SignalError

    sig = Signals(["a"])
    with pytest.raises(SignalError, match="unknown signal 'b'"):
        sig.connect("b", print)


def test_signal_listeners_do_not_touch_the_default_esper_world():
    before = esper.current_world
    sig = Signals(["a"])
    sig.connect("a", lambda *a: None)
    sig.emit("a", 0, 0, 0)
    sig.dispatch()
    assert esper.current_world == before


def test_signals_buffered_when_the_last_listener_leaves_are_not_delivered_later():
    sig = Signals(["hit", "miss"])
    got = []
    first = lambda w, e, v: got.append(("first", v))  # noqa: E731
    later = lambda w, e, v: got.append(("later", v))  # noqa: E731
    sig.connect("hit", first)
    sig.emit("hit", 0, 1, 5)
    sig.disconnect("hit", first)
    assert sig.dispatch() == 0 and sig.count[0] == 0
    sig.connect("hit", later)
    sig.emit("hit", 0, 1, 6)
    assert sig.dispatch() == 1 and got == [("later", 6)]
