"""Evaluation suites: named sets of levels with fixed seeds, and the runner.

A suite entry is a level (a file in game/levels, optionally with overrides merged onto it, as
`game.make_env` takes them), a base seed and an episode count. Episode e of an entry runs in
world e of a batch of worlds seeded `seed + e` (all worlds step in lockstep and finish together),
so every episode has its own map draw and the same (policy, entry, episode) always meets the same
world. `run_suite` runs one policy on every entry and writes one row per episode (and per group
and per stat) to DuckDB: the tables are documented in docs/evaluation.md.

`python -m learn eval CHECKPOINT --suite NAME` (or `--policy random|scripted`) is the command line.
"""

from __future__ import annotations

import platform
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

import game
from learn.evaluation.baselines import EvalPolicy, policy_info
from learn.training.config import ConfigError
from game.load.level import resolve_path
from learn.evaluation.coop import EpisodeRecorder, episode_metrics
from learn.evaluation.pairs import pair_rows
from learn.evaluation.suite_replays import SuiteReplays

# Bump when a suite's levels, seeds or episode counts change: scores are comparable only
# within one suite version (stored in every row as `version`). 2: a policy's randomness restarts
# per level and batch (EvalPolicy.reseed), so a level scores the same in any suite.
SUITES_VERSION = "2"
LEVELS_DIR = Path(game.__file__).parent / "levels"


class SuiteError(ValueError):
    """An unknown suite or a bad suite option."""


@dataclass(frozen=True)
class SuiteLevel:
    name: str  # unique name of the entry (the level's name, or a variant's)
    level: str  # file in game/levels (or a path)
    seed: int
    episodes: int = 8
    overrides: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def path(self) -> str:
        p = Path(self.level)
        return str(p if p.is_file() else LEVELS_DIR / self.level)


_FORAGING_MAP = {
    "map": {
        "generator": "scatter",
        "fixed": False,
        "params": {
            "height": 13,
            "width": 13,
            "agents": 4,
            "objects": {"mine": 8, "generator": 4, "altar": 3},
        },
    }
}

SUITES: dict[str, list[SuiteLevel]] = {
    "navigation": [
        SuiteLevel("navigation", "navigation.toml", 1000, note="goal altars in a cluttered field")
    ],
    "maze": [SuiteLevel("maze", "maze.toml", 2000, note="goal altars at the dead ends of a maze")],
    "harvest": [SuiteLevel("harvest", "harvest.toml", 3000, note="the fast mine -> generator -> altar room")],
    "foraging": [
        SuiteLevel(
            "foraging",
            "harvest.toml",
            4000,
            overrides=_FORAGING_MAP,
            note="the harvest economy on a fresh random 13x13 layout every episode",
        )
    ],
    "cooperation": [
        SuiteLevel("cooperation", "cooperation.toml", 5000, note="miners and crafters, share 0.8"),
        SuiteLevel("maze_arena", "maze_arena.toml", 5100, note="maze team brings ore to arena team"),
    ],
    "competition": [
        SuiteLevel("competition", "competition.toml", 6000, note="red vs blue, scarce resources"),
        SuiteLevel("arena_combat", "arena_combat.toml", 6100, note="arena with lasers and armor"),
    ],
    "kinship": [
        SuiteLevel("kinship_teams", "kinship_teams.toml", 7000, note="4 teams mixed, share 0.5"),
        SuiteLevel(
            "kinship_none",
            "kinship_teams.toml",
            7000,
            overrides={"kinship": {"mode": "none"}},
            note="kinship_teams without kinship (same maps and seeds)",
        ),
        SuiteLevel("kinship_clans", "kinship_clans.toml", 7000, note="family/clan/hive weights"),
        SuiteLevel("kinship_random", "kinship_random.toml", 7000, note="random pairwise kinship"),
    ],
}
SUITES["all"] = [e for name, entries in SUITES.items() for e in entries]
# entry name -> the suite it belongs to (the `suite` column of suite_episodes): a run of `all`
# still scores each entry under its own suite
SUITE_OF = {e.name: name for name, entries in SUITES.items() if name != "all" for e in entries}


def _suite_of(entry: SuiteLevel, default: str) -> str:
    own = SUITE_OF.get(entry.name)
    return own if own and entry in SUITES[own] else default


def suite_names() -> list[str]:
    return list(SUITES)


def get_suite(name: str) -> list[SuiteLevel]:
    if name not in SUITES:
        raise SuiteError(f"unknown suite {name!r}; suites: {', '.join(SUITES)}")
    return SUITES[name]


def is_level_path(name: str) -> bool:
    """Whether a --suite value names a level file (the user's own, or a shipped one by file name)
    rather than a suite of SUITES."""
    return name not in SUITES and (name.endswith(".toml") or Path(name).is_file())


def level_suite(level: str | Path) -> list[SuiteLevel]:
    """An ad-hoc one-entry suite for a single level file (seed 0)."""
    try:
        p = resolve_path(level)
    except game.LevelError:
        raise game.LevelError(f"level file {level} not found") from None
    return [SuiteLevel(p.stem, str(p), 0)]


def code_version() -> str:
    """The git commit of the code (with +dirty), or 'unknown' outside a checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head + ("+dirty" if dirty else "")) if head else "unknown"


def run_entry(
    policy: EvalPolicy,
    entry: SuiteLevel,
    episodes: int | None = None,
    max_steps: int = 0,
    max_worlds: int = 16,
    replays: Path | None = None,
) -> list[dict[str, Any]]:
    """Run `episodes` episodes of `policy` on one suite entry; one dict per episode with its
    metrics, its group rows and its stat means (and its replay file under `replays`, if given)."""
    n_eps = int(episodes or entry.episodes)
    overrides = dict(entry.overrides)
    if max_steps:
        overrides["max_steps"] = int(max_steps)
    out: list[dict[str, Any]] = []
    done = 0
    while done < n_eps:
        k = min(max_worlds, n_eps - done)
        env = game.make_env(entry.path(), num_worlds=k, seed=entry.seed + done, **overrides)
        policy.bind(env, entry.name)
        rec = EpisodeRecorder(env)
        tape = (
            None
            if replays is None
            else SuiteReplays(
                replays,
                entry.name,
                entry.path(),
                env,
                done,
                entry.seed + done,
                overrides,
                policy_info(policy)["policy"],
            )
        )
        obs, _ = env.reset()
        policy.reseed(f"{entry.name}/{done}")  # the same episodes in any suite (and in any order)
        policy.reset(env.num_agents)
        for t in range(env.level.max_steps):
            a = policy.act(obs)
            if tape:
                tape.record(t, a)
            obs, _, _, _, _ = env.step(a)
            if tape:
                tape.after_step(t)
        files = tape.save() if tape else [None] * k
        recs = sorted(rec.records, key=lambda r: r["world"])
        assert len(recs) == k, f"expected {k} finished episodes, recorded {len(recs)}"
        for r in recs:
            metrics, groups, stats = episode_metrics(r, env.stat_names, env.resource_names, env.group_names)
            out.append(
                dict(
                    episode=done + r["world"],
                    seed=entry.seed + done + r["world"],
                    agents=env.agents_per_world,
                    steps=env.level.max_steps,
                    metrics=metrics,
                    groups=groups,
                    stats=stats,
                    pairs=pair_rows(r["kinship"], r["groups"], r["pairs"]),
                    replay=files[r["world"]] and str(files[r["world"]]),
                )
            )
        done += k
        env.close()
    return out


def run_suite(
    policy: EvalPolicy,
    suite: str | list[SuiteLevel],
    out: str | Path,
    episodes: int | None = None,
    max_steps: int = 0,
    max_worlds: int = 16,
    suite_name: str | None = None,
    greedy: bool = False,
    progress: Callable[[str], None] | None = None,
    replays: bool = False,
) -> dict[str, Any]:
    """Run `policy` on every entry of a suite, write the results to the DuckDB file `out` (a
    `.duckdb` path, or a directory that gets `stats.duckdb`) and return a summary. With
    `replays`, every episode's replay goes to `replays/RUN_ID/` beside the database."""
    from learn.rundir.stats import write_suite

    from learn.rundir.rundir import writable_dir

    entries = get_suite(suite) if isinstance(suite, str) else suite
    name = suite if isinstance(suite, str) else (suite_name or "custom")
    db = Path(out)
    if db.suffix != ".duckdb":
        db = db / "stats.duckdb"
    writable_dir(db.parent, "--out")  # before any episode: results that cannot be written are lost work
    # bind every entry first, so a policy that does not fit some level fails before any work
    for e in entries:
        env = game.make_env(e.path(), num_worlds=1, seed=e.seed, **e.overrides)
        policy.bind(env, e.name)
        env.close()
    run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    info = policy_info(policy)
    t0 = time.time()
    replay_dir = db.parent / "replays" / run_id if replays else None
    episodes_rows, group_rows, stat_rows, pairs_out, per_level = [], [], [], [], {}
    for e in entries:
        t1 = time.perf_counter()
        eps = run_entry(policy, e, episodes, max_steps, max_worlds, replay_dir)
        for ep in eps:
            base = dict(
                run_id=run_id,
                suite=_suite_of(e, name),
                level=e.name,
                level_file=Path(e.path()).name,
                episode=ep["episode"],
                seed=ep["seed"],
            )
            episodes_rows.append(
                {
                    **base,
                    "policy": info["policy"],
                    "agents": ep["agents"],
                    "steps": ep["steps"],
                    **ep["metrics"],
                }
            )
            group_rows += [{**base, **g} for g in ep["groups"]]
            stat_rows += [(run_id, e.name, ep["episode"], k, v) for k, v in ep["stats"].items()]
            pairs_out += [dict(run_id=run_id, level=e.name, episode=ep["episode"], **p) for p in ep["pairs"]]
        per_level[e.name] = float(np.mean([ep["metrics"]["mean_return"] for ep in eps]))
        if progress:
            progress(
                f"{e.name}: {len(eps)} episodes, mean return {per_level[e.name]:.3f} "
                f"({time.perf_counter() - t1:.1f} s)"
            )
    run_row = dict(
        run_id=run_id,
        time=t0,
        suite=name,
        **info,
        version=SUITES_VERSION,
        code_version=code_version(),
        episodes=len(episodes_rows),
        max_steps=int(max_steps),
        greedy=bool(greedy),
        host=platform.node(),
        wall_s=time.time() - t0,
    )
    try:
        write_suite(db, run_row, episodes_rows, group_rows, stat_rows, pairs_out)
    except ConfigError as e:  # the database cannot take them: nothing computed is lost
        from learn.rundir.stats import save_unwritten

        saved = save_unwritten(
            db.with_name(f"{db.stem}.unsaved-{run_id}.json"),
            dict(run=run_row, episodes=episodes_rows, groups=group_rows, stats=stat_rows, pairs=pairs_out),
        )
        raise ConfigError(f"{e}; this run's results are in {saved}") from None
    return {
        "run_id": run_id,
        "db": str(db),
        "suite": name,
        "policy": info["policy"],
        "episodes": len(episodes_rows),
        "per_level": per_level,
        "mean_return": float(np.mean([r["mean_return"] for r in episodes_rows])),
        "replays": str(replay_dir) if replay_dir else None,
    }
