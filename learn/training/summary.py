"""What a finished (or stopped) training run reports: the summary dict `train()` returns, and
its table on the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from learn.evaluation.reference import FAILED_ACTION_WARNING, verdict
from learn.training.timing import PHASES


def summarize(
    t, start_step: int, wall: float, checkpoint: Path | None, final: dict[str, Any] | None
) -> dict[str, Any]:
    """The summary of Trainer `t`'s session: it began at `start_step`, ran `wall` seconds and
    ended with `checkpoint` (None but on rank 0) and the `final` eval (learn.training.train.Trainer)."""
    c = t.config
    total = sum(t.timer.total.values()) or 1.0
    return {
        "run_dir": str(t.run_dir),
        "level": c.level,
        "checkpoint": str(checkpoint) if checkpoint else None,
        "resumed_from": t.resumed_from,
        "global_step": t.global_step,
        "epochs": t.epoch,
        "steps_this_session": t.global_step - start_step,
        "wall_s": wall,
        "SPS": (t.global_step - start_step) / wall if wall > 0 else 0.0,
        "episode_return": t.episode_return,
        "hearts": t.hearts,
        "first_return": t.first_return,
        "failed_action_share": t.failed_share,
        "baselines": dict(t.reference),
        "levels": {k: dict(v) for k, v in t.levels.items()},
        "scored_level": Path(c.level).stem if c.curriculum else None,
        "final_eval": final,
        # the periodic evaluation's best (learn/training/periodic_eval.py): score, step, epoch, levels of
        # best.pt
        "best_eval": dict(t.evaluator.best) if getattr(t, "evaluator", None) and t.evaluator.best else None,
        "episodes": t.episodes_seen,
        "phase_share": {p: t.timer.total[p] / total for p in PHASES},
        "phase_s": dict(t.timer.total),
        "last_metrics": t.last_metrics,
        "device": str(t.device),
        "rank": t.rank,
        "world_size": t.dist.world_size,
    }


def print_summary(s: dict[str, Any]) -> None:
    from rich.table import Table

    from learn import console

    t = Table(title="training summary", show_header=False)
    t.add_row("run", s["run_dir"])
    t.add_row("steps", f"{s['global_step']:,} ({s['epochs']} epochs)")
    t.add_row("SPS", f"{s['SPS']:,.0f} on {s['device']}")
    none_yet = "- (no episode has ended yet)"
    every = " (all levels)" if s.get("scored_level") else ""
    t.add_row(
        "episode return" + every, none_yet if np.isnan(s["episode_return"]) else f"{s['episode_return']:.4f}"
    )
    t.add_row("hearts / agent / episode" + every, none_yet if np.isnan(s["hearts"]) else f"{s['hearts']:.4f}")
    levels, scored = s.get("levels") or {}, s.get("scored_level")
    for name, v in levels.items():
        t.add_row(
            f"  on {name}",
            f"return {v['episode_return']:.4g}, hearts {v.get('hearts', float('nan')):.4g} "
            f"(curriculum p {v.get('p', float('nan')):.2f}; at step {int(v['step']):,})",
        )
    for name, b in (s.get("baselines") or {}).items():
        t.add_row(
            f"{name} baseline",
            "- (cannot play this level)"
            if b is None
            else f"return {b['mean_return']:.4g}, hearts {b['hearts_per_agent']:.4g}",
        )
    if not np.isnan(s["first_return"]):
        t.add_row("first epoch's return", f"{s['first_return']:.4g}")
    final = s.get("final_eval")
    if final:
        stem = Path(s.get("level") or "").stem or "the level"
        t.add_row(
            f"eval on {stem}",
            f"return {final['mean_return']:.4g}, hearts {final['hearts_per_agent']:.4g} "
            f"({final['episodes']} episodes, seed {int(final['seed'])})",
        )
        first = s["first_return"] if not scored else float("nan")
        t.add_row(
            "verdict",
            f"on {stem}: " + verdict(final["mean_return"], first, s.get("baselines") or {}) + " (final eval)",
        )
    elif scored:  # a curriculum: the baselines are the scored level's, so is the return they meet
        own = (levels.get(scored) or {}).get("episode_return", float("nan"))
        t.add_row("verdict", f"on {scored}: " + verdict(own, float("nan"), s.get("baselines") or {}))
    elif s.get("baselines") or not np.isnan(s["first_return"]):
        t.add_row("verdict", verdict(s["episode_return"], s["first_return"], s.get("baselines") or {}))
    share = s.get("failed_action_share", float("nan"))
    if share == share:
        line = f"{share:.0%} (invalid argument or not enough energy)"
        t.add_row(
            "failed actions", f"[bold red]WARNING: {line}[/]" if share > FAILED_ACTION_WARNING else line
        )
    t.add_row("time share", "  ".join(f"{k} {v:.0%}" for k, v in s["phase_share"].items()))
    lm = s.get("last_metrics") or {}
    for k in (
        "losses/policy",
        "losses/value",
        "losses/entropy",
        "losses/approx_kl",
        "losses/explained_variance",
    ):
        if k in lm:
            t.add_row(k, f"{lm[k]:.4g}")
    best = s.get("best_eval")
    if best:
        t.add_row(
            "best periodic eval",
            f"score {best['score']:.4g} at step {best['step']:,} "
            f"(checkpoints/best.pt; {', '.join(best['levels'])})",
        )
    t.add_row("checkpoint", str(s["checkpoint"]))
    console().print(t)
