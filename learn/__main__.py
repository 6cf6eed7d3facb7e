"""Command line: `python -m learn train LEVEL [...]`, `python -m learn eval CHECKPOINT LEVEL`,
`python -m learn bench LEVEL`. Bad input (config, level, checkpoint) exits with status 2 and a
one-line message, no traceback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from learn.config import FIELD_DOCS, ConfigError, TrainConfig, dumps, from_dict, read_toml, to_dict

_NOT_FLAGS = {"level"}


def _add_config_flags(p: argparse.ArgumentParser) -> None:
    defaults = to_dict(TrainConfig())
    for name, default in defaults.items():
        if name in _NOT_FLAGS:
            continue
        flag = "--" + name.replace("_", "-")
        help_ = f"{FIELD_DOCS[name]} (default: {default!r})"
        if isinstance(default, bool):
            p.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_)
        else:
            p.add_argument(flag, dest=name, type=type(default), default=None, metavar=name.upper(), help=help_)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m learn", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train PPO agents on a level")
    tr.add_argument("level", nargs="?", help="level TOML (default: the config's, or the resumed run's)")
    tr.add_argument("--config", help="TOML file with TrainConfig fields")
    tr.add_argument("--dry-run", action="store_true", help="print the resolved config and exit")
    _add_config_flags(tr)
    ev = sub.add_parser("eval", help="evaluate a checkpoint on a level")
    ev.add_argument("checkpoint")
    ev.add_argument("level")
    ev.add_argument("--episodes", type=int, default=4)
    ev.add_argument("--seed", type=int, default=None, help="default: the training seed")
    ev.add_argument("--device", default="cpu")
    ev.add_argument("--greedy", action="store_true", help="argmax actions instead of sampling")
    ev.add_argument("--max-steps", type=int, default=0, help="episode length override (0 = as trained)")
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
    be = sub.add_parser("bench", help="end-to-end SPS, phase shares and the policy's compute bound")
    be.add_argument("level", nargs="?")
    be.add_argument("--epochs", type=int, default=5)
    be.add_argument("--config", help="TOML file with TrainConfig fields")
    _add_config_flags(be)
    return ap


def resolve_train_config(args: argparse.Namespace) -> TrainConfig:
    """Defaults < the resumed run's config.toml < --config FILE < flags."""
    flags = {k: getattr(args, k) for k in TrainConfig.__struct_fields__ if getattr(args, k, None) is not None}
    if args.level:
        flags["level"] = args.level
    data: dict[str, Any] = {}
    if flags.get("resume"):
        run_dir = flags.get("run_dir")
        if not run_dir:
            raise ConfigError("--resume needs --run-dir (the run to continue)")
        saved = Path(run_dir) / "config.toml"
        if saved.is_file():
            data.update(read_toml(saved))
    if args.config:
        data.update(read_toml(args.config))
    data.update(flags)
    return from_dict(data, args.config or "command line")


def _train(args) -> int:
    from learn.train import train

    config = resolve_train_config(args)
    if args.dry_run:
        print(dumps(config), end="")
        return 0
    train(config)
    return 0


def _eval(args) -> int:
    from learn.evaluate import evaluate

    r = evaluate(args.checkpoint, args.level, episodes=args.episodes, seed=args.seed, device=args.device,
                 greedy=args.greedy, max_steps=args.max_steps)
    if args.json:
        r = {k: v for k, v in r.items() if k != "agent_returns"}
        print(json.dumps(r, indent=1))
    else:
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"eval of {args.checkpoint}", show_header=False)
        for k in ("episodes", "mean_return", "std_return", "hearts_per_agent", "replay", "run_dir"):
            t.add_row(k, f"{r[k]:.4f}" if isinstance(r[k], float) else str(r[k]))
        Console().print(t)
    return 0


def _bench(args) -> int:
    from learn.train import PHASES, Trainer

    args.dry_run = False
    config = resolve_train_config(args)
    config = msgspec.structs.replace(config, quiet=True, total_steps=10**12, checkpoint_interval=10**9,
                                     run_dir=config.run_dir or "runs/bench")
    import time

    tr = Trainer(config)
    try:
        tr.epoch_once()  # warm-up
        before, s0, t0 = dict(tr.timer.total), tr.global_step, time.perf_counter()
        for _ in range(args.epochs):
            tr.epoch_once()
        wall = time.perf_counter() - t0
        spent = {p: tr.timer.total[p] - before[p] for p in PHASES}
        sps = (tr.global_step - s0) / wall
        bound = tr.measure_bound(repeats=2)
    finally:
        tr.close()
    out = {"agents": tr.N, "horizon": config.horizon, "device": str(tr.device), "end_to_end_sps": sps,
           "phase_share": {p: v / wall for p, v in spent.items()}, **bound,
           "end_to_end_over_bound": sps / bound["bound_sps"]}
    print(json.dumps(out, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    from game import LevelError
    from learn.checkpoint import CheckpointError

    args = _parser().parse_args(argv)
    try:
        return {"train": _train, "eval": _eval, "bench": _bench}[args.command](args)
    except (ConfigError, CheckpointError, LevelError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted (a checkpoint was written)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
