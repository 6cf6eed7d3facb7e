"""The runtime World: packed component arrays for many independent worlds at once.

Every component field is one numpy array shaped `(num_worlds, capacity, *shape)` (structure of
arrays). An entity is a row index inside its world; `generation` counts how often a row was
reused, so a stale `Entity` handle is caught instead of silently touching a newcomer.

Spawns and despawns are deferred: `spawn`/`despawn` queue the change and `flush()` applies it.
The Scheduler calls `flush()` at the tick boundary, so a system never sees a half-built entity.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any, Iterable, NamedTuple

import msgspec
import numpy as np

from engine.ecs.component import ComponentError, ComponentSpec, spec_of
from engine.rng import seed_states


class Entity(NamedTuple):
    world: int
    row: int
    generation: int


class ComponentView:
    """Attribute access to one component's arrays: `world["position"].r`, plus `.has`."""

    def __init__(self, spec: ComponentSpec, arrays: dict[str, np.ndarray], has: np.ndarray):
        self.spec = spec
        self.has = has
        self._arrays = arrays

    def __getattr__(self, name: str) -> np.ndarray:
        arrays = self.__dict__.get("_arrays")  # absent while copy.deepcopy rebuilds the view
        if arrays is None or name not in arrays:
            spec = self.__dict__.get("spec")
            raise AttributeError(
                f"component '{spec.name if spec else '?'}' has no field '{name}'; "
                f"fields are {list(arrays or ())}"
            )
        return arrays[name]

    def __getitem__(self, name: str) -> np.ndarray:
        return getattr(self, name)

    def fields(self) -> dict[str, np.ndarray]:
        return dict(self._arrays)


class Resources:
    """World singletons (tick counters, RNG state, config scalars, matrices).

    Resources added with `per_world=True` have `num_worlds` as their first axis; they are part
    of a world's state and travel with `copy_world` and `state_hash`.
    """

    def __init__(self, num_worlds: int):
        self._num_worlds = num_worlds
        self._values: dict[str, Any] = {}
        self._per_world: set[str] = set()

    def add(self, name: str, value: Any, per_world: bool = False) -> Any:
        if name in self._values:
            raise ComponentError(f"resource '{name}' already exists; assign to it instead of adding it again")
        if per_world:
            value = np.asarray(value)
            if value.ndim == 0 or value.shape[0] != self._num_worlds:
                raise ComponentError(
                    f"per-world resource '{name}' must have num_worlds={self._num_worlds} as its first "
                    f"axis, got shape {value.shape}"
                )
            self._per_world.add(name)
        self._values[name] = value
        return value

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values")  # absent while copy.deepcopy rebuilds the resources
        if values is None or name not in values:
            raise AttributeError(f"no resource '{name}'; known: {sorted(values or ())}")
        return values[name]

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        elif name in self._values:
            if name in self._per_world:
                self._values[name][...] = value  # in place: kernels hold views of it
            else:
                self._values[name] = value
        else:
            raise AttributeError(f"no resource '{name}'; create it with resources.add('{name}', value)")

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def per_world(self) -> dict[str, np.ndarray]:
        return {k: self._values[k] for k in sorted(self._per_world)}

    def names(self) -> list[str]:
        return sorted(self._values)


class World:
    """Packed state of `num_worlds` independent worlds with `capacity` entity rows each."""

    def __init__(
        self,
        num_worlds: int,
        capacity: int,
        components: Iterable[Any],
        dims: dict[str, int] | None = None,
        seed: int = 0,
    ):
        if num_worlds < 1 or capacity < 1:
            raise ComponentError(f"num_worlds and capacity must be >= 1, got {num_worlds} and {capacity}")
        self.num_worlds = int(num_worlds)
        self.capacity = int(capacity)
        self.dims = dict(dims or {})
        self.tick = 0
        self.specs: dict[str, ComponentSpec] = {}
        self.alive = np.zeros((num_worlds, capacity), dtype=np.bool_)
        self.generation = np.zeros((num_worlds, capacity), dtype=np.uint32)
        self._has: dict[str, np.ndarray] = {}
        self._arrays: dict[str, dict[str, np.ndarray]] = {}
        self._views: dict[str, ComponentView] = {}
        for c in components:
            spec = spec_of(c)
            if spec.name in self.specs:
                raise ComponentError(f"component '{spec.name}' is declared twice in this World")
            self.specs[spec.name] = spec
            arrays = {
                f.name: np.zeros((num_worlds, capacity, *f.resolve(self.dims, spec.name)), dtype=f.dtype)
                for f in spec.fields
            }
            self._arrays[spec.name] = arrays
            self._has[spec.name] = np.zeros((num_worlds, capacity), dtype=np.bool_)
            self._views[spec.name] = ComponentView(spec, arrays, self._has[spec.name])
        self.resources = Resources(num_worlds)
        # One splitmix64 state per world, derived from seed + world index, so world k of a batch
        # seeded s replays exactly like world 0 of a batch seeded s + k.
        self.resources.add("rng", seed_states(seed, num_worlds), per_world=True)
        self._free = [list(range(capacity - 1, -1, -1)) for _ in range(num_worlds)]
        self._pending_spawn: list[tuple[Entity, list[tuple[ComponentSpec, dict[str, Any]]]]] = []
        self._pending_despawn: list[Entity] = []

    # ---- access ---------------------------------------------------------------------------
    @property
    def pending_spawn(self) -> list:
        """Entities queued by `spawn` until the next `flush()` (one list for the World's life)."""
        return self._pending_spawn

    @property
    def pending_despawn(self) -> list:
        """Entities queued by `despawn` until the next `flush()` (one list for the World's life)."""
        return self._pending_despawn

    def __getitem__(self, name: str) -> ComponentView:
        try:
            return self._views[name]
        except KeyError:
            raise ComponentError(
                f"unknown component '{name}'; this World has {sorted(self._views)}"
            ) from None

    def __contains__(self, name: str) -> bool:
        return name in self._views

    def column(self, component: str, field: str) -> np.ndarray:
        return getattr(self[component], field)

    def is_alive(self, entity: Entity) -> bool:
        w, r, g = entity
        return bool(self.alive[w, r]) and int(self.generation[w, r]) == g

    def entities(self, world: int, component: str | None = None) -> np.ndarray:
        """Row indices of live entities in `world`, optionally only those having `component`."""
        mask = self.alive[world]
        if component is not None:
            mask = mask & self[component].has[world]
        return np.flatnonzero(mask)

    # ---- deferred structural changes ------------------------------------------------------
    def spawn(self, world: int, *components: Any) -> Entity:
        """Reserve a row in `world` and queue the entity; it becomes alive at `flush()`.

        Components are declared msgspec Structs, or `(name, {field: value})` pairs.
        """
        self._check_world(world)
        values = [self._component_values(c) for c in components]
        free = self._free[world]
        while free and self.alive[world, free[-1]]:
            free.pop()  # a row a kernel claimed itself (e.g. a building an agent built)
        if not free:
            raise ComponentError(
                f"world {world} is full (capacity {self.capacity}); build the World with a larger capacity"
            )
        row = self._free[world].pop()
        entity = Entity(world, row, int(self.generation[world, row]))
        self._pending_spawn.append((entity, values))
        return entity

    def despawn(self, entity: Entity) -> None:
        """Queue removal of `entity`; its row is freed at `flush()`."""
        w, r, g = entity
        self._check_world(w)
        if int(self.generation[w, r]) != g or not self.alive[w, r]:
            raise ComponentError(
                f"cannot despawn {entity}: it is not alive (stale handle or already removed)"
            )
        self._pending_despawn.append(entity)

    def flush(self) -> tuple[int, int]:
        """Apply queued spawns and despawns. Returns (spawned, despawned)."""
        if not self._pending_spawn and not self._pending_despawn:
            return 0, 0  # the usual tick: nothing queued
        spawned = despawned = 0
        for entity, values in self._pending_spawn:
            w, r, _ = entity
            self.alive[w, r] = True
            for spec, vals in values:
                self._write(w, r, spec, vals)
            spawned += 1
        self._pending_spawn.clear()
        for entity in dict.fromkeys(self._pending_despawn):
            w, r, g = entity
            if int(self.generation[w, r]) != g or not self.alive[w, r]:
                continue
            self.alive[w, r] = False
            self.generation[w, r] += 1
            for name, arrays in self._arrays.items():
                self._has[name][w, r] = False
                for arr in arrays.values():
                    arr[w, r] = 0
            self._free[w].append(r)
            despawned += 1
        self._pending_despawn.clear()
        if despawned:
            for free in self._free:
                free.sort(reverse=True)  # lowest free row is reused first: deterministic layout
        return spawned, despawned

    @property
    def pending(self) -> tuple[int, int]:
        return len(self._pending_spawn), len(self._pending_despawn)

    # ---- immediate writes (authoring and tools, never inside a tick) ----------------------
    def set(self, world: int, row: int, *components: Any) -> None:
        self._check_world(world)
        for c in components:
            spec, vals = self._component_values(c)
            self._write(world, row, spec, vals)

    def _write(self, w: int, r: int, spec: ComponentSpec, vals: dict[str, Any]) -> None:
        arrays = self._arrays[spec.name]
        for f in spec.fields:
            if f.name in vals:
                value = np.asarray(vals[f.name])
                target = arrays[f.name][w, r]
                if value.shape != np.shape(target):
                    raise ComponentError(
                        f"component '{spec.name}' field '{f.name}': expected shape {np.shape(target)}, "
                        f"got {value.shape}"
                    )
                arrays[f.name][w, r] = value
        self._has[spec.name][w, r] = True

    def _component_values(self, c: Any) -> tuple[ComponentSpec, dict[str, Any]]:
        if isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], str):
            name, vals = c
            spec = self[name].spec
            unknown = set(vals) - {f.name for f in spec.fields}
            if unknown:
                raise ComponentError(f"component '{name}' has no field(s) {sorted(unknown)}")
            return spec, dict(vals)
        spec = spec_of(c)
        if spec.name not in self.specs or self.specs[spec.name] is not spec:
            raise ComponentError(
                f"unknown component '{spec.name}' ({type(c).__name__}): this World was not built with it; "
                f"it has {sorted(self.specs)}"
            )
        return spec, {f.name: getattr(c, f.name) for f in spec.fields}

    def _check_world(self, world: int) -> None:
        if not 0 <= world < self.num_worlds:
            raise IndexError(f"world index {world} out of range 0..{self.num_worlds - 1}")

    # ---- inspection ---------------------------------------------------------------------
    def inspect(self, world: int, row: int) -> dict[str, Any]:
        """A readable dict of one entity: its components by name, fields as Python values."""
        self._check_world(world)
        out: dict[str, Any] = {
            "world": world,
            "row": row,
            "alive": bool(self.alive[world, row]),
            "generation": int(self.generation[world, row]),
        }
        for name, arrays in self._arrays.items():
            if self._has[name][world, row]:
                out[name] = {k: a[world, row].tolist() for k, a in arrays.items()}
        return out

    def unbake(self, world: int, row: int) -> list[Any]:
        """The entity as authoring Structs (components declared without a Struct are skipped)."""
        info = self.inspect(world, row)
        out = []
        for name, spec in self.specs.items():
            if name in info and spec.struct is not None:
                out.append(msgspec.convert(info[name], spec.struct))
        return out

    # ---- whole-world state ----------------------------------------------------------------
    def state_arrays(self) -> dict[str, np.ndarray]:
        """Every array whose first axis is the world index, by a stable name."""
        out = {"alive": self.alive, "generation": self.generation}
        for name, arrays in self._arrays.items():
            out[f"{name}.has"] = self._has[name]
            for k, a in arrays.items():
                out[f"{name}.{k}"] = a
        for k, a in self.resources.per_world().items():
            out[f"resource.{k}"] = a
        return out

    def clone(self) -> "World":
        """An independent copy of every world (arrays, resources, free rows), e.g. a reset template.
        The component declarations are shared: they are what `spawn` recognises."""
        return copy.deepcopy(self, {id(s): s for s in self.specs.values()})

    def copy_world(self, dst: int, source: "World", src: int = 0) -> None:
        """Overwrite world `dst` with world `src` of `source` (same layout), e.g. to reset it."""
        mine, theirs = self.state_arrays(), source.state_arrays()
        if mine.keys() != theirs.keys():
            raise ComponentError("copy_world needs two Worlds built from the same components and resources")
        for k, a in mine.items():
            if k == "resource.rng":
                continue  # the RNG stream continues; a reset must not replay old randomness
            a[dst] = theirs[k][src]
        self.sync_free_rows(dst)

    def sync_free_rows(self, w: int) -> None:
        """Rebuild world `w`'s free rows from `alive`, after its arrays were written directly (a
        copied world, a restored snapshot): `spawn` takes the lowest free row first."""
        self._free[w] = list(np.flatnonzero(~self.alive[w])[::-1])

    def state_hash(self, worlds: Iterable[int] | None = None) -> str:
        """A hash of every per-world array (all worlds, or the given ones), for determinism checks."""
        h = hashlib.blake2b(digest_size=16)
        idx = None if worlds is None else np.asarray(list(worlds), dtype=np.int64)
        for k, a in sorted(self.state_arrays().items()):
            h.update(k.encode())
            h.update(np.ascontiguousarray(a if idx is None else a[idx]).tobytes())
        return h.hexdigest()
