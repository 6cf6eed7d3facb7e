"""The authoring world: build entities with msgspec Structs in esper, then bake them.

esper is comfortable for building a level (any number of components per entity, queries by
type) and slow for stepping it, so, as in data-oriented engines, it is used only to author:
`bake()` turns the esper entities into the packed arrays of an `engine.ecs.World` once, and the
runtime never calls esper in its hot loop.

esper 3 keeps its worlds in module globals; this class owns a uniquely named esper context and
switches to it only for the duration of each call, restoring whatever was active before.
"""

from __future__ import annotations

import contextlib
import itertools
from typing import Any, Callable, Iterator

import esper

from engine.ecs.component import ComponentError, spec_of
from engine.ecs.world import World

_ids = itertools.count()


class _InWorld:
    """Authoring-only component: which of the batch's worlds an entity belongs to."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


class Authoring:
    def __init__(self, num_worlds: int = 1):
        self.num_worlds = num_worlds
        self.context = f"authoring-{next(_ids)}"
        self._order: list[int] = []

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        previous = esper.current_world
        esper.switch_world(self.context)
        try:
            yield
        finally:
            esper.switch_world(previous)

    def create(self, *components: Any, world: int = 0) -> int:
        """Create an entity from declared component Structs in `world`; returns its esper id."""
        if not 0 <= world < self.num_worlds:
            raise IndexError(f"world index {world} out of range 0..{self.num_worlds - 1}")
        for c in components:
            spec_of(c)  # unknown components fail here, where the author can see them
        with self.active():
            ent = esper.create_entity(_InWorld(world), *components)
        self._order.append(ent)
        return ent

    def components(self, entity: int) -> list[Any]:
        with self.active():
            return [c for c in esper.components_for_entity(entity) if not isinstance(c, _InWorld)]

    def query(self, struct: type) -> list[tuple[int, Any]]:
        with self.active():
            return list(esper.get_component(struct))

    def bake(
        self,
        capacity: int | None = None,
        components: list[Any] | None = None,
        dims: dict[str, int] | None = None,
        seed: int = 0,
        order: Callable[[int], Any] | None = None,
    ) -> tuple[World, dict[int, tuple[int, int]]]:
        """Pack every authored entity into a new World.

        Rows are assigned per world in creation order (or sorted by `order(entity)`), so the
        same authoring script always produces the same layout. `components` defaults to every
        component type used. Returns the World and a map esper id -> (world, row).
        """
        with self.active():
            per_world: list[list[int]] = [[] for _ in range(self.num_worlds)]
            used: dict[str, Any] = {}
            for ent in self._order:
                if not esper.entity_exists(ent):
                    continue
                per_world[esper.component_for_entity(ent, _InWorld).index].append(ent)
                for c in esper.components_for_entity(ent):
                    if not isinstance(c, _InWorld):
                        used.setdefault(spec_of(c).name, type(c))
            if order is not None:
                for ents in per_world:
                    ents.sort(key=order)
            need = max((len(e) for e in per_world), default=0)
            if capacity is None:
                capacity = max(need, 1)
            if need > capacity:
                raise ComponentError(f"bake: {need} entities in one world exceed capacity {capacity}")
            world = World(self.num_worlds, capacity, components or list(used.values()), dims=dims, seed=seed)
            rows: dict[int, tuple[int, int]] = {}
            for w, ents in enumerate(per_world):
                for ent in ents:
                    comps = [c for c in esper.components_for_entity(ent) if not isinstance(c, _InWorld)]
                    handle = world.spawn(w, *comps)
                    rows[ent] = (w, handle.row)
            world.flush()
        return world, rows

    def close(self) -> None:
        if esper.current_world == self.context:
            esper.switch_world("default")
        if self.context in esper.list_worlds():
            esper.delete_world(self.context)
