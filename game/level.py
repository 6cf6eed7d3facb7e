"""Loading a level: TOML -> deep merge onto the defaults (and any base level) -> typed Level.

Errors name the file and the TOML path: `arena.toml: $.buildings.mine.cooldown: Expected int,
got str`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import msgspec

from game.config import Level
from game.defaults import defaults

LEVELS_DIR = Path(__file__).parent / "levels"


class LevelError(ValueError):
    """A level is invalid; the message names the file, the TOML path and what was expected."""


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
    p = Path(path)
    if not p.exists() and not p.is_absolute():
        for candidate in (LEVELS_DIR / p, LEVELS_DIR / f"{p}.toml"):
            if candidate.exists():
                return candidate
    if not p.exists():
        raise LevelError(f"{path}: no such level file (nor in {LEVELS_DIR})")
    return p


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise LevelError(f"{path.name}: not valid TOML: {exc}") from None


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
    return merge(load_raw(base_path, (*_seen, p)), raw)


def decode(raw: dict, name: str) -> Level:
    try:
        level = msgspec.convert(merge(defaults(), raw), Level)
    except msgspec.ValidationError as exc:
        raise LevelError(f"{name}: {_path_first(str(exc))}") from None
    from game.validate import check_level  # semantic checks beyond types

    check_level(level, name)
    return level


def load_level(path: str | Path, overrides: dict[str, Any] | None = None) -> Level:
    p = resolve_path(path)
    raw = load_raw(p)
    if overrides:
        raw = merge(raw, overrides)
    return decode(raw, p.name)


def _path_first(msg: str) -> str:
    # msgspec says "Expected `int`, got `str` - at `$.a.b`"; lead with the path, as users scan for it
    if " - at `" in msg:
        text, path = msg.rsplit(" - at `", 1)
        return f"{path.rstrip('`')}: {text}"
    return msg
