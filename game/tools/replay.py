"""Replays: the level, the seed and the actions; the engine is deterministic, so that is enough.

A replay file is an `.npz` (numpy zip, no pickles) with these keys:

| key | what |
| --- | --- |
| `format`, `version` | `"game.tools.replay"` (`"game.replay"` in files written before the module
  moved) and `VERSION`; another version is refused with a clear error |
| `level` | the level path as given when recording (`game/levels/arena.toml`, or a name like `arena`) |
| `level_sha256` | sha256 of the level file's bytes when recorded |
| `level_config_hash` | sha256 of the fully resolved level (base levels and defaults merged) |
| `seed` | the env seed (world 0 of `make_env(level, num_worlds=1, seed=seed)`) |
| `actions` | int32 `(T, agents_per_world, 2)`: one `(action, argument)` row per agent per tick |
| `state_hash` | `env.state_hash([0])` after the last action |
| `trace_ticks`, `trace_hashes` | (version 2) `env.state_hash([0])` after each of these ticks: every
  `TRACE_EVERY` ticks and the one before the last, so a replay whose last tick resets the world (an
  eval episode of exactly `max_steps` ticks) is still checked along its trajectory |
| `max_steps`, `agents_per_world` | the episode length used and the agent count |
| `overrides` | JSON of the level overrides the env was made with (e.g. `{"max_steps": 200}`) |
| `meta` | JSON of anything else (`checkpoint`, `recorded_by`, ...) |

Files written by `learn/evaluation/evaluate.py` before this module (keys `level`, `seed`, `actions`,
`state_hash`, `checkpoint`, `max_steps`, `agents_per_world`, no `format`) load as version 0:
they have no level hash, so a changed level is caught only by the final state hash.

`save_replay` writes atomically (temporary file in the same folder, fsync, `os.replace`).
`load_replay` raises `ReplayError` with a plain message naming the file for a missing, truncated,
corrupt (flipped bits) or foreign file, a directory or device, keys of the wrong kind, or arrays past
MAX_REPLAY_BYTES (game/rules/limits.py), checked before numpy allocates them. `check_level` raises
`ReplayError` when the level file is gone or its content changed since recording, or the game's
rules did (the level file unchanged, the resolved level not: a replay recorded before the profile
and build mechanics joined the defaults) (a version 1 or 2 file must carry its level hash: without
one it is refused, not waved through). `verify_replay` re-simulates and compares the trace and the
final state hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from game.env.gridenv import make_env
from game.errors import LevelError
from game.load.level import load_level, read_level_bytes, read_toml, resolve_path
from game.rules.limits import MAX_REPLAY_BYTES

FORMAT = "game.tools.replay"
OLD_FORMATS = ("game.replay",)  # the same format, written while the module was game/replay.py
VERSION = 2
TRACE_EVERY = 16
REQUIRED = ("level", "seed", "actions", "state_hash")


class ReplayError(ValueError):
    """A replay that cannot be used: missing, corrupt, another format version, or another level."""


class _BadKey(ValueError):
    """A key of the wrong kind; load_replay names the file."""


@dataclass
class Replay:
    path: str
    level: str
    seed: int
    actions: np.ndarray  # (T, A, 2) int32
    state_hash: str
    version: int = VERSION
    level_sha256: str = ""
    level_config_hash: str = ""
    max_steps: int = 0
    agents_per_world: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    trace: dict[int, str] = field(default_factory=dict)  # tick -> state hash after it

    @property
    def ticks(self) -> int:
        return int(self.actions.shape[0])

    def env_overrides(self) -> dict[str, Any]:
        out = dict(self.overrides)
        if self.max_steps and "max_steps" not in out:
            out["max_steps"] = int(self.max_steps)
        return out


@dataclass
class Verification:
    ok: bool
    expected: str
    actual: str
    ticks: int
    first_bad_tick: int | None = None  # the first traced tick whose hash differs (None: all agree)
    traced: int = 0  # how many trace hashes were compared

    def __bool__(self) -> bool:  # `if verify_replay(p):` must not accept a replay that failed
        return self.ok


def trace_ticks(T: int, every: int = TRACE_EVERY) -> list[int]:
    """The ticks (1-based: the hash after that many actions) a replay of T ticks records."""
    ticks = set(range(every, T + 1, every))
    if T >= 2:
        ticks.add(T - 1)  # the last tick may reset the world: the one before it shows the trajectory
    return sorted(ticks)


# ---- level identity ----------------------------------------------------------------------
def resolve_level(level: str | Path, relative_to: str | Path | None = None) -> Path:
    """The level file: as given, else next to `relative_to` (the replay), else in game/levels."""
    p = Path(level)
    try:
        if not p.exists() and relative_to is not None and not p.is_absolute():
            cand = Path(relative_to).parent / p
            if cand.exists():
                return cand
        return resolve_path(p)
    except (LevelError, ValueError):  # ValueError: a name with a NUL byte, in a hand-made file
        raise ReplayError(f"level {level!r} not found") from None


def level_file_hash(path: str | Path) -> str:
    return hashlib.sha256(read_level_bytes(path)).hexdigest()  # a level file, within the size limit


def level_config_hash(path: str | Path) -> str:
    """Hash of the resolved level (its base levels and the defaults merged in), so an edit of a
    base level counts and an edit of a comment does not."""
    return hashlib.sha256(msgspec.json.encode(load_level(path))).hexdigest()


# ---- save / load -------------------------------------------------------------------------
def save_replay(
    path: str | Path,
    level_path: str | Path,
    seed: int,
    actions,
    state_hash: str,
    trace: dict[int, str] | None = None,
    **meta: Any,
) -> Path:
    """Write a replay atomically. `actions` is `(T, agents, 2)`; `trace` maps ticks to the state hash
    after them (`trace_ticks(T)`, recorded while playing). Keyword arguments `max_steps`,
    `agents_per_world` and `overrides` (a dict) have their own keys; the rest goes into `meta`
    (JSON-serialisable values only)."""
    a = np.asarray(actions)
    if a.ndim != 3 or a.shape[2] != 2 or a.dtype.kind not in "iu":
        raise ReplayError(f"actions must be an integer array (T, agents, 2), got {a.dtype} {a.shape}")
    a = a.astype(np.int32, copy=False)
    overrides = dict(meta.pop("overrides", None) or {})
    max_steps = int(meta.pop("max_steps", 0) or overrides.get("max_steps", 0) or 0)
    apw = int(meta.pop("agents_per_world", 0) or a.shape[1])
    lp = resolve_level(level_path)
    meta.setdefault("level_name", load_level(lp).name)  # tells "another level" from "another version" later
    try:
        meta_json = json.dumps(meta, default=str)
        over_json = json.dumps(overrides)
    except TypeError as e:
        raise ReplayError(f"replay metadata must be JSON-serialisable: {e}") from None
    payload = dict(
        format=np.array(FORMAT),
        version=np.array(VERSION, np.int64),
        level=np.array(str(level_path)),
        level_sha256=np.array(level_file_hash(lp)),
        level_config_hash=np.array(level_config_hash(lp)),
        seed=np.array(int(seed), np.int64),
        actions=a,
        state_hash=np.array(str(state_hash)),
        max_steps=np.array(max_steps, np.int64),
        agents_per_world=np.array(apw, np.int64),
        overrides=np.array(over_json),
        meta=np.array(meta_json),
        trace_ticks=np.array(sorted(trace or {}), np.int64),
        trace_hashes=np.array([str(trace[t]) for t in sorted(trace or {})], dtype="U64"),
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def _scalar(z, key: str, kind: type, default: Any = None) -> Any:
    if key not in z.files:
        return default
    v = z[key]
    want = {str: "U", int: "iu"}[kind]  # a number where a text belongs (or the reverse): hand-made
    if v.shape != () or v.dtype.kind not in want:
        raise _BadKey(
            f"key '{key}' should be a {'text' if kind is str else 'whole number'} scalar, "
            f"got {v.dtype} of shape {v.shape}"
        )
    return kind(v.item())


def _json_object(z, key: str) -> dict[str, Any]:
    value = json.loads(_scalar(z, key, str, "{}"))
    if not isinstance(value, dict):
        raise _BadKey(f"key '{key}' should hold a JSON object, got {type(value).__name__}")
    return value


def _bytes(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB" if n >= 2**20 else f"{n:,} bytes"


def _check_file(p: Path) -> None:
    """Refuse, before numpy reads it, what cannot be a replay or would not fit in memory: not a
    regular file, or arrays past MAX_REPLAY_BYTES (as the zip declares them, or as an array's header
    claims them: numpy allocates the claimed shape before it reads)."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ReplayError(f"replay {p} does not exist") from None
    if stat.S_ISDIR(st.st_mode):
        raise ReplayError(f"replay {p} is a directory; give a replay file (.npz)")
    if not stat.S_ISREG(st.st_mode):
        raise ReplayError(
            f"replay {p} is not a regular file (a device, pipe or socket); give a replay file (.npz)"
        )
    limit = f"over the limit of {_bytes(MAX_REPLAY_BYTES)} of a replay (docs/levels.md, Limits)"
    if st.st_size > MAX_REPLAY_BYTES:
        raise ReplayError(f"replay {p} is {_bytes(st.st_size)}, {limit}")
    with zipfile.ZipFile(p) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_REPLAY_BYTES:
            raise ReplayError(f"replay {p} holds {_bytes(total)} of arrays, {limit}")
        for info in infos:
            if not info.filename.endswith(".npy"):
                continue
            with zf.open(info) as f:
                version = np.lib.format.read_magic(f)
                read = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = read(f)
            if np.prod(shape, dtype=np.float64) * dtype.itemsize > info.file_size:
                raise ReplayError(
                    f"replay {p} is corrupt: array '{info.filename[:-4]}' claims shape {shape} of "
                    f"{dtype} but holds {info.file_size:,} bytes"
                )


def load_replay(path: str | Path) -> Replay:
    p = Path(path)
    try:
        _check_file(p)
        with np.load(p, allow_pickle=False) as z:
            files = set(z.files)
            fmt = _scalar(z, "format", str, None)
            if fmt is not None and fmt != FORMAT and fmt not in OLD_FORMATS:
                raise ReplayError(f"{p} is not a replay (format '{fmt}', expected '{FORMAT}')")
            version = _scalar(z, "version", int, 0)
            if version > VERSION or version < 0:
                raise ReplayError(
                    f"replay {p} has format version {version}; this version of the game reads versions "
                    f"0..{VERSION}"
                )
            missing = [k for k in REQUIRED if k not in files]
            if missing:
                raise ReplayError(f"{p} is not a replay: missing key(s) {', '.join(missing)}")
            actions = np.asarray(z["actions"])
            rep = Replay(
                path=str(p),
                level=_scalar(z, "level", str),
                seed=_scalar(z, "seed", int),
                actions=actions,
                state_hash=_scalar(z, "state_hash", str),
                version=version,
                level_sha256=_scalar(z, "level_sha256", str, ""),
                level_config_hash=_scalar(z, "level_config_hash", str, ""),
                max_steps=_scalar(z, "max_steps", int, 0),
                agents_per_world=_scalar(z, "agents_per_world", int, 0),
                overrides=_json_object(z, "overrides"),
                meta=_json_object(z, "meta"),
            )
            if "trace_ticks" in files:
                ticks, hashes = np.asarray(z["trace_ticks"]), np.asarray(z["trace_hashes"])
                if ticks.shape != hashes.shape or ticks.ndim != 1:
                    raise ReplayError(f"replay {p}: trace_ticks and trace_hashes do not match")
                rep.trace = {int(t): str(h) for t, h in zip(ticks, hashes)}
            if "checkpoint" in files:  # learn/evaluation/evaluate.py's key
                rep.meta.setdefault("checkpoint", _scalar(z, "checkpoint", str))
    except ReplayError:
        raise
    except _BadKey as e:
        raise ReplayError(f"replay {p} is not a replay this game wrote: {e}") from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        json.JSONDecodeError,
    ) as e:
        # zlib.error, NotImplementedError (zipfile's "compression method"): flipped bits in the zip;
        # the rest: a truncated or hand-made file
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ReplayError(f"replay {p} is corrupt or truncated ({first[:200]})") from None
    if actions.ndim != 3 or actions.shape[2] != 2 or actions.dtype.kind not in "iu":
        raise ReplayError(
            f"replay {p}: actions must be integers (T, agents, 2), got {actions.dtype} {actions.shape}"
        )
    rep.actions = actions.astype(np.int32, copy=False)
    if rep.agents_per_world and rep.agents_per_world != actions.shape[1]:
        raise ReplayError(
            f"replay {p}: actions are for {actions.shape[1]} agents but agents_per_world is "
            f"{rep.agents_per_world}"
        )
    return rep


def check_level(rep: Replay) -> Path:
    """The replay's level file, or ReplayError if it is missing or differs from the recorded one."""
    try:
        lp = resolve_level(rep.level, rep.path)
    except ReplayError:
        raise ReplayError(
            f"replay {rep.path} was recorded on level {rep.level}, which is not found"
        ) from None
    if not rep.level_config_hash and rep.version >= 1:
        raise ReplayError(
            f"replay {rep.path} (format version {rep.version}) carries no level hash, so its "
            f"level cannot be checked; record it again"
        )
    if rep.level_config_hash:
        try:
            now = level_config_hash(lp)
        except LevelError as e:
            raise ReplayError(f"replay {rep.path}: its level {lp} no longer loads: {e}") from None
        if now != rep.level_config_hash:
            was, name_now = rep.meta.get("level_name"), load_level(lp).name
            if was and name_now != was:
                raise ReplayError(
                    f"replay {rep.path} was recorded on level {was!r}, but {lp} is now level "
                    f"{name_now!r}, another level; it cannot be re-simulated there. Restore the "
                    f"level file, or record the replay again."
                )
            file_now = level_file_hash(lp)
            if rep.level_sha256 == file_now:  # the same file, resolved otherwise
                base = read_toml(lp).get("base")
                changed = (
                    f"the level it builds on ({base}) or the game's rules or defaults"
                    if base
                    else "the game's rules or defaults"
                )
                raise ReplayError(
                    f"replay {rep.path} was recorded by an earlier version of the game: its level file {lp} "
                    f"is unchanged, but {changed} changed since (the resolved level differs), so the "
                    f"recorded states cannot be reproduced. Record the replay again."
                )
            file_note = ""
            if rep.level_sha256:
                file_note = f" (file sha256 {rep.level_sha256[:12]} when recorded, {file_now[:12]} now)"
            raise ReplayError(
                f"replay {rep.path} was recorded on another version of level {rep.level}: the level's "
                f"content changed since{file_note}; it cannot be re-simulated on {lp}. "
                f"Restore the level file as it was, or record the replay again."
            )
    return lp


def make_replay_env(rep: Replay, check: bool = True):
    """A fresh, reset env for the replay (world 0 is the replayed world)."""
    lp = check_level(rep) if check else resolve_level(rep.level, rep.path)
    try:
        env = make_env(str(lp), num_worlds=1, seed=rep.seed, **rep.env_overrides())
    except ValueError as e:  # LevelError and the env's own checks: a seed or overrides edited by hand
        raise ReplayError(
            f"replay {rep.path}: its level {rep.level}, seed and overrides do not make an env: {e}"
        ) from None
    if env.agents_per_world != rep.actions.shape[1]:
        raise ReplayError(
            f"replay {rep.path} has actions for {rep.actions.shape[1]} agents, but level {rep.level} has "
            f"{env.agents_per_world}: it was recorded on another level"
        )
    nvec = env.single_action_space.nvec
    for col, (what, n) in enumerate((("action id", int(nvec[0])), ("argument", int(nvec[1])))):
        bad = np.argwhere((rep.actions[..., col] < 0) | (rep.actions[..., col] >= n))
        if len(bad):
            t, a = (int(x) for x in bad[0])
            env.close()
            raise ReplayError(
                f"replay {rep.path}: tick {t}, agent {a}: {what} {int(rep.actions[t, a, col])} is out "
                f"of range 0..{n - 1} for level {rep.level} ({len(bad)} such entries); the file was "
                f"edited or recorded for another action set"
            )
    env.reset()
    return env


def verify_replay(replay: Replay | str | Path, check: bool = True) -> Verification:
    """Re-simulate the replay from its level and seed; compare every traced hash on the way and
    the final state hash."""
    rep = replay if isinstance(replay, Replay) else load_replay(replay)
    env = make_replay_env(rep, check=check)
    bad = None
    for t in range(rep.ticks):
        env.step(rep.actions[t])
        want = rep.trace.get(t + 1)
        if want is not None and bad is None and env.state_hash([0]) != want:
            bad = t + 1
    actual = env.state_hash([0])
    env.close()
    traced = sum(1 for t in rep.trace if t <= rep.ticks)
    return Verification(
        actual == rep.state_hash and bad is None, rep.state_hash, actual, rep.ticks, bad, traced
    )


__all__ = [
    "FORMAT",
    "TRACE_EVERY",
    "VERSION",
    "Replay",
    "trace_ticks",
    "ReplayError",
    "Verification",
    "check_level",
    "level_config_hash",
    "level_file_hash",
    "load_replay",
    "make_replay_env",
    "resolve_level",
    "save_replay",
    "verify_replay",
]
