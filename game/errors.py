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


def explain(msg: str, root: type, data: Any = None) -> str:
    """msgspec says "Expected `int`, got `str` - at `$.a.b`"; lead with the path, as users scan
    for it, and turn "unknown field" into the field's own path plus the fields that exist.
    msgspec writes a table key as `[...]` (`$.groups[...].max_energy`); given the `data` that
    failed, each such key is found and named (`$.groups.red.max_energy`)."""
    text, path = msg, "$"
    if " - at `" in msg:
        text, path = msg.rsplit(" - at `", 1)
        path = path.rstrip("`")
    if data is not None and "[...]" in path:
        path = _name_keys(path, root, data)
    if text.startswith("Object contains unknown field `"):
        field = text[len("Object contains unknown field `") :].rstrip("`")
        known = _fields_at(path, root)
        hint = f"; expected one of: {', '.join(known)}" if known else ""
        return f"{path}.{field}: unknown field{hint}"
    return f"{path}: {text}"


def _name_keys(path: str, root: type, data: Any) -> str:
    """`path` with each `[...]` replaced by the key of the table entry that fails to convert;
    from the first one it cannot tell on, msgspec's own words are kept."""
    segments = re.findall(r"\.[^.\[]+|\[\d+\]|\[\.\.\.\]", path)
    out, tp = "$", root
    for i, seg in enumerate(segments):
        tp = _strip(tp)
        if seg == "[...]":
            key = _failing_key(tp, data)
            if key is None:
                return out + "".join(segments[i:])
            out += f".{key}" if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'["{key}"]'
            tp, data = typing.get_args(tp)[-1], data[key]
        elif seg.startswith("["):
            out += seg
            k = int(seg[1:-1])
            tp = typing.get_args(tp)[-1] if typing.get_origin(tp) is list else None
            data = data[k] if isinstance(data, list) and k < len(data) else None
        else:
            out += seg
            tp = typing.get_type_hints(tp, include_extras=True).get(seg[1:]) if _is_struct(tp) else None
            data = data.get(seg[1:]) if isinstance(data, dict) else None
        if tp is None or data is None:
            return out + "".join(segments[i + 1 :])
    return out


def _failing_key(tp: Any, data: Any) -> str | None:
    """The first key of the table `data` whose value does not convert to the table's value type."""
    if typing.get_origin(tp) is not dict or not isinstance(data, dict):
        return None
    value_type = typing.get_args(tp)[-1]
    for key, value in data.items():
        try:
            msgspec.convert(value, value_type)
        except msgspec.ValidationError:
            return str(key)
    return None


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _fields_at(path: str, root: type) -> list[str]:
    """Field names of the Struct at a TOML path like `$.groups.red` (empty if not a Struct)."""
    tp: Any = root
    for seg in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        tp = _strip(tp)
        if _is_struct(tp):
            tp = typing.get_type_hints(tp, include_extras=True).get(seg[0])
        elif typing.get_origin(tp) in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return []
        if tp is None:
            return []
    tp = _strip(tp)
    return list(tp.__struct_fields__) if _is_struct(tp) else []
