"""Component declarations: a name and a numpy dtype (and optional trailing shape) per field.

A component is declared once and then lives as packed arrays inside `engine.ecs.World`, one
array per field shaped `(num_worlds, capacity, *shape)`. A trailing shape may name a dimension
(`"num_resources"`) that the World resolves when it is built, so one declaration serves levels
with different resource counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


class ComponentError(ValueError):
    """A component was declared or used wrongly; the message names it and the fix."""


@dataclass(frozen=True)
class Field:
    name: str
    dtype: np.dtype
    shape: tuple[int | str, ...] = ()

    def resolve(self, dims: dict[str, int], component: str) -> tuple[int, ...]:
        out = []
        for d in self.shape:
            if isinstance(d, str):
                if d not in dims:
                    raise ComponentError(
                        f"component '{component}' field '{self.name}' uses dimension '{d}', "
                        f"which the World was not given; pass dims={{'{d}': N}} to World()"
                    )
                d = dims[d]
            out.append(int(d))
        return tuple(out)


_NUMERIC_KINDS = "biuf"


def _parse_field(component: str, name: str, spec: Any) -> Field:
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ComponentError(
                f"component '{component}' field '{name}': expected a dtype or (dtype, shape), got {spec!r}"
            )
        dtype_spec, shape = spec
        shape = shape if isinstance(shape, tuple) else (shape,)
    else:
        dtype_spec, shape = spec, ()
    try:
        dtype = np.dtype(dtype_spec)
    except TypeError as exc:
        raise ComponentError(
            f"component '{component}' field '{name}': {dtype_spec!r} is not a numpy dtype"
        ) from exc
    if dtype.kind not in _NUMERIC_KINDS:
        raise ComponentError(
            f"component '{component}' field '{name}': dtype {dtype} is not a fixed-size numeric dtype "
            "(use bool, an int, uint or float type)"
        )
    for d in shape:
        if not (isinstance(d, str) or (isinstance(d, int) and d > 0)):
            raise ComponentError(
                f"component '{component}' field '{name}': shape entries must be positive ints or "
                f"dimension names, got {d!r}"
            )
    return Field(name, dtype, tuple(shape))


@dataclass(frozen=True)
class ComponentSpec:
    """The packed layout of one component. `struct` is the msgspec Struct used for authoring."""

    name: str
    fields: tuple[Field, ...]
    struct: type | None = None

    @classmethod
    def declare(cls, name: str, struct: type | None = None, **fields: Any) -> "ComponentSpec":
        if not name.isidentifier():
            raise ComponentError(f"component name {name!r} must be a Python identifier")
        if not fields:
            raise ComponentError(f"component '{name}' declares no fields")
        parsed = tuple(_parse_field(name, k, v) for k, v in fields.items())
        if struct is not None:
            struct_fields = set(getattr(struct, "__struct_fields__", ()))
            missing = [f.name for f in parsed if f.name not in struct_fields]
            if missing:
                raise ComponentError(
                    f"component '{name}': struct {struct.__name__} lacks field(s) {missing}; "
                    "every packed field needs a matching Struct field"
                )
        return cls(name, parsed, struct)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise ComponentError(
            f"component '{self.name}' has no field '{name}'; fields are {[f.name for f in self.fields]}"
        )


def component(name: str | None = None, **fields: Any) -> Callable[[type], type]:
    """Class decorator for a msgspec Struct: declares its packed layout.

    >>> @component(r=np.int32, c=np.int32)
    ... class Position(msgspec.Struct):
    ...     r: int = 0
    ...     c: int = 0

    The component name defaults to the class name in snake_case.
    """

    def wrap(struct: type) -> type:
        cname = name or _snake(struct.__name__)
        struct.__component__ = ComponentSpec.declare(cname, struct, **fields)
        return struct

    return wrap


def spec_of(obj: Any) -> ComponentSpec:
    """The ComponentSpec of a declared Struct class or instance, or a clear error."""
    if isinstance(obj, ComponentSpec):
        return obj
    cls = obj if isinstance(obj, type) else type(obj)
    spec = getattr(cls, "__component__", None)
    if spec is None:
        raise ComponentError(
            f"unknown component: {cls.__name__} is not declared; decorate it with "
            "@engine.ecs.component(field=dtype, ...)"
        )
    return spec


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
