"""Time-to-skill: wall-clock and agent-steps until training on harvest first reaches 1 and 2 hearts.

    python benchmarks/time_to_skill.py [--level game/levels/harvest.toml] [--seeds 0,1,2]
                                       [--max-steps 8000000] [--targets 1,2] [-- TRAIN FLAGS...]

Each seed trains with the trainer's defaults (plus any `train` flags after `--`) until every
target is reached or `--max-steps` agent-steps have run, and the script prints, per seed and
target, the agent-steps and seconds at the first epoch whose episodes averaged at least that
many hearts per agent, then the median over seeds. A target not reached is printed as "-" (and
counts as not reached in the median line). Runs go to a temporary directory that is removed.
Train one seed at a time on a 2-core machine: runs side by side slow each other.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def time_to_skill(level: str, seed: int, targets: list[float], max_steps: int, flags: list[str]) -> dict:
    """{target: (agent-steps, seconds) or None}, plus the final training hearts."""
    from learn.__main__ import _parser, resolve_train_config
    from learn.training.train import Trainer

    with tempfile.TemporaryDirectory(prefix="time-to-skill-") as d:
        args = _parser().parse_args(
            [
                "train",
                level,
                "--seed",
                str(seed),
                "--run-dir",
                d,
                "--quiet",
                "--total-steps",
                str(max_steps),
                "--no-reference",
                *flags,
            ]
        )
        trainer = Trainer(resolve_train_config(args))
        reached: dict[float, tuple[int, float] | None] = dict.fromkeys(targets)
        t0 = time.perf_counter()
        try:
            while trainer.global_step < max_steps and any(v is None for v in reached.values()):
                hearts = trainer.epoch_once()["charts/hearts"]
                for t in targets:
                    if reached[t] is None and hearts == hearts and hearts >= t:
                        reached[t] = (trainer.global_step, time.perf_counter() - t0)
        finally:
            trainer.close()
        return {
            "reached": reached,
            "hearts": trainer.hearts,
            "steps": trainer.global_step,
            "seconds": time.perf_counter() - t0,
        }


def main(argv: list[str] | None = None) -> dict[int, dict]:
    argv = sys.argv[1:] if argv is None else argv
    flags = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--level", default="game/levels/harvest.toml")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--max-steps", type=int, default=8_000_000)
    ap.add_argument("--targets", default="1,2", help="hearts per agent per episode")
    args = ap.parse_args(own)
    targets = [float(t) for t in args.targets.split(",")]
    out = {}
    print(f"time to skill on {args.level} (train flags: {' '.join(flags) or 'the defaults'})")
    for seed in (int(s) for s in args.seeds.split(",")):
        r = time_to_skill(args.level, seed, targets, args.max_steps, flags)
        out[seed] = r
        cells = [
            f"{t:g} heart(s): "
            + (
                "-"
                if r["reached"][t] is None
                else f"{r['reached'][t][0] / 1e6:.2f}M steps, {r['reached'][t][1]:.0f} s"
            )
            for t in targets
        ]
        print(
            f"seed {seed}: "
            + " | ".join(cells)
            + f" | ran {r['steps'] / 1e6:.2f}M steps in {r['seconds']:.0f} s,"
            f" last hearts {r['hearts']:.3f}",
            flush=True,
        )
    for t in targets:
        got = [r["reached"][t] for r in out.values() if r["reached"][t] is not None]
        line = f"{t:g} heart(s): reached by {len(got)}/{len(out)} seeds"
        if got:
            line += (
                f", median {statistics.median(g[0] for g in got) / 1e6:.2f}M steps, "
                f"{statistics.median(g[1] for g in got):.0f} s"
            )
        print(line)
    return out


if __name__ == "__main__":
    main()
