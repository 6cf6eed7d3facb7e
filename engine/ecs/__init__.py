"""Entity-component storage: declared components packed into numpy arrays for many worlds."""

from engine.ecs.authoring import Authoring
from engine.ecs.component import ComponentError, ComponentSpec, Field, component, spec_of
from engine.ecs.world import ComponentView, Entity, Resources, World

__all__ = [
    "Authoring",
    "ComponentError",
    "ComponentSpec",
    "ComponentView",
    "Entity",
    "Field",
    "Resources",
    "World",
    "component",
    "spec_of",
]
