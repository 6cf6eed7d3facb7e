"""Golden fingerprints of the game (tests/test_invariants.py): what a refactor must leave as it is.

For every shipped level (game/levels/**/*.toml, keyed by its repo-relative path), `fingerprint`
records:

- `level`: sha256 of the resolved Level as replays hash it (msgspec JSON of `game.load_level`,
  game/tools/replay.py's level_config_hash: fields at their default values are omitted), and
  `level_full`: a hash of the Level with every field written out (a changed default shows),
  plus a short order-free hash of each of its top-level sections (`level_sections`) so that a
  difference names the section;
- `names`: the env's action_names, flat_action_names, feature_names, resource_names, group_names;
- `ticks`: the env made with `num_worlds=2, seed=SEED`, reset, then stepped TICKS ticks with flat
  actions drawn from `numpy.random.default_rng(SEED)` uniformly over `env.flat_actions`; at tick 0
  (after the reset) and every EVERY ticks, running hashes over every tick so far (the reset's
  state included) of: the observations, rewards, terminals + truncations, the episode summaries
  in infos (their non-zero entries), the ECS world's per-world arrays (`world`: every component
  column, alive/generation, the grid and the other per-world resources, the RNG states included;
  stats excepted) and the stats counters by name, only those with a non-zero entry (`stats`: the
  stats array is indexed by action code for all codes, so its length changes with a new action
  while its meaning does not);
- `arrays`: at ticks 0 and EVERY, a short hash of each world array by name (to name what differs);
- `short_episodes`: the same hashes after SHORT_TICKS ticks of a second env made with
  `max_steps=SHORT_MAX_STEPS` (a make_env override), so that every level's episode resets (fresh
  maps, per-episode kinship draws) are covered too.

Every array hash covers the array's dtype, shape and C-order bytes.

Regenerate (only at a commit whose behaviour is the reference, e.g. from a `git worktree` of it):
    python -m tests.invariants_util --write tests/data/invariants_<commit>.json [--commit <commit>]
The trained checkpoint's score is recorded with `--checkpoint tests/data/<file>.pt`
(`python -m learn eval`, the CLI, so that a move of learn's modules changes nothing here).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LEVEL_GLOBS = ("game/levels/*.toml", "game/levels/**/*.toml")
SEED = 7
NUM_WORLDS = 2
TICKS = 300
EVERY = 50
ARRAY_TICKS = (0, EVERY)  # ticks at which each world array's own hash is kept (diagnostics)
SHORT = 12  # hex digits of the per-array and per-section diagnostic hashes
HASH = 32  # hex digits kept of the other hashes (128 bits)
SHORT_MAX_STEPS = 40  # the second run: episodes of 40 ticks (a make_env override) ...
SHORT_TICKS = 430  # ... for 430 ticks (not a multiple of 40), hashed at its end

# the checkpoint test: `python -m learn eval CKPT LEVEL --episodes N --seed S --json [--greedy]`
CHECKPOINT_LEVEL = "game/levels/tiny_harvest.toml"
CHECKPOINT_EPISODES = 4
CHECKPOINT_SEED = 0
CHECKPOINT_KEYS = ("episodes", "mean_return", "std_return", "hearts_per_agent", "step")
# how tests/data/tiny_harvest_d7ea030.pt was made at d7ea030 (its final checkpoint, ~20 s on one core)
CHECKPOINT_TRAINING = (
    "python -m learn train game/levels/tiny_harvest.toml --total-steps 81920 --hidden 16 "
    "--learning-rate 1.47e-3 --ent-coef 3.9e-3 --seed 0 --device cpu --torch-threads 1 "
    "--no-tensorboard --no-reference --final-eval 0 --quiet --run-dir RUN"
)


def shipped_levels(root: Path = ROOT) -> list[str]:
    """Repo-relative paths of the level files shipped in game/levels (subfolders included)."""
    found = {p for g in LEVEL_GLOBS for p in root.glob(g) if p.is_file()}
    return sorted(p.relative_to(root).as_posix() for p in found)


# ---- hashing -------------------------------------------------------------------------------------
def _h() -> "hashlib._Hash":
    return hashlib.sha256()


def update_array(h, a: np.ndarray) -> None:
    """dtype (with byte order), shape and the C-order element bytes; a structured dtype (whose
    padding bytes are arbitrary) goes in as its values instead."""
    a = np.asarray(a)
    h.update(f"{a.dtype.str}{a.shape}".encode())
    if a.dtype.fields is not None or a.dtype.hasobject:
        h.update(json.dumps(a.tolist(), default=str).encode())
    else:
        h.update(np.ascontiguousarray(a).tobytes())


def array_hash(a: np.ndarray) -> str:
    h = _h()
    update_array(h, a)
    return h.hexdigest()


def json_hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# ---- the one place that reaches into the engine's ECS world --------------------------------------
def world_state(env) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(every per-world array of the env's ECS world by a stable name, stats excepted;
    the stats counters (worlds, agents, len(env.stat_names)))."""
    arrays = dict(env.world.state_arrays())
    stats = arrays.pop("resource.stats")
    return arrays, stats


def update_stats(h, stats: np.ndarray, names: list[str]) -> None:
    """The stats counters (worlds, agents, stats) by name: each counter with a non-zero entry as
    its name and its (worlds, agents) column, in name order (so neither the counters' order nor
    the counters that stay 0, such as those of a newly added action, change the hash)."""
    if stats.shape[-1] != len(names):
        raise AssertionError(f"stats have {stats.shape[-1]} counters, env.stat_names {len(names)}")
    used = np.flatnonzero(stats.reshape(-1, stats.shape[-1]).any(axis=0))
    for i in sorted(used, key=lambda i: names[i]):
        h.update(names[i].encode())
        update_array(h, stats[..., i])


def info_entries(infos) -> list:
    """Episode summaries as sorted (key, value) lists of their non-zero entries."""
    out = []
    for info in infos or ():
        items = []
        for k, v in sorted(info.items()):
            if isinstance(v, (np.generic,)):
                v = v.item()
            if isinstance(v, (int, float)) and v == 0:
                continue
            items.append([k, repr(v)])
        out.append(items)
    return out


# ---- the fingerprint -----------------------------------------------------------------------------
def written_out(obj: Any) -> Any:
    """A Level (or any part) as plain data with every field written out, defaults included
    (msgspec's own encoding omits fields at their defaults: Base has omit_defaults)."""
    if isinstance(obj, msgspec.Struct):
        return {f: written_out(getattr(obj, f)) for f in obj.__struct_fields__}
    if isinstance(obj, dict):
        return {str(k): written_out(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [written_out(v) for v in obj]
    return msgspec.to_builtins(obj)


def level_fingerprint(path: Path) -> dict[str, Any]:
    """`level`: the replays' level hash (msgspec JSON of the Level, fields at their defaults
    omitted); `level_full`: every field written out, so a changed default shows too; the short
    hash of each top-level section of the latter."""
    import game

    level = game.load_level(path)
    full = written_out(level)
    return {
        "level": hashlib.sha256(msgspec.json.encode(level)).hexdigest(),
        "level_full": json_hash(full),
        "level_sections": {k: json_hash(v)[:SHORT] for k, v in sorted(full.items())},
    }


def run_hashes(env, ticks: int, every: int, array_ticks=()) -> tuple[dict, dict]:
    """Reset `env`, step it `ticks` ticks with random flat actions (default_rng(SEED)); at tick 0
    and every `every` ticks the running hashes of every tick so far, and at `array_ticks` the
    hash of each world array."""
    obs, infos = env.reset()
    rng = np.random.default_rng(SEED)
    flat = np.asarray(env.flat_actions)
    stat_names = list(env.stat_names)
    chains = {k: _h() for k in ("obs", "rewards", "dones", "infos", "world", "stats")}
    snapshots: dict[str, dict[str, str]] = {}
    arrays_at: dict[str, dict[str, str]] = {}

    def record(t: int) -> None:
        arrays, stats = world_state(env)
        for name in sorted(arrays):
            chains["world"].update(name.encode())
            update_array(chains["world"], arrays[name])
        update_stats(chains["stats"], stats, stat_names)
        update_array(chains["obs"], obs)
        chains["infos"].update(json.dumps(info_entries(infos)).encode())
        if t % every == 0:
            snapshots[str(t)] = {k: c.copy().hexdigest()[:HASH] for k, c in chains.items()}
        if t in array_ticks:
            arrays_at[str(t)] = {n: array_hash(a)[:SHORT] for n, a in sorted(arrays.items())}

    record(0)
    for t in range(1, ticks + 1):
        acts = np.ascontiguousarray(flat[rng.integers(0, len(flat), size=env.num_agents)], dtype=np.int32)
        obs, rewards, terminals, truncations, infos = env.step(acts)
        update_array(chains["rewards"], rewards)
        update_array(chains["dones"], terminals)
        update_array(chains["dones"], truncations)
        record(t)
    env.close()
    return snapshots, arrays_at


def fingerprint(rel: str, root: Path = ROOT) -> dict[str, Any]:
    """The fingerprint of the level file `root / rel` (see the module docstring)."""
    import game

    path = root / rel
    out = level_fingerprint(path)
    env = game.make_env(path, num_worlds=NUM_WORLDS, seed=SEED)
    out["names"] = {
        "action_names": list(env.action_names),
        "flat_action_names": list(env.flat_action_names),
        "feature_names": list(env.feature_names),
        "resource_names": list(env.resource_names),
        "group_names": list(env.group_names),
    }
    out["ticks"], out["arrays"] = run_hashes(env, TICKS, EVERY, ARRAY_TICKS)
    # short episodes: the resets (fresh maps, per-episode kinship draws) within the run
    env = game.make_env(path, num_worlds=NUM_WORLDS, seed=SEED, max_steps=SHORT_MAX_STEPS)
    short, _ = run_hashes(env, SHORT_TICKS, SHORT_TICKS)
    out["short_episodes"] = short[str(SHORT_TICKS)]
    return out


# ---- the checkpoint's score, through the CLI -----------------------------------------------------
def eval_checkpoint(checkpoint: Path, out_dir: Path, greedy: bool, root: Path = ROOT) -> dict[str, Any]:
    """`python -m learn eval CHECKPOINT LEVEL --json` in a subprocess (cwd: root): the result's
    CHECKPOINT_KEYS."""
    cmd = [
        sys.executable,
        "-m",
        "learn",
        "eval",
        str(checkpoint),
        str(root / CHECKPOINT_LEVEL),
        "--episodes",
        str(CHECKPOINT_EPISODES),
        "--seed",
        str(CHECKPOINT_SEED),
        "--device",
        "cpu",
        "--json",
        "--out",
        str(out_dir),
    ] + (["--greedy"] if greedy else [])
    p = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
        )
    text = p.stdout
    result = json.loads(text[text.index("{") : text.rindex("}") + 1])
    return {k: result.get(k) for k in CHECKPOINT_KEYS}


def dumps(obj: Any, depth: int = 0, open_levels: int = 4) -> str:
    """JSON with the outer `open_levels` levels of dicts one key a line, anything deeper on one
    line (a level's hashes stay readable and the file small)."""
    if not isinstance(obj, dict) or depth >= open_levels or not obj:
        return json.dumps(obj, sort_keys=True, separators=(", ", ": "))
    pad = " " * (depth + 1)
    items = [f"{pad}{json.dumps(k)}: {dumps(v, depth + 1, open_levels)}" for k, v in sorted(obj.items())]
    return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.invariants_util", description=__doc__.splitlines()[0])
    ap.add_argument("--write", required=True, help="the golden JSON file to write")
    ap.add_argument("--commit", default="", help="the commit the tree is at (recorded in the file)")
    ap.add_argument(
        "--checkpoint", default="", help="a trained checkpoint (repo-relative) whose eval score to record"
    )
    args = ap.parse_args(argv)

    import game

    if not Path(game.__file__).resolve().is_relative_to(ROOT):
        print(
            f"`game` is imported from {game.__file__}, not from this tree ({ROOT}): set PYTHONPATH={ROOT}",
            file=sys.stderr,
        )
        return 2
    golden: dict[str, Any] = {
        "commit": args.commit,
        "protocol": {
            "seed": SEED,
            "num_worlds": NUM_WORLDS,
            "ticks": TICKS,
            "every": EVERY,
            "short_episodes": {"max_steps": SHORT_MAX_STEPS, "ticks": SHORT_TICKS},
            "actions": "default_rng(seed).integers(0, len(env.flat_actions), num_agents) per tick",
        },
        "levels": {},
    }
    for rel in shipped_levels():
        t0 = time.perf_counter()
        golden["levels"][rel] = fingerprint(rel)
        print(f"{rel}: {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    if args.checkpoint:
        import tempfile

        ck = (ROOT / args.checkpoint).resolve()
        entry: dict[str, Any] = {
            "file": args.checkpoint,
            "sha256": hashlib.sha256(ck.read_bytes()).hexdigest(),
            "level": CHECKPOINT_LEVEL,
            "episodes": CHECKPOINT_EPISODES,
            "seed": CHECKPOINT_SEED,
            "trained_with": CHECKPOINT_TRAINING,
        }
        for mode, greedy in (("sampled", False), ("greedy", True)):
            with tempfile.TemporaryDirectory() as d:
                entry[mode] = eval_checkpoint(ck, Path(d), greedy)
            print(f"checkpoint {mode}: {entry[mode]}", file=sys.stderr)
        golden["checkpoint"] = entry
    Path(args.write).write_text(dumps(golden) + "\n")
    print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
