"""A small Godot-style engine for batched gridworlds: packed ECS, fixed ticks, Cython systems."""

from engine.ecs import Authoring, ComponentError, ComponentSpec, Entity, World, component
from engine.kernel import Arg, Kernel, KernelArgumentError, arg
from engine.scheduler import PHASES, Scheduler, SchedulerError, System, Timing
from engine.signals import SignalError, Signals

__all__ = [
    "PHASES",
    "Arg",
    "Authoring",
    "ComponentError",
    "ComponentSpec",
    "Entity",
    "Kernel",
    "KernelArgumentError",
    "Scheduler",
    "SchedulerError",
    "SignalError",
    "Signals",
    "System",
    "Timing",
    "World",
    "arg",
    "component",
]
