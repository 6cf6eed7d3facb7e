"""Reading a spec file (a study or a sweep TOML) into its msgspec struct: one line naming the file
and what is wrong for every way the file can be bad, before any field is checked."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def non_finite(value: Any, where: str = "$") -> str | None:
    """The path of the first nan or inf in decoded TOML, None when there is none."""
    if isinstance(value, float) and not math.isfinite(value):
        return where
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        found = non_finite(v, f"{where}.{k}" if isinstance(k, str) else f"{where}[{k}]")
        if found:
            return found
    return None


def decode_spec(path: str | Path, kind: type[T], error: type[Exception], what: str, folder: str) -> T:
    """The file at `path` as a `kind`; `error` (one line) when it is missing, a directory, not
    UTF-8 TOML, holds nan or inf (NaN != NaN: a plan holding it would never match again), or does
    not fit the struct. `what` names the file ("study"), `folder` where such files live."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise error(f"{p}: {what} file not found") from None
    except IsADirectoryError:
        raise error(f"{p}: is a directory; give a {what} TOML file ({folder}/*.toml)") from None
    try:
        bad = non_finite(msgspec.toml.decode(raw))
        if bad:
            raise error(f"{p}: {bad}: expected a finite number (nan and inf mean nothing in a {what})")
        return msgspec.toml.decode(raw, type=kind)
    except msgspec.ValidationError as e:
        raise error(f"{p}: {e}") from None
    except msgspec.DecodeError as e:
        raise error(f"{p}: not valid TOML: {e}") from None
    except UnicodeDecodeError as e:
        raise error(f"{p}: not a UTF-8 text file (byte {e.start}); save it as UTF-8") from None
