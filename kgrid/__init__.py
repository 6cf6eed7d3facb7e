"""`kgrid`: one command for the whole project, its subcommands those of the three tools.

    kgrid train|eval|bench|monitor|scorecard|study|sweep ...   python -m learn ...
    kgrid validate|render|describe|new|docs ...     python -m game ...
    kgrid play|spectate|replay ...                  python -m viewer ...
    kgrid viewer-bench ...                          python -m viewer bench ...

Each subcommand is handed on unchanged (its flags and help are the tool's own); the tools are
imported only when used, so `kgrid validate` does not load torch.
"""

from __future__ import annotations

import sys

TOOLS = {
    "learn": ("train", "eval", "bench", "monitor", "scorecard", "study", "sweep"),
    "game": ("validate", "render", "describe", "new", "docs"),
    "viewer": ("play", "spectate", "replay"),
}
RENAMED = {"viewer-bench": ("viewer", "bench")}  # both learn and viewer have a `bench`


def route(argv: list[str]) -> tuple[str, list[str]]:
    """(tool, the tool's own argv) for a kgrid command line; ValueError for an unknown subcommand."""
    cmd, rest = argv[0], argv[1:]
    if cmd in RENAMED:
        tool, sub = RENAMED[cmd]
        return tool, [sub, *rest]
    for tool, cmds in TOOLS.items():
        if cmd in cmds:
            return tool, [cmd, *rest]
    raise ValueError(cmd)


def _usage() -> str:
    lines = ["usage: kgrid COMMAND [ARGS...]   (kgrid COMMAND --help for a command's options)", ""]
    for tool, cmds in TOOLS.items():
        lines.append(f"  {', '.join(cmds):<40} python -m {tool}")
    lines.append(f"  {'viewer-bench':<40} python -m viewer bench")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    try:
        tool, args = route(argv)
    except ValueError:
        print(f"error: kgrid: unknown command {argv[0]!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    if tool == "learn":
        from learn.__main__ import main as run
    elif tool == "game":
        from game.__main__ import main as run
    else:
        from viewer.cli import main as run
    return int(run(args) or 0)
