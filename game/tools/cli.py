"""The level tool, `python -m game` (its commands: game/tools/usage.py).

LEVEL is a path, or a name in game/levels/ (`arena`, `maze`, ...). Errors in a level (or in a
command line) exit with status 2 and one message, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from game.errors import LevelError
from game.load.level import load_level
from game.tools.describe import describe_text
from game.tools.reference import DOCS_PATH, ROOT, reference_text
from game.tools.render import render_png
from game.tools.template import TEMPLATE
from game.tools.usage import USAGE


class CliError(Exception):
    pass


DOCS_SHOWN = DOCS_PATH.relative_to(ROOT)  # docs/levels.md, as the help names it


# ---- commands ------------------------------------------------------------------------------
def cmd_validate(args) -> int:
    bad = 0
    for path in args.levels:
        try:
            level = load_level(path)
        except LevelError as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad += 1
        else:
            if not args.quiet:
                print(f"ok: {path} ({level.name or Path(path).stem})")
    return 2 if bad else 0


def cmd_render(args) -> int:
    level = load_level(args.level)
    out = Path(args.output)
    w, h = render_png(level, out, seed=args.seed, tile=args.tile, key=not args.no_key)
    print(f"wrote {out} ({w}x{h})")
    return 0


def cmd_describe(args) -> int:
    print(describe_text(args.level, seed=args.seed, config=not args.no_config))
    return 0


def cmd_new(args) -> int:
    name = args.name
    path = Path(name if name.endswith(".toml") else f"{name}.toml")
    if args.output:
        path = Path(args.output) / path.name
    if path.exists() and not args.force:
        raise CliError(f"{path}: already exists; pass --force to overwrite")
    text = TEMPLATE.format(name=path.stem, file=path)
    path.write_text(text)
    load_level(path)  # the template must always be a valid level
    print(f"wrote {path}")
    return 0


def cmd_docs(args) -> int:
    text = reference_text()
    if args.check:  # reading is harmless: without -o it checks the project's own docs/levels.md
        out = Path(args.output) if args.output else DOCS_PATH
        if not out.is_file() or out.read_text() != text:
            raise CliError(f"{out}: out of date; run `python -m game docs -o {out}`")
        print(f"{out}: up to date")
        return 0
    if (
        not args.output
    ):  # write only where asked: a default path, run from elsewhere, was the package's own file
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    out.write_text(text)
    print(f"wrote {out}")
    return 0


# ---- entry point ----------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit 2, with our usage line
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m game",
        description="Level tool: validate, render, describe, new, docs.",
        epilog=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    v = sub.add_parser("validate", help="check levels (exit 2 if any is bad)")
    v.add_argument("levels", nargs="+", metavar="LEVEL")
    v.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    v.set_defaults(fn=cmd_validate)
    r = sub.add_parser("render", help="write a PNG of a level's map")
    r.add_argument("level", metavar="LEVEL")
    # required: a default name would write into the current directory, which the user did not name
    r.add_argument("-o", "--output", required=True, help="PNG path to write")
    r.add_argument("--seed", type=int, default=0, help="map seed (world w of an env seeded s uses s + w)")
    r.add_argument("--tile", type=int, default=16, help="pixels per cell")
    r.add_argument("--no-key", action="store_true", help="no key of colours under the map")
    r.set_defaults(fn=cmd_render)
    d = sub.add_parser("describe", help="resolved config, spaces and features")
    d.add_argument("level", metavar="LEVEL")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-config", action="store_true", help="leave out the resolved TOML")
    d.set_defaults(fn=cmd_describe)
    n = sub.add_parser("new", help="write a commented level template")
    n.add_argument("name", metavar="NAME")
    n.add_argument("-o", "--output", help="directory to write NAME.toml into (default: here)")
    n.add_argument("--force", action="store_true", help="overwrite an existing file")
    n.set_defaults(fn=cmd_new)
    g = sub.add_parser(
        "docs", help="the level reference (docs/levels.md) from the schema: printed, or written with -o"
    )
    g.add_argument(
        "-o",
        "--output",
        help="file to write (default: print it; the project's own is "
        f"-o {DOCS_SHOWN} from the project's root)",
    )
    g.add_argument(
        "--check",
        action="store_true",
        help=f"exit 2 if the file (-o, default: the project's {DOCS_SHOWN}) is out of date",
    )
    g.set_defaults(fn=cmd_docs)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.fn(args)
    except (LevelError, CliError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
