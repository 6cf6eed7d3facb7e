"""Loading a level: TOML -> deep merge onto the defaults (and any base level) -> typed Level.

Errors name the file and the TOML path: `arena.toml: $.buildings.mine.cooldown: Expected int,
got str`.

Inheritance: `base = "arena.toml"` (a path relative to the level's own file, or a name in
`game/levels/`) merges this level onto its base table by table; a cycle of bases is an error.
One exception: a level that sets `map.generator` or `map.ascii` brings a new map, so its `[map]`
table replaces the base's instead of merging into it (old generator parameters never leak in).

`dump_level(level)` writes a resolved level back to TOML; loading that text gives an equal Level.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

import msgspec
import tomli_w

from game.errors import LevelError, explain
from game.load.validate import check_level  # semantic checks beyond types
from game.rules.defaults import defaults
from game.rules.limits import MAX_LEVEL_BYTES
from game.rules.schema import Level

LEVELS_DIR = Path(__file__).parent.parent / "levels"
PROJECT_DIR = Path(__file__).parent.parent.parent  # where the paths of the shipped recipes start


def merge(base: dict, over: dict) -> dict:
    """Deep merge: tables merge key by key, everything else in `over` replaces `base`."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def resolve_path(path: str | Path) -> Path:
    """A level file from a path, a name in game/levels (`arena`), or a path inside the project
    (`game/levels/arena.toml`, as the recipes write them) from any working directory."""
    p = Path(path)
    if not p.exists() and not p.is_absolute():
        for candidate in (LEVELS_DIR / p, LEVELS_DIR / f"{p}.toml", PROJECT_DIR / p):
            if candidate.exists():
                return candidate
    if not p.exists():
        raise LevelError(f"{path}: no such level file (nor in {LEVELS_DIR})")
    return p


def read_level_bytes(path: str | Path) -> bytes:
    """A level file's bytes, refusing what is not a level file before reading it: a directory,
    a device or pipe (`/dev/zero` would be read until memory runs out), a file over
    MAX_LEVEL_BYTES (game/rules/limits.py)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise LevelError(f"{path}: no such level file") from None
    except OSError as exc:
        raise LevelError(f"{path}: cannot read the level file ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise LevelError(
            f"{path}: is a directory, not a level file; give a .toml file or a name in {LEVELS_DIR}"
        )
    if not stat.S_ISREG(st.st_mode):
        raise LevelError(f"{path}: not a regular file (a device, pipe or socket); give a level .toml file")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_LEVEL_BYTES + 1)  # one byte more tells a file that grew past the limit
    except OSError as exc:
        raise LevelError(f"{path}: cannot read the level file ({exc.strerror})") from None
    if len(data) > MAX_LEVEL_BYTES:
        raise LevelError(
            f"{path}: over {MAX_LEVEL_BYTES // 2**20} MiB, the limit of a level file "
            f"(docs/levels.md, Limits); a level is a short TOML file"
        )
    return data


def read_toml(path: Path) -> dict:
    data = read_level_bytes(path)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LevelError(f"{path.name}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise LevelError(f"{path.name}: not a UTF-8 text file (byte {exc.start}); save it as UTF-8") from None


def load_raw(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict:
    """The level's TOML merged onto its base level (key `base`), without the defaults."""
    p = resolve_path(path).resolve()
    if p in _seen:
        chain = " -> ".join(x.name for x in (*_seen, p))
        raise LevelError(f"{p.name}: $.base: base levels form a cycle: {chain}")
    raw = read_toml(p)
    base = raw.pop("base", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise LevelError(f"{p.name}: $.base: expected a level path (str), got {type(base).__name__}")
    base_path = (p.parent / base) if not Path(base).is_absolute() else Path(base)
    if not base_path.exists():
        base_path = resolve_path(base)
    return merge_level(load_raw(base_path, (*_seen, p)), raw)


def merge_level(base: dict, over: dict) -> dict:
    """`merge`, except that an `over` map with its own generator or ASCII map replaces `base`'s."""
    out = merge(base, over)
    m = over.get("map")
    if isinstance(m, dict) and ("generator" in m or "ascii" in m):
        out["map"] = dict(m)
    return out


def _non_finite(data: Any, path: str = "$"):
    """TOML paths of the nan / inf numbers in raw level data (TOML allows both literals)."""
    if isinstance(data, float) and not math.isfinite(data):
        yield path, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _non_finite(v, f"{path}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _non_finite(v, f"{path}[{i}]")


def decode(raw: dict, name: str) -> Level:
    for path, value in _non_finite(raw):  # a nan reward would train to NaN losses, silently
        raise LevelError(f"{name}: {path}: {value} is not a finite number; give a finite value")
    named = raw.get("actions")
    data = merge(defaults(named if isinstance(named, dict) else ()), raw)
    try:
        level = msgspec.convert(data, Level)
    except msgspec.ValidationError as exc:
        raise LevelError(f"{name}: {explain(str(exc), Level, data)}") from None
    check_level(level, name)
    return level


def load_level(path: str | Path, overrides: dict[str, Any] | None = None) -> Level:
    p = resolve_path(path)
    raw = load_raw(p)
    if overrides:
        raw = merge_level(raw, overrides)
    return decode(raw, p.name)


def parse_level(text: str, name: str = "<string>") -> Level:
    """A level from TOML text (a `base` is looked up in `game/levels/` or the working directory)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LevelError(f"{name}: not valid TOML: {exc}") from None
    base = raw.pop("base", None)
    if base is not None:
        if not isinstance(base, str):
            raise LevelError(f"{name}: $.base: expected a level path (str), got {type(base).__name__}")
        raw = merge_level(load_raw(base), raw)
    return decode(raw, name)


def to_table(obj: Any) -> Any:
    """A Level (or any part of it) as plain TOML-ready data, every field written out."""
    if isinstance(obj, msgspec.Struct):
        return {f: to_table(getattr(obj, f)) for f in obj.__struct_fields__}
    if isinstance(obj, dict):
        return {k: to_table(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_table(v) for v in obj]
    return obj


def dump_level(level: Level) -> str:
    """The resolved level as TOML text (no `base`: everything is written out)."""
    return tomli_w.dumps(to_table(level), multiline_strings=True)
