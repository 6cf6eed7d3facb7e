"""The level tool.

    python -m game validate LEVEL...          check levels; one clear line per bad level, exit 2
    python -m game render LEVEL -o level.png  a PNG of the map (--seed, --tile)
    python -m game describe LEVEL             the resolved config, the spaces and the features
    python -m game new NAME                   write NAME.toml, a commented template
    python -m game docs                       regenerate docs/levels.md from the schema

LEVEL is a path, or a name in game/levels/ (`arena`, `maze`, ...). Errors in a level (or in a
command line) exit with status 2 and one message, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import Any, Sequence

import msgspec

from game.level import LEVELS_DIR, LevelError, dump_level, load_level

ROOT = Path(__file__).resolve().parent.parent
DOCS_PATH = ROOT / "docs" / "levels.md"


class CliError(Exception):
    pass


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
    from game.render import render_png

    out = Path(args.output)
    w, h = render_png(level, out, seed=args.seed, tile=args.tile, key=not args.no_key)
    print(f"wrote {out} ({w}x{h})")
    return 0


def describe_text(path: str, seed: int = 0, config: bool = True) -> str:
    level = load_level(path)
    from game import make_env

    env = make_env(path, num_worlds=1, seed=seed)
    tab = env.tables
    lay = env.layouts[0]
    obs, act = env.single_observation_space, env.single_action_space
    counts: dict[str, int] = {}
    for n, _, _ in lay.objects:
        counts[n] = counts.get(n, 0) + 1
    groups: dict[str, int] = {}
    for g, _, _ in lay.agents:
        groups[g] = groups.get(g, 0) + 1
    m = level.map
    lines = [
        f"level: {level.name or Path(path).stem}  ({path})",
        f"description: {level.description}",
        f"map: {lay.height}x{lay.width}, " + (f"generator '{m.generator}'" if m.generator else "ascii")
        + ((f", seed {m.seed}" if m.seed >= 0 else ", seeded per world") if m.generator else "")
        + (", fixed" if m.fixed else ", fresh per episode"),
        f"agents per world: {env.agents_per_world} ({', '.join(f'{g} {n}' for g, n in groups.items())})",
        f"objects: {', '.join(f'{n} {c}' for n, c in counts.items()) or 'none'}; terrain walls {int(lay.walls.sum())}",
        f"episode: {level.max_steps} ticks; kinship: {level.kinship.mode}",
        f"observation space: {obs.shape} {obs.dtype.name} ({obs.shape[0]}x{obs.shape[1]} window, {obs.shape[2]} channels)",
        f"action space: MultiDiscrete({act.nvec.tolist()})",
        "actions (id name args cost):",
    ]
    for i, (name, code) in enumerate(zip(tab.action_names, tab.action_code)):
        lines.append(f"  {i:2d} {name:<9s} {int(tab.arg_count[code]):2d}  {level.actions[name].cost}")
    lines.append(f"features ({len(env.feature_names)}):")
    for i, f in enumerate(env.feature_names):
        lines.append(f"  {i:2d} {f}")
    if config:
        lines += ["", "# resolved config", dump_level(level)]
    return "\n".join(lines)


def cmd_describe(args) -> int:
    print(describe_text(args.level, seed=args.seed, config=not args.no_config))
    return 0


TEMPLATE = '''\
# {name}: one line saying what this level is.
# Tests: what behaviour this level is meant to show or measure.
# Actions: all ten (noop, move, rotate, use, attack, shield, transfer, swap, color, mate).
# Rewards: what pays (resource rewards, building rewards, kinship).
# Termination: none; episodes are truncated after max_steps ticks.
#
# Everything not written here comes from the defaults (game/defaults.py) or from a base level.
# The full reference is docs/levels.md; check this file with `python -m game validate {file}`
# and look at it with `python -m game render {file} -o {name}.png`.

# base = "arena.toml"      # inherit another level and override only what differs
name = "{name}"
description = "a new level"
max_steps = 500             # ticks per episode

# Resources keep the defaults (ore, battery, heart, armor, laser, blueprint) so that one policy
# runs on every level; change what they are worth here.
[resources.heart]
reward = 1.0                # reward per heart held
# reward_max = -1.0         # cap of this resource's reward; negative = uncapped

# Buildings: recipes. Every default building exists (mine, generator, charger, altar, ...).
[buildings.altar]
inputs = {{ battery = 3 }}    # resources taken per use (set a count to 0 to drop it)
input_energy = 10
outputs = {{ heart = 1 }}
cooldown = 10

# Actions: energy cost and resolution priority (lower first).
# [actions.attack]
# cost = 10

# Agent groups: each a body (energy profile and its own action costs).
[groups.red]
start_energy = 100
max_energy = 255
upkeep = 0                  # energy lost every tick
# costs = {{ move = 2 }}      # per-action cost overrides for this group

[groups.blue]

# Kinship: none, teams, clans, random or matrix.
[kinship]
mode = "teams"
share = 0.5

# [combat]
# consume_laser = true      # attacks need and use a laser

# [mate]
# share = 0.5               # kinship added between bonded partners

[obs]
window = 11                 # odd; keep 11 to share the policy's observation space

# The map: a generator (rooms, scatter, maze, compose) or an ASCII map with a legend, e.g.
#   ascii = """
#   #######
#   #A.m.B#
#   #######
#   """
#   legend = {{ B = "agent.blue" }}   # '#' wall, '.' empty, 'A' first group, building letters
[map]
generator = "scatter"
fixed = true                # false: a fresh map every episode
# seed = 7                  # a fixed map for every world (default: drawn from the env seed)

[map.params]
height = 20
width = 20
wall_density = 0.1
agents = 6
objects = {{ mine = 6, generator = 3, altar = 3, charger = 1 }}
'''


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
    out = Path(args.output) if args.output else DOCS_PATH
    if args.check:
        if not out.exists() or out.read_text() != text:
            raise CliError(f"{out}: out of date; run `python -m game docs`")
        print(f"{out}: up to date")
        return 0
    out.write_text(text)
    print(f"wrote {out}")
    return 0


# ---- the generated reference -------------------------------------------------------------
def _unwrap(tp):
    meta = []
    while typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        tp = args[0]
        meta += [a for a in args[1:] if isinstance(a, msgspec.Meta)]
    return tp, meta


def _is_struct(tp) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _type_name(tp) -> str:
    tp, _ = _unwrap(tp)
    if _is_struct(tp):
        return f"table ([{tp.__name__}](#{tp.__name__.lower()}))"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(f'`"{a}"`' for a in typing.get_args(tp))
    if origin is dict:
        val, _ = _unwrap(typing.get_args(tp)[1])
        if _is_struct(val):
            return f"table of [{val.__name__}](#{val.__name__.lower()}) tables"
        return f"table of {_type_name(val)}"
    if origin is list:
        return f"array of {_type_name(typing.get_args(tp)[0])}"
    if tp is typing.Any:
        return "any"
    return {int: "int", float: "float", str: "string", bool: "bool"}.get(tp, getattr(tp, "__name__", str(tp)))


def _toml_value(v: Any) -> str:
    if isinstance(v, msgspec.Struct):
        return "{}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '""' if v == "" else f'"{v}"'
    if isinstance(v, dict):
        return "{}" if not v else "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def _default(cls, name: str) -> str:
    i = cls.__struct_fields__.index(name)
    defaults = cls.__struct_defaults__
    k = i - (len(cls.__struct_fields__) - len(defaults))
    d = defaults[k] if k >= 0 else msgspec.NODEFAULT
    if isinstance(d, msgspec._core.Factory):
        v = d.factory()
        if isinstance(v, msgspec.Struct):
            return "(table)"
        if cls.__name__ == "Level" and name == "actions":
            return "the defaults (below)"
        return _toml_value(v)
    if cls.__name__ == "Level" and name in ("resources", "buildings"):
        return "the defaults (below)"
    return _toml_value(d)


def _constraint(meta: list) -> str:
    parts = []
    for m in meta:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(m, attr)
            if v is not None:
                parts.append(f"{sym} {v}")
    return ", ".join(parts)


def _struct_table(cls, heading: str, level: int = 3) -> list[str]:
    hints = typing.get_type_hints(cls, include_extras=True)
    out = [f"{'#' * level} {heading}", ""]
    if cls.__doc__ and cls.__doc__ is not msgspec.Struct.__doc__:
        out += [" ".join(line.strip() for line in cls.__doc__.strip().splitlines() if line.strip()), ""]
    out += ["| field | type | default | description |", "| --- | --- | --- | --- |"]
    for f in cls.__struct_fields__:
        tp, meta = _unwrap(hints[f])
        desc = " ".join(m.description for m in meta if m.description) or ""
        cons = _constraint(meta)
        if cons:
            desc = f"{desc} ({cons})" if desc else f"({cons})"
        out.append(f"| `{f}` | {_type_name(hints[f])} | `{_default(cls, f)}` | {desc.replace('|', '/')} |")
    return out + [""]


def _structs_of(cls, seen: list) -> list:
    if cls in seen:
        return seen
    seen.append(cls)
    for tp in typing.get_type_hints(cls, include_extras=True).values():
        stack = [tp]
        while stack:
            t, _ = _unwrap(stack.pop())
            if _is_struct(t):
                _structs_of(t, seen)
            stack += [a for a in typing.get_args(t) if not isinstance(a, (str, msgspec.Meta))]
    return seen


def _level_summary(path: Path) -> list[str]:
    head = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        head.append(line.lstrip("#").strip())
    return head


def _limits_text() -> list[str]:
    from game import limits

    return [
        "## Limits",
        "",
        "Sizes past these are refused with one line naming the field (`python -m game validate` exits",
        "2), before anything large is built (the values live in `game/limits.py`):",
        "",
        "| what | limit | why |",
        "| --- | --- | --- |",
        f"| map height and width (ASCII, or any generator's `height` / `width`) | {limits.MAX_MAP_SIDE} cells a side | "
        "a 100000x100000 scatter map would take ~20 GB to draw and a 20001x20001 maze hours; the shipped levels "
        "are at most 40x40 |",
        f"| `max_steps` (and the trainer's `--max-steps`) | {limits.MAX_STEPS:,} ticks (2**31 - 1) | the episode "
        "tick is an int32 |",
        f"| the memory of an env (`make_env(..., num_worlds=N)`, the trainer's `num_worlds`) | "
        f"{limits.MEMORY_SHARE:.0%} of the memory available when it is built | measured on one built world (its "
        "state arrays twice: the worlds and their reset template, plus the observation buffers) times N; the "
        "refusal says what it would need against what is available, e.g. `arena: 1,000,000 worlds would need "
        "about 210.1 GiB of memory and 22.4 GiB is available` |",
        "",
    ]


def reference_text() -> str:
    from game import level as level_mod
    from game.config import Level
    from game.defaults import ACTIONS, BUILDINGS, RESOURCES
    from game.mapgen import GENERATORS

    out = [
        "# Level reference",
        "",
        "<!-- Generated by `python -m game docs` from game/config.py, game/mapgen and game/levels;",
        "     do not edit by hand (a test checks this file equals the generated text). -->",
        "",
        "A level is a TOML file: the game's rules plus a map. Every field has a default, so a level",
        "writes only what differs; unknown fields are errors. Check, look at and inspect levels with",
        "",
        "```",
        *[line.strip() for line in (__doc__ or "").splitlines()[2:7]],
        "```",
        "",
        "## Loading",
        "",
        *[line for line in (level_mod.__doc__ or "").strip().splitlines()],
        "",
        "Every level is merged onto the default game (below), so all shipped levels share the default",
        "resources and actions, and therefore one observation and action space: one policy runs on",
        "all of them. Errors name the file, the TOML path and what was expected, e.g.",
        "`arena.toml: $.obs.window: expected an odd window of at least 1 (e.g. 11), got 10`.",
        "",
        "## Schema",
        "",
    ]
    for cls in _structs_of(Level, []):
        out += _struct_table(cls, cls.__name__ if cls is not Level else "Level (the top level of the file)")
    out += [
        "## Maps",
        "",
        "An ASCII map (`[map] ascii`) draws one character per cell. The legend maps characters to",
        "`empty`, `wall`, a building name, or `agent.GROUP`; by default `.` and space are empty, every",
        "building's `char` is that building, and `A` is an agent of the first group. `[map.legend]`",
        "adds or overrides entries. A `wall` with hp 0 is indestructible terrain.",
        "",
        "Or a generator (`[map] generator` with `[map.params]`). Generators draw only from the map's",
        "seed: world w of an env seeded s gets seed s + w (or `[map] seed` for all worlds), so a map",
        "is reproducible from its seed. Every map of one level has the same size and the same agent",
        "and object counts. Agents take rows in group declaration order, then map order.",
        "",
    ]
    for name, gen in GENERATORS.items():
        out += _struct_table(gen.params, f"generator `{name}`")
        if name == "compose":
            from game.mapgen.compose import Part

            out += _struct_table(Part, "Part (an entry of `parts`)", 4)
    out += _limits_text()
    out += ["## Defaults", "", "### Resources", "", "| resource | reward | reward_max | max |", "| --- | --- | --- | --- |"]
    from game.config import Building, Resource

    for r, d in RESOURCES.items():
        res = Resource(**d)
        out.append(f"| `{r}` | {res.reward} | {res.reward_max} | {res.max} |")
    out += ["", "### Buildings", "", "| building | char | inputs | outputs | cooldown | hp | usable |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for b, d in BUILDINGS.items():
        bb = Building(**d)
        ins = ", ".join([f"{n} {k}" for k, n in bb.inputs.items()] + ([f"{bb.input_energy} energy"] if bb.input_energy else []))
        outs = ", ".join([f"{n} {k}" for k, n in bb.outputs.items()] + ([f"{bb.output_energy} energy"] if bb.output_energy else []))
        out.append(f"| `{b}` | `{bb.char}` | {ins or '-'} | {outs or '-'} | {bb.cooldown} | {bb.hp} | {str(bb.usable).lower()} |")
    out += ["", "### Actions", "", "| action | cost | priority |", "| --- | --- | --- |"]
    for a, d in ACTIONS.items():
        out.append(f"| `{a}` | {d['cost']} | {d['priority']} |")
    out += ["", "## The level library (`game/levels/`)", ""]
    for path in sorted(LEVELS_DIR.glob("*.toml")):
        head = _level_summary(path)
        out += [f"### {path.stem}", ""] + [" ".join(head)] + [""] if head else [f"### {path.stem}", ""]
    return "\n".join(out).rstrip() + "\n"


# ---- entry point ----------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit 2, with our usage line
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m game", description="Level tool: validate, render, describe, new, docs.")
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
    g = sub.add_parser("docs", help="regenerate docs/levels.md from the schema")
    g.add_argument("-o", "--output", help=f"output path (default: {DOCS_PATH.relative_to(ROOT)})")
    g.add_argument("--check", action="store_true", help="exit 2 if the file is out of date")
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


if __name__ == "__main__":
    sys.exit(main())
