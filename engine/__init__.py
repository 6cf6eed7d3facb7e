"""A small Godot-style engine for batched gridworlds: packed ECS, fixed ticks, Cython systems.

The names below load on first use (PEP 562), so that `import engine.grid` or `engine.ecs` needs
no compiled module: a game's build reads its constants before any kernel exists.
"""

from importlib import import_module

_HOMES = {
    "engine.ecs": ("Authoring", "ComponentError", "ComponentSpec", "Entity", "World", "component"),
    "engine.kernel": ("Arg", "Kernel", "KernelArgumentError", "arg"),
    "engine.scheduler": ("PHASES", "Scheduler", "SchedulerError", "System", "Timing"),
    "engine.signals": ("SignalError", "Signals"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME_OF)


def __getattr__(name: str):
    if name in _HOME_OF:
        value = getattr(import_module(_HOME_OF[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
