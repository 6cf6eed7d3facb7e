"""The errors of a level's journey, in one place: a level that cannot be loaded, a map that cannot
be built, worlds that cannot be built together. Each message names the file (or level), the TOML
path and what was expected, e.g. `arena.toml: $.buildings.mine.cooldown: Expected int, got str`.
"""

from __future__ import annotations

import re
import typing
from typing import Any

import msgspec


class LevelError(ValueError):
    """A level is invalid; the message names the file, the TOML path and what was expected."""


class MapError(LevelError):
    """A map cannot be built; the message starts with the TOML path (the loader adds the file)."""


class BuildError(ValueError):
    """The worlds of one env cannot share arrays (maps of different sizes, too many objects)."""


def explain(msg: str, root: type) -> str:
    """msgspec says "Expected `int`, got `str` - at `$.a.b`"; lead with the path, as users scan
    for it, and turn "unknown field" into the field's own path plus the fields that exist."""
    text, path = msg, "$"
    if " - at `" in msg:
        text, path = msg.rsplit(" - at `", 1)
        path = path.rstrip("`")
    if text.startswith("Object contains unknown field `"):
        field = text[len("Object contains unknown field `") :].rstrip("`")
        known = _fields_at(path, root)
        hint = f"; expected one of: {', '.join(known)}" if known else ""
        return f"{path}.{field}: unknown field{hint}"
    return f"{path}: {text}"


def _fields_at(path: str, root: type) -> list[str]:
    """Field names of the Struct at a TOML path like `$.groups.red` (empty if not a Struct)."""
    tp: Any = root
    for seg in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        key = seg[0]
        while typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            tp = typing.get_type_hints(tp, include_extras=True).get(key)
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return []
        if tp is None:
            return []
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return list(tp.__struct_fields__)
    return []
