"""`python -m viewer play|spectate|replay|bench ...` (see docs/viewer.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

NO_DISPLAY = """viewer: no display available ({why}).
To run headless:
  - write a PNG instead of opening a window:
      python -m viewer {cmd} ... --screenshot out.png --frames 60
  - or use SDL's dummy video driver (nothing is shown; useful with --record / --screenshot):
      SDL_VIDEODRIVER=dummy python -m viewer {cmd} ...
  - or run under a virtual X server:
      xvfb-run -a python -m viewer {cmd} ..."""


def display_problem() -> str | None:
    """Why no window can be opened, or None if one probably can (pygame decides at last)."""
    if os.environ.get("SDL_VIDEODRIVER"):
        return None
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    return None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m viewer", description="Play, spectate or replay a level in a pygame window."
    )
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp):
        sp.add_argument("--size", default="1280x800", help="window size WxH (the window is resizable)")
        sp.add_argument("--speed", type=float, default=None, help="ticks per second (default 8; replay 15)")
        sp.add_argument(
            "--screenshot", metavar="FILE", help="render headless and write a PNG after --frames frames"
        )
        sp.add_argument(
            "--frames", type=int, default=1, help="with --screenshot: frames (= ticks) to run first"
        )
        sp.add_argument(
            "--keys",
            default="",
            help="with --screenshot: comma-separated key names fed one per frame "
            "before ticking, e.g. 'right,right,e,tab,return'",
        )
        sp.add_argument("--select", type=int, default=None, help="agent selected at start")

    def live(sp, policy_required: bool):
        sp.add_argument("level", help="level file (or a name in game/levels)")
        sp.add_argument(
            "--policy",
            required=policy_required,
            default=None,
            help="checkpoint file, run directory or RUN_DIR@STEP, 'random', 'scripted', 'forager', "
            "or module:factory (factory(env) -> obs -> actions)",
        )
        sp.add_argument("--seed", type=int, default=0)
        sp.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=JSON",
            help="level override, e.g. --set max_steps=200 (repeatable)",
        )
        sp.add_argument("--watch", action="store_true", help="reload the level when its file changes")
        sp.add_argument("--record", metavar="FILE", help="save what was played as a replay (.npz) on exit")
        common(sp)

    live(
        sub.add_parser(
            "play", help="drive an agent with the keyboard; the others follow --policy or act at random"
        ),
        False,
    )
    live(sub.add_parser("spectate", help="watch a policy; Enter takes over the selected agent"), True)
    r = sub.add_parser("replay", help="watch a replay file, scrub its timeline")
    r.add_argument("replay_file")
    r.add_argument(
        "--verify",
        action="store_true",
        help="re-simulate to the end, compare the traced and the final state hashes, exit",
    )
    common(r)
    b = sub.add_parser("bench", help="measure frames per second on a big map (headless)")
    b.add_argument("--level", default="arena")
    b.add_argument("--agents-per-room", type=int, default=40)
    b.add_argument("--frames", type=int, default=600)
    b.add_argument("--speed", type=float, default=15.0)
    b.add_argument("--size", default="1280x800")
    b.add_argument("--tile", type=int, default=0, help="tile size (0: fit the map)")
    return p


def parse_overrides(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for it in items:
        k, eq, v = it.partition("=")
        if not eq:
            raise SystemExit(f"viewer: --set {it}: expected KEY=VALUE")
        try:
            val = json.loads(v)
        except json.JSONDecodeError:
            val = v
        node = out
        parts = k.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = val
    return out


def _size(s: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in s.lower().split("x"))
        return w, h
    except ValueError:
        raise SystemExit(f"viewer: --size {s}: expected WxH, e.g. 1280x800") from None


def build_session(args, old=None):
    """A Session for play/spectate from the command line (or a fresh one after a reload)."""
    import game
    from viewer.policy import load_policy
    from viewer.session import Session

    overrides = parse_overrides(args.set)
    env = game.make_env(args.level, num_worlds=1, seed=args.seed, **overrides)
    policy = load_policy(args.policy, env, args.seed)
    s = Session(
        env,
        mode=args.cmd,
        policy=policy,
        level_path=_level_file(args.level),
        seed=args.seed,
        overrides=overrides,
        controlled=0 if args.cmd == "play" else None,
    )
    if old is not None:
        s.select(min(old.selected, s.A - 1))
        if old.controlled is not None and old.controlled < s.A:
            s.controlled = old.controlled
    elif args.select is not None:
        s.select(args.select)
        if args.cmd == "play":
            s.controlled = s.selected
    return s


def _level_file(level: str) -> str:
    from game.load.level import resolve_path

    try:
        return str(resolve_path(level))
    except ValueError:
        return level


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.cmd == "replay" and args.verify:
        return verify(args.replay_file)
    if args.cmd == "bench":
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        from viewer.bench import bench

        bench(args)
        return 0
    headless = bool(getattr(args, "screenshot", None))
    if headless and display_problem():
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    why = display_problem()
    if why:
        print(NO_DISPLAY.format(why=why, cmd=args.cmd), file=sys.stderr)
        return 2
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        session, make = _make(args)
    except Exception as e:  # a bad level, replay or checkpoint: one clear line, no traceback
        if type(e).__name__ in (
            "LevelError",
            "ReplayError",
            "PolicyError",
            "MapError",
            "BuildError",
            "CheckpointError",
            "ValueError",
        ):
            print(f"viewer: {e}", file=sys.stderr)
            return 1
        raise
    import pygame

    try:
        pygame.display.init()
        pygame.font.init()
        from viewer.app import App

        app = App(
            session,
            size=_size(args.size),
            screenshot=args.screenshot,
            frames=args.frames,
            watch=getattr(args, "watch", False),
            record=getattr(args, "record", None),
            make_session=make,
            keys=args.keys.split(","),
            speed=args.speed,
            title=f"viewer {args.cmd}: {Path(session.level_path).name}",
        )
    except pygame.error as e:
        print(NO_DISPLAY.format(why=f"SDL: {e}", cmd=args.cmd), file=sys.stderr)
        return 2
    try:
        return app.run()
    finally:
        pygame.quit()


def _make(args):
    if args.cmd == "replay":
        from game.tools.replay import load_replay, make_replay_env, resolve_level
        from viewer.session import Session

        rep = load_replay(args.replay_file)
        env = make_replay_env(rep)
        s = Session(
            env,
            mode="replay",
            replay=rep,
            level_path=str(resolve_level(rep.level, rep.path)),
            seed=rep.seed,
            overrides=rep.env_overrides(),
            controlled=None,
        )
        if args.select is not None:
            s.select(args.select)
        return s, None
    return build_session(args), (lambda old: build_session(args, old))


def verify(path: str) -> int:
    from game.tools.replay import ReplayError, verify_replay

    try:
        v = verify_replay(path)
    except ReplayError as e:
        print(f"viewer: {e}", file=sys.stderr)
        return 1
    if v.ok:
        print(
            f"{path}: OK, {v.ticks} ticks re-simulate to the recorded state hash {v.expected}"
            f" ({v.traced} traced hashes on the way agree)"
        )
        return 0
    if v.first_bad_tick is not None:
        print(
            f"{path}: MISMATCH: the re-simulated state differs from the recorded one after tick "
            f"{v.first_bad_tick}",
            file=sys.stderr,
        )
    else:
        print(
            f"{path}: MISMATCH after {v.ticks} ticks: recorded {v.expected}, re-simulated {v.actual}",
            file=sys.stderr,
        )
    return 1
