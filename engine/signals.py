"""Signals: events that kernels append to a per-tick buffer, dispatched to Python listeners.

A kernel writes `(kind, world, entity, value)` rows into `buffer` only when `enabled[kind]` is
set, and that flag is set only while a listener is connected, so a signal nobody listens to
costs one byte load in the kernel and nothing at dispatch. Listeners are esper event handlers in
a context owned by this object. esper keeps weak references and cleans them up against
whichever esper world is current when they die, so we register our own wrapper functions, hold
them strongly, and unregister them in `close()` (also run when this object is collected).
"""

from __future__ import annotations

import itertools
from typing import Callable, Iterable

import esper
import numpy as np

_ids = itertools.count()

# Wrappers registered with esper, by esper context. esper holds only weak references and, when
# one dies, cleans up against whichever esper world is current; keeping the wrappers here (not
# only on the Signals object, which may die in a garbage cycle) means they die only in close().
_REGISTERED: dict[str, list] = {}

Listener = Callable[[int, int, int], None]


class SignalError(ValueError):
    pass


class Signals:
    def __init__(self, names: Iterable[str], capacity: int = 4096):
        self.names = list(names)
        if len(set(self.names)) != len(self.names):
            raise SignalError(f"signal names must be unique, got {self.names}")
        self.ids = {n: i for i, n in enumerate(self.names)}
        self.buffer = np.zeros((capacity, 4), dtype=np.int32)
        self.count = np.zeros(1, dtype=np.int64)  # may exceed capacity: the excess was dropped
        self.enabled = np.zeros(max(len(self.names), 1), dtype=np.uint8)
        self.dropped = 0
        self.heard = 0  # signal kinds with a listener (the tick loop dispatches only while > 0)
        self._context = f"signals-{next(_ids)}"
        # listener -> the wrapper registered with esper, per signal name
        self._listeners: dict[str, dict[Listener, Listener]] = {n: {} for n in self.names}

    def id(self, name: str) -> int:
        try:
            return self.ids[name]
        except KeyError:
            raise SignalError(f"unknown signal '{name}'; known signals are {self.names}") from None

    def connect(self, name: str, listener: Listener) -> None:
        """Call `listener(world, entity, value)` for every `name` signal from now on."""
        kind = self.id(name)
        if listener in self._listeners[name]:
            return

        def wrapper(world: int, entity: int, value: int) -> None:
            listener(world, entity, value)

        self._listeners[name][listener] = wrapper
        _REGISTERED.setdefault(self._context, []).append(wrapper)
        with self._active():
            esper.set_handler(name, wrapper)
        self.heard += not self.enabled[kind]
        self.enabled[kind] = 1

    def disconnect(self, name: str, listener: Listener) -> None:
        kind = self.id(name)
        wrapper = self._listeners[name].pop(listener, None)
        if wrapper is not None:
            with self._active():
                esper.remove_handler(name, wrapper)
            kept = _REGISTERED.get(self._context, [])
            if wrapper in kept:
                kept.remove(wrapper)
        if not self._listeners[name] and self.enabled[kind]:
            self.enabled[kind] = 0
            self.heard -= 1
            if not self.heard:
                self.count[0] = 0  # what is still buffered has no one left to hear it

    def close(self) -> None:
        """Unregister every listener and drop this object's esper context."""
        for name in self.names:
            for listener in list(self._listeners[name]):
                self.disconnect(name, listener)
        if self._context in esper.list_worlds() and esper.current_world != self._context:
            esper.delete_world(self._context)
        _REGISTERED.pop(self._context, None)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: esper may already be gone
            pass

    def listening(self, name: str) -> bool:
        return bool(self.enabled[self.id(name)])

    def emit(self, name: str, world: int, entity: int, value: int = 0) -> None:
        """Python-side emit, for systems written in Python; same rules as the kernels'."""
        kind = self.id(name)
        if not self.enabled[kind]:
            return
        n = int(self.count[0])
        if n < len(self.buffer):
            self.buffer[n] = (kind, world, entity, value)
        self.count[0] = n + 1

    def dispatch(self) -> int:
        """Deliver this tick's buffered signals in emission order; returns how many."""
        if not self.heard:  # nobody listens, so nothing was buffered (the usual tick)
            return 0
        n = int(self.count[0])
        if n == 0:
            return 0
        kept = min(n, len(self.buffer))
        self.dropped += n - kept
        rows = self.buffer[:kept].tolist()
        self.count[0] = 0
        with self._active():
            for kind, world, entity, value in rows:
                esper.dispatch_event(self.names[kind], world, entity, value)
        return kept

    def _active(self):
        return _Context(self._context)


class _Context:
    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> None:
        self.previous = esper.current_world
        esper.switch_world(self.name)

    def __exit__(self, *exc: object) -> None:
        esper.switch_world(self.previous)
